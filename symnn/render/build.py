"""Documents built by reading symnn's objects: an ``MLP`` (its network section), a ``Derivation``, a ``Verdict``.

These functions only read; nothing here changes the objects, and the objects never build strings themselves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sympy as sp

from symnn.model.network import MLP
from symnn.model.notation import NetSymbol, output_symbol
from symnn.render.diagram import network_diagram
from symnn.render.document import Document
from symnn.render.formula import WIDTH, equation_lines, latex, visible_width
from symnn.render.notation_text import to_prose
from symnn.render.words import ACTIVATION_NAMES, CONVENTION_NAMES, LANGS, LOSS_NAMES, PHRASES, agree

__all__ = [
    "add_network",
    "add_verdict",
    "derivation_document",
    "network_document",
    "phrase",
    "results_latex",
    "shape",
    "verdict_text",
]

#: A network is derived in the element view for every unit while it has at most this many units past the input;
#: bigger networks show the first and last units of each layer only.
MAX_UNITS_LISTED = 12
#: Gradients written out in x, t and the parameters are shown only while each is at most this wide.
MAX_EXPLICIT_WIDTH = 160


def phrase(key: str, **fields: Any) -> dict[str, str]:
    """The phrase ``key`` in every language, with its fields filled (field values may be per-language dicts)."""

    def value(v: Any, lang: str) -> Any:
        return v[lang] if isinstance(v, dict) else v

    return {
        lang: agree(PHRASES[key][lang].format(**{k: value(v, lang) for k, v in fields.items()}), lang) for lang in LANGS
    }


def shape(net: MLP) -> str:
    """``2-3-2`` for a network of layers [2, 3, 2]."""
    return "-".join(str(n) for n in net.sizes)


def _name(name: str, table: dict[str, dict[str, str]]) -> dict[str, str]:
    # a registered user activation has no entry: its own name in code type serves in every language
    return table.get(name, {lang: f"`{name}`" for lang in LANGS})


def _join(names: list[dict[str, str]]) -> dict[str, str]:
    out = {}
    for lang in LANGS:
        words = [n[lang] for n in names]
        if len(words) <= 1:
            out[lang] = "".join(words)
        else:
            out[lang] = PHRASES["list sep"][lang].join(words[:-1]) + PHRASES["and"][lang] + words[-1]
    return out


def _element_pairs(net: MLP, l: int) -> list[tuple[sp.Basic, sp.Basic]]:
    """z^(l)_j = Σ_k w a + b and a^(l)_j = f(z^(l)_j) for the units of layer l (first and last when many)."""
    n = net.sizes[l]
    units = list(range(1, n + 1)) if n <= 4 else [1, 2, n]
    z_syms = [net.preact(l, j) for j in range(1, n + 1)]
    a_vals = net.activate(l, z_syms)
    pairs: list[tuple[sp.Basic, sp.Basic]] = []
    for j in units:
        pairs.append((net.preact(l, j), net.z_local[l - 1][j - 1]))
    for j in units:
        lhs = output_symbol(j) if l == net.depth else net.act(l, j)
        rhs = a_vals[j - 1]
        if l == net.depth:
            rhs = sp.Eq(net.act(l, j), rhs, evaluate=False)
            pairs.append((lhs, rhs))
        else:
            pairs.append((lhs, rhs))
    return pairs


def add_network(doc: Document, net: MLP) -> None:
    """Add the network's section: what it is, its diagram, its forward pass (matrix and element views), its loss."""
    hidden_names = list(dict.fromkeys(net.activations[:-1]))
    fields = {
        "n_in": net.sizes[0],
        "n_out": net.sizes[-1],
        "hidden": phrase("hidden sizes", sizes=", ".join(str(n) for n in net.sizes[1:-1])),
        "hidden_act": _join([_name(a, ACTIVATION_NAMES) for a in hidden_names]),
        "output_act": _name(net.activations[-1], ACTIVATION_NAMES),
        "loss": _name(net.loss_name, LOSS_NAMES),
        "convention": CONVENTION_NAMES[net.convention],
    }
    doc.heading(phrase("network"))
    if net.depth > 1:
        doc.text(phrase("network intro", **fields))
    else:
        doc.text(phrase("network intro no hidden", **fields))
    doc.figure(network_diagram(net))
    doc.text(phrase("diagram caption"))

    doc.heading(phrase("forward"))
    view = net.matrix_view
    doc.text(phrase("forward matrix" if net.convention == "column" else "forward matrix row"))
    doc.equations(view.equations)
    doc.text(phrase("forward elements"))
    for l in range(1, net.depth + 1):
        doc.equations(_element_pairs(net, l))

    doc.heading(phrase("loss"))
    doc.text(phrase("loss intro"))
    C = sp.Symbol("C")
    doc.equation(C, net.loss_of(net.output_symbols))
    outro = phrase("loss outro")
    if outro["en"] or outro["ja"]:
        doc.text(outro)


def network_document(net: MLP) -> Document:
    """A document describing the network: diagram, forward pass, loss."""
    doc = Document(phrase("network title", shape=shape(net)))
    add_network(doc, net)
    return doc


def _rule(rule: str) -> dict[str, str]:
    from symnn.derive.derivation import RULES

    names = RULES.get(rule)
    if names is None:
        raise ValueError(f"unknown rule {rule!r} in a derivation step; known rules: {', '.join(RULES)}")
    return dict(names)


def _notes(step: Any) -> dict[str, str]:
    return {lang: to_prose(step.note(lang=lang)) for lang in LANGS}


#: At most this many chains of equal steps share one numbered block (an ``aligned`` block cannot break across
#: pages, so a block stays well under a page).
MAX_CHAINS_PER_BLOCK = 4


def _chains(steps: Sequence[Any]) -> list[list[Any]]:
    """Consecutive steps with the same left side: one chain of equalities, δ = ∂C/∂z = ∂C/∂a ∂a/∂z = …"""
    chains: list[list[Any]] = []
    for step in steps:
        if chains and chains[-1][-1].lhs == step.lhs:
            chains[-1].append(step)
        else:
            chains.append([step])
    return chains


def _shape_of(chain: list[Any]) -> tuple:
    """What makes chains alike: the same rules in order, for the same kind of left side (z, a, δ, ∂C/∂θ)."""
    lhs = chain[0].lhs
    kind = lhs.kind if isinstance(lhs, NetSymbol) else type(lhs).__name__
    return (kind, *(s.rule for s in chain))


def _chain_lines(chain: list[Any], lang: str) -> list[str]:
    lines: list[str] = []
    for i, step in enumerate(chain):
        tag = (
            rf" && \text{{({_rule(step.rule)[lang]})}}"
            if lang == "en"
            else rf" && \text{{（{_rule(step.rule)[lang]}）}}"
        )
        step_lines = equation_lines(chain[0].lhs if i == 0 else "", step.rhs, width=WIDTH - 14)
        step_lines[0] += tag
        lines += step_lines
    return lines


def _add_steps(doc: Document, steps: Sequence[Any]) -> None:
    """Add steps as numbered blocks: each chain of steps on one left side becomes one aligned block whose lines
    are tagged with their rules; consecutive chains of the same shape (δ of every output unit, the gradient of
    every weight) share a block, with each distinct note said once."""
    blocks: list[list[list[Any]]] = []
    for chain in _chains(steps):
        if blocks and len(blocks[-1]) < MAX_CHAINS_PER_BLOCK and _shape_of(blocks[-1][0]) == _shape_of(chain):
            blocks[-1].append(chain)
        else:
            blocks.append([chain])
    for block in blocks:
        notes = {}
        for lang in LANGS:
            seen: dict[str, str] = {}
            for chain in block:
                for step in chain:
                    seen.setdefault(re.sub(r"\d+", "#", step.note(lang="en")), to_prose(step.note(lang=lang)))
            notes[lang] = ("" if lang == "ja" else " ").join(dict.fromkeys(seen.values()))
        tex = {
            lang: "\\begin{aligned}\n"
            + " \\\\[4pt]\n".join(" \\\\\n".join(_chain_lines(chain, lang)) for chain in block)
            + "\n\\end{aligned}"
            for lang in LANGS
        }
        doc.step(None, notes, "", tex)


def _layer_sample(params: Sequence[sp.Symbol], limit: int) -> list[sp.Symbol]:
    """All parameters while there are at most ``limit``; else the first and last two of each layer's W and b."""
    if len(params) <= limit:
        return list(params)
    groups: dict[tuple[str, int | None], list[sp.Symbol]] = {}
    for p in params:
        groups.setdefault((getattr(p, "kind", "?"), getattr(p, "layer", None)), []).append(p)
    out: list[sp.Symbol] = []
    for group in groups.values():
        out += group if len(group) <= 4 else [*group[:2], *group[-2:]]
    return out


def _gradient_grid(net: MLP, params: Sequence[sp.Symbol], lhs_of: dict, values: dict) -> str:
    """The gradients as an aligned grid, one row per unit: ∂C/∂w_j1 = δ_j x_1, …, ∂C/∂b_j = δ_j."""
    rows: dict[tuple[int | None, int], list[str]] = {}
    for p in params:
        rows.setdefault((p.layer, p.index[0]), []).append(f"{latex(lhs_of[p])} &= {latex(values[p])}")
    lines: list[str] = []
    for cells in rows.values():
        for i in range(0, len(cells), 4):  # at most four equations side by side
            lines.append(" & \\qquad ".join(cells[i : i + 4]))
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def derivation_document(
    d: Any, *, verdict: Any = None, explicit: bool | None = None, layout: str = "denominator", shapes: bool = True
) -> Document:
    """The whole derivation as a document: the network, every step with its rule, the matrix form, the gradients.

    Parameters
    ----------
    d : Derivation
        From :func:`symnn.derive.backprop` (a network derivation) or :func:`symnn.chain_rule`.
    verdict : Verdict, optional
        A verification result to report at the end.
    explicit : bool, optional
        Also show each gradient written out in x, t and the parameters; by default only while they are short.
    layout : {"denominator", "numerator"}
        The layout of the matrix equations (:mod:`symnn.render.matrix_shapes`).
    shapes : bool
        Write the shapes of the factors under every matrix equation.
    """
    from symnn.render.matrix_shapes import LAYOUTS, add_matrix_steps

    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; valid choices: {', '.join(LAYOUTS)}")
    net = getattr(d, "network", None)
    if net is not None:
        doc = Document(phrase("backprop title", shape=shape(net)))
        add_network(doc, net)
    else:
        target = next(iter(d.results), None)
        doc = Document(phrase("chain rule title", target=latex(target)) if target is not None else "Derivation")
    doc.heading(phrase("steps"))
    if net is not None:
        doc.text(phrase("steps intro"))
    _add_steps(doc, d.steps)

    if net is not None:
        matrix_steps = list(getattr(d, "matrix_steps", []) or [])
        if matrix_steps:
            doc.heading(phrase("matrix steps"))
            add_matrix_steps(doc, net, matrix_steps, layout=layout, shapes=shapes, intro=phrase("matrix steps intro"))
        doc.heading(phrase("gradients"))
        doc.text(phrase("gradients intro"))
        # the derivation's own left sides (∂C/∂θ printed as a partial derivative), by parameter
        lhs_of = {lhs.variables[0]: lhs for lhs in d.results}
        shown = _layer_sample(net.params, 40)
        doc.math(_gradient_grid(net, shown, lhs_of, d.local_gradients))
        widths = {p: visible_width(latex(d.gradients[p])) for p in shown}
        if explicit or (explicit is None and max(widths.values()) <= MAX_EXPLICIT_WIDTH):
            doc.text(phrase("explicit gradients"))
            doc.equations([(lhs_of[p], d.gradients[p]) for p in shown])
        else:
            doc.text(phrase("explicit omitted"))
    else:
        doc.heading(phrase("results"))
        doc.equations(list(d.results.items()))
    if verdict is not None:
        add_verdict(doc, verdict)
    return doc


#: a Verdict's ``op`` -> LaTeX relation
RELATION_LATEX: dict[str, str] = {"==": "=", "<=": r"\leq", ">=": r"\geq", "<": "<", ">": ">"}


def add_verdict(doc: Document, verdict: Any, *, heading: bool = True) -> None:
    """Report a verification result: the statement checked, its status and, if refuted, the counterexample."""
    if heading:
        doc.heading(phrase("verdict"))
    if getattr(verdict, "lhs", None) is not None:
        doc.equation(verdict.lhs, verdict.rhs, relation=RELATION_LATEX.get(getattr(verdict, "op", "=="), "="))
    doc.text({lang: verdict_text(verdict, lang) for lang in LANGS})


def verdict_text(verdict: Any, lang: str) -> str:
    """One sentence on a :class:`~symnn.Verdict`, from its ``status`` and ``counterexample``."""
    status = str(getattr(verdict, "status", verdict))
    words = VERDICT_WORDS.get(status, {"en": f"Verdict: {status}.", "ja": f"検証結果: {status}。"})[lang]
    method = getattr(verdict, "method", "")
    if method and lang == "en":  # the method is an English phrase from symnn.verify
        words = f"{words[:-1]} ({method})."
    given = getattr(verdict, "given", None)
    if given:  # the sides are shown as stated; they were checked under these substitutions
        pairs = ", ".join(f"{latex(k)} = {latex(v)}" for k, v in dict(given).items())
        words += (
            (" Checked given " if lang == "en" else "条件 ")
            + f"${pairs}$"
            + ("." if lang == "en" else " のもとで検証。")
        )
    example = getattr(verdict, "counterexample", None)
    if example:
        pairs = ", ".join(f"{latex(k)} = {latex(v)}" for k, v in dict(example).items())
        words += (" Counterexample: " if lang == "en" else "反例：") + f"${pairs}$"
        words += "." if lang == "en" else "。"
    return words


#: Verdict status -> sentence (three-valued: proved, numeric, refuted, unknown).
VERDICT_WORDS: dict[str, dict[str, str]] = {
    "proved": {"en": "Proved symbolically.", "ja": "記号計算で証明されました。"},
    "numeric": {
        "en": "Holds numerically at random real points (not proved).",
        "ja": "ランダムな実数点で数値的に成り立ちます（証明ではありません）。",
    },
    "refuted": {"en": "Refuted.", "ja": "成り立ちません。"},
    "unknown": {"en": "Neither proved nor refuted.", "ja": "証明も反証もできませんでした。"},
}


def latex_of(expr: sp.Basic) -> str:
    """Shorthand kept for the gallery scripts: :func:`symnn.render.formula.latex`."""
    return latex(expr)


def results_latex(d: Any) -> str:
    """The derivation's conclusions as one LaTeX formula for Jupyter's ``_repr_latex_``: the matrix equations of a
    network derivation, or the results of a chain-rule derivation."""
    pairs = [(s.lhs, s.rhs) for s in d.matrix_steps] if getattr(d, "matrix_steps", None) else list(d.results.items())
    lines = [line for lhs, rhs in pairs for line in equation_lines(lhs, rhs)]
    return "$\\displaystyle \\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}$"

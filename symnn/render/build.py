"""Documents built by reading symnn's objects: an ``MLP`` (its network section), a ``Derivation``, a ``Verdict``.

These functions only read; nothing here changes the objects, and the objects never build strings themselves.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symnn.network import MLP
from symnn.notation import output_symbol
from symnn.render.diagram import network_diagram
from symnn.render.document import Document
from symnn.render.formula import latex
from symnn.render.words import ACTIVATION_NAMES, CONVENTION_NAMES, LANGS, LOSS_NAMES, PHRASES

__all__ = ["add_network", "derivation_document", "network_document", "phrase", "shape"]

#: A network is derived in the element view for every unit while it has at most this many units past the input;
#: bigger networks show the first and last units of each layer only.
MAX_UNITS_LISTED = 12
#: Gradients written out in x, t and the parameters are shown only while each is at most this wide.
MAX_EXPLICIT_WIDTH = 160


def phrase(key: str, **fields: Any) -> dict[str, str]:
    """The phrase ``key`` in every language, with its fields filled (field values may be per-language dicts)."""
    return {
        lang: PHRASES[key][lang].format(**{k: (v[lang] if isinstance(v, dict) else v) for k, v in fields.items()})
        for lang in LANGS
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


def derivation_document(d: Any) -> Document:  # pragma: no cover - filled in once the engine lands
    raise NotImplementedError("Not supported yet: derivation documents need symnn.backprop (issue 4)")


def latex_of(expr: sp.Basic) -> str:
    """Shorthand kept for the gallery scripts: :func:`symnn.render.formula.latex`."""
    return latex(expr)

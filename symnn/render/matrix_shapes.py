"""Matrix equations with the shapes of their factors, in numerator or denominator layout.

Denominator layout (symnn's own): a derivative of the scalar C has the shape of what it is taken in, so
δ^(l) = ∂C/∂z^(l) is shaped like z^(l) and ∂C/∂W^(l) like W^(l). Numerator layout transposes every such
derivative: δ^(l) is shaped like (z^(l))ᵀ and ∂C/∂W^(l) like (W^(l))ᵀ. Its equations are the denominator
ones transposed, with the transposes pushed down to the symbols ((Wᵀ δ)ᵀ = δᵀ W, (A ⊙ B)ᵀ = Aᵀ ⊙ Bᵀ).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from symnn.derive.backprop_matrix import Ones
from symnn.derive.derivation import Step
from symnn.model.network import MLP
from symnn.model.notation import NetMatrix
from symnn.render.formula import latex

__all__ = ["LAYOUTS", "add_matrix_steps", "layout_steps", "matrix_block", "transposed"]

#: layout -> the sentence a document says about it
LAYOUTS: dict[str, dict[str, str]] = {
    "denominator": {
        "en": "The layout is the denominator layout: a derivative of $C$ has the shape of the variable, so "
        "$\\delta^{(l)}$ is shaped like $z^{(l)}$ and $\\partial C / \\partial W^{(l)}$ like $W^{(l)}$.",
        "ja": "レイアウトは分母レイアウトです。$C$ の微分は変数と同じ形で、$\\delta^{(l)}$ は $z^{(l)}$ と、"
        "$\\partial C / \\partial W^{(l)}$ は $W^{(l)}$ と同じ形になります。",
    },
    "numerator": {
        "en": "The layout is the numerator layout: a derivative of $C$ has the transposed shape of the variable, so "
        "$\\delta^{(l)}$ is shaped like $(z^{(l)})^{T}$ and $\\partial C / \\partial W^{(l)}$ like $(W^{(l)})^{T}$.",
        "ja": "レイアウトは分子レイアウトです。$C$ の微分は変数を転置した形で、$\\delta^{(l)}$ は $(z^{(l)})^{T}$ "
        "と、$\\partial C / \\partial W^{(l)}$ は $(W^{(l)})^{T}$ と同じ形になります。",
    },
}


def transposed(e: sp.Basic) -> sp.Basic:
    """``eᵀ`` with the transpose pushed down to the symbols."""
    if isinstance(e, sp.Transpose):
        return e.arg
    if isinstance(e, Ones):
        return Ones(e.cols, e.rows)
    if isinstance(e, sp.MatMul):
        scalars = [a for a in e.args if not a.is_Matrix]
        matrices = [transposed(a) for a in reversed([a for a in e.args if a.is_Matrix])]
        return sp.MatMul(*scalars, *matrices)
    if isinstance(e, sp.MatAdd):
        return sp.MatAdd(*(transposed(a) for a in e.args), evaluate=False)
    if isinstance(e, sp.HadamardProduct):
        return sp.HadamardProduct(*(transposed(a) for a in e.args))
    if isinstance(e, sp.HadamardPower):
        return sp.HadamardPower(transposed(e.base), e.exp)
    if isinstance(e, ElementwiseApplyFunction):
        # args[0] is the activation itself (ApplyPrime differentiates it when evaluated)
        return type(e)(e.args[0], transposed(e.expr))
    return sp.Transpose(e)


def layout_steps(net: MLP, steps: Sequence[Step], layout: str) -> list[Step]:
    """The matrix steps in ``layout``: as derived (denominator) or each transposed (numerator)."""
    if layout == "denominator":
        return list(steps)
    deltas = {s.lhs: NetMatrix(s.lhs.name, s.lhs.cols, s.lhs.rows) for s in steps if isinstance(s.lhs, NetMatrix)}
    out = []
    for s in steps:
        rhs = transposed(s.rhs.xreplace({d: sp.Transpose(t) for d, t in deltas.items()}))
        out.append(Step(deltas.get(s.lhs, s.lhs), rhs, s.rule, s.notes))
    return out


def _shape_note(lhs: Any, rhs: sp.Basic) -> str:
    """``W^{(1)}: 100 \\times 784`` for every matrix of the equation, the left side's shape (the right side's) first."""
    cells = [f"{latex(lhs)}: {rhs.rows} \\times {rhs.cols}"]
    seen = {lhs}
    for m in sorted(rhs.atoms(sp.MatrixSymbol), key=lambda m: latex(m)):
        if m not in seen and not isinstance(m, Ones):
            seen.add(m)
            cells.append(f"{latex(m)}: {m.rows} \\times {m.cols}")
    return "&\\qquad {\\scriptstyle " + ",\\; ".join(cells) + "}"


def matrix_block(net: MLP, pairs: Sequence[tuple[Any, sp.Basic]], *, shapes: bool = True) -> str:
    """The matrix equations ``lhs = rhs`` as an aligned block; with ``shapes``, each followed by a line giving the
    shapes of its factors."""
    lines: list[str] = []
    for lhs, rhs in pairs:
        lines.append(f"{latex(lhs)} &= {latex(rhs)}")
        if shapes:
            lines.append(_shape_note(lhs, rhs))
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def add_matrix_steps(doc: Any, net: MLP, steps: Sequence[Step], *, layout: str, shapes: bool, intro: dict) -> None:
    """The matrix section's body: ``intro`` and the layout said, each distinct note of the steps once, then the
    equations (with their shapes)."""
    from symnn.render.notation_text import to_prose
    from symnn.render.words import LANGS

    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; valid choices: {', '.join(LAYOUTS)}")
    doc.text({lang: intro[lang] + " " + LAYOUTS[layout][lang] for lang in LANGS})
    doc.text(
        {
            lang: ("" if lang == "ja" else " ").join(dict.fromkeys(to_prose(s.note(lang=lang)) for s in steps))
            for lang in LANGS
        }
    )
    placed = layout_steps(net, steps, layout)
    doc.math(matrix_block(net, [(s.lhs, s.rhs) for s in placed], shapes=shapes))

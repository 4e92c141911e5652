"""Short names for the long pieces of a normalisation layer, for display: ã_j = a_j − μ and v = σ² + ε.

The derivation holds LayerNorm's rule with μ and σ² written out in the inputs
(h_j = γ_j (2a_1/3 − a_2/3 − a_3/3)/√(…) + β_j), and every derivative of it repeats them; a document names them
once. The pieces are rebuilt as :class:`~symnn.model.layers.LayerNorm` and :class:`~symnn.model.layers.BatchNorm`
build them and replaced where they occur whole (``xreplace``: exact, so the display stays equal to the
derivation); where SymPy has distributed a factor into one, that piece stays written out.
"""

from __future__ import annotations

import sympy as sp

from symnn.model.arrays import BatchSum, RowSum
from symnn.model.graph import Network
from symnn.model.layers import Node
from symnn.model.normalization import BatchNorm, LayerNorm
from symnn.render.arrays import Array, array
from symnn.render.node_names import entry_tex

__all__ = ["Abbreviations", "Tex", "batch_abbreviations", "element_abbreviations", "element_definitions", "normalised"]


class Tex(sp.Symbol):
    """A symbol that prints as its name, which is LaTeX (``\\tilde{a}^{(1)}_{2}``)."""

    def _latex(self, printer, exp=None):
        return self.name if exp is None else rf"\left({self.name}\right)^{{{exp}}}"


def normalised(net: Network) -> list[Node]:
    """The nodes whose layer normalises (LayerNorm, BatchNorm)."""
    return [node for node in net.nodes if isinstance(node.layer, LayerNorm | BatchNorm)]


def _pieces(values: list[sp.Expr], eps: sp.Expr) -> tuple[list[sp.Expr], sp.Expr]:
    # as _Normalize._normalize builds them: the centred entries a_j − μ and σ² + ε
    n = len(values)
    mu = sp.Add(*values) / n
    return [v - mu for v in values], sp.Add(*((v - mu) ** 2 for v in values)) / n + eps


class Abbreviations:
    """The short names of the element view: :meth:`apply` writes them into an expression.

    Besides the pieces themselves, a multiple of a centred entry that SymPy has distributed
    (a_2/9 + a_3/9 − 2a_1/9 = −ã_1/3) is recognised: a linear sum in the same entries with proportional
    coefficients.
    """

    def __init__(self, short: dict[sp.Expr, Tex]) -> None:
        self.short = short
        self._centred = [
            (c.as_coefficients_dict(), name)
            for c, name in short.items()
            if c.is_Add and c.is_polynomial() and sp.Poly(c).total_degree() == 1
        ]

    def _multiple(self, e: sp.Add) -> sp.Expr | None:
        coeffs = e.as_coefficients_dict()
        for centred, name in self._centred:
            if coeffs.keys() == centred.keys():
                ratios = {coeffs[k] / centred[k] for k in coeffs}
                if len(ratios) == 1:
                    return ratios.pop() * name
        return None

    def apply(self, expr: sp.Basic) -> sp.Basic:
        expr = expr.xreplace(self.short)
        if not self._centred:
            return expr
        return expr.replace(
            lambda e: isinstance(e, sp.Add) and self._multiple(e) is not None, lambda e: self._multiple(e)
        )


def element_abbreviations(net: Network) -> Abbreviations:
    """Each normalising node's centred entries and variance (plus ε) -> their short names, in the element view."""
    out: dict[sp.Expr, Tex] = {}
    for node in normalised(net):
        u, eps, i = node.inputs[0], node.layer.eps, node.index
        rows = u.symbols
        many = len(rows) > 1
        if isinstance(node.layer, LayerNorm):
            for n, row in enumerate(rows, 1):
                sample = rf"\langle {n}\rangle" if many else ""
                centred, var = _pieces(list(row), eps)
                for j, c in enumerate(centred, 1):
                    out[c] = Tex(entry_tex(u, str(j), sample, head=rf"\tilde{{{u.kind}}}"))
                out[var] = Tex(f"v^{{({i})" + (f" {sample}}}" if sample else "}"))
        else:
            for j, column in enumerate(zip(*rows, strict=True), 1):
                centred, var = _pieces(list(column), eps)
                for n, c in enumerate(centred, 1):
                    out[c] = Tex(entry_tex(u, str(j), rf"\langle {n}\rangle", head=rf"\tilde{{{u.kind}}}"))
                out[var] = Tex(f"v^{{({i})}}_{{{j}}}")
    return Abbreviations(out)


def element_definitions(node: Node) -> tuple[str, str]:
    """The LaTeX definitions of a normalising node's short names: ``ã_j = a_j − μ``, ``v = σ² + ε``."""
    u, i = node.inputs[0], node.index
    tilde = rf"\tilde{{{u.kind}}}"
    if isinstance(node.layer, LayerNorm):
        centred = rf"{entry_tex(u, 'j', head=tilde)} = {entry_tex(u, 'j')} - \mu"
        return centred, rf"v^{{({i})}} = \sigma^{{2}} + \varepsilon"
    n = r"\langle n \rangle"
    centred = rf"{entry_tex(u, 'j', n, head=tilde)} = {entry_tex(u, 'j', n)} - \mu_{{j}}"
    return centred, rf"v^{{({i})}}_{{j}} = \sigma^{{2}}_{{j}} + \varepsilon"


def batch_abbreviations(net: Network, inputs: dict[Node, sp.Symbol], N: sp.Symbol) -> dict[sp.Expr, Array]:
    """The same pieces in the batch view: Ã = A − rowsum(A)/n (LayerNorm; BatchNorm sums over the batch) and
    V = rowsum(Ã²)/n + ε, over the sweep's array symbol of each normalising node's input."""
    out: dict[sp.Expr, Array] = {}
    for node in normalised(net):
        u = node.inputs[0]
        A = inputs[u]
        reduce, count = (RowSum, node.width) if isinstance(node.layer, LayerNorm) else (BatchSum, N)
        D = A - reduce(A) / count  # as _Normalize._batch builds it
        out[D] = array(rf"\tilde{{{u.kind.upper()}}}", "" if u.kind == "x" else f"({u.number})")
        out[reduce(D**2) / count + node.layer.eps] = array("V", f"({node.index})")
    return out

"""The two sides of a statement as :func:`symnn.verify`'s workers see them.

Everything here may take long on a large statement (a substitution into a huge expression, the entries of a
20×20 matrix product), so it runs inside the workers, which are killed at the deadline, never in the caller's
process. The caller only checks shapes (:func:`size`), which is instant.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

__all__ = ["entries", "is_matrix", "size", "substitute", "takes_complex_values"]


def is_matrix(side: sp.Basic) -> bool:
    """Whether ``side`` is an explicit matrix or a matrix expression (``MatrixSymbol``, ``MatMul``, ...)."""
    return isinstance(side, sp.MatrixBase | sp.MatrixExpr)


def size(side: sp.Basic) -> int:
    """How many entries ``side`` has (1 for a scalar), from its shape alone.

    Raises
    ------
    ValueError
        For a matrix expression whose shape is symbolic (``MatrixSymbol("A", n, n)``): it has no entries to compare.
    """
    if not is_matrix(side):
        return 1
    rows, cols = side.shape
    if not (sp.sympify(rows).is_Integer and sp.sympify(cols).is_Integer):
        raise ValueError(
            f"verify compares matrices entry by entry, so their shapes must be numbers; got {rows}×{cols}. "
            "For a general size, write the entries with Indexed and Sum"
        )
    return int(rows) * int(cols)


def substitute(side: sp.Basic, given: Mapping[sp.Basic, sp.Basic] | None) -> sp.Basic:
    """``side`` with ``given`` substituted (SymPy's ``subs``, so a key may be an expression)."""
    return side.subs(dict(given)) if given else side


def entries(side: sp.Basic) -> list[sp.Basic]:
    """The entries of a matrix side in row-major order (a matrix expression is made explicit); ``[side]`` otherwise."""
    if isinstance(side, sp.MatrixBase):
        return list(side)
    if isinstance(side, sp.MatrixExpr):
        return list(side.as_explicit())
    return [side]


def takes_complex_values(sym: sp.Basic) -> bool:
    """Whether the symbol was declared to range over non-real numbers (``complex=True``, ``imaginary=True``).

    A symbol declared with no assumption at all is real in symnn, as everywhere in neural-network math; one
    whose assumptions make it complex without making it real keeps its complex values.
    """
    return isinstance(sym, sp.Symbol) and sym.is_real is not True and sym.is_complex is True

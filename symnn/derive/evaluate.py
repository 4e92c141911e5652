"""The batch view evaluated at explicit entries: array expressions over NumPy arrays of SymPy expressions.

It is how the batch rules are proved equal to the element view (and how documents' matrix equations are checked):
SymPy's matrix algebra has no broadcasting of a row sum over a batch, so the array operations of
:mod:`symnn.codegen.printing` are evaluated here with NumPy's broadcasting on ``dtype=object`` arrays.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy as sp

from symnn.model.arrays import BatchSum, MatMul, RowMax, RowSum, Total, Transpose

__all__ = ["at_point", "evaluate", "symbolic_array"]


def symbolic_array(symbols, shape: tuple[int, ...]) -> np.ndarray:
    """A NumPy object array of the given SymPy ``symbols`` (row-major) with ``shape``."""
    out = np.empty(len(symbols), dtype=object)
    out[:] = list(symbols)
    return out.reshape(shape)


def evaluate(expr: sp.Expr, values: Mapping[sp.Symbol, object]) -> np.ndarray:
    """``expr`` (an expression over array symbols) with each symbol replaced by its array in ``values``."""
    memo: dict[sp.Basic, object] = {}

    def ev(e: sp.Basic):
        if e in memo:
            return memo[e]
        if e in values:
            r = values[e]
        elif e.is_Number or e.is_Symbol or not e.free_symbols:  # a symbol without an array: a constant (p, λ)
            r = e
        elif isinstance(e, MatMul):
            r = _object(ev(e.args[0])) @ _object(ev(e.args[1]))
        elif isinstance(e, Transpose):
            r = _object(ev(e.args[0])).T
        elif isinstance(e, RowSum):
            r = _object(ev(e.args[0])).sum(axis=1, keepdims=True)
        elif isinstance(e, BatchSum):
            r = _object(ev(e.args[0])).sum(axis=0)
        elif isinstance(e, Total):
            r = _object(ev(e.args[0])).sum()
        elif isinstance(e, RowMax):
            # the shift cancels in softmax; any per-row number will do, and 0 keeps the entries exact
            r = np.zeros((np.shape(ev(e.args[0]))[0], 1), dtype=object)
        elif hasattr(e, "on_objects"):  # an array operation that evaluates itself (attention's kernels)
            r = e.on_objects(*(ev(a) for a in e.args))
        elif e.is_Add:
            r = sum((ev(a) for a in e.args[1:]), start=ev(e.args[0]))
        elif e.is_Mul:
            r = ev(e.args[0])
            for a in e.args[1:]:
                r = r * ev(a)
        elif e.is_Pow:
            r = _apply(lambda b, x: b**x, ev(e.base), ev(e.exp))
        elif isinstance(e, sp.Function):
            r = _apply(lambda *a: e.func(*a), *(ev(a) for a in e.args))
        else:
            raise TypeError(f"cannot evaluate {type(e).__name__} in a batch rule: {e}")
        memo[e] = r
        return r

    return ev(expr)


def _object(a) -> np.ndarray:
    return a if isinstance(a, np.ndarray) else np.asarray(a, dtype=object)


def _apply(f, *args):
    """``f`` entry by entry over broadcast arguments (scalars stay scalars)."""
    if not any(isinstance(a, np.ndarray) for a in args):
        return f(*args)
    return np.frompyfunc(f, len(args), 1)(*(_object(a) for a in args))


def at_point(expr: sp.Basic, point: Mapping[sp.Symbol, sp.Expr], memo: dict[sp.Basic, sp.Expr]) -> sp.Expr:
    """``expr`` at ``point`` (exact or 50-digit values), to 50 digits, each distinct subexpression evaluated once.

    ``xreplace`` followed by ``evalf`` walks the expression as a tree, so a gradient that shares its δ's (a DAG)
    would be re-evaluated once per path: exponential in the depth. ``memo`` holds what one point has evaluated.
    """
    if expr in memo:
        return memo[expr]
    if not expr.args:
        value = point.get(expr, expr)
    else:
        value = expr.func(*(at_point(arg, point, memo) for arg in expr.args))
        if not value.is_Number:
            value = value.evalf(50)
    memo[expr] = value
    return value

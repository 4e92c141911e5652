"""The reverse sweep itself, for any named definitions (micrograd's engine, for SymPy expressions).

Given definitions ``s = e(…)`` in topological order and an output that reads them, every symbol's adjoint
∂output/∂s is the output's own local derivative plus, for each definition that reads ``s``, that definition's
adjoint times SymPy's derivative of it in ``s``. :func:`symnn.chain_rule` sweeps its intermediate variables with
it, and :mod:`symnn.derive.sweep` a network's nodes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

import sympy as sp

__all__ = ["OUTPUT", "accumulate", "paths"]

#: the consumer that stands for the output itself in :func:`paths`
OUTPUT = sp.Symbol("output")


def paths(
    definitions: Iterable[tuple[sp.Symbol, sp.Expr]],
    into: Collection[sp.Symbol],
    rewrite: Callable[[sp.Expr], sp.Expr] = lambda e: e,
) -> dict[sp.Symbol, list[tuple[sp.Symbol, sp.Expr]]]:
    """Each symbol of ``into`` that a definition reads -> ``(definition's symbol, ∂definition/∂symbol)`` pairs.

    ``rewrite`` is applied to each local derivative (a network writes σ' in its own outputs, a(1 − a)).

    Examples
    --------
    >>> import sympy as sp
    >>> u, x = sp.symbols("u x")
    >>> paths([(u, 2 - x)], {x})
    {x: [(u, -1)]}
    """
    out: dict[sp.Symbol, list[tuple[sp.Symbol, sp.Expr]]] = {}
    for s, e in definitions:
        for v in sorted(e.free_symbols & set(into), key=sp.default_sort_key):
            out.setdefault(v, []).append((s, rewrite(sp.diff(e, v))))
    return out


def accumulate(
    order: Sequence[sp.Symbol],
    through: Mapping[sp.Symbol, list[tuple[sp.Symbol, sp.Expr]]],
    output: sp.Expr,
    adjoint: Callable[[sp.Symbol], sp.Expr] | None = None,
) -> dict[sp.Symbol, sp.Expr]:
    """Every symbol of ``order`` -> ∂output/∂symbol by the chain rule over ``through``.

    ``order`` is topological (a definition after the symbols it reads); the sweep runs it backwards.

    ``adjoint(c)`` names the adjoint of a consumer in the sums (a symbol such as δ^(l)_j, for steps a reader
    follows); without it the sums hold the consumers' adjoints themselves (values).

    Examples
    --------
    >>> import sympy as sp
    >>> u, x = sp.symbols("u x")
    >>> accumulate([x, u], paths([(u, 2 - x)], {x}), u**2)
    {u: 2*u, x: -2*u}
    """
    out: dict[sp.Symbol, sp.Expr] = {}
    for s in reversed(order):
        terms = [sp.diff(output, s)] if output.has(s) else []
        for c, d in through.get(s, []):
            terms.append((adjoint(c) if adjoint else out[c]) * d)
        out[s] = sp.Add(*terms)
    return out

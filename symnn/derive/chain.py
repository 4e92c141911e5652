"""The chain rule on any expression, with named intermediate variables, step by step (seed 003).

    dy/dx = dy/du · du/dx                         (one variable: y = u², u = 2 − x)
    ∂z/∂x = ∂z/∂u · ∂u/∂x + ∂z/∂v · ∂v/∂x         (two variables: C = u² + v², u = ax + by, v = px + qy)

With no intermediate variable the derivative is taken term by term after expanding, by the
sum rule (seed 003: C = (2 − y)² = 4 − 4y + y², dC/dy = 0 − 4 + 2y).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sympy as sp

from symnn.derive.derivation import Derivation, Partial, Step, TotalDerivative, said
from symnn.model.values import as_expr

__all__ = ["chain_rule"]


def _unevaluated(expr: sp.Expr, rule: Mapping[sp.Basic, sp.Expr]) -> sp.Expr:
    """``expr`` with ``rule`` substituted but not simplified, as written on paper: −2(2 − x)."""
    with sp.evaluate(False):
        return expr.xreplace(dict(rule))


def _resolve(expr: sp.Expr, defs: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """``expr`` with the intermediate variables replaced until none is left."""
    for _ in range(len(defs) + 1):
        if not expr.has(*defs):
            return expr
        expr = expr.xreplace(defs)
    raise ValueError(f"the definitions in via are circular: {dict(defs)}")


def _definitions(via) -> dict[sp.Symbol, sp.Expr]:
    if via is None:
        return {}
    if isinstance(via, Mapping):
        items = list(via.items())
    elif isinstance(via, Sequence) and all(isinstance(e, sp.Equality) for e in via):
        items = [(e.lhs, e.rhs) for e in via]
    else:
        raise TypeError(
            "via must map each intermediate symbol to its definition, {u: 2 - x}, or be a list of Eq(u, 2 - x)"
        )
    for name, _ in items:
        if not isinstance(name, sp.Symbol):
            raise TypeError(f"an intermediate variable must be a Symbol, got {name!r}")
    return {k: as_expr(v, f"the definition of {k}") for k, v in items}


def chain_rule(
    f: sp.Expr | sp.Equality,
    wrt: sp.Symbol,
    via: Mapping[sp.Symbol, sp.Expr] | Sequence[sp.Equality] | None = None,
) -> Derivation:
    r"""Differentiate ``f`` in ``wrt`` by the chain rule through the intermediate variables ``via``.

    Parameters
    ----------
    f : Expr or Eq
        The outer function, in terms of the intermediate variables; ``Eq(C, u**2 + v**2)``
        names it C (default name y).
    wrt : Symbol
        The variable to differentiate in.
    via : mapping or list of Eq, optional
        Each intermediate variable's definition in terms of ``wrt``: ``{u: a*x + b*y}``.
        Without it, ``f`` is differentiated term by term (the sum rule).

    Returns
    -------
    Derivation
        ``steps`` in the seed notes' order and ``results`` with one entry, the derivative.

    Examples
    --------
    >>> import sympy as sp
    >>> from symnn import chain_rule
    >>> x, u = sp.symbols("x u")
    >>> d = chain_rule(u**2, x, via={u: 2 - x})
    >>> list(d.results.values())
    [2*x - 4]
    >>> a, b, p, q, y, v, C = sp.symbols("a b p q y v C")
    >>> d = chain_rule(sp.Eq(C, u**2 + v**2), x, via={u: a*x + b*y, v: p*x + q*y})
    >>> list(d.results.values())
    [2*a*(a*x + b*y) + 2*p*(p*x + q*y)]
    """
    if isinstance(f, sp.Equality):
        name, f = f.lhs, f.rhs
    else:
        name, f = sp.Symbol("y"), as_expr(f, "f")
    if not isinstance(wrt, sp.Symbol):
        raise TypeError(f"wrt must be a Symbol, got {wrt!r}")
    defs = _definitions(via)
    unused = [u for u in defs if not f.has(u)]
    if unused:
        raise ValueError(f"intermediate variable(s) {unused} do not occur in {f}; via must name what f is built from")
    if wrt in defs:
        raise ValueError(f"{wrt} cannot be both the variable and an intermediate variable")
    if not defs:
        return _sum_rule(name, f, wrt)
    # Each intermediate in terms of wrt alone: definitions may use other intermediates (u = v², v = x).
    full = {u: _resolve(g, defs) for u, g in defs.items()}
    composite = _resolve(f, defs)
    direct = f.has(wrt)  # f may also depend on wrt itself, not only through the intermediates

    one_variable = len(defs) == 1 and f.free_symbols == set(defs) and next(iter(defs.values())).free_symbols == {wrt}
    D = TotalDerivative if one_variable else Partial
    lhs = D(name, wrt)
    steps = [Step(name, f, "definition", said("outer function"))]
    steps += [Step(u, g, "definition", said("intermediate variable")) for u, g in defs.items()]
    steps.append(
        Step(
            lhs,
            sp.Add(
                *(sp.Mul(D(name, u), D(u, wrt), evaluate=False) for u in defs),
                *([D(f, wrt)] if direct else []),
                evaluate=False,
            ),
            "chain rule",
            said("chain rule, several paths" if len(defs) > 1 else "chain rule, one path"),
        )
    )
    # ∂f/∂u (the other intermediates and wrt held fixed) times the total du/dx
    factors = [(sp.diff(f, u), sp.diff(full[u], wrt)) for u in defs]
    own = [sp.diff(f, wrt)] if direct else []  # ∂f/∂x with every intermediate held fixed
    written = sp.Add(*(sp.Mul(df, dg, evaluate=False) for df, dg in factors), *own, evaluate=False)
    steps.append(
        Step(
            lhs,
            written,
            "substitution",
            said("differentiate each factor"),
        )
    )
    evaluated = sp.Add(*(df * dg for df, dg in factors), *own)
    if sp.srepr(evaluated) != sp.srepr(written):
        steps.append(Step(lhs, evaluated, "simplification", said("multiply out")))
    substituted = _unevaluated(evaluated, full)
    steps.append(
        Step(
            lhs,
            substituted,
            "substitution",
            said("put back definitions"),
        )
    )
    result = evaluated.xreplace(full)
    if sp.srepr(result) != sp.srepr(substituted):
        steps.append(Step(lhs, result, "simplification", said("simplify")))
    return Derivation(steps, {lhs: result}, {lhs: (composite, wrt)})


def _sum_rule(name: sp.Symbol, f: sp.Expr, wrt: sp.Symbol) -> Derivation:
    """Differentiate term by term after expanding: seed 003's dC/dy for C = (2 − y)²."""
    D = TotalDerivative if f.free_symbols == {wrt} else Partial
    lhs = D(name, wrt)
    expanded = sp.expand(f)
    # in rising powers of wrt, as the seed writes 4 − 4y + y²
    terms = sorted(
        sp.Add.make_args(expanded),
        key=lambda t: (sp.degree(t, wrt) if t.is_polynomial(wrt) else 0, sp.default_sort_key(t)),
    )
    steps = [Step(name, f, "definition", said("the function"))]
    if expanded != f:
        written = sp.Add(*terms, evaluate=False)
        steps.append(Step(lhs, D(written, wrt), "simplification", said("expand first")))
    if len(terms) > 1:
        steps.append(
            Step(
                lhs,
                sp.Add(*(D(t, wrt) for t in terms), evaluate=False),
                "sum rule",
                said("sum rule"),
            )
        )
        steps.append(
            Step(
                lhs,
                sp.Add(*(sp.diff(t, wrt) for t in terms), evaluate=False),
                "substitution",
                said("differentiate each term"),
            )
        )
    result = sp.diff(expanded, wrt)
    steps.append(Step(lhs, result, "simplification", said("add up")))
    return Derivation(steps, {lhs: result}, {lhs: (f, wrt)})

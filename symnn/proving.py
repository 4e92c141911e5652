"""The symbolic side of :func:`symnn.verify`: rewrite to one basis, then simplify, one strategy after another.

Each strategy maps a difference (or, for an inequality, a quantity that must be ≥ 0 or > 0)
to a simpler form; the difference is proved zero when a form is 0 or SymPy's assumptions
say ``is_zero``. These run in a worker process that :mod:`symnn.verification` kills at its deadline,
so a strategy may take as long as SymPy needs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import sympy as sp
from sympy.concrete.summations import Sum
from sympy.simplify.simplify import factor_sum

from symnn.functions import relu, sigmoid, softmax, softplus, step

log = logging.getLogger(__name__)

__all__ = ["STRATEGIES", "canonical_sums", "rewrite_symnn"]


def rewrite_symnn(expr: sp.Basic) -> sp.Basic:
    """Rewrite symnn's activations to one basis: sigmoid, softplus, softmax, tanh to ``exp``; relu to ``Max``;
    step to ``Piecewise``.

    SymPy's ``simplify`` does not see through the activation classes (σ' − σ(1−σ) only reaches 0
    after the rewrite), so every strategy but the first works on this form.

    Examples
    --------
    >>> import sympy as sp
    >>> from symnn import sigmoid, relu
    >>> x = sp.Symbol("x", real=True)
    >>> rewrite_symnn(sigmoid(x) + relu(x))
    Max(0, x) + 1/(1 + exp(-x))
    """
    return (
        expr.replace(lambda e: isinstance(e, sigmoid | softplus | softmax | sp.tanh), lambda e: e.rewrite(sp.exp))
        .replace(lambda e: isinstance(e, relu), lambda e: sp.Max(0, e.args[0]))
        .replace(lambda e: isinstance(e, step), lambda e: e.rewrite(sp.Piecewise))
    )


def canonical_sums(expr: sp.Basic) -> sp.Basic:
    """Rename every ``Sum``'s bound index to a canonical one (by nesting depth), so that
    Σ_i e^{z_i} and Σ_k e^{z_k} become the same object and cancel.

    SymPy compares sums structurally and treats differently named bound indices as different.
    """

    def walk(e: sp.Basic, depth: int) -> sp.Basic:
        if not e.args:
            return e
        if isinstance(e, Sum):
            body, limits = e.function, e.limits
            subs = {}
            new_limits = []
            for j, (var, lo, hi) in enumerate(limits):
                canon = sp.Symbol(f"_i{depth}_{j}", integer=True)
                subs[var] = canon
                new_limits.append((canon, walk(lo, depth), walk(hi, depth)))
            return Sum(walk(body.xreplace(subs), depth + 1), *new_limits)
        return e.func(*(walk(a, depth) for a in e.args))

    return walk(expr, 0)


def _pull_constants_out_of_sums(expr: sp.Basic) -> sp.Basic:
    # e^{z+c} = e^z e^c, then Σ c a_i = c Σ a_i (SymPy's factor_sum), then the indices made canonical.
    e = sp.expand(expr, power_exp=True, mul=False, multinomial=False)
    e = e.replace(lambda s: isinstance(s, Sum), lambda s: factor_sum(sp.expand(s)))
    return canonical_sums(e)


def _piecewise(expr: sp.Basic) -> sp.Basic:
    e = sp.piecewise_fold(rewrite_symnn(expr).rewrite(sp.Piecewise))
    return sp.simplify(e)


#: name -> transformation tried in this order; the names are what ``Verdict.tried`` reports.
STRATEGIES: dict[str, Callable[[sp.Basic], sp.Basic]] = {
    "identical after doit": lambda e: e.doit(),
    "expand": sp.expand,
    "rewrite(exp) + together + expand": lambda e: sp.expand(sp.together(rewrite_symnn(e))),
    "rewrite(exp) + cancel": lambda e: sp.cancel(rewrite_symnn(e)),
    "sums: factor constants out, canonical indices, simplify": lambda e: sp.simplify(
        _pull_constants_out_of_sums(rewrite_symnn(e))
    ),
    "rewrite(exp) + simplify": lambda e: sp.simplify(rewrite_symnn(e)),
    "rewrite(Piecewise) + piecewise_fold + simplify": _piecewise,
    "rewrite(exp) + simplify + expand(force)": lambda e: sp.expand(sp.simplify(rewrite_symnn(e)), force=True),
}


def is_proved(form: sp.Basic, kind: str) -> bool:
    """Whether ``form`` settles the claim ``kind``: ``"eq"`` (form = 0), ``"ge"`` (form ≥ 0), ``"gt"`` (form > 0)."""
    if kind == "eq":
        return form == 0 or form.is_zero is True
    if kind == "ge":
        return form.is_nonnegative is True or sp.factor(form).is_nonnegative is True
    if kind == "gt":
        return form.is_positive is True or sp.factor(form).is_positive is True
    raise ValueError(f"unknown claim kind {kind!r}; valid choices: eq, ge, gt")


def symbolic_worker(conn, forms: list[sp.Basic], kind: str) -> None:
    """Try each strategy on every form; report each attempt on ``conn``, and ``("proved", name)`` on success.

    Runs in a child process; the parent kills it at the deadline, so nothing here needs a timer.
    Messages: ``("tried", name, outcome)``, ``("proved", name)``, ``("done",)``.
    """
    try:
        # derivatives are always worked out (symnn's fdiff gives the textbook closed forms); other doit
        # work (sums with numeric bounds) is the first strategy, as it can make later ones harder
        forms = [f.replace(lambda e: isinstance(e, sp.Derivative | sp.Subs), lambda e: e.doit()) for f in forms]
        for name, strategy in STRATEGIES.items():
            try:
                ok = all(is_proved(strategy(f), kind) for f in forms)
            except Exception as e:  # a SymPy failure inside one strategy is a failed attempt, not a crash
                conn.send(("tried", name, f"failed: {type(e).__name__}"))
                continue
            if ok:
                conn.send(("proved", name))
                return
            conn.send(("tried", name, "not " + {"eq": "0", "ge": "shown ≥ 0", "gt": "shown > 0"}[kind]))
        conn.send(("done",))
    finally:
        conn.close()

"""The symbolic side of :func:`symnn.verify`: rewrite to one basis, then simplify, one strategy after another.

Each strategy maps a difference (or, for an inequality, a quantity that must be ≥ 0 or > 0)
to a simpler form; the difference is proved zero when a form is 0 or SymPy's assumptions
say ``is_zero``. These run in a worker process that :mod:`symnn.check.verification` kills at its deadline,
so a strategy may take as long as SymPy needs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import sympy as sp
from sympy.concrete.summations import Sum
from sympy.simplify.simplify import factor_sum

from symnn.check.statement import entries, substitute, takes_complex_values
from symnn.model.functions import relu, sigmoid, softplus, step
from symnn.model.softmax import softmax

log = logging.getLogger(__name__)

__all__ = ["CLAIMS", "STRATEGIES", "as_real", "canonical_sums", "claim_forms", "rewrite_symnn"]

#: relation -> the claim the prover checks: rhs − lhs = 0 ("eq"), ≥ 0 ("ge") or > 0 ("gt"); for >= and > the
#: sides are swapped, so every claim reads "this form is zero / nonnegative / positive"
CLAIMS: dict[str, str] = {"==": "eq", "<=": "ge", ">=": "ge", "<": "gt", ">": "gt"}


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
            # every index of this Sum is renamed everywhere it is bound: in the body and in the limits of
            # the indices that run outside it (Σ_k Σ_j with k ≤ j: the bound of k names j)
            subs = {var: sp.Symbol(f"_i{depth}_{j}", integer=True) for j, (var, _, _) in enumerate(limits)}
            new_limits = [
                (subs[var], walk(lo.xreplace(subs), depth), walk(hi.xreplace(subs), depth)) for var, lo, hi in limits
            ]
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


def as_real(exprs: list[sp.Basic]) -> list[sp.Basic]:
    """Give every symbol declared with no assumption the assumption real (as everywhere in symnn).

    Symbols declared complex or imaginary keep their assumptions, and so do integer, positive, ... ones.
    """
    plain = {
        s
        for e in exprs
        for s in e.free_symbols
        if type(s) is sp.Symbol and s.is_real is None and s.is_complex is None and s.is_commutative
    }
    real = {s: sp.Symbol(s.name, **{**s.assumptions0, "real": True}) for s in plain}
    return [e.xreplace(real) for e in exprs]


def claim_forms(lhs: sp.Basic, rhs: sp.Basic, op: str) -> list[sp.Basic]:
    """One form per entry whose claim :data:`CLAIMS` ``[op]`` proves ``lhs op rhs``: rhs − lhs, or lhs − rhs."""
    pairs = zip(entries(lhs), entries(rhs), strict=True)  # verify has checked the shapes
    forms = [(r - l) if op in ("==", "<=", "<") else (l - r) for l, r in pairs]
    # derivatives are always worked out (symnn's fdiff gives the textbook closed forms); other doit
    # work (sums with numeric bounds) is the first strategy, as it can make later ones harder
    return [f.replace(lambda e: isinstance(e, sp.Derivative | sp.Subs), lambda e: e.doit()) for f in as_real(forms)]


def _matrix_algebra(lhs: sp.Basic, rhs: sp.Basic) -> bool:
    # (ABC)^T = C^T B^T A^T and the like hold as matrix expressions, for any entries: SymPy's matrix algebra
    # decides them at once, where the explicit entries of a 20×20 product take minutes
    d = (lhs - rhs).doit()
    return d.is_ZeroMatrix or (isinstance(d, sp.MatrixBase) and all(e == 0 for e in d))


def _ordered(lhs: sp.Basic, rhs: sp.Basic) -> bool:
    # An inequality compares real numbers; with symbols declared complex a difference that simplifies to 1
    # (z² ≤ z² + 1) proves nothing unless both sides are known to be real.
    if not any(takes_complex_values(s) for side in (lhs, rhs) for s in side.free_symbols):
        return True
    return all(side.is_extended_real is True for side in (lhs, rhs))


#: what the worker reports as running while it prepares the forms (the deadline may stop it there)
PREPARING = "preparing the sides (given, matrix entries)"


def symbolic_worker(conn, lhs: sp.Basic, rhs: sp.Basic, op: str, given: dict | None) -> None:
    """Prove ``lhs op rhs`` (with ``given`` substituted): try each strategy on every entry's form.

    Runs in a child process; the parent kills it at the deadline, so nothing here needs a timer.
    Messages: ``("trying", name)`` before each attempt, ``("tried", name, outcome)``, ``("proved", name)``,
    ``("done",)`` when every strategy has been tried (a worker that ends without it was stopped).
    """
    try:
        kind = CLAIMS[op]
        conn.send(("trying", PREPARING))
        lhs, rhs = substitute(lhs, given), substitute(rhs, given)
        if isinstance(lhs, sp.MatrixExpr) or isinstance(rhs, sp.MatrixExpr):
            name = "matrix algebra (doit)"
            conn.send(("trying", name))
            try:
                if _matrix_algebra(lhs, rhs):
                    conn.send(("proved", name))
                    return
                conn.send(("tried", name, "not the zero matrix"))
            except Exception as e:  # SymPy's matrix algebra may refuse a mix it does not know
                conn.send(("tried", name, f"failed: {type(e).__name__}"))
        conn.send(("trying", PREPARING))
        try:
            forms = claim_forms(lhs, rhs, op)
        except Exception as e:  # e.g. a matrix expression SymPy cannot make explicit
            conn.send(("tried", PREPARING, f"failed: {type(e).__name__}: {e}"))
            conn.send(("done",))
            return
        if kind != "eq" and not _ordered(lhs, rhs):
            conn.send(("tried", "inequality", "the sides are not known to be real (complex symbols): not ordered"))
            conn.send(("done",))
            return
        for name, strategy in STRATEGIES.items():
            conn.send(("trying", name))
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

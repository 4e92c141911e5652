"""The numeric side of :func:`symnn.verify`: both sides at random real points, at high precision.

Points are exact rationals drawn from each symbol's domain (its assumptions: integer, positive,
nonnegative, negative, nonzero; a symbol with none is taken as real), so a counterexample can be
substituted back exactly. Integer symbols are drawn first, so that a ``Sum`` up to ``n`` can be
expanded and its ``Indexed`` terms drawn next. SymPy's own ``verify_numerically`` samples complex
points, which means nothing for ReLU or the step function.
"""

from __future__ import annotations

import logging
import random

import sympy as sp
from sympy.core.function import AppliedUndef

log = logging.getLogger(__name__)

__all__ = ["compare", "draw", "sampling_worker"]

#: How far real points range; one point in three is drawn from the wide range, to reach the tails.
NARROW, WIDE = 4, 20
#: Integer symbols (sizes n, indices) stay small, so that a Sum up to n expands quickly.
INTEGER_RANGE = 6


def _integer(sym: sp.Basic, rng: random.Random) -> sp.Integer:
    lo, hi = -INTEGER_RANGE, INTEGER_RANGE
    if sym.is_positive:
        lo = 1
    elif sym.is_nonnegative:
        lo = 0
    if sym.is_negative:
        hi = -1
    elif sym.is_nonpositive:
        hi = 0
    while True:
        v = rng.randint(lo, hi)
        if not (v == 0 and sym.is_nonzero):
            return sp.Integer(v)


def _real(sym: sp.Basic, rng: random.Random, wide: bool) -> sp.Rational:
    r = (WIDE if wide else NARROW) * 1000
    lo, hi = -r, r
    if sym.is_positive or sym.is_nonnegative:
        lo = 0
    if sym.is_negative or sym.is_nonpositive:
        hi = 0
    while True:
        v = rng.randint(lo, hi)
        if v != 0 or sym.is_zero:  # 0 is never drawn for a real: it is where step and ReLU' are a choice
            return sp.Rational(v, 1000)


def _needs_integer(sym: sp.Basic) -> bool:
    return bool(sym.is_integer)


def draw(exprs: list[sp.Basic], rng: random.Random, wide: bool) -> tuple[dict, list[sp.Basic]]:
    """One random point for ``exprs``: ``(point, expanded)``.

    Integer symbols get values first; sums and derivatives are then expanded (``doit``), and the
    remaining symbols and ``Indexed`` entries get real values. ``expanded`` are the expressions with
    the integers substituted and expanded, ready for the real values.
    """
    point: dict[sp.Basic, sp.Expr] = {}
    syms = sorted(set().union(*(e.free_symbols for e in exprs)), key=sp.default_sort_key)
    for s in syms:
        if isinstance(s, sp.Symbol) and _needs_integer(s):
            point[s] = _integer(s, rng)
    expanded = [e.xreplace(point).doit() if point or e.has(sp.Sum, sp.Derivative) else e for e in exprs]
    labels = {ib.label for e in expanded for ib in e.atoms(sp.IndexedBase)}
    rest = sorted(
        (s for e in expanded for s in e.free_symbols if s not in labels and s not in point),
        key=sp.default_sort_key,
    )
    for s in dict.fromkeys(rest):  # deterministic order, duplicates dropped
        point[s] = _integer(s, rng) if _needs_integer(s) else _real(s, rng, wide)
    return point, expanded


def _value(e: sp.Basic, point: dict, digits: int) -> sp.Expr | None:
    """``e`` at ``point`` to ``digits`` digits; ``None`` outside the real domain (complex, infinite, undefined)."""
    v = e.xreplace(point).evalf(digits)
    if not v.is_number:
        return None
    re, im = v.as_real_imag()
    if im != 0 and abs(im) > sp.Float(10) ** (-(digits - 5)) * max(1, abs(re)):
        return None
    if re.has(sp.zoo, sp.oo, -sp.oo, sp.nan) or not re.is_finite:
        return None
    return re


def compare(lhs: sp.Basic, rhs: sp.Basic, op: str, point: dict, digits: int) -> bool | None:
    """Whether ``lhs op rhs`` holds at ``point`` to ``digits`` digits; ``None`` outside the domain.

    Equality holds when the sides agree to ``digits − 8`` significant digits (relative to the larger,
    or absolute below 1); an inequality holds unless it fails by more than that tolerance.
    """
    a, b = _value(lhs, point, digits), _value(rhs, point, digits)
    if a is None or b is None:
        return None
    tol = sp.Float(10, digits) ** (-(digits - 8)) * max(1, abs(a), abs(b))
    d = a - b
    if op == "==":
        return abs(d) <= tol
    if op in ("<=", "<"):
        return d <= tol
    if op in (">=", ">"):
        return d >= -tol
    raise ValueError(f"unknown relation {op!r}; valid choices: ==, <=, >=, <, >")


def sampling_worker(conn, lhs: list, rhs: list, op: str, samples: int, digits: int, seed: int) -> None:
    """Compare both sides at ``samples`` random points; report on ``conn``.

    Messages: ``("refuted", point, lhs_value, rhs_value)`` (confirmed at twice the digits),
    ``("supported", agreeing, outside_domain)`` or ``("inconclusive", reason)``.
    """
    try:
        allexprs = [*lhs, *rhs]
        undefined = sorted({str(f.func) for e in allexprs for f in e.atoms(AppliedUndef)})
        if undefined:
            conn.send(("inconclusive", f"cannot evaluate the undefined function(s) {', '.join(undefined)}"))
            return
        rng = random.Random(seed)
        agree = outside = 0
        for i in range(samples):
            point, expanded = draw(allexprs, rng, wide=i % 3 == 2)
            ls, rs = expanded[: len(lhs)], expanded[len(lhs) :]
            verdicts = [compare(a, b, op, point, digits) for a, b in zip(ls, rs, strict=True)]
            if None in verdicts:
                outside += 1
                continue
            failing = [j for j, ok in enumerate(verdicts) if not ok]
            if failing and not compare(ls[failing[0]], rs[failing[0]], op, point, 2 * digits):
                j = failing[0]
                conn.send(("refuted", point, _value(ls[j], point, digits), _value(rs[j], point, digits)))
                return
            agree += 1
        if agree == 0:
            conn.send(("inconclusive", f"no sample point inside the real domain ({outside} outside)"))
        else:
            conn.send(("supported", agree, outside))
    except Exception as e:  # report, never hang the parent: an evaluation SymPy cannot do is inconclusive
        conn.send(("inconclusive", f"evaluation failed: {type(e).__name__}: {e}"))
    finally:
        conn.close()

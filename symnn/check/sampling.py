"""The numeric side of :func:`symnn.verify`: both sides at random points, at high precision.

Points are exact numbers drawn from each symbol's domain (its assumptions: integer, positive,
nonnegative, negative, nonzero; a symbol with none is taken as real; one declared complex or
imaginary gets complex values), so a counterexample can be substituted back exactly. Integer symbols
are drawn first, so that a ``Sum`` up to ``n`` can be expanded and its ``Indexed`` terms drawn next;
a ``MatrixSymbol`` gets a random matrix of its shape before the entries are worked out. SymPy's own
``verify_numerically`` samples complex points for every symbol, which means nothing for ReLU or the
step function.
"""

from __future__ import annotations

import logging
import random

import sympy as sp
from sympy.core.function import AppliedUndef

from symnn.check.statement import entries, substitute, takes_complex_values

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


def _complex(sym: sp.Basic, rng: random.Random, wide: bool) -> sp.Expr:
    """A complex value a + bi for a symbol declared complex (b ≠ 0 when it is not real), bi for an imaginary one."""
    plain = sp.Symbol("_")
    im = _real(plain, rng, wide)
    return sp.I * im if sym.is_imaginary else _real(plain, rng, wide) + sp.I * im


def _matrix(sym: sp.MatrixSymbol, rng: random.Random, wide: bool) -> sp.ImmutableMatrix:
    rows, cols = sym.shape
    plain = sp.Symbol("_")
    return sp.ImmutableMatrix(rows, cols, [_real(plain, rng, wide) for _ in range(rows * cols)])


def _needs_integer(sym: sp.Basic) -> bool:
    return bool(sym.is_integer)


def satisfies(sym: sp.Basic, value: sp.Expr) -> bool:
    """Whether ``value`` has every property ``sym`` was declared with (even, prime, positive, ...), where
    SymPy can tell."""
    for key, wanted in sym.assumptions0.items():
        got = getattr(value, f"is_{key}", None) if wanted is not None and key != "commutative" else None
        if got is not None and got != wanted:
            return False
    return True


#: draws per symbol before giving up on assumptions no small value meets
MAX_DRAWS = 200


def _scalar(sym: sp.Basic, rng: random.Random, wide: bool) -> sp.Expr:
    if _needs_integer(sym):
        draw_one = _integer
    elif takes_complex_values(sym):
        draw_one = _complex
    else:
        draw_one = _real
    for _ in range(MAX_DRAWS):
        v = draw_one(sym, rng) if draw_one is _integer else draw_one(sym, rng, wide)
        if satisfies(sym, v):  # the ranges above cover sign and zero; this adds even, odd, prime, ...
            return v
    raise ValueError(f"no value in the sampled range meets the assumptions of {sym}: {sym.assumptions0}")


def draw(sides: list[sp.Basic], rng: random.Random, wide: bool) -> tuple[dict, list[list[sp.Basic]]]:
    """One random point for ``sides`` (expressions or matrices): ``(point, expanded)``.

    Integer symbols and matrix symbols get values first; sums and derivatives are then expanded
    (``doit``), and the remaining symbols and ``Indexed`` entries get values. ``expanded`` holds each
    side's entries (one for a scalar) with those values substituted and expanded, ready for the rest.
    """
    point: dict[sp.Basic, sp.Basic] = {}
    syms = sorted(set().union(*(e.free_symbols for e in sides)), key=sp.default_sort_key)
    for s in syms:
        if isinstance(s, sp.MatrixSymbol):
            point[s] = _matrix(s, rng, wide)
        elif isinstance(s, sp.Symbol) and _needs_integer(s):
            point[s] = _scalar(s, rng, wide)
    expanded = [entries(e.xreplace(point).doit() if point or e.has(sp.Sum, sp.Derivative) else e) for e in sides]
    flat = [x for side in expanded for x in side]
    labels = {ib.label for e in flat for ib in e.atoms(sp.IndexedBase)}
    rest = sorted(
        (s for e in flat for s in e.free_symbols if s not in labels and s not in point),
        key=sp.default_sort_key,
    )
    for s in dict.fromkeys(rest):  # deterministic order, duplicates dropped
        point[s] = _scalar(s, rng, wide)
    return point, expanded


def _zero_allowed(sym: sp.Basic) -> bool:
    return isinstance(sym, sp.Symbol) and not _needs_integer(sym) and satisfies(sym, sp.S.Zero)


def kinks(exprs: list[sp.Basic]) -> list[sp.Expr]:
    """Where step, ReLU, |·|, Max/Min and Piecewise conditions switch: their arguments' zeros.

    Random points never land there, and there the value is a setting (u(0), ReLU'(0)): an identity that
    fails only there must still be refuted.
    """
    from symnn.model.functions import relu, step

    out: list[sp.Expr] = []
    for e in exprs:
        for f in sorted(
            e.atoms(step, relu, sp.Heaviside, sp.Abs, sp.DiracDelta, sp.sign, sp.Max, sp.Min), key=sp.default_sort_key
        ):
            if f.func in (sp.Max, sp.Min):  # where two arguments tie
                out += [a - b for i, a in enumerate(f.args) for b in f.args[i + 1 :]]
            else:  # step(Max(a, b)) switches where one of a, b is 0 and the largest
                out += [f.args[0], *(f.args[0].args if isinstance(f.args[0], sp.Max | sp.Min) else ())]
        for pw in sorted(e.atoms(sp.Piecewise), key=sp.default_sort_key):
            out += [c.lhs - c.rhs for _, c in pw.args if isinstance(c, sp.core.relational.Relational)]
    return [g for g in dict.fromkeys(out) if g.free_symbols]


#: highest degree of a polynomial kink solved exactly (SymPy's roots: radicals up to degree 4)
MAX_KINK_DEGREE = 4


def pin_to_kink(g: sp.Expr, point: dict) -> bool:
    """Move one real symbol of ``point`` to a zero of ``g`` (a polynomial of degree ≤ 4 in it, the other
    symbols fixed at the point); False when none can be."""
    for sym in sorted(g.free_symbols, key=sp.default_sort_key):
        if sym not in point or not isinstance(sym, sp.Symbol) or _needs_integer(sym) or takes_complex_values(sym):
            continue
        at = g.xreplace({k: v for k, v in point.items() if k != sym})
        if at.free_symbols != {sym} or not at.is_polynomial(sym):
            continue
        poly = sp.Poly(at, sym)
        if not 1 <= poly.degree() <= MAX_KINK_DEGREE:
            continue
        for value in sorted(sp.roots(poly, filter="R"), key=sp.default_sort_key):  # exact: x² − 2 gives ±√2
            if satisfies(sym, value):
                point[sym] = value
                return True
    return False


def _value(e: sp.Basic, point: dict, digits: int) -> sp.Expr | None:
    """``e`` at ``point`` to ``digits`` digits; ``None`` outside the domain (infinite, undefined, or complex at a
    real point: a point where some symbol takes a complex value admits complex values)."""
    v = e.xreplace(point).evalf(digits)
    if not v.is_number:
        return None
    re, im = v.as_real_imag()
    if any(p.has(sp.zoo, sp.oo, -sp.oo, sp.nan) or not p.is_finite for p in (re, im)):
        return None
    if im == 0 or abs(im) <= sp.Float(10) ** (-(digits - 5)) * max(1, abs(re)):
        return re
    return re + sp.I * im if any(takes_complex_values(k) for k in point) else None


def compare(lhs: sp.Basic, rhs: sp.Basic, op: str, point: dict, digits: int) -> bool | None:
    """Whether ``lhs op rhs`` holds at ``point`` to ``digits`` digits; ``None`` outside the domain (or when a
    side of an inequality is not real).

    The difference ``lhs − rhs`` is evaluated as one expression (SymPy's evalf raises its working
    precision where terms cancel) and judged relative to the larger side: below
    ``10^-(digits−8)·max(|lhs|, |rhs|)`` it is rounding noise, unless it keeps its value when evaluated
    again at twice the digits (a true difference does, as in e^(x+100) against e^(x+100) + 1; the noise of an
    exact cancellation does not). Noise counts as 0: ``==``, ``<=``, ``>=`` hold and ``<``, ``>`` do not.
    """
    a, b = _value(lhs, point, digits), _value(rhs, point, digits)
    if a is None or b is None or (op != "==" and not (a.is_real and b.is_real)):
        return None
    difference = sp.Add(lhs, -rhs, evaluate=False)
    d = _value(difference, point, digits)
    if d is None:
        d = a - b
    scale = max(abs(a), abs(b))
    tol = sp.Float(10, digits) ** (-(digits - 8)) * scale
    if scale == 0:  # both sides exactly 0: a tiny absolute floor for rounding noise in the difference
        tol = sp.Float(10, digits) ** (-(3 * digits))
    zero = abs(d) <= tol
    if zero and d != 0:
        again = _value(difference, point, 2 * digits)
        zero = again is None or again == 0 or abs(again - d) > abs(d) * sp.Float(10, digits) ** (-(digits // 2))
    if op == "==":
        return bool(zero)
    if op in ("<=", ">="):
        return bool(zero or (d < 0 if op == "<=" else d > 0))
    if op in ("<", ">"):
        return bool(not zero and (d < 0 if op == "<" else d > 0))
    raise ValueError(f"unknown relation {op!r}; valid choices: ==, <=, >=, <, >")


def sampling_worker(
    conn, lhs: sp.Basic, rhs: sp.Basic, op: str, given: dict | None, samples: int, digits: int, seed: int
) -> None:
    """Compare both sides (``given`` substituted) at ``samples`` random points; report on ``conn``.

    Messages: ``("refuted", point, lhs_value, rhs_value)`` (confirmed at twice the digits),
    ``("supported", agreeing, outside_domain)`` or ``("inconclusive", reason)``.
    """
    try:
        sides = [substitute(lhs, given), substitute(rhs, given)]
        undefined = sorted({str(f.func) for e in sides for f in e.atoms(AppliedUndef)})
        if undefined:
            conn.send(("inconclusive", f"cannot evaluate the undefined function(s) {', '.join(undefined)}"))
            return
        rng = random.Random(seed)
        agree = random_agree = outside = 0
        # Special points first (zeros and kinks, a few each), then random ones: see kinks().
        specials: list[tuple[str, object]] = [("zeros", None)]
        _, first = draw(sides, random.Random(seed), wide=False)
        specials += [("kink", g) for g in kinks([*first[0], *first[1]])[:8]]
        if op in ("<", ">"):  # a strict inequality fails where the sides touch
            specials += [("kink", a - b) for a, b in zip(*first, strict=True)][:4]
        for i in range(len(specials) + samples):
            point, expanded = draw(sides, rng, wide=i % 3 == 2)
            if i < len(specials):
                kind, g = specials[i]
                if kind == "zeros":
                    point.update({k: sp.S.Zero for k in point if _zero_allowed(k)})
                elif not pin_to_kink(g, point):
                    continue
            ls, rs = expanded
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
            random_agree += i >= len(specials)
        if random_agree == 0:  # the zeros and kinks alone are too special to support a statement
            conn.send(("inconclusive", f"no random sample point inside the domain ({outside} outside)"))
        else:
            conn.send(("supported", agree, outside))
    except Exception as e:  # report, never hang the parent: an evaluation SymPy cannot do is inconclusive
        conn.send(("inconclusive", f"evaluation failed: {type(e).__name__}: {e}"))
    finally:
        conn.close()

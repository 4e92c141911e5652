"""The numeric side of :func:`symnn.verify`: both sides at random points, at high precision.

Points are exact numbers drawn from each symbol's domain (its assumptions: integer, positive,
nonnegative, negative, nonzero; a symbol with none is taken as real; one declared complex or
imaginary gets complex values), so a counterexample can be substituted back exactly. Integer symbols
are drawn first, so that a ``Sum`` up to ``n`` can be expanded and its ``Indexed`` terms drawn next;
a ``MatrixSymbol`` gets a random matrix of its shape before the entries are worked out. SymPy's own
``verify_numerically`` samples complex points for every symbol, which means nothing for ReLU or the
step function. The values at a real point may still be complex (log x at x < 0, SymPy's principal
branch): they are compared as such, never skipped (:func:`compare`).
"""

from __future__ import annotations

import logging
import random

import sympy as sp
from sympy.core.function import AppliedUndef

from symnn.check.statement import entries, substitute, takes_complex_values

log = logging.getLogger(__name__)

__all__ = ["FAILS", "HOLDS", "UNDEFINED", "UNORDERED", "compare", "draw", "sampling_worker"]

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
    """``e`` at ``point`` to ``digits`` digits, a real or complex number; ``None`` where it is undefined.

    Undefined means no finite number: a pole (1/0 is ``zoo``), log 0, 0/0 (``nan``), or a result that
    is not a number at all. A value that is not real is kept: log, fractional powers and inverse trig
    functions of real numbers outside their real domain are complex on SymPy's principal branch, and
    an identity must hold there too. A part that is only the bound of an exact cancellation (SymPy's
    ``0.e-36``: see :data:`NOISE_BITS`) is 0, and an imaginary part below ``10^-(digits-5)`` of the
    real part is dropped.
    """
    v = e.xreplace(point).evalf(digits)
    if not v.is_number:
        return None
    re, im = (_without_noise(p) for p in v.as_real_imag())
    if any(p.has(sp.zoo, sp.oo, -sp.oo, sp.nan) or not p.is_finite for p in (re, im)):
        return None
    if im == 0 or abs(im) <= sp.Float(10, digits) ** (-(digits - 5)) * abs(re):
        return re
    return re + sp.I * im


#: Below this many bits of precision a Float from evalf carries no digit at all: where terms cancel exactly
#: (asin(3) + acos(3) − π/2, real and imaginary parts), evalf returns a 1-bit Float printed ``0.e-166``, a bound
#: on the magnitude and not a value; taken as a value it made true identities "differ" from 0.
NOISE_BITS = 8


def _without_noise(part: sp.Expr) -> sp.Expr:
    """``part`` (a real or imaginary part from evalf), or exact 0 where it is only a bound of a cancellation."""
    return sp.S.Zero if isinstance(part, sp.Float) and part._prec < NOISE_BITS else part


#: What :func:`compare` finds at one point.
HOLDS, FAILS, UNDEFINED, UNORDERED = "holds", "fails", "undefined", "unordered"


def compare(lhs: sp.Basic, rhs: sp.Basic, op: str, point: dict, digits: int) -> str:
    """Whether ``lhs op rhs`` holds at ``point`` to ``digits`` digits: :data:`HOLDS`, :data:`FAILS`,
    :data:`UNDEFINED` (a side has no finite value there) or :data:`UNORDERED`.

    Values that are not real are compared as complex numbers for ``==``. An inequality claims two real
    numbers: where every symbol is real and a side is not, it fails (``sqrt(x) >= 0`` at x = −4 is
    2i ≥ 0); where a symbol was declared complex, such a point is :data:`UNORDERED` (the statement can
    only mean the points where both sides are real).

    The difference ``lhs − rhs`` is evaluated as one expression (SymPy's evalf raises its working
    precision where terms cancel) and judged relative to the larger side: below
    ``10^-(digits−8)·max(|lhs|, |rhs|)`` it is rounding noise, unless it keeps its value when evaluated
    again at twice the digits (a true difference does, as in e^(x+100) against e^(x+100) + 1; the noise of an
    exact cancellation does not). Noise counts as 0: ``==``, ``<=``, ``>=`` hold and ``<``, ``>`` do not.

    Raises
    ------
    ValueError
        For a relation other than ``==``, ``<=``, ``>=``, ``<``, ``>``.
    """
    if op not in ("==", "<=", ">=", "<", ">"):
        raise ValueError(f"unknown relation {op!r}; valid choices: ==, <=, >=, <, >")
    a, b = _value(lhs, point, digits), _value(rhs, point, digits)
    if a is None or b is None:
        return UNDEFINED
    if op != "==" and not (a.is_real and b.is_real):
        return UNORDERED if any(takes_complex_values(k) for k in point) else FAILS
    difference = sp.Add(lhs, -rhs, evaluate=False)
    d = _value(difference, point, digits)
    if d is None:  # the sides are finite; their difference failed to evaluate on its own
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
        holds = zero
    else:
        d = sp.re(d)  # both sides are real: any imaginary part of the difference is noise
        if op in ("<=", ">="):
            holds = zero or (d < 0 if op == "<=" else d > 0)
        else:
            holds = not zero and (d < 0 if op == "<" else d > 0)
    return HOLDS if holds else FAILS


def _describe_point(point: dict) -> str:
    return ", ".join(f"{sp.sstr(k)} = {sp.sstr(v)}" for k, v in point.items()) or "the sides alone"


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


#: how a point that could not be compared is reported
_SKIPPED = {
    UNDEFINED: "a side has no finite value (a pole, log 0, 0/0)",
    UNORDERED: "a side of the inequality is not real (complex symbols: not ordered)",
}

#: random points drawn per requested sample before giving up on reaching the requested number of agreeing ones
DRAWS_PER_SAMPLE = 4


def sampling_worker(
    conn, lhs: sp.Basic, rhs: sp.Basic, op: str, given: dict | None, samples: int, digits: int, seed: int
) -> None:
    """Compare both sides (``given`` substituted) at special points and at ``samples`` random points that agree;
    report on ``conn``.

    Special points (zeros, kinks: see :func:`kinks`) come first. A random point where a side is undefined
    (:func:`compare`) is replaced by another, at most ``DRAWS_PER_SAMPLE * samples`` random points in all;
    every such point is counted and the first one named in the report, never dropped silently.

    Messages: ``("refuted", point, lhs_value, rhs_value)`` (confirmed at twice the digits);
    ``("supported", compared, skipped)`` once ``samples`` random points agree, where ``compared`` says how many
    points agreed and ``skipped`` (possibly ``""``) which could not be compared; or ``("inconclusive", reason)``.
    """
    try:
        sides = [substitute(lhs, given), substitute(rhs, given)]
        undefined_functions = sorted({str(f.func) for e in sides for f in e.atoms(AppliedUndef)})
        if undefined_functions:
            conn.send(("inconclusive", f"cannot evaluate the undefined function(s) {', '.join(undefined_functions)}"))
            return
        rng = random.Random(seed)
        specials = _specials(sides, op, seed)
        special_agree = random_agree = random_drawn = 0
        complex_points = False
        skipped: dict[str, list[dict]] = {UNDEFINED: [], UNORDERED: []}  # outcome -> the points it came out at
        i = 0
        while i < len(specials) or (random_agree < samples and random_drawn < DRAWS_PER_SAMPLE * samples):
            point, expanded = draw(sides, rng, wide=i % 3 == 2)
            is_special = i < len(specials)
            if is_special:
                kind, g = specials[i]
            i += 1
            if is_special:
                if kind == "zeros":
                    point.update({k: sp.S.Zero for k in point if _zero_allowed(k)})
                elif not pin_to_kink(g, point):
                    continue
            else:
                random_drawn += 1
            complex_points = complex_points or any(takes_complex_values(k) for k in point)
            ls, rs = expanded
            outcomes = [compare(a, b, op, point, digits) for a, b in zip(ls, rs, strict=True)]
            if FAILS in outcomes:
                j = outcomes.index(FAILS)
                confirmed = compare(ls[j], rs[j], op, point, 2 * digits)
                if confirmed == FAILS:
                    conn.send(("refuted", point, _value(ls[j], point, digits), _value(rs[j], point, digits)))
                    return
                outcomes[j] = confirmed  # rounding noise at the first precision
            bad = next((o for o in (UNDEFINED, UNORDERED) if o in outcomes), None)
            if bad is not None:
                if point not in skipped[bad]:  # a zero and a kink can be the same point
                    skipped[bad].append(point)
                continue
            if is_special:
                special_agree += 1
            else:
                random_agree += 1
        conn.send(_report(samples, random_agree, random_drawn, special_agree, complex_points, skipped))
    except Exception as e:  # report, never hang the parent: an evaluation SymPy cannot do is inconclusive
        conn.send(("inconclusive", f"evaluation failed: {type(e).__name__}: {e}"))
    finally:
        conn.close()


def _specials(sides: list[sp.Basic], op: str, seed: int) -> list[tuple[str, object]]:
    """The special points to try first: the zeros, then kinks (see :func:`kinks`), a few each."""
    specials: list[tuple[str, object]] = [("zeros", None)]
    _, first = draw(sides, random.Random(seed), wide=False)
    specials += [("kink", g) for g in kinks([*first[0], *first[1]])[:8]]
    if op in ("<", ">"):  # a strict inequality fails where the sides touch
        specials += [("kink", a - b) for a, b in zip(*first, strict=True)][:4]
    return specials


def _report(
    samples: int,
    random_agree: int,
    random_drawn: int,
    special_agree: int,
    complex_points: bool,
    skipped: dict[str, list[dict]],
) -> tuple[str, ...]:
    """The sampler's message when no point refuted the statement: supported, or inconclusive and why."""
    where = "random point" if complex_points else "random real point"
    skipped_text = "; ".join(
        f"{_SKIPPED[outcome]} at {_count(len(points), 'point')}, e.g. {_describe_point(points[0])}"
        for outcome, points in skipped.items()
        if points
    )
    if samples and random_agree >= samples:
        compared = _count(random_agree, where) + (
            f" and {_count(special_agree, 'special point')} (zeros, kinks)" if special_agree else ""
        )
        return ("supported", compared, skipped_text)
    if random_agree == 0:
        reason = f"no random sample point inside the domain ({random_drawn} drawn)"
    else:
        reason = f"only {random_agree} of the {samples} {where}s asked for agree ({random_drawn} drawn)"
    return ("inconclusive", reason + (f": {skipped_text}" if skipped_text else ""))

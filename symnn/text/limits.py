"""The limits on numbers and names every reader of untrusted text shares: SymPy's exact arithmetic has none."""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable

import sympy as sp
from sympy.functions.elementary.hyperbolic import HyperbolicFunction
from sympy.functions.elementary.trigonometric import TrigonometricFunction

__all__ = [
    "MAX_ARGUMENT",
    "MAX_BITS",
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_EXTREMUM_ARGS",
    "MAX_NAME_LENGTH",
    "bound_arguments",
    "check_extremum",
    "check_literal",
    "checked_power",
    "is_plain_name",
]

#: Largest exponent of a number raised to a number, and largest number in bits, numerator or denominator (a
#: power is estimated before SymPy computes it exactly: 10**10**10 would otherwise be a 10-billion-digit
#: integer). 10 000 bits are ~3000 digits, below Python's 4300-digit limit on printing an integer.
MAX_EXPONENT = 1000
MAX_BITS = 10_000
#: Largest magnitude of a number given to exp, sin, cos, tan, sinh, cosh, tanh, sigmoid, softplus or softmax.
#: SymPy evaluates such a function of x to absolute precision, so it needs x to about log2|x| more bits:
#: exp(exp(exp(100))) asks for ~10^43 digits of exp(exp(100)) the first time anything compares it (``Abs``,
#: ``Max``, a sum's ordering). float64's exp overflows at 709.8; 10 000 keeps the overflow examples (exp(1000)).
MAX_ARGUMENT = 10_000


#: Longest integer literal, in digits, and longest name (a symbol's) in untrusted text.
MAX_DIGITS = 100
MAX_NAME_LENGTH = 40
_NAME = re.compile(rf"[^\W\d_]\w{{0,{MAX_NAME_LENGTH - 1}}}")  # a letter first (no underscore, no digit)


def is_plain_name(name: object) -> bool:
    """Whether untrusted text may name a symbol ``name``: a letter first, then letters, digits and underscores, at
    most :data:`MAX_NAME_LENGTH` characters, not a keyword (so no dunder, nothing that could be code).

    The one rule of every reader (:func:`symnn.parse`, :func:`symnn.text.pyexpr.parse` for symnn's JSON).
    """
    return isinstance(name, str) and bool(_NAME.fullmatch(name)) and not keyword.iskeyword(name)


def check_literal(value: object) -> None:
    """Refuse a numeric literal no reader accepts: an integer of more than :data:`MAX_DIGITS` digits, or a float
    literal that is not finite (``1e99999`` is ``inf`` to Python)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**MAX_DIGITS:
        raise ValueError(f"parse: an integer of more than {MAX_DIGITS} digits is not allowed")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"parse: the number {value!r} is out of range (a float literal must be finite)")


def _infinite(v: sp.Basic) -> bool:
    return v.has(sp.S.Infinity, sp.S.NegativeInfinity, sp.S.ComplexInfinity, sp.S.NaN)


def _magnitude(v: sp.Basic) -> sp.Float | None:
    """max(|Re v|, |Im v|) to 15 digits, or None when SymPy cannot evaluate v to a number.

    Cheap for every number built through :class:`~symnn.text.walker.Walker`: the arguments that would need huge
    precision were refused on the way up (:func:`bound_arguments`).
    """
    re, im = v.evalf(15).as_real_imag()
    if not (re.is_Number and im.is_Number) or _infinite(re) or _infinite(im):
        return None
    return max(abs(re), abs(im))


def checked_power(a: sp.Basic, b: sp.Basic) -> sp.Basic:
    """``a**b``, refused when both are numbers and the result would be huge (SymPy computes it exactly).

    Shared by every parser of untrusted text (:func:`symnn.parse`, :func:`symnn.parse_latex`,
    :func:`symnn.text.pyexpr.parse`): ``9**9**9`` and ``((sqrt(3)**999)**999)**999`` are a ValueError at once, not
    minutes of big-integer arithmetic. The size of the result is estimated as ``|b|·log2|a|`` bits (numerator and
    denominator for a rational ``a``).
    """
    if a.is_number and b.is_number and not (_infinite(a) or _infinite(b)):
        size = _magnitude(b)
        if size is None or size > MAX_EXPONENT:
            raise ValueError(f"parse: the exponent {b} is too large; numbers may be raised to at most {MAX_EXPONENT}")
        if a.is_Rational and b.is_Rational:
            # (9**999)**999 passes the exponent cap but has a million digits; cap the size of the result
            bits = max(int(a.p).bit_length(), int(a.q).bit_length()) * abs(b)
        else:
            base = _magnitude(a)
            bits = 0 if base is None or base == 0 else size * abs(sp.log(base, 2))
        if bits > MAX_BITS:
            raise ValueError(f"parse: a power of about {int(bits)} bits is too large; at most {MAX_BITS} bits")
    return a**b


def _fast_growing() -> tuple[type, ...]:
    from symnn.model.functions import sigmoid, softplus
    from symnn.model.softmax import softmax

    return (sp.exp, TrigonometricFunction, HyperbolicFunction, sigmoid, softplus, softmax)


#: Most arguments of Max and Min: SymPy compares every pair when it builds them (32 symbols take ~1 s, 380 minutes).
MAX_EXTREMUM_ARGS = 20


def check_extremum(function: Callable[..., sp.Basic], args: list[sp.Basic]) -> list[sp.Basic]:
    """``args``, unless ``function`` is Max or Min and they are more than :data:`MAX_EXTREMUM_ARGS`."""
    if function in (sp.Max, sp.Min) and len(args) > MAX_EXTREMUM_ARGS:
        raise ValueError(
            f"parse: {function.__name__} of {len(args)} arguments is too many; at most {MAX_EXTREMUM_ARGS}"
        )
    return args


def bound_arguments(expr: sp.Basic, seen: set[sp.Basic]) -> sp.Basic:
    """``expr``, once every number given to a fast-growing function in it is at most :data:`MAX_ARGUMENT`.

    Innermost first, so that measuring an argument never evaluates an unchecked one; ``seen`` holds the
    subexpressions already checked (one set a parse), so each is visited once however often it is rebuilt.
    Checking the built expression, not the call, also catches what SymPy makes itself: ``exp(9000)**2`` is
    ``exp(18000)``.
    """
    fast = _fast_growing()
    stack: list[tuple[sp.Basic, bool]] = [(expr, False)]
    while stack:
        e, children_done = stack.pop()
        bits = max(int(e.p).bit_length(), int(e.q).bit_length()) if e.is_Rational else 0
        if bits > MAX_BITS:
            # products make what no single power did: 10**999 * 10**999 * ... (and could not even be printed)
            raise ValueError(f"parse: a number of {bits} bits is too large; at most {MAX_BITS} bits")
        if not e.args or e in seen:
            continue
        if not children_done:
            stack.append((e, True))
            stack.extend((a, False) for a in e.args)
            continue
        seen.add(e)
        if isinstance(e, fast):
            for a in e.args:
                if a.is_number and not _infinite(a):
                    size = _magnitude(a)
                    if size is None or size > MAX_ARGUMENT:
                        about = "cannot be evaluated" if size is None else f"is about {sp.Float(size, 3)}"
                        raise ValueError(
                            f"parse: the argument of {e.func.__name__} {about}; numbers given to exp, sin, cos, "
                            f"tan, sinh, cosh, tanh, sigmoid, softplus or softmax may be at most {MAX_ARGUMENT} "
                            "in magnitude"
                        )
    return expr

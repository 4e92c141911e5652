"""Checking one value of a network spec: each check returns the value to use, or raises a ``ValueError`` whose
message starts with ``what`` (the layer and field) and says what the value must be. Nothing is evaluated: a
number given as text is read by :class:`fractions.Fraction`, through ``sympy.Rational``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import sympy as sp

__all__ = [
    "REQUIRED",
    "activation_names",
    "at_zero",
    "boolean",
    "exact",
    "identifier",
    "keep_name",
    "one_of",
    "positive_int",
    "positive_number",
    "rational",
]

REQUIRED = object()  # a field without a default


def positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return value


def shape(value: Any, what: str) -> int | tuple[int, ...]:
    """A positive integer, or a non-empty list of them (the shape of one sample, such as [1, 8, 8])."""
    if isinstance(value, list | tuple):
        if not value:
            raise ValueError(f"{what} must be a positive integer or a list of them, got an empty list")
        return tuple(positive_int(v, what) for v in value)
    return positive_int(value, what)


def boolean(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be true or false, got {value!r}")
    return value


def identifier(value: Any, what: str) -> str:
    if not (isinstance(value, str) and value.isidentifier() and not value.startswith("_")):
        raise ValueError(f'{what} must name a symbol (an identifier such as "p" or "lambda"), got {value!r}')
    return value


def rational(value: Any, what: str, low: sp.Expr, high: sp.Expr | None, closed_low: bool) -> sp.Rational:
    """A number given as an integer, a float (read as the decimal it prints as) or a string ``"1/2"``; exact."""
    r = None
    if isinstance(value, float) and math.isfinite(value):
        r = sp.Rational(repr(value))
    elif isinstance(value, int) and not isinstance(value, bool):
        r = sp.Integer(value)
    elif isinstance(value, str) and 0 < len(value) <= 40:
        try:
            r = sp.Rational(value)  # a decimal or p/q, read by fractions.Fraction: nothing is evaluated
        except (TypeError, ValueError, ZeroDivisionError):
            r = None
    ok = r is not None and (r >= low if closed_low else r > low) and (high is None or r <= high)
    if not ok:
        where = f"from {low} to {high}" if high is not None else f"above {low}"
        raise ValueError(f'{what} must be a number {where} (an integer, a decimal or a string "1/2"), got {value!r}')
    return r


def positive_number(value: Any, what: str) -> sp.Rational:
    return rational(value, what, sp.S.Zero, None, closed_low=False)


def at_zero(value: Any, what: str) -> sp.Rational:
    return rational(value, what, sp.S.Zero, sp.S.One, closed_low=True)


def one_of(choices: Callable[[], list[str]], hint: Callable[[Any], str] = lambda v: ""):
    def check(value: Any, what: str) -> str:
        valid = choices()
        if not isinstance(value, str) or value not in valid:
            raise ValueError(f"{what}: unknown {value!r}{hint(value)}; valid choices: {', '.join(valid)}")
        return value

    return check


def activation_names() -> list[str]:
    from symnn.model.registry import ACTIVATIONS  # the registry of activations, user-registered ones included

    return list(ACTIVATIONS)


def keep_name(value: Any, what: str) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f'{what} names the keep probability\'s symbol (such as "p"), got the number {value!r}; '
            f'write keep = "p" and give its value in [constants]: p = {value!r}'
        )
    return identifier(value, what)


def exact(r: sp.Rational) -> int | float | str:
    """How a spec writes an exact number: an int, else a float when it reads back as ``r``, else ``"p/q"``."""
    if r.is_Integer:
        return int(r)
    f = float(r)
    return f if sp.Rational(repr(f)) == r else str(r)


def nonnegative_int(value: Any, what: str) -> int:
    """An integer ≥ 0 (a convolution's padding)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be an integer ≥ 0, got {value!r}")
    return value


def optional_positive_int(value: Any, what: str) -> int | None:
    """A positive integer, or None (absent: the layer's default, a pooling stride equal to its size)."""
    return None if value is None else positive_int(value, what)


def kernel_size(value: Any, what: str) -> int | tuple[int, int]:
    """A kernel's size: a positive integer (square) or a list of two, [height, width]."""
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise ValueError(f"{what} must be a positive integer or a list of two ([height, width]), got {value!r}")
        return positive_int(value[0], what), positive_int(value[1], what)
    return positive_int(value, what)

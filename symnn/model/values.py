"""Turning values a user passes into SymPy: numbers and SymPy objects only, never text.

``sympy.sympify`` runs text through ``eval``; every public function that takes a value goes through
:func:`as_expr`, which refuses ``str`` (text goes through :func:`symnn.parse`, a whitelist).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

__all__ = ["as_expr"]


def as_expr(value: Any, what: str) -> Any:
    """``value`` as a SymPy object; a nested list (or NumPy array) becomes a nested list of them.

    Parameters
    ----------
    value : object
        The value to convert.
    what : str
        What the value is, for the error message ("the bias", "x[1]").

    Raises
    ------
    TypeError
        For text (use :func:`symnn.parse`) and for anything SymPy cannot take without parsing.

    Examples
    --------
    >>> from symnn.model.values import as_expr
    >>> as_expr(0.5, "the bias"), as_expr(3, "w")
    (0.500000000000000, 3)
    >>> as_expr("1/2", "the bias")
    Traceback (most recent call last):
    ...
    TypeError: the bias must be a number or a SymPy expression, not text ('1/2'); parse text with symnn.parse
    """
    if isinstance(value, list | tuple) or (hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0):
        items = value.tolist() if hasattr(value, "tolist") else value
        return [as_expr(v, f"{what}[{i}]") for i, v in enumerate(items)]
    if isinstance(value, str | bytes):
        raise TypeError(
            f"{what} must be a number or a SymPy expression, not text ({value!r}); parse text with symnn.parse"
        )
    try:
        return sp.sympify(value, strict=True)
    except sp.SympifyError as e:
        raise TypeError(f"{what} must be a number or a SymPy expression, got {type(value).__name__}") from e

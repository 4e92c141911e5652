"""The code view: Python functions shown as formulas through latexify-py, next to their source.

latexify-py renders Python source, not SymPy objects (SymPy's own printers do the derivations). It supports
Python 3.9–3.13; where it cannot be imported (3.14 removed ``ast.Num``) :data:`LATEXIFY` is ``None`` and the
documents show the source and SymPy's formula only.
"""

from __future__ import annotations

import inspect
import logging
import textwrap
from collections.abc import Callable
from typing import Any

import sympy as sp

from symnn.render.document import Document

log = logging.getLogger(__name__)

try:  # latexify-py is optional at run time: it breaks on Python 3.14
    import latexify as LATEXIFY
except Exception as e:  # pragma: no cover - depends on the interpreter
    log.debug("latexify-py unavailable: %s", e)
    LATEXIFY = None

__all__ = ["LATEXIFY", "add_function", "add_user_activation", "function_latex"]


def function_latex(
    func: Callable[..., Any],
    *,
    name: str | None = None,
    identifiers: dict[str, str] | None = None,
    reduce_assignments: bool = False,
    use_math_symbols: bool = False,
) -> str:
    """latexify-py's formula for ``func`` (``\\mathrm{name}(x) = …``), renamed to ``name`` if given.

    A function made by ``sympy.lambdify`` is called ``_lambdifygenerated``; ``name`` replaces that through
    latexify-py's ``identifiers``, which can also rename arguments (``{"w1_1_1": "w"}``: latexify-py maps names
    to plain names only, so it cannot print w^(1)_11). Raises ``RuntimeError`` when latexify-py cannot be
    imported here.

    Examples
    --------
    >>> def relu(x):
    ...     return max(0, x)
    >>> function_latex(relu)
    '\\\\mathrm{relu}(x) = \\\\mathrm{max} \\\\mathopen{}\\\\left( 0, x \\\\mathclose{}\\\\right)'
    """
    if LATEXIFY is None:
        raise RuntimeError("latexify-py cannot be imported in this Python; the code view needs Python 3.9-3.13")
    names = dict(identifiers or {})
    if name:
        names[func.__name__] = name
    return LATEXIFY.get_latex(
        func, identifiers=names or None, reduce_assignments=reduce_assignments, use_math_symbols=use_math_symbols
    )


def add_function(
    doc: Document,
    func: Callable[..., Any],
    *,
    name: str | None = None,
    identifiers: dict[str, str] | None = None,
    intro: Any = None,
) -> None:
    """Add a Python function to ``doc``: its source, then its formula through latexify-py (when available).

    Works for ``sympy.lambdify``'s functions too (their source is kept by ``inspect``).
    """
    if intro is not None:
        doc.text(intro)
    doc.code(textwrap.dedent(inspect.getsource(func)))
    if LATEXIFY is not None:
        doc.math(function_latex(func, name=name, identifiers=identifiers, use_math_symbols=True))


def add_user_activation(doc: Document, cls: type[sp.Function]) -> None:
    """Show a user activation (made by :func:`symnn.activation`): source, latexify-py's formula, derivative."""
    from symnn.render.build import phrase

    head = cls.latex_name
    doc.text(phrase("user activation", name=head))
    doc.code(textwrap.dedent(inspect.getsource(cls.python)))
    if LATEXIFY is not None:
        doc.text(phrase("user activation latex"))
        doc.math(function_latex(cls.python))
    x = cls.argument
    doc.text(phrase("user activation derivative"))
    doc.equation(sp.Derivative(cls(x), x), sp.diff(cls.definition, x))

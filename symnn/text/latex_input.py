"""``parse_latex``: LaTeX as people and symnn's printer write it, read through SymPy's LaTeX parser (ANTLR)."""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable

import sympy as sp

from symnn.deadline import run_with_deadline
from symnn.text.latex_rebuild import Rebuild
from symnn.text.latex_rewrite import rewrite
from symnn.text.parsing import MAX_DEPTH, bracket_depth, check_text

log = logging.getLogger(__name__)

__all__ = ["LATEX_TIMEOUT", "MAX_LATEX_LENGTH", "parse_latex"]

#: SymPy's LaTeX parser runs on the pure-Python ANTLR runtime: 500 characters take up to ~2 s (500 letters
#: in a row, each an implicit product, ~5 s), so LaTeX gets a shorter cap
MAX_LATEX_LENGTH = 500


def load_sympy_parser() -> tuple[type[Exception], Callable[..., sp.Basic]]:
    """SymPy's LaTeX parser and its error class, imported with its ANTLR backend (a second or so, once).

    SymPy imports the backend (and sympy.physics with it) on the first parse: that import must not run
    with evaluation off (sympy.physics.units fails to initialise), nor be cut short by a time limit.
    """
    try:
        from sympy.parsing.latex import LaTeXParsingError
        from sympy.parsing.latex import parse_latex as sympy_parse_latex

        importlib.import_module("sympy.parsing.latex._parse_latex_antlr")
    except ImportError as e:  # pragma: no cover - the dependency is declared in pyproject
        raise ImportError(
            "parse_latex needs antlr4-python3-runtime 4.11: pip install 'antlr4-python3-runtime==4.11.*'"
        ) from e
    return LaTeXParsingError, sympy_parse_latex


#: The default budget of :func:`parse_latex`, in seconds (``symnn verify``'s default too).
LATEX_TIMEOUT = 5.0


def parse_latex(text: str, *, timeout: float | None = LATEX_TIMEOUT) -> sp.Basic:
    r"""Parse LaTeX with SymPy's LaTeX parser (ANTLR backend), knowing symnn's functions and symbols.

    ``\sigma(x)`` is :class:`~symnn.sigmoid`; ``\mathrm{ReLU}(x)``, ``\operatorname{ReLU}(x)`` or
    ``\text{ReLU}(x)`` is :class:`~symnn.relu`; ``\operatorname{softplus}``; ``u(z)`` (seed 003) and
    ``\operatorname{step}`` are :class:`~symnn.step`, ``u_{0}(z)`` the step with value 0 at 0;
    ``\operatorname{softmax}_{k}(z_1, \ldots, z_n)`` is component k; ``\max``/``\min``. What symnn's
    printer writes reads back: ``\sigma^{2}\left(x\right)`` is σ(x)², ``w^{(1)}_{21}`` and ``x_{1}`` are the
    network's symbols (:mod:`symnn.model.notation`). ``\mathrm{d}`` and ``\mathrm{e}`` are d and e, so
    ``\frac{\mathrm{d}}{\mathrm{d}x}`` is a derivative and ``\mathrm{e}^{x}`` the exponential. Any other
    applied function is refused. Symbols are real; ``e`` is Euler's number. A relation stays unevaluated
    (``x = x`` is ``Eq(x, x)``, for :func:`~symnn.verify`). Numbers are under :func:`parse`'s limits; text
    longer than :data:`MAX_LATEX_LENGTH` or nested deeper than :data:`MAX_DEPTH`, factorials and binomials
    (SymPy would evaluate them while parsing) are refused.

    SymPy's parser is pure Python (ANTLR) and slow on nested input — seconds for 40 nested ``\sigma(`` — so the
    parse runs under a budget, in a worker process killed at the deadline (:func:`symnn.deadline.run_with_deadline`,
    the helper ``symnn verify --timeout`` uses).

    Parameters
    ----------
    text : str
        The LaTeX, at most :data:`MAX_LATEX_LENGTH` characters.
    timeout : float or None
        The budget in seconds (default :data:`LATEX_TIMEOUT`, 5 s); ``None`` parses in this process without one.

    Returns
    -------
    sympy.Basic
        The expression, or the unevaluated relation.

    Raises
    ------
    ValueError
        Text that is not read (naming the problem), or a ``timeout`` that is not a positive number.
    symnn.deadline.DeadlineExceeded
        Parsing took longer than ``timeout`` (a ``TimeoutError`` and a ``ValueError``; the message names the budget).

    Examples
    --------
    >>> from symnn import parse_latex
    >>> parse_latex(r"\sigma(-x) = 1 - \sigma(x)")
    Eq(sigmoid(-x), 1 - sigmoid(x))
    >>> parse_latex(r"\frac{\mathrm{d}}{\mathrm{d}x} \sigma^{2}\left(x\right)")
    Derivative(sigmoid(x)**2, x)
    """
    text = check_text(text, "parse_latex", MAX_LATEX_LENGTH)
    if bracket_depth(text) > MAX_DEPTH:
        raise ValueError(f"parse_latex: the input is nested too deeply (at most {MAX_DEPTH} levels)")
    if timeout is None:
        return _parse_latex(text)
    _warm_parser()  # here, once: every worker then starts with the parser imported and its caches filled
    return run_with_deadline(_parse_latex, (text,), timeout, what="parse_latex: parsing")


#: Parsed once in this process (fixed, trusted text) before the first worker forks: ANTLR fills its prediction
#: caches lazily, and a worker's own fills die with it, so each cold worker would spend ~0.15 s more on them.
_WARM_UP = (
    r"\frac{\mathrm{d}}{\mathrm{d}x} \sigma^{2}\left(x\right) = \sigma(-x)(1 - \sigma(x)) "
    r"+ \sum_{k=1}^{n} w^{(1)}_{21} x_{k} + \mathrm{ReLU}(x) - \tanh(x) / 2"
)


@functools.cache
def _warm_parser() -> None:
    load_sympy_parser()
    _parse_latex(_WARM_UP)


def _parse_latex(text: str) -> sp.Basic:
    """:func:`parse_latex` of checked text, without a budget."""
    LaTeXParsingError, sympy_parse_latex = load_sympy_parser()
    text = text.replace("\\!", " ")  # \! is a negative thin space, not a factorial
    source, network = rewrite(text)
    try:
        with sp.evaluate(False):  # SymPy's parser would evaluate relations (x = x is True) and more
            expr = sympy_parse_latex(source, strict=True)
    except LaTeXParsingError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else "invalid LaTeX"
        raise ValueError(f"parse_latex: cannot parse {text!r}: {first}") from None
    except (RecursionError, MemoryError):
        raise ValueError(f"parse_latex: the input is nested too deeply (at most {MAX_DEPTH} levels)") from None
    try:
        integers = {
            str(s) for total in expr.atoms(sp.Sum) for limit in total.limits for s in sp.Tuple(*limit).free_symbols
        }
        return Rebuild(network, integers)(expr)
    except RecursionError:  # in SymPy's own evaluation; the rebuild itself is iterative
        raise ValueError(f"parse_latex: the input is nested too deeply (at most {MAX_DEPTH} levels)") from None

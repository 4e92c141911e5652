"""Turning user text into SymPy safely: a whitelisting parser over Python's ``ast``, and LaTeX via SymPy's parser.

``sympify`` and ``parse_expr`` call ``eval``; this module never does. ``ast.parse(mode="eval")``
only builds a syntax tree (it executes nothing), and :func:`parse` then converts the few node
types it allows into SymPy objects, refusing everything else by name.
"""

from __future__ import annotations

import ast
import logging
import math
import re
from collections.abc import Callable

import sympy as sp
from sympy.core.function import AppliedUndef

from symnn.functions import relu, sigmoid, softmax, softplus, step

log = logging.getLogger(__name__)

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LATEX_LENGTH", "MAX_LENGTH", "checked_power", "parse", "parse_latex"]

#: Longest text accepted, in characters, and deepest nesting of the syntax tree.
MAX_LENGTH = 2000
#: SymPy's LaTeX parser runs on the pure-Python ANTLR runtime: 500 characters take up to ~2 s (500 letters
#: in a row, each an implicit product, ~5 s), so LaTeX gets a shorter cap
MAX_LATEX_LENGTH = 500
MAX_DEPTH = 40
#: deepest syntax tree: a + b + c + ... nests one level per term, so this is larger than MAX_DEPTH
#: (brackets), while staying far below Python's recursion limit in the converter
MAX_TREE_DEPTH = 200
#: Largest exponent of a number raised to a number, longest integer literal, highest derivative order:
#: 10**10**10 would otherwise make SymPy compute a 10-billion-digit integer.
MAX_EXPONENT = 1000
MAX_DIGITS = 100
MAX_ORDER = 10
MAX_BITS = 100_000


def _diff(*args: sp.Basic) -> sp.Basic:
    if len(args) not in (2, 3) or not isinstance(args[1], sp.Symbol):
        raise ValueError("parse: diff takes diff(expression, symbol) or diff(expression, symbol, order)")
    if len(args) == 3 and not (args[2].is_Integer and 1 <= args[2] <= MAX_ORDER):
        raise ValueError(f"parse: the order of diff must be an integer from 1 to {MAX_ORDER}, got {args[2]}")
    return sp.Derivative(*args)  # unevaluated: the statement stays as typed; verify works it out


def _softmax(*args: sp.Basic) -> sp.Basic:
    if len(args) < 2 or not args[0].is_Integer:
        raise ValueError("parse: softmax takes softmax(k, z1, ..., zn): the component k (an integer), then the inputs")
    return softmax(*args)


#: name the user writes -> function building the SymPy object (σ and ReLU are aliases).
FUNCTIONS: dict[str, Callable[..., sp.Basic]] = {
    "sigmoid": sigmoid,
    "σ": sigmoid,
    "relu": relu,
    "ReLU": relu,
    "step": step,
    "softplus": softplus,
    "softmax": _softmax,
    "tanh": sp.tanh,
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "Abs": sp.Abs,
    "abs": sp.Abs,
    "Max": sp.Max,
    "Min": sp.Min,
    "sin": sp.sin,
    "cos": sp.cos,
    "diff": _diff,
}
#: names that are constants, not symbols
CONSTANTS: dict[str, sp.Basic] = {"pi": sp.pi, "E": sp.E}

_BINARY: dict[type, Callable[[sp.Basic, sp.Basic], sp.Basic]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: checked_power(a, b),
}
_COMPARE: dict[type, type] = {ast.Eq: sp.Eq, ast.LtE: sp.Le, ast.GtE: sp.Ge, ast.Lt: sp.Lt, ast.Gt: sp.Gt}
_NAME = re.compile(r"^[^\W\d_]\w{0,39}$")  # a letter first, no leading underscore, at most 40 characters
_ALLOWED = "numbers, names, + - * / ** ^, one comparison (== = <= >= < >) and calls of " + ", ".join(
    sorted(FUNCTIONS, key=str.lower)
)


def checked_power(a: sp.Basic, b: sp.Basic) -> sp.Basic:
    """``a**b``, refused when both are numbers and the result would be huge (SymPy computes it exactly).

    Shared by every parser of untrusted text (:func:`parse`, :mod:`symnn.pyexpr`): ``9**9**9`` is a
    ValueError at once, not minutes of big-integer arithmetic.
    """
    if a.is_number and b.is_number:
        if abs(b) > MAX_EXPONENT:
            raise ValueError(f"parse: the exponent {b} is too large; numbers may be raised to at most {MAX_EXPONENT}")
        if a.is_Rational and b.is_Rational:
            # (9**999)**999 passes the exponent cap but has a million digits; cap the size of the result
            bits = max(int(a.p).bit_length(), int(a.q).bit_length()) * abs(b)
            if bits > MAX_BITS:
                raise ValueError(f"parse: a power of about {int(bits)} bits is too large; at most {MAX_BITS} bits")
    return a**b


def _refuse(what: str) -> ValueError:
    return ValueError(f"parse: {what} is not allowed; allowed: {_ALLOWED}")


def _depth(tree: ast.AST) -> int:
    # iterative, so that a deep tree cannot exhaust Python's stack while being measured
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    return deepest


class _Converter:
    def __init__(self) -> None:
        self.symbols: dict[str, sp.Symbol] = {}

    def __call__(self, node: ast.AST) -> sp.Basic:
        if isinstance(node, ast.Constant):
            return self.constant(node.value)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](self(node.left), self(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            v = self(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Compare):
            raise _refuse("a comparison inside an expression or a chained comparison")
        raise _refuse(_describe(node))

    def constant(self, value: object) -> sp.Basic:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _refuse(f"the literal {value!r} ({type(value).__name__})")
        if isinstance(value, int):
            if len(str(abs(value))) > MAX_DIGITS:
                raise ValueError(f"parse: an integer of more than {MAX_DIGITS} digits is not allowed")
            return sp.Integer(value)
        if not math.isfinite(value):
            raise ValueError(f"parse: the number {value!r} is out of range (a float literal must be finite)")
        return sp.Rational(repr(value))  # 0.1 is exactly 1/10, as written

    def name(self, name: str) -> sp.Basic:
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise ValueError(f"parse: {name} is a function; call it, as {name}(x)")
        if name.startswith("_") or not _NAME.match(name):
            raise _refuse(f"the name {name!r} (names start with a letter, no underscore first, at most 40 characters)")
        return self.symbols.setdefault(name, sp.Symbol(name, real=True))

    def call(self, node: ast.Call) -> sp.Basic:
        if not isinstance(node.func, ast.Name):
            raise _refuse(f"calling {_describe(node.func)}")
        name = node.func.id
        if name not in FUNCTIONS:
            raise _refuse(f"the function {name!r}")
        if node.keywords:
            raise _refuse(f"a keyword argument in {name}(...)")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise _refuse(f"a starred argument in {name}(...)")
        args = [self(a) for a in node.args]
        try:
            return FUNCTIONS[name](*args)
        except TypeError as e:
            raise ValueError(f"parse: wrong number of arguments to {name}: {e}") from e


def _describe(node: ast.AST) -> str:
    kinds = {
        ast.Attribute: "attribute access (.)",
        ast.Subscript: "subscripting ([])",
        ast.Lambda: "a lambda",
        ast.ListComp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.GeneratorExp: "a comprehension",
        ast.BoolOp: "and/or",
        ast.IfExp: "if/else",
        ast.NamedExpr: "an assignment (:=)",
        ast.JoinedStr: "an f-string",
    }
    return kinds.get(type(node), f"the syntax {type(node).__name__}")


def _check_text(text: object, what: str, limit: int = MAX_LENGTH) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{what} takes a string, got {type(text).__name__}")
    if len(text) > limit:
        raise ValueError(f"{what}: the input is {len(text)} characters long; at most {limit} are allowed")
    if not text.strip():
        raise ValueError(f"{what}: the input is empty")
    return text


def _equals_as_eq(text: str) -> str:
    """A lone ``=`` outside brackets (not part of ``==``, ``<=``, ``>=``, ``!=``) read as ``==``."""
    out, depth = [], 0
    for i, ch in enumerate(text):
        depth += ch in "([{"
        depth -= ch in ")]}"
        lone = ch == "=" and depth == 0 and text[i - 1 : i] not in ("=", "<", ">", "!") and text[i + 1 : i + 2] != "="
        out.append("==" if lone else ch)
    return "".join(out)


def parse(text: str) -> sp.Basic:
    """Parse an expression or one relation (``==`` or ``=``, ``<=``, ``>=``, ``<``, ``>``) without evaluating text.

    Symbols are real. Allowed: numbers, names, ``+ - * / **`` (and ``^`` for power), unary minus,
    one comparison, and calls of the functions in :data:`FUNCTIONS`. Everything else (attribute
    access, subscripts, lambdas, comprehensions, strings, keywords, dunder names, text longer than
    :data:`MAX_LENGTH` or nested deeper than :data:`MAX_DEPTH`) raises ``ValueError`` naming it.

    Examples
    --------
    >>> from symnn import parse
    >>> parse("diff(sigmoid(x), x) == sigmoid(x)*(1 - sigmoid(x))")
    Eq(Derivative(sigmoid(x), x), (1 - sigmoid(x))*sigmoid(x))
    >>> parse("relu(x)^2 + 0.5")
    relu(x, 0)**2 + 1/2
    >>> parse("__import__('os')")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: parse: the function '__import__' is not allowed; allowed: numbers, names, ...
    """
    text = _check_text(text, "parse")
    if _bracket_depth(text) > MAX_DEPTH:
        raise ValueError(f"parse: the input is nested too deeply (at most {MAX_DEPTH} levels)")
    # x^2 as mathematicians write it: ^ becomes ** before parsing, since Python's ^ binds more loosely than +
    # (x^2 + 1 would be x^(2 + 1)); no string literal survives parsing, so the plain replacement is exact
    source = _equals_as_eq(text.replace("^", "**"))
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        raise ValueError(f"parse: not a valid expression: {e.msg} at column {e.offset}") from None
    except (RecursionError, MemoryError):
        raise ValueError(f"parse: the input is nested too deeply (at most {MAX_DEPTH} levels)") from None
    if _depth(tree) > MAX_TREE_DEPTH:
        raise ValueError(f"parse: the input is nested too deeply (at most {MAX_TREE_DEPTH} operations deep)")
    convert = _Converter()
    body = tree.body
    if isinstance(body, ast.Compare):
        if len(body.ops) != 1:
            raise _refuse("a chained comparison")
        if type(body.ops[0]) not in _COMPARE:
            raise _refuse(f"the comparison {type(body.ops[0]).__name__}")
        # unevaluated: Eq(a, a) would otherwise collapse to True before verify sees the two sides
        return _COMPARE[type(body.ops[0])](convert(body.left), convert(body.comparators[0]), evaluate=False)
    return convert(body)


# LaTeX: \mathrm{ReLU}, \operatorname{softmax}_{2}, ... become \ReLU, \softmax_{2}, which SymPy's grammar
# reads as applied functions named ReLU, softmax_{2}; the names are then mapped to symnn's functions.
_LATEX_NAMES = ("ReLU", "relu", "sigmoid", "softplus", "softmax", "step")
_LATEX_WRAPPED = re.compile(r"\\(?:mathrm|operatorname|text|mathit)\s*\{\s*(" + "|".join(_LATEX_NAMES) + r")\s*\}")
_LATEX_ANY_WRAPPED = re.compile(r"\\(?:mathrm|operatorname|text|mathit)\s*\{\s*[A-Za-z]{2,}\s*\}")
_LATEX_EAGER = re.compile(r"!|\\[dt]?binom|\\choose")
_LATEX_KNOWN = r"\sigma, \mathrm{ReLU}, \operatorname{softplus}, \operatorname{softmax}_{k}, u, \operatorname{step}"
_LATEX_FUNCTIONS: dict[str, Callable[..., sp.Basic]] = {
    "sigma": sigmoid,
    "sigmoid": sigmoid,
    "ReLU": relu,
    "relu": relu,
    "softplus": softplus,
    "step": step,
    "u": step,  # seed 003 writes the unit step u(z)
}
_LATEX_SOFTMAX = re.compile(r"^softmax_\{?(\d+)\}?$")


def _bracket_depth(text: str) -> int:
    deepest = d = 0
    for ch in text:
        if ch in "({[":
            d += 1
            deepest = max(deepest, d)
        elif ch in ")}]":
            d -= 1
    return deepest


def _evaluate_numbers(e: sp.Basic) -> sp.Basic:
    """Rebuild bottom-up, checking numeric powers before SymPy evaluates them.

    SymPy's LaTeX parser leaves 1/2 as ``Pow(2, -1)``; evaluating is wanted, but ``2^{10^{10}}`` must
    be refused before SymPy starts on a ten-billion-bit integer (``replace`` would rebuild it unchecked).
    """
    if not e.args:
        return e
    args = [_evaluate_numbers(a) for a in e.args]
    if e.is_Pow and args[0].is_number and args[1].is_number:
        return checked_power(*args)
    return e.func(*args)


def _latex_function(f: AppliedUndef) -> sp.Basic:
    name = f.func.__name__
    m = _LATEX_SOFTMAX.match(name)
    if m:
        return softmax(int(m[1]), *f.args)
    if name in _LATEX_FUNCTIONS:
        return _LATEX_FUNCTIONS[name](*f.args)
    raise ValueError(f"parse_latex: unknown function {name!r}; known: {_LATEX_KNOWN} and SymPy's own")


def parse_latex(text: str) -> sp.Basic:
    r"""Parse LaTeX with SymPy's LaTeX parser (ANTLR backend), knowing symnn's functions.

    ``\sigma(x)`` is :class:`~symnn.sigmoid`; ``\mathrm{ReLU}(x)`` or ``\operatorname{ReLU}(x)`` is
    :class:`~symnn.relu`; ``\operatorname{softplus}``; ``u(z)`` (seed 003) and ``\operatorname{step}``
    are :class:`~symnn.step`; ``\operatorname{softmax}_{k}(z_1, \ldots, z_n)`` is component k. Any other
    applied function is refused. Symbols are real; ``e`` is Euler's number. Text longer than
    :data:`MAX_LATEX_LENGTH` or nested deeper than :data:`MAX_DEPTH` is refused before parsing, and
    factorials and binomials are refused (SymPy's parser would evaluate them while parsing).

    Examples
    --------
    >>> from symnn import parse_latex
    >>> parse_latex(r"\sigma(-x) = 1 - \sigma(x)")
    Eq(sigmoid(-x), 1 - sigmoid(x))
    """
    text = _check_text(text, "parse_latex", MAX_LATEX_LENGTH)
    if _bracket_depth(text) > MAX_DEPTH:
        raise ValueError(f"parse_latex: the input is nested too deeply (at most {MAX_DEPTH} levels)")
    try:
        from sympy.parsing.latex import LaTeXParsingError
        from sympy.parsing.latex import parse_latex as sympy_parse_latex
    except ImportError as e:  # pragma: no cover - the dependency is declared in pyproject
        raise ImportError("parse_latex needs antlr4-python3-runtime 4.11 (pip install 'symnn[latex]')") from e
    text = text.replace("\\!", " ")  # \! is a negative thin space, not a factorial
    if _LATEX_EAGER.search(text):
        # SymPy's LaTeX parser evaluates n! and binomials of literals while parsing: 1000000! takes seconds
        raise ValueError(f"parse_latex: factorials and binomials are not allowed, got {_LATEX_EAGER.search(text)[0]!r}")
    source = _LATEX_WRAPPED.sub(lambda m: "\\" + m[1], text)
    unknown = _LATEX_ANY_WRAPPED.search(source)
    if unknown:  # SymPy's grammar would read \operatorname{evil} as the product o·p·e·r·...·l
        raise ValueError(f"parse_latex: unknown function {unknown[0]}; known: {_LATEX_KNOWN} and SymPy's own")
    try:
        expr = sympy_parse_latex(source, strict=True)
    except LaTeXParsingError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else "invalid LaTeX"
        raise ValueError(f"parse_latex: cannot parse {text!r}: {first}") from None
    except (RecursionError, MemoryError):
        raise ValueError(f"parse_latex: the input is nested too deeply (at most {MAX_DEPTH} levels)") from None
    try:
        expr = _evaluate_numbers(expr)
        expr = expr.replace(lambda e: isinstance(e, AppliedUndef), _latex_function)  # bottom-up: σ(σ(x)) too
    except RecursionError:
        raise ValueError(f"parse_latex: the input is nested too deeply (at most {MAX_DEPTH} levels)") from None
    # symbols are real, as in parse; a bare e is Euler's number (e^{x} is the exponential)
    plain = {
        s: sp.E if s.name == "e" else sp.Symbol(s.name, real=True)
        for s in expr.free_symbols
        if type(s) is sp.Symbol and s.is_real is None
    }
    return expr.xreplace(plain) if plain else expr

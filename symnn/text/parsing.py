"""Turning user text into SymPy safely: a whitelisting parser over Python's ``ast`` (LaTeX: ``latex_input``).

``sympify`` and ``parse_expr`` call ``eval``; this module never does. ``ast.parse(mode="eval")``
only builds a syntax tree (it executes nothing), and :func:`parse` then converts the few node
types it allows into SymPy objects, refusing everything else by name. Arithmetic and the limits on
numbers are :mod:`symnn.text.pyexpr`'s (:class:`~symnn.text.pyexpr.Walker`, shared with the reader of symnn's
JSON); :mod:`symnn.text.latex_input` rebuilds LaTeX parsed by SymPy under the same limits.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Callable

import sympy as sp

from symnn.model.functions import relu, sigmoid, softplus, step
from symnn.model.softmax import softmax
from symnn.text.pyexpr import (
    MAX_ARGUMENT,
    MAX_BITS,
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_NAME_LENGTH,
    Walker,
    check_literal,
    checked_power,
    is_plain_name,
    symbol_for,
)

log = logging.getLogger(__name__)

__all__ = [
    "FUNCTIONS",
    "MAX_ARGUMENT",
    "MAX_BITS",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "bracket_depth",
    "check_text",
    "checked_power",
    "parse",
]

#: Longest text accepted, in characters, and deepest nesting of the syntax tree.
MAX_LENGTH = 2000
MAX_DEPTH = 40
#: deepest syntax tree: a + b + c + ... nests one level per term, so this is larger than MAX_DEPTH
#: (brackets), while staying far below Python's recursion limit in the converter
MAX_TREE_DEPTH = 200
#: Highest derivative order. The caps on numbers (literals, exponents, sizes of powers, arguments of exp & co.)
#: and the rule for names are symnn.text.pyexpr's, shared with the JSON reader, re-exported here.
MAX_ORDER = 10


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

_COMPARE: dict[type, type] = {ast.Eq: sp.Eq, ast.LtE: sp.Le, ast.GtE: sp.Ge, ast.Lt: sp.Lt, ast.Gt: sp.Gt}
_ALLOWED = "numbers, names, + - * / ** ^, one comparison (== = <= >= < >) and calls of " + ", ".join(
    sorted(FUNCTIONS, key=str.lower)
)


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


class _Converter(Walker):
    def __init__(self) -> None:
        super().__init__()
        self.symbols: dict[str, sp.Symbol] = {}

    def other(self, node: ast.AST) -> sp.Basic:
        if isinstance(node, ast.Compare):
            raise _refuse("a comparison inside an expression or a chained comparison")
        raise _refuse(_describe(node))

    def constant(self, node: ast.Constant) -> sp.Basic:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _refuse(f"the literal {value!r} ({type(value).__name__})")
        check_literal(value)
        if isinstance(value, int):
            return sp.Integer(value)
        return sp.Rational(repr(value))  # 0.1 is exactly 1/10, as written

    def name(self, node: ast.Name) -> sp.Basic:
        name = node.id
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise ValueError(f"parse: {name} is a function; call it, as {name}(x)")
        if not is_plain_name(name):
            raise _refuse(
                f"the name {name!r} (names start with a letter, no underscore first, at most {MAX_NAME_LENGTH} "
                "characters)"
            )
        # w1_2_1, x1, ... are the network's own symbols (symnn.model.notation), as symnn's JSON reads them back
        return self.symbols.setdefault(name, symbol_for(name))

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
            return self.apply(FUNCTIONS[name], args)
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


def check_text(text: object, what: str, limit: int = MAX_LENGTH) -> str:
    """``text`` if a non-empty string of at most ``limit`` characters, else a TypeError/ValueError naming ``what``."""
    if not isinstance(text, str):
        raise TypeError(f"{what} takes a string, got {type(text).__name__}")
    if len(text) > limit:
        raise ValueError(f"{what}: the input is {len(text)} characters long; at most {limit} are allowed")
    if not text.strip():
        raise ValueError(f"{what}: the input is empty")
    return text


def bracket_depth(text: str) -> int:
    """How deeply brackets of any kind nest in ``text``."""
    deepest = d = 0
    for ch in text:
        if ch in "({[":
            d += 1
            deepest = max(deepest, d)
        elif ch in ")}]":
            d -= 1
    return deepest


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

    Symbols are real; names of symnn's notation (``w1_2_1``, ``x1``) are the network's own
    :class:`~symnn.model.notation.NetSymbol`. Allowed: numbers, names, ``+ - * / **`` (and ``^`` for power),
    unary minus, one comparison (kept unevaluated: ``x == x`` stays ``Eq(x, x)``), and calls of the
    functions in :data:`FUNCTIONS`. Everything else (attribute access, subscripts, lambdas,
    comprehensions, strings, keywords, dunder names, text longer than :data:`MAX_LENGTH` or nested
    deeper than :data:`MAX_DEPTH`) raises ``ValueError`` naming it, and so do numbers SymPy could not
    evaluate in bounded time: an argument of exp, sin, ..., softmax larger than :data:`MAX_ARGUMENT`
    (``exp(exp(exp(100)))``) or a power beyond :func:`checked_power`'s caps (``9**9**9``).

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
    text = check_text(text, "parse")
    if bracket_depth(text) > MAX_DEPTH:
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

"""Python expressions to SymPy through a whitelist of syntax, names and functions: nothing is ever ``eval``-ed.

SymPy's ``sympify``/``parse_expr`` end in ``eval`` and so must never see text from outside; this module walks
Python's own ``ast`` instead, accepting only arithmetic, comparisons, conditional expressions and calls of the
functions in a table. It serves two readers: JSON documents written by :mod:`symnn.render.json` (SymPy's ``str``
form, ``sigmoid(w1_1_1*x1 + b1_1)``) and activation functions users write in plain Python with ``math`` or NumPy
(:mod:`symnn.text.custom`).

It is also the one home of what every reader of untrusted text shares (:mod:`symnn.text.parsing` builds on it):
:class:`Walker`, the node-by-node conversion of arithmetic, and the limits on numbers — :func:`checked_power`
and :func:`bound_arguments` — that keep SymPy from spending minutes or more on one innocent-looking number.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any

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
    "PYTHON_FUNCTIONS",
    "SYMPY_FUNCTIONS",
    "Walker",
    "bound_arguments",
    "check_extremum",
    "check_literal",
    "checked_power",
    "is_plain_name",
    "parse",
    "symbol_for",
    "translate",
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

    The one rule of every reader (:func:`symnn.parse`, :func:`parse` for symnn's JSON).
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

    Cheap for every number built through :class:`Walker`: the arguments that would need huge precision were
    refused on the way up (:func:`bound_arguments`).
    """
    re, im = v.evalf(15).as_real_imag()
    if not (re.is_Number and im.is_Number) or _infinite(re) or _infinite(im):
        return None
    return max(abs(re), abs(im))


def checked_power(a: sp.Basic, b: sp.Basic) -> sp.Basic:
    """``a**b``, refused when both are numbers and the result would be huge (SymPy computes it exactly).

    Shared by every parser of untrusted text (:func:`symnn.parse`, :func:`symnn.parse_latex`, :func:`parse`):
    ``9**9**9`` and ``((sqrt(3)**999)**999)**999`` are a ValueError at once, not minutes of big-integer
    arithmetic. The size of the result is estimated as ``|b|·log2|a|`` bits (numerator and denominator for a
    rational ``a``).
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


#: + - * / read as one flat sum or product: a sum of 2000 terms is one SymPy call, not 2000 nested ones
_SUMS: dict[type, int] = {ast.Add: 1, ast.Sub: -1}
_PRODUCTS: dict[type, int] = {ast.Mult: 1, ast.Div: -1}


class Walker(ABC):
    """Python syntax to SymPy, node by node, with the limits every reader of untrusted text shares.

    This class owns arithmetic: ``+ - * /`` chains are read iteratively into one ``Add``/``Mul`` (no recursion
    per term), ``**`` goes through :func:`checked_power`, unary ``±``; every power, sum, product and function
    value passes :func:`bound_arguments`. Subclasses say what a constant, a name, a call and any other node
    mean (each refusing in its own words) and use :meth:`apply` to call a function of their table.
    """

    def __init__(self) -> None:
        self.bounded: set[sp.Basic] = set()

    def __call__(self, node: ast.AST) -> sp.Basic:
        if isinstance(node, ast.BinOp):
            for table, build in ((_SUMS, sp.Add), (_PRODUCTS, sp.Mul)):
                if type(node.op) in table:
                    return self.bound(build(*self._chain(node, table)))
            if isinstance(node.op, ast.Pow):
                return self.bound(checked_power(self(node.left), self(node.right)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = self(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        return self.other(node)

    def _chain(self, node: ast.BinOp, table: dict[type, int]) -> list[sp.Basic]:
        """The terms of ``a - b + c`` (a, -b, c) or factors of ``a / b * c`` (a, 1/b, c), left to right."""
        right: list[tuple[int, ast.AST]] = []
        while isinstance(node, ast.BinOp) and type(node.op) in table:
            right.append((table[type(node.op)], node.right))
            node = node.left
        parts = [self(node)]
        for sign, operand in reversed(right):
            value = self(operand)
            if sign < 0:
                value = -value if table is _SUMS else checked_power(value, sp.S.NegativeOne)
            parts.append(value)
        return parts

    def bound(self, value: sp.Basic) -> sp.Basic:
        """``value``, after :func:`bound_arguments` (the checked subexpressions are remembered)."""
        return bound_arguments(value, self.bounded) if isinstance(value, sp.Basic) else value

    def apply(self, function: Callable[..., sp.Basic], args: list[sp.Basic]) -> sp.Basic:
        """``function(*args)``, bounded."""
        return self.bound(function(*check_extremum(function, args)))

    @abstractmethod
    def constant(self, node: ast.Constant) -> sp.Basic:
        """What the subclass makes of this node (or the ValueError refusing it)."""

    @abstractmethod
    def name(self, node: ast.Name) -> sp.Basic:
        """What the subclass makes of this node (or the ValueError refusing it)."""

    @abstractmethod
    def call(self, node: ast.Call) -> sp.Basic:
        """What the subclass makes of this node (or the ValueError refusing it)."""

    @abstractmethod
    def other(self, node: ast.AST) -> sp.Basic:
        """What the subclass makes of this node (or the ValueError refusing it)."""


def _where(cond, a, b):
    return sp.Piecewise((a, cond), (b, True))


#: Functions a user's Python code may call, by the name it uses (``math.exp``, ``np.exp`` and ``exp`` alike),
#: mapped to SymPy. The NumPy spellings that differ from math's (``arctan``, ``maximum``) are listed explicitly.
PYTHON_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "exp": sp.exp,
    "expm1": lambda x: sp.exp(x) - 1,
    "log": sp.log,
    "log1p": lambda x: sp.log(1 + x),
    "sqrt": sp.sqrt,
    "tanh": sp.tanh,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "atan": sp.atan,
    "arctan": sp.atan,
    "erf": sp.erf,
    "abs": sp.Abs,
    "fabs": sp.Abs,
    "absolute": sp.Abs,
    "max": sp.Max,
    "maximum": sp.Max,
    "min": sp.Min,
    "minimum": sp.Min,
    "where": _where,
    "pow": checked_power,  # pow(9, 9**9) is refused like 9**9**9
    "power": checked_power,
}
#: Constants a user's code may name.
PYTHON_CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "e": sp.E, "inf": sp.oo}
#: The module names a call may be qualified with: ``math.exp``, ``np.exp``, ``numpy.exp``.
MODULES: tuple[str, ...] = ("math", "np", "numpy")


def _sympy_functions() -> dict[str, Callable[..., sp.Expr]]:
    from symnn.model import functions as f
    from symnn.model.softmax import softmax

    return {
        "sigmoid": f.sigmoid,
        "relu": f.relu,
        "step": f.step,
        "softplus": f.softplus,
        "softmax": softmax,
        "exp": sp.exp,
        "log": sp.log,
        "sqrt": sp.sqrt,
        "tanh": sp.tanh,
        "Abs": sp.Abs,
        "Max": sp.Max,
        "Min": sp.Min,
        "Heaviside": sp.Heaviside,
        "DiracDelta": sp.DiracDelta,
        "Piecewise": sp.Piecewise,
        "Derivative": sp.Derivative,
        "erf": sp.erf,
    }


#: What SymPy's ``str`` printer writes for symnn's expressions; filled on first use.
SYMPY_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {}
#: SymPy's constants by their ``str`` form.
SYMPY_CONSTANTS: dict[str, sp.Expr] = {"E": sp.E, "pi": sp.pi, "oo": sp.oo, "True": sp.true, "False": sp.false}

_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: sp.Lt,
    ast.LtE: sp.Le,
    ast.Gt: sp.Gt,
    ast.GtE: sp.Ge,
    ast.Eq: sp.Eq,
}


class _Translator(Walker):
    def __init__(
        self,
        names: Mapping[str, sp.Basic],
        functions: Mapping[str, Callable[..., sp.Expr]],
        modules: tuple[str, ...],
    ) -> None:
        super().__init__()
        self.names = names
        self.functions = functions
        self.modules = modules

    def unsupported(self, node: ast.AST, what: str | None = None) -> ValueError:
        text = what or type(node).__name__
        return ValueError(f"Unsupported: {text} (at column {getattr(node, 'col_offset', 0) + 1})")

    def constant(self, node: ast.Constant) -> sp.Basic:
        v = node.value
        check_literal(v)
        if isinstance(v, bool):
            return sp.true if v else sp.false
        if isinstance(v, int):
            return sp.Integer(v)
        if isinstance(v, float):
            return sp.Float(v)
        raise self.unsupported(node, f"the constant {v!r}")

    def name(self, node: ast.Name) -> sp.Basic:
        if node.id in self.names:
            return self.names[node.id]
        raise ValueError(f"unknown name {node.id!r}; known names: {', '.join(sorted(self.names))}")

    def call(self, node: ast.Call) -> sp.Basic:
        if node.keywords:
            raise self.unsupported(node, "keyword arguments")
        name = node.func.id if isinstance(node.func, ast.Name) else self._qualified(node.func)
        if name not in self.functions:
            raise ValueError(
                f"unknown function {ast.unparse(node.func)!r}; known functions: {', '.join(sorted(self.functions))}"
            )
        args = [self(a) for a in node.args]
        if name == "Piecewise":  # its arguments are (expression, condition) pairs
            return self.apply(sp.Piecewise, [tuple(a) for a in args])
        return self.apply(self.functions[name], args)

    def other(self, node: ast.AST) -> sp.Basic:
        if isinstance(node, ast.Expression):
            return self(node.body)
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            return _COMPARE[type(node.ops[0])](self(node.left), self(node.comparators[0]))
        if isinstance(node, ast.IfExp):
            return self.apply(sp.Piecewise, [(self(node.body), self(node.test)), (self(node.orelse), True)])
        if isinstance(node, ast.Tuple):
            return sp.Tuple(*(self(e) for e in node.elts))
        if isinstance(node, ast.Attribute):
            name = self._qualified(node)
            if name in self.names:
                return self.names[name]
            raise ValueError(f"unknown name {ast.unparse(node)!r}")
        raise self.unsupported(node)

    def _qualified(self, node: ast.AST) -> str:
        """``exp`` for ``math.exp`` / ``np.exp`` / ``numpy.exp``; anything else is refused."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in self.modules:
            return node.attr
        known = f" (only functions of {', '.join(self.modules)} are known)" if self.modules else ""
        raise self.unsupported(node, f"the attribute {ast.unparse(node)!r}{known}")


def translate(
    node: ast.AST,
    names: Mapping[str, sp.Basic],
    *,
    functions: Mapping[str, Callable[..., sp.Expr]] | None = None,
    modules: tuple[str, ...] = MODULES,
) -> sp.Basic:
    """Translate a Python expression node to SymPy; names and functions come only from the tables given.

    ``functions`` defaults to :data:`PYTHON_FUNCTIONS`; names are looked up in ``names`` (then the module-
    qualified constants ``math.pi``, ``np.e``).
    """
    table = dict(names)
    table.update({k: v for k, v in PYTHON_CONSTANTS.items() if k not in table})
    return _Translator(table, PYTHON_FUNCTIONS if functions is None else functions, modules)(node)


def symbol_for(name: str) -> sp.Symbol:
    """The network's ``NetSymbol`` for a name of its notation (``w1_2_1``), else a real symbol."""
    from symnn.model.notation import NetSymbol

    try:
        return NetSymbol(name)
    except ValueError:
        return sp.Symbol(name, real=True)


def parse(
    text: str,
    symbols: Mapping[str, sp.Basic] | None = None,
    *,
    functions: Mapping[str, Callable[..., sp.Expr]] | None = None,
) -> sp.Basic:
    """Parse SymPy's ``str`` form of an expression without ``eval``.

    Parameters
    ----------
    text : str
        For example ``"sigmoid(b1_1 + w1_1_1*x1)"``.
    symbols : mapping, optional
        name -> symbol. Without it, a name of symnn's notation becomes its :class:`~symnn.model.notation.NetSymbol`
        (real, as the network makes them) and any other identifier a real ``Symbol``.
    functions : mapping, optional
        Extra functions by name (a registered user activation), added to :data:`SYMPY_FUNCTIONS`.

    Examples
    --------
    >>> parse("sigmoid(b1_1 + w1_1_1*x1)/2 - x1**2")
    -x1**2 + sigmoid(b1_1 + w1_1_1*x1)/2
    >>> parse("__import__('os')")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown function '__import__'; known functions: Abs, Derivative, ...
    """
    if not SYMPY_FUNCTIONS:
        SYMPY_FUNCTIONS.update(_sympy_functions())
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        raise ValueError(f"not an expression: {text!r} ({e.msg})") from e
    except (RecursionError, MemoryError):
        raise ValueError(f"not an expression: {text[:40]!r}... is nested too deeply for Python's parser") from None
    table: dict[str, sp.Basic] = dict(SYMPY_CONSTANTS)
    if symbols is not None:
        table.update(symbols)
    else:
        nodes = list(ast.walk(tree))
        called = {id(n.func) for n in nodes if isinstance(n, ast.Call)}  # a set: one pass, not one a name
        for node in nodes:
            if isinstance(node, ast.Name) and node.id not in table and id(node) not in called:
                if not is_plain_name(node.id):  # symnn.parse's rule: no dunder, no 100 000-character name
                    shown = repr(node.id) if len(node.id) <= 60 else f"{node.id[:60]!r}... ({len(node.id)} characters)"
                    raise ValueError(
                        f"parse: the name {shown} is not allowed (names start with a letter, no underscore first, "
                        f"at most {MAX_NAME_LENGTH} characters)"
                    )
                table[node.id] = symbol_for(node.id)
    funcs = {**SYMPY_FUNCTIONS, **(functions or {})}
    from symnn.model.registry import ACTIVATION_CLASSES

    funcs.update({k: v for k, v in ACTIVATION_CLASSES.items() if k not in funcs})
    try:
        return _Translator(table, funcs, ())(tree)
    except RecursionError:
        raise ValueError(f"not an expression: {text[:40]!r}... is nested too deeply") from None
    except TypeError as e:  # SymPy's answer to a call with the wrong arguments: sigmoid(), Piecewise(1)
        raise ValueError(f"parse: {e} (in {text[:40]!r})") from None

"""Python expressions to SymPy through a whitelist, never ``eval``: symnn's JSON and users' activation code."""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from symnn.text.limits import (
    MAX_ARGUMENT,
    MAX_BITS,
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_EXTREMUM_ARGS,
    MAX_NAME_LENGTH,
    bound_arguments,
    check_extremum,
    check_literal,
    checked_power,
    is_plain_name,
)
from symnn.text.walker import Walker

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

    SymPy's ``sympify``/``parse_expr`` end in ``eval`` and so must never see text from outside: this walks Python's
    own ``ast`` instead, accepting only arithmetic, comparisons, conditional expressions and calls of the functions
    in a table (users' activations in plain Python with ``math`` or NumPy, :mod:`symnn.text.custom`).

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
    """Parse SymPy's ``str`` form of an expression without ``eval`` (the JSON documents of :mod:`symnn.render.json`).

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

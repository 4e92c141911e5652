"""Python expressions to SymPy through a whitelist of syntax, names and functions: nothing is ever ``eval``-ed.

SymPy's ``sympify``/``parse_expr`` end in ``eval`` and so must never see text from outside; this module walks
Python's own ``ast`` instead, accepting only arithmetic, comparisons, conditional expressions and calls of the
functions in a table. It serves two readers: JSON documents written by :mod:`symnn.render.json` (SymPy's ``str``
form, ``sigmoid(w1_1_1*x1 + b1_1)``) and activation functions users write in plain Python with ``math`` or NumPy
(:mod:`symnn.custom`).
"""

from __future__ import annotations

import ast
import keyword
import operator
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from symnn.parsing import checked_power

__all__ = ["PYTHON_FUNCTIONS", "SYMPY_FUNCTIONS", "parse", "translate"]


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
    "pow": lambda a, b: a**b,
    "power": lambda a, b: a**b,
}
#: Constants a user's code may name.
PYTHON_CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "e": sp.E, "inf": sp.oo}
#: The module names a call may be qualified with: ``math.exp``, ``np.exp``, ``numpy.exp``.
MODULES: tuple[str, ...] = ("math", "np", "numpy")


def _sympy_functions() -> dict[str, Callable[..., sp.Expr]]:
    from symnn import functions as f

    return {
        "sigmoid": f.sigmoid,
        "relu": f.relu,
        "step": f.step,
        "softplus": f.softplus,
        "softmax": f.softmax,
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


#: What SymPy's ``str`` printer writes for symnn's expressions; filled on first use (symnn.functions imports late).
SYMPY_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {}
#: SymPy's constants by their ``str`` form.
SYMPY_CONSTANTS: dict[str, sp.Expr] = {"E": sp.E, "pi": sp.pi, "oo": sp.oo, "True": sp.true, "False": sp.false}

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: checked_power,  # the caps of symnn.parse: 9**9**9 is refused, not computed
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: sp.Lt,
    ast.LtE: sp.Le,
    ast.Gt: sp.Gt,
    ast.GtE: sp.Ge,
    ast.Eq: sp.Eq,
}


class _Translator:
    def __init__(
        self,
        names: Mapping[str, sp.Basic],
        functions: Mapping[str, Callable[..., sp.Expr]],
        modules: tuple[str, ...],
    ) -> None:
        self.names = names
        self.functions = functions
        self.modules = modules

    def unsupported(self, node: ast.AST, what: str | None = None) -> ValueError:
        text = what or type(node).__name__
        return ValueError(f"Unsupported: {text} (at column {getattr(node, 'col_offset', 0) + 1})")

    def __call__(self, node: ast.AST) -> sp.Basic:
        if isinstance(node, ast.Expression):
            return self(node.body)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool):
                return sp.true if v else sp.false
            if isinstance(v, int):
                return sp.Integer(v)
            if isinstance(v, float):
                return sp.Float(v)
            raise self.unsupported(node, f"the constant {v!r}")
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            raise ValueError(f"unknown name {node.id!r}; known names: {', '.join(sorted(self.names))}")
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](self(node.left), self(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = self(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            return _COMPARE[type(node.ops[0])](self(node.left), self(node.comparators[0]))
        if isinstance(node, ast.IfExp):
            return sp.Piecewise((self(node.body), self(node.test)), (self(node.orelse), True))
        if isinstance(node, ast.Tuple):
            return sp.Tuple(*(self(e) for e in node.elts))
        if isinstance(node, ast.Attribute):
            name = self._qualified(node)
            if name in self.names:
                return self.names[name]
            raise ValueError(f"unknown name {ast.unparse(node)!r}")
        if isinstance(node, ast.Call):
            if node.keywords:
                raise self.unsupported(node, "keyword arguments")
            name = node.func.id if isinstance(node.func, ast.Name) else self._qualified(node.func)
            if name not in self.functions:
                raise ValueError(
                    f"unknown function {ast.unparse(node.func)!r}; known functions: {', '.join(sorted(self.functions))}"
                )
            args = [self(a) for a in node.args]
            if name == "Piecewise":  # its arguments are (expression, condition) pairs
                return sp.Piecewise(*(tuple(a) for a in args))
            return self.functions[name](*args)
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


def _symbol_for(name: str) -> sp.Symbol:
    from symnn.notation import NetSymbol

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
        name -> symbol. Without it, a name of symnn's notation becomes its :class:`~symnn.notation.NetSymbol`
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
    table: dict[str, sp.Basic] = dict(SYMPY_CONSTANTS)
    if symbols is not None:
        table.update(symbols)
    else:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id not in table:
                called = any(isinstance(p, ast.Call) and p.func is node for p in ast.walk(tree))
                if not called and node.id.isidentifier() and not keyword.iskeyword(node.id):
                    table[node.id] = _symbol_for(node.id)
    funcs = {**SYMPY_FUNCTIONS, **(functions or {})}
    from symnn.network import ACTIVATION_CLASSES

    funcs.update({k: v for k, v in ACTIVATION_CLASSES.items() if k not in funcs})
    return _Translator(table, funcs, ())(tree)

"""User activations: a plain Python function (``math`` or NumPy calls) becomes a SymPy activation symnn can derive,
verify, compile and print.

The function's source is parsed with :mod:`ast` and translated through :mod:`symnn.text.pyexpr`'s whitelist; it is
never called or ``eval``-ed. The result is an :class:`~symnn.model.functions.ActivationFunction` subclass whose
``fdiff`` is the derivative of the definition and whose ``rewrite(exp)`` is the definition, registered by name
so that ``MLP(..., activation="swish")`` accepts it.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable

import sympy as sp
from sympy.core.function import ArgumentIndexError

from symnn.codenames import check_code_name
from symnn.model.functions import ActivationFunction
from symnn.model.registry import register_activation
from symnn.text.pyexpr import translate

__all__ = ["activation", "definition_of"]


def _function_ast(func: Callable[..., object]) -> ast.FunctionDef:
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError) as e:
        raise ValueError(f"cannot read the source of {func!r}: define it in a file or a notebook cell") from e
    tree = ast.parse(source)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if not defs:
        raise ValueError(f"Unsupported: {getattr(func, '__name__', func)!r} is not a def (a lambda cannot be read)")
    return defs[0]


def definition_of(func: Callable[..., object]) -> tuple[sp.Symbol, sp.Expr]:
    """The argument symbol and the SymPy expression a one-argument Python function computes.

    The body may hold a docstring, assignments to local names, and one final ``return``; expressions may use
    arithmetic, comparisons, ``a if c else b`` and the functions of :data:`symnn.text.pyexpr.PYTHON_FUNCTIONS`.

    Examples
    --------
    >>> import math
    >>> def swish(x):
    ...     return x / (1 + math.exp(-x))
    >>> definition_of(swish)
    (x, x/(1 + exp(-x)))
    """
    node = _function_ast(func)
    args = node.args
    if len(args.args) != 1 or args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        raise ValueError(f"an activation takes exactly one argument; {node.name} takes {ast.unparse(args)!r}")
    x = sp.Symbol(args.args[0].arg, real=True)
    names: dict[str, sp.Basic] = {x.name: x}
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    for stmt in body[:-1]:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            raise ValueError(
                f"Unsupported: line {stmt.lineno} of {node.name}: only `name = expression` lines may come before "
                "the return (write conditions as `a if c else b` or max/np.where)"
            )
        names[stmt.targets[0].id] = translate(stmt.value, names)
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        raise ValueError(f"Unsupported: {node.name} must end with `return <expression>`")
    return x, sp.sympify(translate(body[-1].value, names))


def activation(
    func: Callable[[float], float] | None = None, *, name: str | None = None, replace: bool = True
) -> type[ActivationFunction] | Callable[[Callable[[float], float]], type[ActivationFunction]]:
    r"""Turn a Python function into a symnn activation and register it (usable as a decorator).

    Parameters
    ----------
    func : callable
        ``def f(x): return ...`` using arithmetic and ``math``/NumPy functions (see :func:`definition_of`).
    name : str, optional
        The name to register (default: the function's name); ``MLP(..., activation=name)`` then accepts it.
        It names the class too, which SymPy prints into compiled code, so it must be a plain identifier
        (:func:`symnn.codenames.is_code_name`; otherwise a ValueError naming it).
    replace : bool
        Replace an activation registered earlier under this name (default ``True``: re-running a notebook cell
        redefines it).

    Returns
    -------
    type
        An :class:`~symnn.model.functions.ActivationFunction` subclass: ``cls(z)`` is the activation of ``z``,
        ``diff`` gives the derivative of the definition, ``.rewrite(sympy.exp)`` the definition itself,
        ``cls.python`` the original function (shown in documents through latexify-py).

    Examples
    --------
    >>> import math, sympy as sp, symnn as sn
    >>> @sn.activation
    ... def swish(x):
    ...     return x / (1 + math.exp(-x))
    >>> z = sp.Symbol("z", real=True)
    >>> swish(z).rewrite(sp.exp)
    z/(1 + exp(-z))
    >>> sp.diff(swish(z), z) == sp.diff(z / (1 + sp.exp(-z)), z)
    True
    >>> sn.MLP([2, 1], output="swish").outputs[0]
    swish(b1_1 + w1_1_1*x1 + w1_1_2*x2)
    """
    if func is None:
        return lambda f: activation(f, name=name, replace=replace)  # type: ignore[return-value]
    name = check_code_name(name or func.__name__, "the activation name")  # the class's name is printed into code
    x, body = definition_of(func)
    derivative = sp.diff(body, x)

    def definition(self, z, **kwargs):
        return body.xreplace({x: z})

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return derivative.xreplace({x: self.args[0]})

    def eval(cls, z):
        # numbers only: the class stays unevaluated on symbols (returning the formula would make it vanish)
        if z.is_Number:
            return body.xreplace({x: z})
        return None

    def _numpycode(self, printer):
        return printer._print(body.xreplace({x: self.args[0]}))

    def _eval_is_extended_real(self):
        return body.xreplace({x: self.args[0]}).is_extended_real

    namespace = {
        "__doc__": f"The user activation {name}, defined in Python as {func.__qualname__}.",
        "__module__": getattr(func, "__module__", __name__),
        "latex_name": r"\operatorname{" + name.replace("_", r"\_") + "}",  # gelu_tanh: no subscript
        "python": staticmethod(func),
        "argument": x,
        "definition": body,
        "eval": classmethod(eval),
        "fdiff": fdiff,
        "_eval_rewrite_as_exp": definition,
        "_eval_rewrite_as_Piecewise": definition,
        "_eval_rewrite_as_Max": definition,
        "_eval_is_extended_real": _eval_is_extended_real,
        "_numpycode": _numpycode,
    }
    cls = type(name, (ActivationFunction,), namespace)
    register_activation(name, cls, replace=replace)
    return cls

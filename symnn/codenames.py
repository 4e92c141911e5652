"""Names that become code: the one gate every route from SymPy objects to Python source passes through.

symnn writes Python source in three places — :func:`sympy.lambdify` (the element view, plots), the matrix-view
code generator (:mod:`symnn.codegen`, executed by :mod:`symnn.compiler`) and the comments in that code — and in
each, names come from outside: a ``Symbol``'s name, a ``Function`` class's ``__name__``, a registered activation.
A name is text, so a name such as ``__import__('os').system('...')`` printed into source is a program. This module
decides which names may be printed (:func:`is_code_name`), refuses the others by name (:func:`check_code_name`,
:func:`check_expression_names`), renames what can be renamed (the arguments of :func:`safe_lambdify`), keeps
comments on one line (:func:`code_comment`) and audits generated source before it runs (:func:`run_generated`).
"""

from __future__ import annotations

import ast
import builtins
import itertools
import keyword
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

import sympy as sp
from sympy.printing.codeprinter import PrintMethodNotImplementedError

__all__ = [
    "check_code_name",
    "check_expression_names",
    "code_comment",
    "is_code_name",
    "run_generated",
    "safe_lambdify",
]

#: The longest name shown in an error message (a refused name may be 100 000 characters long).
_SHOWN = 60

#: Builtins through which generated code could reach the interpreter; no generated line calls any of them.
_DANGEROUS = frozenset(
    {"eval", "exec", "compile", "open", "getattr", "setattr", "delattr", "globals", "locals", "vars", "breakpoint",
     "input", "help", "exit", "quit", "memoryview", "type", "object", "classmethod", "staticmethod", "super"}
)  # fmt: skip

#: The syntax generated code is made of (function definitions, assignments, arithmetic, calls, ``with
#: numpy.errstate(...)``, ``X.shape[0]``); anything else in a generated module is a bug or an injection.
_SYNTAX: tuple[type, ...] = (
    ast.Module, ast.FunctionDef, ast.arguments, ast.arg, ast.Return, ast.Assign, ast.AugAssign, ast.With,
    ast.withitem, ast.Import, ast.alias, ast.Expr, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp,
    ast.Call, ast.keyword, ast.Attribute, ast.Subscript, ast.Slice, ast.Name, ast.Constant, ast.Tuple, ast.List,
    ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop,
)  # fmt: skip

#: The modules generated code may import (and symnn's own kernels, :mod:`symnn.kernels` and its modules).
_MODULES = frozenset({"numpy", "jax", "jax.numpy", "symnn.kernels"})


def is_code_name(name: object) -> bool:
    """Whether ``name`` may be printed as a name into Python source.

    A plain identifier: ``str.isidentifier``, unchanged by Python's NFKC normalisation of identifiers (so that
    the name read back is the name written: ``ｘ`` would be read as ``x``), not a keyword, and not starting with
    ``__`` (dunders such as ``__import__`` and ``__builtins__`` reach the interpreter itself).

    Examples
    --------
    >>> is_code_name("w1_2_1"), is_code_name("σ")
    (True, True)
    >>> is_code_name("__import__('os').system('ls')"), is_code_name("lambda"), is_code_name("__class__")
    (False, False, False)
    """
    return (
        isinstance(name, str)
        and name.isidentifier()
        and unicodedata.normalize("NFKC", name) == name
        and not keyword.iskeyword(name)
        and not name.startswith("__")
    )


def _shown(name: object) -> str:
    text = repr(name)
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}... ({len(str(name))} characters)"


def check_code_name(name: object, what: str = "a name") -> str:
    """``name`` if :func:`is_code_name`, else a ValueError (TypeError for a non-string) naming it and ``what`` it is.

    Examples
    --------
    >>> check_code_name("swish", "an activation")
    'swish'
    >>> check_code_name("__import__('os')", "the function class")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: the function class "__import__('os')" cannot be printed into generated code: ...
    """
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a string, got {type(name).__name__}")
    if not is_code_name(name):
        raise ValueError(
            f"{what} {_shown(name)} cannot be printed into generated code: a name must be a plain Python "
            "identifier (letters, digits and underscores, not a keyword, not starting with '__')"
        )
    return name


def _functions(exprs: Iterable[sp.Basic]) -> set[type]:
    return {f.func for e in exprs if isinstance(e, sp.Basic) for f in e.atoms(sp.Function)}


def check_expression_names(
    exprs: Iterable[Any], symbols: Iterable[sp.Basic] | None = None, what: str = "generated code"
) -> None:
    """Refuse what would put an unchecked name into code printed from ``exprs``.

    Every function class (``sigmoid``, a user activation, ``sympy.Function("f")``) must have a
    :func:`is_code_name` name. With ``symbols`` (the names the code defines: arguments, assignments), every free
    symbol must be one of them: any other would be printed as a bare name and looked up wherever the code runs
    (``pi`` would silently be NumPy's π); without, every free symbol's name is checked instead.

    Raises
    ------
    ValueError
        naming the function class or symbol at fault.
    """
    exprs = [sp.sympify(e) if isinstance(e, int | float) else e for e in exprs]
    for f in sorted(_functions(exprs), key=lambda f: str(f.__name__)):
        check_code_name(f.__name__, f"{what}: the function class")
    free = set().union(*(e.free_symbols for e in exprs if isinstance(e, sp.Basic)))
    if symbols is None:
        for s in sorted(free, key=str):
            check_code_name(getattr(s, "name", str(s)), f"{what}: the symbol")
        return
    extra = free - set(symbols)
    if extra:
        names = ", ".join(_shown(getattr(s, "name", str(s))) for s in sorted(extra, key=str)[:5])
        raise ValueError(f"{what}: the expression depends on symbols that are not its arguments: {names}")


def code_comment(text: str) -> str:
    """``text`` as one comment line: line breaks and other unprintable characters shown escaped.

    A name printed into a ``# ...`` comment must not end the comment: Python ends it at a line break (``\\n``,
    ``\\r``), and the next "line" would run.

    Examples
    --------
    >>> code_comment("A1 = f(Z1)\\nimport os")
    '# A1 = f(Z1)\\\\nimport os'
    """
    return "# " + "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


# -- lambdify ----------------------------------------------------------------------------------------------------


@cache
def _namespace_names(module: str) -> frozenset[str]:
    """The names lambdify's generated code sees for ``module`` (an argument named like one would shadow it)."""
    f = sp.lambdify([], sp.Integer(0), modules=module)
    return frozenset(f.__globals__) | frozenset(dir(builtins))


def _printer(module: str):
    from sympy.printing.numpy import JaxPrinter, NumPyPrinter

    cls = {"numpy": NumPyPrinter, "jax": JaxPrinter}[module]
    # lambdify's own settings, except that a function without a printing is an error now, not a NameError at the
    # first call (STYLE.md: check printability when compiling)
    settings = {"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": False}
    return cls({**settings, "user_functions": {}})


def safe_lambdify(
    args: Sequence[sp.Symbol], expr: Any, modules: str = "numpy", *, cse: bool = False, what: str = "lambdify", **kw
) -> Callable[..., Any]:
    """:func:`sympy.lambdify` with every name checked: the one route by which symnn lambdifies.

    Parameters
    ----------
    args : sequence of Symbol
        The arguments, in order. One that is not a plain name (:func:`is_code_name`) or that would shadow a name of
        the generated code's namespace (``exp``, ``pi``, a builtin) is replaced by a fresh dummy: the function
        takes the same positional arguments, its source shows the dummy's name.
    expr : Expr or list of Expr
        What to compute. Every free symbol must be one of ``args`` and every function class must have a plain name
        and a printing for ``modules``.
    modules : {"numpy", "jax"}
    cse : bool
        Share common subexpressions; the temporaries never take the name of an argument.
    what : str
        Who asks, for error messages.
    **kw
        Passed to :func:`sympy.lambdify` (``docstring_limit``).

    Raises
    ------
    ValueError
        A function class with a name that is not plain, or a free symbol that is not an argument (named).
    NotImplementedError
        A function with no printing for ``modules`` (named).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> float(safe_lambdify([x], sp.exp(x) + 1)(0.0))
    2.0
    >>> bad = sp.Symbol("__import__('os').system('echo pwned')")
    >>> safe_lambdify([x], x + bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: lambdify: the expression depends on symbols that are not its arguments: "__import__('os')...
    """
    if modules not in ("numpy", "jax"):
        raise ValueError(f"unknown modules {modules!r}; valid choices: numpy, jax")
    args = list(args)
    if not all(isinstance(a, sp.Basic) and a.is_symbol for a in args):
        raise TypeError(f"{what}: the arguments must be symbols, got {args!r:.200}")
    exprs = list(expr) if isinstance(expr, list | tuple) else [expr]
    check_expression_names(exprs, args, what)
    reserved = _namespace_names(modules)
    taken = {a.name for a in args} | reserved
    fresh = (f"arg{i}" for i in itertools.count() if f"arg{i}" not in taken)
    unsafe = [a for a in args if not is_code_name(a.name) or a.name in reserved]
    renames = {a: sp.Symbol(next(fresh), **a.assumptions0) for a in unsafe}
    if renames:
        args = [renames.get(a, a) for a in args]
        exprs = [e.xreplace(renames) if isinstance(e, sp.Basic) else e for e in exprs]
    if cse:
        taken |= {a.name for a in args}
        temps = (f"x{i}" for i in itertools.count())
        kw["cse"] = lambda e: sp.cse(e, symbols=(sp.Symbol(t) for t in temps if t not in taken), list=False)
    body = exprs if isinstance(expr, list | tuple) else exprs[0]
    try:
        return sp.lambdify(args, body, modules=modules, printer=_printer(modules), **kw)
    except PrintMethodNotImplementedError as e:
        raise NotImplementedError(
            f"Unsupported: {what}: {str(e).splitlines()[0]} (a function class needs a {modules} printing, "
            "_numpycode, to be compiled)"
        ) from e


# -- running generated source ----------------------------------------------------------------------------------


def _audit(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if not isinstance(node, _SYNTAX):
            raise ValueError(f"generated code: unexpected syntax {type(node).__name__} (line {node.lineno})")
        names: list[str] = []
        if isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.FunctionDef):
            names = [node.name]
        elif isinstance(node, ast.arg):
            names = [node.arg]
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                raise ValueError(f"generated code: the private attribute {node.attr!r} (line {node.lineno})")
        elif isinstance(node, ast.alias):
            kernel = node.name.startswith("symnn.kernels.") and node.name.count(".") == 2
            if not (node.name in _MODULES or kernel) or node.asname is not None:
                raise ValueError(f"generated code: importing {node.name!r} is not allowed")
        for name in names:
            check_code_name(name, "generated code: the name")
            if name in _DANGEROUS:
                raise ValueError(f"generated code: the builtin {name!r} is not allowed")


def run_generated(source: str, namespace: dict[str, Any] | None = None) -> dict[str, Any]:
    """Execute ``source`` that symnn generated, after auditing its syntax tree; returns the namespace.

    Only the syntax generated code is made of passes (definitions, assignments, arithmetic, calls, ``with``,
    ``import numpy`` / ``jax.numpy``), and every name must be plain (:func:`is_code_name`) and not one of the
    builtins that reach the interpreter (``eval``, ``getattr``, ``open``, ...); attributes must be public.

    Raises
    ------
    ValueError
        naming the construct or name that is not allowed (nothing has run).
    """
    tree = ast.parse(source, "<symnn generated>", "exec")
    _audit(tree)
    namespace = {} if namespace is None else namespace
    exec(builtins.compile(tree, "<symnn generated>", "exec"), namespace)  # audited above
    return namespace

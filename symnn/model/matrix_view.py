"""The matrix view of a network: W^(l), b^(l) as matrix symbols, activations applied elementwise.

Column convention: z^(l) = W^(l) a^(l−1) + b^(l), a^(l) = f(z^(l)), a^(0) = x (column vectors).
Row convention:    Z^(l) = A^(l−1) W^(l) + B^(l), A^(l) = f(Z^(l)), A^(0) = X (one sample a row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from symnn.model.functions import ActivationFunction
from symnn.model.notation import NetMatrix
from symnn.model.softmax import softmax

__all__ = ["Apply", "ApplyPrime", "MatrixView", "SoftmaxMatrix"]


def _function_class(function):
    """The function class behind an elementwise ``Lambda(d, f(d, ...))``."""
    return function.expr.func if isinstance(function, sp.Lambda) else function


def _function_latex(function, printer) -> str:
    """The LaTeX head of an elementwise function: ``\\sigma``, ``\\tanh``, ``\\operatorname{ReLU}``."""
    f = _function_class(function)
    if isinstance(f, type) and issubclass(f, ActivationFunction):
        return f.latex_name
    if f is sp.tanh:
        return r"\tanh"
    # A user's own function: print it applied to a bare symbol and keep the head.
    name = getattr(f, "__name__", None) or printer._print(function)
    return rf"\operatorname{{{name}}}"


class Apply(ElementwiseApplyFunction):
    """``f`` applied to every entry of a matrix expression, printed as ``f\\left(X\\right)``.

    SymPy's ``ElementwiseApplyFunction`` prints as ``(d ↦ f(d))∘(X)``, which no textbook
    writes; this subclass only changes the printing.
    """

    _mark = ""  # printed after the function's head: "'" for the derivative

    def _latex(self, printer, exp=None):
        head = _function_latex(self.args[0], printer) + self._mark
        s = rf"{head}\left({printer._print(self.expr)}\right)"
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"

    def _sympystr(self, printer):
        f = _function_class(self.args[0])
        return f"{getattr(f, '__name__', printer._print(self.args[0]))}{self._mark}({printer._print(self.expr)})"


class ApplyPrime(Apply):
    """The derivative f' of an activation applied to every entry, printed ``f'\\left(X\\right)``.

    The argument is the activation itself (so the printer can name it); ``function`` — what
    ``doit`` and the entries use — is its derivative.
    """

    _mark = "'"

    @property
    def function(self) -> sp.Lambda:
        f = self.args[0]
        d = f.variables[0]
        return sp.Lambda(d, sp.diff(f.expr, d))


class SoftmaxMatrix(sp.MatrixExpr):
    """The softmax of a column (or, in the row convention, a row) matrix expression."""

    def __new__(cls, arg: sp.MatrixExpr):
        arg = sp.sympify(arg)
        if 1 not in arg.shape:
            raise ValueError(f"softmax takes a row or a column, got a {arg.shape[0]}×{arg.shape[1]} matrix")
        return super().__new__(cls, arg)

    @property
    def arg(self) -> sp.MatrixExpr:
        return self.args[0]

    @property
    def shape(self):
        return self.arg.shape

    def _entry(self, i, j, **kwargs):
        entries = list(self.arg.as_explicit())
        return softmax(i + j + 1, *entries)

    def _latex(self, printer, exp=None):
        s = rf"\operatorname{{softmax}}\left({printer._print(self.arg)}\right)"
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"

    def _sympystr(self, printer):
        return f"softmax({printer._print(self.arg)})"


class LazyValues(Mapping):
    """A read-only mapping whose values are built by their thunks on first access, then kept."""

    def __init__(self, thunks: dict[Any, Callable[[], Any]]) -> None:
        self._thunks = thunks
        self._values: dict[Any, Any] = {}

    def __getitem__(self, key: Any) -> Any:
        if key not in self._values:
            self._values[key] = self._thunks[key]()
        return self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._thunks)

    def __len__(self) -> int:
        return len(self._thunks)


@dataclass(frozen=True)
class MatrixView:
    """The forward pass of an :class:`~symnn.MLP` as matrix expressions.

    Attributes
    ----------
    convention : str
        ``"column"`` or ``"row"``.
    W, b : dict[int, NetMatrix]
        W^(l) and b^(l) (``B`` in the row convention) for l = 1..L.
    x : NetMatrix
        The input: ``x`` (n_0 × 1) in the column convention, ``X`` (1 × n_0) in the row one.
    z, a : dict[int, NetMatrix]
        The symbols z^(l), a^(l) naming each layer's weighted input and output.
    equations : list[tuple[NetMatrix, sp.MatrixExpr]]
        ``z^(l) = W^(l) a^(l−1) + b^(l)`` and ``a^(l) = f(z^(l))`` in order, each right side
        in terms of the previous layer's symbol.
    forward : sp.MatrixExpr
        The whole pass nested, as seed 000 writes it: ``g(W2 f(W1 x + b1) + b2)``.
    """

    convention: str
    W: dict[int, NetMatrix]
    b: dict[int, NetMatrix]
    x: NetMatrix
    z: dict[int, NetMatrix]
    a: dict[int, NetMatrix]
    equations: list[tuple[NetMatrix, sp.MatrixExpr]]
    forward: sp.MatrixExpr
    explicit_values: Mapping[NetMatrix, sp.Matrix]

    @classmethod
    def build(
        cls,
        sizes: tuple[int, ...],
        convention: str,
        apply: Callable[[int, sp.MatrixExpr], sp.MatrixExpr],
        explicit_values: Mapping[str, Callable[[], sp.Matrix]],
    ) -> MatrixView:
        """Build the view for layer ``sizes``; ``apply(l, z)`` is layer l's activation on a matrix, and
        ``explicit_values[name]()`` builds the explicit matrix of x, W^(l) or b^(l) when it is first needed (a wide
        layer's W has one entry per weight, which the matrix equations themselves never need)."""
        column = convention == "column"
        L = len(sizes) - 1
        x = NetMatrix("x", sizes[0], 1) if column else NetMatrix("X", 1, sizes[0])

        def vec(kind: str, l: int, n: int) -> NetMatrix:
            return NetMatrix(f"{kind}{l}", n, 1) if column else NetMatrix(f"{kind.upper()}{l}", 1, n)

        W, b, z, a = {}, {}, {}, {}
        equations: list[tuple[NetMatrix, sp.MatrixExpr]] = []
        prev: sp.MatrixExpr = x
        nested: sp.MatrixExpr = x
        for l in range(1, L + 1):
            n_in, n_out = sizes[l - 1], sizes[l]
            W[l] = NetMatrix(f"W{l}", n_out, n_in) if column else NetMatrix(f"W{l}", n_in, n_out)
            b[l], z[l], a[l] = vec("b", l, n_out), vec("z", l, n_out), vec("a", l, n_out)
            # evaluate=False keeps the textbook's order, W x + b and X W + B.
            if column:
                linear = lambda inp, l=l: sp.MatAdd(W[l] * inp, b[l], evaluate=False)  # noqa: E731
            else:
                linear = lambda inp, l=l: sp.MatAdd(inp * W[l], b[l], evaluate=False)  # noqa: E731
            equations.append((z[l], linear(prev)))
            equations.append((a[l], apply(l, z[l])))
            nested = apply(l, linear(nested))
            prev = a[l]
        values = LazyValues({m: explicit_values[m.name] for m in [x, *W.values(), *b.values()]})
        return cls(convention, W, b, x, z, a, equations, nested, values)

    def explicit(self, expr: sp.MatrixExpr) -> sp.Matrix:
        """``expr`` with W^(l), b^(l) and x replaced by their entries (the network's element symbols)."""
        return sp.Matrix(expr.xreplace(self.explicit_values).as_explicit())

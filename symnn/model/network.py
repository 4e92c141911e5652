"""``MLP``: a fully connected network as SymPy expressions, in the element view and the matrix view."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import sympy as sp

from symnn.model.display import show
from symnn.model.functions import relu, step
from symnn.model.graph import Network
from symnn.model.layers import Activation, Dense, Softmax
from symnn.model.losses import loss_function, loss_name
from symnn.model.matrix_view import Apply, MatrixView, SoftmaxMatrix
from symnn.model.notation import (
    act,
    bias,
    check_convention,
    input_symbol,
    output_symbol,
    preact,
    target,
    weight,
)
from symnn.model.registry import ACTIVATIONS, OUTPUT_ACTIVATIONS
from symnn.model.softmax import softmax
from symnn.model.values import as_expr

__all__ = ["MLP"]


class MLP:
    r"""A fully connected feed-forward network as SymPy expressions.

    Layer l (l = 1..L) computes :math:`z^{(l)}_j = \sum_k w^{(l)}_{jk} a^{(l-1)}_k + b^{(l)}_j`
    and :math:`a^{(l)}_j = f_l(z^{(l)}_j)`, with :math:`a^{(0)} = x` and :math:`y = a^{(L)}`.

    Parameters
    ----------
    layers : sequence of int
        Units per layer, inputs first: ``[2, 3, 2]`` is seed 000's network (2 inputs, 3 hidden
        units, 2 outputs). At least two positive integers.
    activation : str or sequence of str
        The hidden layers' activation, one name for all or one per hidden layer. Names:
        ``sigmoid``, ``relu``, ``tanh``, ``softplus``, ``step``, ``identity``.
    output : str
        The output layer's activation: any of the above or ``softmax``.
    loss : str
        ``sse`` (½Σ(t−y)²), ``mse`` ((1/n)Σ(t−y)²), ``cross-entropy`` (−Σ t log y, for a softmax
        output) or ``binary-cross-entropy`` (−Σ [t log y + (1 − t) log(1 − y)], for sigmoid outputs);
        underscores work for hyphens (``binary_cross_entropy``). See :mod:`symnn.model.losses` for the exact scaling.
    convention : str
        ``column`` (z = W a + b, W is n_l × n_(l−1)) or ``row`` (Z = A W + B, W is n_(l−1) × n_l).
        The element symbols are the same in both; only the matrix view differs.
    relu_grad_at_zero, step_at_zero : number
        The value ReLU's derivative takes at 0 (default 0) and the step's value at 0
        (default 1, seed 003's "≥ θ"; seed 001 uses 0).

    Examples
    --------
    >>> import symnn as sn
    >>> net = sn.MLP([2, 3, 2], activation="sigmoid", output="sigmoid", loss="sse")
    >>> net.z_local[0][0]
    b1_1 + w1_1_1*x1 + w1_1_2*x2
    >>> len(net.params)
    17
    """

    def __init__(
        self,
        layers: Sequence[int],
        activation: str | Sequence[str] = "sigmoid",
        output: str = "sigmoid",
        loss: str = "sse",
        convention: str = "column",
        relu_grad_at_zero: Any = 0,
        step_at_zero: Any = 1,
    ) -> None:
        self.sizes: tuple[int, ...] = _check_layers(layers)
        self.depth: int = len(self.sizes) - 1  # number of weighted layers, L
        n_hidden = self.depth - 1
        if isinstance(activation, str):
            hidden = [activation] * n_hidden
        elif isinstance(activation, Sequence):
            hidden = list(activation)
            if len(hidden) != n_hidden:
                raise ValueError(
                    f"got {len(hidden)} hidden activations for {n_hidden} hidden layer(s) of {list(self.sizes)}; "
                    f"give one name, or a list of exactly {n_hidden}"
                )
        else:
            raise TypeError(f"activation must be a name or a list of names, got {type(activation).__name__}")
        for name in hidden:
            if name not in ACTIVATIONS:
                raise ValueError(
                    f"unknown hidden activation {name!r}; valid choices: {', '.join(ACTIVATIONS)}"
                    + (" (softmax is allowed only as output=)" if name == "softmax" else "")
                )
        if output not in OUTPUT_ACTIVATIONS:
            raise ValueError(f"unknown output activation {output!r}; valid choices: {', '.join(OUTPUT_ACTIVATIONS)}")
        self.activations: tuple[str, ...] = (*hidden, output)
        self.loss_name: str = loss_name(loss)  # "cross_entropy" -> "cross-entropy"
        self._loss = loss_function(self.loss_name)
        self.convention: str = check_convention(convention)
        self.relu_grad_at_zero: sp.Expr = relu(sp.Symbol("z"), relu_grad_at_zero).grad_at_zero
        self.step_at_zero: sp.Expr = step(sp.Symbol("z"), step_at_zero).at_zero

        n = self.sizes
        self.inputs: tuple[sp.Symbol, ...] = tuple(input_symbol(k) for k in range(1, n[0] + 1))
        self.targets: tuple[sp.Symbol, ...] = tuple(target(k) for k in range(1, n[-1] + 1))
        self.output_symbols: tuple[sp.Symbol, ...] = tuple(output_symbol(k) for k in range(1, n[-1] + 1))

    # -- the element view, built on first use: a 784-100 layer has 78 400 products w·a, seconds of
    # SymPy work that compiling (matrix view) and printing the matrix view never need ----------

    @cached_property
    def _element_view(self) -> tuple[list[list[sp.Expr]], list[list[sp.Expr]], list[list[sp.Expr]]]:
        n = self.sizes
        z_local: list[list[sp.Expr]] = []
        z_exprs: list[list[sp.Expr]] = []
        a_exprs: list[list[sp.Expr]] = []
        prev_sym: Sequence[sp.Expr] = self.inputs
        prev_expr: Sequence[sp.Expr] = self.inputs
        for l in range(1, self.depth + 1):
            rows_local, rows_expr = [], []
            for j in range(1, n[l] + 1):
                ws = [weight(l, j, k) for k in range(1, n[l - 1] + 1)]
                rows_local.append(sp.Add(*(w * a for w, a in zip(ws, prev_sym, strict=True)), bias(l, j)))
                rows_expr.append(sp.Add(*(w * a for w, a in zip(ws, prev_expr, strict=True)), bias(l, j)))
            z_local.append(rows_local)
            z_exprs.append(rows_expr)
            a_exprs.append(self.activate(l, rows_expr))
            prev_sym = [act(l, j) for j in range(1, n[l] + 1)]
            prev_expr = a_exprs[-1]
        return z_local, z_exprs, a_exprs

    @property
    def z_local(self) -> list[list[sp.Expr]]:
        """``z_local[l-1][j-1]``: z^(l)_j in terms of the previous layer's symbols a^(l-1)_k (x_k for l = 1)."""
        return self._element_view[0]

    @property
    def z_exprs(self) -> list[list[sp.Expr]]:
        """``z_exprs[l-1][j-1]``: z^(l)_j fully explicit in the inputs and parameters."""
        return self._element_view[1]

    @property
    def a_exprs(self) -> list[list[sp.Expr]]:
        """``a_exprs[l-1][j-1]``: a^(l)_j fully explicit in the inputs and parameters."""
        return self._element_view[2]

    # -- symbols ------------------------------------------------------------------------

    @cached_property
    def params(self) -> tuple[sp.Symbol, ...]:
        """Every parameter, in order: for l = 1..L, w^(l)_jk (j, then k), then b^(l)_j."""
        out: list[sp.Symbol] = []
        for l in range(1, self.depth + 1):
            out += [weight(l, j, k) for j in range(1, self.sizes[l] + 1) for k in range(1, self.sizes[l - 1] + 1)]
            out += [bias(l, j) for j in range(1, self.sizes[l] + 1)]
        return tuple(out)

    def weight(self, l: int, j: int, k: int) -> sp.Symbol:
        """w^(l)_jk, the weight into unit j of layer l from unit k of layer l−1 (1-based)."""
        self._check_unit(l, j)
        if not (isinstance(k, numbers.Integral) and 1 <= k <= self.sizes[l - 1]):
            raise ValueError(f"k={k!r} is not a unit of layer {l - 1}; valid: 1..{self.sizes[l - 1]}")
        return weight(l, j, k)

    def bias(self, l: int, j: int) -> sp.Symbol:
        """b^(l)_j, the bias of unit j of layer l (1-based)."""
        self._check_unit(l, j)
        return bias(l, j)

    def preact(self, l: int, j: int) -> sp.Symbol:
        """z^(l)_j as a symbol."""
        self._check_unit(l, j)
        return preact(l, j)

    def act(self, l: int, j: int) -> sp.Symbol:
        """a^(l)_j as a symbol."""
        self._check_unit(l, j)
        return act(l, j)

    def _check_unit(self, l: int, j: int) -> None:
        if not (isinstance(l, numbers.Integral) and 1 <= l <= self.depth):
            raise ValueError(f"l={l!r} is not a weighted layer; valid: 1..{self.depth}")
        if not (isinstance(j, numbers.Integral) and 1 <= j <= self.sizes[l]):
            raise ValueError(f"j={j!r} is not a unit of layer {l}; valid: 1..{self.sizes[l]}")

    # -- expressions --------------------------------------------------------------------

    def activate(self, l: int, z: Sequence[sp.Expr]) -> list[sp.Expr]:
        """Layer l's activation applied to its weighted inputs ``z`` (softmax takes them all)."""
        name = self.activations[l - 1]
        if name == "softmax":
            return list(softmax.vector(z))
        f = ACTIVATIONS[name]
        return [f(zj, self) for zj in z]

    @property
    def outputs(self) -> list[sp.Expr]:
        """y_k = a^(L)_k as explicit expressions of the inputs and every parameter."""
        return self.a_exprs[-1]

    @cached_property
    def loss_expr(self) -> sp.Expr:
        """C for one sample, explicit in the inputs, the targets t_k and the parameters."""
        return self._loss(self.outputs, self.targets)

    def loss_of(self, y: Sequence[sp.Expr]) -> sp.Expr:
        """The loss as a function of outputs ``y`` (for example the symbols y_k)."""
        return self._loss(list(y), self.targets)

    # -- matrix view ----------------------------------------------------------------------

    def weight_matrix(self, l: int) -> sp.Matrix:
        """W^(l) with its entries w^(l)_jk, laid out by the convention (n_l × n_(l−1) for column)."""
        self._check_unit(l, 1)
        M = sp.Matrix(self.sizes[l], self.sizes[l - 1], lambda j, k: weight(l, j + 1, k + 1))
        return M if self.convention == "column" else M.T

    def bias_vector(self, l: int) -> sp.Matrix:
        """b^(l) as a column (row in the row convention) of its entries b^(l)_j."""
        self._check_unit(l, 1)
        v = sp.Matrix([bias(l, j) for j in range(1, self.sizes[l] + 1)])
        return v if self.convention == "column" else v.T

    @cached_property
    def matrix_view(self) -> MatrixView:
        """The forward pass with W^(l), b^(l) as matrix symbols; see :class:`~symnn.model.matrix_view.MatrixView`."""
        x = sp.Matrix(self.inputs)
        values = {"x": lambda: x, "X": lambda: x.T}
        for l in range(1, self.depth + 1):
            values[f"W{l}"] = lambda l=l: self.weight_matrix(l)
            values[f"b{l}"] = values[f"B{l}"] = lambda l=l: self.bias_vector(l)
        return MatrixView.build(self.sizes, self.convention, self._apply_matrix, values)

    def _apply_matrix(self, l: int, z: sp.MatrixExpr) -> sp.MatrixExpr:
        name = self.activations[l - 1]
        if name == "softmax":
            return SoftmaxMatrix(z)
        if name == "identity":
            return z
        d = sp.Dummy("d", real=True)
        return Apply(sp.Lambda(d, ACTIVATIONS[name](d, self)), z)

    # -- the same network as a composition of layers --------------------------------------------

    @cached_property
    def graph(self) -> Network:
        """This MLP as a :class:`~symnn.Network`: Dense l then its activation, for l = 1..L (what compiles)."""
        layers = []
        for units, name in zip(self.sizes[1:], self.activations, strict=True):
            layers += [Dense(units), Softmax() if name == "softmax" else Activation(name)]
        return Network(
            layers,
            inputs=self.sizes[0],
            loss=self.loss_name,
            convention=self.convention,
            relu_grad_at_zero=self.relu_grad_at_zero,
            step_at_zero=self.step_at_zero,
        )

    # -- numbers --------------------------------------------------------------------------

    def parameter_values(self, values: Mapping[str, Any]) -> dict[sp.Symbol, sp.Expr]:
        """Map matrices given by name (``"W1"``, ``"b1"``, ...) in this convention's layout to symbols.

        Examples
        --------
        >>> import symnn as sn
        >>> net = sn.MLP([2, 1], output="identity")
        >>> net.parameter_values({"W1": [[2, 3]], "b1": [1]})
        {w1_1_1: 2, w1_1_2: 3, b1_1: 1}
        """
        out: dict[sp.Symbol, sp.Expr] = {}
        valid = [f"{kind}{l}" for l in range(1, self.depth + 1) for kind in ("W", "b")]
        for name, value in values.items():
            if name not in valid:
                raise ValueError(f"unknown parameter matrix {name!r}; valid names: {', '.join(valid)}")
            l = int(name[1:])
            symbols = self.weight_matrix(l) if name[0] == "W" else self.bias_vector(l)
            given = sp.Matrix(as_expr(value, name))
            if name[0] == "b":
                given = given.reshape(*symbols.shape)
            if given.shape != symbols.shape:
                raise ValueError(
                    f"{name} must be {symbols.shape[0]}×{symbols.shape[1]} in the {self.convention} convention, "
                    f"got {given.shape[0]}×{given.shape[1]}"
                )
            out.update(dict(zip(symbols, given, strict=True)))
        return out

    def forward(self, x: Sequence[Any], params: Mapping[sp.Symbol, Any] | None = None) -> list[sp.Expr]:
        """The outputs for input values ``x``, exact when the numbers are exact.

        Parameters
        ----------
        x : sequence of numbers or expressions
            One value per input unit.
        params : mapping, optional
            Values for parameters (symbols, or matrix names as in :meth:`parameter_values`);
            parameters not given stay symbolic.
        """
        if len(x) != self.sizes[0]:
            raise ValueError(f"forward needs {self.sizes[0]} input values, got {len(x)}")
        subs: dict[sp.Basic, sp.Expr] = {s: as_expr(v, s.name) for s, v in zip(self.inputs, x, strict=True)}
        if params:
            if all(isinstance(k, str) for k in params):
                subs.update(self.parameter_values(params))
            else:
                unknown = [k for k in params if k not in set(self.params)]
                if unknown:
                    raise ValueError(f"not parameters of this network: {unknown}; see MLP.params")
                subs.update({k: as_expr(v, k.name) for k, v in params.items()})
        return [y.xreplace(subs) for y in self.outputs]

    # -- publishing (symnn.render reads the network) ---------------------------------------------------------

    def _repr_markdown_(self) -> str:
        return show("network markdown", self)

    def _repr_latex_(self) -> str:
        return show("network latex", self)

    def __repr__(self) -> str:
        return (
            f"MLP({list(self.sizes)}, activation={list(self.activations[:-1])}, output={self.activations[-1]!r}, "
            f"loss={self.loss_name!r}, convention={self.convention!r})"
        )


def _check_layers(layers: Sequence[int]) -> tuple[int, ...]:
    if isinstance(layers, str | bytes) or not isinstance(layers, Sequence):
        raise TypeError(f"layers must be a list of unit counts such as [2, 3, 2], got {type(layers).__name__}")
    if len(layers) < 2:
        raise ValueError(
            f"layers needs at least two sizes (inputs and outputs), got {list(layers)}; for example [2, 3, 2]"
        )
    for i, n in enumerate(layers):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"layer sizes must be positive integers; layers[{i}] is {n!r} in {list(layers)}")
    return tuple(int(n) for n in layers)

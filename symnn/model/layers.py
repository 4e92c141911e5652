"""Layers: each holds its parameters, its forward rule entry by entry, and the same rule on a batch of arrays.

This module has the base class and the layers of an MLP (Dense, Activation, Softmax) with a layer of one's own
(Elementwise); :mod:`symnn.model.normalization` has LayerNorm and BatchNorm, :mod:`symnn.model.wiring` Dropout
and Residual.

A layer never states its own derivative in the element view: :mod:`symnn.derive.sweep` asks SymPy for it.
The batch rules (``forward``/``backward`` on arrays, one sample a row, as the compiled code runs them) are
the matrix forms a textbook writes; ``tests/model/test_layers.py`` proves each backward rule equal to the
element view's derivative, entry by entry, at small sizes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Protocol

import sympy as sp

from symnn.codenames import is_code_name
from symnn.model.arrays import BatchSum, MatMul, RowMax, RowSum, Total, Transpose
from symnn.model.notation import NetSymbol, bias, weight
from symnn.model.registry import ACTIVATIONS
from symnn.model.softmax import softmax

__all__ = ["Activation", "Dense", "Elementwise", "Env", "Layer", "Node", "Param", "Rows", "Settings", "Softmax"]

Rows = list[list[sp.Expr]]  # the element view of one layer's input or output: a row of entries per sample


@dataclass(eq=False)
class Param:
    """One parameter array of a layer.

    Attributes
    ----------
    name : str
        The array's name (``"W1"``, ``"b1"``, ``"gamma3"``), the key of a compiled model's parameter dict.
    shape : tuple of int
        Its shape in the compiled code (``W`` in the network's convention; vectors 1-D; a scalar ``()``).
    symbols : tuple of sympy.Symbol
        Its entries as element symbols, in row-major order of ``shape``: made on first use (compiling a
        784-100 layer never needs its 78 400 weight symbols).
    init : str
        ``"normal"`` (variance gain / n_in), ``"zeros"`` or ``"ones"``.
    decay : bool
        Whether weight decay λ/2 Σ θ² includes it (the weights of Dense layers).
    fan_in : int, optional
        n_in of ``"normal"``'s variance when it is not the width of the node's first input (an RNN's W reads
        d entries of a T × d sequence, its U the hidden state).
    """

    name: str
    shape: tuple[int, ...]
    make: Callable[[], tuple[sp.Symbol, ...]]
    init: str = "zeros"
    decay: bool = False
    fan_in: int | None = None

    @cached_property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(self.make())


@dataclass(frozen=True)
class Env:
    """What a batch rule sees: the number of samples ``N`` and the array symbol of every parameter and mask."""

    N: sp.Symbol
    arrays: dict[str, sp.Symbol] = field(default_factory=dict)

    def __getitem__(self, name: str) -> sp.Symbol:
        return self.arrays[name]


class Settings(Protocol):
    """What a layer reads of the network it is placed in (a :class:`~symnn.Network` has these)."""

    convention: str  # the layout of Dense weights: "column" or "row"
    relu_grad_at_zero: sp.Expr  # ReLU′(0)
    step_at_zero: sp.Expr  # the step's value at 0


@dataclass(eq=False)
class Node:
    """One layer placed in a network.

    Attributes
    ----------
    index : int
        Its position i = 1, 2, … in the network (the layers inside a Residual counted in order).
    layer : Layer
    inputs : tuple of Node
        The nodes it reads; the network's input is node 0.
    width : int
        The number of entries of its output, per sample.
    shape : tuple of int
        The shape of one sample's output (``(width,)``, or ``(channels, height, width)`` after a convolution,
        ``(steps, features)`` for a sequence); its entries are numbered row-major, so ``width`` is the product.
    kind, number : str, int
        Its output's symbols: ``z`` (number l: the l-th Dense layer), ``a`` (an activation right after Dense l),
        ``h`` (number i, any other layer) or ``x`` for the input.
    params : tuple of Param
        Its parameter arrays; a layer unrolled over time (an RNN) shares one Param among its step nodes.
    """

    index: int
    layer: Layer | None
    inputs: tuple[Node, ...]
    width: int
    kind: str
    number: int
    shape: tuple[int, ...] = ()
    gain: float = 1.0  # the variance of its initial weights, times n_in
    params: tuple[Param, ...] = ()
    element: Rows = field(default_factory=list)  # filled by Network's element view: the local rule
    symbols: Rows = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.shape:
            self.shape = (self.width,)

    def symbol(self, j: int, sample: int | None = None) -> NetSymbol:
        """The output entry j (1-based) as a symbol, of sample ``sample`` when the view spans a batch."""
        suffix = f"s{sample}" if sample else ""
        if self.kind == "x":
            return NetSymbol(f"x{j}{suffix}")
        return NetSymbol(f"{self.kind}{self.number}_{j}{suffix}")

    @property
    def label(self) -> str:
        """``"dense 2"``, ``"activation (relu)"``, ``"layer normalisation"`` …: the node's name in documents."""
        if self.layer is None:
            return "input"
        what = getattr(self.layer, "name", None)
        title = self.layer.title + (f" ({what})" if isinstance(what, str) else "")
        return f"{title} {self.number}" if isinstance(self.layer, Dense) else f"{title} [{self.index}]"


class Layer:
    """Base of every layer: a forward rule for the element view and the batch view, and a batch backward rule.

    Subclasses set ``title`` (how documents name the layer) and implement :meth:`width`,
    :meth:`element` and :meth:`forward`/:meth:`backward`; :meth:`params` when they have parameters.
    """

    title: ClassVar[str] = "layer"
    #: whether the rule mixes the samples of a batch (BatchNorm): then the element view spans N samples
    couples_samples: ClassVar[bool] = False
    arity: ClassVar[int] = 1

    def width(self, n_in: int) -> int:
        """The output width for an input of ``n_in`` entries (``ValueError`` if the layer cannot take it)."""
        return n_in

    def out_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of one sample's output for one sample's input of shape ``in_shape`` (``ValueError`` naming the
        numbers if the layer cannot take it). By default a layer keeps the shape when it keeps the width (an
        activation of a convolution's output stays C × H × W) and gives a vector otherwise."""
        n_in = math.prod(in_shape)
        n = self.width(n_in)
        return in_shape if n == n_in else (n,)

    def place(self, net: Any, prev: Node, where: str) -> Node:
        """Add this layer's node(s) to ``net`` after node ``prev`` and return the last (the layer's output).

        One node by default; a composite layer (a residual block, an RNN unrolled over its steps, attention)
        adds several through ``net.add_node(layer, inputs, shape)`` and ``net.place(layers, prev, where)``.
        """
        return net.add_node(self, (prev,), self.out_shape(prev.shape))

    def params(self, node: Node, net: Settings) -> tuple[Param, ...]:
        """The parameters of this layer placed at ``node``."""
        return ()

    def masks(self, node: Node) -> tuple[str, ...]:
        """Names of input arrays that are not parameters (a dropout mask)."""
        return ()

    def element(self, node: Node, net: Settings, ins: Sequence[Rows]) -> Rows:
        """The output entries from the input entries (a list of rows per input node)."""
        raise NotImplementedError(f"{type(self).__name__} has no element rule")

    def forward(self, node: Node, net: Settings, ins: Sequence[sp.Expr], env: Env) -> sp.Expr:
        """The output array (N × width) from the input arrays, as an expression over array symbols."""
        raise NotImplementedError(f"{type(self).__name__} has no batch rule")

    def backward(
        self, node: Node, net: Settings, ins: Sequence[sp.Expr], out: sp.Expr, G: sp.Expr, env: Env
    ) -> tuple[list[sp.Expr], dict[str, sp.Expr]]:
        """Given ``G`` = ∂C/∂(output), the adjoints of the inputs and the gradient of each parameter array."""
        raise NotImplementedError(f"{type(self).__name__} has no batch backward rule")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return value


def identifier(value: Any, what: str) -> str:
    """``value`` if it is a plain identifier (the name of a symbol or an array), else ``ValueError``.

    The names become code when the network is compiled: :func:`symnn.codenames.is_code_name` is the rule (no keyword,
    read back by Python as written), and no leading underscore on top.
    """
    if not is_code_name(value) or value.startswith("_"):
        raise ValueError(f"{what} must be a plain identifier (letters, digits, _; not starting with _), got {value!r}")
    return value


def positive_number(value: Any, what: str) -> sp.Expr:
    """A positive number, exact: a float is read as the decimal it prints as (1e-5 is 1/100000)."""
    if isinstance(value, float):
        e = sp.Rational(repr(value))
    elif isinstance(value, int | sp.Number) and not isinstance(value, bool):
        e = sp.Rational(value)
    else:
        e = sp.S.NaN
    if not (e.is_number and e.is_positive):
        raise ValueError(f"{what} must be a positive number, got {value!r}")
    return e


class Dense(Layer):
    r"""A fully connected layer :math:`z_j = \sum_k w_{jk} a_k + b_j` (``bias=False``: no :math:`b_j`).

    Dense layers are numbered l = 1, 2, … in order; their parameters are :math:`w^{(l)}_{jk}`, :math:`b^{(l)}_j`
    (arrays ``W{l}``, ``b{l}``; ``W`` is n_out × n_in in the column convention, n_in × n_out in the row one)
    and their output is :math:`z^{(l)}`.

    Examples
    --------
    >>> import symnn as sn
    >>> net = sn.Network([sn.Dense(2)], inputs=2, loss="sse")
    >>> net.element_view[net.nodes[0]]
    [[b1_1 + w1_1_1*x1 + w1_1_2*x2, b1_2 + w1_2_1*x1 + w1_2_2*x2]]
    """

    title = "dense"

    def __init__(self, units: int, *, bias: bool = True) -> None:
        self.units = _positive_int(units, "Dense: units")
        self.bias = bool(bias)

    def __repr__(self) -> str:
        return f"Dense({self.units}{'' if self.bias else ', bias=False'})"

    def width(self, n_in: int) -> int:
        return self.units

    def out_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(in_shape) > 1:
            raise ValueError(
                f"Dense({self.units}): its input has shape {' × '.join(map(str, in_shape))}; "
                "put sn.Flatten() before it to make a vector of the entries"
            )
        return (self.units,)

    def params(self, node: Node, net: Settings) -> tuple[Param, ...]:
        l, n_in, n_out = node.number, node.inputs[0].width, self.units
        column = net.convention == "column"
        js, ks = range(1, n_out + 1), range(1, n_in + 1)

        def ws():
            if column:
                return (weight(l, j, k) for j in js for k in ks)
            return (weight(l, j, k) for k in ks for j in js)

        out = [Param(f"W{l}", (n_out, n_in) if column else (n_in, n_out), ws, "normal", decay=True)]
        if self.bias:
            out.append(Param(f"b{l}", (n_out,), lambda: (bias(l, j) for j in js)))
        return tuple(out)

    def element(self, node, net, ins):
        l = node.number
        b = (lambda j: bias(l, j)) if self.bias else (lambda j: sp.S.Zero)
        return [
            [sp.Add(*(weight(l, j, k) * a for k, a in enumerate(row, 1)), b(j)) for j in range(1, self.units + 1)]
            for row in ins[0]
        ]

    def _w(self, node, net, env) -> sp.Expr:
        """W as the batch rule multiplies it: A @ W in the row layout, A @ Wᵀ in the column layout."""
        W = env[f"W{node.number}"]
        return W if net.convention == "row" else Transpose(W)

    def forward(self, node, net, ins, env):
        Z = MatMul(ins[0], self._w(node, net, env))
        return Z + env[f"b{node.number}"] if self.bias else Z

    def backward(self, node, net, ins, out, G, env):
        l = node.number
        dW = MatMul(Transpose(ins[0]), G)  # Aᵀ δ: the sum over the batch of the outer products
        grads = {f"W{l}": dW if net.convention == "row" else MatMul(Transpose(G), ins[0])}
        if self.bias:
            grads[f"b{l}"] = BatchSum(G)
        return [MatMul(G, Transpose(self._w(node, net, env)))], grads


class Activation(Layer):
    """An activation applied to every entry: any name :data:`~symnn.ACTIVATIONS` knows (``"relu"``, ``"tanh"``, ...).

    Its output is :math:`a^{(l)}` when it follows Dense layer l directly, :math:`h^{(i)}` otherwise.
    ReLU′(0) and the step's value at 0 are the network's settings (``Network(relu_grad_at_zero=…)``).
    """

    title = "activation"

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or name not in ACTIVATIONS:
            hint = " (use sn.Softmax() for softmax)" if name == "softmax" else ""
            raise ValueError(f"Activation: unknown activation {name!r}{hint}; valid choices: {', '.join(ACTIVATIONS)}")
        self.name = name

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"

    def function(self, net: Settings) -> Callable[[sp.Expr], sp.Expr]:
        return lambda z: ACTIVATIONS[self.name](z, net)

    def element(self, node, net, ins):
        f = self.function(net)
        return [[f(z) for z in row] for row in ins[0]]

    def forward(self, node, net, ins, env):
        return self.function(net)(ins[0])

    def backward(self, node, net, ins, out, G, env):
        d = sp.Dummy("d", real=True)
        fprime = sp.diff(self.function(net)(d), d)
        return [G * fprime.xreplace({d: ins[0]})], {}


class Softmax(Layer):
    r"""Softmax over the entries of each sample: :math:`a_j = e^{z_j} / \sum_k e^{z_k}`."""

    title = "softmax"

    def element(self, node, net, ins):
        return [list(softmax.vector(row)) for row in ins[0]]

    def forward(self, node, net, ins, env):
        E = sp.exp(ins[0] - RowMax(ins[0]))  # seed 002: shifting by the row's max changes nothing
        return E / RowSum(E)

    def backward(self, node, net, ins, out, G, env):
        # the Jacobian diag(s) − s sᵀ applied to each row of G
        return [out * (G - RowSum(G * out))], {}


class Elementwise(Layer):
    """A layer of one's own from its formula ``f(z, *params)``, applied to every entry; SymPy derives f′.

    Parameters
    ----------
    name : str
        How documents name it.
    function : callable
        ``function(z, *params)`` → a SymPy expression (use symnn's and SymPy's functions: ``sn.sigmoid``, ``sp.exp``).
    params : sequence of str
        Names of trainable parameters (identifiers), one scalar each per layer, or one per unit with
        ``per_unit=True``.
    init : float
        The parameters' initial value.

    Examples
    --------
    >>> import symnn as sn
    >>> swish = sn.Elementwise("swish", lambda z, beta: z * sn.sigmoid(beta * z), params=["beta"])
    """

    title = "elementwise"

    def __init__(
        self,
        name: str,
        function: Callable[..., sp.Expr],
        params: Sequence[str] = (),
        *,
        per_unit: bool = False,
        init: float = 1.0,
    ) -> None:
        self.name = identifier(name, "Elementwise: name")
        if not callable(function):
            raise TypeError(f"Elementwise {name!r}: function must be callable, got {type(function).__name__}")
        self.param_names = tuple(identifier(p, f"Elementwise {name!r}: a parameter name") for p in params)
        self.fn = function
        self.per_unit = bool(per_unit)
        self.init = float(init)
        z = sp.Symbol("z", real=True)
        probe = function(z, *(sp.Symbol(p, real=True) for p in self.param_names))
        if not isinstance(probe, sp.Expr):
            raise TypeError(
                f"Elementwise {name!r}: function must return a SymPy expression, got {type(probe).__name__}"
            )

    def __repr__(self) -> str:
        return f"Elementwise({self.name!r}, params={list(self.param_names)})"

    def _array_name(self, node: Node, p: str) -> str:
        return f"{p}{node.index}"

    def params(self, node, net):
        n = node.width
        out = []
        for p in self.param_names:
            base = self._array_name(node, p)
            if self.per_unit:
                out.append(
                    Param(
                        base, (n,), lambda b=base: (sp.Symbol(f"{b}_{j}", real=True) for j in range(1, n + 1)), "fill"
                    )
                )
            else:
                out.append(Param(base, (), lambda b=base: (sp.Symbol(b, real=True),), "fill"))
        return tuple(out)

    def element(self, node, net, ins):
        params = node.params

        def theta(j):
            return [p.symbols[j - 1] if self.per_unit else p.symbols[0] for p in params]

        return [[self.fn(z, *theta(j)) for j, z in enumerate(row, 1)] for row in ins[0]]

    def forward(self, node, net, ins, env):
        return self.fn(ins[0], *(env[self._array_name(node, p)] for p in self.param_names))

    def backward(self, node, net, ins, out, G, env):
        d = sp.Dummy("d", real=True)
        thetas = [env[self._array_name(node, p)] for p in self.param_names]
        f = self.fn(d, *thetas)
        grads = {}
        for p, th in zip(self.param_names, thetas, strict=True):
            local = G * sp.diff(f, th).xreplace({d: ins[0]})
            grads[self._array_name(node, p)] = BatchSum(local) if self.per_unit else Total(local)
        return [G * sp.diff(f, d).xreplace({d: ins[0]})], grads

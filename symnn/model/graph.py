"""``Network``: layers composed into a graph of nodes, with the loss as its last node.

Each node applies one layer to the outputs of earlier nodes (a :class:`~symnn.model.layers.Residual` adds a branch
and a sum node). The element view is built on first use; compiling never needs it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import sympy as sp

from symnn.model.conv import Conv2D
from symnn.model.functions import relu, step
from symnn.model.layers import Activation, Dense, Layer, Node, Param, Rows, Softmax
from symnn.model.losses import loss_function, loss_name
from symnn.model.notation import NetSymbol, check_convention
from symnn.model.window_max import ties_code
from symnn.model.wiring import Add

__all__ = ["Network"]


class Network:
    """A network as a composition of layers, derived by one reverse sweep and compiled from its batch rules.

    Parameters
    ----------
    layers : sequence of Layer
        ``Dense``, ``Activation``, ``Softmax``, ``Elementwise``, ``LayerNorm``, ``BatchNorm``, ``Dropout``,
        ``Residual``, ``Flatten``.
    inputs : int or tuple of int
        The number of inputs per sample, or the shape of one sample: ``(channels, height, width)`` for images,
        ``(steps, features)`` for sequences (its entries x_k numbered row-major).
    loss : str
        ``sse``, ``mse``, ``cross-entropy`` (softmax outputs), ``binary-cross-entropy`` (sigmoid outputs); see
        :mod:`symnn.model.losses`. Underscores work for hyphens.
    convention : str
        ``column`` or ``row``: the layout of the Dense weights (the element symbols are the same).
    weight_decay : str, optional
        The name of a symbol λ; the loss gains λ/2 Σ w² over the Dense weights (not the biases).
    batch : int, optional
        The number of samples the element view spans: 1, unless a layer couples the samples (BatchNorm), then 2.
    relu_grad_at_zero, step_at_zero : number
        ReLU′(0) (default 0) and the step's value at 0 (default 1), as for :class:`~symnn.MLP`.
    pool_ties : str
        The derivative of a max pooling window at ties: ``"first"`` (default; all of it to the first maximal
        entry in row-major order, the textbook's argmax) or ``"split"`` (shared equally by the tied maxima).

    Examples
    --------
    >>> import symnn as sn
    >>> net = sn.Network([sn.Dense(3), sn.Activation("relu"), sn.Dense(2), sn.Softmax()],
    ...                  inputs=2, loss="cross-entropy")
    >>> [n.label for n in net.nodes]
    ['dense 1', 'activation (relu) [2]', 'dense 2', 'softmax [4]']
    >>> [p.name for p in net.param_arrays]
    ['W1', 'b1', 'W2', 'b2']
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        inputs: int,
        loss: str = "sse",
        convention: str = "column",
        weight_decay: str | None = None,
        batch: int | None = None,
        relu_grad_at_zero: Any = 0,
        step_at_zero: Any = 1,
        pool_ties: str = "first",
    ) -> None:
        if isinstance(layers, Layer) or not isinstance(layers, Sequence) or not layers:
            raise TypeError("layers must be a non-empty list of layers, such as [sn.Dense(3), sn.Activation('relu')]")
        shape = _input_shape(inputs)
        self.layers = tuple(layers)
        self._loss = loss_function(loss)
        self.loss_name: str = loss_name(loss)  # cross_entropy and cross-entropy alike
        self.convention: str = check_convention(convention)
        self.relu_grad_at_zero: sp.Expr = relu(sp.Symbol("z"), relu_grad_at_zero).grad_at_zero
        self.step_at_zero: sp.Expr = step(sp.Symbol("z"), step_at_zero).at_zero
        ties_code(pool_ties)
        self.pool_ties: str = pool_ties
        self.decay = None
        if weight_decay is not None:
            if not (isinstance(weight_decay, str) and weight_decay.isidentifier() and not weight_decay.startswith("_")):
                raise ValueError(
                    f"weight_decay must name a symbol (an identifier such as 'lambda'), got {weight_decay!r}"
                )
            self.decay = sp.Symbol(weight_decay, positive=True)
        self.input_node = Node(0, None, (), math.prod(shape), "x", 0, shape=shape)
        self.nodes: list[Node] = []
        self._dense = 0
        out = self.place(self.layers, self.input_node, "network")
        self.output_node = out
        couples = any(n.layer.couples_samples for n in self.nodes)
        if batch is None:
            batch = 2 if couples else 1
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise ValueError(f"batch must be a positive integer, got {batch!r}")
        self.batch: int = batch
        owner: dict[str, Node] = {}
        for node in self.nodes:
            node.params = node.layer.params(node, self)
            for p in node.params:
                if p.name in owner and p not in owner[p.name].params:  # a shared Param (an RNN's steps) is one array
                    raise ValueError(
                        f"{owner[p.name].label} and {node.label} both have a parameter array named {p.name}: "
                        "give the Elementwise parameter another name"
                    )
                owner[p.name] = node

    def place(self, layers: Sequence[Layer], prev: Node, where: str) -> Node:
        """Append ``layers`` after node ``prev``, each by its :meth:`~symnn.model.layers.Layer.place`; the last node.

        ``where`` names the list in messages (``"network"``, ``"network, layer 4 (residual)"``).
        """
        for pos, layer in enumerate(layers, 1):
            if not isinstance(layer, Layer):
                raise TypeError(f"{where}: layer {pos} must be a layer such as sn.Dense(3), got {type(layer).__name__}")
            if isinstance(layer, Add):
                raise TypeError(f"{where}: layer {pos}: use sn.Residual(...) rather than the sum node itself")
            here = f"{where}, layer {pos}"
            try:
                prev = layer.place(self, prev, here)
            except ValueError as e:
                if str(e).startswith(here):  # from a layer inside a composite one, which named its place itself
                    raise
                raise ValueError(f"{where}: layer {pos}: {e}") from None
        return prev

    def add_node(self, layer: Layer, inputs: tuple[Node, ...], shape: tuple[int, ...]) -> Node:
        """A new node applying ``layer`` to ``inputs``, with per-sample output shape ``shape``."""
        index = len(self.nodes) + 1
        prev = inputs[0]
        if isinstance(layer, Dense):
            self._dense += 1
            kind, number = "z", self._dense
        elif isinstance(layer, Activation | Softmax) and prev.kind == "z" and isinstance(prev.layer, Dense):
            kind, number = "a", prev.number
        else:
            kind, number = "h", index
        if isinstance(layer, Activation) and layer.name == "relu" and isinstance(prev.layer, Dense | Conv2D):
            prev.gain = 2.0  # He initialisation: variance 2/n_in for the weights of a layer that ReLU follows
        node = Node(index, layer, inputs, math.prod(shape), kind, number, shape=tuple(shape))
        self.nodes.append(node)
        return node

    # -- symbols -----------------------------------------------------------------------------------

    @property
    def param_arrays(self) -> tuple[Param, ...]:
        """Every parameter array, in the order of the nodes (an array shared by several nodes once)."""
        return tuple({id(p): p for node in self.nodes for p in node.params}.values())

    @property
    def params(self) -> tuple[sp.Symbol, ...]:
        """Every trainable element symbol, array by array."""
        return tuple(s for p in self.param_arrays for s in p.symbols)

    @property
    def mask_names(self) -> tuple[str, ...]:
        """The input arrays that are not data: dropout masks ``M{i}``."""
        return tuple(m for node in self.nodes for m in node.layer.masks(node))

    @property
    def constants(self) -> tuple[sp.Symbol, ...]:
        """Symbols a compiled model needs values for: a dropout's keep probability, weight decay's λ."""
        out = [n.layer.keep for n in self.nodes if hasattr(n.layer, "keep")]
        if self.decay is not None:
            out.append(self.decay)
        return tuple(dict.fromkeys(out))

    def _samples(self) -> list[int | None]:
        return [None] if self.batch == 1 else list(range(1, self.batch + 1))

    @cached_property
    def inputs(self) -> Rows:
        """The inputs x_k, one row per sample of the element view."""
        return [[self.input_node.symbol(k, s) for k in range(1, self.input_node.width + 1)] for s in self._samples()]

    @cached_property
    def targets(self) -> Rows:
        """The targets t_k, one row per sample."""
        n = self.output_node.width
        return [[NetSymbol(f"t{k}" + (f"s{s}" if s else "")) for k in range(1, n + 1)] for s in self._samples()]

    @cached_property
    def output_symbols(self) -> Rows:
        """The outputs y_k as names, one row per sample."""
        n = self.output_node.width
        return [[NetSymbol(f"y{k}" + (f"s{s}" if s else "")) for k in range(1, n + 1)] for s in self._samples()]

    # -- the element view ------------------------------------------------------------------------------

    @cached_property
    def element_view(self) -> dict[Node, Rows]:
        """Node -> its output entries, explicit in the inputs and parameters; sets each node's local rule.

        ``node.symbols`` are the output's names and ``node.element`` its rule in the names of its inputs.
        """
        samples = self._samples()
        self.input_node.symbols = self.inputs
        explicit: dict[Node, Rows] = {self.input_node: self.inputs}
        for node in self.nodes:
            node.symbols = [[node.symbol(j, s) for j in range(1, node.width + 1)] for s in samples]
            node.element = node.layer.element(node, self, [u.symbols for u in node.inputs])
            subs = {
                s: e
                for u in node.inputs
                for srow, erow in zip(u.symbols, explicit[u], strict=True)
                for s, e in zip(srow, erow, strict=True)
            }
            explicit[node] = [[e.xreplace(subs) for e in row] for row in node.element]
        return explicit

    def loss_of(self, y: Rows) -> sp.Expr:
        """C for outputs ``y`` (one row per sample): the mean over the samples of the per-sample loss."""
        per_sample = [self._loss(list(row), list(t)) for row, t in zip(y, self.targets, strict=True)]
        C = sp.Add(*per_sample) / len(per_sample)
        if self.decay is not None:
            C += self.decay / 2 * sp.Add(*(s**2 for p in self.param_arrays if p.decay for s in p.symbols))
        return C

    @cached_property
    def outputs(self) -> Rows:
        """y_k explicit in the inputs and parameters, one row per sample."""
        return self.element_view[self.output_node]

    @cached_property
    def loss_expr(self) -> sp.Expr:
        """C explicit in the inputs, targets, parameters (and masks, keep probabilities, λ)."""
        return self.loss_of(self.outputs)

    def __repr__(self) -> str:
        extra = f", weight_decay={self.decay.name!r}" if self.decay is not None else ""
        return (
            f"Network([{', '.join(map(repr, self.layers))}], inputs={_shape_repr(self.input_node.shape)}, "
            f"loss={self.loss_name!r}, convention={self.convention!r}{extra})"
        )


def _input_shape(inputs: Any) -> tuple[int, ...]:
    """``inputs`` as a shape: a positive integer n is ``(n,)``."""
    dims = inputs if isinstance(inputs, tuple | list) else (inputs,)
    if not dims or any(isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in dims):
        raise ValueError(
            "inputs must be a positive integer (the number of inputs per sample) or a tuple of them (the shape of "
            f"one sample, such as (1, 8, 8)), got {inputs!r}"
        )
    return tuple(dims)


def _shape_repr(shape: tuple[int, ...]) -> str:
    """``inputs=`` as it was given: ``3`` for a vector, ``(1, 8, 8)`` for a shape."""
    return str(shape[0]) if len(shape) == 1 else repr(shape)

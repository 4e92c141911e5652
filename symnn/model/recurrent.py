r"""A recurrent layer: an Elman cell :math:`h_t = f(W x_t + U h_{t-1} + b)` unrolled over the T steps of a sequence.

:class:`RNN` is a composite layer: it places one node per time step, each reading the input sequence and the node
of the step before (:math:`h_0 = 0`), and all of them share one set of parameters :math:`W` (hidden × d),
:math:`U` (hidden × hidden) and :math:`b` (hidden). The reverse sweep over the unrolled nodes is backpropagation
through time: the adjoint of :math:`h_t` gathers what :math:`h_{t+1}` pushes back through :math:`U`, and the
gradient of a shared parameter is the sum over the steps. With ``outputs="all"`` a last node stacks the T states
into a T × hidden output.

The batch view slices step t's columns out of the input array (:class:`StepColumns`) and puts an adjoint back
into them (:class:`PadColumns`); :class:`Stack` and :class:`StepOf` join and split the states.
"""

from __future__ import annotations

from typing import Any

import numpy
import sympy as sp

from symnn.model.arrays import BatchSum, MatMul, Transpose, _ArrayOp, _operand
from symnn.model.layers import Layer, Node, Param, _positive_int
from symnn.model.notation import NetSymbol
from symnn.model.registry import ACTIVATIONS

__all__ = ["RNN", "PadColumns", "Stack", "StepColumns", "StepOf"]

OUTPUTS = ("last", "all")


class StepColumns(_ArrayOp):
    """``A[:, (t−1)·d : t·d]``: step t of a batch of sequences whose rows hold T steps of d entries each."""

    nargs = 3

    def _code(self, printer, code):
        a, t, d = self.args
        return f"{_operand(printer, a)}[:, {(int(t) - 1) * int(d)}:{int(t) * int(d)}]"

    @staticmethod
    def on_arrays(a, t, d):
        """The same on NumPy arrays (:func:`symnn.derive.evaluate.evaluate`)."""
        return a[:, (int(t) - 1) * int(d) : int(t) * int(d)]

    def _sympystr(self, printer):
        return f"{printer._print(self.args[0])}[t={self.args[1]}]"

    def _latex(self, printer, exp=None):
        s = rf"{printer._print(self.args[0])}_{{\langle {self.args[1]} \rangle}}"
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"


class PadColumns(_ArrayOp):
    """An N × d array put into columns (t−1)·d … t·d of N × (T·d) zeros: the adjoint of :class:`StepColumns`."""

    nargs = 4

    def _code(self, printer, code):
        g, t, d, width = self.args
        before = (int(t) - 1) * int(d)
        after = int(width) - int(t) * int(d)
        np = printer._module_format(printer._module)
        return f"{np}.pad({_operand(printer, g)}, ((0, 0), ({before}, {after})))"

    @staticmethod
    def on_arrays(g, t, d, width):
        """The same on NumPy arrays (:func:`symnn.derive.evaluate.evaluate`)."""
        out = numpy.zeros((g.shape[0], int(width)), dtype=g.dtype)
        out[:, (int(t) - 1) * int(d) : int(t) * int(d)] = g
        return out

    def _sympystr(self, printer):
        return f"pad({printer._print(self.args[0])}, t={self.args[1]})"

    def _latex(self, printer, exp=None):
        s = rf"\operatorname{{at}}_{{\langle {self.args[1]} \rangle}}\left({printer._print(self.args[0])}\right)"
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"


class StepOf(StepColumns):
    """Step t of a stacked sequence of states (the same slicing as :class:`StepColumns`), printed as the state."""


class Stack(_ArrayOp):
    """The states of the T steps side by side, ``concatenate((H1, …, HT), axis=1)``: N × (T·hidden)."""

    nargs = None

    def _code(self, printer, code):
        np = printer._module_format(printer._module)
        return f"{np}.concatenate(({''.join(printer._print(a) + ', ' for a in self.args)}), axis=1)"

    @staticmethod
    def on_arrays(*arrays):
        """The same on NumPy arrays (:func:`symnn.derive.evaluate.evaluate`)."""
        return numpy.concatenate(arrays, axis=1)

    def _sympystr(self, printer):
        return f"stack({', '.join(printer._print(a) for a in self.args)})"

    def _latex(self, printer, exp=None):
        s = r"\left(" + r",\ ".join(printer._print(a) for a in self.args) + r"\right)"
        return s if exp is None else rf"{s}^{{{exp}}}"


class RNN(Layer):
    r"""An Elman recurrent layer :math:`h_t = f(W x_t + U h_{t-1} + b)`, :math:`h_0 = 0`, unrolled over T steps.

    The input has shape (T, d): T steps of d features. The parameters, shared by every step, are the arrays
    ``Wx{i}`` (W, hidden × d), ``Wh{i}`` (U, hidden × hidden; none when T = 1) and ``bh{i}`` (b), i the index of
    the first step's node; their entries print :math:`w^{[i]}_{jk}`, :math:`u^{[i]}_{jk}`, :math:`b^{[i]}_j`.

    Parameters
    ----------
    hidden : int
        The number of entries of the state :math:`h_t`.
    steps : int, optional
        T; when given it must be the input's number of steps (a check of the spec).
    activation : str
        Any name :data:`~symnn.ACTIVATIONS` knows: ``"tanh"`` (Elman's), ``"relu"``, ``"sigmoid"`` …
    outputs : str
        ``"last"``: the output is :math:`h_T` (many-to-one); ``"all"``: the T states as a T × hidden output.

    Examples
    --------
    >>> import symnn as sn
    >>> net = sn.Network([sn.RNN(hidden=2, steps=3), sn.Dense(1)], inputs=(3, 1), loss="sse")
    >>> [n.label for n in net.nodes]
    ['recurrent (tanh) [1]', 'recurrent (tanh) [2]', 'recurrent (tanh) [3]', 'dense 1']
    >>> [p.name for p in net.param_arrays]
    ['Wx1', 'Wh1', 'bh1', 'W1', 'b1']
    """

    title = "recurrent"

    def __init__(self, hidden: int, steps: int | None = None, activation: str = "tanh", outputs: str = "last") -> None:
        self.hidden = _positive_int(hidden, "RNN: hidden")
        self.steps = None if steps is None else _positive_int(steps, "RNN: steps")
        if not isinstance(activation, str) or activation not in ACTIVATIONS:
            raise ValueError(f"RNN: unknown activation {activation!r}; valid choices: {', '.join(ACTIVATIONS)}")
        if outputs not in OUTPUTS:
            raise ValueError(f"RNN: unknown outputs {outputs!r}; valid choices: {', '.join(OUTPUTS)}")
        self.name = activation
        self.outputs = outputs
        self._placed: dict[Node, tuple[int, int, tuple[Param, ...]]] = {}  # step node -> (t, d, shared params)

    def __repr__(self) -> str:
        steps = "" if self.steps is None else f", steps={self.steps}"
        return f"RNN(hidden={self.hidden}{steps}, activation={self.name!r}, outputs={self.outputs!r})"

    def out_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(in_shape) != 2:
            raise ValueError(
                f"{self!r}: its input must be a sequence of shape (T, d) (T steps of d features), got shape {in_shape}"
            )
        if self.steps is not None and self.steps != in_shape[0]:
            raise ValueError(f"{self!r}: steps={self.steps} but its input has {in_shape[0]} steps (shape {in_shape})")
        return (in_shape[0], self.hidden) if self.outputs == "all" else (self.hidden,)

    def place(self, net: Any, prev: Node, where: str) -> Node:
        self.out_shape(prev.shape)
        T, d = prev.shape
        params = self._params(len(net.nodes) + 1, d, T)
        states: list[Node] = []
        for t in range(1, T + 1):
            node = net.add_node(self, (prev, *states[-1:]), (self.hidden,))
            self._placed[node] = (t, d, params)
            states.append(node)
        if self.outputs == "last":
            return states[-1]
        return net.add_node(Sequence(), tuple(states), (T, self.hidden))

    def _params(self, i: int, d: int, T: int) -> tuple[Param, ...]:
        n = self.hidden
        js = range(1, n + 1)

        def matrix(kind: str, cols: int):
            return lambda: (NetSymbol(f"{kind}{i}_{j}_{k}") for j in js for k in range(1, cols + 1))

        out = [Param(f"Wx{i}", (n, d), matrix("wx", d), "normal", decay=True, fan_in=d)]
        if T > 1:  # with one step there is no h_{t-1}: U multiplies h_0 = 0 only
            out.append(Param(f"Wh{i}", (n, n), matrix("wh", n), "normal", decay=True, fan_in=n))
        out.append(Param(f"bh{i}", (n,), lambda: (NetSymbol(f"bh{i}_{j}") for j in js)))
        return tuple(out)

    def step(self, node: Node) -> int:
        """The time step t (1-based) of a node this layer placed."""
        return self._placed[node][0]

    def params(self, node, net):
        return self._placed[node][2]

    def function(self, net):
        return lambda z: ACTIVATIONS[self.name](z, net)

    def element(self, node, net, ins):
        t, d, params = self._placed[node]
        W, b = params[0].symbols, params[-1].symbols
        U = params[1].symbols if len(params) == 3 else ()
        n, f = self.hidden, self.function(net)
        out = []
        for n_, x in enumerate(ins[0]):
            h = ins[1][n_] if len(ins) > 1 else []
            xt = x[(t - 1) * d : t * d]
            out.append(
                [
                    f(
                        sp.Add(
                            *(W[j * d + k] * xt[k] for k in range(d)),
                            *(U[j * n + k] * h[k] for k in range(len(h))),
                            b[j],
                        )
                    )
                    for j in range(n)
                ]
            )
        return out

    def _pre(self, node, ins, env):
        t, d, params = self._placed[node]
        Z = MatMul(StepColumns(ins[0], t, d), Transpose(env[params[0].name])) + env[params[-1].name]
        if len(ins) > 1:
            Z += MatMul(ins[1], Transpose(env[params[1].name]))
        return Z

    def forward(self, node, net, ins, env):
        return self.function(net)(self._pre(node, ins, env))

    def backward(self, node, net, ins, out, G, env):
        t, d, params = self._placed[node]
        z = sp.Dummy("z", real=True)
        f = self.function(net)
        # f′ in the output where it reappears (tanh′ = 1 − h², σ′ = h(1 − h)), else at the pre-activation
        fprime = sp.diff(f(z), z).xreplace({f(z): out}).xreplace({z: self._pre(node, ins, env)})
        D = G * fprime  # δ_t = ∂C/∂(W x_t + U h_{t−1} + b)
        d_ins = [PadColumns(MatMul(D, env[params[0].name]), t, d, node.inputs[0].width)]
        grads = {params[0].name: MatMul(Transpose(D), StepColumns(ins[0], t, d)), params[-1].name: BatchSum(D)}
        if len(ins) > 1:
            U = env[params[1].name]
            d_ins.append(MatMul(D, U))
            grads[params[1].name] = MatMul(Transpose(D), ins[1])
        return d_ins, grads


class Sequence(Layer):
    """The T states of an :class:`RNN` with ``outputs="all"`` as one T × hidden output (row t is :math:`h_t`)."""

    title = "sequence"

    def element(self, node, net, ins):
        return [[e for rows in samples for e in rows] for samples in zip(*ins, strict=True)]

    def forward(self, node, net, ins, env):
        return Stack(*ins)

    def backward(self, node, net, ins, out, G, env):
        n = node.inputs[0].width
        return [StepOf(G, t, n) for t in range(1, len(ins) + 1)], {}

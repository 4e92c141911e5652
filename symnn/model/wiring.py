"""Layers that route values: inverted dropout with an explicit mask, a residual branch with its sum, flattening."""

from __future__ import annotations

import math

import sympy as sp

from symnn.model.layers import Layer, Node, identifier
from symnn.model.notation import NetSymbol

__all__ = ["Add", "Dropout", "Flatten", "Residual"]


class Dropout(Layer):
    r"""Inverted dropout with an explicit mask: :math:`h_j = a_j m_j / p`.

    The mask entries :math:`m_j \in \{0, 1\}` are inputs of the network (arrays ``M{i}``), and ``keep`` names the
    keep probability p, a positive symbol; a compiled model takes its value with ``compile(net, constants=...)``.
    Training draws each mask entry as 1 with probability p; evaluation uses masks of ones and p = 1 in effect
    (``Model.forward`` without masks).
    """

    title = "dropout"

    def __init__(self, keep: str = "p") -> None:
        self.keep = sp.Symbol(identifier(keep, "Dropout: keep"), positive=True)

    def __repr__(self) -> str:
        return f"Dropout(keep={self.keep.name!r})"

    def masks(self, node):
        return (f"M{node.index}",)

    def mask_symbol(self, node: Node, j: int, sample: int | None) -> sp.Symbol:

        return NetSymbol(f"m{node.index}_{j}" + (f"s{sample}" if sample else ""))

    def element(self, node, net, ins):
        many = len(ins[0]) > 1
        return [
            [a * self.mask_symbol(node, j, n if many else None) / self.keep for j, a in enumerate(row, 1)]
            for n, row in enumerate(ins[0], 1)
        ]

    def forward(self, node, net, ins, env):
        return ins[0] * env[f"M{node.index}"] / self.keep

    def backward(self, node, net, ins, out, G, env):
        return [G * env[f"M{node.index}"] / self.keep], {}


class Residual(Layer):
    """A branch of layers plus the identity: output = input + branch(input); the shapes must match.

    Examples
    --------
    >>> import symnn as sn
    >>> block = sn.Residual(sn.Dense(4), sn.Activation("tanh"))
    """

    title = "residual"

    def __init__(self, *layers: Layer) -> None:
        if not layers:
            raise ValueError("Residual: needs at least one layer in its branch")
        for layer in layers:
            if not isinstance(layer, Layer):
                raise TypeError(f"Residual: every branch entry must be a layer, got {type(layer).__name__}")
        self.layers = tuple(layers)

    def __repr__(self) -> str:
        return f"Residual({', '.join(map(repr, self.layers))})"

    def place(self, net, prev, where):
        branch = net.place(self.layers, prev, f"{where} (residual)")
        if branch.shape != prev.shape:
            raise ValueError(
                f"Residual: the branch gives {_shape_text(branch.shape)} entries but its input has "
                f"{_shape_text(prev.shape)}; a residual adds them, so they must match"
            )
        return net.add_node(Add(), (prev, branch), prev.shape)


class Flatten(Layer):
    """The entries of each sample as one vector (C × H × W → C·H·W, row-major): what a Dense layer after a
    convolution reads. The values are unchanged; only the shape is."""

    title = "flatten"

    def out_shape(self, in_shape):
        return (math.prod(in_shape),)

    def element(self, node, net, ins):
        return [list(row) for row in ins[0]]

    def forward(self, node, net, ins, env):
        return ins[0]

    def backward(self, node, net, ins, out, G, env):
        return [G], {}


def _shape_text(shape: tuple[int, ...]) -> str:
    return " × ".join(map(str, shape))


class Add(Layer):
    """The sum of two equally wide inputs (the end of a :class:`Residual`)."""

    title = "sum"
    arity = 2

    def element(self, node, net, ins):
        return [[a + b for a, b in zip(r1, r2, strict=True)] for r1, r2 in zip(*ins, strict=True)]

    def forward(self, node, net, ins, env):
        return ins[0] + ins[1]

    def backward(self, node, net, ins, out, G, env):
        return [G, G], {}

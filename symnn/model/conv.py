"""Convolution and pooling layers on images C × H × W (one sample's entries row-major over channel, row, column).

The element view writes each output entry as the sum (or the maximum, the mean) over its window; the batch view is
the textbook's matrix form (seed 002, chapter 7): ``col = im2col(A)`` (N·OH·OW × C·kh·kw), ``Z = col Kᵀ + b``,
and backward ``dK = Gᵀ col``, ``db = Σ G``, ``dA = col2im(G K)``, with the kernels of :mod:`symnn.kernels.conv`
and :mod:`symnn.kernels.pool` (array operations in :mod:`symnn.model.conv_ops`).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symnn.kernels.conv import out_size
from symnn.model.arrays import BatchSum, MatMul, Transpose
from symnn.model.conv_ops import (
    AvgPoolBack,
    AvgPoolOp,
    Col2im,
    ColsToMaps,
    Im2col,
    KernelMatrix,
    KernelShape,
    MapsToCols,
    MaxPoolBack,
    MaxPoolOp,
)
from symnn.model.layers import Layer, Node, Param, _positive_int
from symnn.model.notation import NetSymbol
from symnn.model.window_max import ties_code, window_max

__all__ = ["AvgPool", "Conv2D", "MaxPool"]


def _image(layer: str, in_shape: tuple[int, ...]) -> tuple[int, int, int]:
    if len(in_shape) != 3:
        raise ValueError(
            f"{layer}: its input must be images C × H × W (inputs=(1, 8, 8)), "
            f"got shape {' × '.join(map(str, in_shape))}"
        )
    return in_shape  # type: ignore[return-value]


def _nonnegative_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be an integer ≥ 0, got {value!r}")
    return value


def _pair(value: Any, what: str) -> tuple[int, int]:
    if isinstance(value, tuple | list) and len(value) == 2:
        return _positive_int(value[0], what), _positive_int(value[1], what)
    n = _positive_int(value, what)
    return n, n


class Conv2D(Layer):
    r"""A 2-D convolution (a correlation, as every framework computes it) of ``filters`` kernels over all channels:

    :math:`h_{f,y,x} = \sum_{c,p,q} K_{f,c,p,q}\, a_{c,\,s y+p-\mathrm{pad},\, s x+q-\mathrm{pad}} + c_f`, the
    padding's zeros simply absent from the sum. Input C × H × W, output F × OH × OW with
    OH = (H + 2·pad − kh) // s + 1. Parameters: the kernel ``K{i}`` (F × C × kh × kw, entries
    :math:`K^{(i)}_{fcpq}`) and the bias ``c{i}`` (F entries :math:`c^{(i)}_f`), i the layer's node.

    Examples
    --------
    >>> import symnn as sn
    >>> net = sn.Network([sn.Conv2D(2, 3, padding=1), sn.Flatten(), sn.Dense(2)], inputs=(1, 4, 4))
    >>> [(p.name, p.shape) for p in net.param_arrays]
    [('K1', (2, 1, 3, 3)), ('c1', (2,)), ('W1', (2, 32)), ('b1', (2,))]
    """

    title = "convolution"

    def __init__(self, filters: int, kernel: int | tuple[int, int], stride: int = 1, padding: int = 0, *,
                 bias: bool = True) -> None:  # fmt: skip
        self.filters = _positive_int(filters, "Conv2D: filters")
        self.kernel = _pair(kernel, "Conv2D: kernel")
        self.stride = _positive_int(stride, "Conv2D: stride")
        self.padding = _nonnegative_int(padding, "Conv2D: padding")
        self.bias = bool(bias)

    def __repr__(self) -> str:
        kh, kw = self.kernel
        return (
            f"Conv2D({self.filters}, {kh if kh == kw else self.kernel}, stride={self.stride}, padding={self.padding}"
            + ("" if self.bias else ", bias=False")
            + ")"
        )

    def out_shape(self, in_shape):
        _, h, w = _image("Conv2D", in_shape)
        (kh, kw), s, pad = self.kernel, self.stride, self.padding
        if kh > h + 2 * pad or kw > w + 2 * pad:
            raise ValueError(
                f"Conv2D: the kernel {kh} × {kw} is larger than the padded input {h + 2 * pad} × {w + 2 * pad} "
                f"({h} × {w} with padding {pad})"
            )
        return (self.filters, out_size(h, kh, s, pad), out_size(w, kw, s, pad))

    def params(self, node: Node, net) -> tuple[Param, ...]:
        i, f_n, (kh, kw) = node.index, self.filters, self.kernel
        c_n = node.inputs[0].shape[0]

        def ks():
            return (
                NetSymbol(f"k{i}_{f}_{c}_{p}_{q}")
                for f in range(1, f_n + 1)
                for c in range(1, c_n + 1)
                for p in range(1, kh + 1)
                for q in range(1, kw + 1)
            )

        out = [Param(f"K{i}", (f_n, c_n, kh, kw), ks, "normal", decay=True, fan_in=c_n * kh * kw)]
        if self.bias:
            out.append(Param(f"c{i}", (f_n,), lambda: (NetSymbol(f"c{i}_{f}") for f in range(1, f_n + 1))))
        return tuple(out)

    def element(self, node, net, ins):
        c_n, h, w = node.inputs[0].shape
        f_n, oh, ow = node.shape
        (kh, kw), s, pad = self.kernel, self.stride, self.padding
        K = node.params[0].symbols
        b = node.params[1].symbols if self.bias else [sp.S.Zero] * f_n

        def entry(row, f, y, x):
            terms = [
                K[((f * c_n + c) * kh + p) * kw + q] * row[(c * h + yy) * w + xx]
                for c in range(c_n)
                for p in range(kh)
                for q in range(kw)
                if 0 <= (yy := s * y + p - pad) < h and 0 <= (xx := s * x + q - pad) < w
            ]
            return sp.Add(*terms, b[f])

        return [[entry(row, f, y, x) for f in range(f_n) for y in range(oh) for x in range(ow)] for row in ins[0]]

    def _geometry(self, node) -> tuple[int, ...]:
        return (*node.inputs[0].shape, *self.kernel, self.stride, self.padding)

    def forward(self, node, net, ins, env):
        col = Im2col(ins[0], *self._geometry(node))
        Z = MatMul(col, Transpose(KernelMatrix(env[f"K{node.index}"], self.filters)))
        if self.bias:
            Z = Z + env[f"c{node.index}"]
        return ColsToMaps(Z, self.filters, node.shape[1] * node.shape[2])

    def backward(self, node, net, ins, out, G, env):
        i, K = node.index, env[f"K{node.index}"]
        col = Im2col(ins[0], *self._geometry(node))
        Gc = MapsToCols(G, self.filters)
        grads = {f"K{i}": KernelShape(MatMul(Transpose(Gc), col), *node.params[0].shape)}
        if self.bias:
            grads[f"c{i}"] = BatchSum(Gc)
        dA = Col2im(MatMul(Gc, KernelMatrix(K, self.filters)), *self._geometry(node))
        return [dA], grads


class _Pool(Layer):
    """Shared by MaxPool and AvgPool: ``size × size`` windows of each channel, ``stride`` (default ``size``) apart."""

    def __init__(self, size: int, stride: int | None = None) -> None:
        name = type(self).__name__
        self.size = _positive_int(size, f"{name}: size")
        self.stride = self.size if stride is None else _positive_int(stride, f"{name}: stride")

    def __repr__(self) -> str:
        stride = "" if self.stride == self.size else f", stride={self.stride}"
        return f"{type(self).__name__}({self.size}{stride})"

    def out_shape(self, in_shape):
        name = type(self).__name__
        c, h, w = _image(name, in_shape)
        k, s = self.size, self.stride
        if k > h or k > w:
            raise ValueError(f"{name}: the window {k} × {k} is larger than the input {h} × {w}")
        return (c, out_size(h, k, s, 0), out_size(w, k, s, 0))

    def windows(self, node: Node, row: list[sp.Expr]) -> list[list[sp.Expr]]:
        """The entries of each output's window (row-major offsets), outputs in row-major order."""
        _, h, w = node.inputs[0].shape
        c_n, oh, ow = node.shape
        k, s = self.size, self.stride
        return [
            [row[(c * h + s * y + p) * w + s * x + q] for p in range(k) for q in range(k)]
            for c in range(c_n)
            for y in range(oh)
            for x in range(ow)
        ]

    def _geometry(self, node) -> tuple[int, ...]:
        return (*node.inputs[0].shape, self.size, self.stride)


class MaxPool(_Pool):
    """The maximum of each window: :math:`h_{c,y,x} = \\max_{p,q} a_{c,\\,s y+p,\\,s x+q}`.

    Its derivative is 1 for the window's maximum and 0 elsewhere; at ties the network's ``pool_ties`` decides
    (``"first"``: the first maximal entry in row-major order, the textbook's argmax; ``"split"``: shared equally).
    """

    title = "max pooling"

    def element(self, node, net, ins):
        ties = ties_code(net.pool_ties)
        return [[window_max(ties, *win) for win in self.windows(node, row)] for row in ins[0]]

    def forward(self, node, net, ins, env):
        return MaxPoolOp(ins[0], *self._geometry(node))

    def backward(self, node, net, ins, out, G, env):
        return [MaxPoolBack(ins[0], G, *self._geometry(node), ties_code(net.pool_ties))], {}


class AvgPool(_Pool):
    """The mean of each window: :math:`h_{c,y,x} = \\frac{1}{k^2}\\sum_{p,q} a_{c,\\,s y+p,\\,s x+q}`."""

    title = "average pooling"

    def element(self, node, net, ins):
        return [[sp.Add(*win) / len(win) for win in self.windows(node, row)] for row in ins[0]]

    def forward(self, node, net, ins, env):
        return AvgPoolOp(ins[0], *self._geometry(node))

    def backward(self, node, net, ins, out, G, env):
        return [AvgPoolBack(G, *self._geometry(node))], {}

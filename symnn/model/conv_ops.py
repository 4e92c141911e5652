"""The array operations of the convolution and pooling layers: calls of :mod:`symnn.kernels.conv` and
:mod:`symnn.kernels.pool` with the layer's sizes as integer arguments, printed bare in code and hidden in LaTeX."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from symnn.kernels import conv, pool
from symnn.model.arrays import _ArrayOp, _operand
from symnn.model.window_max import TIES, max_share, window_max

__all__ = [
    "AvgPoolBack",
    "AvgPoolOp",
    "Col2im",
    "ColsToMaps",
    "Im2col",
    "KernelMatrix",
    "KernelShape",
    "MapsToCols",
    "MaxPoolBack",
    "MaxPoolOp",
]

_CONV = "symnn.kernels.conv"
_POOL = "symnn.kernels.pool"


class _KernelOp(_ArrayOp):
    """An array operation whose arguments after the arrays (``arrays`` of them) are integers; ``kernel`` (set by
    each subclass, unless it overrides :meth:`on_arrays`) is the function of :mod:`symnn.kernels` it calls."""

    arrays = 1
    kernel: Callable[..., Any]

    def _code(self, printer, code: str) -> str:
        args = [_operand(printer, a) if i < self.arrays else str(int(a)) for i, a in enumerate(self.args)]
        return code.format(*args)

    def _sympystr(self, printer):
        return self._code(printer, self.str_code)

    def on_arrays(self, *args: Any) -> Any:
        """The operation on NumPy arrays (of numbers or SymPy expressions) and ints, as the compiled code runs it:
        what :func:`symnn.derive.evaluate.evaluate` calls to check a batch rule against the element view."""
        return self.kernel(*args)

    def _latex(self, printer, exp=None):
        s = self.latex_code.format(*(printer._print(a) for a in self.args[: self.arrays]))
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"


def _call(module: str, name: str, n: int) -> str:
    """``module.name({0}, …, {n-1})`` (``name(…)`` without a module): a template of ``n`` arguments."""
    return f"{module + '.' if module else ''}{name}({', '.join(f'{{{i}}}' for i in range(n))})"


class Im2col(_KernelOp):
    """``im2col(A, C, H, W, kh, kw, stride, pad)``: every window as a row, N·OH·OW × C·kh·kw."""

    kernel = staticmethod(conv.im2col)

    nargs = 8
    numpy_code = _call(_CONV, "im2col", 8)
    str_code = _call("", "im2col", 8)
    latex_code = r"\operatorname{{im2col}}\left({0}\right)"


class Col2im(_KernelOp):
    """``col2im(D, C, H, W, kh, kw, stride, pad)``: the adjoint of :class:`Im2col`, N × C·H·W."""

    kernel = staticmethod(conv.col2im)

    nargs = 8
    numpy_code = _call(_CONV, "col2im", 8)
    str_code = _call("", "col2im", 8)
    latex_code = r"\operatorname{{col2im}}\left({0}\right)"


class ColsToMaps(_KernelOp):
    """``N·OH·OW × F`` as feature maps N × F·OH·OW (args: the array, F, OH·OW)."""

    kernel = staticmethod(conv.cols_to_maps)

    nargs = 3
    numpy_code = _call(_CONV, "cols_to_maps", 3)
    str_code = _call("", "maps", 3)
    latex_code = r"\operatorname{{maps}}\left({0}\right)"


class MapsToCols(_KernelOp):
    """Feature maps N × F·OH·OW as ``N·OH·OW × F`` (args: the array, F)."""

    kernel = staticmethod(conv.maps_to_cols)

    nargs = 2
    numpy_code = _call(_CONV, "maps_to_cols", 2)
    str_code = _call("", "cols", 2)
    latex_code = r"\operatorname{{cols}}\left({0}\right)"


class KernelMatrix(_KernelOp):
    """The kernel F × C × kh × kw as a matrix F × C·kh·kw (args: K, F)."""

    nargs = 2
    kernel = staticmethod(lambda K, f: K.reshape(f, -1))
    numpy_code = "{0}.reshape({1}, -1)"
    str_code = "{0}.reshape({1}, -1)"
    latex_code = r"\operatorname{{mat}}\left({0}\right)"


class KernelShape(_KernelOp):
    """A matrix F × C·kh·kw as the kernel's shape F × C × kh × kw (args: the matrix, F, C, kh, kw)."""

    nargs = 5
    kernel = staticmethod(lambda M, *shape: M.reshape(*shape))
    numpy_code = "{0}.reshape({1}, {2}, {3}, {4})"
    str_code = "{0}.reshape({1}, {2}, {3}, {4})"
    latex_code = r"\operatorname{{reshape}}\left({0}\right)"


class MaxPoolOp(_KernelOp):
    """``maxpool(A, C, H, W, size, stride)``: the maximum of every window, N × C·OH·OW."""

    nargs = 6
    numpy_code = _call(_POOL, "maxpool_forward", 6)

    def on_arrays(self, A, c, h, w, k, stride):
        if A.dtype != object:
            return pool.maxpool_forward(A, c, h, w, k, stride)
        win = conv.windows(A, c, h, w, k, k, stride, 0)
        out = np.empty(win.shape[:-1], dtype=object)
        for i in np.ndindex(out.shape):
            out[i] = window_max(0, *win[i])
        return out.reshape(A.shape[0], -1)

    str_code = _call("", "maxpool", 6)
    latex_code = r"\operatorname{{maxpool}}\left({0}\right)"


class MaxPoolBack(_KernelOp):
    """``G`` routed to the maxima of the windows of ``A`` by the tie convention (args: A, G, C, H, W, size, stride,
    the convention's code)."""

    nargs = 8
    arrays = 2

    def on_arrays(self, A, G, c, h, w, k, stride, ties):
        if A.dtype != object:
            return pool.maxpool_backward(A, G, c, h, w, k, stride, {v: n for n, v in TIES.items()}[ties])
        win = conv.windows(A, c, h, w, k, k, stride, 0)
        share = np.empty(win.shape, dtype=object)
        for i in np.ndindex(win.shape[:-1]):
            share[i] = [max_share(j, ties, *win[i]) for j in range(1, k * k + 1)]
        n, _, oh, ow, _ = win.shape
        return conv.unwindow(share * G.reshape(n, c, oh, ow, 1), c, h, w, k, k, stride, 0)

    def _code(self, printer, code: str) -> str:
        ties = {v: k for k, v in TIES.items()}[int(self.args[-1])]
        return super()._code(printer, code).replace("TIES", repr(ties))

    numpy_code = _POOL + ".maxpool_backward({0}, {1}, {2}, {3}, {4}, {5}, {6}, TIES)"
    str_code = "maxpool_backward({0}, {1}, {2}, {3}, {4}, {5}, {6}, TIES)"
    latex_code = r"\operatorname{{maxpool}}^{{\prime}}_{{{0}}}\left({1}\right)"


class AvgPoolOp(_KernelOp):
    """``avgpool(A, C, H, W, size, stride)``: the mean of every window, N × C·OH·OW."""

    kernel = staticmethod(pool.avgpool_forward)

    nargs = 6
    numpy_code = _call(_POOL, "avgpool_forward", 6)
    str_code = _call("", "avgpool", 6)
    latex_code = r"\operatorname{{avgpool}}\left({0}\right)"


class AvgPoolBack(_KernelOp):
    """``G`` shared equally by each window's entries (args: G, C, H, W, size, stride)."""

    kernel = staticmethod(pool.avgpool_backward)

    nargs = 6
    numpy_code = _call(_POOL, "avgpool_backward", 6)
    str_code = _call("", "avgpool_backward", 6)
    latex_code = r"\operatorname{{avgpool}}^{{\prime}}\left({0}\right)"

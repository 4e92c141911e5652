"""Pooling over the windows of each channel: the maximum (with its derivative's convention at ties) and the mean.

The windows are :func:`symnn.kernels.conv.windows` with no padding; the backward passes send each window's adjoint
back with :func:`symnn.kernels.conv.unwindow`, so overlapping windows (stride < size) add up.
"""

from __future__ import annotations

from typing import Any

from symnn.kernels import xp
from symnn.kernels.conv import unwindow, windows

__all__ = ["TIES", "avgpool_backward", "avgpool_forward", "max_share", "maxpool_backward", "maxpool_forward"]

#: how the derivative of a window's maximum is shared among tied maxima
TIES: tuple[str, ...] = ("first", "split")


def maxpool_forward(A: Any, c: int, h: int, w: int, k: int, stride: int) -> Any:
    """The maximum of each ``k × k`` window of each channel: N × c·h·w → N × c·OH·OW."""
    m = xp(A)
    win = windows(A, c, h, w, k, k, stride, 0)
    return m.max(win, axis=-1).reshape(A.shape[0], -1)


def max_share(win: Any, ties: str) -> Any:
    """∂ max / ∂ entry for each entry of each window (last axis): 1 at the maximum; at ties, by ``ties``:
    ``"first"`` all of it to the first maximal entry in row-major order (the textbook's argmax), ``"split"``
    divided equally among the tied maxima."""
    m = xp(win)
    if ties == "first":  # argmax returns the first maximum
        return (m.argmax(win, axis=-1)[..., None] == m.arange(win.shape[-1])).astype(win.dtype)
    hit = win == m.max(win, axis=-1, keepdims=True)
    return hit.astype(win.dtype) / m.sum(hit, axis=-1, keepdims=True).astype(win.dtype)


def maxpool_backward(A: Any, G: Any, c: int, h: int, w: int, k: int, stride: int, ties: str) -> Any:
    """The adjoint of the input of :func:`maxpool_forward` given ``G`` (N × c·OH·OW), routed to the maxima."""
    win = windows(A, c, h, w, k, k, stride, 0)
    n, _, oh, ow, _ = win.shape
    D = max_share(win, ties) * G.reshape(n, c, oh, ow, 1)
    return unwindow(D, c, h, w, k, k, stride, 0)


def avgpool_forward(A: Any, c: int, h: int, w: int, k: int, stride: int) -> Any:
    """The mean of each ``k × k`` window of each channel: N × c·h·w → N × c·OH·OW."""
    m = xp(A)
    return m.mean(windows(A, c, h, w, k, k, stride, 0), axis=-1).reshape(A.shape[0], -1)


def avgpool_backward(G: Any, c: int, h: int, w: int, k: int, stride: int) -> Any:
    """The adjoint of the input of :func:`avgpool_forward`: each window's ``G`` shared equally by its k² entries."""
    m = xp(G)
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    D = m.broadcast_to(G.reshape(G.shape[0], c, oh, ow, 1) / (k * k), (G.shape[0], c, oh, ow, k * k))
    return unwindow(D, c, h, w, k, k, stride, 0)

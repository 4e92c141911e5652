"""A convolution's matrix form (the textbook of seed 002, chapter 7): im2col, its adjoint col2im, and the reshapes
between a batch of feature maps (one sample a row, ``N × F·OH·OW``) and the rows of a product with the kernel matrix
(``N·OH·OW × F``).

Every function loops only over the kernel's offsets (p, q), never over samples or pixels, and works unchanged on
NumPy arrays and on JAX arrays under ``jax.jit`` (no writes in place for JAX: ``.at[].add``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symnn.kernels import xp

__all__ = ["col2im", "cols_to_maps", "im2col", "maps_to_cols", "out_size", "unwindow", "windows"]


def out_size(n: int, k: int, stride: int, pad: int) -> int:
    """The number of window positions along an axis of ``n`` entries: ``(n + 2·pad − k) // stride + 1``."""
    return (n + 2 * pad - k) // stride + 1


def windows(A: Any, c: int, h: int, w: int, kh: int, kw: int, stride: int, pad: int) -> Any:
    """The windows of a batch of ``c × h × w`` images (``A``: N × c·h·w, one sample a row), zero-padded by ``pad``.

    Returns an array N × c × OH × OW × kh·kw: entry (n, c, y, x, p·kw + q) is the padded image's pixel
    (s·y + p, s·x + q) of channel c, the window's offsets in row-major order.
    """
    m = xp(A)
    img = A.reshape(A.shape[0], c, h, w)
    if pad:
        img = m.pad(img, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = out_size(h, kh, stride, pad), out_size(w, kw, stride, pad)
    taps = [
        img[:, :, p : p + stride * (oh - 1) + 1 : stride, q : q + stride * (ow - 1) + 1 : stride]
        for p in range(kh)
        for q in range(kw)
    ]
    return m.stack(taps, axis=-1)


def im2col(A: Any, c: int, h: int, w: int, kh: int, kw: int, stride: int, pad: int) -> Any:
    """The rows of every window: ``N·OH·OW × c·kh·kw``, row (n, y, x) row-major, column (c, p, q) row-major.

    ``col @ K.reshape(F, -1).T`` is then the convolution of every window with every kernel at once.
    """
    win = windows(A, c, h, w, kh, kw, stride, pad)  # N × c × OH × OW × kh·kw
    n, _, oh, ow, _ = win.shape
    return win.transpose(0, 2, 3, 1, 4).reshape(n * oh * ow, c * kh * kw)


def unwindow(D: Any, c: int, h: int, w: int, kh: int, kw: int, stride: int, pad: int) -> Any:
    """The adjoint of :func:`windows`: each window entry of ``D`` (N × c × OH × OW × kh·kw) added back into the
    pixel it came from; the padding's entries dropped. Returns N × c·h·w."""
    m = xp(D)
    n, _, oh, ow, _ = D.shape
    img = m.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=D.dtype)
    for p in range(kh):
        for q in range(kw):
            where = (slice(None), slice(None), slice(p, p + stride * (oh - 1) + 1, stride))
            where += (slice(q, q + stride * (ow - 1) + 1, stride),)
            tap = D[..., p * kw + q]
            if m is np:  # NumPy: in place
                img[where] += tap
            else:
                img = img.at[where].add(tap)
    return img[:, :, pad : pad + h, pad : pad + w].reshape(n, c * h * w)


def col2im(col: Any, c: int, h: int, w: int, kh: int, kw: int, stride: int, pad: int) -> Any:
    """The adjoint of :func:`im2col`: ``N·OH·OW × c·kh·kw`` rows summed back into images, N × c·h·w."""
    oh, ow = out_size(h, kh, stride, pad), out_size(w, kw, stride, pad)
    n = col.shape[0] // (oh * ow)
    D = col.reshape(n, oh, ow, c, kh * kw).transpose(0, 3, 1, 2, 4)
    return unwindow(D, c, h, w, kh, kw, stride, pad)


def cols_to_maps(Z: Any, f: int, positions: int) -> Any:
    """``N·OH·OW × f`` (a row per window position, ``positions`` = OH·OW of them per sample) as feature maps, one
    sample a row: N × f·OH·OW (row-major over f, y, x)."""
    return Z.reshape(-1, positions, f).transpose(0, 2, 1).reshape(-1, f * positions)


def maps_to_cols(G: Any, f: int) -> Any:
    """The inverse of :func:`cols_to_maps`: N × f·OH·OW as ``N·OH·OW × f``."""
    return G.reshape(G.shape[0], f, -1).transpose(0, 2, 1).reshape(-1, f)

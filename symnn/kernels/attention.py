"""Attention's batch kernels: per-token and per-sample matrix products, and the softmax of each query's row.

A sample of T tokens is one row of a batch array, its T × n matrix flattened row-major (N × T·n). Each kernel
reshapes to (N, T, n), multiplies with ``@`` (batched over the samples) and flattens back; the same code runs on
NumPy arrays, NumPy object arrays of SymPy expressions (the tests' oracle) and JAX arrays under ``jax.jit``.
"""

from __future__ import annotations

from typing import Any

from symnn.kernels import xp

__all__ = [
    "pair_matmul",
    "pair_matmul_t",
    "pair_t_matmul",
    "row_softmax",
    "token_gram",
    "token_matmul",
    "token_row_sum",
]


def _split(a: Any, T: int) -> Any:
    """N × T·n → N × T × n."""
    return a.reshape(a.shape[0], T, -1)


def _join(a: Any) -> Any:
    """N × T × n → N × T·n."""
    return a.reshape(a.shape[0], -1)


def token_matmul(A: Any, W: Any, T: int) -> Any:
    """Each token's row times ``W``: (N × T·d, d × k) → N × T·k (a projection X W per sample)."""
    return (A.reshape(A.shape[0] * T, -1) @ W).reshape(A.shape[0], -1)


def token_gram(A: Any, G: Any, T: int) -> Any:
    """Σ over samples and tokens of aᵀ g: (N × T·d, N × T·k) → d × k, a projection's weight gradient Σ_n X_nᵀ G_n."""
    return A.reshape(A.shape[0] * T, -1).T @ G.reshape(G.shape[0] * T, -1)


def pair_matmul(A: Any, B: Any, T: int) -> Any:
    """A_n B_n for every sample n, A_n of T rows (P V, or ∂C/∂S K)."""
    return _join(_split(A, T) @ _split(B, T))


def pair_matmul_t(A: Any, B: Any, T: int) -> Any:
    """A_n B_nᵀ for every sample n, both of T rows (Q Kᵀ, or ∂C/∂O Vᵀ)."""
    return _join(_split(A, T) @ _split(B, T).swapaxes(1, 2))


def pair_t_matmul(A: Any, B: Any, T: int) -> Any:
    """A_nᵀ B_n for every sample n, both of T rows (Pᵀ ∂C/∂O, or (∂C/∂S)ᵀ Q)."""
    return _join(_split(A, T).swapaxes(1, 2) @ _split(B, T))


def token_row_sum(A: Any, T: int) -> Any:
    """The sum of each of the T rows of each sample (N × T·T), repeated along its row: N × T·T again."""
    s = _split(A, T)
    return _join(xp(A).broadcast_to(s.sum(axis=2, keepdims=True), s.shape))


def row_softmax(S: Any, T: int, causal: int) -> Any:
    """The softmax of each of the T rows of each sample's T × T scores; ``causal``: entry (i, j) with j > i left out
    (probability 0). Shifted by each row's largest kept entry, so no exponential overflows; the diagonal is always
    kept, so no row is empty and no 0/0 appears."""
    m = xp(S)
    s = _split(S, T)
    if causal:
        keep = m.tril(m.ones((T, T), dtype=bool))
        s = m.where(keep, s, -m.inf)
    e = m.exp(s - s.max(axis=2, keepdims=True))
    return _join(e / e.sum(axis=2, keepdims=True))

r"""Scaled dot-product attention, one head: :math:`O = \operatorname{softmax}(Q K^{\mathsf T}/\sqrt{d_k})\, V`.

A sample is a sequence of T tokens of d features, X of shape (T, d), its entries numbered row-major. The layer
places six nodes, so that the derivation passes through each piece: the projections Q = X W_Q, K = X W_K,
V = X W_V (token by token), the scores S = Q Kᵀ/√d_k, the weights P (the softmax of each row of S, i.e. of each
query token, entries j > i left out when causal) and the output O = P V. Each node's element rule is written
entry by entry and differentiated by SymPy; the batch rules reshape N × T·n arrays to (N, T, n) in the kernels of
:mod:`symnn.kernels.attention`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

import symnn.kernels.attention as ka
from symnn.model.arrays import Transpose, _ArrayOp, _operand
from symnn.model.layers import Layer, Node, Param, _positive_int
from symnn.model.notation import NetSymbol
from symnn.model.softmax import softmax

__all__ = ["Attention"]

_KERNELS = "symnn.kernels.attention"


# -- the batch operations: each a kernel call, evaluated on object arrays by the same kernel ----------------------


class _Op(_ArrayOp):
    """An attention operation: its integer arguments (T, causal) print bare, ``f(H1, 3)``."""

    def _code(self, printer, code: str) -> str:
        args = [str(a) if a.is_Integer else _operand(printer, a) for a in self.args]
        return code.format(*args, np=printer._module_format(printer._module))


class _Kernel(_Op):
    """An attention kernel applied to arrays and the sequence length T (its last argument, an integer)."""

    kernel: str = ""

    def on_arrays(self, *args: Any) -> Any:
        """The value on NumPy object arrays of SymPy expressions (:func:`symnn.derive.evaluate.evaluate`)."""
        return getattr(ka, self.kernel)(*args[:-1], int(self.args[-1]))


class TokenMatMul(_Kernel):
    """Each token's row times a matrix: X W per sample, N × T·d → N × T·k."""

    nargs = 3
    kernel = "token_matmul"
    numpy_code = f"{_KERNELS}.token_matmul({{0}}, {{1}}, {{2}})"
    str_code = "tokens({0} @ {1})"
    latex_code = r"\left({0}\right) \left({1}\right)"


class TokenGram(_Kernel):
    r"""Σ_n X_nᵀ G_n: a projection's weight gradient, summed over the samples."""

    nargs = 3
    kernel = "token_gram"
    numpy_code = f"{_KERNELS}.token_gram({{0}}, {{1}}, {{2}})"
    str_code = "batchsum({0}.T @ {1})"
    latex_code = r"\sum_{{n}} \left({0}\right)_{{n}}^{{\mathsf{{T}}}} \left({1}\right)_{{n}}"


class PairMatMul(_Kernel):
    """A_n B_n for every sample n."""

    nargs = 3
    kernel = "pair_matmul"
    numpy_code = f"{_KERNELS}.pair_matmul({{0}}, {{1}}, {{2}})"
    str_code = "({0} @ {1})"
    latex_code = r"\left({0}\right) \left({1}\right)"


class PairMatMulT(_Kernel):
    """A_n B_nᵀ for every sample n."""

    nargs = 3
    kernel = "pair_matmul_t"
    numpy_code = f"{_KERNELS}.pair_matmul_t({{0}}, {{1}}, {{2}})"
    str_code = "({0} @ {1}.T)"
    latex_code = r"\left({0}\right) \left({1}\right)^{{\mathsf{{T}}}}"

    def untransposed(self) -> PairMatMul:
        """A_n B_n: the product without its transpose (a candidate mistake for check_backward)."""
        return PairMatMul(*self.args)


class PairTMatMul(_Kernel):
    """A_nᵀ B_n for every sample n."""

    nargs = 3
    kernel = "pair_t_matmul"
    numpy_code = f"{_KERNELS}.pair_t_matmul({{0}}, {{1}}, {{2}})"
    str_code = "({0}.T @ {1})"
    latex_code = r"\left({0}\right)^{{\mathsf{{T}}}} \left({1}\right)"

    def untransposed(self) -> PairMatMul:
        """A_n B_n: the product without its transpose (a candidate mistake for check_backward)."""
        return PairMatMul(*self.args)


class TokenRowSum(_Kernel):
    """The sum of each row of each sample's T × T matrix, repeated along the row."""

    nargs = 2
    kernel = "token_row_sum"
    numpy_code = f"{_KERNELS}.token_row_sum({{0}}, {{1}})"
    str_code = "rowsum({0})"
    latex_code = r"\operatorname{{rowsum}}_{{\mathrm{{rows}}}}\left({0}\right)"


class RowSoftmax(_Op):
    """The softmax of each row of each sample's T × T scores (arguments: S, T, causal 0 or 1)."""

    nargs = 3
    numpy_code = f"{_KERNELS}.row_softmax({{0}}, {{1}}, {{2}})"
    str_code = "softmax_rows({0})"
    latex_code = r"\operatorname{{softmax}}_{{\mathrm{{rows}}}}\left({0}\right)"

    def on_arrays(self, S: Any, T: Any, causal: Any) -> np.ndarray:
        """The same on object arrays: exp of the kept entries over their row's sum, 0 elsewhere (no shift)."""
        T, causal = int(self.args[1]), bool(self.args[2])
        s = np.asarray(S, dtype=object).reshape(len(S), T, T)
        out = np.zeros_like(s)
        for i in range(T):
            keep = i + 1 if causal else T
            e = np.frompyfunc(sp.exp, 1, 1)(s[:, i, :keep])
            out[:, i, :keep] = e / e.sum(axis=1, keepdims=True)
        return out.reshape(len(S), T * T)


# -- the layer and its six nodes ----------------------------------------------------------------------------------


def _matrix_of(row: list[sp.Expr], T: int) -> list[list[sp.Expr]]:
    """One sample's flat row as T rows (row-major)."""
    n = len(row) // T
    return [row[t * n : (t + 1) * n] for t in range(T)]


class Attention(Layer):
    r"""Scaled dot-product attention, one head: :math:`O = \operatorname{softmax}(Q K^{\mathsf T}/\sqrt{d_k}) V`.

    The input must be a sequence, ``inputs=(T, d)``. The weights W_Q, W_K (d × d_k) and W_V (d × d_v) are the
    arrays ``W_Q{i}``, ``W_K{i}``, ``W_V{i}`` of the nodes Q, K, V (multiplied as X W whatever the network's
    convention), with entries :math:`w^{Q(i)}_{cj}` …

    Parameters
    ----------
    d_k : int
        The width of the queries and keys.
    d_v : int, optional
        The width of the values and so of the output; by default the input's d, so the output has the input's shape.
    causal : bool
        Whether token i attends only to tokens j ≤ i (the entries j > i are left out of each row's softmax).

    Examples
    --------
    >>> import symnn as sn
    >>> net = sn.Network([sn.Attention(d_k=1)], inputs=(2, 2), loss="mse")
    >>> [n.layer.title.removeprefix("attention ") for n in net.nodes]
    ['queries', 'keys', 'values', 'scores', 'weights', 'output']
    >>> [p.name for p in net.param_arrays], net.output_node.shape
    (['W_Q1', 'W_K2', 'W_V3'], (2, 2))
    """

    title = "attention"

    def __init__(self, d_k: int, d_v: int | None = None, causal: bool = False) -> None:
        self.d_k = _positive_int(d_k, "Attention: d_k")
        self.d_v = None if d_v is None else _positive_int(d_v, "Attention: d_v")
        if not isinstance(causal, bool):
            raise TypeError(f"Attention: causal must be True or False, got {causal!r}")
        self.causal = causal

    def __repr__(self) -> str:
        extra = ("" if self.d_v is None else f", d_v={self.d_v}") + (", causal=True" if self.causal else "")
        return f"Attention(d_k={self.d_k}{extra})"

    def place(self, net: Any, prev: Node, where: str) -> Node:
        if len(prev.shape) != 2:
            shape = " × ".join(map(str, prev.shape))
            raise ValueError(
                f"{self!r}: its input has shape {shape}; attention reads a sequence of T tokens of d features, "
                "inputs=(T, d)"
            )
        T, d = prev.shape
        d_v = d if self.d_v is None else self.d_v
        q = net.add_node(_Projection("Q", d, self.d_k), (prev,), (T, self.d_k))
        k = net.add_node(_Projection("K", d, self.d_k), (prev,), (T, self.d_k))
        v = net.add_node(_Projection("V", d, d_v), (prev,), (T, d_v))
        s = net.add_node(_Scores(self.d_k), (q, k), (T, T))
        p = net.add_node(_Weights(self.causal), (s,), (T, T))
        return net.add_node(_Mix(), (p, v), (T, d_v))


class _Projection(Layer):
    """Q, K or V: each token's d features times W (d × n)."""

    def __init__(self, which: str, d: int, n: int) -> None:
        self.which, self.d, self.n = which, d, n
        self.title = {"Q": "attention queries", "K": "attention keys", "V": "attention values"}[which]

    def __repr__(self) -> str:
        return f"Attention {self.title}"

    @property
    def tag(self) -> str:
        """How the diagram names the node."""
        return f"X W_{self.which}"

    def array_name(self, node: Node) -> str:
        return f"W_{self.which}{node.index}"

    def params(self, node, net):
        i, kind = node.index, f"w{self.which.lower()}"
        symbols = lambda: (  # noqa: E731
            NetSymbol(f"{kind}{i}_{c}_{j}") for c in range(1, self.d + 1) for j in range(1, self.n + 1)
        )
        return (Param(self.array_name(node), (self.d, self.n), symbols, "normal"),)

    def element(self, node, net, ins):
        W = _matrix_of(list(node.params[0].symbols), self.d)
        T = node.shape[0]
        return [
            [sp.Add(*(x[c] * W[c][j] for c in range(self.d))) for x in _matrix_of(row, T) for j in range(self.n)]
            for row in ins[0]
        ]

    def forward(self, node, net, ins, env):
        return TokenMatMul(ins[0], env[self.array_name(node)], node.shape[0])

    def backward(self, node, net, ins, out, G, env):
        T, W = node.shape[0], env[self.array_name(node)]
        return [TokenMatMul(G, Transpose(W), T)], {self.array_name(node): TokenGram(ins[0], G, T)}


class _Scores(Layer):
    """S = Q Kᵀ / √d_k: s_ij = Σ_c q_ic k_jc / √d_k."""

    title = "attention scores"
    arity = 2

    def __init__(self, d_k: int) -> None:
        self.d_k = d_k
        self.tag = f"Q K^T/sqrt({d_k})"

    def element(self, node, net, ins):
        T, scale = node.shape[0], sp.sqrt(self.d_k)
        out = []
        for qrow, krow in zip(*ins, strict=True):
            Q, K = _matrix_of(qrow, T), _matrix_of(krow, T)
            out.append([sp.Add(*(a * b for a, b in zip(qi, kj, strict=True))) / scale for qi in Q for kj in K])
        return out

    def forward(self, node, net, ins, env):
        return PairMatMulT(ins[0], ins[1], node.shape[0]) / sp.sqrt(self.d_k)

    def backward(self, node, net, ins, out, G, env):
        T, scale = node.shape[0], sp.sqrt(self.d_k)
        return [PairMatMul(G, ins[1], T) / scale, PairTMatMul(G, ins[0], T) / scale], {}


class _Weights(Layer):
    """P: the softmax of each row of S (each query token), over the keys j ≤ i when causal; the rest are 0."""

    title = "attention weights"

    def __init__(self, causal: bool) -> None:
        self.causal = causal
        self.tag = "softmax rows" + (" (causal)" if causal else "")

    def element(self, node, net, ins):
        T = node.shape[0]
        out = []
        for row in ins[0]:
            entries = []
            for i, si in enumerate(_matrix_of(row, T)):
                keep = i + 1 if self.causal else T
                entries += [*softmax.vector(si[:keep]), *[sp.S.Zero] * (T - keep)]
            out.append(entries)
        return out

    def forward(self, node, net, ins, env):
        return RowSoftmax(ins[0], node.shape[0], int(self.causal))

    def backward(self, node, net, ins, out, G, env):
        # each row's Jacobian diag(p) − p pᵀ applied to the row of G; a left-out entry has p = 0, so 0
        return [out * (G - TokenRowSum(G * out, node.shape[0]))], {}


class _Mix(Layer):
    """O = P V: each token's output is the P-weighted sum of the values."""

    title = "attention output"
    tag = "P V"
    arity = 2

    def element(self, node, net, ins):
        T = node.shape[0]
        out = []
        for prow, vrow in zip(*ins, strict=True):
            P, V = _matrix_of(prow, T), _matrix_of(vrow, T)
            out.append([sp.Add(*(P[i][l] * V[l][j] for l in range(T))) for i in range(T) for j in range(len(V[0]))])
        return out

    def forward(self, node, net, ins, env):
        return PairMatMul(ins[0], ins[1], node.shape[0])

    def backward(self, node, net, ins, out, G, env):
        T = node.shape[0]
        return [PairMatMulT(G, ins[1], T), PairTMatMul(ins[0], G, T)], {}

"""Normalisation layers: LayerNorm over the entries of a sample, BatchNorm over the samples of a batch."""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from symnn.model.arrays import BatchSum, RowSum
from symnn.model.layers import Layer, Param, Rows, positive_number
from symnn.model.notation import NetSymbol

__all__ = ["BatchNorm", "LayerNorm"]


class _Normalize(Layer):
    """Shared by LayerNorm and BatchNorm: u = (a − μ)/√(σ² + ε), output γ ⊙ u + β."""

    def __init__(self, eps: float = 1e-5) -> None:
        self.eps = positive_number(eps, f"{type(self).__name__}: eps")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(eps={self.eps})"

    def params(self, node, net):

        n, i = node.width, node.index
        return (
            Param(f"gamma{i}", (n,), lambda: (NetSymbol(f"gamma{i}_{j}") for j in range(1, n + 1)), "ones"),
            Param(f"beta{i}", (n,), lambda: (NetSymbol(f"beta{i}_{j}") for j in range(1, n + 1)), "zeros"),
        )

    @staticmethod
    def _normalize(values: Sequence[sp.Expr], eps: sp.Expr) -> list[sp.Expr]:
        n = len(values)
        mu = sp.Add(*values) / n
        var = sp.Add(*((v - mu) ** 2 for v in values)) / n
        return [(v - mu) / sp.sqrt(var + eps) for v in values]

    def _affine(self, node, net, rows: Rows) -> Rows:
        g, b = (p.symbols for p in node.params)
        return [[g[j] * u + b[j] for j, u in enumerate(row)] for row in rows]

    def _batch(self, A, env, reduce, count):
        mu = reduce(A) / count
        D = A - mu
        r = (reduce(D**2) / count + self.eps) ** sp.Rational(-1, 2)
        return D * r, r

    def forward(self, node, net, ins, env):
        U, _ = self._batch(ins[0], env, *self._axis(node, env))
        i = node.index
        return env[f"gamma{i}"] * U + env[f"beta{i}"]

    def backward(self, node, net, ins, out, G, env):
        reduce, count = self._axis(node, env)
        U, r = self._batch(ins[0], env, reduce, count)
        i = node.index
        GU = G * env[f"gamma{i}"]
        dA = r * (GU - reduce(GU) / count - U * reduce(GU * U) / count)
        return [dA], {f"gamma{i}": BatchSum(G * U), f"beta{i}": BatchSum(G)}


class LayerNorm(_Normalize):
    r"""Layer normalisation over the entries of each sample, with a learnt scale γ_j and shift β_j.

    :math:`\mu = \frac1n\sum_k a_k`, :math:`\sigma^2 = \frac1n\sum_k (a_k-\mu)^2`,
    :math:`h_j = \gamma_j (a_j-\mu)/\sqrt{\sigma^2+\varepsilon} + \beta_j`.
    """

    title = "layer normalisation"

    def width(self, n_in: int) -> int:
        if n_in < 2:
            raise ValueError("LayerNorm: needs at least 2 entries to normalise, got 1")
        return n_in

    def element(self, node, net, ins):
        return self._affine(node, net, [self._normalize(row, self.eps) for row in ins[0]])

    def _axis(self, node, env):
        return RowSum, node.width


class BatchNorm(_Normalize):
    r"""Batch normalisation in training mode: each unit normalised over the N samples of the batch.

    :math:`\mu_j = \frac1N\sum_n a_{nj}`, :math:`\sigma_j^2 = \frac1N\sum_n (a_{nj}-\mu_j)^2`,
    :math:`h_{nj} = \gamma_j (a_{nj}-\mu_j)/\sqrt{\sigma_j^2+\varepsilon} + \beta_j` (the textbook of seed 002's
    ``BatchNormalization``). It couples the samples, so the network's element view spans ``batch`` samples.
    The compiled model always uses the statistics of the batch it is given (no running averages).
    """

    title = "batch normalisation"
    couples_samples = True

    def element(self, node, net, ins):
        columns = [self._normalize(col, self.eps) for col in zip(*ins[0], strict=True)]
        return self._affine(node, net, [list(r) for r in zip(*columns, strict=True)])

    def _axis(self, node, env):
        return BatchSum, env.N

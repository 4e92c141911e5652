"""The catalogue's identities of activations and outputs: sigmoid, softplus, ReLU, softmax, cross-entropy."""

from __future__ import annotations

import sympy as sp

from symnn.check.identity import Identity, real
from symnn.model.functions import relu, sigmoid, softplus, step
from symnn.model.losses import binary_cross_entropy, cross_entropy
from symnn.model.notation import target
from symnn.model.softmax import softmax

__all__ = ["activations", "binary", "softmax_identities"]


def activations() -> list[Identity]:
    (z,) = real("z")
    (zn,) = real("z", nonzero=True)
    return [
        Identity(
            "sigmoid-derivative",
            "σ'(z) = σ(z)(1 − σ(z))",
            sp.Derivative(sigmoid(z), z),
            sigmoid(z) * (1 - sigmoid(z)),
            source="seed 003",
        ),
        Identity(
            "sigmoid-derivative-definition",
            "d/dz 1/(1 + e^{−z}) = σ(z)(1 − σ(z)): the same, from the definition",
            sp.Derivative(1 / (1 + sp.exp(-z)), z),
            sigmoid(z) * (1 - sigmoid(z)),
            source="seed 003",
        ),
        Identity("sigmoid-symmetry", "σ(−z) = 1 − σ(z)", sigmoid(-z), 1 - sigmoid(z)),
        Identity("tanh-sigmoid", "tanh z = 2σ(2z) − 1", sp.tanh(z), 2 * sigmoid(2 * z) - 1),
        Identity("softplus-derivative", "softplus'(z) = σ(z)", sp.Derivative(softplus(z), z), sigmoid(z)),
        Identity(
            "softplus-derivative-definition",
            "d/dz log(1 + e^z) = σ(z)",
            sp.Derivative(sp.log(1 + sp.exp(z)), z),
            sigmoid(z),
        ),
        Identity(
            "relu-derivative",
            "ReLU'(z) = u(z) for z ≠ 0",
            sp.Derivative(relu(zn), zn),
            step(zn),
            source="seed 002",
            note="z ≠ 0 (the symbol is nonzero); at 0 ReLU' is the setting relu(z, grad_at_zero)",
        ),
    ]


def softmax_identities() -> list[Identity]:
    z1, z2, z3, c = real("z1 z2 z3 c")
    t1, t2, t3 = (target(j) for j in (1, 2, 3))
    n = sp.Symbol("n", integer=True, positive=True)
    i, k = sp.symbols("i k", integer=True, positive=True)
    zi = sp.IndexedBase("z", real=True)

    def soft(shift: sp.Expr, index: sp.Expr) -> sp.Expr:
        return sp.exp(zi[index] + shift) / sp.Sum(sp.exp(zi[i] + shift), (i, 1, n))

    zs = (z1, z2, z3)
    y = [softmax(j, *zs) for j in (1, 2, 3)]
    ce = cross_entropy(y, [t1, t2, t3])
    return [
        Identity(
            "softmax-sum",
            "Σ_k softmax_k(z) = 1 (n = 3)",
            sp.Add(*y),
            sp.S.One,
            source="seed 002",
        ),
        Identity(
            "softmax-sum-n",
            "Σ_{k=1}^n e^{z_k} / Σ_{i=1}^n e^{z_i} = 1 for every n",
            sp.Sum(soft(0, k), (k, 1, n)),
            sp.S.One,
            source="seed 002",
        ),
        Identity(
            "softmax-shift-n",
            "softmax(z + c) = softmax(z) for every n (the overflow argument)",
            soft(c, k),
            soft(0, k),
            source="seed 002",
        ),
        Identity(
            "softmax-shift",
            "softmax_1(z + c) = softmax_1(z) (n = 3)",
            softmax(1, z1 + c, z2 + c, z3 + c),
            softmax(1, *zs),
            source="seed 002",
        ),
        Identity("softmax-two-class", "softmax_1(z1, z2) = σ(z1 − z2)", softmax(1, z1, z2), sigmoid(z1 - z2)),
        Identity(
            "cross-entropy-softmax-gradient",
            "∂C/∂z_i = y_i − t_i (i = 1, 2, 3) for C = −Σ t_k log softmax_k(z), Σt = 1",
            sp.Matrix([sp.Derivative(ce, zj) for zj in zs]),
            sp.Matrix([yj - tj for yj, tj in zip(y, (t1, t2, t3), strict=True)]),
            source="seed 004",
            note="given t3 = 1 − t1 − t2",
            given={t3: 1 - t1 - t2},
        ),
        Identity(
            "cross-entropy-softmax-gradient-general",
            "∂C/∂z_i = y_i (t_1 + t_2 + t_3) − t_i (i = 1, 2, 3) for C = −Σ t_k log softmax_k(z), any targets",
            sp.Matrix([sp.Derivative(ce, zj) for zj in zs]),
            sp.Matrix([yj * (t1 + t2 + t3) - tj for yj, tj in zip(y, (t1, t2, t3), strict=True)]),
            note="what compiled code computes: soft targets (label smoothing) need not sum to 1",
        ),
    ]


def binary() -> list[Identity]:
    (z,) = real("z")
    t = target(1)
    return [
        Identity("log-sigmoid", "log σ(z) = −softplus(−z)", sp.log(sigmoid(z)), -softplus(-z)),
        Identity("log-one-minus-sigmoid", "log(1 − σ(z)) = −softplus(z)", sp.log(1 - sigmoid(z)), -softplus(z)),
        Identity(
            "binary-cross-entropy-sigmoid-gradient",
            "d/dz [−t log σ(z) − (1 − t) log(1 − σ(z))] = σ(z) − t, any t",
            sp.Derivative(binary_cross_entropy([sigmoid(z)], [t]), z),
            sigmoid(z) - t,
            note="binary cross-entropy with a sigmoid output: δ = y − t",
        ),
    ]

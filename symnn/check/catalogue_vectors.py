"""The catalogue's identities of vectors and units: Cauchy–Schwarz, threshold and bias, the matrix form of a layer."""

from __future__ import annotations

import sympy as sp

from symnn.check.identity import Identity, real
from symnn.model.functions import step
from symnn.model.network import MLP
from symnn.model.notation import bias, input_symbol, threshold

__all__ = ["units", "vectors"]


def vectors() -> list[Identity]:
    a1, a2, a3, b1, b2, b3 = real("a1 a2 a3 b1 b2 b3")
    a, b = sp.Matrix([a1, a2]), sp.Matrix([b1, b2])
    a3v, b3v = sp.Matrix([a1, a2, a3]), sp.Matrix([b1, b2, b3])
    return [
        Identity(
            "cauchy-schwarz-squared",
            "⟨a, b⟩² ≤ ‖a‖²‖b‖² (n = 2)",
            a.dot(b) ** 2,
            a.dot(a) * b.dot(b),
            op="<=",
            source="seed 003",
        ),
        Identity(
            "cauchy-schwarz",
            "|⟨a, b⟩| ≤ ‖a‖‖b‖ (n = 3)",
            sp.Abs(a3v.dot(b3v)),
            a3v.norm() * b3v.norm(),
            op="<=",
            source="seed 003",
            note="numeric only: SymPy cannot show ‖a‖‖b‖ − |⟨a, b⟩| ≥ 0 under the square roots "
            "(it would need Lagrange's identity); the squared form is proved for n = 2",
        ),
    ]


def units() -> list[Identity]:
    w1, w2, w3 = real("w1 w2 w3")
    x1, x2, x3 = (input_symbol(j) for j in (1, 2, 3))
    theta, b = threshold(1, 1), bias(1, 1)
    wx = w1 * x1 + w2 * x2 + w3 * x3
    return [
        Identity(
            "threshold-bias",
            "u(w·x − θ) = u(w·x + b) with b = −θ",
            step(wx - theta),
            step(wx + b),
            source="seed 003",
            given={b: -theta},
        ),
        _matrix_form("column"),
        _matrix_form("row"),
    ]


def _matrix_form(convention: str) -> Identity:
    # Σ_k w_jk x_k + b_j written with Indexed symbols, then mapped onto symnn's named w^(1)_jk, b^(1)_j
    net = MLP([2, 3, 2], convention=convention)
    k = sp.Symbol("k", integer=True, positive=True)
    w, bb, xx = sp.IndexedBase("w"), sp.IndexedBase("b"), sp.IndexedBase("x")
    names = {w[r, s]: net.weight(1, r, s) for r in (1, 2, 3) for s in (1, 2)}
    names |= {bb[r]: net.bias(1, r) for r in (1, 2, 3)} | {xx[s]: input_symbol(s) for s in (1, 2)}
    sums = [sp.Sum(w[r, k] * xx[k], (k, 1, 2)).doit() + bb[r] for r in (1, 2, 3)]
    sums = [e.xreplace(names) for e in sums]
    x = sp.Matrix(net.inputs)
    if convention == "column":
        return Identity(
            "matrix-form-column",
            "W x + b = (Σ_k w_jk x_k + b_j)_j, column convention (2-3-2, layer 1)",
            net.weight_matrix(1) * x + net.bias_vector(1),
            sp.Matrix(sums),
            source="seed 000",
        )
    return Identity(
        "matrix-form-row",
        "X W + B = (Σ_k x_k w_jk + b_j)_j, row convention (2-3-2, layer 1)",
        x.T * net.weight_matrix(1) + net.bias_vector(1),
        sp.Matrix([sums]),
        source="seed 002",
    )

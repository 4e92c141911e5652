"""The catalogue's identities of calculus: the seeds' chain rules and sum rules, first-order approximation."""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from symnn.check.identity import Identity, real
from symnn.derive.chain import chain_rule

__all__ = ["approximation", "chain_rules", "sums"]


def _derived(f: sp.Expr, wrt: sp.Symbol, via: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """The result the derivation engine reaches, step by step (not SymPy's diff)."""
    (result,) = chain_rule(f, wrt, via=via).results.values()
    return result


def chain_rules() -> list[Identity]:
    x, y, a, b, p, q = real("x y a b p q")
    U, V = real("u v")
    u, v = (a * x + b * y), (p * x + q * y)
    return [
        Identity(
            "chain-rule-1",
            "y = u², u = 2 − x ⇒ dy/dx = −4 + 2x",
            sp.Derivative((2 - x) ** 2, x),
            -4 + 2 * x,
            source="seed 003",
        ),
        Identity(
            "derivative-example",
            "C = (2 − y)² ⇒ dC/dy = −4 + 2y",
            sp.Derivative((2 - y) ** 2, y),
            -4 + 2 * y,
            source="seed 003",
        ),
        Identity(
            "chain-rule-2",
            "C = u² + v², u = ax + by, v = px + qy ⇒ ∂C/∂x = 2a(ax + by) + 2p(px + qy)",
            sp.Derivative(u**2 + v**2, x),
            2 * a * u + 2 * p * v,
            source="seed 003",
        ),
        Identity(
            "chain-rule-1-derivation",
            "symnn's chain_rule(y = u², u = 2 − x) reaches the seed's dy/dx = −4 + 2x",
            _derived(U**2, x, {U: 2 - x}),
            -4 + 2 * x,
            source="seed 003",
        ),
        Identity(
            "chain-rule-2-derivation",
            "symnn's chain_rule(C = u² + v², ...) reaches the seed's ∂C/∂x = 2a(ax + by) + 2p(px + qy)",
            _derived(U**2 + V**2, x, {U: u, V: v}),
            2 * a * u + 2 * p * v,
            source="seed 003",
        ),
    ]


def sums() -> list[Identity]:
    n = sp.Symbol("n", integer=True, positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    A, B = sp.IndexedBase("a", real=True), sp.IndexedBase("b", real=True)
    (c,) = real("c")
    return [
        Identity(
            "sum-rule-I",
            "(I) Σ_{k=1}^n a_k = a_1 + ⋯ + a_n (n = 5)",
            sp.Sum(A[k], (k, 1, 5)),
            sp.Add(*(A[j] for j in range(1, 6))),
            source="seed 003",
        ),
        Identity(
            "sum-rule-II",
            "(II) Σ (a_k + b_k) = Σ a_k + Σ b_k for every n",
            sp.Sum(A[k] + B[k], (k, 1, n)),
            sp.Sum(A[k], (k, 1, n)) + sp.Sum(B[k], (k, 1, n)),
            source="seed 003",
        ),
        Identity(
            "sum-rule-III",
            "(III) Σ c a_k = c Σ a_k for every n",
            sp.Sum(c * A[k], (k, 1, n)),
            c * sp.Sum(A[k], (k, 1, n)),
            source="seed 003",
        ),
    ]


def approximation() -> list[Identity]:
    x, h, x1, x2, h1, h2, t, g1, g2 = real("x h x1 x2 h1 h2 t g1 g2")
    (eta,) = real("eta", positive=True)
    f = sp.Function("f")
    taylor1 = sp.series(f(x + h), h, 0, 2).removeO()
    # Δz = f(x + Δx) − f(x) to first order: the t-linear part of f(x + tΔx) at t = 1
    dz = (sp.series(f(x1 + t * h1, x2 + t * h2), t, 0, 2).removeO() - f(x1, x2)).subs(t, 1)
    grad = sp.Matrix([sp.Derivative(f(x1, x2), x1), sp.Derivative(f(x1, x2), x2)])
    dx = sp.Matrix([h1, h2])
    g = sp.Matrix([g1, g2])
    note = "f is any function; proved symbolically (an undefined f cannot be sampled)"
    return [
        Identity(
            "linear-approximation",
            "f(x + Δx) ≈ f(x) + f'(x)Δx: the first-order Taylor polynomial",
            taylor1,
            f(x) + sp.Derivative(f(x), x) * h,
            source="seed 003",
            note=note,
        ),
        Identity(
            "gradient-approximation",
            "Δz ≈ ⟨∇z, Δx⟩: the first-order part of f(x + Δx) − f(x), two variables",
            dz,
            (grad.T * dx)[0],
            source="seed 003",
            note=note,
        ),
        Identity(
            "descent-step",
            "Δx = −η∇z ⇒ ⟨∇z, Δx⟩ = −η‖∇z‖²",
            (grad.T * (-eta * grad))[0],
            -eta * (grad.T * grad)[0],
            source="seed 003",
            note=note,
        ),
        Identity(
            "descent-decreases",
            "−η‖∇z‖² ≤ 0 for η > 0 (∇z = (g1, g2) real)",
            -eta * (g.T * g)[0],
            sp.S.Zero,
            op="<=",
            source="seed 003",
        ),
    ]

"""The identity catalogue: the facts of the seed notes (and a few more) as statements ``verify`` can check."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

import sympy as sp

from symnn.check.verification import RELATIONS, Verdict, verify
from symnn.derive.chain import chain_rule
from symnn.model.functions import relu, sigmoid, softplus, step
from symnn.model.losses import binary_cross_entropy, cross_entropy
from symnn.model.network import MLP
from symnn.model.notation import bias, input_symbol, target, threshold
from symnn.model.softmax import softmax

log = logging.getLogger(__name__)

__all__ = ["Identity", "identities"]


@dataclass(frozen=True)
class Identity:
    """One entry of the catalogue: a named statement, where it comes from, and how to check it.

    Attributes
    ----------
    name : str
        A short identifier (``"sigmoid-derivative"``).
    title : str
        The statement in words and symbols, for tables.
    lhs, rhs : sympy.Basic
        The two sides (matrices allowed for ``==``).
    op : str
        ``"=="``, ``"<="``, ``">="``, ``"<"`` or ``">"``.
    source : str
        The seed note it comes from (``"seed 003"``), or ``""``.
    note : str
        Conditions, and why an entry is only checked numerically where SymPy cannot prove it.
    given : mapping
        Substitutions ``verify`` applies first (a condition such as Σt = 1).
    options : mapping
        Extra arguments to :func:`~symnn.verify` (a shorter ``timeout`` for entries SymPy cannot prove).
    """

    name: str
    title: str
    lhs: sp.Basic
    rhs: sp.Basic
    op: str = "=="
    source: str = ""
    note: str = ""
    given: Mapping[sp.Basic, sp.Basic] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def statement(self) -> sp.Basic:
        """The relation, unevaluated (``Eq`` of two matrices for a matrix identity)."""
        return RELATIONS[self.op](self.lhs, self.rhs, evaluate=False)

    def verify(self, **options: Any) -> Verdict:
        """Check this entry with :func:`~symnn.verify` (``options`` override the entry's own)."""
        relation = self.lhs if self.op == "==" else RELATIONS[self.op](self.lhs, self.rhs, evaluate=False)
        rhs = self.rhs if self.op == "==" else None
        return verify(relation, rhs, given=self.given or None, **{**self.options, **options})

    @cached_property
    def verdict(self) -> Verdict:
        """The verdict of :meth:`verify` with default options, computed once."""
        return self.verify()

    @property
    def status(self) -> str:
        """``"proved"``, ``"numeric"``, ``"refuted"`` or ``"unknown"`` (runs :meth:`verify` the first time)."""
        return self.verdict.status


def _real(names: str, **assumptions: Any) -> tuple[sp.Symbol, ...]:
    return sp.symbols(names, real=True, seq=True, **assumptions)


def _activations() -> list[Identity]:
    (z,) = _real("z")
    (zn,) = _real("z", nonzero=True)
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


def _softmax() -> list[Identity]:
    z1, z2, z3, c = _real("z1 z2 z3 c")
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


def _binary() -> list[Identity]:
    (z,) = _real("z")
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


def _derived(f: sp.Expr, wrt: sp.Symbol, via: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """The result the derivation engine reaches, step by step (not SymPy's diff)."""
    (result,) = chain_rule(f, wrt, via=via).results.values()
    return result


def _chain_and_sums() -> list[Identity]:
    x, y, a, b, p, q = _real("x y a b p q")
    U, V = _real("u v")
    n = sp.Symbol("n", integer=True, positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    A, B = sp.IndexedBase("a", real=True), sp.IndexedBase("b", real=True)
    (c,) = _real("c")
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


def _approximation() -> list[Identity]:
    x, h, x1, x2, h1, h2, t, g1, g2 = _real("x h x1 x2 h1 h2 t g1 g2")
    (eta,) = _real("eta", positive=True)
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


def _vectors() -> list[Identity]:
    a1, a2, a3, b1, b2, b3 = _real("a1 a2 a3 b1 b2 b3")
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


def _units() -> list[Identity]:
    w1, w2, w3 = _real("w1 w2 w3")
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


_FAMILIES: tuple[Callable[[], list[Identity]], ...] = (
    _activations,
    _softmax,
    _binary,
    _chain_and_sums,
    _approximation,
    _vectors,
    _units,
)


@cache
def _catalogue() -> tuple[Identity, ...]:
    entries = tuple(e for family in _FAMILIES for e in family())
    names = [e.name for e in entries]
    if len(set(names)) != len(names):  # checked once, at first use: names are keys
        raise RuntimeError(f"identity names must be unique: {names}")
    return entries


def identities() -> list[Identity]:
    """The catalogue: every entry with its name, statement, source seed and a way to verify it.

    ``entry.status`` runs :func:`~symnn.verify` on first use; ``entry.verify(timeout=...)`` with options.

    Examples
    --------
    >>> import symnn as sn
    >>> e = {e.name: e for e in sn.identities()}["sigmoid-derivative"]
    >>> e.source, e.status
    ('seed 003', 'proved')
    """
    return list(_catalogue())

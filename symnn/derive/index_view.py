"""Backpropagation in index notation, for symbolic widths n_0 … n_L: the derivation a textbook writes once.

Each layer's quantities are SymPy ``IndexedBase`` objects (``w^(l)[j, k]``, ``z^(l)[j]``, ``δ^(l)[j]``) and each sum is
a SymPy ``Sum`` over a named index up to the width n_l, a positive integer symbol. The steps are derived by the same
engine as the element view — ``sympy.diff`` of the indexed expressions, then ``doit`` (the Kronecker deltas that the
derivative of a sum leaves collapse the sum) — so the results are computed, not typed in:

    z^(l)_j = Σ_k w^(l)_jk a^(l−1)_k + b^(l)_j,   a^(l)_j = f_l(z^(l)_j)
    δ^(L)_j = ∂C/∂a^(L)_j f_L'(z^(L)_j)       (softmax: Σ_k ∂C/∂a_k a_k(δ_kj − a_j))
    δ^(l)_j = f_l'(z^(l)_j) Σ_k w^(l+1)_kj δ^(l+1)_k
    ∂C/∂w^(l)_jk = δ^(l)_j a^(l−1)_k,   ∂C/∂b^(l)_j = δ^(l)_j

:meth:`IndexDerivation.instantiate` substitutes concrete widths and indices and maps every indexed entry to the
element view's symbol (``w^(1)[2, 1]`` -> ``w1_2_1``); the tests compare the result with :func:`symnn.backprop`'s.
"""

from __future__ import annotations

from functools import cached_property

import sympy as sp

from symnn.derive.derivation import LOSS_SYMBOL, Partial, Step, said
from symnn.model.losses import LOSSES
from symnn.model.network import MLP
from symnn.model.notation import act, bias, delta, input_symbol, preact, target, weight
from symnn.model.registry import ACTIVATIONS

__all__ = ["IndexDerivation", "index_derivation", "width"]

C = LOSS_SYMBOL
#: the named indices: j a unit of the layer at hand, k one of the layer before (forward) or after (errors),
#: i the index a sum runs over inside a definition
j, k, i = sp.symbols("j k i", integer=True, positive=True)


def width(l: int) -> sp.Symbol:
    """n_l, the width of layer l, as a positive integer symbol."""
    return sp.Symbol(f"n_{l}", integer=True, positive=True)


def _base(name: str) -> sp.IndexedBase:
    return sp.IndexedBase(sp.Symbol(name, real=True))


def _in_range(expr: sp.Expr) -> sp.Expr:
    """Drop the conditions j ≤ n_l that ``doit`` leaves on a collapsed sum: a named index is always in range."""

    def in_range(e: sp.Basic) -> bool:
        if not isinstance(e, sp.Piecewise):
            return False
        cond = e.args[0].cond
        return all(s.is_integer and s.is_positive for s in cond.free_symbols)

    return expr.replace(in_range, lambda e: e.args[0].expr)


def _d(expr: sp.Expr, var: sp.Indexed) -> sp.Expr:
    """∂expr/∂var for an indexed ``var``, with the sums collapsed."""
    return _in_range(sp.diff(expr, var).doit())


class IndexDerivation:
    """Backpropagation for ``net`` in index notation, at symbolic widths; build it with :func:`index_derivation`.

    Attributes
    ----------
    network : MLP
        The network whose depth, activations and loss the derivation takes (its widths are not used).
    widths : tuple[sp.Symbol, ...]
        n_0 … n_L.
    x, w, b, z, a, delta, t : IndexedBase or dict[int, IndexedBase]
        The indexed quantities, by layer (``a[0]`` is the input x).
    """

    def __init__(self, net: MLP) -> None:
        self.network = net
        L = net.depth
        self.widths = tuple(width(l) for l in range(L + 1))
        self.t = _base("t")
        self.x = _base("x")
        self.w = {l: _base(f"w^{{({l})}}") for l in range(1, L + 1)}
        self.b = {l: _base(f"b^{{({l})}}") for l in range(1, L + 1)}
        self.z = {l: _base(f"z^{{({l})}}") for l in range(1, L + 1)}
        self.a = {0: self.x} | {l: _base(f"a^{{({l})}}") for l in range(1, L + 1)}
        self.delta = {l: _base(rf"\delta^{{({l})}}") for l in range(1, L + 1)}
        self._kinds = {self.t.label: ("t", None), self.x.label: ("x", 0)}
        for kind, table in (("w", self.w), ("b", self.b), ("z", self.z), ("a", self.a), ("delta", self.delta)):
            self._kinds |= {base.label: (kind, l) for l, base in table.items() if l > 0}

    # -- definitions ---------------------------------------------------------------------------------

    def weighted_input(self, l: int, unit: sp.Expr = j, over: sp.Symbol = i) -> sp.Expr:
        """z^(l)_unit = Σ_over w^(l)_unit,over a^(l−1)_over + b^(l)_unit."""
        n_prev = self.widths[l - 1]
        return sp.Sum(self.w[l][unit, over] * self.a[l - 1][over], (over, 1, n_prev)) + self.b[l][unit]

    def activation(self, l: int, unit: sp.Expr = j) -> sp.Expr:
        """a^(l)_unit = f_l(z^(l)_unit); softmax: exp(z_unit) / Σ_i exp(z_i)."""
        name = self.network.activations[l - 1]
        if name == "softmax":
            return sp.exp(self.z[l][unit]) / sp.Sum(sp.exp(self.z[l][i]), (i, 1, self.widths[l]))
        return ACTIVATIONS[name](self.z[l][unit], self.network)

    def loss(self) -> sp.Expr:
        """C = Σ_i ℓ(a^(L)_i, t_i) (the mean squared error divides by n_L)."""
        L, name = self.network.depth, self.network.loss_name
        y, t = self.a[L][i], self.t[i]
        term = LOSSES[name]([y], [t])
        return sp.Sum(term, (i, 1, self.widths[L])) / (self.widths[L] if name == "mse" else 1)

    def fprime(self, l: int) -> sp.Expr:
        """f_l'(z^(l)_j) for an elementwise activation, by ``sympy.diff``."""
        zj = self.z[l][j]
        return sp.diff(self.activation(l), zj)

    # -- the derivation ------------------------------------------------------------------------------

    @cached_property
    def forward(self) -> list[tuple[sp.Basic, sp.Expr]]:
        """z^(l)_j and a^(l)_j for l = 1..L, in index notation."""
        out: list[tuple[sp.Basic, sp.Expr]] = []
        for l in range(1, self.network.depth + 1):
            terms = sp.Mul(self.w[l][j, k], self.a[l - 1][k], evaluate=False)
            z = sp.Add(sp.Sum(terms, (k, 1, self.widths[l - 1])), self.b[l][j], evaluate=False)  # Σ w a + b
            out += [(self.z[l][j], z), (self.a[l][j], self.activation(l))]
        return out

    @cached_property
    def output_error(self) -> list[Step]:
        """δ^(L)_j: defined, taken through the activation, differentiated (and simplified where it cancels)."""
        net = self.network
        L = net.depth
        d, zj, aj = self.delta[L][j], self.z[L][j], self.a[L][j]
        steps = [Step(d, Partial(C, zj), "definition", said("index output error defined", L=L))]
        if net.activations[-1] == "softmax":
            return steps + self._softmax_output(d)
        dC_da = _d(self.loss(), aj)
        fp = self.fprime(L)
        steps.append(
            Step(
                d,
                sp.Mul(Partial(C, aj), Partial(aj, zj), evaluate=False),
                "chain rule",
                said("index output chain", L=L),
            )
        )
        value = sp.Mul(dC_da, fp, evaluate=False) if fp != 1 else dC_da
        steps.append(Step(d, value, "activation derivative", said("index output derivative", L=L)))
        if net.activations[-1] == "sigmoid" and net.loss_name == "binary-cross-entropy":
            # σ(z_j) = a_j: σ' = a_j(1 − a_j) cancels the loss's denominator
            simple = sp.factor(sp.together((dC_da * fp).subs(self.activation(L), aj)))
            steps.append(Step(d, simple, "simplification", said("bce sigmoid cancels")))
        return steps

    def _softmax_output(self, d: sp.Indexed) -> list[Step]:
        L = self.network.depth
        n, z, a = self.widths[L], self.z[L], self.a[L]
        total = sp.Sum(sp.exp(z[i]), (i, 1, n))
        # ∂a_k/∂z_j, with exp(z_m) written back as a_m Σ_i exp(z_i)
        jac = _d(self.activation(L, k), z[j]).subs({sp.exp(z[j]): a[j] * total, sp.exp(z[k]): a[k] * total})
        jac = sp.factor(sp.expand(jac))
        dC_da = _d(self.loss(), a[k])
        chain = sp.Sum(sp.Mul(Partial(C, a[k]), Partial(a[k], z[j]), evaluate=False), (k, 1, n))
        steps = [
            Step(d, chain, "chain rule", said("softmax couples outputs", L=L, j="j")),
            Step(
                d,
                sp.Sum(sp.Mul(dC_da, jac, evaluate=False), (k, 1, n)),
                "activation derivative",
                said("softmax derivative"),
            ),
        ]
        value = _in_range(sp.Sum(sp.expand(dC_da * jac), (k, 1, n)).doit())
        # a factor free of k out of each sum: a_j Σ_k t_k, not Σ_k a_j t_k
        value = value.replace(lambda e: isinstance(e, sp.Sum), sp.factor_terms)
        steps.append(Step(d, value, "simplification", said("index softmax sum")))
        if self.network.loss_name == "cross-entropy":
            steps.append(Step(d, a[j] - self.t[j], "substitution", said("targets sum to one")))
        return steps

    @cached_property
    def hidden_errors(self) -> dict[int, list[Step]]:
        """δ^(l)_j for l = L−1 … 1: through every unit k of layer l+1, then the derivatives substituted."""
        out: dict[int, list[Step]] = {}
        for l in range(self.network.depth - 1, 0, -1):
            d, zj, aj = self.delta[l][j], self.z[l][j], self.a[l][j]
            zk = self.z[l + 1][k]
            n_next = self.widths[l + 1]
            chain = sp.Mul(Partial(C, zk), Partial(zk, aj), Partial(aj, zj), evaluate=False)
            dz_da = _d(self.weighted_input(l + 1, k, i), aj)  # w^(l+1)_kj
            value = sp.Mul(self.fprime(l), sp.Sum(dz_da * self.delta[l + 1][k], (k, 1, n_next)), evaluate=False)
            out[l] = [
                Step(d, sp.Sum(chain, (k, 1, n_next)), "chain rule", said("index errors flow back", l=l, next=l + 1)),
                Step(d, value, "substitution", self._substituted_note(l)),
            ]
        return out

    def _substituted_note(self, l: int):
        """The substitution's note; under ReLU, whose derivative prints as the unit step u_c, what u_c is."""
        if self.network.activations[l - 1] == "relu":
            at_zero = sp.sstr(self.network.relu_grad_at_zero)
            return said("index errors substituted through relu", l=l, next=l + 1, at_zero=at_zero)
        return said("index errors substituted", l=l, next=l + 1)

    @cached_property
    def gradients(self) -> dict[int, list[Step]]:
        """∂C/∂w^(l)_jk and ∂C/∂b^(l)_j for l = 1..L: through every z^(l)_i, then collapsed to one term."""
        out: dict[int, list[Step]] = {}
        for l in range(1, self.network.depth + 1):
            n = self.widths[l]
            steps: list[Step] = []
            for theta in (self.w[l][j, k], self.b[l][j]):
                zi = self.z[l][i]
                chain = sp.Sum(sp.Mul(Partial(C, zi), Partial(zi, theta), evaluate=False), (i, 1, n))
                dz = _d(self.weighted_input(l, i, sp.Symbol("m", integer=True, positive=True)), theta)
                value = _in_range(sp.Sum(self.delta[l][i] * dz, (i, 1, n)).doit())
                is_weight = theta.base is self.w[l]
                key = "index weight gradient" if is_weight else "index bias gradient"
                fields = {"prev": l - 1} if is_weight else {}
                steps += [
                    Step(Partial(C, theta), chain, "chain rule", said(key, l=l)),
                    Step(Partial(C, theta), value, "substitution", said(key + " substituted", l=l, **fields)),
                ]
            out[l] = steps
        return out

    @cached_property
    def results(self) -> dict[sp.Basic, sp.Expr]:
        """Each derived quantity -> its final form: δ^(L)_j (the general form, for any targets), δ^(l)_j, ∂C/∂w^(l)_jk,
        ∂C/∂b^(l)_j."""
        general = [s for s in self.output_error if s.rule != "substitution"]  # Σ t = 1 is an assumption
        out = {general[-1].lhs: general[-1].rhs}
        for steps in [*self.hidden_errors.values(), *self.gradients.values()]:
            out |= {s.lhs: s.rhs for s in steps}  # the last step of each left side wins
        return out

    # -- instances -----------------------------------------------------------------------------------

    def instantiate(self, expr: sp.Basic, sizes: tuple[int, ...] | list[int], **indices: int) -> sp.Basic:
        """``expr`` at concrete widths ``sizes`` (n_0 … n_L) and indices (``j=2, k=1``): sums written out, and every
        indexed entry the element view's symbol (``w^(1)[2, 1]`` -> ``w1_2_1``, ``a^(0)`` -> ``x``).

        Raises
        ------
        ValueError
            If ``sizes`` does not give one width per layer.
        """
        if len(sizes) != len(self.widths):
            raise ValueError(f"instantiate takes {len(self.widths)} widths (n_0 … n_L), got {len(sizes)}")
        named = {"j": j, "k": k, "i": i}
        values = {n: s for n, s in zip(self.widths, sizes, strict=True)} | {
            named[name]: v for name, v in indices.items()
        }
        return self._element(sp.sympify(expr).subs(values).doit())

    def _element(self, expr: sp.Basic) -> sp.Basic:
        def symbol(e: sp.Indexed) -> sp.Basic:
            kind, l = self._kinds[e.base.label]
            idx = [int(v) for v in e.indices]
            if kind == "x":
                return input_symbol(idx[0])
            if kind == "t":
                return target(idx[0])
            make = {"w": weight, "b": bias, "z": preact, "a": act, "delta": delta}[kind]
            return make(l, *idx)

        return expr.replace(lambda e: isinstance(e, sp.Indexed), symbol)


def index_derivation(net: MLP) -> IndexDerivation:
    """The backprop derivation of ``net``'s depth, activations and loss in index notation, for any widths."""
    if not isinstance(net, MLP):
        raise TypeError(f"index_derivation takes an MLP, got {type(net).__name__}")
    return IndexDerivation(net)

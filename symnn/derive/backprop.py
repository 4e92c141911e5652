"""Backpropagation on an MLP, step by step: the errors δ^(l)_j = ∂C/∂z^(l)_j and every ∂C/∂θ.

The four equations, element view (f_l is layer l's activation, L the output layer):

    δ^(L)_j = ∂C/∂a^(L)_j · f_L'(z^(L)_j)            (softmax with cross-entropy: δ^(L)_j = a^(L)_j − t_j)
    δ^(l)_j = (Σ_k w^(l+1)_kj δ^(l+1)_k) · f_l'(z^(l)_j)
    ∂C/∂w^(l)_jk = δ^(l)_j a^(l−1)_k,    ∂C/∂b^(l)_j = δ^(l)_j

Each δ is built once as an explicit expression and shared by every gradient that uses it, so
the gradients are a DAG that ``sympy.cse`` collapses to a few times the loss's own cost
(reverse mode), where ``sympy.diff`` of the explicit loss re-expands every path.
"""

from __future__ import annotations

from functools import cached_property

import sympy as sp

from symnn.derive.backprop_matrix import matrix_steps, target_matrix
from symnn.derive.derivation import LOSS_SYMBOL, Derivation, Partial, Step, notes
from symnn.derive.sweep import GraphDerivation, derive_network
from symnn.model.graph import Network
from symnn.model.network import MLP
from symnn.model.notation import NetMatrix, act, bias, delta, preact, weight
from symnn.model.registry import ACTIVATIONS

__all__ = ["NetworkDerivation", "backprop"]

C = LOSS_SYMBOL


def _mul(*factors: sp.Expr) -> sp.Expr:
    """A product kept as written (for the steps a reader follows), not multiplied out."""
    return sp.Mul(*factors, evaluate=False)


def _add(*terms: sp.Expr) -> sp.Expr:
    return sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]


class NetworkDerivation(Derivation):
    """The backprop derivation of an :class:`~symnn.MLP`; build it with :func:`backprop`.

    The matrix-view steps are built at once; the element view (``steps``, ``gradients``,
    ``deltas``, ``results``) on first use, since a wide network has one gradient per weight.

    Attributes
    ----------
    gradients : dict
        Every parameter (in the order of ``net.params``) -> ∂C/∂θ as an explicit expression of
        the inputs, targets and parameters.
    local_gradients : dict
        Every parameter -> ∂C/∂θ in the symbols δ^(l)_j and a^(l−1)_k (x_k for l = 1).
    deltas : dict
        δ^(l)_j symbol -> its explicit expression.
    """

    def __init__(self, net: MLP) -> None:
        softmax_ce = net.activations[-1] == "softmax" and net.loss_name == "cross-entropy"
        constraint, assumptions = {}, ()
        if softmax_ce:
            # δ = y − t needs Σ_k t_k = 1 (one-hot or probability targets).
            t = net.targets
            constraint = {t[-1]: 1 - sp.Add(*t[:-1])}
            assumptions = ("sum of targets = 1",)
        super().__init__(
            [], {}, {}, network=net, constraint=constraint, assumptions=assumptions, matrix_steps=matrix_steps(net)
        )
        self._softmax_ce = softmax_ce  # the element view is built on first use: see _built

    # -- the element view, built once on first use ---------------------------------------------

    @cached_property
    def _built(self) -> tuple[list[Step], dict, dict, dict]:
        net = self.network
        L, n = net.depth, net.sizes
        fprime = {l: _fprime(net, l) for l in range(1, L + 1) if net.activations[l - 1] != "softmax"}
        steps: list[Step] = _definition_steps(net)
        deltas: dict[sp.Symbol, sp.Expr] = {}

        # Output layer.
        a_L = [act(L, k) for k in range(1, n[L] + 1)]
        dC_da = [sp.diff(net.loss_of(a_L), a) for a in a_L]
        explicit_a = dict(zip(a_L, net.a_exprs[L - 1], strict=True))
        for j in range(1, n[L] + 1):
            d, z, a = delta(L, j), preact(L, j), act(L, j)
            steps.append(
                Step(
                    d,
                    Partial(C, z),
                    "definition",
                    notes(
                        f"The error of unit {j} of the output layer {L}: "
                        "the rate of change of C in its weighted input.",
                        f"出力層（第{L}層）のユニット{j}の誤差を、損失 C の重み付き入力による偏微分と定義する。",
                    ),
                )
            )
            if net.activations[-1] == "softmax":
                steps += self._softmax_output_steps(j, a_L, dC_da)
                if self._softmax_ce:
                    value = a - net.targets[j - 1]
                else:
                    value = sp.Add(
                        *(
                            g * ak * ((1 if k == j else 0) - a)
                            for k, (g, ak) in enumerate(zip(dC_da, a_L, strict=True), 1)
                        )
                    )
            else:
                value = dC_da[j - 1] * fprime[L](z)
                steps.append(
                    Step(
                        d,
                        _mul(Partial(C, a), Partial(a, z)),
                        "chain rule",
                        notes(
                            f"C depends on z^({L})_{j} only through a^({L})_{j} = f(z^({L})_{j}).",
                            f"C は a^({L})_{j} = f(z^({L})_{j}) を通してのみ z^({L})_{j} に依存する。",
                        ),
                    )
                )
                steps.append(
                    Step(
                        d,
                        _mul(dC_da[j - 1], fprime[L](z)),
                        "activation derivative",
                        notes(
                            f"Differentiate the loss ({net.loss_name}) in a^({L})_{j} and the activation "
                            f"({net.activations[-1]}) in z^({L})_{j}.",
                            f"損失関数（{net.loss_name}）を a^({L})_{j} で、活性化関数（{net.activations[-1]}）を "
                            f"z^({L})_{j} で微分する。",
                        ),
                    )
                )
            deltas[d] = value.xreplace(self._explicit(L, explicit_a))

        # Hidden layers, from the output back.
        for l in range(L - 1, 0, -1):
            for j in range(1, n[l] + 1):
                d, z, a = delta(l, j), preact(l, j), act(l, j)
                ks = range(1, n[l + 1] + 1)
                steps.append(
                    Step(
                        d,
                        _add(
                            *(
                                _mul(Partial(C, preact(l + 1, k)), Partial(preact(l + 1, k), a), Partial(a, z))
                                for k in ks
                            )
                        ),
                        "chain rule",
                        notes(
                            f"C depends on z^({l})_{j} through a^({l})_{j}, which feeds every unit k of layer {l + 1}.",
                            f"C は a^({l})_{j} を通して z^({l})_{j} に依存し、a^({l})_{j} は第{l + 1}層のすべての"
                            "ユニット k に入力される。",
                        ),
                    )
                )
                back = sp.Add(*(weight(l + 1, k, j) * delta(l + 1, k) for k in ks))
                steps.append(
                    Step(
                        d,
                        _mul(back, fprime[l](z)),
                        "substitution",
                        notes(
                            f"∂z^({l + 1})_k/∂a^({l})_{j} = w^({l + 1})_k{j} and ∂C/∂z^({l + 1})_k = δ^({l + 1})_k: "
                            "the errors of the next layer flow back through the weights.",
                            f"∂z^({l + 1})_k/∂a^({l})_{j} = w^({l + 1})_k{j}、∂C/∂z^({l + 1})_k = δ^({l + 1})_k より、"
                            "次の層の誤差が重みを通って逆向きに伝わる（誤差逆伝播）。",
                        ),
                    )
                )
                explicit_back = sp.Add(*(weight(l + 1, k, j) * deltas[delta(l + 1, k)] for k in ks))
                deltas[d] = explicit_back * fprime[l](net.z_exprs[l - 1][j - 1])

        # Gradients of the parameters.
        local: dict[sp.Symbol, sp.Expr] = {}
        gradients: dict[sp.Symbol, sp.Expr] = {}
        for l in range(1, L + 1):
            prev_sym = net.inputs if l == 1 else tuple(act(l - 1, k) for k in range(1, n[l - 1] + 1))
            prev_expr = net.inputs if l == 1 else net.a_exprs[l - 2]
            for j in range(1, n[l] + 1):
                d, z = delta(l, j), preact(l, j)
                for k in range(1, n[l - 1] + 1):
                    w = weight(l, j, k)
                    local[w] = d * prev_sym[k - 1]
                    gradients[w] = deltas[d] * prev_expr[k - 1]
                    steps.append(Step(Partial(C, w), _mul(Partial(C, z), Partial(z, w)), "chain rule", _GRAD_NOTE_W))
                    steps.append(Step(Partial(C, w), local[w], "substitution", _SUBST_NOTE_W))
                b = bias(l, j)
                local[b] = d
                gradients[b] = deltas[d]
                steps.append(Step(Partial(C, b), _mul(Partial(C, z), Partial(z, b)), "chain rule", _GRAD_NOTE_B))
                steps.append(Step(Partial(C, b), d, "substitution", _SUBST_NOTE_B))
        ordered = {p: gradients[p] for p in net.params}
        return steps, ordered, {p: local[p] for p in net.params}, deltas

    def _explicit(self, L: int, explicit_a: dict) -> dict:
        net = self.network
        return {**explicit_a, **{preact(L, j): net.z_exprs[L - 1][j - 1] for j in range(1, net.sizes[L] + 1)}}

    def _softmax_output_steps(self, j: int, a_L: list[sp.Symbol], dC_da: list[sp.Expr]) -> list[Step]:
        net = self.network
        L = net.depth
        z, a = preact(L, j), act(L, j)
        d = delta(L, j)
        ks = range(1, len(a_L) + 1)
        out = [
            Step(
                d,
                _add(*(_mul(Partial(C, a_L[k - 1]), Partial(a_L[k - 1], z)) for k in ks)),
                "chain rule",
                notes(
                    f"softmax makes every output a^({L})_k depend on z^({L})_{j}.",
                    f"ソフトマックス関数では、すべての出力 a^({L})_k が z^({L})_{j} に依存する。",
                ),
            ),
            Step(
                d,
                _add(*(_mul(dC_da[k - 1], a_L[k - 1] * ((1 if k == j else 0) - a)) for k in ks)),
                "activation derivative",
                notes(
                    "∂a_k/∂z_j = a_k(δ_kj − a_j) for softmax (δ_kj: 1 when k = j, else 0).",
                    "ソフトマックス関数の微分 ∂a_k/∂z_j = a_k(δ_kj − a_j)（δ_kj は k = j のとき 1、それ以外 0）。",
                ),
            ),
        ]
        if self._softmax_ce:
            t = net.targets
            out.append(
                Step(
                    d,
                    a * sp.Add(*t) - t[j - 1],
                    "simplification",
                    notes(
                        "The a_k cancel: −t_k/a_k · a_k = −t_k.",
                        "a_k が約分されて −t_k/a_k · a_k = −t_k となる。",
                    ),
                )
            )
            out.append(
                Step(
                    d,
                    a - t[j - 1],
                    "substitution",
                    notes(
                        "The targets sum to 1 (one-hot or probabilities), so δ = y − t.",
                        "教師データの総和は 1（one-hot または確率）なので、δ = y − t となる。",
                    ),
                )
            )
        return out

    @property
    def steps(self) -> list[Step]:
        return self._built[0]

    @property
    def gradients(self) -> dict[sp.Symbol, sp.Expr]:
        """Every parameter -> ∂C/∂θ, explicit; see the class docstring."""
        return self._built[1]

    @property
    def local_gradients(self) -> dict[sp.Symbol, sp.Expr]:
        return self._built[2]

    @property
    def deltas(self) -> dict[sp.Symbol, sp.Expr]:
        return self._built[3]

    @property
    def results(self) -> dict[sp.Basic, sp.Expr]:
        return {Partial(C, p): g for p, g in self.gradients.items()}

    @property
    def oracle(self) -> dict[sp.Basic, tuple[sp.Expr, sp.Symbol]]:
        loss = self.network.loss_expr
        return {Partial(C, p): (loss, p) for p in self.network.params}

    def matrix_gradients(self) -> dict[sp.Symbol, sp.Expr]:
        """The matrix-view equations evaluated with this network's explicit matrices, entry by entry.

        Returns every parameter -> its gradient as the matrix view computes it; equal to
        :attr:`gradients` (an independent route through W^T, ⊙ and outer products).
        """
        net = self.network
        view = net.matrix_view
        column = net.convention == "column"
        values: dict[sp.Basic, sp.Matrix] = dict(view.explicit_values)
        for l in range(1, net.depth + 1):
            z, a = sp.Matrix(net.z_exprs[l - 1]), sp.Matrix(net.a_exprs[l - 1])
            values[view.z[l]], values[view.a[l]] = (z, a) if column else (z.T, a.T)
        t = sp.Matrix(net.targets)
        values[target_matrix(net)] = t if column else t.T
        out: dict[sp.Symbol, sp.Expr] = {}
        for step in self.matrix_steps:
            value = sp.Matrix(step.rhs.xreplace(values).doit())
            if isinstance(step.lhs, NetMatrix):  # a δ^(l)
                values[step.lhs] = value
                continue
            target = step.lhs.variables[0]  # Partial(C, W^(l)) or Partial(C, b^(l))
            layer = int(target.name[1:])
            symbols = net.weight_matrix(layer) if target.name[0] == "W" else net.bias_vector(layer)
            out.update(zip(symbols, value, strict=True))
        return {p: out[p] for p in net.params}


_GRAD_NOTE_W = notes(
    "w^(l)_jk enters C only through the weighted input z^(l)_j.",
    "w^(l)_jk は重み付き入力 z^(l)_j を通してのみ C に影響する。",
)
_SUBST_NOTE_W = notes(
    "∂C/∂z^(l)_j = δ^(l)_j and ∂z^(l)_j/∂w^(l)_jk = a^(l−1)_k.",
    "∂C/∂z^(l)_j = δ^(l)_j、∂z^(l)_j/∂w^(l)_jk = a^(l−1)_k を代入する。",
)
_GRAD_NOTE_B = notes(
    "b^(l)_j enters C only through z^(l)_j.",
    "b^(l)_j は z^(l)_j を通してのみ C に影響する。",
)
_SUBST_NOTE_B = notes(
    "∂z^(l)_j/∂b^(l)_j = 1, so the gradient of a bias is the unit's error.",
    "∂z^(l)_j/∂b^(l)_j = 1 なので、バイアスの勾配はそのユニットの誤差そのものになる。",
)


def _fprime(net: MLP, l: int):
    """Layer l's activation derivative f_l' as a function of one expression."""
    d = sp.Dummy("d", real=True)
    derivative = sp.diff(ACTIVATIONS[net.activations[l - 1]](d, net), d)
    return lambda z: derivative.xreplace({d: z})


def _definition_steps(net: MLP) -> list[Step]:
    steps = []
    for l in range(1, net.depth + 1):
        zs = [preact(l, j) for j in range(1, net.sizes[l] + 1)]
        for j, z in enumerate(zs, 1):
            steps.append(
                Step(
                    z,
                    net.z_local[l - 1][j - 1],
                    "definition",
                    notes(
                        f"The weighted input of unit {j} in layer {l}.",
                        f"第{l}層のユニット{j}の重み付き入力。",
                    ),
                )
            )
        for j, a in enumerate(net.activate(l, zs), 1):
            steps.append(
                Step(
                    act(l, j),
                    a,
                    "definition",
                    notes(
                        f"Its output through the activation ({net.activations[l - 1]}).",
                        f"活性化関数（{net.activations[l - 1]}）を通した出力。",
                    ),
                )
            )
    outputs = [act(net.depth, k) for k in range(1, net.sizes[-1] + 1)]
    steps.append(
        Step(
            C,
            net.loss_of(outputs),
            "definition",
            notes(
                f"The loss for one sample ({net.loss_name}); the outputs are y_k = a^({net.depth})_k.",
                f"1 サンプルの損失関数（{net.loss_name}）。出力は y_k = a^({net.depth})_k。",
            ),
        )
    )
    return steps


def backprop(net: MLP | Network) -> NetworkDerivation | GraphDerivation:
    """Derive every ∂C/∂θ of ``net`` by backpropagation, step by step.

    Parameters
    ----------
    net : MLP or Network
        Any architecture, activation, loss and convention; a :class:`~symnn.Network` of any layers.

    Returns
    -------
    NetworkDerivation or GraphDerivation
        ``steps`` (element view), ``matrix_steps`` (the four equations with matrices; for a Network, the batch
        rules of its one reverse sweep), ``gradients`` (explicit, sharing the δ's), ``deltas``, ``check()``.

    Examples
    --------
    >>> import symnn as sn
    >>> net = sn.MLP([2, 3, 2])
    >>> d = sn.backprop(net)
    >>> d.local_gradients[net.weight(1, 2, 1)]
    delta1_2*x1
    >>> bool(d.check())
    True
    """
    if isinstance(net, Network):
        return derive_network(net)
    if not isinstance(net, MLP):
        raise TypeError(f"backprop takes an MLP or a Network, got {type(net).__name__}")
    return NetworkDerivation(net)

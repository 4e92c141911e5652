"""Backpropagation on an MLP, step by step: the errors δ^(l)_j = ∂C/∂z^(l)_j and every ∂C/∂θ.

The four equations, element view (f_l is layer l's activation, L the output layer):

    δ^(L)_j = ∂C/∂a^(L)_j · f_L'(z^(L)_j)            (softmax with cross-entropy: δ^(L)_j = a^(L)_j Σ_k t_k − t_j,
                                                      a^(L)_j − t_j for targets summing to 1; sigmoid with
                                                      binary cross-entropy: δ^(L)_j = a^(L)_j − t_j)
    δ^(l)_j = (Σ_k w^(l+1)_kj δ^(l+1)_k) · f_l'(z^(l)_j)
    ∂C/∂w^(l)_jk = δ^(l)_j a^(l−1)_k,    ∂C/∂b^(l)_j = δ^(l)_j

The values (every δ and gradient) come from the one reverse sweep over the MLP's layers (:mod:`symnn.derive.sweep`,
on :attr:`~symnn.MLP.graph`); this module writes the textbook's steps for them. Each δ is built once as an
explicit expression and shared by every gradient that uses it, so
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
        # No assumption on the targets: softmax with cross-entropy gives δ^(L) = a Σ_k t_k − t, exact for
        # any targets (soft ones, label smoothing); the steps then show y − t for targets summing to 1.
        super().__init__([], {}, {}, network=net, matrix_steps=matrix_steps(net))
        self._softmax_ce = net.activations[-1] == "softmax" and net.loss_name == "cross-entropy"
        self._sigmoid_bce = net.activations[-1] == "sigmoid" and net.loss_name == "binary-cross-entropy"

    # -- the element view, built once on first use ---------------------------------------------

    @cached_property
    def _built(self) -> tuple[list[Step], dict, dict, dict]:
        net = self.network
        L, n = net.depth, net.sizes
        fprime = {l: _fprime(net, l) for l in range(1, L + 1) if net.activations[l - 1] != "softmax"}
        # the maths comes from the one reverse sweep over the MLP's layers; this builds the textbook's steps
        core = GraphDerivation(net.graph)
        steps: list[Step] = _definition_steps(net)

        # Output layer.
        a_L = [act(L, k) for k in range(1, n[L] + 1)]
        dC_da = [sp.diff(net.loss_of(a_L), a) for a in a_L]
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
            else:
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
                if self._sigmoid_bce:
                    steps += self._sigmoid_bce_steps(j, fprime[L])

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

        # Gradients of the parameters.
        local = core.local_gradients
        for l in range(1, L + 1):
            for j in range(1, n[l] + 1):
                z = preact(l, j)
                for k in range(1, n[l - 1] + 1):
                    w = weight(l, j, k)
                    steps.append(Step(Partial(C, w), _mul(Partial(C, z), Partial(z, w)), "chain rule", _GRAD_NOTE_W))
                    steps.append(Step(Partial(C, w), local[w], "substitution", _SUBST_NOTE_W))
                b = bias(l, j)
                steps.append(Step(Partial(C, b), _mul(Partial(C, z), Partial(z, b)), "chain rule", _GRAD_NOTE_B))
                steps.append(Step(Partial(C, b), local[b], "substitution", _SUBST_NOTE_B))
        gradients = {p: core.gradients[p] for p in net.params}
        deltas = {d: e for d, e in core.deltas.items() if d.kind == "delta"}
        return steps, gradients, {p: local[p] for p in net.params}, deltas

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
                        "The a_k cancel: −t_k/a_k · a_k = −t_k, so δ_j = a_j Σ_k t_k − t_j, for any targets.",
                        "a_k が約分されて −t_k/a_k · a_k = −t_k となり、どんな教師データでも "
                        "δ_j = a_j Σ_k t_k − t_j となる。",
                    ),
                )
            )
            out.append(
                Step(
                    d,
                    a - t[j - 1],
                    "substitution",
                    notes(
                        "Assuming the targets sum to 1 (one-hot or probabilities), δ = y − t; "
                        "other targets (label smoothing) keep the general form, as the compiled code does.",
                        "教師データの総和が 1（one-hot または確率）と仮定すると δ = y − t となる。"
                        "総和が 1 でない教師データ（ラベル平滑化など）では一般形のまま"
                        "（コンパイルしたコードも一般形を使う）。",
                    ),
                )
            )
        return out

    def _sigmoid_bce_steps(self, j: int, fprime) -> list[Step]:
        """δ^(L)_j = y_j − t_j for a sigmoid output with binary cross-entropy, as two simplification steps."""
        L = self.network.depth
        d, z, a, t = delta(L, j), preact(L, j), act(L, j), self.network.targets[j - 1]
        return [
            Step(
                d,
                _mul(fprime(z), (a - t) / (a * (1 - a))),
                "simplification",
                notes(
                    "Over a common denominator, −t_j/a_j + (1−t_j)/(1−a_j) = (a_j−t_j)/(a_j(1−a_j)).",
                    "通分すると −t_j/a_j + (1−t_j)/(1−a_j) = (a_j−t_j)/(a_j(1−a_j)) となる。",
                ),
            ),
            Step(
                d,
                a - t,
                "simplification",
                notes(
                    "σ(z_j) = a_j, so σ' = a_j(1−a_j) cancels the denominator: sigmoid with binary cross-entropy "
                    "gives δ = y − t, for any targets.",
                    "σ(z_j) = a_j より σ' = a_j(1−a_j) が分母と約分され、シグモイド関数と二値交差エントロピーの組では"
                    "どんな教師データでも δ = y − t となる。",
                ),
            ),
        ]

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

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

from dataclasses import replace
from functools import cached_property

import sympy as sp

from symnn.derive.backprop_matrix import matrix_steps, target_matrix
from symnn.derive.derivation import LOSS_SYMBOL, NetworkDerivationBase, Partial, Said, Step, said
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


class NetworkDerivation(NetworkDerivationBase):
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
        super().__init__([], {}, {}, network=net, matrix_steps=[_placed(s) for s in matrix_steps(net)])
        self._softmax_ce = net.activations[-1] == "softmax" and net.loss_name == "cross-entropy"
        self._sigmoid_bce = net.activations[-1] == "sigmoid" and net.loss_name == "binary-cross-entropy"

    # -- the element view, built once on first use ---------------------------------------------

    @cached_property
    def _built(self) -> tuple[list[Step], dict, dict, dict]:
        net = self.network
        L = net.depth
        fprime = {l: _fprime(net, l) for l in range(1, L + 1) if net.activations[l - 1] != "softmax"}
        # the maths comes from the one reverse sweep over the MLP's layers; this builds the textbook's steps
        core = GraphDerivation(net.graph)
        steps: list[Step] = _definition_steps(net)
        steps += self._output_error_steps(fprime)
        steps += _hidden_error_steps(net, fprime)
        local = core.local_gradients
        steps += _gradient_steps(net, local)
        steps = [_placed(s) for s in steps]
        gradients = {p: core.gradients[p] for p in net.params}
        deltas = {d: e for d, e in core.deltas.items() if d.kind == "delta"}
        return steps, gradients, {p: local[p] for p in net.params}, deltas

    def _output_error_steps(self, fprime: dict) -> list[Step]:
        """The output layer's errors δ^(L)_j: defined, taken through the activation, differentiated, simplified."""
        net = self.network
        L, n = net.depth, net.sizes
        a_L = [act(L, k) for k in range(1, n[L] + 1)]
        dC_da = [sp.diff(net.loss_of(a_L), a) for a in a_L]
        steps: list[Step] = []
        for j in range(1, n[L] + 1):
            d, z, a = delta(L, j), preact(L, j), act(L, j)
            steps.append(
                Step(
                    d,
                    Partial(C, z),
                    "definition",
                    said("output error defined", j=j, L=L),
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
                        said("output through activation", L=L, j=j),
                    )
                )
                steps.append(
                    Step(
                        d,
                        _mul(dC_da[j - 1], fprime[L](z)),
                        "activation derivative",
                        said(
                            "differentiate loss and activation",
                            loss=net.loss_name,
                            L=L,
                            j=j,
                            output=net.activations[-1],
                        ),
                    )
                )
                if self._sigmoid_bce:
                    steps += self._sigmoid_bce_steps(j, fprime[L])
        return steps

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
                said("softmax couples outputs", L=L, j=j),
            ),
            Step(
                d,
                _add(*(_mul(dC_da[k - 1], a_L[k - 1] * ((1 if k == j else 0) - a)) for k in ks)),
                "activation derivative",
                said("softmax derivative"),
            ),
        ]
        if self._softmax_ce:
            t = net.targets
            out.append(
                Step(
                    d,
                    a * sp.Add(*t) - t[j - 1],
                    "simplification",
                    said("softmax ce cancels"),
                )
            )
            out.append(
                Step(
                    d,
                    a - t[j - 1],
                    "substitution",
                    said("targets sum to one"),
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
                said("bce common denominator"),
            ),
            Step(
                d,
                a - t,
                "simplification",
                said("bce sigmoid cancels"),
            ),
        ]

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


_GRAD_NOTE_W = said("weight enters through z")
_SUBST_NOTE_W = said("weight gradient substituted")
_GRAD_NOTE_B = said("bias enters through z")
_SUBST_NOTE_B = said("bias gradient substituted")


def _placed(step: Step) -> Step:
    """``step`` with the layer it belongs to (``"layer 2"``: its weights, weighted inputs, outputs and errors) and,
    for a matrix, its shape; the loss's own steps belong to no layer."""
    target = step.lhs.variables[0] if isinstance(step.lhs, Partial) else step.lhs
    layer = getattr(target, "layer", None)
    if isinstance(target, NetMatrix):
        digits = "".join(ch for ch in target.name if ch.isdigit())
        layer = int(digits) if digits else None
    shape = tuple(target.shape) if isinstance(target, sp.MatrixSymbol) else None
    return replace(step, layer=None if layer is None else f"layer {layer}", shape=shape)


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
                    said("weighted input", j=j, l=l),
                )
            )
        for j, a in enumerate(net.activate(l, zs), 1):
            steps.append(
                Step(
                    act(l, j),
                    a,
                    "definition",
                    said("activation output", activation=net.activations[l - 1]),
                )
            )
    outputs = [act(net.depth, k) for k in range(1, net.sizes[-1] + 1)]
    steps.append(
        Step(
            C,
            net.loss_of(outputs),
            "definition",
            said("loss of one sample", loss=net.loss_name, net_depth=net.depth),
        )
    )
    return steps


def hidden_error_note(net: MLP, l: int, j: int) -> Said:
    """The note of δ^(l)_j's substitution step: the errors flow back; for ReLU, whose derivative prints as the unit
    step u_c(z), what u_c is, said where it first appears."""
    if net.activations[l - 1] == "relu":
        return said("errors flow back through relu", next=l + 1, l=l, j=j, at_zero=sp.sstr(net.relu_grad_at_zero))
    return said("errors flow back", next=l + 1, l=l, j=j)


def _hidden_error_steps(net: MLP, fprime: dict) -> list[Step]:
    """The hidden layers' errors δ^(l)_j, from the output back: the chain rule, then the errors flowing back."""
    L, n = net.depth, net.sizes
    steps = []
    for l in range(L - 1, 0, -1):
        for j in range(1, n[l] + 1):
            d, z, a = delta(l, j), preact(l, j), act(l, j)
            ks = range(1, n[l + 1] + 1)
            steps.append(
                Step(
                    d,
                    _add(
                        *(_mul(Partial(C, preact(l + 1, k)), Partial(preact(l + 1, k), a), Partial(a, z)) for k in ks)
                    ),
                    "chain rule",
                    said("hidden through next layer", l=l, j=j, next=l + 1),
                )
            )
            back = sp.Add(*(weight(l + 1, k, j) * delta(l + 1, k) for k in ks))
            steps.append(Step(d, _mul(back, fprime[l](z)), "substitution", hidden_error_note(net, l, j)))
    return steps


def _gradient_steps(net: MLP, local: dict) -> list[Step]:
    """Every ∂C/∂w^(l)_jk and ∂C/∂b^(l)_j: through z^(l)_j by the chain rule, then ``local``'s δ form substituted."""
    steps = []
    for l in range(1, net.depth + 1):
        for j in range(1, net.sizes[l] + 1):
            z = preact(l, j)
            for k in range(1, net.sizes[l - 1] + 1):
                w = weight(l, j, k)
                steps.append(Step(Partial(C, w), _mul(Partial(C, z), Partial(z, w)), "chain rule", _GRAD_NOTE_W))
                steps.append(Step(Partial(C, w), local[w], "substitution", _SUBST_NOTE_W))
            b = bias(l, j)
            steps.append(Step(Partial(C, b), _mul(Partial(C, z), Partial(z, b)), "chain rule", _GRAD_NOTE_B))
            steps.append(Step(Partial(C, b), local[b], "substitution", _SUBST_NOTE_B))
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

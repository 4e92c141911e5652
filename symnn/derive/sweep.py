"""One reverse sweep over a network's nodes: the adjoint of every output, built once, and every ∂C/∂θ.

The local derivatives come from :mod:`symnn.derive.engine` (the same engine :func:`symnn.chain_rule` sweeps with).

The element view (micrograd's engine for indexed SymPy expressions): each node's local derivative
∂out_j/∂in_k is ``sympy.diff`` of its rule; the chain rule sums over the consumers of each output, in reverse
topological order. The batch view runs the same sweep over the layers' array rules, which is what compiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from symnn.derive.derivation import LOSS_SYMBOL, NetworkDerivationBase, Partial, Step, said
from symnn.derive.engine import paths
from symnn.model.arrays import RowSum, Total, per_sample_loss
from symnn.model.graph import Network
from symnn.model.layers import Activation, Env, Node, Softmax
from symnn.model.notation import NetSymbol

__all__ = ["ArraySweep", "GraphDerivation", "array_sweep", "derive_network"]

C = LOSS_SYMBOL


def _adjoint_symbol(node: Node, j: int, sample: int | None) -> NetSymbol:
    """δ^(l)_j for a Dense output z^(l) (the textbook's error), ḡ^(i)_j = ∂C/∂h^(i)_j for any other node."""
    suffix = f"s{sample}" if sample else ""
    if node.kind == "z":
        return NetSymbol(f"delta{node.number}_{j}{suffix}")
    return NetSymbol(f"g{node.index}_{j}{suffix}")


def _mul(*factors: sp.Expr) -> sp.Expr:
    return sp.Mul(*factors, evaluate=False)


def _add(terms: list[sp.Expr]) -> sp.Expr:
    return sp.Add(*terms, evaluate=False) if len(terms) > 1 else (terms[0] if terms else sp.S.Zero)


class GraphDerivation(NetworkDerivationBase):
    """The backprop derivation of a :class:`~symnn.Network`: build it with :func:`symnn.derive.backprop`.

    Attributes
    ----------
    gradients : dict
        Every parameter symbol -> ∂C/∂θ, explicit in the inputs, targets and parameters.
    local_gradients : dict
        Every parameter symbol -> ∂C/∂θ in the adjoints (δ, ḡ) and the nodes' symbols.
    deltas : dict
        Every adjoint symbol (δ^(l)_j, ḡ^(i)_j) -> its explicit expression, shared by every gradient that uses it.
    matrix_steps : list[Step]
        The same sweep over the batch rules (arrays N × width, one sample a row).
    """

    def __init__(self, net: Network) -> None:
        super().__init__([], {}, {}, network=net, matrix_steps=array_sweep(net).steps)

    @cached_property
    def _built(self):
        net = self.network
        explicit = net.element_view
        values: dict[sp.Basic, sp.Expr] = {}  # node symbols and adjoints -> explicit
        for node in [net.input_node, *net.nodes]:
            for srow, erow in zip(node.symbols, explicit[node], strict=True):
                values.update(zip(srow, erow, strict=True))
        steps = [
            Step(s, e, "definition", _note_definition(node), layer=node.label)
            for node in net.nodes
            for srow, erow in zip(node.symbols, node.element, strict=True)
            for s, e in zip(srow, erow, strict=True)
        ]
        sweep = _Sweep(net, values, steps)
        sweep.seed()
        for node in reversed(net.nodes):
            sweep.adjoints(node)
            sweep.push(node)
        local, gradients = sweep.parameters()
        return steps, gradients, local, sweep.deltas


@dataclass
class _Sweep:
    """:class:`GraphDerivation`'s reverse sweep as it runs, node by node from the output back: each node's
    adjoints are built from what its consumers pushed (:meth:`adjoints`), then pushed on to its inputs and
    parameters (:meth:`push`). ``steps`` gets the adjoints' and the parameters' steps in that order."""

    net: Network
    values: dict[sp.Basic, sp.Expr]  # node symbols and adjoints -> explicit
    steps: list[Step]
    # adjoint contributions: node symbol -> [(consumer adjoint, local derivative, consumer symbol)]
    into: dict[sp.Symbol, list[tuple[sp.Expr, sp.Expr, sp.Symbol]]] = field(default_factory=dict)
    at_output: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)  # the output's adjoints, for its layer
    adjoint: dict[sp.Symbol, sp.Symbol] = field(default_factory=dict)
    deltas: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    grads_local: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)

    def seed(self) -> None:
        """The loss's derivative in each output: the first contribution to the output's adjoints."""
        out = self.net.output_node
        loss_local = self.net.loss_of(out.symbols)
        for row in out.symbols:
            for y in row:
                self.into.setdefault(y, []).append((sp.S.One, sp.diff(loss_local, y), C))

    def adjoints(self, node: Node) -> None:
        """Each adjoint of ``node``'s outputs: defined, through its consumers (when more than the loss), summed."""
        net, out = self.net, self.net.output_node
        # the output layer and the loss simplified together (softmax with cross-entropy: a Σt − t)
        fused = set(out.inputs)
        for n, row in enumerate(node.symbols):
            for j, s in enumerate(row, 1):
                d = _adjoint_symbol(node, j, n + 1 if net.batch > 1 else None)
                self.adjoint[s] = d
                terms = self.into.get(s, [])
                chain = _add([_mul(Partial(C, c), Partial(c, s)) if c is not C else Partial(C, s) for _, _, c in terms])
                local = sp.Add(*(g * dl for g, dl, _ in terms))
                if node in fused:
                    local = _fused(local.xreplace(self.at_output))
                elif node is out:
                    self.at_output[d] = local
                self.steps.append(Step(d, Partial(C, s), "definition", _note_adjoint(node), layer=node.label))
                if len(terms) > 1 or (terms and terms[0][2] is not C):
                    self.steps.append(Step(d, chain, "chain rule", _note_chain(node), layer=node.label))
                self.steps.append(Step(d, local, "substitution", _note_local(node), layer=node.label))
                self.deltas[d] = local.xreplace(self.values)
                self.values[d] = self.deltas[d]

    def push(self, node: Node) -> None:
        """The local derivatives of ``node``'s rule, by SymPy, pushed to its inputs and parameters; written in the
        node's own outputs where the rule reappears (σ' = σ(1 − σ) = a(1 − a)), as backprop reuses them."""
        own = {p for param in node.params for p in param.symbols}
        outputs = {
            e: s for srow, erow in zip(node.symbols, node.element, strict=True) for s, e in zip(srow, erow, strict=True)
        }
        reads = {v for u in node.inputs if u is not self.net.input_node for r in u.symbols for v in r}
        entries = [
            (s, e)
            for srow, erow in zip(node.symbols, node.element, strict=True)
            for s, e in zip(srow, erow, strict=True)
        ]
        for v, pairs in paths(entries, own | reads, rewrite=lambda d, outputs=outputs: d.xreplace(outputs)).items():
            for s, d in pairs:
                if v in own:
                    self.grads_local[v] = self.grads_local.get(v, sp.S.Zero) + self.adjoint[s] * d
                else:
                    self.into.setdefault(v, []).append((self.adjoint[s], d, s))

    def parameters(self) -> tuple[dict[sp.Symbol, sp.Expr], dict[sp.Symbol, sp.Expr]]:
        """Every parameter's gradient (weight decay added), in the adjoints and explicit, each with its step."""
        net = self.net
        local, gradients = {}, {}
        owner = {s: node.label for node in net.nodes for param in node.params for s in param.symbols}
        decayed = {s for p in net.param_arrays if p.decay for s in p.symbols} if net.decay is not None else set()
        for p in net.params:
            g = self.grads_local.get(p, sp.S.Zero)
            if p in decayed:
                g = g + net.decay * p
            local[p] = g
            gradients[p] = g.xreplace(self.values)
            self.steps.append(Step(Partial(C, p), g, "chain rule", _note_param(p), layer=owner[p]))
        return local, gradients


def _fused(local: sp.Expr) -> sp.Expr:
    """The adjoint below the output layer in its simplest form, when cancelling makes it simpler.

    The loss's derivative and the output activation's often cancel: softmax with cross-entropy gives
    a_j Σ_k t_k − t_j, a sigmoid with binary cross-entropy a − t (each a the output, written as a symbol).
    """
    simpler = sp.expand(sp.cancel(local))
    outputs = sorted((s for s in simpler.free_symbols if getattr(s, "kind", "") == "a"), key=sp.default_sort_key)
    simpler = sp.collect(simpler, outputs) if outputs else simpler
    return simpler if sp.count_ops(simpler) < sp.count_ops(local) else local


def _note_definition(node: Node) -> dict[str, str]:
    return said("layer rule", layer=node.label)


def _note_adjoint(node: Node) -> dict[str, str]:
    return said("adjoint defined", layer=node.label)


def _note_chain(node: Node) -> dict[str, str]:
    return said("adjoint through consumers")


def _note_local(node: Node) -> dict[str, str]:
    return said("local derivatives")


def _note_param(p: sp.Symbol) -> dict[str, str]:
    return said("parameter gradient")


# -- the batch view --------------------------------------------------------------------------------------


def _array_symbol(node: Node) -> sp.Symbol:
    if node.kind == "x":
        return sp.Symbol("X", real=True)
    return sp.Symbol(f"{node.kind.upper()}{node.number}", real=True)


@dataclass(frozen=True)
class ArraySweep:
    """The forward pass, loss and reverse sweep over the batch rules, as assignments to array symbols.

    Attributes
    ----------
    X, T, N : sympy.Symbol
        The input and target arrays and the number of samples.
    env : Env
        The array symbols of the parameters and masks.
    forward : list of (Symbol, Expr)
        One assignment per node, in order.
    loss : Expr
        C: the mean over the batch of the per-sample loss (plus weight decay), as written; compiled code rewrites
        its logarithms into stable forms (log-sum-exp, log-sigmoid).
    backward : list of (Symbol, Expr)
        The adjoint of every node that leads to a parameter, in reverse order.
    grads : dict[str, Expr]
        Parameter array name -> ∂C/∂(array).
    steps : list of Step
        The same, as steps for documents.
    """

    X: sp.Symbol
    T: sp.Symbol
    N: sp.Symbol
    env: Env
    forward: list[tuple[sp.Symbol, sp.Expr]]
    output: sp.Symbol
    loss: sp.Expr
    backward: list[tuple[sp.Symbol, sp.Expr]]
    grads: dict[str, sp.Expr]
    steps: list[Step]


def array_sweep(net: Network) -> ArraySweep:
    """The batch view of ``net``'s derivation: what :func:`symnn.compile` prints as code."""
    N, X, T = (sp.Symbol(s, real=True) for s in ("N", "X", "T"))
    arrays = {p.name: sp.Symbol(p.name, real=True) for p in net.param_arrays}
    arrays.update({m: sp.Symbol(m, real=True) for m in net.mask_names})
    env = Env(N, arrays)
    sym = {net.input_node: X}
    forward = []
    for node in net.nodes:
        sym[node] = _array_symbol(node)
        while sym[node].name in arrays or f"d{sym[node].name}" in arrays:  # an Elementwise parameter named A, dZ …
            sym[node] = sp.Symbol(f"{sym[node].name}_", real=True)
        forward.append((sym[node], node.layer.forward(node, net, [sym[u] for u in node.inputs], env)))
    out = net.output_node
    Y = sym[out]
    y = [output_symbol_row(out.width)]
    t = [[NetSymbol(f"t{k}") for k in range(1, out.width + 1)]]
    g = per_sample_loss(net._loss(y[0], t[0]), y[0], t[0], Y, T)
    loss = Total(g) / N
    decay = [p for p in net.param_arrays if p.decay] if net.decay is not None else []
    if decay:
        loss += net.decay / 2 * sp.Add(*(Total(arrays[p.name] ** 2) for p in decay))

    steps = [
        Step(s, e, "definition", _note_definition(node), layer=node.label, shape=(N, node.width))
        for (s, e), node in zip(forward, net.nodes, strict=True)
    ]
    adj: dict[Node, list[sp.Expr]] = {}
    start = out
    if isinstance(out.layer, Softmax) and net.loss_name == "cross-entropy":
        # fused: C = −Σ t log softmax(z) gives ∂C/∂z = softmax(z) Σt − t per sample (y − t only when Σt = 1)
        start = out.inputs[0]
        adj[start] = [(Y * RowSum(T) - T) / N]
    elif _is_sigmoid(out) and net.loss_name == "binary-cross-entropy":
        start = out.inputs[0]
        adj[start] = [(Y - T) / N]
    else:
        adj[out] = [sp.diff(g, Y) / N]
    backward, grads = [], {}
    needed = _leads_to_params(net)
    order = [n for n in reversed(net.nodes) if n.index <= start.index]  # start may be the input (a lone softmax)
    for node in order:
        if node not in adj:
            continue
        # δ^(l) = ∂C/∂Z^(l) as the element view names it; ∂C/∂H as dH for the other nodes
        G = sp.Symbol(f"delta{node.number}" if node.kind == "z" else f"d{sym[node].name}", real=True)
        backward.append((G, sp.Add(*adj[node])))
        steps.append(Step(G, sp.Add(*adj[node]), "chain rule", _note_adjoint(node), node.label, (N, node.width)))
        ins = [sym[u] for u in node.inputs]
        d_ins, d_params = node.layer.backward(node, net, ins, sym[node], G, env)
        for name, grad in d_params.items():
            if name in grads:  # an array shared by several nodes (an RNN's steps): the sum of their gradients
                grad = grads[name] + grad
            elif any(p.name == name and p.decay for p in decay):
                grad = grad + net.decay * arrays[name]
            grads[name] = grad
            shape = next(p.shape for p in node.params if p.name == name)
            steps.append(
                Step(Partial(C, arrays[name]), grad, "chain rule", _note_param(arrays[name]), node.label, shape)
            )
        for u, d in zip(node.inputs, d_ins, strict=True):
            if u in needed:
                adj.setdefault(u, []).append(d)
    return ArraySweep(X, T, N, env, forward, Y, loss, backward, grads, steps)


def output_symbol_row(n: int) -> list[NetSymbol]:
    return [NetSymbol(f"y{k}") for k in range(1, n + 1)]


def _is_sigmoid(node: Node) -> bool:
    return isinstance(node.layer, Activation) and node.layer.name == "sigmoid"


def _leads_to_params(net: Network) -> set[Node]:
    """The nodes whose adjoint some parameter's gradient needs (the input never does)."""
    needed: set[Node] = set()
    for node in net.nodes:
        if node.params or any(u in needed for u in node.inputs):
            needed.add(node)
    return needed


def derive_network(net: Network) -> GraphDerivation:
    """The derivation of ``net``: what :func:`symnn.derive.backprop` returns for a :class:`~symnn.Network`."""
    return GraphDerivation(net)

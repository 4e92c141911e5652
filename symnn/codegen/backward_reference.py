"""The derived reference of one layer: its batch forward and backward rules, compiled to a NumPy function.

:func:`reference` places the layer alone in a :class:`~symnn.Network` and asks the layer's own batch rules
(:meth:`~symnn.Layer.forward`, :meth:`~symnn.Layer.backward`, the ones every compiled network runs) for the output
and, given an upstream gradient ``G`` (the textbook's ``dout``), the input's and every parameter's gradient. They are
printed by :func:`symnn.codegen.printing.emit` like any compiled network, so any layer with batch rules (those of
other people too) has a reference, with no rule per kind here. A composite layer (an RNN's steps, attention's six
nodes) is its nodes' rules chained: each inner node's output ``H{i}`` and adjoint ``dH{i}`` an assignment, the
adjoint of a node read twice the sum of both contributions, a shared parameter's gradient the sum over its nodes.
The same expressions, altered one way at a time, give the candidate mistakes :mod:`symnn.codegen.backward_check`
tries (:meth:`Reference.evaluate`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from symnn.codegen import printing
from symnn.codenames import run_generated
from symnn.derive.derivation import LOSS_SYMBOL, Partial
from symnn.model.arrays import Rows
from symnn.model.graph import Network
from symnn.model.layers import Env, Layer, Node

__all__ = ["INPUT", "Reference", "reference"]

#: the name of the input gradient among a reference's quantities (the parameters' are their array names)
INPUT = "X"

Steps = tuple[tuple[sp.Symbol, sp.Expr], ...]


@dataclass(eq=False)
class Reference:
    """One layer's derived batch rules and their compiled code.

    Attributes
    ----------
    layer : Layer
    net : Network
        The layer placed alone in a network of ``inputs`` entries per sample (one node, or a composite's nodes).
    X, Y, G, N : sympy.Symbol
        The input batch, the output batch, ``G`` = ∂C/∂Y (``dout``) and the number of samples.
    env : Env
        The array symbols of the parameters and masks.
    output : sympy.Expr
        Y as the forward rule gives it.
    grads : dict[str, sympy.Expr]
        ``"X"`` and each parameter array's name -> its gradient (in X, Y, G, the parameters, masks and steps).
    constants : dict[sympy.Symbol, float]
        The values of the layer's constants (a dropout's keep probability).
    forward_steps, backward_steps : tuple of (Symbol, Expr)
        A composite layer's inner outputs ``H{i}`` and adjoints ``dH{i}``, in order; empty for one node.
    """

    layer: Layer
    net: Network
    X: sp.Symbol
    Y: sp.Symbol
    G: sp.Symbol
    N: sp.Symbol
    env: Env
    output: sp.Expr
    grads: dict[str, sp.Expr]
    constants: dict[sp.Symbol, float]
    forward_steps: Steps = ()
    backward_steps: Steps = ()
    _code: dict[tuple, Any] = field(default_factory=dict, repr=False)

    @property
    def node(self) -> Node:
        """The output node (the only node of a layer that is not composite)."""
        return self.net.output_node

    @property
    def composite(self) -> bool:
        return len(self.net.nodes) > 1

    @property
    def in_shape(self) -> tuple[int, ...]:
        """One sample's input shape: ``(3,)``, ``(C, H, W)``, ``(T, d)``."""
        return self.net.input_node.shape

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.net.param_arrays)

    @property
    def mask_names(self) -> tuple[str, ...]:
        return self.net.mask_names

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Each parameter array's shape (masks and the input are one row per sample)."""
        return {p.name: p.shape for p in self.net.param_arrays}

    def formula(self, name: str) -> sp.Eq:
        """``∂C/∂name = …``: the derived batch formula of a quantity (``"Y"`` for the forward rule), a composite
        layer's steps substituted."""
        if name == "Y":
            return sp.Eq(self.Y, self.expand(self.output), evaluate=False)
        target = self.X if name == INPUT else self.env[name]
        return sp.Eq(Partial(LOSS_SYMBOL, target), self.expand(self.grads[name]), evaluate=False)

    def expand(self, e: sp.Expr) -> sp.Expr:
        """``e`` with the steps' symbols replaced by their definitions (the latest first)."""
        for s, d in reversed((*self.forward_steps, (self.Y, self.output), *self.backward_steps)):
            if s is not self.Y or self.composite:
                e = e.xreplace({s: d})
        return e

    def _compiled(self, exprs: tuple[sp.Expr, ...], backward: Steps):
        key = (exprs, backward)
        if key not in self._code:
            sub = {s: sp.Float(v) for s, v in self.constants.items()}
            args = [*(self.env[p] for p in self.param_names), self.X, self.G, *(self.env[m] for m in self.mask_names)]
            steps = [(self.N, Rows(self.X)), *self.forward_steps, (self.Y, self.output), *backward]
            steps = [(s, e.xreplace(sub)) for s, e in steps]
            returns = [e.xreplace(sub) for e in exprs]
            guard = 'numpy.errstate(over="ignore", under="ignore")'
            code = printing.emit("f", args, steps, returns, printing.printer_for("numpy"), {}, guard)
            kernels = sorted(set(re.findall(r"\bsymnn\.kernels\.[a-z_]+", code)))  # as network_code imports them
            source = "".join(f"import {m}\n" for m in ["numpy", *kernels]) + code
            self._code[key] = run_generated(source)["f"]
        return self._code[key]

    def shape(self, name: str, n: int) -> tuple[int, ...]:
        """The shape of a quantity (``"Y"``, ``"X"`` or a parameter's name) for a batch of ``n`` samples."""
        if name == "Y":
            return (n, self.node.width)
        return (n, self.net.input_node.width) if name == INPUT else self.shapes[name]

    def natural(self, name: str, n: int) -> tuple[int, ...]:
        """The shape the user's code naturally gives a quantity: ``(n, *sample shape)`` for the input and output."""
        if name == "Y":
            return (n, *self.node.shape)
        return (n, *self.in_shape) if name == INPUT else self.shapes[name]

    def evaluate(
        self, exprs: tuple[sp.Expr, ...], values: Mapping[str, np.ndarray], backward: Steps | None = None
    ) -> list[np.ndarray]:
        """The expressions at a point (``values``: each parameter, mask, ``"X"`` and ``"G"`` by name), in float64;
        ``backward`` replaces a composite layer's adjoint steps (a candidate mistake in one of them)."""
        f = self._compiled(tuple(exprs), self.backward_steps if backward is None else tuple(backward))
        names = [*self.param_names, "X", "G", *self.mask_names]
        with np.errstate(all="ignore"):
            out = f(*(np.asarray(values[n], dtype=np.float64) for n in names))
        return [np.asarray(v, dtype=np.float64) for v in (out if len(exprs) > 1 else (out,))]

    def run(self, values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """``"Y"`` and every gradient at a point, by name, each in its shape."""
        names = ["Y", *self.grads]
        results = self.evaluate((self.Y, *self.grads.values()), values)
        n = len(values["X"])
        return {k: np.broadcast_to(v, self.shape(k, n)).copy() for k, v in zip(names, results, strict=True)}


def reference(
    layer: Layer,
    inputs: int | tuple[int, ...],
    *,
    convention: str = "row",
    relu_grad_at_zero: Any = 0,
    pool_ties: str = "first",
    constants: Mapping[str, float] | None = None,
) -> Reference:
    """The batch rules of ``layer`` with ``inputs`` entries per sample (or a sample's shape), ready to compile.

    ``constants`` gives a value to each constant of the layer (a dropout's keep probability ``p``).
    """
    if not isinstance(layer, Layer):
        raise TypeError(f"the layer must be a symnn layer such as sn.Dense(4), got {type(layer).__name__}")
    if getattr(layer, "arity", 1) != 1:
        raise ValueError(f"{layer!r} takes {layer.arity} inputs; check_backward checks layers of one input")
    net = Network(
        [layer], inputs=inputs, convention=convention, relu_grad_at_zero=relu_grad_at_zero, pool_ties=pool_ties
    )
    N, X, Y, G = (sp.Symbol(s, real=True) for s in ("N", "X", "Y", "G"))
    arrays = {p.name: sp.Symbol(p.name, real=True) for p in net.param_arrays}
    arrays.update({m: sp.Symbol(m, real=True) for m in net.mask_names})
    env = Env(N, arrays)
    forward, output, backward, grads = _chain(net, X, Y, G, env)
    values = _constant_values(net, constants)
    return Reference(layer, net, X, Y, G, N, env, output, grads, values, forward, backward)


def _chain(net: Network, X: sp.Symbol, Y: sp.Symbol, G: sp.Symbol, env: Env):
    """The nodes' batch rules chained: (forward steps, Y's rule, adjoint steps, gradients by name)."""
    sym: dict[Node, sp.Symbol] = {net.input_node: X, net.output_node: Y}
    forward = []
    for node in net.nodes[:-1]:
        sym[node] = sp.Symbol(f"H{node.index}", real=True)
        forward.append((sym[node], node.layer.forward(node, net, [sym[u] for u in node.inputs], env)))
    out = net.output_node
    output = out.layer.forward(out, net, [sym[u] for u in out.inputs], env)
    adjoint: dict[Node, list[sp.Expr]] = {out: [G]}
    backward, grads = [], {}
    for node in reversed(net.nodes):
        G_node = G
        if node is not out:
            G_node = sp.Symbol(f"dH{node.index}", real=True)
            backward.append((G_node, sp.Add(*adjoint[node])))
        d_ins, d_params = node.layer.backward(node, net, [sym[u] for u in node.inputs], sym[node], G_node, env)
        for name, grad in d_params.items():  # a parameter shared by several nodes: the sum of their gradients
            grads[name] = grads[name] + grad if name in grads else grad
        for u, d in zip(node.inputs, d_ins, strict=True):
            adjoint.setdefault(u, []).append(d)
    ordered = {INPUT: sp.Add(*adjoint[net.input_node])} | {p.name: grads[p.name] for p in net.param_arrays}
    return tuple(forward), output, tuple(backward), ordered


def _constant_values(net: Network, given: Mapping[str, float] | None) -> dict[sp.Symbol, float]:
    given = dict(given or {})
    by_name = {s.name: s for s in net.constants}
    unknown = sorted(set(given) - set(by_name))
    if unknown:
        raise ValueError(f"unknown constants {unknown}; this layer's constants: {', '.join(by_name) or 'none'}")
    missing = [k for k in by_name if k not in given]
    if missing:
        raise ValueError(
            f"{net.layers[0]!r} needs a value for {', '.join(missing)}: check_backward(..., constants={{...}})"
        )
    out = {}
    for name, v in given.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 1:
            raise ValueError(f"constant {name} must be a number in (0, 1], got {v!r}")
        out[by_name[name]] = float(v)
    return out

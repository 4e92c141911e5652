"""The derived reference of one layer: its batch forward and backward rules, compiled to a NumPy function.

:func:`reference` places the layer alone in a :class:`~symnn.Network` and asks the layer's own batch rules
(:meth:`~symnn.Layer.forward`, :meth:`~symnn.Layer.backward`, the ones every compiled network runs) for the output
and, given an upstream gradient ``G`` (the textbook's ``dout``), the input's and every parameter's gradient. They are
printed by :func:`symnn.codegen.printing.emit` like any compiled network, so any layer with batch rules (those of
other people too) has a reference, with no rule per kind here. The same expressions, altered one way at a time,
give the candidate mistakes :mod:`symnn.codegen.backward_check` tries (:meth:`Reference.evaluate`).
"""

from __future__ import annotations

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


@dataclass(eq=False)
class Reference:
    """One layer's derived batch rules and their compiled code.

    Attributes
    ----------
    layer : Layer
    node : Node
        The layer placed alone in a network of ``inputs`` entries per sample.
    X, Y, G, N : sympy.Symbol
        The input batch, the output batch, ``G`` = ∂C/∂Y (``dout``) and the number of samples.
    env : Env
        The array symbols of the parameters and masks.
    output : sympy.Expr
        Y as the forward rule gives it.
    grads : dict[str, sympy.Expr]
        ``"X"`` and each parameter array's name -> its gradient (in X, Y, G, the parameters and masks).
    constants : dict[sympy.Symbol, float]
        The values of the layer's constants (a dropout's keep probability).
    """

    layer: Layer
    node: Node
    X: sp.Symbol
    Y: sp.Symbol
    G: sp.Symbol
    N: sp.Symbol
    env: Env
    output: sp.Expr
    grads: dict[str, sp.Expr]
    constants: dict[sp.Symbol, float]
    _code: dict[sp.Expr, Any] = field(default_factory=dict, repr=False)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.node.params)

    @property
    def mask_names(self) -> tuple[str, ...]:
        return tuple(self.layer.masks(self.node))

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Each parameter array's shape (masks and the input are one row per sample)."""
        return {p.name: p.shape for p in self.node.params}

    def formula(self, name: str) -> sp.Eq:
        """``∂C/∂name = …``: the derived batch formula of a quantity (``"Y"`` for the forward rule)."""
        if name == "Y":
            return sp.Eq(self.Y, self.output, evaluate=False)
        target = self.X if name == INPUT else self.env[name]
        return sp.Eq(Partial(LOSS_SYMBOL, target), self.grads[name], evaluate=False)

    def _compiled(self, exprs: tuple[sp.Expr, ...]):
        if exprs not in self._code:
            sub = {s: sp.Float(v) for s, v in self.constants.items()}
            args = [*(self.env[p] for p in self.param_names), self.X, self.G, *(self.env[m] for m in self.mask_names)]
            steps = [(self.N, Rows(self.X)), (self.Y, self.output.xreplace(sub))]
            returns = [e.xreplace(sub) for e in exprs]
            guard = 'numpy.errstate(over="ignore", under="ignore")'
            code = printing.emit("f", args, steps, returns, printing.printer_for("numpy"), {}, guard)
            source = "import numpy\n" + code
            self._code[exprs] = run_generated(source)["f"]
        return self._code[exprs]

    def shape(self, name: str, n: int) -> tuple[int, ...]:
        """The shape of a quantity (``"Y"``, ``"X"`` or a parameter's name) for a batch of ``n`` samples."""
        if name == "Y":
            return (n, self.node.width)
        return (n, self.node.inputs[0].width) if name == INPUT else self.shapes[name]

    def evaluate(self, exprs: tuple[sp.Expr, ...], values: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        """The expressions at a point (``values``: each parameter, mask, ``"X"`` and ``"G"`` by name), in float64."""
        f = self._compiled(tuple(exprs))
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
    inputs: int,
    *,
    convention: str = "row",
    relu_grad_at_zero: Any = 0,
    constants: Mapping[str, float] | None = None,
) -> Reference:
    """The batch rules of ``layer`` with ``inputs`` entries per sample, ready to compile.

    ``constants`` gives a value to each constant of the layer (a dropout's keep probability ``p``).
    """
    if not isinstance(layer, Layer):
        raise TypeError(f"the layer must be a symnn layer such as sn.Dense(4), got {type(layer).__name__}")
    if getattr(layer, "arity", 1) != 1:
        raise ValueError(f"{layer!r} takes {layer.arity} inputs; check_backward checks layers of one input")
    net = Network([layer], inputs=inputs, convention=convention, relu_grad_at_zero=relu_grad_at_zero)
    if len(net.nodes) != 1:
        raise ValueError(f"{layer!r} is a block of {len(net.nodes)} layers; check its layers one by one")
    node = net.nodes[0]
    N, X, Y, G = (sp.Symbol(s, real=True) for s in ("N", "X", "Y", "G"))
    arrays = {p.name: sp.Symbol(p.name, real=True) for p in node.params}
    arrays.update({m: sp.Symbol(m, real=True) for m in layer.masks(node)})
    env = Env(N, arrays)
    output = layer.forward(node, net, [X], env)
    (dX,), dparams = layer.backward(node, net, [X], Y, G, env)
    values = _constant_values(net, constants)
    return Reference(layer, node, X, Y, G, N, env, output, {INPUT: dX, **dparams}, values)


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

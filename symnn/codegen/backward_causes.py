"""The typical mistakes of a hand-written backward pass, found by trying them.

Each candidate is the derived quantity altered one way: negated, scaled by the batch size, transposed, or its
formula with one thing changed at one place (a term of a sum dropped, a factor of a product dropped, a transpose
removed, the derivative evaluated at the output instead of the input, the function in place of its derivative).
A candidate that equals the user's value at both points of a confirmed disagreement names the cause.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import sympy as sp

from symnn.codegen.backward_reference import INPUT, Reference
from symnn.model.arrays import BatchSum, MatMul, RowSum, Total, Transpose
from symnn.model.layers import Softmax

__all__ = ["CAUSES", "Cause", "Point", "causes"]

#: the kinds of cause symnn can name
CAUSES: tuple[str, ...] = (
    "sign",
    "batch size",
    "transpose",
    "missing term",
    "missing factor",
    "activation derivative",
    "kink",
)


@dataclass(frozen=True)
class Cause:
    """A mistake whose result equals the user's: ``kind`` (one of :data:`CAUSES`) and a sentence saying it."""

    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}"


@dataclass(frozen=True)
class Point:
    """One point of a disagreement: the values given to both sides, the user's array and the derived one."""

    values: dict[str, np.ndarray]
    yours: np.ndarray
    derived: np.ndarray


def _show(e: sp.Basic) -> str:
    return sp.sstr(e)


def _numeric(ref: Reference, name: str) -> Iterator[tuple[Cause, Callable[[Point], np.ndarray]]]:
    yield Cause("sign", "the sign: yours is -1 times the derived value"), lambda p: -p.derived
    yield (
        Cause("batch size", "a stray division by the batch size N: yours is the derived value / N"),
        lambda p: p.derived / len(p.values["X"]),
    )
    yield (
        Cause("batch size", "a missing division by the batch size N: yours is N times the derived value"),
        lambda p: p.derived * len(p.values["X"]),
    )
    yield Cause("transpose", "a transposed product: yours is the transpose of the derived value"), lambda p: p.derived.T


def _alterations(node: sp.Basic, ref: Reference, name: str) -> Iterator[tuple[Cause, sp.Expr]]:
    """The ways one node of a formula can be wrong, each as (cause, the node as written wrongly)."""
    if isinstance(node, sp.Add):
        for t in node.args:
            text = f"a missing term of the chain rule: {_show(t)}"
            if isinstance(ref.layer, Softmax) and t.has(RowSum):
                text = f"the softmax Jacobian's diagonal only (Y*G, without the term {_show(t)})"
            yield Cause("missing term", text), sp.Add(*(a for a in node.args if a is not t))
    elif isinstance(node, sp.Mul):
        for f in node.args:
            rest = sp.Mul(*(a for a in node.args if a is not f))
            if f == -1:
                yield Cause("sign", f"the sign of the term {_show(node)}"), rest
            elif f.has(ref.N):
                yield Cause("batch size", f"a missing division by the batch size N in {_show(node)}"), rest
            elif f.is_Rational and abs(f) != 1:  # a coefficient such as −1/3: its sign kept, its size dropped
                yield (
                    Cause("missing factor", f"the factor {_show(abs(f))} is missing in {_show(node)}"),
                    rest * sp.sign(f),
                )
            elif f.is_number:
                yield Cause("missing factor", f"the factor {_show(f)} is missing in {_show(node)}"), rest
            elif name == INPUT and _elementwise(ref) and f.has(ref.X):
                yield Cause("activation derivative", f"the derivative's factor {_show(f)} is missing"), rest
            else:
                yield Cause("missing factor", f"the factor {_show(f)} is missing in {_show(node)}"), rest
    elif isinstance(node, Transpose):
        yield Cause("transpose", f"a transposed product: {_show(node)} written as {_show(node.args[0])}"), node.args[0]


def _elementwise(ref: Reference) -> bool:
    """Whether the layer acts on each entry alone (an activation): its input gradient has no sums or products."""
    if ref.composite or ref.node.inputs[0].width != ref.node.width:
        return False
    return not ref.grads[INPUT].has(RowSum, BatchSum, MatMul, Total)


def _variants(e: sp.Basic, alter) -> Iterator[tuple[Cause, sp.Expr]]:
    """Every formula that differs from ``e`` at exactly one node, as ``alter`` alters nodes."""
    yield from alter(e)
    for i, a in enumerate(e.args):
        if isinstance(a, sp.Basic) and a.args:
            for cause, v in _variants(a, alter):
                yield cause, e.func(*e.args[:i], v, *e.args[i + 1 :])


def _symbolic(ref: Reference, name: str) -> Iterator[tuple[Cause, sp.Expr]]:
    e = ref.output if name == "Y" else ref.grads[name]
    yield from _variants(e, lambda node: _alterations(node, ref, name))
    if name != INPUT or not _elementwise(ref):
        return
    yield (
        Cause("activation derivative", "the derivative evaluated at the output y instead of the input x"),
        e.xreplace({ref.X: ref.Y}),
    )
    if ref.output != ref.X:
        yield (
            Cause("activation derivative", f"the derivative written in the output y = {_show(ref.output)}, fed x"),
            e.xreplace({ref.output: ref.X}),
        )
    yield Cause("activation derivative", "the function itself instead of its derivative: dout * y"), ref.G * ref.Y


def _matches(candidate: np.ndarray, p: Point, tol: float, floor: float) -> bool:
    try:
        c = np.broadcast_to(np.asarray(candidate, dtype=np.float64), p.yours.shape)
    except ValueError:
        return False
    u = np.asarray(p.yours, dtype=np.float64)
    err = np.abs(u - c) / np.maximum(np.maximum(np.abs(u), np.abs(c)), floor)
    return bool(np.all(np.isfinite(c)) and np.max(err, initial=0.0) <= tol)


def _kink(p: Point, tol: float, floor: float) -> bool:
    """The disagreement is confined to inputs of exactly 0 (ReLU's kink)."""
    zero = p.values["X"] == 0
    if p.yours.shape != zero.shape or not zero.any():
        return False
    err = np.abs(p.yours - p.derived) / np.maximum(np.maximum(np.abs(p.yours), np.abs(p.derived)), floor)
    return bool(np.all(err[~zero] <= tol) and np.any(err[zero] > tol))


def causes(ref: Reference, name: str, points: list[Point], tol: float, floor: float) -> tuple[Cause, ...]:
    """The causes whose candidate equals the user's array at every point of the disagreement about ``name``."""
    found: list[Cause] = []
    if name == INPUT and all(_kink(p, tol, floor) for p in points):
        found.append(
            Cause(
                "kink",
                "yours differs only where the input is exactly 0: another value of the derivative at the kink "
                "(the derivation's ReLU'(0) is check_backward's relu_grad_at_zero, 0 unless set)",
            )
        )
    for cause, f in _numeric(ref, name):
        if all(_matches(f(p), p, tol, floor) for p in points):
            found.append(cause)
    original = ref.output if name == "Y" else ref.grads[name]
    tried: dict[sp.Expr, bool] = {original: False}  # a candidate formula -> whether it matches
    for cause, expr in _symbolic(ref, name):
        if expr not in tried:
            try:
                tried[expr] = all(_matches(ref.evaluate((expr,), p.values)[0], p, tol, floor) for p in points)
            except Exception:  # a candidate that cannot be evaluated (shapes) is no cause
                tried[expr] = False
        if tried[expr]:
            found.append(cause)
    return tuple(dict.fromkeys(found))

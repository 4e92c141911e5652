"""The typical mistakes of a hand-written backward pass, found by trying them.

Each candidate is the derived quantity altered one way: negated, scaled by the batch size or a constant,
transposed (a kernel's gradient reshaped from its transpose), or its formula with one thing changed at one place (a
term of a sum dropped, a factor of a product dropped, a power lowered, a transpose removed, the derivative evaluated
at the output instead of the input, the function in place of its derivative). For a composite layer the change may
also be in one of its adjoint steps (then every use of that adjoint carries it), or the same change at every step
alike, as a loop over the time steps repeats a mistake. A candidate that equals the user's value at both points of
a confirmed disagreement names the cause.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from symnn.codegen.backward_reference import INPUT, Reference, Steps
from symnn.model.arrays import BatchSum, MatMul, RowSum, Total, Transpose
from symnn.model.layers import Softmax

__all__ = ["CAUSES", "Cause", "Point", "causes"]

_STEP = sp.Dummy("step")

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
    shape = ref.shape(name, 1)
    if name != "Y" and name != INPUT and len(shape) > 2:
        yield (
            Cause(
                "transpose",
                f"the gradient reshaped from its transpose: {shape[0]} × {math.prod(shape[1:])} read as "
                f"{' × '.join(map(str, shape))} without transposing first (the textbook's dW.transpose(1, 0))",
            ),
            lambda p: p.derived.reshape(len(p.derived), -1).T.reshape(p.derived.shape),
        )


def _constant_factor(points: list[Point], tol: float, floor: float) -> Cause | None:
    """Yours is the derived value times one constant (not ±1) at every point: a missing or stray factor."""
    p = points[0]
    d, u = p.derived.ravel(), np.asarray(p.yours, dtype=np.float64).ravel()
    if u.shape != d.shape or not np.any(d):
        return None
    c = float(d @ u / (d @ d))
    if abs(abs(c) - 1) <= tol or c == 0 or not all(_matches(q.derived * c, q, tol, floor) for q in points):
        return None
    shown = Fraction(c).limit_denominator(100)
    value = str(shown) if abs(float(shown) - c) <= tol * abs(c) else f"{c:.6g}"
    return Cause("missing factor", f"yours is {value} times the derived value: a constant factor missing or stray")


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
    elif isinstance(node, sp.Pow) and node.exp.is_Integer and node.exp > 1:
        lower = node.base ** (node.exp - 1)
        kind = "activation derivative" if node.base in _outputs(ref) else "missing factor"
        yield Cause(kind, f"the power {_show(node)} written as {_show(lower)}"), lower
    elif isinstance(node, Transpose):
        yield Cause("transpose", f"a transposed product: {_show(node)} written as {_show(node.args[0])}"), node.args[0]
    elif callable(getattr(node, "untransposed", None)):  # a product op with a transpose inside (attention's)
        plain = node.untransposed()
        yield Cause("transpose", f"a transposed product: {_show(node)} written as {_show(plain)}"), plain


def _outputs(ref: Reference) -> set[sp.Symbol]:
    """The layer's outputs and a composite layer's inner outputs: what a derivative may be written in."""
    return {ref.Y, *(s for s, _ in ref.forward_steps)}


def _elementwise(ref: Reference) -> bool:
    """Whether the layer acts on each entry alone (an activation): its input gradient has no sums or products."""
    if ref.composite or ref.node.inputs[0].width != ref.node.width:
        return False
    return not ref.grads[INPUT].has(RowSum, BatchSum, MatMul, Total)


def _variants(e: sp.Basic, alter) -> Iterator[tuple[Cause, sp.Expr, tuple[sp.Basic, sp.Basic]]]:
    """Every formula that differs from ``e`` at exactly one node, as ``alter`` alters nodes: (cause, the formula,
    (the node, as altered))."""
    for cause, v in alter(e):
        yield cause, v, (e, v)
    for i, a in enumerate(e.args):
        if isinstance(a, sp.Basic) and a.args:
            for cause, v, change in _variants(a, alter):
                yield cause, e.func(*e.args[:i], v, *e.args[i + 1 :]), change


#: a candidate: the quantity's formula and a composite layer's adjoint steps (None: as derived)
Candidate = tuple[sp.Expr, Steps | None]


def _symbolic(ref: Reference, name: str) -> Iterator[tuple[Cause, sp.Expr] | tuple[Cause, sp.Expr, Steps]]:
    e = ref.output if name == "Y" else ref.grads[name]
    alter = lambda node: _alterations(node, ref, name)  # noqa: E731
    for cause, v, change in _variants(e, alter):
        yield cause, v
        if ref.composite and name != "Y":
            yield from _if_more(_at_every_step(ref, cause, e, change), v, ref.backward_steps)
    if name != "Y":
        yield from _in_steps(ref, alter)
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


def _in_steps(ref: Reference, alter) -> Iterator[tuple[Cause, sp.Expr, Steps]]:
    """A composite layer's adjoint steps altered one at a time (every use of the adjoint then carries the change):
    a node of its formula, or the whole step dropped when it has one term (a consumer's contribution forgotten)."""
    e, steps = None, ref.backward_steps
    for i, (s, d) in enumerate(steps):
        for cause, v, change in _variants(d, alter):
            text = f"{cause.text} (in the adjoint {_show(s)} = {_show(d)})"
            altered = (*steps[:i], (s, v), *steps[i + 1 :])
            yield Cause(cause.kind, text), e, altered
            yield from _if_more(_at_every_step(ref, cause, e, change), e, altered)
        if not isinstance(d, sp.Add):
            dropped = sp.Mul(sp.S.Zero, d, evaluate=False)
            text = f"a missing term of the chain rule: the adjoint {_show(s)} = {_show(d)} left out"
            yield Cause("missing term", text), e, (*steps[:i], (s, dropped), *steps[i + 1 :])


def _at_every_step(ref: Reference, cause: Cause, e: sp.Expr | None, change) -> tuple[Cause, sp.Expr | None, Steps]:
    """The same change wherever the same node occurs, up to the steps' names (H2 for H1, dH2 for dH1): a mistake
    that a loop over the time steps makes at every step."""
    names = {ref.Y, ref.G, *(s for s, _ in (*ref.forward_steps, *ref.backward_steps))}
    node, altered = change
    key = _canonical(node, names)
    order = [a for a in sp.preorder_traversal(node) if a in names]

    def walk(m: sp.Basic) -> sp.Basic:
        if _canonical(m, names) == key:
            there = [a for a in sp.preorder_traversal(m) if a in names]
            return altered.xreplace(dict(zip(order, there, strict=False)))
        return m.func(*(walk(a) for a in m.args)) if m.args else m

    steps = tuple((s, walk(d)) for s, d in ref.backward_steps)
    return Cause(cause.kind, f"{cause.text}, at every step alike"), None if e is None else walk(e), steps


def _if_more(candidate, expr, steps) -> Iterator[tuple[Cause, sp.Expr | None, Steps]]:
    """The candidate unless the change occurs once only (then it is the one-place candidate)."""
    if candidate[1:] != (expr, steps):
        yield candidate


def _canonical(e: sp.Basic, names: set[sp.Symbol]) -> sp.Basic:
    return e.xreplace(dict.fromkeys(names, _STEP))


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
    factor = None if found else _constant_factor(points, tol, floor)
    found += [factor] if factor else []
    original = ref.output if name == "Y" else ref.grads[name]
    tried: dict[Candidate, bool] = {(original, ref.backward_steps): False}  # a candidate -> whether it matches
    named: set[tuple[Candidate, str]] = set()  # one cause of a kind per candidate (the same change found twice)
    for cause, expr, *steps in _symbolic(ref, name):
        key = (original if expr is None else expr, steps[0] if steps else ref.backward_steps)
        if key not in tried:
            try:
                tried[key] = all(_matches(ref.evaluate((key[0],), p.values, key[1])[0], p, tol, floor) for p in points)
            except Exception:  # a candidate that cannot be evaluated (shapes) is no cause
                tried[key] = False
        if tried[key] and (key, cause.kind) not in named:
            named.add((key, cause.kind))
            found.append(cause)
    return tuple(dict.fromkeys(found))

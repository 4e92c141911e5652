"""``check_backward``: a hand-written forward/backward pass against the layer's derived batch rules.

The user's code (:mod:`symnn.codegen.backward_adapters`) and the compiled derivation
(:mod:`symnn.codegen.backward_reference`) run at the same random points: batches of 1, 2, 3 and 5 samples (2, 3, 5
when the layer couples the samples, as BatchNorm does) and one of 4 samples with a third of the inputs exactly 0,
where ReLU has its kink (ReLU′(0) is ``relu_grad_at_zero``, 0 unless set). Every quantity is compared entry by entry:
the output, the input's gradient and each parameter's. A disagreement is confirmed at a second point of the same
kind before it is reported, and then the typical mistakes are tried (:mod:`symnn.codegen.backward_causes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import sympy as sp

from symnn.codegen.backward_adapters import Adapter, UserError, adapter
from symnn.codegen.backward_causes import Cause, Point, causes
from symnn.codegen.backward_reference import INPUT, Reference, reference
from symnn.model.layers import Layer

__all__ = ["BACKWARD_TOLERANCES", "BackwardCheck", "Counterexample", "Expected", "assert_backward", "check_backward"]

#: dtype of the user's arrays -> the tolerance on the relative error of an entry
BACKWARD_TOLERANCES: dict[str, float] = {"float64": 1e-6, "float32": 1e-3}
#: the smallest denominator of a relative error (as gradcheck's ``floor``): |a − b| / max(|a|, |b|, floor)
FLOOR = 1e-3
#: (samples, whether a third of the inputs are exactly 0) of each point, in order
PLAN: tuple[tuple[int, bool], ...] = ((1, False), (2, False), (3, False), (5, False), (4, True))
_LEGEND = "X: the input batch (one sample a row), Y: the output, G: dout = dC/dY, N: the batch size"


@dataclass(frozen=True)
class Expected:
    """The derived formula of a quantity, ``lhs = rhs`` (SymPy), printable as text (``str``) and LaTeX."""

    lhs: sp.Basic
    rhs: sp.Expr

    @property
    def expr(self) -> sp.Eq:
        return sp.Eq(self.lhs, self.rhs, evaluate=False)

    @property
    def latex(self) -> str:
        return f"{sp.latex(self.lhs)} = {sp.latex(self.rhs)}"

    def __str__(self) -> str:
        name = f"dC/d{self.lhs.variables[0]}" if isinstance(self.lhs, sp.Derivative) else sp.sstr(self.lhs)
        return f"{name} = {sp.sstr(self.rhs)}"

    def _repr_latex_(self) -> str:
        return f"${self.latex}$"


@dataclass(frozen=True)
class Counterexample:
    """Where the user's code disagrees: the point (input ``x``, ``dout``, parameters and masks under the user's
    names), the quantity (the user's name and symnn's), the entry, both values and the relative error."""

    quantity: str
    name: str
    index: tuple[int, ...]
    yours: float
    derived: float
    rel_error: float
    x: np.ndarray
    dout: np.ndarray
    params: dict[str, np.ndarray]
    masks: dict[str, np.ndarray] = field(default_factory=dict)
    shape: tuple[int, ...] = ()
    derived_shape: tuple[int, ...] = ()

    @property
    def batch(self) -> int:
        return len(self.x)


@dataclass(frozen=True)
class BackwardCheck:
    """What :func:`check_backward` found; truthy when the user's code agrees with the derivation.

    Attributes
    ----------
    status : {"agrees", "disagrees", "unknown"}
    implementation, layer : str
        The user's code and the symnn layer, as the report names them.
    points : int
        How many points were compared (the confirming one included).
    counterexample : Counterexample or None
        For ``"disagrees"``: the first point and entry found.
    expected : Expected or None
        For ``"disagrees"``: the derived formula of the quantity that disagrees.
    causes : tuple of Cause
        The typical mistakes whose result equals the user's, at both points.
    reason : str
        For ``"unknown"``: why no verdict (the user's code raised, a wrong shape, NaN, not confirmed).
    formulas : dict[str, Expected]
        Every derived quantity by the user's name (``out``, ``dx``, ``dW``, …).
    steps : tuple of str
        A composite layer's inner outputs and adjoints (``H1 = …``, ``dH2 = …``), which the causes may name.
    """

    status: Literal["agrees", "disagrees", "unknown"]
    implementation: str
    layer: str
    tol: float
    dtype: str
    points: int
    counterexample: Counterexample | None = None
    expected: Expected | None = None
    causes: tuple[Cause, ...] = ()
    reason: str = ""
    formulas: dict[str, Expected] = field(default_factory=dict)
    steps: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.status == "agrees"

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        """The report: the verdict, and for a disagreement where, by how much, the likely causes and the formula."""
        head = f"check_backward {self.status}: {self.implementation} against {self.layer}"
        if self.status == "agrees":
            return f"{head} ({self.points} points, {self.dtype}, tolerance {self.tol:.3g})"
        if self.status == "unknown":
            return f"{head}: {self.reason}"
        c, e = self.counterexample, self.expected
        what = f"{c.quantity} ({'the output Y' if c.name == 'Y' else f'dC/d{c.name}'})"
        lines = [f"{head}: {what} at entry {list(c.index)} of a batch of {c.batch}"]
        if c.shape != c.derived_shape:
            lines[0] = f"{head}: {what} on a batch of {c.batch}"
            lines.append(f"  yours has shape {c.shape}, the derived {c.derived_shape}; confirmed at a second point")
        else:
            lines.append(
                f"  yours {c.yours!r}, derived {c.derived!r}, relative error {c.rel_error:.3g} "
                f"(tolerance {self.tol:.3g}); confirmed at a second point"
            )
        lines += [f"  likely cause: {cause}" for cause in self.causes] or ["  likely cause: none of those symnn tries"]
        lines += [f"  derived: {e}", f"  LaTeX: {e.latex}", f"  where {_LEGEND}"]
        lines += [f"  step {s}" for s in self.steps]
        return "\n".join(lines)


_REFERENCES: dict[tuple, tuple[Layer, Reference]] = {}


def _reference(layer: Layer, inputs: tuple[int, ...], **options: Any) -> Reference:
    """The layer's reference, compiled once per layer object and options (tests and loops reuse it)."""
    key = (id(layer), inputs, *sorted((k, repr(v)) for k, v in options.items()))
    hit = _REFERENCES.get(key)
    if hit is not None and hit[0] is layer:
        return hit[1]
    ref = reference(layer, inputs, **options)
    if len(_REFERENCES) >= 64:
        _REFERENCES.pop(next(iter(_REFERENCES)))
    _REFERENCES[key] = (layer, ref)
    return ref


def _first_input(inputs: Any) -> tuple[np.ndarray | None, tuple[int, ...]]:
    """(the first batch, one row a sample, or None; one sample's shape) from an int, a shape or a batch."""
    dims = inputs if isinstance(inputs, tuple) else (inputs,)
    if all(isinstance(k, int) and not isinstance(k, bool) for k in dims):
        if not dims or min(dims) < 1:
            raise ValueError(
                f"inputs must be a positive integer (entries per sample), a sample's shape or a batch, got {inputs!r}"
            )
        return None, dims
    X = np.asarray(inputs, dtype=np.float64)
    if X.ndim < 2 or X.size < 1 or not np.all(np.isfinite(X)):
        raise ValueError(
            f"inputs must be a finite batch of shape (samples, entries) or (samples, *shape), or an int, "
            f"got shape {X.shape}"
        )
    return X.reshape(len(X), -1), X.shape[1:]


def _draw(ref: Reference, plan: tuple[int, bool], rng: np.random.Generator, X: np.ndarray | None, dtype: str):
    """Random values for a point: parameters, ``X``, ``G`` and masks (Bernoulli with the keep probability), rounded
    to ``dtype`` (the user's arrays) and as float64 (the reference's)."""
    n, kink = plan
    X = rng.normal(size=(n, ref.net.input_node.width)) if X is None else X.copy()
    if kink:
        X[rng.random(X.shape) < 1 / 3] = 0.0
    values = {p: rng.normal(size=shape) for p, shape in ref.shapes.items()}
    values |= {"X": X, "G": rng.normal(size=(len(X), ref.node.width))}
    keep = next(iter(ref.constants.values()), 0.5)
    values |= {m: (rng.random((len(X), ref.node.width)) < keep).astype(np.float64) for m in ref.mask_names}
    return {k: np.asarray(v, dtype=dtype) for k, v in values.items()}


def _errors(u: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.abs(u - d) / np.maximum(np.maximum(np.abs(u), np.abs(d)), FLOOR)


def _compare(ad: Adapter, name: str, got: Any, derived: np.ndarray, tol: float, natural) -> np.ndarray | None:
    """None when the quantity agrees, else the user's array (in the derived layout when it has the ``natural``
    shape, N × C × H × W for an image batch). Raises :class:`UserError` when the user's value cannot be compared."""
    what = ad.quantity(name)
    try:
        u = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise UserError(f"{what} is {type(got).__name__}, not an array of numbers") from None
    if not np.all(np.isfinite(u)):
        raise UserError(f"{what} has NaN or inf (the derived dC/d{name} is finite at this point)")
    if u.shape == natural:
        u = u.reshape(derived.shape)
    if u.shape == derived.shape:
        return None if np.max(_errors(u, derived), initial=0.0) <= tol else u
    if u.ndim == 2 and u.T.shape == derived.shape:
        return u  # the transpose's shape: a disagreement, which the causes may name a transposed product
    raise UserError(f"{what} has shape {u.shape}; the derived dC/d{name} has shape {derived.shape}")


@dataclass(frozen=True)
class _Found:
    """A disagreement at one point: the quantity's name and the point."""

    name: str
    point: Point


def _at(ad: Adapter, ref: Reference, values: dict[str, np.ndarray], tol: float) -> _Found | None:
    """Run both sides at a point; the first quantity that disagrees (output, input gradient, parameters)."""
    user, masks = ad.run(values)
    given = {k: np.asarray(v, dtype=np.float64) for k, v in (values | masks).items()}
    derived = ref.run(given)
    for name in ("Y", INPUT, *ref.param_names):
        u = _compare(ad, name, user[name], derived[name], tol, ref.natural(name, len(values["X"])))
        if u is not None:
            return _Found(name, Point(given, u, derived[name]))
    return None


def _counterexample(ad: Adapter, ref: Reference, found: _Found) -> Counterexample:
    """The entry that disagrees most, its index in the quantity's natural shape (N × C × H × W for images)."""
    p = found.point
    u = p.yours if p.yours.shape == p.derived.shape else p.yours.T
    err = _errors(u, p.derived)
    at = int(np.argmax(err))
    index = np.unravel_index(at, err.shape) if err.ndim else ()
    v = p.values
    n = len(v["X"])
    natural = ref.natural(found.name, n)
    return Counterexample(
        ad.quantity(found.name),
        found.name,
        tuple(int(i) for i in np.unravel_index(at, natural)) if err.ndim else (),
        float(u[index]),
        float(p.derived[index]),
        float(err[index]),
        v["X"].reshape(ref.natural(INPUT, n)),
        v["G"].reshape(ref.natural("Y", n)),
        {ad.names[k]: v[k] for k in ad.params},
        {ad.names[k]: v[k] for k in ad.masks},
        p.yours.shape,
        p.derived.shape,
    )


def check_backward(
    impl: Any,
    layer: Layer,
    *,
    inputs: Any = 3,
    params: Mapping[str, str] | None = None,
    convention: str = "row",
    constants: Mapping[str, float] | None = None,
    relu_grad_at_zero: Any = 0,
    pool_ties: str = "first",
    dtype: str = "float64",
    tol: float | None = None,
    seed: int = 0,
) -> BackwardCheck:
    """Check a hand-written layer's forward and backward against symnn's derivation of ``layer``.

    Parameters
    ----------
    impl : object, pair of functions, or function
        An object with ``forward(x)``/``backward(dout)`` and parameters as attributes (``W``; gradients ``dW``), a
        pair ``(forward, backward)``, or ``f(x, dout, *params)`` returning ``(out, grads)``; see
        :mod:`symnn.codegen.backward_adapters`. Its code runs: check only code you trust.
    layer : Layer
        The layer it implements, such as ``sn.Dense(4)`` or ``sn.BatchNorm(eps=1e-7)``.
    inputs : int, tuple or array
        Entries per sample, one sample's shape (``(C, H, W)``, ``(T, d)``), or a first batch to check at (samples ×
        entries or × the shape). ``x`` and ``dout`` come in their natural shapes (N × C × H × W); ``out`` and ``dx``
        may be returned so or flat.
    params : mapping, optional
        The user's names of the layer's arrays, ``{"w": "W1"}``; by default symnn's name without its number.
    convention : str
        ``"row"`` (the textbook's ``x @ W``, the default) or ``"column"`` (``W`` is n_out × n_in).
    constants : mapping, optional
        A dropout's keep probability, ``{"p": 0.8}``.
    relu_grad_at_zero : number
        ReLU′(0) of the derivation (0 unless set, as the textbook's ``x <= 0`` mask).
    pool_ties : {"first", "split"}
        Where a max pooling's gradient goes at a tie: the first maximal entry (the textbook's argmax) or shared.
    dtype : {"float64", "float32"}
        The dtype of the arrays given to the user's code; the tolerance defaults by it (:data:`BACKWARD_TOLERANCES`).
    tol : float, optional
        The largest relative error ``|a − b| / max(|a|, |b|, 1e-3)`` of an entry that agrees.
    seed : int
        The random points' seed.

    Returns
    -------
    BackwardCheck
        ``status`` "agrees", "disagrees" (confirmed at a second point; counterexample, causes, derived formula) or
        "unknown" (the reason).
    """
    tol = _tolerance(dtype, tol)
    X0, shape = _first_input(inputs)
    options = {"convention": convention, "relu_grad_at_zero": relu_grad_at_zero, "constants": dict(constants or {})}
    ref = _reference(layer, shape, pool_ties=pool_ties, **options)
    ad = adapter(impl, ref.param_names, ref.mask_names, params, (ref.in_shape, ref.node.shape))
    plan = [(len(X0), False)] if X0 is not None else []
    plan += [p for p in PLAN if not layer.couples_samples or p[0] > 1]
    result = {"implementation": ad.label, "layer": repr(layer), "tol": tol, "dtype": dtype, **_derived(ad, ref)}
    return _search(ad, ref, plan, X0, seed, dtype, result)


def _tolerance(dtype: str, tol: float | None) -> float:
    if dtype not in BACKWARD_TOLERANCES:
        raise ValueError(f"dtype must be one of {', '.join(BACKWARD_TOLERANCES)}, got {dtype!r}")
    tol = BACKWARD_TOLERANCES[dtype] if tol is None else float(tol)
    if not tol > 0:
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    return tol


def _derived(ad: Adapter, ref: Reference) -> dict[str, Any]:
    """The report's formulas (by the user's names) and a composite layer's steps."""
    found = {ad.quantity(n): Expected(f.lhs, f.rhs) for n in ("Y", INPUT, *ref.param_names) for f in [ref.formula(n)]}
    steps = tuple(f"{s} = {sp.sstr(e)}" for s, e in (*ref.forward_steps, *ref.backward_steps))
    return {"formulas": found, "steps": steps}


def _search(ad: Adapter, ref: Reference, plan, X0, seed: int, dtype: str, result: dict[str, Any]) -> BackwardCheck:
    """Point after point until a disagreement, confirmed at a second point of the same kind, or the end."""
    tol = result["tol"]
    for k, point in enumerate(plan):
        first = X0 if k == 0 else None
        try:
            at = _at(ad, ref, _draw(ref, point, np.random.default_rng([seed, k]), first, dtype), tol)
            if at is None:
                continue
            again = _at(ad, ref, _draw(ref, point, np.random.default_rng([seed, k, 1]), None, dtype), tol)
        except UserError as e:
            return BackwardCheck("unknown", points=k + 1, reason=str(e), **result)
        if again is None or again.name != at.name:
            reason = f"{ad.quantity(at.name)} disagreed at one point, not at a second of the same kind: not confirmed"
            return BackwardCheck("unknown", points=k + 2, reason=reason, **result)
        named = causes(ref, at.name, [at.point, again.point], tol, FLOOR)
        e = ref.formula(at.name)
        return BackwardCheck(
            "disagrees", points=k + 2, counterexample=_counterexample(ad, ref, at), expected=Expected(e.lhs, e.rhs),
            causes=named, **result,
        )  # fmt: skip
    return BackwardCheck("agrees", points=len(plan), **result)


def assert_backward(impl: Any, layer: Layer, **options: Any) -> BackwardCheck:
    """For tests: raise ``AssertionError`` with the report unless :func:`check_backward` finds that ``impl`` agrees.

    Takes the arguments of :func:`check_backward` and returns its result when it agrees.
    """
    v = check_backward(impl, layer, **options)
    if not v:
        raise AssertionError(v.message)
    return v

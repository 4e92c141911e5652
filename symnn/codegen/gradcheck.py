"""``gradcheck``: a compiled model's gradient against central differences of its own loss (seed 003)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from symnn.codegen.compiler import Model

__all__ = ["GRADCHECK_DEFAULTS", "GradCheck", "gradcheck"]


@dataclass(frozen=True)
class GradCheck:
    """The outcome of :func:`gradcheck`; truthy when ``max_rel_error <= tol``.

    ``name``/``index`` locate the worst entry; ``analytic`` and ``numeric`` are its two values.
    """

    max_rel_error: float
    tol: float
    name: str
    index: tuple[int, ...]
    analytic: float
    numeric: float
    abs_error: float
    eps: float

    def __bool__(self) -> bool:
        return self.max_rel_error <= self.tol

    def __float__(self) -> float:
        return self.max_rel_error

    @property
    def message(self) -> str:
        verdict = "ok" if self else "FAILED"
        return (
            f"gradcheck {verdict}: max relative error {self.max_rel_error:.3g} (tolerance {self.tol:.3g}) "
            f"at {self.name}{list(self.index)}: compiled {self.analytic!r}, central difference {self.numeric!r}, "
            f"abs error {self.abs_error:.3g} (step {self.eps:.3g})"
        )


#: dtype -> (central-difference step, tolerance on the relative error)
GRADCHECK_DEFAULTS: dict[str, tuple[float, float]] = {"float64": (1e-6, 1e-6), "float32": (1e-2, 2e-2)}


def gradcheck(
    model: Model,
    params: Mapping[str, Any],
    X: Any,
    T: Any,
    *,
    eps: float | None = None,
    tol: float | None = None,
    floor: float = 1e-3,
) -> GradCheck:
    r"""Compare the compiled gradient with central differences of the compiled loss.

    Seed 003's approximation :math:`f(x + \Delta x) \approx f(x) + f'(x)\Delta x` read both ways gives
    :math:`f'(x) \approx \frac{f(x + \Delta x) - f(x - \Delta x)}{2\Delta x}` (error :math:`O(\Delta x^2)`).
    Every entry of every parameter is perturbed in turn (small networks only).

    The relative error of an entry is :math:`|g - \hat g| / \max(|g|, |\hat g|, \text{floor})`; the floor
    keeps a near-zero gradient's rounding noise from reading as a large relative error.
    Step and tolerance default by dtype (:data:`GRADCHECK_DEFAULTS`).

    Returns
    -------
    GradCheck
        Truthy when within tolerance; ``.message`` names the worst entry, both values and both errors.
    """
    X, T = model._checked(params, X, T)
    dtype = np.dtype(model.check_params(params))
    step, tolerance = GRADCHECK_DEFAULTS[dtype.name]
    eps = step if eps is None else eps
    tol = tolerance if tol is None else tol
    analytic = {k: np.asarray(v) for k, v in model.grad(params, X, T).items()}
    work = {k: np.array(v, dtype=dtype) for k, v in params.items()}
    worst = None
    for name in model.param_names:
        P = work[name]
        for index in np.ndindex(P.shape):
            old = P[index]
            P[index] = old + dtype.type(eps)
            up = float(model.loss(model._to_backend(work), X, T))
            P[index] = old - dtype.type(eps)
            down = float(model.loss(model._to_backend(work), X, T))
            P[index] = old
            numeric = (up - down) / (2 * eps)
            a = float(analytic[name][index])
            err = abs(a - numeric)
            rel = err / max(abs(a), abs(numeric), floor)
            if worst is None or rel > worst[0]:
                worst = (rel, name, index, a, numeric, err)
    rel, name, index, a, numeric, err = worst
    return GradCheck(rel, tol, name, tuple(int(i) for i in index), a, numeric, err, eps)

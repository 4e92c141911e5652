"""Optimizers: SGD, momentum and Adam, updating parameter arrays in place (seed 004's w ← w − ρ ∂C/∂w)."""

from __future__ import annotations

import abc
import inspect
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["DEFAULT_LR", "OPTIMIZERS", "SGD", "Adam", "Momentum", "Optimizer", "make_optimizer"]


def _update(params: dict[str, Any], name: str, delta: Any) -> None:
    """``params[name] -= delta``: in place for NumPy arrays, a new array for JAX's immutable ones."""
    p = params[name]
    if isinstance(p, np.ndarray):
        p -= delta
    else:
        params[name] = p - delta


def _scaled(g: Any, factor: float, out: Any) -> Any:
    """``factor * g``, written into ``out`` (a gradient array the step owns) when both are NumPy arrays."""
    if isinstance(out, np.ndarray) and isinstance(g, np.ndarray):
        return np.multiply(g, factor, out=out)
    return factor * g


class Optimizer(abc.ABC):
    """Base: ``step(params, grads)`` updates ``params`` in place; ``state`` holds named arrays per parameter.

    ``step`` may use the arrays of ``grads`` as scratch space (a fresh gradient each step: one
    allocation of a weight-sized array saved per parameter).
    """

    name = ""
    slots: tuple[str, ...] = ()

    def __init__(self, lr: float) -> None:
        if not (_is_real(lr) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"the learning rate must be a positive number, got {lr!r}")
        self.lr = float(lr)
        self.t = 0  # steps taken
        self.state: dict[str, dict[str, Any]] = {slot: {} for slot in self.slots}

    def config(self) -> dict[str, Any]:
        """The hyperparameters (what a resumed run must repeat)."""
        return {"optimizer": self.name, "lr": self.lr}

    def _slot(self, slot: str, name: str, like: Any) -> Any:
        s = self.state[slot]
        if name not in s:
            s[name] = like * 0  # zeros of the parameter's shape, dtype and array type
        return s[name]

    @abc.abstractmethod
    def step(self, params: dict[str, Any], grads: Mapping[str, Any]) -> None:
        """Update ``params`` in place from ``grads``."""


class SGD(Optimizer):
    r"""Gradient descent, :math:`\theta \leftarrow \theta - \rho\,\partial C/\partial\theta`.

    ``lr`` is seed 004's learning rate ρ.

    Seed 004: too large a ρ diverges, too small a ρ converges slowly.
    """

    name = "sgd"

    def step(self, params, grads):
        self.t += 1
        for k, g in grads.items():
            _update(params, k, _scaled(g, self.lr, g))


class Momentum(SGD):
    r"""SGD with momentum: :math:`v \leftarrow \beta v + g`, :math:`\theta \leftarrow \theta - \rho v`."""

    name = "momentum"
    slots = ("v",)

    def __init__(self, lr: float, beta: float = 0.9) -> None:
        super().__init__(lr)
        self.beta = _fraction("momentum", beta)

    def config(self):
        return {**super().config(), "beta": self.beta}

    def step(self, params, grads):
        self.t += 1
        for k, g in grads.items():
            v = self._slot("v", k, g)
            if isinstance(v, np.ndarray):
                v *= self.beta
                v += g
            else:
                v = self.state["v"][k] = self.beta * v + g
            _update(params, k, _scaled(v, self.lr, g))


class Adam(Optimizer):
    r"""Adam (Kingma & Ba): moments m, v with bias correction; step :math:`\rho\,\hat m/(\sqrt{\hat v} + \epsilon)`."""

    name = "adam"
    slots = ("m", "v")

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta1, self.beta2 = _fraction("beta1", beta1), _fraction("beta2", beta2)
        if not (_is_real(eps) and eps > 0):
            raise ValueError(f"Adam's eps must be positive, got {eps!r}")
        self.eps = float(eps)

    def config(self):
        return {**super().config(), "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def step(self, params, grads):
        self.t += 1
        c1, c2 = 1 - self.beta1**self.t, 1 - self.beta2**self.t
        lr = self.lr * math.sqrt(c2) / c1  # the bias corrections folded into the step size
        for k, g in grads.items():
            m, v = self._slot("m", k, g), self._slot("v", k, g)
            m = self.state["m"][k] = self.beta1 * m + (1 - self.beta1) * g
            v = self.state["v"][k] = self.beta2 * v + (1 - self.beta2) * (g * g)
            _update(params, k, lr * m / ((v**0.5) + self.eps * math.sqrt(c2)))


def _fraction(name: str, value: float) -> float:
    if not (_is_real(value) and 0 <= value < 1):
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def _is_real(value: Any) -> bool:
    """A real number, NumPy's scalars included (``np.float32(0.1)``), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "momentum": Momentum, "adam": Adam}

#: optimizer -> its learning rate when none is given. Adam divides each step by the gradient's running
#: magnitude, so its ρ is a step length in parameter units: 1e-3 is Kingma & Ba's default (and PyTorch's,
#: Keras's, scikit-learn's); SGD's and momentum's ρ scales the gradient itself: 0.1, as symnn always had.
DEFAULT_LR: dict[str, float] = {"sgd": 0.1, "momentum": 0.1, "adam": 1e-3}


def make_optimizer(name: str, lr: float | None = None, **options: Any) -> Optimizer:
    """The optimizer called ``name`` with learning rate ``lr`` (default ``DEFAULT_LR[name]``) and its own
    options (unknown ones are refused).

    Examples
    --------
    >>> make_optimizer("adam").lr, make_optimizer("adam", 0.01).lr, make_optimizer("sgd").lr
    (0.001, 0.01, 0.1)
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; valid choices: {', '.join(OPTIMIZERS)}")
    valid = [p for p in inspect.signature(OPTIMIZERS[name]).parameters if p != "lr"]
    unknown = [k for k in options if k not in valid]
    if unknown:
        raise ValueError(
            f"{name} has no option {', '.join(map(repr, unknown))}; "
            + (f"its options: {', '.join(valid)}" if valid else "it takes no options besides lr")
        )
    return OPTIMIZERS[name](DEFAULT_LR[name] if lr is None else lr, **options)


# -- accuracy ----------------------------------------------------------------------------------------

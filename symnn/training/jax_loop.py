"""The JAX path of :func:`symnn.training.train.train`: the fast loop's steps with a jitted optimizer update, on one
device or data-parallel over several with ``jax.sharding`` (JAX's own distribution: nothing home-made).

With ``devices``, the devices form a one-axis mesh ``("batch",)``: each batch is split by rows over it, the
parameters and the optimizer's state are replicated, and XLA partitions the jitted step, summing the gradients
of the devices' rows (an all-reduce) where the loss averages over the batch. A batch whose rows do not divide
among the devices (a last partial batch) is replicated instead: every device computes all of it, and the step
is the same. One process: training across processes (``jax.distributed``) is not done yet.

Internal to the train stage (nothing here is re-exported): :mod:`symnn.training.train` is the interface.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from symnn.training.fast import FastLoop
from symnn.training.loop import Position, Run
from symnn.training.optimizers import SGD, Adam, Momentum

__all__ = ["JaxLoop", "resolve_devices"]


def resolve_devices(devices: Any) -> list[Any] | None:
    """``train``'s ``devices=``: None (JAX's default device), ``"all"`` (every device JAX sees), a positive int
    n (the first n) or a sequence of JAX devices; as a list, or None."""
    if devices is None:
        return None
    import jax

    available = jax.devices()
    if isinstance(devices, str):
        if devices != "all":
            raise ValueError(f"devices must be 'all', a number of devices or a list of them, got {devices!r}")
        return list(available)
    if isinstance(devices, int) and not isinstance(devices, bool):
        if not 1 <= devices <= len(available):
            raise ValueError(f"devices={devices}: JAX sees {len(available)} device(s) ({available[0].platform})")
        return list(available[:devices])
    if isinstance(devices, Sequence) and devices and all(d in available for d in devices):
        return list(devices)
    raise ValueError(f"devices must be 'all', a number of devices or a list of JAX devices, got {devices!r}")


class JaxLoop(FastLoop):
    """:class:`~symnn.training.fast.FastLoop` on JAX: the compiled ``train_step`` and a jitted update; the
    previous state kept by reference (JAX's arrays are immutable)."""

    def __init__(self, run: Run, functions: dict[str, Callable], devices: list[Any] | None) -> None:
        super().__init__(run, functions)
        import jax
        from jax.sharding import Mesh, NamedSharding, PartitionSpec

        self.jax = jax
        self.n_devices = 1
        self.rows = self.whole = None
        if devices is not None:
            mesh = Mesh(np.array(devices), ("batch",))
            self.rows, self.whole = NamedSharding(mesh, PartitionSpec("batch")), NamedSharding(mesh, PartitionSpec())
            self.n_devices = len(devices)

    def put(self, X: np.ndarray, T: np.ndarray) -> tuple[Any, Any]:
        """A batch on the mesh: split by rows where they divide among the devices, else replicated."""
        if self.rows is None:
            return X, T
        sharding = self.rows if X.shape[0] % self.n_devices == 0 else self.whole
        return self._global(np.asarray(X), sharding), self._global(np.asarray(T), sharding)

    def _global(self, A: np.ndarray, sharding: Any) -> Any:
        """``A`` as one array over the mesh, each device given its part."""
        return self.jax.make_array_from_callback(A.shape, sharding, lambda index: A[index])

    def start(self, at: Position) -> None:
        opt = self.run.opt
        jnp = self.jax.numpy
        place = (lambda p: self._global(np.asarray(p), self.whole)) if self.whole is not None else (lambda p: p)
        self.cur = [place(at.params[k]) for k in self.names]
        self.other = list(self.cur)
        for slot in opt.slots:
            values = opt.state[slot]
            pairs = zip(self.names, self.cur, strict=True)
            now = [place(values[k]) if k in values else place(jnp.zeros_like(p)) for k, p in pairs]
            self.slots[slot] = (now, list(now))
        self.update = _jax_updater(self.jax, opt, self)
        self.X, self.T = self.put(self.run.X, self.run.T)
        if self.run.X_test is not None:
            self.test = self.put(self.run.X_test, self.run.T_test)


def _jax_updater(jax: Any, opt: Any, loop: JaxLoop) -> Callable[[list[Any]], None]:
    """``update(grads)``: the optimizer's formulas (:mod:`symnn.training.optimizers`) in one jitted call."""
    cur, other, slots = loop.cur, loop.other, loop.slots

    if type(opt) is SGD:

        @jax.jit
        def sgd(params, state, grads, lr):
            return [p - lr * g for p, g in zip(params, grads, strict=True)], state

        kernel = sgd
    elif type(opt) is Momentum:

        @jax.jit
        def momentum(params, state, grads, lr):
            v = [opt.beta * v + g for v, g in zip(state[0], grads, strict=True)]
            return [p - lr * w for p, w in zip(params, v, strict=True)], [v]

        kernel = momentum
    else:
        assert type(opt) is Adam
        b1, b2 = opt.beta1, opt.beta2

        @jax.jit
        def adam(params, state, grads, lr_eps):
            lr, eps = lr_eps
            m = [b1 * m + (1 - b1) * g for m, g in zip(state[0], grads, strict=True)]
            v = [b2 * v + (1 - b2) * (g * g) for v, g in zip(state[1], grads, strict=True)]
            return [p - lr * a / (b**0.5 + eps) for p, a, b in zip(params, m, v, strict=True)], [m, v]

        kernel = adam

    def update(grads):
        opt.t += 1
        if type(opt) is Adam:
            c1, c2 = 1 - opt.beta1**opt.t, 1 - opt.beta2**opt.t
            rate = (opt.lr * math.sqrt(c2) / c1, opt.eps * math.sqrt(c2))
        else:
            rate = opt.lr
        new, state = kernel(list(cur), [now for now, _ in slots.values()], grads, rate)
        other[:], cur[:] = cur[:], new
        for (now, old), values in zip(slots.values(), state, strict=True):
            old[:], now[:] = now[:], values

    return update

"""The parts of :func:`symnn.training.train.train`'s loop: settling a run from its arguments, the position it
resumes from, the steps of an epoch, and the states it keeps and saves.

Internal to the train stage (nothing here is re-exported): :mod:`symnn.training.train` is the interface.
"""

from __future__ import annotations

import math
import numbers
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from symnn.codegen.compiler import check_trainable, network_spec
from symnn.codegen.model import Model
from symnn.model.graph import Network
from symnn.model.spec import spec_of
from symnn.training.checkpoint import Checkpoint, History, load_checkpoint
from symnn.training.optimizers import Optimizer, make_optimizer

__all__ = [
    "Kept",
    "NonFiniteLoss",
    "Position",
    "Run",
    "SigintFlag",
    "checkpoint_of",
    "epoch_steps",
    "kept_state",
    "positive_int",
    "prepare",
    "snapshot",
    "start_position",
]


@dataclass
class Run:
    """What ``train`` settles before its first step: the data, the optimizer and the settings of the run."""

    model: Model
    opt: Optimizer
    X: Any
    T: Any
    X_test: Any  # None without held-out data
    T_test: Any
    epochs: int
    batch_size: int
    n_batches: int
    seed: int
    dtype: np.dtype
    spec: dict[str, Any]
    config: dict[str, Any]
    dropout: bool
    eval_masks: list[Any]  # evaluation runs without dropout (see prepare)
    test_masks: list[Any]

    @property
    def n(self) -> int:
        """The number of training samples."""
        return self.X.shape[0]


@dataclass
class Position:
    """Where ``train`` is: the parameters and history so far, the step to take next, the loss sum of the epoch so
    far, and the last finite state (``finite``; ``pending`` until the step after it has a finite loss)."""

    params: dict[str, Any]
    history: History
    epoch: int = 0
    batch: int = 0
    loss_sum: float = 0.0
    finite: Kept | None = None
    pending: Kept | None = None


class Kept(NamedTuple):
    """A state safe from later steps: what a checkpoint of it holds; ``epochs``: the length of its history."""

    params: dict[str, Any]
    state: dict[str, dict[str, Any]]
    steps: int
    epoch: int
    batch: int
    loss_sum: float
    epochs: int


def prepare(
    model: Model,
    X: Any,
    T: Any,
    params: Mapping[str, Any] | None,
    X_test: Any,
    T_test: Any,
    resume: str | Path | None,
    *,
    optimizer: str,
    lr: float | None,
    epochs: Any,
    batch_size: Any,
    seed: Any,
    options: dict[str, Any],
) -> tuple[Run, dict[str, Any], Checkpoint | None]:
    """Check ``train``'s arguments and settle the run; returns it, the starting parameters (a copy, on the
    model's backend) and the checkpoint to resume.

    The refusals come in the order ``train`` always had: a call with several bad arguments names the same one.
    """
    if not isinstance(model, Model):
        raise TypeError(f"train takes a Model from symnn.compile, got {type(model).__name__}")
    check_trainable(model.network)  # a Model built by hand gets compile's refusals too
    epochs = positive_int("epochs", epochs)
    seed = positive_int("seed", seed, least=0)
    X = np.asarray(X) if not hasattr(X, "shape") else X
    dtype = np.dtype(X.dtype) if np.dtype(X.dtype).kind == "f" else np.dtype(np.float64)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"X is {dtype}; valid dtypes: float32, float64 (X.astype('float32'))")
    opt = make_optimizer(optimizer, lr, **options)
    spec = _network_spec(model)
    ckpt = load_checkpoint(resume) if resume is not None else None
    params, dtype = _starting_params(model, params, ckpt, resume, spec, X, dtype, seed)
    X, T = model._checked(params, X, T)
    if (X_test is None) != (T_test is None):
        given, missing = ("X_test", "T_test") if T_test is None else ("T_test", "X_test")
        raise ValueError(f"{given} given without {missing}: held-out data needs both X_test and T_test, or neither")
    if X_test is not None:
        X_test, T_test = model._checked(params, X_test, T_test)
    N = X.shape[0]
    batch_size = min(positive_int("batch_size", N if batch_size is None else batch_size), N)
    config = {**opt.config(), "batch_size": batch_size, "seed": seed, "dtype": dtype.name}
    dropout = bool(getattr(model, "mask_names", ()))
    # evaluation runs without dropout: each mask is its keep probability p, which makes a/p·m the identity
    eval_masks = model._masks(None, X) if dropout else []
    test_masks = model._masks(None, X_test) if dropout and X_test is not None else []
    run = Run(
        model=model,
        opt=opt,
        X=X,
        T=T,
        X_test=X_test,
        T_test=T_test,
        epochs=epochs,
        batch_size=batch_size,
        n_batches=-(-N // batch_size),
        seed=seed,
        dtype=dtype,
        spec=spec,
        config=config,
        dropout=dropout,
        eval_masks=eval_masks,
        test_masks=test_masks,
    )
    return run, params, ckpt


def _starting_params(
    model: Model,
    params: Mapping[str, Any] | None,
    ckpt: Checkpoint | None,
    resume: str | Path | None,
    spec: dict[str, Any],
    X: Any,
    dtype: np.dtype,
    seed: int,
) -> tuple[dict[str, Any], np.dtype]:
    """The parameters to start from (the checkpoint's, those given, or ``model.init``), copied onto the model's
    backend, and the dtype of the run (a checkpoint's own: a resumed run continues in it)."""
    if ckpt is not None:
        if ckpt.spec != spec:
            raise ValueError(f"checkpoint {resume} is for the network {ckpt.spec}, not {spec}")
        params = ckpt.params
        trained = np.dtype(next(iter(params.values())).dtype)
        if np.dtype(X.dtype).kind == "f" and trained != dtype:
            raise TypeError(f"checkpoint {resume} was trained in {trained}, X is {dtype}: X.astype({trained.name!r})")
        dtype = trained
    elif params is None:
        params = model.init(seed, dtype=dtype)
    return model._to_backend({k: np.array(v, copy=True) for k, v in params.items()}), dtype


def start_position(run: Run, params: dict[str, Any], ckpt: Checkpoint | None, resume: str | Path | None) -> Position:
    """The position to start from: the beginning, or the checkpoint's (its optimizer state restored into
    ``run.opt``), once its settings are those of this run, so that the run continues exactly."""
    at = Position(params, History())
    if ckpt is None:
        return at
    config = run.config
    changed = [f"{k}={ckpt.config.get(k)!r} (now {v!r})" for k, v in config.items() if ckpt.config.get(k) != v]
    if changed:
        raise ValueError(
            f"checkpoint {resume} was trained with {', '.join(changed)}; resume with the same settings "
            "so that the run continues exactly"
        )
    opt = run.opt
    ckpt.check_state(resume, opt.slots, run.model.param_names)
    opt.t = ckpt.optimizer_steps
    for slot, values in ckpt.optimizer_state.items():
        if slot not in opt.state:
            raise ValueError(f"checkpoint {resume}: optimizer state {slot!r} does not belong to {opt.name}")
        opt.state[slot] = run.model._to_backend({k: np.array(v) for k, v in values.items()})
    at.history, at.epoch, at.batch, at.loss_sum = ckpt.history, ckpt.epoch, ckpt.batch, ckpt.loss_sum
    return at


def epoch_steps(run: Run, at: Position, sigint: SigintFlag, callback: Callable[[int, int, float], None] | None) -> None:
    """The steps of epoch ``at.epoch`` from step ``at.batch`` on, ``at`` following each one."""
    X, T, size, seed, epoch = run.X, run.T, run.batch_size, run.seed, at.epoch
    vg = run.model._value_and_grad
    order = np.random.default_rng((seed, epoch)).permutation(run.n) if run.n_batches > 1 else None
    for b in range(at.batch, run.n_batches):
        if order is None:
            Xb, Tb = X, T
        else:
            idx = order[b * size : (b + 1) * size]
            Xb, Tb = X[idx], T[idx]
        if run.dropout:
            masks = run.model.draw_masks(np.random.default_rng((seed, epoch, b)), Xb.shape[0], run.dtype)
            loss, grads = vg(at.params, Xb, Tb, masks)
        else:
            loss, grads = vg(at.params, Xb, Tb)
        value = float(loss)
        if not math.isfinite(value):
            raise NonFiniteLoss(epoch, b, value)
        if at.pending is not None:
            at.finite, at.pending = at.pending, None
        run.opt.step(at.params, grads)
        at.loss_sum += value * Xb.shape[0]
        at.batch = b + 1  # from here on the step is complete: a checkpoint resumes after it
        if callback is not None:
            callback(epoch, b, value)
        if sigint.raised:
            raise KeyboardInterrupt


def kept_state(run: Run, at: Position, epoch: int, batch: int, partial: float) -> Kept:
    """The state now, safe from later steps, as at step ``batch`` of ``epoch`` with the loss sum ``partial``."""
    state = {slot: {k: _kept(v) for k, v in values.items()} for slot, values in run.opt.state.items()}
    params = {k: _kept(v) for k, v in at.params.items()}
    return Kept(params, state, run.opt.t, epoch, batch, partial, len(at.history))


def snapshot(run: Run, at: Position, epoch: int, batch: int, partial: float) -> Checkpoint:
    """A checkpoint of the state now, as at step ``batch`` of ``epoch`` with the loss sum ``partial``."""
    return checkpoint_of(run, at.params, run.opt.state, run.opt.t, epoch, batch, partial, at.history)


def checkpoint_of(
    run: Run,
    params: Mapping[str, Any],
    state: Mapping[str, Mapping[str, Any]],
    steps: int,
    epoch: int,
    batch: int,
    partial: float,
    history: History,
) -> Checkpoint:
    """A checkpoint of ``params`` and the optimizer's ``state`` after ``steps`` steps, as at step ``batch`` of
    ``epoch`` with the loss sum ``partial`` and ``history``: NumPy arrays, whichever the backend."""
    state = {slot: {k: np.asarray(v) for k, v in values.items()} for slot, values in state.items()}
    params = {k: np.asarray(v) for k, v in params.items()}
    return Checkpoint(params, state, steps, epoch, batch, partial, run.spec, run.config, history)


class NonFiniteLoss(Exception):
    """Inside ``train``: the step ``batch`` of ``epoch`` had the non-finite ``loss``."""

    def __init__(self, epoch: int, batch: int, loss: float) -> None:
        super().__init__(epoch, batch, loss)
        self.epoch, self.batch, self.loss = epoch, batch, loss


class SigintFlag:
    """While active, Ctrl-C sets a flag instead of raising, so the loop stops between two steps."""

    def __init__(self) -> None:
        self.raised = False
        self._previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        self.raised = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


def positive_int(name: str, value: Any, least: int = 1) -> int:
    """``value`` as an int ≥ ``least`` (NumPy's integers included, not a bool); else a ValueError naming ``name``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool | np.bool_) or value < least:
        what = "a positive integer" if least == 1 else "a non-negative integer"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


def _kept(value: Any) -> Any:
    """A copy of a NumPy array that later in-place steps will not change (JAX's arrays are immutable)."""
    return value.copy() if isinstance(value, np.ndarray) else value


def _network_spec(model: Model) -> dict[str, Any]:
    """What a checkpoint stores to name its network: a Network's spec (with the constants it was compiled with,
    so that a resumed run keeps its keep probabilities and λ), or an MLP's arguments."""
    if isinstance(model.network, Network):
        return spec_of(model.network, {s.name: v for s, v in model.constants.items()})
    return network_spec(model.network)

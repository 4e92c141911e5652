"""Training a compiled model: seeded mini-batches, history, atomic resumable checkpoints (optimizers:
:mod:`symnn.training.optimizers`).

Reproducible to the bit: epoch e shuffles with ``numpy.random.default_rng((seed, e))``, so a run resumed
from a checkpoint (saved at any step, Ctrl-C included) continues exactly as the uninterrupted run.
"""

from __future__ import annotations

import logging
import math
import numbers
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from symnn.codegen.compiler import check_trainable, network_spec
from symnn.codegen.model import Model
from symnn.training.checkpoint import Checkpoint, History, load_checkpoint, save_checkpoint
from symnn.training.optimizers import make_optimizer

__all__ = [
    "Checkpoint",
    "History",
    "TrainingDiverged",
    "TrainingInterrupted",
    "accuracy",
    "load_checkpoint",
    "save_checkpoint",
    "train",
]

log = logging.getLogger(__name__)


def _positive_int(name: str, value: Any, least: int = 1) -> int:
    """``value`` as an int ≥ ``least`` (NumPy's integers included, not a bool); else a ValueError naming ``name``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool | np.bool_) or value < least:
        what = "a positive integer" if least == 1 else "a non-negative integer"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


#: name -> optimizer class (what ``train(optimizer=...)`` and ``symnn train --optimizer`` accept)
def accuracy(Y: Any, T: Any) -> float:
    """The fraction of samples classified right: argmax of outputs vs targets; one output: > 0.5 vs target > 0.5."""
    Y, T = np.asarray(Y), np.asarray(T)
    if T.shape[1] == 1:
        return float(np.mean((Y[:, 0] > 0.5) == (T[:, 0] > 0.5)))
    return float(np.mean(np.argmax(Y, axis=1) == np.argmax(T, axis=1)))


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`train`: the run stopped after a whole step; ``checkpoint`` is where it was saved."""

    def __init__(self, params, history: History, epoch: int, checkpoint: Path | None) -> None:
        super().__init__(f"interrupted in epoch {epoch + 1}" + (f"; saved {checkpoint}" if checkpoint else ""))
        self.params, self.history, self.epoch, self.checkpoint = params, history, epoch, checkpoint


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite: :func:`train` stopped at that step, before taking it.

    Attributes
    ----------
    epoch, batch : int
        Where (0-based): the step ``batch`` of epoch ``epoch`` had a non-finite loss.
    loss : float
        That loss (``nan``, ``inf``).
    params : dict
        The last finite state's parameters: those at the end of the last epoch whose next step still had
        a finite loss (the starting parameters if the first step's loss was not finite).
    history : History
        The history up to that state (``len(history)`` epochs).
    checkpoint : Path or None
        Where that state was saved (``train(checkpoint=...)``); None without a checkpoint, or when no
        step had a finite loss (an existing checkpoint file is then left as it was).
    lr : float
        The learning rate of the run.
    kept_at : (int, int) or None
        The last finite state as (complete epochs, steps into the next); None when there is none.
    """

    def __init__(
        self,
        params,
        history: History,
        epoch: int,
        batch: int,
        loss: float,
        lr: float,
        checkpoint: Path | None,
        kept_at: tuple[int, int] | None,
    ) -> None:
        if kept_at is None:
            kept = "no step had a finite loss: check the data and the starting parameters"
        else:
            steps = f" and {kept_at[1]} steps of the next" if kept_at[1] else ""
            kept = f"kept the state after {kept_at[0]} epochs{steps}" + (
                f", saved in {checkpoint}" if checkpoint else ""
            )
        super().__init__(
            f"training diverged in epoch {epoch + 1} (step {batch + 1} of it): the loss is {loss}; {kept}. "
            f"Try a lower learning rate (now {lr:g}; e.g. {lr / 10:g}), the adam optimizer, or inputs scaled "
            "to about [-1, 1]"
        )
        self.params, self.history, self.epoch, self.batch, self.loss = params, history, epoch, batch, loss
        self.lr, self.checkpoint, self.kept_at = lr, checkpoint, kept_at


class _NonFiniteLoss(Exception):
    """Inside :func:`train`: the step ``batch`` of ``epoch`` had the non-finite ``loss``."""

    def __init__(self, epoch: int, batch: int, loss: float) -> None:
        super().__init__(epoch, batch, loss)
        self.epoch, self.batch, self.loss = epoch, batch, loss


def _kept(value: Any) -> Any:
    """A copy of a NumPy array that later in-place steps will not change (JAX's arrays are immutable)."""
    return value.copy() if isinstance(value, np.ndarray) else value


class _SigintFlag:
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


# -- the loop ---------------------------------------------------------------------------------------------


def train(
    model: Model,
    X: Any,
    T: Any,
    *,
    params: Mapping[str, Any] | None = None,
    optimizer: str = "sgd",
    lr: float | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    seed: int = 0,
    X_test: Any = None,
    T_test: Any = None,
    checkpoint: str | Path | None = None,
    checkpoint_every: int | None = None,
    resume: str | Path | None = None,
    progress: bool | None = None,
    callback: Callable[[int, int, float], None] | None = None,
    **optimizer_options: Any,
) -> tuple[dict[str, Any], History]:
    """Train ``model`` on inputs ``X`` (N × n_in) and targets ``T`` (N × n_out).

    Parameters
    ----------
    model : Model
        From :func:`symnn.compile`.
    params : dict, optional
        Starting parameters (copied, never changed); default ``model.init(seed, dtype)`` with the
        dtype of ``X`` (float64 for integer ``X``).
    optimizer : {"sgd", "momentum", "adam"}
        Options go as keywords: ``beta`` (momentum), ``beta1``, ``beta2``, ``eps`` (Adam).
    lr : float, optional
        The learning rate ρ (seed 004); default ``DEFAULT_LR[optimizer]``: 0.1 for SGD and momentum,
        1e-3 for Adam.
    epochs : int
        Passes over the data (in total, counting those of a resumed checkpoint).
    batch_size : int, optional
        Samples per step; default all of them (full-batch gradient descent). Smaller batches are
        drawn from a shuffle seeded by ``(seed, epoch)``: the same seed gives the same result, bit for bit.
    X_test, T_test : arrays, optional
        Held-out data (both or neither): its loss and accuracy are recorded every epoch.
    checkpoint : path, optional
        Where to save checkpoints (``.npz``): every ``checkpoint_every`` epochs, at the end, and on Ctrl-C.
    resume : path, optional
        Continue from this checkpoint: the result equals the uninterrupted run's, bit for bit.
    progress : bool, optional
        A tqdm progress bar (extra ``symnn[progress]``); default: on a terminal, for runs over ~2 s.
    callback : callable, optional
        ``callback(epoch, batch, loss)`` after every step.

    Returns
    -------
    params, History

    Raises
    ------
    TrainingInterrupted
        On Ctrl-C, after the current step, with the checkpoint saved if ``checkpoint`` is given.
    TrainingDiverged
        At the first step whose loss is NaN or infinite (too large a learning rate, most often), before
        taking it. It carries the last finite state (the end of the last epoch after which the loss stayed
        finite), which is also what ``checkpoint`` then holds. NumPy's floating-point warnings are not
        printed while training: whatever they would warn of shows as a non-finite loss, and stops the run.
    """
    if not isinstance(model, Model):
        raise TypeError(f"train takes a Model from symnn.compile, got {type(model).__name__}")
    check_trainable(model.network)  # a Model built by hand gets compile's refusals too
    epochs = _positive_int("epochs", epochs)
    seed = _positive_int("seed", seed, least=0)
    X = np.asarray(X) if not hasattr(X, "shape") else X
    dtype = np.dtype(X.dtype) if np.dtype(X.dtype).kind == "f" else np.dtype(np.float64)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"X is {dtype}; valid dtypes: float32, float64 (X.astype('float32'))")
    opt = make_optimizer(optimizer, lr, **optimizer_options)

    spec = network_spec(model.network)
    ckpt = load_checkpoint(resume) if resume is not None else None
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
    params = model._to_backend({k: np.array(v, copy=True) for k, v in params.items()})
    X, T = model._checked(params, X, T)
    if (X_test is None) != (T_test is None):
        given, missing = ("X_test", "T_test") if T_test is None else ("T_test", "X_test")
        raise ValueError(f"{given} given without {missing}: held-out data needs both X_test and T_test, or neither")
    has_test = X_test is not None
    if has_test:
        X_test, T_test = model._checked(params, X_test, T_test)
    N = X.shape[0]
    if batch_size is None:
        batch_size = N
    batch_size = _positive_int("batch_size", batch_size)
    batch_size = min(batch_size, N)
    n_batches = -(-N // batch_size)
    config = {**opt.config(), "batch_size": batch_size, "seed": seed, "dtype": dtype.name}

    history, start_epoch, start_batch, loss_sum = History(), 0, 0, 0.0
    if ckpt is not None:
        changed = [f"{k}={ckpt.config.get(k)!r} (now {v!r})" for k, v in config.items() if ckpt.config.get(k) != v]
        if changed:
            raise ValueError(
                f"checkpoint {resume} was trained with {', '.join(changed)}; resume with the same settings "
                "so that the run continues exactly"
            )
        ckpt.check_state(resume, opt.slots, model.param_names)
        opt.t = ckpt.optimizer_steps
        for slot, values in ckpt.optimizer_state.items():
            if slot not in opt.state:
                raise ValueError(f"checkpoint {resume}: optimizer state {slot!r} does not belong to {opt.name}")
            opt.state[slot] = model._to_backend({k: np.array(v) for k, v in values.items()})
        history, start_epoch, start_batch, loss_sum = ckpt.history, ckpt.epoch, ckpt.batch, ckpt.loss_sum
        if start_epoch >= epochs:
            log.info("checkpoint %s already has %d epochs", resume, start_epoch)

    def snapshot(epoch: int, batch: int, partial: float) -> Checkpoint:
        state = {slot: {k: np.asarray(v) for k, v in values.items()} for slot, values in opt.state.items()}
        return Checkpoint(
            {k: np.asarray(v) for k, v in params.items()}, state, opt.t, epoch, batch, partial, spec, config, history
        )

    def kept(epoch: int, batch: int, partial: float) -> tuple:
        """The state now, safe from later steps: (params, optimizer state, steps, epoch, batch, loss, epochs)."""
        state = {slot: {k: _kept(v) for k, v in values.items()} for slot, values in opt.state.items()}
        return {k: _kept(v) for k, v in params.items()}, state, opt.t, epoch, batch, partial, len(history)

    # The last finite state: a state (kept at each epoch's end) counts once the step after it has a finite loss.
    finite: tuple | None = None
    pending: tuple | None = kept(start_epoch, start_batch, loss_sum)
    bar = _progress_bar(progress, epochs, start_epoch)
    vg, fwd, lossf = model._value_and_grad, model._f["forward"], model._f["loss"]
    names = model.param_names
    epoch = start_epoch
    try:
        with _SigintFlag() as sigint, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(start_epoch, epochs):
                t0 = time.perf_counter()
                order = np.random.default_rng((seed, epoch)).permutation(N) if n_batches > 1 else None
                for b in range(start_batch, n_batches):
                    if order is None:
                        Xb, Tb = X, T
                    else:
                        idx = order[b * batch_size : (b + 1) * batch_size]
                        Xb, Tb = X[idx], T[idx]
                    loss, grads = vg(params, Xb, Tb)
                    value = float(loss)
                    if not math.isfinite(value):
                        raise _NonFiniteLoss(epoch, b, value)
                    if pending is not None:
                        finite, pending = pending, None
                    opt.step(params, grads)
                    loss_sum += value * Xb.shape[0]
                    start_batch = b + 1  # from here on the step is complete: a checkpoint resumes after it
                    if callback is not None:
                        callback(epoch, b, value)
                    if sigint.raised:
                        raise KeyboardInterrupt
                args = [params[k] for k in names]
                history.loss.append(loss_sum / N)
                history.accuracy.append(accuracy(fwd(*args, X), T))
                if has_test:
                    history.test_loss.append(float(lossf(*args, X_test, T_test)))
                    history.test_accuracy.append(accuracy(fwd(*args, X_test), T_test))
                else:
                    history.test_loss.append(math.nan)
                    history.test_accuracy.append(math.nan)
                history.seconds.append(time.perf_counter() - t0)
                start_batch, loss_sum = 0, 0.0
                pending = kept(epoch + 1, 0, 0.0)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{history.loss[-1]:.4g}", acc=f"{history.accuracy[-1]:.3f}", refresh=False)
                if checkpoint is not None and checkpoint_every and (epoch + 1) % checkpoint_every == 0:
                    save_checkpoint(checkpoint, snapshot(epoch + 1, 0, 0.0))
    except KeyboardInterrupt:
        saved = None
        if checkpoint is not None:
            saved = save_checkpoint(checkpoint, snapshot(epoch, start_batch, loss_sum))
        raise TrainingInterrupted(params, history, epoch, saved) from None
    except _NonFiniteLoss as e:
        saved = None
        if finite is None:  # not one finite loss: the starting state is all there is, and it is not finite
            last = History(**{k: list(v) for k, v in vars(history).items()})
            raise TrainingDiverged(params, last, e.epoch, e.batch, e.loss, opt.lr, None, None) from None
        kept_params, state, steps, at_epoch, at_batch, partial, length = finite
        last = History(**{k: v[:length] for k, v in vars(history).items()})
        if checkpoint is not None:
            state = {slot: {k: np.asarray(v) for k, v in values.items()} for slot, values in state.items()}
            saved = save_checkpoint(
                checkpoint,
                Checkpoint(
                    {k: np.asarray(v) for k, v in kept_params.items()},
                    state,
                    steps,
                    at_epoch,
                    at_batch,
                    partial,
                    spec,
                    config,
                    last,
                ),
            )
        kept_at = (at_epoch, at_batch)
        raise TrainingDiverged(kept_params, last, e.epoch, e.batch, e.loss, opt.lr, saved, kept_at) from None
    finally:
        if bar is not None:
            bar.close()
    if checkpoint is not None:
        save_checkpoint(checkpoint, snapshot(max(epochs, start_epoch), 0, 0.0))
    return params, history


def _progress_bar(progress: bool | None, epochs: int, start: int):
    if progress is None:
        progress = sys.stderr.isatty() and epochs - start >= 200
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        log.warning("no progress bar: tqdm is not installed (pip install 'symnn[progress]')")
        return None
    return tqdm(total=epochs, initial=start, unit="epoch", file=sys.stderr, leave=False)

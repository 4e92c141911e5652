"""Training a compiled model: seeded mini-batches, history, atomic resumable checkpoints (optimizers:
:mod:`symnn.training.optimizers`).

Reproducible to the bit: epoch e shuffles with ``numpy.random.default_rng((seed, e))`` (and draws batch b's
dropout masks with ``default_rng((seed, e, b))``), so a run resumed from a checkpoint (saved at any step,
Ctrl-C included) continues exactly as the uninterrupted run.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from symnn.codegen.model import Model
from symnn.training.checkpoint import Checkpoint, History, load_checkpoint, save_checkpoint
from symnn.training.fast import FastLoop
from symnn.training.jax_loop import JaxLoop, resolve_devices
from symnn.training.loop import (
    NonFiniteLoss,
    Position,
    Run,
    SigintFlag,
    checkpoint_of,
    epoch_steps,
    kept_state,
    prepare,
    snapshot,
    start_position,
)
from symnn.training.optimizers import SGD, Adam, Momentum

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
    devices: Any = None,
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
        A network with dropout draws fresh masks for every step (seeded by ``(seed, epoch, batch)``);
        the accuracies and the held-out loss are computed without them (inverted dropout's evaluation mode).
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
    devices : "all", int or list of JAX devices, optional
        JAX backend: train data-parallel over these devices (``"all"``: every device JAX sees; n: the first n),
        in this process: each batch split by rows over a one-axis ``jax.sharding.Mesh``, the parameters
        replicated, the gradients summed across devices by XLA. The same parameters as on one device, to float
        rounding. A batch whose rows do not divide among the devices is replicated.

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
    run, params, ckpt = prepare(
        model,
        X,
        T,
        params,
        X_test,
        T_test,
        resume,
        optimizer=optimizer,
        lr=lr,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        options=optimizer_options,
    )
    at = start_position(run, params, ckpt, resume)
    start_epoch = at.epoch
    if ckpt is not None and start_epoch >= run.epochs:
        log.info("checkpoint %s already has %d epochs", resume, start_epoch)
    # The last finite state: a state (kept at each epoch's end) counts once the step after it has a finite loss.
    at.pending = kept_state(run, at, at.epoch, at.batch, at.loss_sum)
    fast = fast_loop(run, devices)  # NumPy: the same run, bit for bit, with less overhead per step
    bar = _progress_bar(progress, run.epochs, start_epoch)
    if fast is not None:
        fast.start(at)
        if bar is not None:
            fast.chunk = 1  # the bar shows each epoch's accuracy as it comes
    try:
        with SigintFlag() as sigint, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(start_epoch, run.epochs):
                at.epoch = epoch
                if fast is not None:
                    fast.epoch(at, sigint, callback)
                    fast.end_epoch(at, epoch + 1)
                else:
                    t0 = time.perf_counter()
                    epoch_steps(run, at, sigint, callback)
                    _evaluate(run, at, t0)
                    at.batch, at.loss_sum = 0, 0.0
                    at.pending = kept_state(run, at, epoch + 1, 0, 0.0)
                if bar is not None:
                    _show(bar, at.history, fast is not None and fast.owed)
                if checkpoint is not None and checkpoint_every and (epoch + 1) % checkpoint_every == 0:
                    if fast is not None:
                        fast.sync(at)
                    save_checkpoint(checkpoint, snapshot(run, at, epoch + 1, 0, 0.0))
    except KeyboardInterrupt:
        if fast is not None:
            fast.sync(at)
        saved = None
        if checkpoint is not None:
            saved = save_checkpoint(checkpoint, snapshot(run, at, at.epoch, at.batch, at.loss_sum))
        raise TrainingInterrupted(at.params, at.history, at.epoch, saved) from None
    except NonFiniteLoss as e:
        if fast is not None:
            fast.sync(at)
        raise _divergence(run, at, e, checkpoint) from None
    finally:
        if bar is not None:
            bar.close()
    if fast is not None:
        fast.sync(at)
    if checkpoint is not None:
        save_checkpoint(checkpoint, snapshot(run, at, max(run.epochs, start_epoch), 0, 0.0))
    return at.params, at.history


def _show(bar: Any, history: History, owed: bool) -> None:
    """One more epoch on the progress bar, with its loss and the latest accuracy known (``owed``: the last
    epoch's is still to come, from the next step)."""
    bar.update(1)
    accuracy = history.accuracy[-2] if owed and len(history) > 1 else history.accuracy[-1]
    bar.set_postfix(loss=f"{history.loss[-1]:.4g}", acc=f"{accuracy:.3f}", refresh=False)


def fast_loop(run: Run, devices: Any = None) -> FastLoop | None:
    """The fast path for ``run`` (on JAX, over ``devices``: see :func:`symnn.training.jax_loop.resolve_devices`),
    or None where the general loop runs it (dropout, a model of no training functions, an optimizer of one's
    own)."""
    model = run.model
    if devices is not None and model.backend != "jax":
        raise ValueError(f"devices={devices!r} is for the JAX backend: sn.compile(net, backend='jax')")
    ok = not run.dropout and type(run.opt) in (SGD, Momentum, Adam)
    functions = model.training_functions() if ok else None
    if functions is None:
        if devices is not None:
            raise ValueError(
                f"devices={devices!r}: data-parallel training takes SGD, momentum or Adam on a network compiled "
                "from its layers without dropout"
            )
        return None
    if model.backend == "jax":
        return JaxLoop(run, functions, resolve_devices(devices))
    return FastLoop(run, functions)


def _evaluate(run: Run, at: Position, t0: float) -> None:
    """The history's entries of the epoch just done (started at ``t0``): the loss its steps had, the accuracy and
    the held-out loss and accuracy of its end's parameters (NaN without held-out data)."""
    fwd, lossf = run.model._f["forward"], run.model._f["loss"]
    args = [at.params[k] for k in run.model.param_names]
    history = at.history
    history.loss.append(at.loss_sum / run.n)
    history.accuracy.append(accuracy(fwd(*args, run.X, *run.eval_masks), run.T))
    if run.X_test is not None:
        history.test_loss.append(float(lossf(*args, run.X_test, run.T_test, *run.test_masks)))
        history.test_accuracy.append(accuracy(fwd(*args, run.X_test, *run.test_masks), run.T_test))
    else:
        history.test_loss.append(math.nan)
        history.test_accuracy.append(math.nan)
    history.seconds.append(time.perf_counter() - t0)


def _divergence(run: Run, at: Position, e: NonFiniteLoss, checkpoint: str | Path | None) -> TrainingDiverged:
    """The error for the non-finite loss ``e``: it carries the last finite state, saved in ``checkpoint``."""
    if at.finite is None:  # not one finite loss: the starting state is all there is, and it is not finite
        last = History(**{k: list(v) for k, v in vars(at.history).items()})
        return TrainingDiverged(at.params, last, e.epoch, e.batch, e.loss, run.opt.lr, None, None)
    kept = at.finite
    last = History(**{k: v[: kept.epochs] for k, v in vars(at.history).items()})
    saved = None
    if checkpoint is not None:
        state = checkpoint_of(run, kept.params, kept.state, kept.steps, kept.epoch, kept.batch, kept.loss_sum, last)
        saved = save_checkpoint(checkpoint, state)
    return TrainingDiverged(kept.params, last, e.epoch, e.batch, e.loss, run.opt.lr, saved, (kept.epoch, kept.batch))


def _progress_bar(progress: bool | None, epochs: int, start: int):
    """A tqdm bar over the epochs from ``start`` on, or None (not asked for, or tqdm not installed)."""
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

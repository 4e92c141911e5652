"""The NumPy fast path of :func:`symnn.training.train.train`: the same run, bit for bit, at a fraction of the cost
per step on small networks, where Python's overhead, not arithmetic, is the step's price.

What it saves, against the general loop of :mod:`symnn.training.loop`:

- no dict is built and nothing checked per step: the compiled ``train_step`` is called on a list of arrays;
- the optimizer writes the new parameters (and its state) into a second set of arrays made once, with ``out=``,
  and the two sets take turns: the state before the last step stays whole in the other set, which is what a
  divergence keeps (the general loop copies every array at every epoch's end for that);
- with the whole data set in one batch, the step's own outputs Y are those of the previous step's parameters,
  so the accuracy of each epoch's end comes from the next step's forward pass, not from one more (the last
  epoch's, and any wanted before a checkpoint, from a forward pass of its own);
- the held-out loss and accuracy come from one forward pass (``evaluate``), not two.

Internal to the train stage (nothing here is re-exported): :mod:`symnn.training.train` is the interface.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from symnn.training.loop import Kept, NonFiniteLoss, Position, Run, SigintFlag, kept_state
from symnn.training.optimizers import SGD, Adam, Momentum

__all__ = ["FastLoop"]


class FastLoop:
    """The fast path's arrays and steps; :meth:`epoch` runs one epoch, :meth:`sync` hands the state back to the
    position and optimizer (before a checkpoint, a callback's look, the end)."""

    def __init__(self, run: Run, functions: dict[str, Callable]) -> None:
        self.run = run
        self.step, self.evaluate = functions["train_step"], functions["evaluate"]
        self.forward = run.model._f["forward"]
        self.names = run.model.param_names
        self.full = run.n_batches == 1
        T = np.asarray(run.T)
        self.one_output = T.shape[1] == 1
        self.labels = T[:, 0] > 0.5 if self.one_output else np.argmax(T, axis=1)
        if run.T_test is not None:
            T_test = np.asarray(run.T_test)
            self.test_labels = T_test[:, 0] > 0.5 if self.one_output else np.argmax(T_test, axis=1)
        self.owed = False  # the last history entry's accuracy is still to be filled in
        # full batch: the outputs whose accuracies are still to be counted (history index, Y), counted together
        # every `chunk` epochs (one argmax for many epochs), at most about a million numbers held
        self.outputs: list[tuple[int, np.ndarray]] = []
        self.chunk = max(1, min(256, 2**20 // max(1, run.n * T.shape[1])))
        self.stepped = False  # a step was taken in this run (so the other set of arrays holds a state)
        self.cur: list[np.ndarray] = []
        self.other: list[np.ndarray] = []
        self.slots: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}

    def put(self, X: np.ndarray, T: np.ndarray) -> tuple[Any, Any]:
        """A batch where the step reads it (NumPy: where it is)."""
        return X, T

    def start(self, at: Position) -> None:
        """Take the arrays of ``at`` and the optimizer's state (zeros where it has none yet)."""
        opt = self.run.opt
        self.cur = [at.params[k] for k in self.names]
        self.other = [np.empty_like(p) for p in self.cur]
        for slot in opt.slots:
            values = opt.state[slot]
            now = [values[k] if k in values else np.zeros_like(p) for k, p in zip(self.names, self.cur, strict=True)]
            self.slots[slot] = (now, [np.empty_like(p) for p in self.cur])
        self.scratch = [np.empty_like(p) for p in self.cur]
        self.update = _updater(opt, self)
        self.X, self.T = self.put(self.run.X, self.run.T)
        if self.run.X_test is not None:
            self.test = self.put(self.run.X_test, self.run.T_test)

    def sync(self, at: Position) -> None:
        """Point ``at.params`` and the optimizer's state at the current arrays; fill in an owed accuracy."""
        opt = self.run.opt
        at.params.update(zip(self.names, self.cur, strict=True))
        for slot, (now, _) in self.slots.items():
            if opt.t:  # before the first step the optimizer has no state, as in the general loop
                opt.state[slot].update(zip(self.names, now, strict=True))
        if self.owed:
            self.outputs.append((len(at.history) - 1, self.forward(*self.cur, self.X)))
            self.owed = False
        self.settle(at)

    def settle(self, at: Position) -> None:
        """Count the accuracies of the outputs kept for it into the history."""
        if not self.outputs:
            return
        where, Ys = zip(*self.outputs, strict=True)
        self.outputs.clear()
        Y = np.stack(Ys)
        guess = Y[:, :, 0] > 0.5 if self.one_output else np.argmax(Y, axis=2)
        counts = np.count_nonzero(guess == self.labels, axis=1)
        accuracy, n = at.history.accuracy, self.labels.shape[0]
        for i, count in zip(where, counts.tolist(), strict=True):
            accuracy[i] = count / n

    def _accuracy(self, Y: np.ndarray, labels: np.ndarray) -> float:
        """As :func:`symnn.training.train.accuracy`: the same fraction, counted rather than averaged."""
        guess = Y[:, 0] > 0.5 if self.one_output else np.argmax(Y, axis=1)
        return np.count_nonzero(guess == labels) / labels.shape[0]

    def previous(self, epoch: int) -> Kept:
        """The state before the last step, at the start of ``epoch`` (full batch: the other set of arrays), as the
        general loop keeps it."""
        opt = self.run.opt
        params = dict(zip(self.names, self.other, strict=True))
        state = {slot: dict(zip(self.names, old, strict=True)) for slot, (_, old) in self.slots.items()}
        if opt.t == 1:
            state = {slot: {} for slot in opt.slots}  # the state before the first step: none yet
        return Kept(params, state, opt.t - 1, epoch, 0, 0.0, epoch)

    def epoch(self, at: Position, sigint: SigintFlag, callback: Callable[[int, int, float], None] | None) -> None:
        """Epoch ``at.epoch`` from step ``at.batch`` on, and its history entry (full batch: its accuracy owed)."""
        run, history = self.run, at.history
        t0 = time.perf_counter()
        if not self.full:
            self._batches(at, sigint, callback)
            history.accuracy.append(self._accuracy(self.forward(*self.cur, self.X), self.labels))
        else:
            if at.batch == 0:  # (a run resumed after its epoch's one step has nothing left to take)
                self._full_step(at, callback)
                if sigint.raised:
                    raise KeyboardInterrupt
            history.accuracy.append(math.nan)
            self.owed = True
        history.loss.append(at.loss_sum / run.n)
        if run.X_test is not None:
            C, Y = self.evaluate(*self.cur, *self.test)
            history.test_loss.append(float(C))
            history.test_accuracy.append(self._accuracy(Y, self.test_labels))
        else:
            history.test_loss.append(math.nan)
            history.test_accuracy.append(math.nan)
        history.seconds.append(time.perf_counter() - t0)

    def _full_step(self, at: Position, callback: Callable[[int, int, float], None] | None) -> None:
        """The epoch's one step; its outputs give the accuracy the previous epoch owes."""
        run, epoch = self.run, at.epoch
        C, Y, *grads = self.step(*self.cur, self.X, self.T)
        value = float(C)
        if self.owed:
            self.outputs.append((len(at.history) - 1, Y))
            self.owed = False
            if len(self.outputs) >= self.chunk:
                self.settle(at)
        if not math.isfinite(value):
            if self.stepped:
                at.finite = self.previous(epoch - 1)
            raise NonFiniteLoss(epoch, 0, value)
        if at.pending is not None:  # the run's first step: its start is the last finite state
            at.finite, at.pending = at.pending, None
        self.update(grads)
        self.stepped = True
        at.loss_sum += value * run.n
        at.batch = 1
        if callback is not None:
            callback(epoch, 0, value)

    def _batches(self, at: Position, sigint: SigintFlag, callback: Callable[[int, int, float], None] | None) -> None:
        """The steps of a mini-batch epoch from ``at.batch`` on; the last finite state kept as the general loop
        keeps it (a copy at each epoch's end)."""
        run, epoch, size = self.run, at.epoch, self.run.batch_size
        X, T, step, update = run.X, run.T, self.step, self.update
        order = np.random.default_rng((run.seed, epoch)).permutation(run.n)
        for b in range(at.batch, run.n_batches):
            idx = order[b * size : (b + 1) * size]
            Xb = X[idx]
            C, _, *grads = step(*self.cur, *self.put(Xb, T[idx]))
            value = float(C)
            if not math.isfinite(value):
                raise NonFiniteLoss(epoch, b, value)
            if at.pending is not None:
                at.finite, at.pending = at.pending, None
            update(grads)
            at.loss_sum += value * Xb.shape[0]
            at.batch = b + 1
            if callback is not None:
                callback(epoch, b, value)
            if sigint.raised:
                raise KeyboardInterrupt

    def end_epoch(self, at: Position, epoch: int) -> None:
        """After the epoch: the next starts at its first step. Its start is the state a divergence in it falls
        back to once that step is finite: kept by a copy (mini-batches, as the general loop keeps it) or, with
        the whole data in one batch, by :meth:`previous` for free."""
        at.batch, at.loss_sum = 0, 0.0
        if not self.full:
            self.sync(at)
            at.pending = kept_state(self.run, at, epoch, 0, 0.0)


def _updater(opt: Any, loop: FastLoop) -> Callable[[list[np.ndarray]], None]:
    """``update(grads)``: the optimizer's step into the other set of arrays, which then becomes the current one.

    Each array operation is the one :mod:`symnn.training.optimizers` does, in the same order, so the result is
    the same to the bit; the gradients serve as scratch space, as there.
    """
    cur, other = loop.cur, loop.other
    n = len(cur)
    multiply, subtract, add = np.multiply, np.subtract, np.add

    def swap() -> None:
        cur[:], other[:] = other[:], cur[:]
        for now, old in loop.slots.values():
            now[:], old[:] = old[:], now[:]

    if type(opt) is SGD:
        lr = opt.lr

        def update(grads):
            opt.t += 1
            for i in range(n):
                g = grads[i]
                subtract(cur[i], multiply(g, lr, out=g), out=other[i])
            cur[:], other[:] = other[:], cur[:]

        return update
    if type(opt) is Momentum:
        lr, beta = opt.lr, opt.beta
        v, v_new = loop.slots["v"]

        def update(grads):
            opt.t += 1
            for i in range(n):
                g = grads[i]
                add(multiply(v[i], beta, out=v_new[i]), g, out=v_new[i])
                subtract(cur[i], multiply(v_new[i], lr, out=g), out=other[i])
            swap()

        return update
    return _adam_updater(opt, loop, swap)


def _adam_updater(opt: Adam, loop: FastLoop, swap: Callable[[], None]) -> Callable[[list[np.ndarray]], None]:
    """Adam's step as :meth:`symnn.training.optimizers.Adam.step` takes it, into the other set of arrays."""
    cur, other, scratch = loop.cur, loop.other, loop.scratch
    (m, m_new), (v, v_new) = loop.slots["m"], loop.slots["v"]
    b1, b2, one_b1, one_b2 = opt.beta1, opt.beta2, 1 - opt.beta1, 1 - opt.beta2
    multiply, subtract, add, divide, sqrt = np.multiply, np.subtract, np.add, np.divide, np.sqrt

    def update(grads):
        opt.t += 1
        c1, c2 = 1 - opt.beta1**opt.t, 1 - opt.beta2**opt.t
        lr = opt.lr * math.sqrt(c2) / c1
        eps = opt.eps * math.sqrt(c2)
        for i in range(len(cur)):
            g, s = grads[i], scratch[i]
            add(multiply(m[i], b1, out=m_new[i]), multiply(g, one_b1, out=s), out=m_new[i])
            add(multiply(v[i], b2, out=v_new[i]), multiply(multiply(g, g, out=s), one_b2, out=s), out=v_new[i])
            add(sqrt(v_new[i], out=s), eps, out=s)  # v**0.5 is NumPy's sqrt
            subtract(cur[i], divide(multiply(m_new[i], lr, out=g), s, out=g), out=other[i])
        swap()

    return update

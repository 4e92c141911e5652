"""A one-layer attention model learns "copy the largest of n numbers to every position".

Each sample is n numbers x_t in [0, 1], with a constant feature 1 beside each (inputs of shape (n, 2)); the target at
every position is max_t x_t (the value feature; the second output column's target is 1). One head of attention can
do it exactly in the limit: a query that is constant (from the feature 1) scores each key by its x, so the softmax
picks the largest, and the value copies it. Trained with ``sn.train`` (Adam, mini-batches) on 4000 samples, evaluated
on 1000 others; a position counts as right when its output is closer to the largest number than to the second.

Run: PYTHONPATH=. python benchmarks/attention_max.py [n] [epochs]
"""

from __future__ import annotations

import sys
import time

import numpy as np

import symnn as sn


def make(n: int, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (count × n·2: each token (x_t, 1)) and targets (count × n·2: each token (max x, 1))."""
    x = rng.uniform(0.0, 1.0, size=(count, n))
    X = np.stack([x, np.ones_like(x)], axis=2).reshape(count, 2 * n)
    top = x.max(axis=1, keepdims=True)
    T = np.stack([np.broadcast_to(top, x.shape), np.ones_like(x)], axis=2).reshape(count, 2 * n)
    return X, T


def right(model: sn.Model, params: dict, X: np.ndarray, n: int) -> float:
    """The share of positions whose output is closer to the largest number than to the second largest."""
    x = X.reshape(len(X), n, 2)[:, :, 0]
    ordered = np.sort(x, axis=1)
    top, second = ordered[:, -1:], ordered[:, -2:-1]
    y = np.asarray(model.forward(params, X)).reshape(len(X), n, 2)[:, :, 0]
    return float(np.mean(np.abs(y - top) < np.abs(y - second)))


def main(n: int = 5, epochs: int = 60) -> None:
    rng = np.random.default_rng(0)
    X, T = make(n, 4000, rng)
    X_test, T_test = make(n, 1000, rng)
    net = sn.Network([sn.Attention(d_k=2)], inputs=(n, 2), loss="mse")
    model = sn.compile(net)
    start = time.perf_counter()
    params, history = sn.train(
        model, X, T, optimizer="adam", lr=0.05, epochs=epochs, batch_size=100, X_test=X_test, T_test=T_test
    )
    seconds = time.perf_counter() - start
    x = X_test.reshape(-1, n, 2)[:, :, 0]
    mean_guess = np.mean((x.max(axis=1) - x.mean(axis=1)) ** 2) / 2  # every output the tokens' mean (uniform weights)
    print(f"n = {n}, {epochs} epochs of Adam (lr 0.05, batches of 100) in {seconds:.1f} s")
    print(
        f"train loss {history.loss[0]:.5f} (epoch 1) -> {history.loss[-1]:.6f}; test loss {history.test_loss[-1]:.6f}"
    )
    print(f"test loss if every output were the tokens' mean (uniform attention): {mean_guess:.5f}")
    print(
        f"positions closer to the largest than to the second: train {right(model, params, X, n):.3f}, "
        f"test {right(model, params, X_test, n):.3f}"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))

"""The same training step written by hand in NumPy: 784-100-10, sigmoid hidden, softmax + cross-entropy, SGD.

What a careful person writes (as in the textbook of seed 002): batch-first arrays, the softmax
shifted by its row max, the loss through log-sum-exp, δ^(2) = (Y − T)/N, σ' = A(1 − A).
Weights in the column layout (W1 is 100 × 784), as symnn's default convention.

One difference in stability, in this code's favour for speed: it runs without ``np.errstate``, so for
pre-activations below about −88 (float32; −709 in float64) ``np.exp`` overflows to inf and NumPy warns
("overflow encountered in exp"), although σ = 1/(1 + inf) = 0 is right. symnn's generated code silences
that one warning (the issue asks for none up to ±1e4), which costs it about 1-2 µs a call.
"""

import numpy as np


def step(params, X, T, lr):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    A1 = 1 / (1 + np.exp(-(X @ W1.T + b1)))
    Z2 = A1 @ W2.T + b2
    Z2 = Z2 - Z2.max(axis=1, keepdims=True)
    E = np.exp(Z2)
    S = E.sum(axis=1, keepdims=True)
    loss = -np.sum(T * (Z2 - np.log(S))) / N
    d2 = (E / S - T) / N
    d1 = (d2 @ W2) * A1 * (1 - A1)
    W1 -= lr * (d1.T @ X)
    b1 -= lr * d1.sum(axis=0)
    W2 -= lr * (d2.T @ A1)
    b2 -= lr * d2.sum(axis=0)
    return loss


def matmuls(params, X, T, lr, cache={}):  # noqa: B006 - the scratch arrays, made once per shape
    """The step's five matrix products alone, on arrays of the right shapes: the floor."""
    W1, W2 = params["W1"], params["W2"]
    key = (X.shape, X.dtype)
    if key not in cache:
        cache[key] = (np.ones((X.shape[0], W1.shape[0]), X.dtype) * 0.5, np.ones((X.shape[0], W2.shape[0]), X.dtype))
    A1, d2 = cache[key]
    X @ W1.T
    A1 @ W2.T
    d1 = d2 @ W2
    d1.T @ X
    d2.T @ A1


def small_loop(params, X, T, lr, epochs):
    """Full-batch gradient descent on seed 003's 12-3-2 recogniser (sigmoid hidden and output, SSE), written by
    hand: ``epochs`` steps in place, the loss of each recorded (what a careful person writes for a loss curve)."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    losses = []
    for _ in range(epochs):
        A1 = 1 / (1 + np.exp(-(X @ W1.T + b1)))
        A2 = 1 / (1 + np.exp(-(A1 @ W2.T + b2)))
        E = A2 - T
        losses.append(0.5 * float(np.sum(E * E)) / N)
        d2 = E * A2 * (1 - A2) / N
        d1 = (d2 @ W2) * A1 * (1 - A1)
        W1 -= lr * (d1.T @ X)
        b1 -= lr * d1.sum(axis=0)
        W2 -= lr * (d2.T @ A1)
        b2 -= lr * d2.sum(axis=0)
    return losses

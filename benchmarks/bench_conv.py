"""The convolution's training step: symnn's compiled code against a hand-written NumPy im2col step, side by side.

The net: Conv2D(4 filters, 3 × 3, padding 1) → ReLU → MaxPool(2) → Flatten → Dense(10) → softmax + cross-entropy, on
8 × 8 single-channel images (scikit-learn's digits size), batch 64, float64. The hand-written step is the textbook's
(seed 002, chapter 7: im2col, ``col @ Wᵀ``, ``col2im``; the max pool's argmax), written here. One BLAS thread
(threadpoolctl); the two steps alternate within each pass and the median pass is reported. Also the derive + compile
time of that network (goal < 2 s).

Run: python benchmarks/bench_conv.py [--passes 15] [--reps 50]
"""

import argparse
import statistics
import time

import numpy as np

import symnn as sn

F, K, PAD, N = 4, 3, 1, 64


def _im2col(img, kh, kw, stride, pad):
    n, c, h, w = img.shape
    oh, ow = (h + 2 * pad - kh) // stride + 1, (w + 2 * pad - kw) // stride + 1
    img = np.pad(img, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    col = np.zeros((n, c, kh, kw, oh, ow))
    for y in range(kh):
        for x in range(kw):
            col[:, :, y, x, :, :] = img[:, :, y : y + stride * oh : stride, x : x + stride * ow : stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def hand_step(p, X, T, lr):
    """One SGD step, by hand: conv (im2col) → relu → maxpool (argmax) → dense → softmax-CE."""
    n = X.shape[0]
    img = X.reshape(n, 1, 8, 8)
    col = _im2col(img, K, K, 1, PAD)  # (n·64, 9)
    Wc = p["K1"].reshape(F, -1)
    H1 = (col @ Wc.T + p["c1"]).reshape(n, 8, 8, F).transpose(0, 3, 1, 2)  # n × F × 8 × 8
    H2 = np.maximum(H1, 0)
    pcol = _im2col(H2, 2, 2, 2, 0).reshape(-1, 4)  # textbook Pooling: one row per window and channel
    arg = np.argmax(pcol, axis=1)
    H3 = pcol.max(axis=1).reshape(n, 4, 4, F).transpose(0, 3, 1, 2).reshape(n, -1)
    Z = H3 @ p["W1"].T + p["b1"]
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    S = E.sum(axis=1, keepdims=True)
    loss = -np.sum(T * (Z - np.log(S))) / n
    d = (E / S - T) / n
    dH3 = (d @ p["W1"]).reshape(n, F, 4, 4).transpose(0, 2, 3, 1).reshape(-1)
    dmax = np.zeros((dH3.size, 4))
    dmax[np.arange(arg.size), arg] = dH3
    dcol = dmax.reshape(n, 4, 4, F * 4)  # col2im of the pooling windows (no overlap: stride = size)
    dH2 = dcol.reshape(n, 4, 4, F, 2, 2).transpose(0, 3, 1, 4, 2, 5).reshape(n, F, 8, 8)
    dH1 = (dH2 * (H1 > 0)).transpose(0, 2, 3, 1).reshape(-1, F)
    p["K1"] -= lr * (dH1.T @ col).reshape(p["K1"].shape)
    p["c1"] -= lr * dH1.sum(axis=0)
    p["W1"] -= lr * (d.T @ H3)
    p["b1"] -= lr * d.sum(axis=0)
    return loss


def network():
    layers = [sn.Conv2D(F, K, 1, PAD), sn.Activation("relu"), sn.MaxPool(2), sn.Flatten(), sn.Dense(10), sn.Softmax()]
    return sn.Network(layers, inputs=(1, 8, 8), loss="cross-entropy")


def symnn_step(model, p, X, T, lr):
    loss, g = model.value_and_grad(p, X, T)
    for k in p:
        p[k] -= lr * g[k]
    return loss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passes", type=int, default=15)
    ap.add_argument("--reps", type=int, default=50)
    args = ap.parse_args()
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        t0 = time.perf_counter()
        model = sn.compile(network())
        compile_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        sn.backprop(network()).matrix_steps  # noqa: B018
        derive_s = time.perf_counter() - t0
        rng = np.random.default_rng(0)
        X = rng.integers(0, 17, size=(N, 64)).astype(float) / 16 + rng.normal(0, 1e-3, size=(N, 64))  # no ties
        T = np.eye(10)[rng.integers(0, 10, N)]
        p0 = model.init(seed=0)
        a, b = {k: v.copy() for k, v in p0.items()}, {k: v.copy() for k, v in p0.items()}
        assert abs(symnn_step(model, a, X, T, 0.1) - hand_step(b, X, T, 0.1)) < 1e-12
        for k in a:
            np.testing.assert_allclose(a[k], b[k], rtol=1e-10, atol=1e-12)
        ratios, times = [], []
        for _ in range(args.passes):
            t0 = time.perf_counter()
            for _ in range(args.reps):
                symnn_step(model, a, X, T, 0.0)
            t1 = time.perf_counter()
            for _ in range(args.reps):
                hand_step(b, X, T, 0.0)
            t2 = time.perf_counter()
            ratios.append((t1 - t0) / (t2 - t1))
            times.append(((t1 - t0) / args.reps, (t2 - t1) / args.reps))
    s, h = statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)
    print(f"training step, batch {N}: symnn {s * 1e6:.0f} µs, hand-written NumPy im2col {h * 1e6:.0f} µs, "
          f"ratio (median of per-pass ratios) {statistics.median(ratios):.2f}x (goal ≤ 1.2x)")  # fmt: skip
    print(
        f"derive + compile of the network: compile {compile_s:.2f} s (its array sweep alone {derive_s:.2f} s); "
        "goal < 2 s"
    )


if __name__ == "__main__":
    main()

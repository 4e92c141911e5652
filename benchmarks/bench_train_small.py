"""The training loop on a small network, where Python's overhead per step is the price: seed 003's 12-3-2
recogniser (sigmoid hidden and output, SSE) on digits4x3's 64 samples, full batch, SGD ρ = 0.2.

Rows, each against the hand-written NumPy loop (:func:`hand_numpy.small_loop`, which records the loss of every
step as a loss curve needs): a loop of ``model.value_and_grad`` and ``SGD.step`` (what a user writes on
symnn's public functions), and ``sn.train`` on NumPy (which also records each epoch's accuracy and time, keeps
the last finite state and watches for Ctrl-C).

Method as bench_compile.py's: BLAS fixed to one thread, the systems interleaved within each pass (each pass
starting with the next system), the median of the within-pass ratios reported.

    python benchmarks/bench_train_small.py [--passes 7] [--epochs 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import hand_numpy

import symnn as sn
from symnn.training.optimizers import SGD

LR = 0.2


def systems(epochs: int) -> dict:
    d = sn.load_dataset("digits4x3")
    X, T = d.X.astype(np.float64), d.targets(2).astype(np.float64)
    model = sn.compile(sn.MLP([12, 3, 2]))

    def hand():
        hand_numpy.small_loop(model.init(0), X, T, LR, epochs)

    def value_and_grad_loop():
        params, opt = model.init(0), SGD(LR)
        for _ in range(epochs):
            _, grads = model.value_and_grad(params, X, T)
            opt.step(params, grads)

    def train():
        sn.train(model, X, T, lr=LR, epochs=epochs, progress=False)

    return {
        "hand-written NumPy loop": hand,
        "value_and_grad + SGD.step": value_and_grad_loop,
        "sn.train (NumPy)": train,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    runs = systems(args.epochs)
    names = list(runs)
    times: dict[str, list[float]] = {name: [] for name in names}
    with threadpool_limits(limits=args.threads):
        for f in runs.values():
            f()  # warm up
        for i in range(args.passes):
            for name in names[i % len(names) :] + names[: i % len(names)]:
                t0 = time.perf_counter()
                runs[name]()
                times[name].append(time.perf_counter() - t0)
    base = times[names[0]]
    print(f"12-3-2 on digits4x3 (64 samples), full batch, {args.epochs} SGD epochs; BLAS threads: {args.threads}")
    print(f"median over {args.passes} interleaved passes of the within-pass ratio to the hand-written loop\n")
    header = f"{'system':28} {'us/epoch':>9} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for name in names:
        ratio = statistics.median(t / b for t, b in zip(times[name], base, strict=True))
        print(f"{name:28} {1e6 * statistics.median(times[name]) / args.epochs:9.1f} {ratio:7.3f}")
    train = statistics.median(t / b for t, b in zip(times["sn.train (NumPy)"], base, strict=True))
    print(f"\nsn.train (NumPy) / hand-written loop = {train:.3f} (goal <= 1.10)")


if __name__ == "__main__":
    main()

"""Training-step speed of symnn's compiled code against hand-written NumPy, the matrix products alone,
PyTorch and scikit-learn (where installed); and compile time from ``MLP(...)`` to a ready model.

Method (DESIGN.md): BLAS fixed to one thread (threadpoolctl), the systems interleaved within each pass
(each pass starting with the next system), the median of the within-pass ratios reported (absolute
times drift by up to 2x on these machines).

The goal's three systems (symnn, hand-written NumPy, the matrix products) are timed in a rotation of
their own, and the other libraries in a second rotation against symnn. In one rotation of all of them,
the system after JAX (float32) or scikit-learn (float64) in the cyclic order ran about 5 % slower
(what their steps leave behind, JAX's threads and scikit-learn's allocations, outlasts them), and that
system was always symnn: with hand-written NumPy put in that place instead, the penalty moved to it
(float32 symnn / hand-written 1.04-1.06 became 0.99-1.01; float64 1.02-1.06 became 0.96-0.98).
Each timed block also starts after one untimed step of its own system.

    python benchmarks/bench_compile.py [--passes 40] [--threads 1]
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

SIZES = [784, 100, 10]
BATCH = 100
LR = 0.1


def symnn_step(model):
    opt = SGD(LR)
    vg = model._value_and_grad  # what train() calls each step (inputs checked once per run)

    def step(params, X, T, lr):
        loss, grads = vg(params, X, T)
        opt.step(params, grads)
        return loss

    return step


def torch_step(dtype):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    tdtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    model = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.Sigmoid(), torch.nn.Linear(100, 10)).to(tdtype)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(params, X, T, lr):
        Xt, yt = step.cache.get(id(X)) or step.cache.setdefault(
            id(X), (torch.from_numpy(X), torch.from_numpy(np.argmax(T, axis=1)))
        )
        opt.zero_grad()
        loss = loss_fn(model(Xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    step.cache = {}
    return step


def sklearn_step(dtype, X, T):
    try:
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    y = np.argmax(T, axis=1)
    clf = MLPClassifier(
        hidden_layer_sizes=(100,),
        activation="logistic",
        solver="sgd",
        learning_rate_init=LR,
        momentum=0.0,
        batch_size=BATCH,
        alpha=0.0,
    )
    clf.partial_fit(X, y, classes=np.arange(10))

    def step(params, X_, T_, lr):
        clf.partial_fit(X, y)  # one pass over one batch of 100: one SGD step

    return step


def jax_step(model_jax, dtype):
    if model_jax is None or dtype != np.float32:
        return None
    import jax

    vg = model_jax._f["value_and_grad"]
    names = model_jax.param_names

    @jax.jit
    def update(args, X, T):
        loss, *grads = vg(*args, X, T)
        return loss, [p - LR * g for p, g in zip(args, grads, strict=True)]

    def step(params, X, T, lr):
        loss, new = update([params[k] for k in names], X, T)
        params.update(zip(names, new, strict=True))
        jax.block_until_ready(new)
        return loss

    return step


def time_steps(step, params, X, T, reps):
    step(params, X, T, LR)  # untimed: what the previous system left in the caches is this one's own again
    t0 = time.perf_counter()
    for _ in range(reps):
        step(params, X, T, LR)
    return (time.perf_counter() - t0) / reps


def interleaved(systems, X, T, passes: int, reps: int) -> dict[str, list[float]]:
    """Seconds per step of each system in each pass; each pass starts with the next system."""
    for step, params in systems.values():  # warm up
        time_steps(step, params, X, T, 3)
    times = {name: [] for name in systems}
    names = list(systems)
    for i in range(passes):
        # each pass starts with another system, so none always runs on caches another warmed
        for name in names[i % len(names) :] + names[: i % len(names)]:
            step, params = systems[name]
            times[name].append(time_steps(step, params, X, T, reps))
    return times


def bench_steps(passes: int, reps: int) -> None:
    net = sn.MLP(SIZES, activation="sigmoid", output="softmax", loss="cross-entropy")
    model = sn.compile(net)
    try:
        model_jax = sn.compile(net, backend="jax")
    except ImportError:
        model_jax = None
    rng = np.random.default_rng(0)
    print(f"training step, {'-'.join(map(str, SIZES))}, sigmoid / softmax + cross-entropy, batch {BATCH}, SGD")
    print(f"median over {passes} passes of the within-pass ratio ({reps} steps per system per pass);")
    print("the goal's three systems in one rotation, the other libraries in a second one with symnn\n")
    header = f"{'dtype':8} {'system':22} {'ms/step':>9} {'ratio to symnn':>15}"
    print(header)
    print("-" * len(header))
    summary = {}
    for dtype in (np.float64, np.float32):
        X = rng.random((BATCH, SIZES[0])).astype(dtype)
        T = np.eye(10, dtype=dtype)[rng.integers(0, 10, BATCH)]
        goal = {
            "symnn (compiled)": (symnn_step(model), model.init(0, dtype=dtype)),
            "hand-written NumPy": (hand_numpy.step, model.init(0, dtype=dtype)),
            "matmuls alone (floor)": (hand_numpy.matmuls, model.init(0, dtype=dtype)),
        }
        others = {"symnn (compiled)": (symnn_step(model), model.init(0, dtype=dtype))}
        extra = {
            "PyTorch CPU": torch_step(dtype),
            "scikit-learn MLP": sklearn_step(dtype, X, T),
            "symnn JAX (jit)": jax_step(model_jax, dtype),
        }
        for name, step in extra.items():
            if step is not None:
                params = model_jax.init(0, dtype=dtype) if name.endswith("(jit)") else None
                others[name] = (step, params)
        rotations = [goal] + ([others] if len(others) > 1 else [])
        for k, systems in enumerate(rotations):
            times = interleaved(systems, X, T, passes, reps)
            base = times["symnn (compiled)"]
            for name in systems:
                if k and name == "symnn (compiled)":
                    continue
                ratio = statistics.median(t / b for t, b in zip(times[name], base, strict=True))
                print(f"{np.dtype(dtype).name:8} {name:22} {1e3 * statistics.median(times[name]):9.3f} {ratio:15.3f}")
                summary[(np.dtype(dtype).name, name)] = 1 / ratio
        print()
    for dt in ("float64", "float32"):
        hand = summary[(dt, "hand-written NumPy")]
        floor = summary[(dt, "matmuls alone (floor)")]
        print(f"{dt}: symnn / hand-written = {hand:.3f} (goal <= 1.1), symnn / floor = {floor:.3f} (goal <= 1.5)")


def bench_compile() -> None:
    print("\ncompile time: MLP(...) and sn.compile(net) (derivation + code generation + exec), seconds")
    header = f"{'layers':16} {'MLP(...)':>9} {'compile':>9} {'total':>9}"
    print(header)
    print("-" * len(header))
    for sizes in ([12, 3, 2], [64, 32, 10], [784, 100, 10], [784, 300, 10], [100, 50, 50, 50, 50, 10]):
        t0 = time.perf_counter()
        net = sn.MLP(sizes, activation="sigmoid", output="softmax", loss="cross-entropy")
        t1 = time.perf_counter()
        sn.compile(net)
        t2 = time.perf_counter()
        print(f"{'-'.join(map(str, sizes)):16} {t1 - t0:9.3f} {t2 - t1:9.3f} {t2 - t0:9.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=40)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--skip-compile", action="store_true")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.threads):
        print(f"BLAS threads: {args.threads}\n")
        bench_steps(args.passes, args.reps)
    if not args.skip_compile:
        bench_compile()


if __name__ == "__main__":
    main()

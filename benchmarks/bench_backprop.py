"""Backprop against plain sympy.diff: derivation time and operation counts, depth 1..6 at width 3.

For each depth (hidden layers of 3 sigmoid units, 3 inputs, 3 sigmoid outputs, SSE):
  - symnn: time of sn.backprop(net).gradients; ops of all gradients after sympy.cse;
    the ratio gradient-ops / loss-ops (both after cse; reverse mode's bound is a small constant).
  - sympy.diff: time of diff(loss, p) for every parameter p; ops of the results as written
    (count_ops walks the expression tree: every path again) and after cse.
sympy.diff grows exponentially with depth; once one depth takes longer than --budget seconds the
deeper ones are not run and say so. Also times the 12-3-2 network of seed 003, and a network of layers
(width 64, depth 6: Dense, ReLU, LayerNorm and a residual tanh block per level): sn.backprop and sn.compile
together, and the operation count of its compiled loss and gradients against the loss alone (array
operations as in the generated code, after sympy.cse).

Run: make bench   (or: python benchmarks/bench_backprop.py [--budget SECONDS])
"""

from __future__ import annotations

import argparse
import time

import sympy as sp

import symnn as sn
from symnn.derive.sweep import array_sweep


def cse_ops(exprs: list[sp.Expr]) -> int:
    # order="none": canonical ordering sizes each argument as a tree, exponential on shared subexpressions
    replacements, reduced = sp.cse(exprs, order="none")
    return sum(sp.count_ops(e) for _, e in replacements) + sum(sp.count_ops(e) for e in reduced)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0, help="stop running sympy.diff after a depth takes longer")
    parser.add_argument("--max-depth", type=int, default=6)
    args = parser.parse_args()

    header = (
        f"{'depth':>5} {'params':>6} | {'loss ops':>8} | {'backprop s':>10} {'grad ops':>8} {'ratio':>5} |"
        f" {'diff s':>8} {'diff ops (tree)':>15} {'diff ops (cse)':>14}"
    )
    print(header)
    print("-" * len(header))
    diff_running = True
    for depth in range(1, args.max_depth + 1):
        net = sn.MLP([3] + [3] * depth + [3], activation="sigmoid", output="sigmoid", loss="sse")
        sp.core.cache.clear_cache()
        t0 = time.perf_counter()
        gradients = list(sn.backprop(net).gradients.values())
        t_backprop = time.perf_counter() - t0
        loss_ops = cse_ops([net.loss_expr])
        grad_ops = cse_ops(gradients)
        row = f"{depth:>5} {len(net.params):>6} | {loss_ops:>8} |"
        row += f" {t_backprop:>10.3f} {grad_ops:>8} {grad_ops / loss_ops:>5.2f} |"
        if diff_running:
            sp.core.cache.clear_cache()
            t0 = time.perf_counter()
            plain = [sp.diff(net.loss_expr, p) for p in net.params]
            t_diff = time.perf_counter() - t0
            tree_ops = sum(sp.count_ops(e) for e in plain)
            row += f" {t_diff:>8.2f} {tree_ops:>15} {cse_ops(plain):>14}"
            diff_running = t_diff <= args.budget
        else:
            row += f" {'not run: previous depth over ' + str(int(args.budget)) + ' s':>39}"
        print(row, flush=True)

    net = sn.MLP([12, 3, 2], activation="sigmoid", output="sigmoid", loss="sse")
    sp.core.cache.clear_cache()
    t0 = time.perf_counter()
    d = sn.backprop(net)
    n = len(d.gradients)
    print(f"\n12-3-2 (seed 003's digit recogniser): all {n} gradients derived in {time.perf_counter() - t0:.3f} s")
    layers_row()


def layers_row(width: int = 64, depth: int = 6) -> None:
    """backprop + compile of a residual, layer-normalised network, and its gradient/loss operation ratio."""
    layers = []
    for _ in range(depth):
        layers += [sn.Dense(width), sn.Activation("relu"), sn.LayerNorm()]
        layers += [sn.Residual(sn.Dense(width), sn.Activation("tanh"))]
    net = sn.Network([*layers, sn.Dense(10), sn.Softmax()], inputs=width, loss="cross-entropy")
    sp.core.cache.clear_cache()
    t0 = time.perf_counter()
    d = sn.backprop(net)
    t_derive = time.perf_counter() - t0
    model = sn.compile(net)
    t_total = time.perf_counter() - t0
    sweep = array_sweep(net)
    # the compiled code's assignments: the forward pass and the loss, then the backward sweep and the gradients
    forward = [e for _, e in sweep.forward] + [sweep.loss]
    loss_ops = cse_ops(forward)
    everything = forward + [e for _, e in sweep.backward] + list(sweep.grads.values())
    print(
        f"\nnetwork of layers, width {width}, depth {depth} ({len(net.nodes)} layers, {len(model.param_names)} arrays, "
        f"{len(d.matrix_steps)} batch-view steps): backprop {t_derive:.3f} s, backprop + compile {t_total:.3f} s "
        f"(goal < 1 s); loss and all gradients / loss alone, ops after cse: {cse_ops(everything) / loss_ops:.2f}"
    )


if __name__ == "__main__":
    main()

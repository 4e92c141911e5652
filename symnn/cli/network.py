"""``symnn network``: a network's forward formulas, layer by layer, and its loss."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import sympy as sp

from symnn.cli.options import add_network_arguments, network_from_args

__all__ = ["add_arguments", "run"]

HELP = "print a network's forward formulas, layer by layer, and its loss"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_network_arguments(p)
    p.add_argument("--format", choices=["text", "latex"], default="text")


def run(args: argparse.Namespace) -> int:
    net = network_from_args(args)
    show: Callable[[sp.Basic], str] = sp.latex if args.format == "latex" else sp.sstr
    lines = [f"# {net!r}"]
    for l in range(1, net.depth + 1):
        for j in range(1, net.sizes[l] + 1):
            z = net.z_local[l - 1][j - 1]
            lines.append(f"{show(net.preact(l, j))} = {show(z)}")
        a = net.activate(l, [net.preact(l, j) for j in range(1, net.sizes[l] + 1)])
        for j in range(1, net.sizes[l] + 1):
            lines.append(f"{show(net.act(l, j))} = {show(a[j - 1])}")
    ys = [net.act(net.depth, k) for k in range(1, net.sizes[-1] + 1)]
    lines.append(f"C = {show(net.loss_of(ys))}")
    lines.append("")
    lines.append("# matrix view")
    view = net.matrix_view
    lines.append(f"{show(sp.Symbol('y') if net.convention == 'column' else sp.Symbol('Y'))} = {show(view.forward)}")
    print("\n".join(lines))
    return 0

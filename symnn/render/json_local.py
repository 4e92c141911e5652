"""An MLP's JSON in the local form: each z, a and δ as a named definition, each gradient as δ times an activation.

Written out in the inputs and parameters, a gradient repeats every δ it reads, so the explicit document grows about
as the network's weights times its paths (18.7 MB at 12-12-6). Here every unit is defined once, in the symbols of
the layer before it (z, a) or after it (δ), and a gradient reads them: ∂C/∂w^(l)_jk = δ^(l)_j a^(l−1)_k. The size is
linear in the network, and the text of a weighted input or a gradient is written from the symbols' names rather
than by SymPy's printer, which takes seconds on the 784-term weighted inputs of 784-100-10.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import sympy as sp

from symnn.derive.backprop import hidden_error_note
from symnn.derive.derivation import Step, said
from symnn.model.network import MLP
from symnn.model.notation import NetSymbol, act, delta, preact, weight
from symnn.model.registry import ACTIVATIONS
from symnn.render.formula import latex
from symnn.render.words import LANGS

__all__ = ["definitions", "expanded_size", "gradient_entries"]


@lru_cache(maxsize=1 << 17)
def _tex(name: str) -> str:
    """The LaTeX of the network symbol ``name`` (``w^{(1)}_{21}``), as SymPy's printer asks the symbol for it."""
    return NetSymbol(name)._latex(None)


def _prev(l: int, k: int) -> str:
    """The name of a^(l−1)_k: the input x_k for the first layer."""
    return f"x{k}" if l == 1 else f"a{l - 1}_{k}"


def _entry(step: Step, rhs: dict[str, str]) -> dict[str, Any]:
    return {
        "symbol": step.lhs.name,
        "symbol_latex": _tex(step.lhs.name),
        "rule": step.rule,
        "note": {lang: step.note(lang) for lang in LANGS},
        "rhs": rhs,
    }


def _expr(expr: sp.Basic) -> dict[str, str]:
    return {"text": sp.sstr(expr), "latex": latex(expr)}


def _fprime(net: MLP, l: int, z: sp.Symbol) -> sp.Expr:
    """Layer l's activation derivative at the symbol z (σ(z)(1 − σ(z)), step(z) for ReLU, ...)."""
    d = sp.Dummy("d", real=True)
    return sp.diff(ACTIVATIONS[net.activations[l - 1]](d, net), d).xreplace({d: z})


def _weighted_input(net: MLP, l: int, j: int) -> dict[str, Any]:
    """z^(l)_j = Σ_k w^(l)_jk a^(l−1)_k + b^(l)_j, written from the names."""
    ks = range(1, net.sizes[l - 1] + 1)
    text = " + ".join([*(f"w{l}_{j}_{k}*{_prev(l, k)}" for k in ks), f"b{l}_{j}"])
    tex = " + ".join([*(f"{_tex(f'w{l}_{j}_{k}')} {_tex(_prev(l, k))}" for k in ks), _tex(f"b{l}_{j}")])
    step = Step(preact(l, j), sp.S.Zero, "definition", said("weighted input", j=j, l=l))
    return _entry(step, {"text": text, "latex": tex})


def _output_error(net: MLP, j: int) -> tuple[sp.Expr, str, Any]:
    """δ^(L)_j in the outputs, targets and z^(L)_j, as the derivation's gradients hold it: its rule and note."""
    L, n = net.depth, net.sizes[-1]
    a_L = [act(L, k) for k in range(1, n + 1)]
    a, t = a_L[j - 1], net.targets[j - 1]
    out = net.activations[-1]
    if out == "softmax" and net.loss_name == "cross-entropy":  # exact for any targets, as the gradients are
        return a * sp.Add(*net.targets) - t, "simplification", said("softmax ce cancels")
    if out == "sigmoid" and net.loss_name == "binary-cross-entropy":
        return a - t, "simplification", said("bce sigmoid cancels")
    loss = net.loss_of(a_L)
    if out == "softmax":
        terms = [sp.diff(loss, ak) * ak * ((1 if k == j else 0) - a) for k, ak in enumerate(a_L, 1)]
        return sp.Add(*terms), "activation derivative", said("softmax derivative")
    note = said("differentiate loss and activation", loss=net.loss_name, L=L, j=j, output=out)
    return sp.diff(loss, a) * _fprime(net, L, preact(L, j)), "activation derivative", note


def definitions(net: MLP) -> Iterator[dict[str, Any]]:
    """The named definitions in the order a reader substitutes them: every z and a from the input forward, then
    every δ from the output back. Each: ``symbol``, ``symbol_latex``, ``rule``, ``note`` (per language), ``rhs``."""
    L, n = net.depth, net.sizes
    for l in range(1, L + 1):
        zs = [preact(l, j) for j in range(1, n[l] + 1)]
        for j in range(1, n[l] + 1):
            yield _weighted_input(net, l, j)
        for j, a in enumerate(net.activate(l, zs), 1):
            note = said("activation output", activation=net.activations[l - 1])
            yield _entry(Step(act(l, j), a, "definition", note), _expr(a))
    for j in range(1, n[L] + 1):
        rhs, rule, note = _output_error(net, j)
        yield _entry(Step(delta(L, j), rhs, rule, note), _expr(rhs))
    for l in range(L - 1, 0, -1):
        for j in range(1, n[l] + 1):
            back = sp.Add(*(weight(l + 1, k, j) * delta(l + 1, k) for k in range(1, n[l + 1] + 1)))
            rhs = sp.Mul(back, _fprime(net, l, preact(l, j)), evaluate=False)
            step = Step(delta(l, j), rhs, "substitution", hidden_error_note(net, l, j))
            yield _entry(step, _expr(rhs))


def gradient_entries(net: MLP) -> Iterator[dict[str, Any]]:
    """Every parameter in the order of ``net.params``: ∂C/∂w^(l)_jk = δ^(l)_j a^(l−1)_k, ∂C/∂b^(l)_j = δ^(l)_j."""
    for l in range(1, net.depth + 1):
        for j in range(1, net.sizes[l] + 1):
            d = f"delta{l}_{j}"
            for k in range(1, net.sizes[l - 1] + 1):
                w, a = f"w{l}_{j}_{k}", _prev(l, k)
                yield {
                    "parameter": w,
                    "parameter_latex": _tex(w),
                    "local": {"text": f"{d}*{a}", "latex": f"{_tex(d)} {_tex(a)}"},
                }
        for j in range(1, net.sizes[l] + 1):
            b, d = f"b{l}_{j}", f"delta{l}_{j}"
            yield {"parameter": b, "parameter_latex": _tex(b), "local": {"text": d, "latex": _tex(d)}}


def _tree_size(expr: sp.Basic, sizes: dict[sp.Basic, int]) -> int:
    """The nodes of ``expr`` printed with each defined symbol written out (``sizes``: a symbol's own tree)."""
    if not expr.args:
        return sizes.get(expr, 1)
    return 1 + sum(_tree_size(a, sizes) for a in expr.args)


def expanded_size(net: MLP) -> int:
    """About how many nodes the explicit gradients of ``net`` print: the tree of every ∂C/∂θ written out in the
    inputs, targets and parameters, counted from the definitions without building it (linear in the network)."""
    L, n = net.depth, net.sizes
    sizes: dict[sp.Basic, int] = {}
    for l in range(1, L + 1):
        prev = [sizes.get(act(l - 1, k), 1) if l > 1 else 1 for k in range(1, n[l - 1] + 1)]
        z_size = 2 + sum(2 + s for s in prev)  # the sum, its bias, and a product w·a per input
        zs = [preact(l, j) for j in range(1, n[l] + 1)]
        sizes.update(dict.fromkeys(zs, z_size))
        for j, a in enumerate(net.activate(l, zs), 1):
            sizes[act(l, j)] = _tree_size(a, sizes)
    for j in range(1, n[L] + 1):
        sizes[delta(L, j)] = _tree_size(_output_error(net, j)[0], sizes)
    for l in range(L - 1, 0, -1):
        for j in range(1, n[l] + 1):
            back = sum(2 + sizes[delta(l + 1, k)] for k in range(1, n[l + 1] + 1))
            sizes[delta(l, j)] = 2 + back + _tree_size(_fprime(net, l, preact(l, j)), sizes)
    total = 0
    for l in range(1, L + 1):
        prev = [sizes.get(act(l - 1, k), 1) if l > 1 else 1 for k in range(1, n[l - 1] + 1)]
        for j in range(1, n[l] + 1):
            d = sizes[delta(l, j)]
            total += d + sum(1 + d + s for s in prev)  # b: δ; w: δ·a
    return total

"""The index-notation derivation (symbolic widths) instantiated at small widths equals the element view."""

import random

import pytest
import sympy as sp

import symnn as sn
from symnn.derive.index_view import index_derivation, width
from symnn.model.notation import delta

HIDDEN = ["sigmoid", "relu", "tanh", "softplus", "identity"]
HEADS = [
    ("sigmoid", "sse"),
    ("sigmoid", "mse"),
    ("identity", "sse"),
    ("tanh", "mse"),
    ("softmax", "cross-entropy"),
    ("softmax", "sse"),
    ("sigmoid", "binary-cross-entropy"),
]


def _architectures(count: int, seed: int = 14) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        depth = rng.randint(1, 3)
        sizes = [rng.randint(1, 3) for _ in range(depth)] + [rng.randint(2, 3)]
        output, loss = HEADS[n % len(HEADS)]
        hidden = [rng.choice(HIDDEN) for _ in range(depth - 1)]
        out.append({"sizes": sizes, "activation": hidden or "sigmoid", "output": output, "loss": loss})
    return out


ARCHITECTURES = _architectures(21)


def _point(net: sn.MLP, rng: random.Random) -> dict:
    symbols = [*net.inputs, *net.targets, *net.params]
    return {s: sp.Float(rng.uniform(-1.5, 1.5), 30) for s in symbols}


@pytest.mark.parametrize(
    "arch", ARCHITECTURES, ids=lambda a: "-".join(map(str, a["sizes"])) + f"-{a['output']}-{a['loss']}"
)
def test_index_formulas_at_small_widths_equal_the_element_view(arch):
    net = sn.MLP(arch["sizes"], activation=arch["activation"], output=arch["output"], loss=arch["loss"])
    d = sn.backprop(net)
    D = index_derivation(net)
    sizes = tuple(net.sizes)
    point = _point(net, random.Random(str(arch)))
    values = dict(point)
    for l in range(1, net.depth + 1):  # the forward pass at the point
        for jj in range(1, net.sizes[l] + 1):
            values[net.preact(l, jj)] = net.z_exprs[l - 1][jj - 1].subs(point).evalf(30)
            values[net.act(l, jj)] = net.a_exprs[l - 1][jj - 1].subs(point).evalf(30)
    for l in range(net.depth, 0, -1):  # δ from the index formulas, layer by layer, against the element view's
        rhs = D.results[D.delta[l][sp.Symbol("j", integer=True, positive=True)]]
        for jj in range(1, net.sizes[l] + 1):
            value = D.instantiate(rhs, sizes, j=jj).subs(values).evalf(30)
            values[delta(l, jj)] = value
            assert value == pytest.approx(float(d.deltas[delta(l, jj)].subs(point).evalf(30)), abs=1e-12)
    checked = 0
    for lhs, rhs in D.results.items():
        theta = getattr(lhs, "variables", (None,))[0]
        if theta is None:
            continue
        layer = next(l for l in D.w if theta.base in (D.w[l], D.b[l]))
        kind = "w" if theta.base == D.w[layer] else "b"
        for p in net.params:
            if p.layer != layer or p.kind != kind:
                continue
            index = dict(zip("jk", p.index, strict=False))
            element = D.instantiate(rhs, sizes, **index)
            assert sp.expand(element - d.local_gradients[p]) == 0  # δ_j a_k, symbol for symbol
            numeric = element.subs(values).evalf(30)
            assert numeric == pytest.approx(float(d.gradients[p].subs(point).evalf(30)), abs=1e-12)
            checked += 1
    assert checked == len(net.params)


def test_the_widths_stay_symbolic():
    D = index_derivation(sn.MLP([784, 100, 10], output="softmax", loss="cross-entropy"))
    hidden = D.hidden_errors[1][-1].rhs
    assert width(2) in hidden.free_symbols and not any(s.is_Integer and s > 3 for s in hidden.atoms(sp.Integer))
    assert str(D.output_error[-1].rhs) == "a^{(2)}[j] - t[j]"


def test_instantiate_needs_a_width_per_layer():
    D = index_derivation(sn.MLP([2, 3, 2]))
    with pytest.raises(ValueError, match="takes 3 widths"):
        D.instantiate(D.forward[0][1], (2, 3), j=1)
    with pytest.raises(TypeError, match="takes an MLP"):
        index_derivation("2-3-2")

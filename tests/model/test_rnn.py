"""sn.RNN: an Elman cell unrolled over time, derived by the reverse sweep (backpropagation through time).

For random small instances: the explicit gradients equal ``sympy.diff`` of the element-view loss; each step node's
batch rules equal its element rule and SymPy's derivative of it; the compiled gradients equal central differences
and ``jax.grad`` of a forward pass written here with a Python loop over t (in its own process, as tests/test_jax.py
explains). The shared parameters' gradient is the sum over the steps; bad shapes and spec fields are refused.
"""

import importlib.util
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import symnn as sn
from symnn.derive.evaluate import at_point, evaluate, symbolic_array
from symnn.model.layers import Env
from symnn.model.recurrent import RNN

ACTS = ["tanh", "relu", "sigmoid"]


def instances(count=12, seed=13):
    """(T, d, hidden, activation, outputs) drawn at random, every activation and both outputs among them."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        out.append((rng.randint(1, 4), rng.randint(1, 3), rng.randint(1, 3), ACTS[i % 3], ["last", "all"][i % 2]))
    return out


def make_net(T, d, hidden, act, outputs, batch=None):
    layers = [sn.RNN(hidden, steps=T, activation=act, outputs=outputs)]
    if outputs == "all":
        layers.append(sn.Flatten())
    layers.append(sn.Dense(2))
    return sn.Network(layers, inputs=(T, d), loss="sse", batch=batch)


def point(symbols, rng):
    """Nonzero rationals in ±[1/8, 1] (away from ReLU's kink at 0 for the pre-activations that matter)."""
    return {s: sp.Float(sp.Rational(rng.choice([-1, 1]) * rng.randint(20, 160), 160), 50) for s in symbols}


@pytest.mark.parametrize(("T", "d", "hidden", "act", "outputs"), instances())
def test_gradients_are_sympy_diff_of_the_loss(T, d, hidden, act, outputs):
    net = make_net(T, d, hidden, act, outputs)
    grads = sn.backprop(net).gradients
    C = net.loss_expr
    rng = random.Random(T * 100 + d * 10 + hidden)
    at = point(sorted(C.free_symbols, key=sp.default_sort_key), rng)
    memo = {}
    for p in net.params:
        want, got = at_point(sp.diff(C, p), at, memo), at_point(grads[p], at, memo)
        assert abs(want - got) < 1e-30 * (1 + abs(want)), (p, want, got)


def check_nodes(net, N):
    """Each node of the RNN: the batch forward equals its element rule, the batch backward (for any G) SymPy's
    derivative of Σ G ⊙ out in every input entry and parameter entry, at a random point."""
    net.element_view  # noqa: B018  (sets every node's element rule and symbols)
    rng = random.Random(N)
    for node in net.nodes:
        if node.layer.title not in ("recurrent", "sequence"):
            continue
        ins = [sp.Symbol(f"IN{k}", real=True) for k in range(len(node.inputs))]
        env = Env(sp.Symbol("N", integer=True, positive=True))
        values = {env.N: sp.Integer(N)}
        for sym, u in zip(ins, node.inputs, strict=True):
            values[sym] = symbolic_array([s for row in u.symbols for s in row], (N, u.width))
        for p in node.params:
            env.arrays[p.name] = sp.Symbol(p.name, real=True)
            values[env.arrays[p.name]] = symbolic_array(p.symbols, p.shape)
        G = [[sp.Symbol(f"G_{n}_{j}", real=True) for j in range(node.width)] for n in range(N)]
        Gsym, Ysym = sp.Symbol("G", real=True), sp.Symbol("Y", real=True)
        values[Gsym] = symbolic_array([g for row in G for g in row], (N, node.width))
        Y = np.broadcast_to(evaluate(node.layer.forward(node, net, ins, env), values), (N, node.width))
        flat = [e for row in node.element for e in row]
        syms = set().union(*(e.free_symbols for e in flat), *(g.free_symbols for row in G for g in row))
        at, memo = point(sorted(syms, key=sp.default_sort_key), rng), {}

        def same(a, b, what, at=at, memo=memo, label=node.label):
            a, b = at_point(sp.sympify(a), at, memo), at_point(sp.sympify(b), at, memo)
            assert abs(a - b) < 1e-30 * (1 + abs(b)), (label, what, a, b)

        for n in range(N):
            for j in range(node.width):
                same(Y[n, j], node.element[n][j], f"forward {n} {j}")
        values[Ysym] = Y
        d_ins, d_params = node.layer.backward(node, net, ins, Ysym, Gsym, env)
        S = sp.Add(
            *(g * e for grow, erow in zip(G, node.element, strict=True) for g, e in zip(grow, erow, strict=True))
        )
        for u, d in zip(node.inputs, d_ins, strict=True):
            got = np.broadcast_to(evaluate(d, values), (N, u.width))
            for n in range(N):
                for j in range(u.width):
                    same(got[n, j], sp.diff(S, u.symbols[n][j]), f"d {u.label} {n} {j}")
        assert set(d_params) <= {p.name for p in node.params}
        for p in node.params:
            if p.name not in d_params:  # U at step 1, which multiplies h_0 = 0
                assert all(sp.diff(S, s) == 0 for s in p.symbols)
                continue
            got = np.ravel(np.asarray(evaluate(d_params[p.name], values), dtype=object))
            assert got.size == len(p.symbols)
            for s, g in zip(p.symbols, got, strict=True):
                same(g, sp.diff(S, s), f"d {s}")


@pytest.mark.parametrize(("T", "d", "hidden", "act", "outputs"), instances(10, seed=5))
def test_batch_rules_equal_the_element_derivatives(T, d, hidden, act, outputs):
    check_nodes(make_net(T, d, hidden, act, outputs, batch=2), 2)


def numeric_data(T, d, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(4, T * d)), rng.normal(size=(4, 2))


@pytest.mark.parametrize(("T", "d", "hidden", "act", "outputs"), instances())
def test_compiled_gradients_pass_gradcheck(T, d, hidden, act, outputs):
    model = sn.compile(make_net(T, d, hidden, act, outputs))
    X, Tg = numeric_data(T, d, T + d + hidden)
    params = model.init(seed=hidden)
    params = {k: v + 0.3 * np.random.default_rng(1).normal(size=v.shape) for k, v in params.items()}
    result = sn.gradcheck(model, params, X, Tg)
    assert result, result.message


def test_shared_gradient_is_the_sum_over_steps():
    """∂C/∂U from the element sweep is Σ_t (the contribution of step t), each step's from its own node."""
    net = make_net(3, 2, 2, "tanh", "last")
    d = sn.backprop(net)
    u = next(s for s in net.params if s.name == "wh1_1_2")
    local = d.local_gradients[u]
    terms = sp.Add.make_args(local)
    assert len(terms) == 2  # steps 2 and 3 read U (h_0 = 0 at step 1)
    steps = net.nodes[1:3]
    for term, node in zip(sorted(terms, key=str), steps, strict=True):
        assert term.free_symbols & {s for row in node.symbols for s in row}
    sw = sn.compile(net).source
    assert sw.count("@ H1") + sw.count("@ H2") >= 2  # Σ_t δ_tᵀ H_{t−1} in the compiled gradient


def test_jax_grad_of_an_independent_forward_pass():
    code = f"""
        import jax, jax.numpy as jnp, numpy as np
        import symnn as sn
        jax.config.update("jax_enable_x64", True)
        for T, d, hidden, act, outputs in {instances(6)!r}:
            f = {{"tanh": jnp.tanh, "relu": lambda z: jnp.maximum(z, 0), "sigmoid": jax.nn.sigmoid}}[act]
            layers = [sn.RNN(hidden, steps=T, activation=act, outputs=outputs)]
            layers += [sn.Flatten()] if outputs == "all" else []
            net = sn.Network(layers + [sn.Dense(2)], inputs=(T, d), loss="sse")
            rng = np.random.default_rng(T * 7 + d)
            X, Tg = rng.normal(size=(4, T * d)), rng.normal(size=(4, 2))
            for backend in ("numpy", "jax"):
                model = sn.compile(net, backend=backend)
                params = {{k: np.asarray(v) + 0.3 * rng.normal(size=np.shape(v))
                          for k, v in model.init(seed=1, dtype=np.float64).items()}}

                def loss(p):
                    h, hs = jnp.zeros((4, hidden)), []
                    for t in range(T):
                        z = X[:, t * d:(t + 1) * d] @ p["Wx1"].T + p["bh1"]
                        if t > 0:
                            z = z + h @ p["Wh1"].T
                        h = f(z)
                        hs.append(h)
                    a = h if outputs == "last" else jnp.concatenate(hs, axis=1)
                    y = a @ p["W1"].T + p["b1"]
                    return 0.5 * jnp.sum((y - Tg) ** 2) / 4

                want = jax.grad(loss)({{k: jnp.asarray(v) for k, v in params.items()}})
                C, got = model.value_and_grad(model._to_backend(params), X, Tg)
                assert abs(float(C) - float(loss(params))) < 1e-12
                for k in want:
                    np.testing.assert_allclose(np.asarray(got[k]), np.asarray(want[k]), rtol=1e-9, atol=1e-12)
    """
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]


def test_bad_shapes_and_settings_name_the_layer_and_numbers():
    with pytest.raises(ValueError, match=r"steps=4 but its input has 5 steps"):
        sn.Network([sn.RNN(3, steps=4), sn.Dense(1)], inputs=(5, 2))
    with pytest.raises(ValueError, match=r"RNN\(hidden=3.*\(T, d\).*got shape \(6,\)"):
        sn.Network([sn.RNN(3), sn.Dense(1)], inputs=6)
    with pytest.raises(ValueError, match=r"RNN\(hidden=3.*got shape \(1, 4, 4\)"):
        sn.Network([sn.RNN(3), sn.Dense(1)], inputs=(1, 4, 4))
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="RNN: hidden must be a positive integer"):
            RNN(bad)
    with pytest.raises(ValueError, match=r"RNN: unknown activation 'softmax'; valid choices: .*tanh"):
        RNN(2, activation="softmax")
    with pytest.raises(ValueError, match="RNN: unknown outputs 'first'; valid choices: last, all"):
        RNN(2, outputs="first")


def test_spec_round_trip_and_unknown_field():
    net = sn.Network([sn.RNN(2, steps=3, activation="relu", outputs="all"), sn.Flatten(), sn.Dense(1)], inputs=(3, 2))
    spec = sn.spec_of(net)
    assert spec["layers"][0] == {"type": "rnn", "hidden": 2, "steps": 3, "activation": "relu", "outputs": "all"}
    assert sn.spec_of(sn.network_from_spec(spec)) == spec
    spec["layers"][0]["units"] = 2
    with pytest.raises(ValueError, match=r"^layer 1 \(rnn\): unknown field 'units'") as e:
        sn.network_from_spec(spec)
    assert "\n" not in str(e.value)


def test_sequence_output_and_documents():
    net = sn.Network([sn.RNN(2, steps=2, outputs="all")], inputs=(2, 1), loss="mse")
    assert net.output_node.shape == (2, 2) and net.output_node.width == 4
    d = sn.backprop(net)
    md, tex = d.to_markdown(), d.to_latex()
    assert "u^{[1]}_{12}" in md and "w^{[1]}_{11}" in tex
    assert sn.gradcheck(sn.compile(net), sn.compile(net).init(seed=0), *numeric_data(2, 1, 0)[:1], np.zeros((4, 4)))


def test_an_rnn_learns_what_a_larger_mlp_does_not_generalise():
    """examples/rnn_pattern.py: 'two 1s in a row anywhere in 20 steps' from 400 sequences (about 2 s)."""
    path = Path(__file__).resolve().parents[2] / "examples" / "rnn_pattern.py"
    spec = importlib.util.spec_from_file_location("rnn_pattern", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    _, rnn_test = example.run("RNN", [sn.RNN(4), sn.Dense(2), sn.Softmax()], (20, 1))
    mlp_train, mlp_test = example.run("MLP", [sn.Dense(16), sn.Activation("tanh"), sn.Dense(2), sn.Softmax()], 20)
    assert rnn_test > 0.97 and mlp_train > 0.99 and mlp_test < 0.9

"""sn.Attention: scaled dot-product attention against oracles symnn does not provide.

For 15 seeded instances (T tokens 1–5, d features 1–3, d_k 1–3, d_v the input's d or 1–3, causal or not), the
symbolic checks on the 10 or more whose explicit loss is small enough to differentiate in seconds:

- ``sn.backprop(net).gradients`` equal ``sympy.diff(net.loss_expr, θ)`` at a random point (30 digits), and so does
  the batch view (the sweep that compiles) evaluated on arrays of the same numbers;
- each of the six nodes' batch forward and backward equals its element rule and SymPy's derivative of it, entry by
  entry, for any upstream adjoint, over 2 samples;
- the compiled (NumPy) loss equals a forward pass written here, its gradients that pass's central differences and
  ``sn.gradcheck``; and ``jax.grad`` of the same pass written with ``jax.nn.softmax(Q Kᵀ/√d_k + mask) V`` equals both
  the NumPy and the JAX backend's gradients (JAX runs in a child process, as in tests/derive/test_sweep.py).
"""

from __future__ import annotations

import importlib.util
import math
import random
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import symnn as sn
from symnn.derive.evaluate import at_point, evaluate, symbolic_array
from symnn.derive.sweep import array_sweep
from symnn.model.layers import Env
from symnn.model.spec import network_from_spec, spec_of
from tests.oracles import central_differences, jax_fixtures

BATCH = 3  # samples per compiled batch


@dataclass(frozen=True)
class Case:
    k: int
    T: int
    d: int
    d_k: int
    d_v: int | None
    causal: bool

    @property
    def dv(self) -> int:
        return self.d if self.d_v is None else self.d_v

    def network(self, batch: int | None = None) -> sn.Network:
        layer = sn.Attention(self.d_k, self.d_v, causal=self.causal)
        return sn.Network([layer], inputs=(self.T, self.d), loss="mse", batch=batch)


def _cases() -> list[Case]:
    rng = random.Random(13)
    shapes = [(1, 1, 1, None, False), (2, 2, 1, None, True), (5, 1, 1, None, True), (5, 3, 3, None, True)]
    while len(shapes) < 15:
        d_v = rng.choice([None, rng.randint(1, 3)])
        shapes.append((rng.randint(1, 5), rng.randint(1, 3), rng.randint(1, 3), d_v, rng.random() < 0.5))
    return [Case(k, *s) for k, s in enumerate(shapes)]


CASES = _cases()
#: the instances whose explicit loss SymPy differentiates in seconds (T · (d + d_k + d_v) entries of Q, K, V)
SMALL = [c for c in CASES if c.T * (c.d + c.d_k + c.dv) <= 20]


def case_id(case: Case) -> str:
    return f"T{case.T}-d{case.d}-dk{case.d_k}-dv{case.dv}" + ("-causal" if case.causal else "")


def test_the_instances_cover_the_ranges():
    assert {c.T for c in CASES} == {1, 2, 3, 4, 5} and {c.causal for c in CASES} == {False, True}
    assert {c.d for c in CASES} == {1, 2, 3} and {c.d_k for c in CASES} == {1, 2, 3}
    assert len(SMALL) >= 10 and {c.T for c in SMALL} == {1, 2, 3, 4, 5} and {c.causal for c in SMALL} == {False, True}


# -- 1. the element view: sympy.diff of the loss, and the batch view on the same numbers ----------------------------


def close(a: sp.Expr, b: sp.Expr) -> bool:
    return abs(a - b) <= sp.Float(10, 50) ** -30 * (1 + abs(a) + abs(b))


def random_point(symbols, rng: random.Random) -> dict[sp.Symbol, sp.Float]:
    return {s: sp.Float(sp.Rational(rng.randint(-400, 400), 200), 50) for s in symbols}


@pytest.mark.parametrize("case", SMALL, ids=case_id)
def test_backprop_equals_sympy_diff_and_the_batch_view(case, jax_child):
    net = case.network()
    d = sn.backprop(net)
    C = net.loss_expr
    assert set(d.gradients) == set(net.params)
    data = [s for rows in (net.inputs, net.targets) for row in rows for s in row]
    point = random_point(sorted({*C.free_symbols, *net.params, *data}, key=sp.default_sort_key), random.Random(case.k))
    memo: dict = {}
    want = {p: at_point(sp.diff(C, p), point, memo) for p in net.params}
    for p in net.params:
        assert close(at_point(d.gradients[p], point, memo), want[p]), p

    sw = array_sweep(net)
    values = {
        sw.N: sp.Integer(1),
        sw.X: symbolic_array([point[s] for s in net.inputs[0]], (1, case.T * case.d)),
        sw.T: symbolic_array([point[s] for s in net.targets[0]], (1, case.T * case.dv)),
    }
    for p in net.param_arrays:
        values[sw.env[p.name]] = symbolic_array([point[s] for s in p.symbols], p.shape)
    for s, e in [*sw.forward, *sw.backward]:
        values[s] = evaluate(e, values)
    assert close(at_point(sp.sympify(evaluate(sw.loss, values)), point, {}), at_point(C, point, memo))
    for p in net.param_arrays:
        got = np.ravel(np.asarray(evaluate(sw.grads[p.name], values), dtype=object))
        for s, g in zip(p.symbols, got, strict=True):
            assert close(at_point(sp.sympify(g), point, {}), want[s]), f"batch view ∂C/∂{s}"


@pytest.mark.parametrize("case", SMALL, ids=case_id)
def test_every_node_batch_rule_is_its_element_rule_and_derivative(case):
    """Each node's batch forward and backward (N = 2 samples, any adjoint G) against its element rule and SymPy's
    derivative of Σ G ⊙ out, at a random point."""
    N = 2
    net = case.network(batch=N)
    net.element_view  # noqa: B018  (sets every node's element rule and symbols)
    rng = random.Random(100 + case.k)
    for node in net.nodes:
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
        Y = evaluate(node.layer.forward(node, net, ins, env), values)
        values[Ysym] = Y
        S = sp.Add(*(g * e for gr, er in zip(G, node.element, strict=True) for g, e in zip(gr, er, strict=True)))
        d_ins, d_params = node.layer.backward(node, net, ins, Ysym, Gsym, env)
        pairs = [(Y[n, j], node.element[n][j]) for n in range(N) for j in range(node.width)]
        for u, dx in zip(node.inputs, d_ins, strict=True):
            got = evaluate(dx, values)
            pairs += [(got[n, j], sp.diff(S, u.symbols[n][j])) for n in range(N) for j in range(u.width)]
        for p in node.params:
            got = np.ravel(evaluate(d_params[p.name], values))
            pairs += [(g, sp.diff(S, s)) for s, g in zip(p.symbols, got, strict=True)]
        symbols = set().union(*(sp.sympify(a).free_symbols | sp.sympify(b).free_symbols for a, b in pairs))
        point = random_point(sorted(symbols, key=sp.default_sort_key), rng)
        memo: dict = {}
        for a, b in pairs:
            assert close(at_point(sp.sympify(a), point, memo), at_point(sp.sympify(b), point, memo)), node.label


# -- 2. the compiled gradients: central differences, gradcheck and jax.grad of a forward pass written here ---------


def oracle_loss(xp, case: Case, P: dict, X, T, softmax=None):
    """The mean squared error of softmax(Q Kᵀ/√d_k + mask) V, from the definition; ``softmax`` over the last axis."""
    Xs = X.reshape(X.shape[0], case.T, case.d)
    # by name: jax.grad hands the function a dict of sorted keys (W_K2 before W_Q1)
    Q, K, V = (Xs @ next(v for name, v in P.items() if name.startswith(f"W_{w}")) for w in "QKV")
    S = Q @ K.swapaxes(1, 2) / math.sqrt(case.d_k)
    if case.causal:
        S = S + xp.where(xp.tril(xp.ones((case.T, case.T))) > 0, 0.0, -xp.inf)
    if softmax is None:
        E = xp.exp(S - S.max(axis=-1, keepdims=True))
        A = E / E.sum(axis=-1, keepdims=True)
    else:
        A = softmax(S, axis=-1)
    O = (A @ V).reshape(X.shape[0], -1)
    return ((O - T) ** 2).sum() / (X.shape[0] * O.shape[1])


def case_data(case: Case):
    rng = np.random.default_rng(case.k)
    net = case.network()
    P = {p.name: rng.normal(size=p.shape) for p in net.param_arrays}
    X = rng.normal(size=(BATCH, case.T * case.d))
    T = rng.normal(size=(BATCH, case.T * case.dv))
    return P, X, T


@cache
def compiled(k: int):
    return sn.compile(CASES[k].network())


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_compiled_gradients_equal_central_differences(case):
    model = compiled(case.k)
    P, X, T = case_data(case)
    assert "symnn.kernels.attention.row_softmax(H4, " in model.source
    loss, grads = model.value_and_grad(P, X, T)
    assert float(loss) == pytest.approx(oracle_loss(np, case, P, X, T), rel=1e-12, abs=1e-14)
    numeric = central_differences(lambda Q: oracle_loss(np, case, Q, X, T), P)
    for name in P:
        np.testing.assert_allclose(grads[name], numeric[name], rtol=1e-6, atol=1e-8, err_msg=name)
    result = sn.gradcheck(model, P, X, T)
    assert result, result.message


def jax_gradients(path: Path) -> None:
    """In a child process: for every case, ``jax.grad`` of the oracle with ``jax.nn.softmax`` (and for some, symnn's
    JAX backend's gradients), float64, saved to ``path``."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    out = {}
    for case in CASES:
        P, X, T = case_data(case)
        Pj, Xj, Tj = {k: jnp.asarray(v) for k, v in P.items()}, jnp.asarray(X), jnp.asarray(T)
        f = lambda P, case=case, X=Xj, T=Tj: oracle_loss(jnp, case, P, X, T, jax.nn.softmax)  # noqa: E731
        grads = jax.jit(jax.grad(f))(Pj)
        out.update({f"{case.k}/oracle/{name}": np.asarray(g, dtype=np.float64) for name, g in grads.items()})
        if case in JAX_BACKEND:
            _, mine = sn.compile(case.network(), backend="jax").value_and_grad(Pj, Xj, Tj)
            out.update({f"{case.k}/symnn-jax/{name}": np.asarray(g, dtype=np.float64) for name, g in mine.items()})
    np.savez(path, **out)


JAX_BACKEND = CASES[::3]  # symnn's JAX backend too (its code is the NumPy one against jax.numpy)
jax_child, jax_grads = jax_fixtures(__file__)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_compiled_gradients_equal_jax_grad(case, jax_grads):
    P, X, T = case_data(case)
    _, grads = compiled(case.k).value_and_grad(P, X, T)
    for name in P:
        want = jax_grads[f"{case.k}/oracle/{name}"]
        assert np.isfinite(want).all(), name
        np.testing.assert_allclose(grads[name], want, rtol=1e-9, atol=1e-12, err_msg=name)
        if case in JAX_BACKEND:
            mine = jax_grads[f"{case.k}/symnn-jax/{name}"]
            np.testing.assert_allclose(mine, want, rtol=1e-9, atol=1e-12, err_msg=name)


# -- 3. the causal mask, stability, errors, spec ---------------------------------------------------------------------


@pytest.mark.parametrize("T", [1, 3, 4])
def test_causal_output_at_token_i_does_not_depend_on_later_tokens(T):
    d = 2
    net = sn.Network([sn.Attention(d_k=2, causal=True)], inputs=(T, d), loss="mse")
    out = net.outputs[0]
    for i in range(T):
        later = {net.inputs[0][t * d + c] for t in range(i + 1, T) for c in range(d)}
        assert not any(e.free_symbols & later for e in out[i * d : (i + 1) * d]), i
    model = compiled_plain(T)
    rng = np.random.default_rng(T)
    P = {p.name: rng.normal(size=p.shape) for p in net.param_arrays}
    X = rng.normal(size=(4, T * d))
    Y = model.forward(P, X)
    for i in range(T):
        X2 = X.copy()
        X2[:, (i + 1) * d :] = rng.normal(size=X2[:, (i + 1) * d :].shape) * 10
        Y2 = model.forward(P, X2)
        np.testing.assert_array_equal(Y2[:, : (i + 1) * d], Y[:, : (i + 1) * d])
        if i + 1 < T:
            assert not np.allclose(Y2[:, (i + 1) * d :], Y[:, (i + 1) * d :])


def compiled_plain(T: int):
    return sn.compile(sn.Network([sn.Attention(d_k=2, causal=True)], inputs=(T, 2), loss="mse"))


@pytest.mark.parametrize("causal", [False, True])
def test_huge_scores_give_no_overflow_and_no_nan(causal):
    net = sn.Network([sn.Attention(d_k=1, causal=causal)], inputs=(3, 1), loss="mse")
    model = sn.compile(net)
    P = {"W_Q1": np.array([[1e3]]), "W_K2": np.array([[1e3]]), "W_V3": np.array([[1.0]])}
    X = np.array([[1.0, -2.0, 3.0], [-1.0, 2.0, 0.5]])  # scores up to 9·10⁶: exp would overflow without the shift
    Y = model.forward(P, X)
    loss, grads = model.value_and_grad(P, X, np.zeros_like(X))
    assert np.isfinite(Y).all() and np.isfinite(float(loss)) and all(np.isfinite(g).all() for g in grads.values())
    # each token takes the value of its (visible) key of largest score 10⁶ x_i x_j: the largest x_j for x_i > 0,
    # the smallest for x_i < 0
    want = [[1, -2, 3], [-1, 2, 2]] if causal else [[3, -2, 3], [-1, 2, 2]]
    np.testing.assert_allclose(Y, want)


def test_the_nodes_names_and_shapes():
    net = sn.Network([sn.Attention(d_k=3, d_v=2)], inputs=(4, 5), loss="mse")
    assert [(n.layer.title, n.shape, tuple(u.index for u in n.inputs)) for n in net.nodes] == [
        ("attention queries", (4, 3), (0,)),
        ("attention keys", (4, 3), (0,)),
        ("attention values", (4, 2), (0,)),
        ("attention scores", (4, 4), (1, 2)),
        ("attention weights", (4, 4), (4,)),
        ("attention output", (4, 2), (5, 3)),
    ]
    assert [(p.name, p.shape) for p in net.param_arrays] == [("W_Q1", (5, 3)), ("W_K2", (5, 3)), ("W_V3", (5, 2))]
    assert sp.latex(net.param_arrays[0].symbols[1]) == "w^{Q(1)}_{12}"
    assert repr(sn.Attention(2, 3, causal=True)) == "Attention(d_k=2, d_v=3, causal=True)"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: sn.Attention(d_k=0), "Attention: d_k must be a positive integer, got 0"),
        (lambda: sn.Attention(d_k=2, d_v=-1), "Attention: d_v must be a positive integer, got -1"),
        (
            lambda: sn.Network([sn.Attention(d_k=2)], inputs=6),
            "network: layer 1: Attention(d_k=2): its input has shape 6; attention reads a sequence of T tokens of "
            "d features, inputs=(T, d)",
        ),
        (
            lambda: sn.Network([sn.Attention(d_k=1)], inputs=(1, 3, 3)),
            "network: layer 1: Attention(d_k=1): its input has shape 1 × 3 × 3; attention reads a sequence of T "
            "tokens of d features, inputs=(T, d)",
        ),
        (
            lambda: network_from_spec({"inputs": [3, 2], "layers": [{"type": "attention", "d_k": 2, "heads": 4}]}),
            "layer 1 (attention): unknown field 'heads'; valid fields: type, d_k, d_v, causal",
        ),
        (
            lambda: network_from_spec({"inputs": [3, 2], "layers": [{"type": "attention"}]}),
            "layer 1 (attention): missing field 'd_k'",
        ),
    ],
)
def test_bad_shapes_and_fields_are_one_line_naming_the_layer(build, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        build()


def test_causal_must_be_a_bool():
    with pytest.raises(TypeError, match=r"^Attention: causal must be True or False, got 1$"):
        sn.Attention(2, causal=1)


def test_a_spec_round_trips():
    net = sn.Network(
        [sn.Attention(2, causal=True), sn.Flatten(), sn.Dense(3), sn.Softmax()], inputs=(4, 2), loss="cross-entropy"
    )
    spec = spec_of(net)
    assert spec["layers"][0] == {"type": "attention", "d_k": 2, "causal": True}
    again = network_from_spec(spec)
    assert repr(again) == repr(net) and spec_of(again) == spec


def test_one_attention_layer_learns_to_copy_the_largest_number():
    # benchmarks/attention_max.py, shorter: 30 epochs of Adam on 4000 samples of n = 5 numbers (about 1 s)
    spec = importlib.util.spec_from_file_location(
        "attention_max", Path(__file__).parents[2] / "benchmarks" / "attention_max.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rng = np.random.default_rng(0)
    (X, T), (X_test, T_test) = bench.make(5, 4000, rng), bench.make(5, 1000, rng)
    model = sn.compile(sn.Network([sn.Attention(d_k=2)], inputs=(5, 2), loss="mse"))
    params, history = sn.train(
        model, X, T, optimizer="adam", lr=0.05, epochs=30, batch_size=100, X_test=X_test, T_test=T_test
    )
    assert history.test_loss[-1] < 1e-3 < history.loss[0]
    assert bench.right(model, params, X_test, 5) > 0.95


if __name__ == "__main__":
    jax_gradients(Path(sys.argv[1]))

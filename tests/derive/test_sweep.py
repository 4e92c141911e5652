"""symnn.derive.sweep: one reverse sweep over random compositions of layers, against oracles symnn does not provide.

For 100 compositions from a seeded generator (depth ≤ 4, every layer kind, both conventions, every loss in
``symnn.model.losses.LOSSES`` with an output it can take, with and without weight decay):

- every ``sn.backprop(net).gradients[θ]`` equals ``sympy.diff(net.loss_expr, θ)`` (exactly, by ``sp.expand``, when
  both are small and free of functions and roots; else at a random rational point to 30 digits), and so does the
  batch view (``array_sweep``: what compiles) evaluated on arrays of the same numbers;
- the compiled (NumPy) loss equals a forward pass written here from the layers' definitions, and the compiled
  gradients equal that pass's central differences (float64) and ``jax.grad`` of the same pass in ``jax.numpy``.

JAX runs in a child process (see tests/test_jax.py: other tests fork worker processes, and forking a process that
has imported JAX risks a deadlock): the child runs this file as a script and writes ``jax.grad`` of every case.
"""

from __future__ import annotations

import random
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
from symnn.model.losses import LOSSES
from tests.oracles import central_differences, jax_fixtures

N_CASES = 100
BATCH = 3  # samples per compiled batch
KEEP, DECAY = 0.75, 0.125  # the dropout keep probability p and weight decay λ, when compiled


# -- the compositions ------------------------------------------------------------------------------------------------
#
# A layer is a spec: ("dense", units, bias), ("act", name), ("softmax",), ("elem", name, per_unit), ("layernorm",),
# ("batchnorm",), ("dropout",), ("residual", (spec, ...)). The same spec builds the symnn layer and runs the oracle.

KINDS = ["dense", "dense-nobias", "act", "softmax", "elem-scalar", "elem-unit", "layernorm", "batchnorm", "dropout",
         "residual"]  # fmt: skip
TRAINABLE = ["sigmoid", "relu", "tanh", "softplus", "identity"]  # compile refuses the step (its derivative is 0 a.e.)
ELEMENTWISE = {
    # name: (SymPy formula for symnn, its parameters, the same formula for the oracle in xp = numpy or jax.numpy)
    "swish": (lambda z, beta: z * sn.sigmoid(beta * z), ["beta"], lambda xp, z, beta: z / (1 + xp.exp(-beta * z))),
    "cubic": (lambda z, c0, c1: c0 * z + c1 * z**3, ["c0", "c1"], lambda xp, z, c0, c1: c0 * z + c1 * z**3),
    "smooth": (lambda z: z / sp.sqrt(1 + z**2), [], lambda xp, z: z / xp.sqrt(1 + z * z)),
}
#: the output each loss needs (a softmax for cross-entropy, a sigmoid for binary cross-entropy), as a final spec
HEADS = {"cross-entropy": ("softmax",), "binary-cross-entropy": ("act", "sigmoid")}


@dataclass(frozen=True)
class Case:
    k: int
    layers: tuple
    inputs: int
    loss: str
    convention: str
    decay: bool

    def network(self, batch: int | None = None) -> sn.Network:
        return sn.Network(
            [build(s) for s in self.layers],
            inputs=self.inputs,
            loss=self.loss,
            convention=self.convention,
            weight_decay="lam" if self.decay else None,
            batch=batch,
        )

    def kinds(self) -> set[str]:
        return {kind_of(s) for s in flatten(self.layers)}


def flatten(specs):
    for s in specs:
        yield s
        if s[0] == "residual":
            yield from flatten(s[1])


def kind_of(spec) -> str:
    if spec[0] == "dense":
        return "dense" if spec[2] else "dense-nobias"
    if spec[0] == "elem":
        return "elem-unit" if spec[2] else "elem-scalar"
    return spec[0]


def build(spec) -> sn.Layer:
    kind = spec[0]
    if kind == "dense":
        return sn.Dense(spec[1], bias=spec[2])
    if kind == "act":
        return sn.Activation(spec[1])
    if kind == "softmax":
        return sn.Softmax()
    if kind == "elem":
        f, params, _ = ELEMENTWISE[spec[1]]
        return sn.Elementwise(spec[1], f, params, per_unit=spec[2])
    if kind == "layernorm":
        return sn.LayerNorm()
    if kind == "batchnorm":
        return sn.BatchNorm()
    if kind == "dropout":
        return sn.Dropout(keep="p")
    assert kind == "residual", spec
    return sn.Residual(*(build(s) for s in spec[1]))


def random_spec(kind: str, width: int, rng: random.Random):
    """A layer of ``kind`` for an input of ``width`` entries, and its output width."""
    if kind in ("dense", "dense-nobias"):
        units = rng.randint(1, 3)
        return ("dense", units, kind == "dense"), units
    if kind == "act":
        return ("act", rng.choice(TRAINABLE)), width
    if kind in ("elem-scalar", "elem-unit"):
        name = rng.choice(["swish", "cubic"]) if kind == "elem-unit" else rng.choice(list(ELEMENTWISE))
        return ("elem", name, kind == "elem-unit"), width
    if kind == "residual":
        inner = [k for k in KINDS if k != "residual"]
        while True:
            branch, w = [], width
            for _ in range(rng.randint(1, 2)):
                spec, w = random_spec(rng.choice(inner), w, rng)
                branch.append(spec)
            if w == width and all(s[0] != "layernorm" for s in branch):
                return ("residual", tuple(branch)), width
    return (kind,), width


def composition(k: int) -> Case:
    """Case k: convention k mod 2; layer kind (k // 2) mod 10 and loss (k // 2) mod len(LOSSES) always present;
    weight decay in cases 20–39, 60–79; the other layers random (seeded by k)."""
    rng = random.Random(k)
    convention = ("column", "row")[k % 2]
    loss = list(LOSSES)[(k // 2) % len(LOSSES)]
    focus = KINDS[(k // 2) % len(KINDS)]
    decay = (k // 20) % 2 == 1
    head = HEADS.get(loss)
    while True:  # until the random layers fit: LayerNorm reads ≥ 2 entries, a softmax head ≥ 2
        inputs = rng.randint(1, 3)
        n_body = rng.randint(1, 4 - (head is not None))
        kinds = [rng.choice(KINDS) for _ in range(n_body)]
        kinds[rng.randrange(n_body)] = focus
        layers, width, ok = [], inputs, True
        for kind in kinds:
            if kind == "layernorm" and width < 2:
                ok = False
            spec, width = random_spec(kind, width, rng)
            layers.append(spec)
        if head is not None:
            ok = ok and (width >= 2 or head[0] != "softmax")
            layers.append(head)
        specs = list(flatten(layers))
        # something to train, and at most one BatchNorm
        ok = ok and any(
            s[0] in ("dense", "layernorm", "batchnorm") or s[1:2] in (("swish",), ("cubic",)) for s in specs
        )
        if ok and [s[0] for s in specs].count("batchnorm") <= 1:
            case = Case(k, tuple(layers), inputs, loss, convention, decay)
            # normalisations' derivatives grow fastest: at most 4 normalised entries in all (say LayerNorm(2) and
            # BatchNorm(2)), to keep SymPy's diff quick
            if sum(n.width for n in case.network().nodes if isinstance(n.layer, sn.LayerNorm | sn.BatchNorm)) <= 4:
                return case


CASES = [composition(k) for k in range(N_CASES)]


def case_id(case: Case) -> str:
    return f"{case.k}-{case.convention}-{case.loss}{'-decay' if case.decay else ''}"


def test_the_compositions_cover_every_kind_loss_convention_and_decay():
    seen = {(kind, c.convention) for c in CASES for kind in c.kinds()}
    assert seen >= {(kind, conv) for kind in KINDS for conv in ("column", "row")}
    seen = {(c.loss, c.convention, c.decay) for c in CASES}
    assert seen == {(loss, conv, d) for loss in LOSSES for conv in ("column", "row") for d in (False, True)}
    assert {s[1] for c in CASES for s in flatten(c.layers) if s[0] == "act"} >= set(TRAINABLE)
    assert {(s[1], s[2]) for c in CASES for s in flatten(c.layers) if s[0] == "elem"} >= {
        ("swish", False), ("swish", True), ("cubic", False), ("cubic", True), ("smooth", False)
    }  # fmt: skip
    assert all(len(c.layers) <= 4 for c in CASES)
    assert max(len(s[1]) for c in CASES for s in c.layers if s[0] == "residual") == 2


def test_every_loss_has_an_oracle():
    assert set(LOSSES) <= set(LOSS_ORACLES), "write the oracle of the new loss below"


# -- the oracle: the forward pass of a composition, from the layers' definitions -------------------------------------


def _sigmoid(xp, z):
    return 1 / (1 + xp.exp(-z))


ACTIVATION_ORACLES = {
    "sigmoid": _sigmoid,
    "relu": lambda xp, z: xp.maximum(z, 0),
    "tanh": lambda xp, z: xp.tanh(z),
    "softplus": lambda xp, z: xp.logaddexp(0, z),
    "identity": lambda xp, z: z,
}
LOSS_ORACLES = {  # the loss of each sample (a row of outputs Y and targets T)
    "sse": lambda xp, Y, T: 0.5 * ((T - Y) ** 2).sum(axis=1),
    "mse": lambda xp, Y, T: ((T - Y) ** 2).mean(axis=1),
    "cross-entropy": lambda xp, Y, T: -(T * xp.log(Y)).sum(axis=1),
    "binary-cross-entropy": lambda xp, Y, T: -(T * xp.log(Y) + (1 - T) * xp.log(1 - Y)).sum(axis=1),
}
EPS = 1e-5  # LayerNorm's and BatchNorm's default ε


def oracle_loss(xp, case: Case, P, X, T, M):
    """C = mean over the samples of the loss, plus λ/2 Σ w² over the Dense weights; P: parameter arrays by name
    (``W{l}``, ``b{l}`` of the l-th Dense; ``gamma{i}``, ``beta{i}``, ``{param}{i}`` of node i), M: masks ``M{i}``."""
    count = {"node": 0, "dense": 0}

    def normalize(A, gamma, beta, axis):
        mu = A.mean(axis=axis, keepdims=True)
        var = ((A - mu) ** 2).mean(axis=axis, keepdims=True)
        return gamma * (A - mu) / xp.sqrt(var + EPS) + beta

    def run(specs, A):
        for s in specs:
            if s[0] == "residual":
                B = run(s[1], A)
                count["node"] += 1
                A = A + B
                continue
            count["node"] += 1
            i = count["node"]
            if s[0] == "dense":
                count["dense"] += 1
                W = P[f"W{count['dense']}"]
                A = A @ (W.T if case.convention == "column" else W)
                if s[2]:
                    A = A + P[f"b{count['dense']}"]
            elif s[0] == "act":
                A = ACTIVATION_ORACLES[s[1]](xp, A)
            elif s[0] == "softmax":
                E = xp.exp(A - A.max(axis=1, keepdims=True))
                A = E / E.sum(axis=1, keepdims=True)
            elif s[0] == "elem":
                _, params, f = ELEMENTWISE[s[1]]
                A = f(xp, A, *(P[f"{p}{i}"] for p in params))
            elif s[0] in ("layernorm", "batchnorm"):
                A = normalize(A, P[f"gamma{i}"], P[f"beta{i}"], axis=1 if s[0] == "layernorm" else 0)
            else:
                assert s[0] == "dropout", s
                A = A * M[f"M{i}"] / KEEP
        return A

    Y = run(case.layers, X)
    C = LOSS_ORACLES[case.loss](xp, Y, T).mean()
    if case.decay:
        C = C + DECAY / 2 * sum((P[f"W{l}"] ** 2).sum() for l in range(1, count["dense"] + 1))
    return C


def case_data(case: Case):
    """Random parameters, inputs, targets (probabilities for the cross-entropies) and 0/1 masks, seeded by the case."""
    net = case.network()
    rng = np.random.default_rng(1000 + case.k)
    P = {p.name: rng.normal(0.0, 0.8, size=p.shape) for p in net.param_arrays}
    X = rng.normal(0.0, 1.0, size=(BATCH, case.inputs))
    n_out = net.output_node.width
    if case.loss == "cross-entropy":
        T = rng.dirichlet(np.ones(n_out), size=BATCH)
    elif case.loss == "binary-cross-entropy":
        T = rng.uniform(0.0, 1.0, size=(BATCH, n_out))
    else:
        T = rng.normal(0.0, 1.0, size=(BATCH, n_out))
    M = {m: rng.integers(0, 2, size=(BATCH, n.width)).astype(float) for n in net.nodes for m in n.layer.masks(n)}
    return P, X, T, M


# -- 1. the derivation: every gradient is SymPy's derivative of the element-view loss --------------------------------


def rational_point(symbols, rng: random.Random) -> dict:
    """A random rational for each symbol: masks 0 or 1, positive symbols (p, λ) in (0, 1], others in ±(0, 2]."""
    point = {}
    for s in symbols:
        if s.name.startswith("m"):
            point[s] = sp.Integer(rng.randint(0, 1))
        elif s.is_positive:
            point[s] = sp.Rational(rng.randint(1, 100), 100)
        else:
            v = sp.Rational(rng.randint(1, 400), 200)
            point[s] = v if rng.random() < 0.5 else -v
    return point


def close(a, b) -> bool:
    return a.is_Number and b.is_Number and abs(a - b) <= sp.Float(10, 50) ** -30 * (1 + abs(a) + abs(b))


def tree_size(e: sp.Expr, memo: dict) -> int:
    """The number of nodes of ``e`` written out as a tree (computed over the DAG: each distinct node once)."""
    if e not in memo:
        memo[e] = 1 + sum(tree_size(a, memo) for a in e.args)
    return memo[e]


def is_small_laurent_polynomial(e: sp.Expr) -> bool:
    """No functions, no roots, a symbol in every denominator, and small: ``sp.expand`` decides whether it is 0."""
    memo: dict = {}
    return tree_size(e, memo) <= 150 and all(
        not isinstance(n, sp.Function) and (not n.is_Pow or (n.exp.is_Integer and (n.exp > 0 or n.base.is_Symbol)))
        for n in memo
    )


def mask_entries(net, node) -> list:
    """The mask symbols of a dropout node, sample by sample (none for other nodes)."""
    if not node.layer.masks(node):
        return []
    samples = [n if net.batch > 1 else None for n in range(1, net.batch + 1)]
    return [node.layer.mask_symbol(node, j, n) for n in samples for j in range(1, node.width + 1)]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_backprop_equals_sympy_diff_and_the_batch_view(case, jax_child):
    net = case.network()
    d = sn.backprop(net)
    C = net.loss_expr
    assert set(d.gradients) == set(net.params)
    rng = random.Random(case.k)
    masks = [m for node in net.nodes for m in mask_entries(net, node)]
    data = [s for rows in (net.inputs, net.targets) for row in rows for s in row]
    symbols = {*C.free_symbols, *net.params, *net.constants, *data, *masks}
    point = {s: sp.Float(v, 50) for s, v in rational_point(sorted(symbols, key=sp.default_sort_key), rng).items()}
    memo: dict = {}
    want = {}
    for p in net.params:
        got, want[p] = d.gradients[p], sp.diff(C, p)
        if is_small_laurent_polynomial(want[p]) and is_small_laurent_polynomial(got):
            assert sp.expand(got - want[p]) == 0, f"∂C/∂{p}: {got} != {want[p]}"
        else:
            a, b = at_point(got, point, memo), at_point(want[p], point, memo)
            assert close(a, b), f"∂C/∂{p}: {a} != {b}"

    # the batch view (what compiles), on arrays of the same numbers, over the view's samples
    sw = array_sweep(net)
    B = net.batch
    values = {
        sw.N: sp.Integer(B),
        sw.X: symbolic_array([point[s] for row in net.inputs for s in row], (B, case.inputs)),
        sw.T: symbolic_array([point[s] for row in net.targets for s in row], (B, net.output_node.width)),
    }
    for p in net.param_arrays:
        values[sw.env[p.name]] = symbolic_array([point[s] for s in p.symbols], p.shape)
    for node in net.nodes:
        for m in node.layer.masks(node):
            values[sw.env[m]] = symbolic_array([point[e] for e in mask_entries(net, node)], (B, node.width))
    values.update({s: point[s] for s in net.constants})
    for s, e in [*sw.forward, *sw.backward]:  # the assignments of the forward pass and the reverse sweep, in order
        values[s] = evaluate(e, values)
    assert close(at_point(sp.sympify(evaluate(sw.loss, values)), point, {}), at_point(C, point, memo))
    assert sorted(sw.grads) == sorted(p.name for p in net.param_arrays)
    for p in net.param_arrays:
        got = np.ravel(np.asarray(evaluate(sw.grads[p.name], values), dtype=object))
        assert got.shape == (len(p.symbols),), (p.name, got.shape)
        for s, g in zip(p.symbols, got, strict=True):
            a, b = at_point(sp.sympify(g), point, {}), at_point(want[s], point, memo)
            assert close(a, b), f"batch view ∂C/∂{s}: {a} != {b}"


# -- 2. the compiled gradients: central differences and jax.grad of the oracle ---------------------------------------


@cache
def compiled(k: int):
    case = CASES[k]
    net = case.network()
    constants = {"p": KEEP} if "p" in {s.name for s in net.constants} else {}
    if case.decay:
        constants["lam"] = DECAY
    return sn.compile(net, constants=constants)


def jax_gradients(path: Path) -> None:
    """In a child process: ``jax.grad`` of the oracle for every case, float64, saved to ``path``."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    out = {}
    for case in CASES:
        P, X, T, M = case_data(case)
        grads = jax.grad(lambda P, case=case, X=X, T=T, M=M: oracle_loss(jnp, case, P, X, T, M))(P)
        out.update({f"{case.k}/{name}": np.asarray(g, dtype=np.float64) for name, g in grads.items()})
    np.savez(path, **out)


jax_child, jax_grads = jax_fixtures(__file__)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_compiled_gradients_equal_central_differences(case, jax_child):
    model = compiled(case.k)
    P, X, T, M = case_data(case)
    assert model.param_shapes == {name: value.shape for name, value in P.items()}
    loss, grads = model.value_and_grad(P, X, T, masks=M)
    assert float(loss) == pytest.approx(oracle_loss(np, case, P, X, T, M), rel=1e-12, abs=1e-14)
    assert float(model.loss(P, X, T, masks=M)) == float(loss)
    numeric = central_differences(lambda Q: oracle_loss(np, case, Q, X, T, M), P)
    for name in P:
        assert grads[name].shape == P[name].shape, name
        np.testing.assert_allclose(grads[name], numeric[name], rtol=1e-6, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_compiled_gradients_equal_jax_grad(case, jax_grads):
    model = compiled(case.k)
    P, X, T, M = case_data(case)
    _, grads = model.value_and_grad(P, X, T, masks=M)
    assert sorted(k.split("/")[1] for k in jax_grads if k.startswith(f"{case.k}/")) == sorted(P)
    for name in P:
        np.testing.assert_allclose(grads[name], jax_grads[f"{case.k}/{name}"], rtol=1e-11, atol=1e-13, err_msg=name)


# -- BatchNorm over batches of 1 to 64 samples ---------------------------------------------------------------------


@pytest.mark.parametrize("N", [1, 2, 3, 7, 64])
@pytest.mark.parametrize(
    ("layers", "loss"),
    [
        ((("dense", 3, True), ("batchnorm",), ("act", "tanh"), ("dense", 2, True)), "sse"),
        ((("batchnorm",), ("dense", 3, False), ("batchnorm",), ("softmax",)), "cross-entropy"),
    ],
    ids=["dense-bn-tanh-dense", "bn-dense-bn-softmax"],
)
@pytest.mark.parametrize("convention", ["column", "row"])
def test_batch_norm_compiled_gradient_equals_central_differences(N, layers, loss, convention):
    case = Case(-1, layers, 2, loss, convention, False)
    net = case.network()
    model = sn.compile(net)
    rng = np.random.default_rng(N)
    P = {p.name: rng.normal(0.0, 0.8, size=p.shape) for p in net.param_arrays}
    X = rng.normal(0.0, 2.0, size=(N, 2))
    n_out = net.output_node.width
    T = rng.dirichlet(np.ones(n_out), size=N) if loss == "cross-entropy" else rng.normal(size=(N, n_out))
    loss_value, grads = model.value_and_grad(P, X, T)
    assert float(loss_value) == pytest.approx(oracle_loss(np, case, P, X, T, {}), rel=1e-12, abs=1e-14)
    numeric = central_differences(lambda Q: oracle_loss(np, case, Q, X, T, {}), P)
    for name in P:
        np.testing.assert_allclose(grads[name], numeric[name], rtol=1e-6, atol=1e-8, err_msg=name)
    if N == 1:  # one sample normalises to 0: the output is β, whatever the layers before
        assert not grads[net.param_arrays[0].name].any()


# -- bugs found here ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["A", "H", "Z", "dZ", "dH"])
def test_an_elementwise_parameter_named_like_an_array_of_the_sweep(name):
    # the parameter array {name}2 was the same symbol as the sweep's A2 (tanh after dense 2), H2 (the elementwise
    # output itself), Z2, dZ2 or dH2: the compiled code overwrote the parameter, and W1's gradient was wrong
    net = sn.Network(
        [sn.Dense(2), sn.Elementwise("scale", lambda z, s: s * z + z**2, [name]), sn.Dense(2),
         sn.Activation("tanh"), sn.Dense(1)],
        inputs=2,
        loss="sse",
    )  # fmt: skip
    model = sn.compile(net)
    rng = np.random.default_rng(5)
    P = {p.name: rng.normal(size=p.shape) for p in net.param_arrays}
    assert f"{name}2" in P
    X, T = rng.normal(size=(3, 2)), rng.normal(size=(3, 1))

    def oracle(Q):
        Z1 = X @ Q["W1"].T + Q["b1"]
        H = Q[f"{name}2"] * Z1 + Z1**2
        Y = np.tanh(H @ Q["W2"].T + Q["b2"]) @ Q["W3"].T + Q["b3"]
        return (0.5 * ((T - Y) ** 2).sum(axis=1)).mean()

    loss, grads = model.value_and_grad(P, X, T)
    assert float(loss) == pytest.approx(oracle(P), rel=1e-12)
    numeric = central_differences(oracle, P)
    for k in P:
        np.testing.assert_allclose(grads[k], numeric[k], rtol=1e-6, atol=1e-8, err_msg=k)


@pytest.mark.parametrize("layers", [[sn.Softmax()], [sn.Dropout(), sn.Activation("tanh"), sn.Softmax()]])
def test_a_network_without_parameters_derives_and_is_refused_by_compile(layers):
    # a lone softmax under cross-entropy: the fused adjoint starts at the input, which is no node of the sweep
    net = sn.Network(layers, inputs=3, loss="cross-entropy")
    assert sn.backprop(net).gradients == {}
    assert array_sweep(net).grads == {}
    with pytest.raises(
        ValueError,
        match=r"^cannot compile Network\(\[.*\], inputs=3, .*\): it has no parameters, so there is nothing to train$",
    ):
        sn.compile(net, constants={"p": 0.5} if len(layers) > 1 else None)


if __name__ == "__main__":
    jax_gradients(Path(sys.argv[1]))

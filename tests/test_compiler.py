"""compile: generated code against exact symbolic gradients, central differences, stability, dtypes, bad input."""

import ast
import re
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp

import symnn as sn
from symnn.codegen.compiler import VIEWS
from symnn.codegen.gradcheck import GradCheck
from tests.oracles import central_differences

# every hidden activation the compiled code supports with a derivative that is a function (the
# step's derivative is a Dirac delta: nothing to train with)
HIDDEN = ["sigmoid", "tanh", "relu", "softplus", "identity"]
# (output, loss) pairs whose loss is defined for every output value (cross-entropy needs softmax outputs,
# binary cross-entropy sigmoid ones: sn.compile refuses any other output)
HEADS = [
    ("sigmoid", "sse"),
    ("sigmoid", "mse"),
    ("sigmoid", "binary-cross-entropy"),
    ("softmax", "cross-entropy"),
    ("softmax", "sse"),
    ("identity", "sse"),
    ("identity", "mse"),
    ("tanh", "sse"),
    ("softplus", "sse"),
    ("relu", "mse"),
]


def random_architectures(count, seed=6):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        depth = int(rng.integers(1, 4))
        sizes = [int(n) for n in rng.integers(1, 5, size=depth + 1)]
        output, loss = HEADS[i % len(HEADS)]
        if output == "softmax":
            sizes[-1] = max(sizes[-1], 2)
        hidden = [HIDDEN[int(k)] for k in rng.integers(0, len(HIDDEN), size=depth - 1)]
        convention = ["column", "row"][i % 2]
        out.append(sn.MLP(sizes, activation=hidden, output=output, loss=loss, convention=convention))
    return out


def random_point(net, rng, N):
    """Exact rational parameters, inputs and targets in [0, 1], whose rows need not sum to 1 (soft targets:
    softmax with cross-entropy gives δ = y Σt − t, which is y − t only for one-hot targets)."""

    def rational(shape):
        return rng.integers(-40, 41, size=shape) / 20

    n = net.sizes
    X = rational((N, n[0]))
    T = rng.integers(0, 21, size=(N, n[-1])) / 20
    model_params = {}
    for l in range(1, net.depth + 1):
        W = rational((n[l], n[l - 1]))
        model_params[f"W{l}"] = W if net.convention == "column" else W.T
        model_params[f"b{l}"] = rational((n[l],))
    return model_params, X, T


def exact_gradients(net, params, x, t):
    """The derivation's gradients at one sample, evaluated through mpmath at 40 digits from exact rationals."""
    d = sn.backprop(net)
    symbols = [*net.params, *net.inputs, *net.targets]
    f = sp.lambdify(symbols, [d.gradients[p] for p in net.params], modules="mpmath", cse=True)
    values = net.parameter_values(params)
    point = [sp.Rational(str(values[p])) for p in net.params] + [sp.Rational(str(v)) for v in (*x, *t)]
    with mpmath.workdps(40):
        out = f(*[mpmath.mpf(v.p) / v.q for v in point])
    return dict(zip(net.params, (float(v) for v in out), strict=True))


ARCHS = random_architectures(50)


@pytest.mark.parametrize("net", ARCHS, ids=[f"{i}-{n!r}" for i, n in enumerate(ARCHS)])
def test_compiled_gradients_are_the_derivations(net):
    rng = np.random.default_rng(len(net.params))
    model = sn.compile(net)
    params, X, T = random_point(net, rng, N=1)
    grads = model.grad(params, X, T)
    exact = exact_gradients(net, params, X[0], T[0])
    compiled = net.parameter_values(grads)
    for p in net.params:
        assert float(compiled[p]) == pytest.approx(exact[p], rel=1e-10, abs=1e-12), p
    # and against central differences, on a batch
    params, X, T = random_point(net, rng, N=4)
    result = sn.gradcheck(model, params, X, T)
    assert result.max_rel_error < 1e-6, result.message


def test_exact_substitution_agrees_with_the_mpmath_route():
    # the oracle above evaluates through mpmath; check it once against plain exact substitution
    net = sn.MLP([2, 2, 2], activation="tanh", output="softmax", loss="cross-entropy")
    params, X, T = random_point(net, np.random.default_rng(1), N=1)
    d = sn.backprop(net)
    subs = {**net.parameter_values(params)}
    subs.update({s: sp.Rational(str(v)) for s, v in zip(net.inputs, X[0], strict=True)})
    subs.update({s: sp.Rational(str(v)) for s, v in zip(net.targets, T[0], strict=True)})
    via_mpmath = exact_gradients(net, params, X[0], T[0])
    for p in net.params:
        assert float(d.gradients[p].xreplace(subs).evalf(30)) == pytest.approx(via_mpmath[p], rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("net", ARCHS[::10], ids=lambda n: repr(n))
def test_element_view_agrees_with_matrix_view(net):
    params, X, T = random_point(net, np.random.default_rng(2), N=5)
    a_loss, a = sn.compile(net).value_and_grad(params, X, T)
    b_loss, b = sn.compile(net, view="element").value_and_grad(params, X, T)
    assert float(a_loss) == pytest.approx(float(b_loss), rel=1e-12)
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-10, atol=1e-13)


def test_forward_equals_the_networks_exact_forward():
    net = sn.MLP([3, 2, 2], activation="sigmoid", output="softmax", loss="cross-entropy", convention="row")
    params, X, _ = random_point(net, np.random.default_rng(3), N=3)
    Y = sn.compile(net).forward(params, X)
    values = net.parameter_values(params)
    for row, y in zip(X, Y, strict=True):
        exact = net.forward([sp.Rational(str(v)) for v in row], values)
        np.testing.assert_allclose(y, [float(e.evalf(30)) for e in exact], rtol=1e-14)


def test_loss_is_the_batch_mean_of_the_per_sample_loss():
    net = sn.MLP([2, 3, 2], activation="tanh", output="sigmoid", loss="sse")
    model = sn.compile(net)
    params, X, T = random_point(net, np.random.default_rng(4), N=6)
    per_sample = [float(model.loss(params, X[i : i + 1], T[i : i + 1])) for i in range(6)]
    value, _ = model.value_and_grad(params, X, T)
    assert float(model.loss(params, X, T)) == pytest.approx(np.mean(per_sample), rel=1e-14)
    assert float(value) == pytest.approx(np.mean(per_sample), rel=1e-14)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu", "softplus"])
@pytest.mark.parametrize(
    ("output", "loss"),
    [("sigmoid", "sse"), ("sigmoid", "binary-cross-entropy"), ("softmax", "cross-entropy"), ("softmax", "mse")],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_overflow_for_pre_activations_up_to_1e4(hidden, output, loss, dtype, view):
    # both views: the element view gave an infinite cross-entropy loss here, with warnings (issue 11)
    net = sn.MLP([2, 2, 3], activation=hidden, output=output, loss=loss)
    model = sn.compile(net, view=view)
    # z^(1) = ±1e4 and, through identity-like weights, z^(2) reaches ±1e4 too (relu/softplus: up to 1e4)
    params = {
        "W1": np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype),
        "b1": np.zeros(2, dtype=dtype),
        "W2": np.array([[1.0, -1.0], [-1.0, 1.0], [0.5, 0.5]], dtype=dtype),
        "b2": np.zeros(3, dtype=dtype),
    }
    X = np.array([[1e4, -1e4], [-1e4, 1e4], [1e4, 1e4]], dtype=dtype)
    if hidden in ("sigmoid", "tanh"):
        params["W2"] *= 1e4
    T = np.eye(3, dtype=dtype)[[0, 1, 2]]
    # NumPy's warnings as errors, and NumPy's strict mode (np.seterr(all="raise")): the generated code
    # silences the overflow and underflow it expects (underflow raised FloatingPointError in strict mode)
    old = np.seterr(all="raise")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            value, grads = model.value_and_grad(params, X, T)
            Y = model.forward(params, X)
            assert np.isfinite(model.loss(params, X, T))
    finally:
        np.seterr(**old)
    assert np.isfinite(value) and all(np.isfinite(g).all() for g in grads.values())
    assert np.isfinite(Y).all() and Y.dtype == dtype


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("convention", ["column", "row"])
def test_float32_in_float32_out(convention, view):
    net = sn.MLP([4, 3, 2], activation="sigmoid", output="softmax", loss="cross-entropy", convention=convention)
    model = sn.compile(net, view=view)
    params = model.init(seed=1, dtype=np.float32)
    X = np.random.default_rng(0).random((8, 4), dtype=np.float32)
    T = np.eye(2, dtype=np.float32)[[0, 1] * 4]
    value, grads = model.value_and_grad(params, X, T)
    assert np.asarray(value).dtype == np.float32 and model.forward(params, X).dtype == np.float32
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}
    result = sn.gradcheck(model, params, X, T)
    assert result, result.message
    # the float32 gradient is the float64 one, rounded
    g64 = model.grad({k: v.astype(np.float64) for k, v in params.items()}, X.astype(np.float64), T.astype(np.float64))
    for k in grads:
        np.testing.assert_allclose(grads[k], g64[k], rtol=1e-4, atol=1e-6)


def recording(model, name):
    """The generated function ``name``, changed (through ``ast``) to record the value of every assignment."""
    tree = ast.parse(model.source)
    seen = []

    class Record(ast.NodeTransformer):
        def visit_Assign(self, node):
            return [node, *(self._record(t.id) for t in node.targets)]

        def visit_AugAssign(self, node):
            return [node, self._record(node.target.id)]

        def _record(self, target):
            return ast.parse(f"_record({target!r}, {target})").body[0]

    namespace = {"_record": lambda target, value: seen.append((target, value))}
    exec(compile(ast.fix_missing_locations(Record().visit(tree)), "<recorded>", "exec"), namespace)
    return namespace[name], seen


@pytest.mark.parametrize("net", random_architectures(20, seed=12), ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_loss_is_value_and_grads_value_to_the_bit(net, dtype):
    # loss computed Σ/N and value_and_grad Σ·N**(-1.0) (its 1/N shared with δ^(L)): one ulp apart
    model = sn.compile(net)
    rng = np.random.default_rng(3)
    params, X, T = random_point(net, rng, 7)
    params = {k: (v + rng.normal(scale=0.1, size=v.shape)).astype(dtype) for k, v in params.items()}
    X, T = X.astype(dtype), T.astype(dtype)
    assert model.loss(params, X, T) == model.value_and_grad(params, X, T)[0]


@pytest.mark.parametrize("net", random_architectures(20, seed=11), ids=repr)
def test_float32_code_computes_nothing_in_float64(net):
    # A float64 NumPy scalar or array anywhere in a float32 step (a constant such as 1/N made a NumPy
    # float64, a cast) would turn every value after it into float64, or cost a cast back: each array
    # and NumPy scalar the generated code assigns or returns is float32. Python numbers (N, 1/N) are
    # weak under NumPy's promotion rules (NEP 50): they take the array's dtype.
    model = sn.compile(net)
    # nor a round trip within a line: no dtype named, no conversion or copy
    for word in ("float64", "double", "astype", "asarray", "ascontiguousarray", "copy("):
        assert word not in model.source
    params = model.init(seed=2, dtype=np.float32)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(6, net.sizes[0])).astype(np.float32)
    T = np.eye(net.sizes[-1], dtype=np.float32)[rng.integers(0, net.sizes[-1], 6)]
    for name in ("forward", "loss", "value_and_grad"):
        f, seen = recording(model, name)
        out = f(*model._args(params), X, *([T] if name != "forward" else []))
        values = [*seen, *(("return", v) for v in (out if isinstance(out, tuple) else (out,)))]
        assert len(values) > len(net.sizes)
        for target, value in values:
            if isinstance(value, int | float) and not isinstance(value, np.generic):
                continue
            assert isinstance(value, np.ndarray | np.generic), (name, target, type(value))
            assert value.dtype == np.float32, f"{name}: {target} is {value.dtype}"


def test_source_is_readable_and_stable():
    model = sn.compile(sn.MLP([2, 3, 2], activation="sigmoid", output="softmax", loss="cross-entropy"))
    src = model.source
    assert "def value_and_grad(W1, b1, W2, b2, X, T):" in src
    # σ as 1/(1 + e^(-z)), whose one overflow (e^(-z) = inf, σ = 0) is expected and silenced
    assert "A1 = 1/(1 + numpy.exp(-Z1))" in src and 'with numpy.errstate(over="ignore", under="ignore"):' in src
    assert "numpy.maximum.reduce(Z2, axis=1, keepdims=True)" in src  # softmax shifted by its max (seed 002)
    assert "delta2 = " in src and "# delta1 = " in src  # the derivation's names and equations
    assert "for " not in src  # no per-sample loop


def test_init_layouts_and_seed():
    model = sn.compile(sn.MLP([3, 4, 2], convention="row"))
    p = model.init(seed=5)
    assert {k: v.shape for k, v in p.items()} == {"W1": (3, 4), "b1": (4,), "W2": (4, 2), "b2": (2,)}
    assert all(np.array_equal(p[k], model.init(seed=5)[k]) for k in p)
    assert not np.array_equal(p["W1"], model.init(seed=6)["W1"])


def test_gradcheck_reports_a_wrong_gradient():
    model = sn.compile(sn.MLP([2, 2, 1]))
    params, X, T = random_point(model.network, np.random.default_rng(7), N=3)
    good = model._f["value_and_grad"]

    def bad(*args):
        loss, *grads = good(*args)
        grads[2] = grads[2] * 1.01  # W2 off by 1 %
        return loss, *grads

    model._f["value_and_grad"] = bad
    result = sn.gradcheck(model, params, X, T)
    assert isinstance(result, GradCheck) and not result
    assert result.name == "W2"
    assert result.message.startswith("gradcheck FAILED: max relative error ")
    assert f"at W2[0, {result.index[1]}]: compiled " in result.message and ", abs error " in result.message


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m, p, X, T: m.loss({"W1": p["W1"]}, X, T), ValueError, r"^params is missing b1, W2, b2; this network"),
        (lambda m, p, X, T: m.loss({**p, "W3": p["W1"]}, X, T), ValueError, r"^params has unknown entries 'W3'; valid"),
        (
            lambda m, p, X, T: m.loss({**p, "W1": p["W1"].T}, X, T),
            ValueError,
            r"^params\['W1'\] must have shape \(3, 2\) \(column convention\), got \(2, 3\)$",
        ),
        (
            lambda m, p, X, T: m.loss(p, X[:, :1], T),
            ValueError,
            r"^X must be a 2-D array of shape \(N, 2\), N samples × 2 inputs, got shape \(4, 1\)$",
        ),
        (lambda m, p, X, T: m.loss(p, X[0], T), ValueError, r"^X must be a 2-D array of shape \(N, 2\)"),
        (lambda m, p, X, T: m.loss(p, X, T[:2]), ValueError, r"^T has 2 rows but X has 4: one target row per sample$"),
        (
            lambda m, p, X, T: m.loss(p, X.astype(np.float32), T),
            TypeError,
            r"^X is float32 but the parameters are float64; convert one of them: X\.astype\('float64'\), "
            r"or parameters of float32 \(model\.init\(seed, dtype='float32'\)\)$",
        ),
        (  # model.init refuses float16: the message must not suggest it
            lambda m, p, X, T: m.loss(p, X.astype(np.float16), T),
            TypeError,
            r"^X is float16; valid dtypes: float32, float64 \(X\.astype\('float64'\)\)$",
        ),
        (
            lambda m, p, X, T: m.loss({**p, "b1": p["b1"].astype(np.float32)}, X, T),
            TypeError,
            r"^params must all be float32 or all float64, got float32, float64$",
        ),
        (
            lambda m, p, X, T: m.loss(p, X.astype(complex), T),
            TypeError,
            r"^X must hold real numbers, got dtype complex128$",
        ),
        (lambda m, p, X, T: sn.compile(m.network, backend="torch"), ValueError, r"^unknown backend 'torch'; valid"),
        (lambda m, p, X, T: sn.compile(m.network, view="tensor"), ValueError, r"^unknown view 'tensor'; valid"),
        (lambda m, p, X, T: sn.compile("2,3,2"), TypeError, r"^compile takes an MLP or a Network, got str$"),
        (lambda m, p, X, T: m.init(dtype=np.int32), TypeError, r"^dtype must be float32 or float64, got int32$"),
    ],
)
def test_bad_input(call, error, message):
    model = sn.compile(sn.MLP([2, 3, 2]))
    params = model.init(0)
    X, T = np.zeros((4, 2)), np.zeros((4, 2))
    with pytest.raises(error, match=message):
        call(model, params, X, T)


def test_integer_inputs_take_the_parameters_dtype():
    model = sn.compile(sn.MLP([2, 2, 1]))
    params = model.init(0, dtype=np.float32)
    Y = model.forward(params, np.array([[0, 1], [1, 0]]))
    assert Y.dtype == np.float32


# the built-in ones, then any registered by sn.register_activation (other tests register some)
TRAINABLE = r"sigmoid, relu, tanh, softplus, identity(, \w+)*"


@pytest.mark.parametrize(
    ("net", "where"),
    [
        (sn.MLP([2, 2, 1], activation="step"), "a hidden layer"),
        (sn.MLP([2, 2, 1], output="step"), "the output"),
        (sn.MLP([2, 1], output="step", loss="sse"), "the output"),
    ],
)
def test_a_step_network_is_refused_when_compiling(net, where):
    with pytest.raises(
        ValueError,
        match=rf"^cannot compile {re.escape(repr(net))}: {where} uses the step function, whose derivative is 0 "
        rf"almost everywhere \(DiracDelta at 0\), so gradient descent cannot train it; "
        rf"trainable activations: {TRAINABLE}$",
    ):
        sn.compile(net)
    sn.backprop(net)  # the derivation itself still takes it


@pytest.mark.parametrize("loss", ["cross-entropy", "binary-cross-entropy"])
@pytest.mark.parametrize("output", ["identity", "tanh", "relu", "softplus"])
def test_cross_entropy_needs_probabilities_to_compile(output, loss):
    # these compiled and then gave loss NaN (log of y ≤ 0; softplus underflows to 0 below z = −745)
    net = sn.MLP([1, 2], output=output, loss=loss)
    valid = "softmax" if loss == "cross-entropy" else "sigmoid"
    with pytest.raises(
        ValueError,
        match=rf"^cannot compile {re.escape(repr(net))}: {loss} takes log y of outputs that are "
        rf"probabilities, and '{output}' outputs are not in \(0, 1\) \(the loss would be NaN\); "
        rf"valid outputs for {loss}: {valid}$",
    ):
        sn.compile(net)
    assert sn.backprop(net).gradients  # the derivation itself still takes any pair


@pytest.mark.parametrize("view", VIEWS)
def test_cross_entropy_on_sigmoid_outputs_is_refused_naming_binary_cross_entropy(view):
    # −Σ t log y has no (1 − t) term: it compiled and trained digits4x3 to chance while the loss went to 0
    net = sn.MLP([12, 3, 2], output="sigmoid", loss="cross_entropy")
    with pytest.raises(
        ValueError,
        match=rf"^cannot compile {re.escape(repr(net))}: cross-entropy −Σ t log y on sigmoid outputs has no "
        r"\(1 − t\) term, so it is minimised by y → 1 whatever the targets; use loss='binary-cross-entropy' "
        r"for sigmoid outputs \(or output='softmax' with cross-entropy\)$",
    ):
        sn.compile(net, view=view)
    assert sn.backprop(sn.MLP([2, 2], output="sigmoid", loss="cross-entropy")).check()  # still derived


def test_binary_cross_entropy_on_softmax_outputs_is_refused():
    net = sn.MLP([2, 2], output="softmax", loss="binary-cross-entropy")
    with pytest.raises(
        ValueError,
        match=rf"^cannot compile {re.escape(repr(net))}: binary cross-entropy takes each output as the "
        r"probability of its own yes/no answer, and softmax outputs share one distribution .*; use "
        r"loss='cross-entropy' with softmax outputs, or output='sigmoid' with binary-cross-entropy$",
    ):
        sn.compile(net)


def numpy_loss(net, params, X, T):
    """The batch-mean loss written directly in NumPy (no symnn code): the oracle for central differences."""
    A = X
    for l in range(1, net.depth + 1):
        W = params[f"W{l}"] if net.convention == "column" else params[f"W{l}"].T
        Z = A @ W.T + params[f"b{l}"]
        name = net.activations[l - 1]
        if name == "softmax":
            E = np.exp(Z - Z.max(axis=1, keepdims=True))
            A = E / E.sum(axis=1, keepdims=True)
        else:
            A = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "identity": lambda z: z}[name](Z)
    per_sample = {
        "cross-entropy": lambda Y: -(T * np.log(Y)).sum(axis=1),
        "binary-cross-entropy": lambda Y: -(T * np.log(Y) + (1 - T) * np.log(1 - Y)).sum(axis=1),
    }[net.loss_name](A)
    return per_sample.mean()


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("convention", ["column", "row"])
def test_softmax_cross_entropy_gradient_is_exact_for_targets_that_do_not_sum_to_1(view, convention):
    # m.grad returned y − t where the gradient is y Σt − t: gradcheck's relative error was 1.0 (issue 11)
    net = sn.MLP([3, 4, 3], activation="tanh", output="softmax", loss="cross-entropy", convention=convention)
    model = sn.compile(net, view=view)
    rng = np.random.default_rng(5)
    params = {k: rng.normal(size=v.shape) for k, v in model.init(0).items()}
    X = rng.normal(size=(6, 3))
    T = rng.random((6, 3)) * rng.choice([0.3, 0.9, 2.5], size=(6, 1))  # non-negative rows summing to 0.1..7
    T[0] = 0.0  # and an all-zero row: δ = −t = 0
    assert not np.allclose(T.sum(axis=1), 1)
    loss, grads = model.value_and_grad(params, X, T)
    assert float(loss) == pytest.approx(numpy_loss(net, params, X, T), rel=1e-12)
    numeric = central_differences(lambda p: numpy_loss(net, p, X, T), params)
    for k in params:
        np.testing.assert_allclose(grads[k], numeric[k], rtol=1e-6, atol=1e-8, err_msg=k)
    assert sn.gradcheck(model, params, X, T).max_rel_error < 1e-6


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("convention", ["column", "row"])
def test_binary_cross_entropy_gradient_is_y_minus_t_and_matches_central_differences(view, convention):
    net = sn.MLP([3, 4, 2], activation="tanh", output="sigmoid", loss="binary_cross_entropy", convention=convention)
    assert net.loss_name == "binary-cross-entropy"
    model = sn.compile(net, view=view)
    rng = np.random.default_rng(6)
    params = {k: rng.normal(size=v.shape) for k, v in model.init(0).items()}
    X, T = rng.normal(size=(5, 3)), rng.random((5, 2))
    loss, grads = model.value_and_grad(params, X, T)
    assert float(loss) == pytest.approx(numpy_loss(net, params, X, T), rel=1e-12)
    numeric = central_differences(lambda p: numpy_loss(net, p, X, T), params)
    for k in params:
        np.testing.assert_allclose(grads[k], numeric[k], rtol=1e-6, atol=1e-8, err_msg=k)
    # δ^(L) = y − t: the output bias's gradient is the batch mean of y − t
    Y = model.forward(params, X)
    np.testing.assert_allclose(grads["b2"], (Y - T).mean(axis=0), rtol=1e-12, atol=1e-15)
    if view == "matrix":  # the loss through log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z)
        assert "T*numpy.logaddexp(0, -Z2) + (1 - T)*numpy.logaddexp(0, Z2)" in model.source
        assert "delta2 = tmp0*(A2 - T)" in model.source


@pytest.mark.parametrize("loss", ["sse", "mse"])
def test_squared_error_keeps_its_precision_near_a_perfect_fit(loss):
    # ½(t − y)², not ½y² − yt + ½t²: the expanded form cancels to noise in float32 when y ≈ t
    model = sn.compile(sn.MLP([1, 1], output="identity", loss=loss))
    params = model.init(0, dtype=np.float32)
    X = np.array([[1.0]], np.float32)
    T = model.forward(params, X) + np.float32(1e-4)
    exact = (0.5 if loss == "sse" else 1.0) * float(T[0, 0] - model.forward(params, X)[0, 0]) ** 2
    assert model.loss(params, X, T) == pytest.approx(exact, rel=1e-3)

"""symnn.model.layers: each layer's batch rules against its element rule, and the errors of bad compositions.

The oracle is SymPy itself: the element view's derivative ``sympy.diff`` of Σ_nj G_nj · out_nj (G a symbol per entry,
any upstream adjoint) is compared, entry by entry, with what the layer's batch ``backward`` gives for the same G,
evaluated on NumPy object arrays of the element symbols. Exact (``sp.expand``) where the rule is polynomial, else at
random rational points to 30 digits, each distinct subexpression evaluated once.
"""

import random
import re

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import symnn as sn
from symnn.derive.evaluate import at_point, evaluate, symbolic_array
from symnn.model.layers import Env
from symnn.model.notation import NetSymbol, weight
from symnn.model.registry import ACTIVATIONS

BUILTIN_ACTIVATIONS = ["sigmoid", "relu", "tanh", "softplus", "step", "identity"]


# -- a numeric oracle: the value at a rational point, each distinct subexpression once -------------------------------


def random_point(symbols, rng):
    """A random rational for each symbol: a mask entry 0 or 1, a positive symbol in (0, 2], others in ±(0, 2]."""
    point = {}
    for s in symbols:
        if s.name.startswith("m"):
            point[s] = sp.Integer(rng.randint(0, 1))
        else:
            v = sp.Rational(rng.randint(1, 400), 200)
            point[s] = v if s.is_positive or rng.random() < 0.5 else -v
    return point


def assert_same(got, want, exact, what, points=2, seed=0):
    """``got == want`` exactly (``sp.expand``), or at ``points`` random rational points to 30 digits."""
    got, want = sp.sympify(got), sp.sympify(want)
    if exact:
        assert sp.expand(got - want) == 0, f"{what}: {got} != {want}"
        return
    rng = random.Random(seed)
    symbols = sorted(got.free_symbols | want.free_symbols, key=sp.default_sort_key)
    for _ in range(points):
        point = {s: sp.Float(v, 50) for s, v in random_point(symbols, rng).items()}
        memo = {}
        a, b = at_point(got, point, memo), at_point(want, point, memo)
        assert a.is_Number and b.is_Number, f"{what}: not a number at a point: {a}, {b}"
        assert abs(a - b) <= sp.Float(10, 50) ** -30 * (1 + abs(a) + abs(b)), f"{what}: {a} != {b} at {point}"


# -- one layer, its element rule and its batch rules -----------------------------------------------------------------


def check_layer(layers, n_in, N, convention, exact):
    """The last node of ``Network(layers)``: its batch forward equals its element rule and its batch backward, for
    any upstream adjoint G, equals SymPy's derivative of Σ G ⊙ out, for every input entry and parameter entry."""
    net = sn.Network(layers, inputs=n_in, loss="sse", convention=convention, batch=N)
    net.element_view  # noqa: B018  (sets every node's element rule and symbols)
    node = net.nodes[-1]
    layer = node.layer
    samples = [n if N > 1 else None for n in range(1, N + 1)]
    assert [len(r) for r in node.element] == [node.width] * N

    # the batch view: an array symbol per input node, parameter and mask, bound to arrays of element symbols
    ins = [sp.Symbol(f"IN{k}", real=True) for k in range(len(node.inputs))]
    env = Env(sp.Symbol("N", integer=True, positive=True))
    values = {env.N: sp.Integer(N)}
    for sym, u in zip(ins, node.inputs, strict=True):
        values[sym] = symbolic_array([s for row in u.symbols for s in row], (N, u.width))
    for p in node.params:
        env.arrays[p.name] = sp.Symbol(p.name, real=True)
        values[env.arrays[p.name]] = symbolic_array(p.symbols, p.shape)
    for m in layer.masks(node):
        env.arrays[m] = sp.Symbol(m, real=True)
        entries = [layer.mask_symbol(node, j, s) for s in samples for j in range(1, node.width + 1)]
        values[env.arrays[m]] = symbolic_array(entries, (N, node.width))
    G = [[sp.Symbol(f"G_{n}_{j}", real=True) for j in range(node.width)] for n in range(N)]
    Gsym, Ysym = sp.Symbol("G", real=True), sp.Symbol("Y", real=True)
    values[Gsym] = symbolic_array([g for row in G for g in row], (N, node.width))

    Y = np.broadcast_to(evaluate(layer.forward(node, net, ins, env), values), (N, node.width))
    for n in range(N):
        for j in range(node.width):
            assert_same(Y[n, j], node.element[n][j], exact, f"forward[{n}, {j}]")
    values[Ysym] = Y

    d_ins, d_params = layer.backward(node, net, ins, Ysym, Gsym, env)
    S = sp.Add(*(g * e for grow, erow in zip(G, node.element, strict=True) for g, e in zip(grow, erow, strict=True)))
    assert len(d_ins) == len(node.inputs)
    for k, (u, d) in enumerate(zip(node.inputs, d_ins, strict=True)):
        got = np.broadcast_to(evaluate(d, values), (N, u.width))
        for n in range(N):
            for j in range(u.width):
                assert_same(got[n, j], sp.diff(S, u.symbols[n][j]), exact, f"d input {k} [{n}, {j}]")
    assert sorted(d_params) == sorted(p.name for p in node.params)
    for p in node.params:
        got = evaluate(d_params[p.name], values)
        assert np.shape(got) == p.shape, (p.name, np.shape(got), p.shape)
        for s, g in zip(p.symbols, np.ravel(np.asarray(got, dtype=object)), strict=True):
            assert_same(g, sp.diff(S, s), exact, f"d {p.name} [{s}]")
    return net


CONVENTIONS = pytest.mark.parametrize("convention", ["column", "row"])
BATCH = pytest.mark.parametrize("N", [1, 2])


@CONVENTIONS
@BATCH
@pytest.mark.parametrize(("n_in", "units", "bias"), [(1, 1, True), (2, 3, True), (3, 2, False)])
def test_dense(convention, N, n_in, units, bias):
    net = check_layer([sn.Dense(units, bias=bias)], n_in, N, convention, exact=True)
    W = net.param_arrays[0]
    # the element symbols are the same in both conventions; only the array layout differs (row: W is n_in × n_out)
    rows, cols = (units, n_in) if convention == "column" else (n_in, units)
    entry = (lambda r, c: weight(1, r, c)) if convention == "column" else (lambda r, c: weight(1, c, r))
    assert W.shape == (rows, cols)
    assert W.symbols == tuple(entry(r, c) for r in range(1, rows + 1) for c in range(1, cols + 1))


@CONVENTIONS
@BATCH
@pytest.mark.parametrize("name", BUILTIN_ACTIVATIONS)
def test_activation(convention, N, name):
    # step′ is DiracDelta, 0 at the (nonzero) points; relu′ is the network's step
    check_layer([sn.Activation(name)], 3, N, convention, exact=name == "identity")


def test_every_registered_activation_is_tested():
    assert set(BUILTIN_ACTIVATIONS) <= set(ACTIVATIONS)


@CONVENTIONS
@BATCH
@pytest.mark.parametrize("width", [1, 3])
def test_softmax(convention, N, width):
    check_layer([sn.Softmax()], width, N, convention, exact=False)


ELEMENTWISE = {
    "swish": (lambda z, beta: z * sn.sigmoid(beta * z), ["beta"], False),
    "cubic": (lambda z, c0, c1: c0 * z + c1 * z**3, ["c0", "c1"], True),
    "smooth": (lambda z: z / sp.sqrt(1 + z**2), [], False),
}


@CONVENTIONS
@BATCH
@pytest.mark.parametrize("per_unit", [False, True], ids=["scalar", "per-unit"])
@pytest.mark.parametrize("fname", list(ELEMENTWISE))
def test_elementwise(convention, N, per_unit, fname):
    f, params, exact = ELEMENTWISE[fname]
    net = check_layer([sn.Elementwise(fname, f, params, per_unit=per_unit)], 3, N, convention, exact=exact)
    assert [p.shape for p in net.param_arrays] == [(3,) if per_unit else ()] * len(params)


@CONVENTIONS
@BATCH
@pytest.mark.parametrize("width", [2, 3])
def test_layer_norm(convention, N, width):
    check_layer([sn.LayerNorm()], width, N, convention, exact=False)


@CONVENTIONS
@pytest.mark.parametrize("N", [1, 2, 3])
@pytest.mark.parametrize("width", [1, 2])
def test_batch_norm(convention, N, width):
    check_layer([sn.BatchNorm(eps=0.5)], width, N, convention, exact=False)


@CONVENTIONS
@BATCH
def test_dropout(convention, N):
    check_layer([sn.Dropout(keep="q")], 3, N, convention, exact=True)


@CONVENTIONS
@BATCH
@pytest.mark.parametrize(
    "branch",
    [(sn.Dense(2),), (sn.Dense(3), sn.Activation("tanh"), sn.Dense(2))],
    ids=["dense", "dense-tanh-dense"],
)
def test_residual_sum(convention, N, branch):
    # the sum at the end of a residual: the adjoint goes to the identity and to the branch unchanged
    net = check_layer([sn.Residual(*branch)], 2, N, convention, exact=True)
    add = net.nodes[-1]
    assert add.inputs == (net.input_node, net.nodes[-2]) and add.label == f"sum [{len(branch) + 1}]"


# -- BatchNorm against the textbook's BatchNormalization (seed 002), over N = 3 samples ------------------------------


def textbook_batch_norm(x, gamma, beta, eps):
    """Seed 002's BatchNormalization.forward (training mode), on object arrays: (out, xc, std, xn)."""
    mu = x.sum(axis=0) / x.shape[0]
    xc = x - mu
    var = (xc**2).sum(axis=0) / x.shape[0]
    std = np.vectorize(sp.sqrt, otypes=[object])(var + eps)
    xn = xc / std
    return gamma * xn + beta, xc, std, xn


def textbook_batch_norm_backward(dout, gamma, xc, std, xn):
    """Seed 002's BatchNormalization.backward: (dx, dgamma, dbeta)."""
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (xn * dout).sum(axis=0)
    dxn = gamma * dout
    dxc = dxn / std
    dstd = -((dxn * xc) / (std * std)).sum(axis=0)
    dvar = sp.Rational(1, 2) * dstd / std
    dxc = dxc + sp.Rational(2, N) * xc * dvar
    dmu = dxc.sum(axis=0)
    return dxc - dmu / N, dgamma, dbeta


@pytest.mark.parametrize("width", [1, 2])
def test_batch_norm_over_three_samples_is_the_textbook_formula(width):
    eps = sp.Rational(1, 10**5)
    net = sn.Network([sn.BatchNorm()], inputs=width, loss="sse", batch=3)
    node = net.nodes[0]
    out = net.element_view[node]
    gamma, beta = (symbolic_array(p.symbols, p.shape) for p in node.params)
    x = symbolic_array([s for row in net.inputs for s in row], (3, width))
    want, xc, std, xn = textbook_batch_norm(x, gamma, beta, eps)
    for n in range(3):
        for j in range(width):
            assert_same(out[n][j], want[n, j], False, f"out[{n}, {j}]")
    # and the batch formula symnn compiles, at the same entries
    env = Env(sp.Symbol("N"), {p.name: sp.Symbol(p.name) for p in node.params})
    X = sp.Symbol("X")
    values = {X: x, env.N: sp.Integer(3), env["gamma1"]: gamma, env["beta1"]: beta}
    batch = evaluate(node.layer.forward(node, net, [X], env), values)
    for n in range(3):
        for j in range(width):
            assert_same(batch[n, j], want[n, j], False, f"batch[{n}, {j}]")
    # the textbook's backward pass is the element view's derivative
    G = symbolic_array([sp.Symbol(f"G_{n}_{j}") for n in range(3) for j in range(width)], (3, width))
    S = sp.Add(*(G * np.asarray(out, dtype=object)).ravel())
    dx, dgamma, dbeta = textbook_batch_norm_backward(G, gamma, xc, std, xn)
    for n in range(3):
        for j in range(width):
            assert_same(dx[n, j], sp.diff(S, x[n, j]), False, f"dx[{n}, {j}]")
    for j in range(width):
        assert_same(dgamma[j], sp.diff(S, gamma[j]), False, f"dgamma[{j}]")
        assert_same(dbeta[j], sp.diff(S, beta[j]), True, f"dbeta[{j}]")


# -- the element view of small networks, written out by hand ---------------------------------------------------------


def test_dropout_element_rule_names_a_mask_per_sample_when_the_view_spans_a_batch():
    one = sn.Network([sn.Dropout()], inputs=2)
    two = sn.Network([sn.Dropout(), sn.BatchNorm()], inputs=1)
    x1, x2 = one.inputs[0]
    p = sp.Symbol("p", positive=True)
    assert one.element_view[one.nodes[0]] == [[x1 * NetSymbol("m1_1") / p, x2 * NetSymbol("m1_2") / p]]
    assert [str(e) for row in two.element_view[two.nodes[0]] for e in row] == ["m1_1s1*x1s1/p", "m1_1s2*x1s2/p"]


@pytest.mark.parametrize(("eps", "exact"), [(1e-5, sp.Rational(1, 10**5)), (0.25, sp.Rational(1, 4)), (2, 2)])
def test_layer_norm_of_two_entries_by_hand(eps, exact):
    # x = (3, 1): μ = 2, σ² = 1, so h = (γ1/√(1 + ε) + β1, −γ2/√(1 + ε) + β2); eps is read as the decimal it prints
    net = sn.Network([sn.LayerNorm(eps=eps)], inputs=2)
    ((h1, h2),) = net.element_view[net.nodes[0]]
    x1, x2 = net.inputs[0]
    g1, g2, b1, b2 = net.params
    assert [p.name for p in net.param_arrays] == ["gamma1", "beta1"]
    assert sp.simplify(h1.subs({x1: 3, x2: 1}) - (g1 / sp.sqrt(1 + exact) + b1)) == 0
    assert sp.simplify(h2.subs({x1: 3, x2: 1}) - (-g2 / sp.sqrt(1 + exact) + b2)) == 0


# -- bad input --------------------------------------------------------------------------------------------------------


def test_residual_across_mismatched_widths():
    with pytest.raises(
        ValueError,
        match=r"^network: layer 2: Residual: the branch gives 3 entries but its input has 2; a residual adds them, "
        r"so they must match$",
    ):
        sn.Network([sn.Dense(2), sn.Residual(sn.Dense(3))], inputs=4)


def test_residual_inside_a_residual_names_the_path():
    with pytest.raises(ValueError, match=r"^network, layer 1 \(residual\): layer 2: Residual: the branch gives 1 "):
        sn.Network([sn.Residual(sn.Dense(2), sn.Residual(sn.Dense(1)))], inputs=2)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("not_an_activation", r"^Activation: unknown activation 'not_an_activation'; valid choices: sigmoid, relu, "),
        ("softmax", r"^Activation: unknown activation 'softmax' \(use sn\.Softmax\(\) for softmax\); valid choices: "),
        (3, r"^Activation: unknown activation 3; valid choices: "),
    ],
)
def test_unknown_activation(name, message):
    with pytest.raises(ValueError, match=message):
        sn.Activation(name)


@pytest.mark.parametrize(
    ("layers", "error", "message"),
    [
        ([sn.Dense(2), "relu"], TypeError, r"^network: layer 2 must be a layer such as sn\.Dense\(3\), got str$"),
        ([sn.Dense, sn.Dense(2)], TypeError, r"^network: layer 1 must be a layer such as sn\.Dense\(3\), got type$"),
        (sn.Dense(2), TypeError, r"^layers must be a non-empty list of layers, such as \[sn\.Dense\(3\), "),
        ([], TypeError, r"^layers must be a non-empty list of layers, such as "),
    ],
    ids=["a string", "a class", "one layer", "empty"],
)
def test_non_layer_in_the_list(layers, error, message):
    with pytest.raises(error, match=message):
        sn.Network(layers, inputs=2)


def test_non_layer_in_a_residual_branch():
    with pytest.raises(TypeError, match=r"^Residual: every branch entry must be a layer, got int$"):
        sn.Residual(sn.Dense(2), 3)
    with pytest.raises(ValueError, match=r"^Residual: needs at least one layer in its branch$"):
        sn.Residual()


@given(st.one_of(st.integers(max_value=0), st.just(True), st.floats(1, 5), st.text(max_size=2)))
def test_dense_units_must_be_a_positive_integer(units):
    with pytest.raises(ValueError, match=rf"^Dense: units must be a positive integer, got {re.escape(repr(units))}$"):
        sn.Dense(units)


def test_dense_zero():
    with pytest.raises(ValueError, match=r"^Dense: units must be a positive integer, got 0$"):
        sn.Dense(0)


@pytest.mark.parametrize("layers", [[sn.Dense(1), sn.LayerNorm()], [sn.LayerNorm()]], ids=["after Dense(1)", "first"])
def test_layer_norm_on_width_one(layers):
    pos = len(layers)
    with pytest.raises(
        ValueError, match=rf"^network: layer {pos}: LayerNorm: needs at least 2 entries to normalise, got 1$"
    ):
        sn.Network(layers, inputs=1)


def test_layer_norm_on_width_one_inside_a_residual():
    with pytest.raises(ValueError, match=r"^network, layer 2 \(residual\): layer 1: LayerNorm: needs at least 2 "):
        sn.Network([sn.Dense(1), sn.Residual(sn.LayerNorm())], inputs=3)


@pytest.mark.parametrize(
    ("param", "layers", "message"),
    [
        ("b", [sn.Dense(2)], r"^elementwise \(e\) \[2\] and dense 2 both have a parameter array named b2: give the "),
        ("W", [sn.Dense(2)], r"^elementwise \(e\) \[2\] and dense 2 both have a parameter array named W2: give the "),
    ],
    ids=["b", "W"],
)
def test_an_elementwise_parameter_with_the_name_of_another_array(param, layers, message):
    # was "two parameters share a name in ['W1', 'b1', 'b2', 'W2', 'b2']", naming neither layer
    elementwise = sn.Elementwise("e", lambda z, c: c * z, [param])
    with pytest.raises(ValueError, match=message + r".*Elementwise parameter another name$"):
        sn.Network([sn.Dense(2), elementwise, *layers, sn.Dense(2)], inputs=2)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: sn.LayerNorm(eps=0), ValueError, r"^LayerNorm: eps must be a positive number, got 0$"),
        (lambda: sn.BatchNorm(eps=-1e-5), ValueError, r"^BatchNorm: eps must be a positive number, got -1e-05$"),
        (lambda: sn.BatchNorm(eps="1e-5"), ValueError, r"^BatchNorm: eps must be a positive number, got '1e-5'$"),
        (lambda: sn.Dropout(keep="1p"), ValueError, r"^Dropout: keep must be a plain identifier \(letters, digits"),
        (lambda: sn.Dropout(keep="_p"), ValueError, r"^Dropout: keep must be a plain identifier .*, got '_p'$"),
        (lambda: sn.Elementwise("f", 3), TypeError, r"^Elementwise 'f': function must be callable, got int$"),
        (
            lambda: sn.Elementwise("f", lambda z: 1.5),
            TypeError,
            r"^Elementwise 'f': function must return a SymPy expression, got float$",
        ),
        (lambda: sn.Elementwise("f g", lambda z: z), ValueError, r"^Elementwise: name must be a plain identifier "),
        (
            lambda: sn.Elementwise("f", lambda z, lambda_: z, ["lambda"]),
            ValueError,
            r"^Elementwise 'f': a parameter name must be a plain identifier .*, got 'lambda'$",
        ),
        (lambda: sn.Network([sn.Dense(1)], inputs=0), ValueError, r"^inputs must be a positive integer \(the number "),
        (lambda: sn.Network([sn.Dense(1)], inputs=1, loss="hinge"), ValueError, r"^unknown loss 'hinge'; valid "),
        (lambda: sn.Network([sn.Dense(1)], inputs=1, batch=0), ValueError, r"^batch must be a positive integer, got 0"),
        (
            lambda: sn.Network([sn.Dense(1)], inputs=1, weight_decay="λ 2"),
            ValueError,
            r"^weight_decay must name a symbol \(an identifier such as 'lambda'\), got 'λ 2'$",
        ),
    ],
)
def test_bad_layer_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


# -- shaped samples ---------------------------------------------------------------------------------------------------


def test_an_image_input_flattened_into_dense_layers_derives_and_compiles():
    net = sn.Network(
        [sn.Flatten(), sn.Dense(3), sn.Activation("tanh"), sn.Dense(2), sn.Softmax()],
        inputs=(1, 2, 2),
        loss="cross-entropy",
    )
    assert [n.shape for n in net.nodes] == [(4,), (3,), (3,), (2,), (2,)]
    assert net.element_view[net.nodes[0]] == net.inputs  # the values pass unchanged
    assert sn.backprop(net).check()
    model = sn.compile(net)
    params = model.init(seed=1)
    X = np.random.default_rng(0).normal(size=(5, 1, 2, 2))
    T = np.eye(2)[[0, 1, 1, 0, 1]]
    C, _ = model.value_and_grad(params, X, T)  # images N × 1 × 2 × 2 are read one sample a row
    assert C == model.value_and_grad(params, X.reshape(5, 4), T)[0]
    assert sn.gradcheck(model, params, X.reshape(5, 4), T)
    assert sn.spec_of(net)["inputs"] == [1, 2, 2]
    assert repr(sn.network_from_spec(sn.spec_of(net))) == repr(net)


def test_a_dense_layer_refuses_an_image_and_names_flatten():
    with pytest.raises(ValueError, match=r"^network: layer 1: Dense\(3\): its input has shape 1 × 2 × 2; put sn\.Flat"):
        sn.Network([sn.Dense(3)], inputs=(1, 2, 2))


@pytest.mark.parametrize("bad", [(), (2, 0), (2, True), 2.0])
def test_an_input_shape_must_be_positive_integers(bad):
    with pytest.raises(ValueError, match=r"^inputs must be a positive integer .* or a tuple of them"):
        sn.Network([sn.Dense(1)], inputs=bad)


def test_a_network_of_images_shows_its_input_shape():
    net = sn.Network([sn.Flatten(), sn.Dense(2)], inputs=(1, 2, 2))
    assert repr(net).startswith("Network([Flatten(), Dense(2)], inputs=(1, 2, 2), ")

"""MLP: element view against the seeds' expansions, matrix view, parameters, numbers, bad input."""

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import symnn as sn
from symnn.codegen import compiler
from symnn.model import losses
from symnn.model.notation import bias, input_symbol, weight


def w(l, j, k):
    return weight(l, j, k)


def b(l, j):
    return bias(l, j)


x1, x2 = input_symbol(1), input_symbol(2)


def test_seed_000_hidden_layer_term_by_term():
    # seed 000: W1 x + b1 = (w11 x1 + w12 x2 + b1, w21 x1 + w22 x2 + b2, w31 x1 + w32 x2 + b3)
    net = sn.MLP([2, 3, 2])
    expected = [w(1, j, 1) * x1 + w(1, j, 2) * x2 + b(1, j) for j in (1, 2, 3)]
    assert net.z_exprs[0] == expected
    assert net.weight_matrix(1) * sp.Matrix([x1, x2]) + net.bias_vector(1) == sp.Matrix(expected)
    assert net.a_exprs[0] == [sn.sigmoid(e) for e in expected]


def test_seed_000_output_layer_term_by_term():
    # seed 000: W2 h + b2 = (w11 h1 + w12 h2 + w13 h3 + b1, w21 h1 + ... + b2), h = f(W1 x + b1)
    net = sn.MLP([2, 3, 2])
    h = net.a_exprs[0]
    expected = [sum(w(2, j, k) * h[k - 1] for k in (1, 2, 3)) + b(2, j) for j in (1, 2)]
    assert net.z_exprs[1] == expected
    assert net.outputs == [sn.sigmoid(e) for e in expected]
    assert net.z_local[1][0] == sum(w(2, 1, k) * net.act(1, k) for k in (1, 2, 3)) + b(2, 1)


def test_seed_002_row_convention_transposed_layout():
    # seed 002: A1 = X W1 + B1 with W1 = [[w11, w21, w31], [w12, w22, w32]] (2 × 3)
    net = sn.MLP([2, 3, 2], convention="row")
    W1 = net.weight_matrix(1)
    assert W1 == sp.Matrix([[w(1, 1, 1), w(1, 2, 1), w(1, 3, 1)], [w(1, 1, 2), w(1, 2, 2), w(1, 3, 2)]])
    X = sp.Matrix([[x1, x2]])
    A1 = X * W1 + net.bias_vector(1)
    assert A1.shape == (1, 3)
    assert list(A1) == net.z_exprs[0]
    assert net.bias_vector(1) == sp.Matrix([[b(1, 1), b(1, 2), b(1, 3)]])


@pytest.mark.parametrize("convention", ["column", "row"])
@pytest.mark.parametrize("output", ["sigmoid", "softmax", "identity"])
def test_matrix_view_expands_to_the_element_view(convention, output):
    net = sn.MLP([2, 3, 2], activation="tanh", output=output, convention=convention)
    view = net.matrix_view
    y = view.explicit(view.forward)
    expected = sp.Matrix(net.outputs) if convention == "column" else sp.Matrix(net.outputs).T
    assert (y - expected).applyfunc(sp.expand) == sp.zeros(*expected.shape)
    for lhs, rhs in view.equations:
        assert lhs.shape == rhs.shape


def test_matrix_view_latex():
    assert sp.latex(sn.MLP([2, 3, 2]).matrix_view.forward) == (
        r"\sigma\left(W^{(2)} \sigma\left(W^{(1)} x + b^{(1)}\right) + b^{(2)}\right)"
    )
    row = sn.MLP([2, 3, 2], activation="relu", output="softmax", convention="row").matrix_view
    # SymPy's printers sort the terms of a sum; order="none" keeps seed 002's X W + B
    assert sp.latex(row.equations[0][1], order="none") == r"X W^{(1)} + B^{(1)}"
    assert sp.latex(row.equations[1][1]) == r"\operatorname{ReLU}\left(Z^{(1)}\right)"
    assert sp.latex(row.equations[3][1]) == r"\operatorname{softmax}\left(Z^{(2)}\right)"


def test_params_order_and_accessors():
    net = sn.MLP([2, 3, 2])
    assert net.params[:7] == (w(1, 1, 1), w(1, 1, 2), w(1, 2, 1), w(1, 2, 2), w(1, 3, 1), w(1, 3, 2), b(1, 1))
    assert net.params[9:11] == (w(2, 1, 1), w(2, 1, 2))
    assert len(net.params) == 2 * 3 + 3 + 3 * 2 + 2
    assert net.weight(1, 2, 1) == w(1, 2, 1) and net.bias(2, 2) == b(2, 2)
    assert net.loss_expr.free_symbols == set(net.params) | set(net.inputs) | set(net.targets)
    with pytest.raises(ValueError, match=r"^k=3 is not a unit of layer 0; valid: 1..2$"):
        net.weight(1, 1, 3)
    with pytest.raises(ValueError, match=r"^l=3 is not a weighted layer; valid: 1..2$"):
        net.bias(3, 1)


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        ("sse", lambda y, t: sum((tk - yk) ** 2 for yk, tk in zip(y, t, strict=False)) / 2),
        ("mse", lambda y, t: sum((tk - yk) ** 2 for yk, tk in zip(y, t, strict=False)) / len(y)),
        ("cross-entropy", lambda y, t: -sum(tk * sp.log(yk) for yk, tk in zip(y, t, strict=False))),
        (
            "binary-cross-entropy",
            lambda y, t: -sum(tk * sp.log(yk) + (1 - tk) * sp.log(1 - yk) for yk, tk in zip(y, t, strict=False)),
        ),
    ],
)
def test_losses_and_their_scaling(loss, expected):
    net = sn.MLP([2, 3], output="softmax" if loss == "cross-entropy" else "sigmoid", loss=loss)
    assert sp.simplify(net.loss_expr - expected(net.outputs, net.targets)) == 0


@pytest.mark.parametrize("name", list(sn.LOSSES))
def test_every_loss_name_is_accepted_with_underscores(name):
    # Python users type cross_entropy, binary_cross_entropy: the network keeps the hyphenated name
    python_name = name.replace("-", "_")
    net = sn.MLP([2, 2], output="softmax" if name == "cross-entropy" else "sigmoid", loss=python_name)
    assert net.loss_name == name and f"loss={name!r}" in repr(net)
    assert net.loss_expr == sn.MLP([2, 2], output=net.activations[-1], loss=name).loss_expr
    assert losses.loss_function(python_name) is sn.LOSSES[name]
    assert compiler.network_from_spec({**compiler.network_spec(net), "loss": python_name}).loss_name == name


def test_exact_forward_values():
    # one sigmoid unit with w = (1, 1), b = -1 at x = (1, 0): σ(0) = 1/2, exactly
    net = sn.MLP([2, 1])
    assert net.forward([1, 0], {"W1": [[1, 1]], "b1": [-1]}) == [sp.S.Half]
    # identity network: y = W2 (W1 x + b1) + b2 with exact rationals
    net = sn.MLP([2, 2, 1], activation="identity", output="identity")
    p = {"W1": [[1, 2], [3, 4]], "b1": [sp.Rational(1, 2), 0], "W2": [[1, -1]], "b2": [5]}
    # W1 x + b1 at x = (1, 1) is (3 + 1/2, 7); then 3.5 - 7 + 5 = 3/2
    assert net.forward([1, 1], p) == [sp.Rational(3, 2)]
    row = sn.MLP([2, 2, 1], activation="identity", output="identity", convention="row")
    p_row = {"W1": [[1, 3], [2, 4]], "b1": [sp.Rational(1, 2), 0], "W2": [[1], [-1]], "b2": [5]}
    assert row.forward([1, 1], p_row) == [sp.Rational(3, 2)]


def test_forward_keeps_unknown_parameters_symbolic():
    net = sn.MLP([1, 1], output="identity")
    assert net.forward([2], {w(1, 1, 1): 3}) == [6 + b(1, 1)]


def test_per_layer_activations():
    net = sn.MLP([2, 2, 2, 1], activation=["relu", "tanh"], output="identity")
    assert net.a_exprs[0][0].func is sn.relu
    assert net.a_exprs[1][0].func is sp.tanh
    assert net.outputs[0] == net.z_exprs[2][0]


def test_relu_grad_at_zero_setting_reaches_the_network():
    net = sn.MLP([1, 1], output="relu", relu_grad_at_zero=1)
    assert sp.diff(net.outputs[0], w(1, 1, 1)).subs({x1: 1, w(1, 1, 1): 0, b(1, 1): 0}) == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"layers": [2]}, ValueError, r"^layers needs at least two sizes \(inputs and outputs\), got \[2\]"),
        ({"layers": [2, 0, 1]}, ValueError, r"^layer sizes must be positive integers; layers\[1\] is 0"),
        ({"layers": [2, -1]}, ValueError, r"^layer sizes must be positive integers; layers\[1\] is -1"),
        ({"layers": [2, 2.5]}, ValueError, r"^layer sizes must be positive integers; layers\[1\] is 2.5"),
        ({"layers": "2,3"}, TypeError, r"^layers must be a list of unit counts"),
        ({"layers": [2, 2], "activation": "sigmod"}, None, None),
        (
            {"layers": [2, 2, 2], "activation": "sigmod"},
            ValueError,
            r"^unknown hidden activation 'sigmod'; valid choices: sigmoid, relu, tanh",
        ),
        ({"layers": [2, 2, 2], "activation": "softmax"}, ValueError, r"softmax is allowed only as output="),
        (
            {"layers": [2, 2], "output": "gelu"},
            ValueError,
            r"^unknown output activation 'gelu'; valid choices: .*softmax$",
        ),
        (
            {"layers": [2, 2], "loss": "hinge"},
            ValueError,
            r"^unknown loss 'hinge'; valid choices: sse, mse, cross-entropy, binary-cross-entropy "
            r"\(or with underscores: cross_entropy, binary_cross_entropy\)$",
        ),
        (
            {"layers": [2, 2, 2], "activation": ["relu", "relu"]},
            ValueError,
            r"^got 2 hidden activations for 1 hidden layer",
        ),
        (
            {"layers": [2, 2], "convention": "rows"},
            ValueError,
            r"^unknown convention 'rows'; valid choices: column, row$",
        ),
    ],
)
def test_bad_input(kwargs, error, match):
    if error is None:  # no hidden layer: the hidden activation is never used, so any name passes
        assert sn.MLP(**kwargs).activations == ("sigmoid",)
        return
    with pytest.raises(error, match=match):
        sn.MLP(**kwargs)


def test_bad_parameter_values():
    net = sn.MLP([2, 3, 2])
    with pytest.raises(ValueError, match=r"^W1 must be 3×2 in the column convention, got 2×3$"):
        net.parameter_values({"W1": [[1, 2, 3], [4, 5, 6]]})
    with pytest.raises(ValueError, match=r"^unknown parameter matrix 'W3'; valid names: W1, b1, W2, b2$"):
        net.parameter_values({"W3": [[1]]})
    with pytest.raises(ValueError, match=r"^forward needs 2 input values, got 1$"):
        net.forward([1])


@given(st.lists(st.integers(1, 4), min_size=2, max_size=4), st.sampled_from(["column", "row"]))
def test_shapes_for_any_architecture(sizes, convention):
    net = sn.MLP(sizes, activation="relu", output="softmax", loss="cross-entropy", convention=convention)
    assert len(net.outputs) == sizes[-1]
    assert len(net.params) == sum(sizes[i] * sizes[i + 1] + sizes[i + 1] for i in range(len(sizes) - 1))
    for l in range(1, len(sizes)):
        shape = net.weight_matrix(l).shape
        assert shape == ((sizes[l], sizes[l - 1]) if convention == "column" else (sizes[l - 1], sizes[l]))


def test_numpy_integers_are_sizes_and_indices():
    import numpy as np

    net = sn.MLP([2, np.int64(3), 1])
    assert net.sizes == (2, 3, 1)
    assert net.weight(1, 2, 1) == w(1, 2, 1)

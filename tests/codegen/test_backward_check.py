"""check_backward: hand-written layers of every kind agree when correct, and each mutation disagrees with its cause.

The layers are in tests/codegen/handwritten.py and (images, sequences: Conv2D, the pools, Flatten, RNN, Attention)
tests/codegen/handwritten_shaped.py, which says which mutations a kind does not have; each symnn layer object there
is compiled once and reused.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symnn as sn
from symnn.codegen.backward_causes import CAUSES
from tests.codegen import handwritten_shaped as shaped
from tests.codegen.handwritten import CASES as FLAT
from tests.codegen.handwritten import Affine, Normalization, sigmoid

CASES = FLAT | shaped.CASES
MUTATED = [(name, m) for name, case in CASES.items() for m in case[3]]


@pytest.mark.parametrize("name", list(CASES))
def test_a_correct_layer_agrees(name):
    make, layer, options, _ = CASES[name]
    v = sn.check_backward(make(), layer, **options)
    assert v.status == "agrees", v.message
    assert bool(v) and v.points >= 4
    assert v.counterexample is None and v.expected is None
    assert "dx" in v.formulas and "out" in v.formulas


@pytest.mark.parametrize(("name", "mutation"), MUTATED, ids=[f"{n}-{m}" for n, m in MUTATED])
def test_each_mutation_disagrees_with_its_cause(name, mutation):
    make, layer, options, expected = CASES[name]
    v = sn.check_backward(make(mutation), layer, **options)
    assert v.status == "disagrees", v.message
    assert not v
    kinds = {c.kind for c in v.causes}
    assert kinds <= set(CAUSES)
    if expected[mutation] is not None:
        assert expected[mutation] in kinds, v.message
    c = v.counterexample
    assert (c.rel_error > v.tol and c.yours != pytest.approx(c.derived, rel=1e-6)) or c.shape != c.derived_shape
    assert v.expected.latex.startswith(r"\frac{\partial C}{\partial ")
    assert str(v.expected).startswith("dC/d")
    assert v.expected.latex in v.message and "likely cause" in v.message


def test_the_report_names_quantity_entry_values_cause_and_formula():
    v = sn.check_backward(sigmoid("derivative"), sn.Activation("sigmoid"))
    c = v.counterexample
    assert (c.quantity, c.name) == ("dx", "X")
    assert c.x.shape == c.dout.shape and c.index[1] < c.x.shape[1]
    assert c.yours == pytest.approx(c.dout[c.index] * c.x[c.index] * (1 - c.x[c.index]))
    first = v.message.splitlines()[0]
    assert first.startswith("check_backward disagrees: Elementwise against Activation('sigmoid'): dx (dC/dX) at entry")
    assert "derived: dC/dX = G*(1 - sigmoid(X))*sigmoid(X)" in v.message
    X, G = sp.symbols("X G", real=True)
    assert sp.simplify(v.expected.rhs - G * sn.sigmoid(X) * (1 - sn.sigmoid(X))) == 0


def test_dense_transposed_weight_gradient_and_the_column_convention():
    v = sn.check_backward(Affine("transpose"), sn.Dense(4), inputs=3)
    assert v.status == "disagrees" and v.counterexample.shape == (4, 3)
    assert "yours has shape (4, 3), the derived (3, 4); confirmed" in v.message
    assert str(v.expected) == "dC/dW1 = (X.T @ G)"

    class ColumnAffine(Affine):  # W is n_out × n_in: x Wᵀ
        def forward(self, x):
            self.x = x
            return x @ self.W.T + self.b

        def backward(self, dout):
            self.dW, self.db = dout.T @ self.x, dout.sum(axis=0)
            return dout @ self.W

    assert sn.check_backward(ColumnAffine(), sn.Dense(4), convention="column")
    v = sn.check_backward(ColumnAffine(), sn.Dense(4), inputs=3)
    assert v.status == "unknown" and v.reason.startswith("ColumnAffine raised ValueError: matmul")
    assert v.reason.endswith("(given W (3, 4), b (4,), x (1, 3), dout (1, 4))")


def test_relu_at_zero_follows_the_convention():
    relu = CASES["relu"][0]
    assert sn.check_backward(relu("derivative"), sn.Activation("relu"), relu_grad_at_zero=1)
    assert not sn.check_backward(relu(), sn.Activation("relu"), relu_grad_at_zero=1)


def test_a_pair_of_functions_and_a_function_returning_grads():
    def affine_forward(x, w, b):
        return x @ w + b, (x, w, b)

    def affine_backward(dout, cache):
        x, w, _ = cache
        return dout @ w.T, x.T @ dout, dout.sum(axis=0)

    dense = CASES["dense"][1]
    v = sn.assert_backward((affine_forward, affine_backward), dense, params={"w": "W1", "b": "b1"})
    assert v.implementation == "affine_forward/affine_backward"

    def layernorm(x, dout, gamma, beta):
        ln = Normalization(1)
        ln.gamma, ln.beta = gamma, beta
        out = ln.forward(x)
        dx = ln.backward(dout)
        return out, {"dx": dx, "dgamma": ln.dgamma, "dbeta": -ln.dbeta}

    v = sn.check_backward(layernorm, CASES["layernorm"][1])
    assert v.status == "disagrees" and v.counterexample.quantity == "dbeta"
    assert [c.kind for c in v.causes] == ["sign"]


def test_unknown_when_the_code_raises_returns_nan_or_forgets_a_gradient():
    class Raises(Affine):
        def backward(self, dout):
            raise RuntimeError("not written yet")

    class Forgets(Affine):
        def backward(self, dout):
            return dout @ self.W.T

    class NaN(Affine):
        def backward(self, dout):
            super().backward(dout)
            return np.full(self.x.shape, np.nan)

    dense = CASES["dense"][1]
    reasons = {cls.__name__: sn.check_backward(cls(), dense).reason for cls in (Raises, Forgets, NaN)}
    assert reasons == {
        "Raises": "Raises raised RuntimeError: not written yet (given W (3, 4), b (4,), x (1, 3), dout (1, 4))",
        "Forgets": "Forgets.backward set no attribute 'dW' (the gradient of W1)",
        "NaN": "dx has NaN or inf (the derived dC/dX is finite at this point)",
    }
    with pytest.raises(AssertionError, match="check_backward unknown: Raises against Dense"):
        sn.assert_backward(Raises(), dense)


def test_a_disagreement_seen_once_is_not_reported():
    class Once(Affine):
        calls = 0

        def backward(self, dout):
            dx = super().backward(dout)
            Once.calls += 1
            return dx + (Once.calls == 1)

    v = sn.check_backward(Once(), CASES["dense"][1])
    assert v.status == "unknown" and "not confirmed" in v.reason


def test_float32_has_its_tolerance():
    make, layer, _, _ = CASES["batchnorm"]
    v = sn.check_backward(make(), layer, dtype="float32")
    assert v and v.tol == sn.codegen.backward_check.BACKWARD_TOLERANCES["float32"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dtype": "float16"}, "dtype must be one of float64, float32"),
        ({"params": {"w": "W9"}}, "params: 'w' maps to 'W9'; this layer's arrays: W1, b1"),
        ({"inputs": 0}, "inputs must be a positive integer"),
        ({"inputs": np.zeros(3)}, "inputs must be a finite batch of shape"),
    ],
)
def test_argument_errors_name_the_choices(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sn.check_backward(Affine(), CASES["dense"][1], **kwargs)


def test_dropout_needs_its_keep_probability():
    with pytest.raises(ValueError, match="needs a value for p"):
        sn.check_backward(CASES["dropout"][0](), CASES["dropout"][1])
    with pytest.raises(TypeError, match="pass an instance"):
        sn.check_backward(Affine, CASES["dense"][1])


def test_no_false_alarm_on_100_correct_and_none_missed_on_100_mutated():
    rng = np.random.default_rng(17)
    names = list(CASES)
    assert {type(CASES[k][1]).__name__ for k in shaped.CASES} == {
        "Conv2D", "MaxPool", "AvgPool", "Flatten", "RNN", "Attention"
    }  # fmt: skip
    for i in range(100):
        name = names[rng.integers(len(names))]
        make, layer, options, mutations = CASES[name]
        n = int(rng.integers(2 if layer.couples_samples else 1, 7))
        shape = options.get("inputs", 3)
        X = rng.normal(size=(n, *np.atleast_1d(shape))) * rng.uniform(0.5, 3)  # N × C × H × W for images
        given = options | {"inputs": X}
        v = sn.check_backward(make(), layer, seed=i, **given)
        assert v.status == "agrees", (name, i, v.message)
        mutation = list(mutations)[rng.integers(len(mutations))]
        v = sn.check_backward(make(mutation), layer, seed=i, **given)
        assert v.status == "disagrees", (name, mutation, i, v.message)


def test_a_wrong_forward_is_reported_as_the_output():
    make, _, _, _ = CASES["batchnorm"]
    v = sn.check_backward(make(), sn.BatchNorm(eps=1e-7))  # the layer was written with eps = 1e-5
    assert v.status == "disagrees" and v.counterexample.quantity == "out"
    assert ": out (the output Y) at entry" in v.message and str(v.expected).startswith("Y = beta1 + gamma1*")


def test_shaped_layers_get_natural_shapes_and_may_answer_flat():
    seen = {}

    def conv(x, dout, K, c):
        seen["x"], seen["dout"], seen["K"] = x.shape, dout.shape, K.shape
        layer = shaped.Convolution(pad=1)
        layer.W, layer.b = K, c
        out = layer.forward(x)
        dx = layer.backward(dout)
        return out.reshape(len(x), -1), (dx.reshape(len(x), -1), layer.dW, layer.db)

    v = sn.check_backward(conv, CASES["conv"][1], inputs=np.ones((2, 2, 4, 4)))
    assert v, v.message
    assert seen == {"x": (4, 2, 4, 4), "dout": (4, 3, 4, 4), "K": (3, 2, 3, 3)}  # the last point: 4 samples
    v = sn.check_backward(shaped.Convolution(pad=1, mutation="sign"), CASES["conv"][1], **CASES["conv"][2])
    assert v.counterexample.x.shape == (1, 2, 4, 4) and len(v.counterexample.index) == 4


def test_a_composite_layer_is_the_sum_over_its_steps_and_the_report_lists_them():
    make, layer, options, _ = CASES["rnn"]
    v = sn.check_backward(make("term"), layer, **options)
    assert str(v.formulas["dbh"]).count("batchsum(") == 3  # bh's gradient: the sum over the 3 steps
    assert "  step dH1 = (dH2*(1 - H2**2) @ Wh1)" in v.message.splitlines()
    assert [str(c) for c in v.causes] == [
        "missing term: a missing term of the chain rule: the adjoint dH2 = (G*(1 - Y**2) @ Wh1) left out"
    ]
    v = sn.check_backward(make("derivative"), layer, **options)
    assert [str(c) for c in v.causes] == ["activation derivative: the power Y**2 written as Y, at every step alike"]


def test_max_pooling_ties_follow_pool_ties():
    make, layer, options, _ = CASES["maxpool"]
    assert sn.check_backward(make(), layer, **options, pool_ties="first")
    v = sn.check_backward(make(), layer, **options, pool_ties="split")
    assert v.status == "disagrees" and v.counterexample.quantity == "dx"

"""A compiled Network keeps the MLP's numerics guarantees: finite and quiet at ±1e4, float32 stays float32
(the JAX backend against NumPy: tests/test_jax.py, which keeps JAX out of this process)."""

import warnings

import numpy as np
import pytest

import symnn as sn

LAYERS = [
    sn.Dense(4),
    sn.Activation("relu"),
    sn.LayerNorm(),
    sn.Residual(sn.Dense(4), sn.Activation("tanh")),
    sn.Dropout(keep="p"),
    sn.BatchNorm(),
    sn.Dense(3),
]
CONSTANTS = {"p": 0.8, "lam": 0.01}


def network(output: str, loss: str) -> sn.Network:
    head = sn.Softmax() if output == "softmax" else sn.Activation(output)
    return sn.Network([*LAYERS, head], inputs=3, loss=loss, weight_decay="lam")


HEADS = [("softmax", "cross-entropy"), ("sigmoid", "binary-cross-entropy"), ("sigmoid", "sse"), ("tanh", "mse")]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("output", "loss"), HEADS)
def test_finite_and_quiet_at_saturating_inputs(output, loss, dtype):
    model = sn.compile(network(output, loss), constants=CONSTANTS)
    params = model.init(seed=1, dtype=dtype)
    X = np.array([[1e4, -1e4, 1e4], [-1e4, 1e4, -1e4], [1e4, 1e4, 1e4], [0, 1, -1]], dtype=dtype)
    T = np.eye(3, dtype=dtype)[[0, 1, 2, 0]]
    masks = {"M7": np.ones((4, 4), dtype=dtype)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            loss_value, grads = model.value_and_grad(params, X, T, masks)
            Y = model.forward(params, X)
    assert np.isfinite(loss_value) and np.all(np.isfinite(Y)) and np.asarray(loss_value).dtype == dtype
    assert all(np.all(np.isfinite(g)) and g.dtype == dtype for g in grads.values())


def test_without_masks_dropout_is_the_identity():
    # evaluation mode: each mask is its keep probability, so inverted dropout's a·m/p is a
    net = network("softmax", "cross-entropy")
    model = sn.compile(net, constants=CONSTANTS)
    params = model.init(seed=0)
    X = np.random.default_rng(0).normal(size=(4, 3))
    assert np.array_equal(model.forward(params, X), model.forward(params, X, {"M7": np.full((4, 4), 0.8)}))
    with pytest.raises(ValueError, match=r"^unknown masks M1; this network's masks: M7$"):
        model.forward(params, X, {"M1": np.ones((4, 4))})
    with pytest.raises(ValueError, match=r"^mask M7 must have shape \(4, 4\), got \(4, 3\)$"):
        model.forward(params, X, {"M7": np.ones((4, 3))})

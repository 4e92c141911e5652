"""``sn.train`` with a network of layers: dropout masks drawn per step from (seed, epoch, batch), evaluation
without them, checkpoints that name the network by its spec and resume bit for bit, even mid-epoch."""

import numpy as np
import pytest

import symnn as sn
from symnn.training.train import accuracy

KEEP = 0.75


@pytest.fixture(scope="module")
def model():
    net = sn.Network(
        [sn.Dense(6), sn.Activation("relu"), sn.Dropout(keep="p"), sn.LayerNorm(), sn.Dense(2), sn.Softmax()],
        inputs=12,
        loss="cross-entropy",
    )
    return sn.compile(net, constants={"p": KEEP})


@pytest.fixture(scope="module")
def data():
    d = sn.digits4x3()
    return d.X, d.targets(), d.X_test, d.targets(test=True)


def test_a_step_uses_the_masks_of_its_seed_epoch_and_batch(model, data):
    X, T, _, _ = data
    params, _ = sn.train(model, X, T, lr=0.5, epochs=1, seed=7)
    # the same step by hand: full batch, so epoch 0 has the one batch 0
    start = model.init(seed=7, dtype=np.float64)
    masks = model.draw_masks(np.random.default_rng((7, 0, 0)), X.shape[0], np.float64)
    assert set(masks) == {"M3"} and 0.6 < masks["M3"].mean() < 0.9  # entries 1 with probability p
    _, grads = model.value_and_grad(start, X, T, masks)
    for name in model.param_names:
        assert np.array_equal(params[name], start[name] - 0.5 * grads[name]), name
    # without masks the step would be another one: dropout is on during training
    _, plain = model.value_and_grad(start, X, T)
    assert not np.array_equal(params["W1"], start["W1"] - 0.5 * plain["W1"])


def test_masks_differ_between_steps(model, data):
    X, T, _, _ = data
    seen = []
    real = model.draw_masks

    def record(rng, n, dtype):
        m = real(rng, n, dtype)
        seen.append(m["M3"])
        return m

    model.draw_masks = record
    try:
        sn.train(model, X, T, epochs=2, batch_size=32, seed=0)
    finally:
        del model.draw_masks
    assert len(seen) == 4 and all(m.shape == (32, 6) for m in seen)
    assert len({m.tobytes() for m in seen}) == 4


def test_evaluation_runs_without_masks(model, data):
    X, T, X_test, T_test = data
    params, hist = sn.train(model, X, T, epochs=3, batch_size=16, seed=1, X_test=X_test, T_test=T_test)
    # model.forward / model.loss without masks: inverted dropout is the identity
    assert hist.accuracy[-1] == accuracy(model.forward(params, X), T)
    assert hist.test_accuracy[-1] == accuracy(model.forward(params, X_test), T_test)
    assert hist.test_loss[-1] == float(model.loss(params, X_test, T_test))


def test_same_seed_same_bits_other_seed_other_run(model, data):
    X, T, _, _ = data
    a, _ = sn.train(model, X, T, epochs=3, batch_size=16, seed=2)
    b, _ = sn.train(model, X, T, epochs=3, batch_size=16, seed=2)
    c, _ = sn.train(model, X, T, epochs=3, batch_size=16, seed=3)
    assert all(a[k].tobytes() == b[k].tobytes() for k in a)
    assert not np.array_equal(a["W1"], c["W1"])


def test_a_checkpoint_names_the_network_by_its_spec_and_resumes_mid_epoch_exactly(model, data, tmp_path):
    X, T, _, _ = data
    options = {"optimizer": "momentum", "lr": 0.05, "epochs": 6, "batch_size": 16, "seed": 5}
    whole, hist = sn.train(model, X, T, **options)
    path = tmp_path / "run.npz"

    def stop(epoch, batch, loss):
        if (epoch, batch) == (3, 1):
            raise KeyboardInterrupt

    with pytest.raises(sn.TrainingInterrupted):
        sn.train(model, X, T, checkpoint=path, callback=stop, **options)
    ckpt = sn.load_checkpoint(path)
    assert (ckpt.epoch, ckpt.batch) == (3, 2)
    assert ckpt.spec == sn.spec_of(model.network, {"p": KEEP})
    assert repr(sn.network_from_spec(ckpt.spec)) == repr(model.network)
    resumed, hist2 = sn.train(model, X, T, resume=path, **options)
    assert all(whole[k].tobytes() == resumed[k].tobytes() for k in whole)
    assert hist.loss == hist2.loss and hist.accuracy == hist2.accuracy
    # a model compiled with another keep probability is another network
    other = sn.compile(model.network, constants={"p": 0.5})
    with pytest.raises(ValueError, match=r"^checkpoint .* is for the network \{.*'constants': \{'p': 0\.75\}"):
        sn.train(other, X, T, resume=path, **options)

"""The NumPy fast path of ``sn.train`` against the general step-by-step loop it replaces: the same bits.

The general loop (``symnn.training.loop.epoch_steps``, still what JAX and dropout take) is the reference: each
test runs the same training twice, once as ``train`` runs it and once with the fast path switched off.
"""

import os
import signal

import numpy as np
import pytest

import symnn as sn
import symnn.training.train as train_module
from symnn.training.datasets import digits4x3
from symnn.training.train import TrainingInterrupted, load_checkpoint


def general(monkeypatch, *args, **kwargs):
    """``sn.train`` through the general loop (the fast path switched off)."""
    with monkeypatch.context() as m:
        m.setattr(train_module, "fast_loop", lambda run, devices=None: None)
        return sn.train(*args, **kwargs)


def assert_same_run(a, b):
    (pa, ha), (pb, hb) = a, b
    assert list(pa) == list(pb)
    for k in pa:
        assert pa[k].dtype == pb[k].dtype
        np.testing.assert_array_equal(pa[k], pb[k])  # bit for bit
    for field in ("loss", "accuracy", "test_loss", "test_accuracy"):
        np.testing.assert_array_equal(getattr(ha, field), getattr(hb, field))


NETS = {
    "sigmoid-sse": sn.MLP([12, 3, 2]),
    "relu-softmax": sn.MLP([12, 5, 2], activation="relu", output="softmax", loss="cross-entropy"),
    "tanh-bce": sn.MLP([12, 4, 2], activation="tanh", output="sigmoid", loss="binary-cross-entropy"),
}


@pytest.fixture(scope="module")
def models():
    return {name: sn.compile(net) for name, net in NETS.items()}


@pytest.mark.parametrize("name", list(NETS))
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("batch_size", [None, 10])  # 64 samples: 6 batches of 10 and a last one of 4
def test_the_fast_path_gives_the_general_loops_bits(models, monkeypatch, name, optimizer, batch_size):
    d = digits4x3()
    kwargs = dict(
        optimizer=optimizer, lr={"sgd": 0.5, "momentum": 0.1, "adam": 0.01}[optimizer], epochs=25, batch_size=batch_size
    )
    kwargs.update(X_test=d.X_test, T_test=d.targets(test=True), seed=2)
    fast = sn.train(models[name], d.X, d.targets(), **kwargs)
    assert_same_run(fast, general(monkeypatch, models[name], d.X, d.targets(), **kwargs))
    assert fast[1].accuracy[-1] > 0.5 and not np.isnan(fast[1].accuracy).any()


def test_the_fast_path_is_taken_for_numpy_and_not_for_dropout(models, monkeypatch):
    d = digits4x3()
    taken = []
    real = train_module.fast_loop
    monkeypatch.setattr(
        train_module, "fast_loop", lambda run, devices=None: taken.append(real(run, devices)) or taken[-1]
    )
    sn.train(models["sigmoid-sse"], d.X, d.targets(), epochs=2)
    net = sn.Network([sn.Dense(4), sn.Activation("sigmoid"), sn.Dropout(keep="p"), sn.Dense(2)], inputs=12)
    sn.train(sn.compile(net, constants={"p": 0.8}), d.X, d.targets(), epochs=2)
    assert taken[0] is not None and taken[1] is None


def test_float32_runs_stay_float32_and_equal(models, monkeypatch):
    d = digits4x3()
    X, T = d.X.astype(np.float32), d.targets().astype(np.float32)
    fast = sn.train(models["relu-softmax"], X, T, optimizer="momentum", epochs=20)
    assert fast[0]["W1"].dtype == np.float32
    assert_same_run(fast, general(monkeypatch, models["relu-softmax"], X, T, optimizer="momentum", epochs=20))


@pytest.mark.parametrize("batch_size", [None, 10])
def test_interrupted_and_resumed_fast_runs_equal_the_uninterrupted_general_run(
    models, monkeypatch, tmp_path, batch_size
):
    d = digits4x3()
    X, T, model = d.X, d.targets(), models["sigmoid-sse"]
    kwargs = dict(optimizer="adam", lr=0.01, epochs=12, batch_size=batch_size, seed=5)
    reference = general(monkeypatch, model, X, T, **kwargs)
    ckpt = tmp_path / "run.npz"

    def stop(epoch, batch, loss):
        if epoch == 4 and batch == 0:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C: the loop stops after this step

    with pytest.raises(TrainingInterrupted) as info:
        sn.train(model, X, T, checkpoint=ckpt, callback=stop, **kwargs)
    assert len(info.value.history) == 4 and load_checkpoint(ckpt).batch == 1
    assert info.value.history.accuracy == reference[1].accuracy[:4]
    resumed = sn.train(model, X, T, resume=ckpt, checkpoint=ckpt, **kwargs)
    assert_same_run(resumed, reference)
    assert load_checkpoint(ckpt).optimizer_steps == 12 * (1 if batch_size is None else 7)


def test_checkpoints_every_few_epochs_hold_what_the_general_loops_hold(models, monkeypatch, tmp_path):
    d = digits4x3()
    model, kwargs = models["tanh-bce"], dict(optimizer="momentum", epochs=9, checkpoint_every=4)
    for path, runner in ((tmp_path / "fast.npz", sn.train), (tmp_path / "general.npz", None)):
        if runner is None:
            general(monkeypatch, model, d.X, d.targets(), checkpoint=path, **kwargs)
        else:
            runner(model, d.X, d.targets(), checkpoint=path, **kwargs)
    fast, ref = load_checkpoint(tmp_path / "fast.npz"), load_checkpoint(tmp_path / "general.npz")
    assert (fast.epoch, fast.optimizer_steps) == (ref.epoch, ref.optimizer_steps) == (9, 9)
    for k in ref.params:
        np.testing.assert_array_equal(fast.params[k], ref.params[k])
        np.testing.assert_array_equal(fast.optimizer_state["v"][k], ref.optimizer_state["v"][k])
    assert fast.history.accuracy == ref.history.accuracy


@pytest.mark.parametrize(
    ("optimizer", "lr", "batch_size"), [("sgd", 1e6, None), ("momentum", 3e4, None), ("momentum", 1e4, 10)]
)
def test_a_diverging_fast_run_keeps_the_general_loops_last_finite_state(
    monkeypatch, tmp_path, optimizer, lr, batch_size
):
    model = sn.compile(sn.MLP([12, 3, 2], activation="sigmoid", output="identity", loss="sse"))
    d = digits4x3()
    errors, files = [], []
    for name in ("fast", "general"):
        path = tmp_path / f"{name}.npz"
        run = sn.train if name == "fast" else lambda *a, **k: general(monkeypatch, *a, **k)
        with pytest.raises(sn.TrainingDiverged) as info:
            run(model, d.X, d.targets(), optimizer=optimizer, lr=lr, batch_size=batch_size, epochs=200, checkpoint=path)
        errors.append(info.value)
        files.append(load_checkpoint(path))
    fast, ref = errors
    assert (fast.epoch, fast.batch, fast.kept_at, fast.loss) == (ref.epoch, ref.batch, ref.kept_at, ref.loss)
    assert fast.kept_at[0] >= 1  # a state after some steps, not the start
    assert_same_run((fast.params, fast.history), (ref.params, ref.history))
    assert files[0].optimizer_steps == files[1].optimizer_steps
    for slot, values in files[1].optimizer_state.items():
        for k in values:
            np.testing.assert_array_equal(files[0].optimizer_state[slot][k], values[k])

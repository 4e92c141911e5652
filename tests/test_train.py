"""Training: seed 003's digits and scikit-learn's learned; optimizers by hand; bit-exact seeds and resumption."""

import os
import signal
import warnings

import numpy as np
import pytest

import symnn as sn
from symnn.training.datasets import digits4x3, load_dataset, logic_gate
from symnn.training.optimizers import DEFAULT_LR
from symnn.training.train import TrainingInterrupted, load_checkpoint


@pytest.fixture(scope="module")
def digits_model():
    return sn.compile(sn.MLP([12, 3, 2], activation="sigmoid", output="sigmoid", loss="sse"))


def test_digits4x3_12_3_2_learns_and_classifies_noisy_variants(digits_model):
    # seed 003's recogniser: 12 pixels, 3 hidden units, one output per digit; sigmoid and SSE
    d = digits4x3()
    params, hist = sn.train(
        digits_model, d.X, d.targets(), lr=0.2, epochs=2000, seed=0, X_test=d.X_test, T_test=d.targets(test=True)
    )
    assert hist.accuracy[-1] == 1.0
    assert hist.loss[-1] < hist.loss[0] / 10
    # the held-out noisy variants (one flipped pixel, never seen): 31 of 32 with this seed
    predicted = np.argmax(digits_model.forward(params, d.X_test), axis=1)
    assert np.mean(predicted == d.labels_test) >= 0.9
    assert hist.test_accuracy[-1] == np.mean(predicted == d.labels_test)


@pytest.mark.parametrize("seed", range(5))
def test_digits4x3_with_sigmoid_outputs_and_binary_cross_entropy_reach_100_percent(seed):
    # −Σ t log y on these sigmoid outputs ended at loss 0.0016 and accuracy 0.50 (issue 11): binary
    # cross-entropy, −Σ [t log y + (1 − t) log(1 − y)], learns them as SSE does
    d = sn.digits4x3()
    model = sn.compile(sn.MLP([12, 3, 2], activation="sigmoid", output="sigmoid", loss="binary_cross_entropy"))
    params, hist = sn.train(model, d.X, d.targets(), lr=0.2, epochs=2000, seed=seed)
    assert hist.accuracy[-1] == 1.0, hist.accuracy[-1]
    assert hist.loss[-1] < hist.loss[0] / 10
    Y = model.forward(params, d.X)
    # the outputs answer their own question: y ≈ t for the right digit and the wrong one alike
    assert np.all((Y > 0.5) == (d.targets() > 0.5))


def test_train_refuses_what_compile_refuses():
    model = sn.compile(sn.MLP([12, 3, 2], output="sigmoid", loss="binary-cross-entropy"))
    model.network = sn.MLP([12, 3, 2], output="sigmoid", loss="cross-entropy")  # a Model put together by hand
    d = sn.digits4x3()
    with pytest.raises(ValueError, match=r"use loss='binary-cross-entropy' for sigmoid outputs"):
        sn.train(model, d.X, d.targets(), epochs=1)


def test_sklearn_digits_reach_97_percent():
    pytest.importorskip("sklearn")
    d = load_dataset("sklearn-digits")
    model = sn.compile(sn.MLP([64, 32, 10], activation="sigmoid", output="softmax", loss="cross-entropy"))
    params, _hist = sn.train(
        model,
        d.X,
        d.targets(),
        optimizer="adam",
        lr=1e-2,
        epochs=30,
        batch_size=32,
        seed=0,
        X_test=d.X_test,
        T_test=d.targets(test=True),
    )
    predicted = np.argmax(model.forward(params, d.X_test), axis=1)
    assert np.mean(predicted == d.labels_test) >= 0.97


def test_xor_needs_the_hidden_layer():
    d = logic_gate("xor")
    model = sn.compile(sn.MLP([2, 3, 1], activation="tanh", output="sigmoid", loss="sse"))
    params, hist = sn.train(model, d.X, d.targets(1), optimizer="adam", lr=0.05, epochs=500, seed=0)
    assert hist.accuracy[-1] == 1.0
    assert (model.forward(params, d.X)[:, 0] > 0.5).tolist() == [False, True, True, False]


def test_sgd_step_is_theta_minus_rho_grad(digits_model):
    d = digits4x3()
    p0 = digits_model.init(seed=3)
    g = digits_model.grad(p0, d.X, d.targets())
    p1, _ = sn.train(digits_model, d.X, d.targets(), params=p0, lr=0.5, epochs=1)
    for k in p0:
        np.testing.assert_array_equal(p1[k], p0[k] - 0.5 * g[k])
    assert not np.array_equal(p0["W1"], p1["W1"])  # the caller's arrays are not changed


def manual_run(model, p, X, T, steps, update):
    state = {}
    for t in range(1, steps + 1):
        g = model.grad(p, X, T)
        p = {k: update(k, p[k], g[k], t, state) for k in p}
    return p


def test_momentum_and_adam_against_their_textbook_formulas(digits_model):
    d = digits4x3()
    X, T = d.X, d.targets()
    p0 = digits_model.init(seed=4)

    def momentum(k, p, g, t, state):
        v = state[k] = 0.9 * state.get(k, 0) + g
        return p - 0.1 * v

    def adam(k, p, g, t, state):
        m, v = state.get(k, (0, 0))
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        state[k] = (m, v)
        m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
        return p - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)

    for name, lr, update in (("momentum", 0.1, momentum), ("adam", 0.01, adam)):
        got, _ = sn.train(digits_model, X, T, params=p0, optimizer=name, lr=lr, epochs=5)
        want = manual_run(digits_model, p0, X, T, 5, update)
        for k in p0:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-15)


def run(model, X, T, **kw):
    return sn.train(model, X, T, optimizer="adam", lr=0.05, epochs=6, batch_size=10, **kw)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_learning_rate_left_out_is_the_optimizers_default(digits_model, optimizer, tmp_path):
    d = digits4x3()
    kw = {"optimizer": optimizer, "epochs": 3, "batch_size": 16, "seed": 4}
    a, _ = sn.train(digits_model, d.X, d.targets(), checkpoint=tmp_path / "a.npz", **kw)
    b, _ = sn.train(digits_model, d.X, d.targets(), lr=DEFAULT_LR[optimizer], **kw)
    c, _ = sn.train(digits_model, d.X, d.targets(), lr=DEFAULT_LR[optimizer] / 2, **kw)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["W1"], c["W1"])
    assert load_checkpoint(tmp_path / "a.npz").config["lr"] == DEFAULT_LR[optimizer]
    # Adam's step is ρ·m̂/√v̂, about ρ per parameter: Kingma & Ba's 1e-3; SGD's 0.1 scales the gradient
    assert DEFAULT_LR == {"sgd": 0.1, "momentum": 0.1, "adam": 1e-3}


def test_same_seed_same_bits_other_seed_other_result(digits_model):
    d = digits4x3()
    a, ha = run(digits_model, d.X, d.targets(), seed=1)
    b, hb = run(digits_model, d.X, d.targets(), seed=1)
    c, _ = run(digits_model, d.X, d.targets(), seed=2)
    assert all(np.array_equal(a[k], b[k]) for k in a) and ha.loss == hb.loss
    assert not np.array_equal(a["W1"], c["W1"])


@pytest.mark.parametrize("how", ["exception", "sigint"])
def test_interrupt_saves_and_resume_gives_the_same_bits(digits_model, tmp_path, how):
    d = digits4x3()
    X, T = d.X, d.targets()
    full, hist_full = run(digits_model, X, T, seed=3)
    ckpt = tmp_path / "run.npz"

    def stop(epoch, batch, loss):
        if (epoch, batch) == (2, 3):  # mid-epoch: 3 of 7 batches of epoch 3 done
            if how == "sigint":
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C: the loop stops after this step
            else:
                raise KeyboardInterrupt

    with pytest.raises(TrainingInterrupted, match=r"^interrupted in epoch 3; saved .*run.npz$") as info:
        run(digits_model, X, T, seed=3, checkpoint=ckpt, callback=stop)
    assert info.value.checkpoint == ckpt and len(info.value.history) == 2
    saved = load_checkpoint(ckpt)
    assert (saved.epoch, saved.batch) == (2, 4)
    resumed, hist = run(digits_model, X, T, seed=3, resume=ckpt, checkpoint=ckpt)
    for k in full:
        np.testing.assert_array_equal(resumed[k], full[k])  # bit for bit
    assert hist.loss == hist_full.loss and hist.accuracy == hist_full.accuracy
    assert load_checkpoint(ckpt).epoch == 6


def test_checkpoint_holds_spec_optimizer_state_and_history(digits_model, tmp_path):
    d = digits4x3()
    ckpt = tmp_path / "c.npz"
    params, hist = run(digits_model, d.X, d.targets(), seed=0, checkpoint=ckpt)
    c = load_checkpoint(ckpt)
    assert c.spec["layers"] == [12, 3, 2] and c.config["optimizer"] == "adam" and c.config["batch_size"] == 10
    assert set(c.optimizer_state) == {"m", "v"} and c.optimizer_steps == 6 * 7
    assert all(np.array_equal(c.params[k], params[k]) for k in params)
    assert c.history.loss == hist.loss


def test_resume_refuses_other_settings_and_corrupt_files(digits_model, tmp_path):
    d = digits4x3()
    ckpt = tmp_path / "c.npz"
    run(digits_model, d.X, d.targets(), seed=0, checkpoint=ckpt)
    before = ckpt.read_bytes()
    with pytest.raises(ValueError, match=r"^checkpoint .*c.npz was trained with lr=0.05 \(now 0.1\); resume with"):
        sn.train(
            digits_model,
            d.X,
            d.targets(),
            optimizer="adam",
            lr=0.1,
            epochs=8,
            batch_size=10,
            resume=ckpt,
            checkpoint=ckpt,
        )
    other = sn.compile(sn.MLP([12, 4, 2]))
    with pytest.raises(ValueError, match=r"^checkpoint .*c.npz is for the network \{'layers': \[12, 3, 2\]"):
        run(other, d.X, d.targets(), seed=0, resume=ckpt)
    assert ckpt.read_bytes() == before  # nothing overwritten
    bad = tmp_path / "bad.npz"
    bad.write_bytes(before[: len(before) // 2])
    with pytest.raises(ValueError, match=r"^cannot read checkpoint .*bad.npz: "):
        run(digits_model, d.X, d.targets(), seed=0, resume=bad, checkpoint=bad)
    assert bad.read_bytes() == before[: len(before) // 2]
    np.savez(bad, W1=np.zeros(3))
    with pytest.raises(ValueError, match=r"^.*bad.npz is not a symnn checkpoint \(no 'meta' entry\)$"):
        load_checkpoint(bad)
    bad.write_bytes(bytes(range(7, 250)))  # NumPy's answer: "contains pickled (object) data ... allow_pickle="
    with pytest.raises(ValueError, match=rf"^cannot read checkpoint {bad}: it is not a valid \.npz file \(not a zip"):
        load_checkpoint(bad)
    with np.load(ckpt) as f:
        arrays = {k: f[k] for k in f.files if k != "history/loss"}
    np.savez(bad, **arrays)
    with pytest.raises(ValueError, match=rf"^{bad} is not a valid symnn checkpoint: missing history/loss$"):
        load_checkpoint(bad)


def test_resume_refuses_missing_optimizer_state_and_a_history_of_another_length(digits_model, tmp_path):
    d = digits4x3()
    ckpt, bad = tmp_path / "c.npz", tmp_path / "bad.npz"
    kwargs = {"optimizer": "adam", "lr": 0.05, "epochs": 2, "batch_size": 10, "seed": 0}
    sn.train(digits_model, d.X, d.targets(), checkpoint=ckpt, **kwargs)
    with np.load(ckpt) as f:
        arrays = {k: f[k] for k in f.files}
    # without its moments Adam resumed silently from zeros
    np.savez(bad, **{k: v for k, v in arrays.items() if not k.startswith("opt/m/")})
    with pytest.raises(
        ValueError,
        match=rf"^checkpoint {bad} lacks the optimizer state opt/m/W1, opt/m/b1, opt/m/W2, opt/m/b2 after 14 steps; "
        r"it cannot continue the run exactly$",
    ):
        sn.train(digits_model, d.X, d.targets(), resume=bad, **{**kwargs, "epochs": 3})
    np.savez(bad, **{**arrays, "history/loss": arrays["history/loss"][:1]})
    with pytest.raises(
        ValueError, match=rf"^{bad} is not a valid symnn checkpoint: its history has 1, 2 entries for 2 epochs$"
    ):
        load_checkpoint(bad)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"optimizer": "rmsprop"}, r"^unknown optimizer 'rmsprop'; valid choices: sgd, momentum, adam$"),
        ({"lr": 0}, r"^the learning rate must be a positive number, got 0$"),
        ({"epochs": 0}, r"^epochs must be a positive integer, got 0$"),
        ({"batch_size": 0}, r"^batch_size must be a positive integer, got 0$"),
        ({"optimizer": "momentum", "beta": 1.5}, r"^momentum must be a number in \[0, 1\), got 1.5$"),
        ({"seed": -1}, r"^seed must be a non-negative integer, got -1$"),
        ({"seed": None}, r"^seed must be a non-negative integer, got None$"),
        ({"seed": 1.5}, r"^seed must be a non-negative integer, got 1.5$"),
        ({"epochs": True}, r"^epochs must be a positive integer, got True$"),
        ({"lr": np.float32("nan")}, r"^the learning rate must be a positive number, got np.float32\(nan\)$"),
        ({"optimizer": "sgd", "beta": 0.9}, r"^sgd has no option 'beta'; it takes no options besides lr$"),
        ({"optimizer": "momentum", "beta1": 0.9}, r"^momentum has no option 'beta1'; its options: beta$"),
        ({"optimizer": "adam", "beta": 0.9}, r"^adam has no option 'beta'; its options: beta1, beta2, eps$"),
        # X_test alone was a TypeError inside the generated code; T_test alone was ignored
        (
            {"X_test": np.zeros((2, 12))},
            r"^X_test given without T_test: held-out data needs both X_test and T_test, or neither$",
        ),
        (
            {"T_test": np.zeros((2, 2))},
            r"^T_test given without X_test: held-out data needs both X_test and T_test, or neither$",
        ),
    ],
)
def test_bad_arguments(digits_model, kwargs, message):
    d = digits4x3()
    with pytest.raises(ValueError, match=message):
        sn.train(digits_model, d.X, d.targets(), **kwargs)


def test_float16_and_a_checkpoint_of_another_dtype_are_refused_naming_the_valid_dtypes(digits_model, tmp_path):
    d = digits4x3()
    with pytest.raises(TypeError, match=r"^X is float16; valid dtypes: float32, float64 \(X\.astype\('float32'\)\)$"):
        sn.train(digits_model, d.X.astype(np.float16), d.targets(), epochs=1)
    ckpt = tmp_path / "c.npz"
    sn.train(digits_model, d.X, d.targets(), epochs=1, checkpoint=ckpt)
    with pytest.raises(
        TypeError, match=rf"^checkpoint {ckpt} was trained in float64, X is float32: X\.astype\('float64'\)$"
    ):
        sn.train(digits_model, d.X.astype(np.float32), d.targets().astype(np.float32), epochs=2, resume=ckpt)


def test_numpy_scalars_are_numbers(digits_model):
    # lr=np.float32(0.1), epochs=np.int64(2), batch_size=np.int64(2) were refused
    d = digits4x3()
    plain = {"lr": 0.1, "epochs": 2, "batch_size": 16, "seed": 3, "optimizer": "momentum", "beta": 0.5}
    numpy = {"lr": np.float64(0.1), "epochs": np.int64(2), "batch_size": np.int64(16), "seed": np.int64(3)}
    (p1, h1), (p2, h2) = (sn.train(digits_model, d.X, d.targets(), **{**plain, **kw}) for kw in ({}, numpy))
    assert h1.loss == h2.loss and all(np.array_equal(p1[k], p2[k]) for k in p1)
    _, h3 = sn.train(digits_model, d.X, d.targets(), **{**plain, "lr": np.float32(0.1), "beta": np.float32(0.5)})
    assert len(h3) == 2


def test_progress_bar_when_asked(digits_model, capsys):
    pytest.importorskip("tqdm")
    d = digits4x3()
    sn.train(digits_model, d.X, d.targets(), epochs=3, progress=True)
    assert "epoch" in capsys.readouterr().err
    sn.train(digits_model, d.X, d.targets(), epochs=3, progress=False)
    assert capsys.readouterr().err == ""


# -- divergence --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def unbounded_model():
    # identity outputs: nothing bounds y, so too large a learning rate sends the SSE loss to infinity
    return sn.compile(sn.MLP([12, 3, 2], activation="sigmoid", output="identity", loss="sse"))


def sgd_by_hand(model, p, X, T, lr, steps):
    """The oracle: ``steps`` steps θ ← θ − ρ ∂C/∂θ, with the model's gradient and nothing of ``train``."""
    p = {k: v.copy() for k, v in p.items()}
    losses = []
    with np.errstate(over="ignore", invalid="ignore"):  # the oracle runs on past the divergence
        for _ in range(steps):
            loss, g = model.value_and_grad(p, X, T)
            losses.append(float(loss))
            p = {k: p[k] - lr * g[k] for k in p}
    return p, losses


def test_a_diverging_run_stops_at_the_first_non_finite_loss_and_keeps_the_last_finite_state(unbounded_model, tmp_path):
    d = digits4x3()
    X, T = d.X, d.targets()
    start = unbounded_model.init(seed=0)
    _, losses = sgd_by_hand(unbounded_model, start, X, T, 1e6, 40)
    first = next(i for i, loss in enumerate(losses) if not np.isfinite(loss))  # full batch: a step is an epoch
    assert 2 < first < 40
    ckpt = tmp_path / "run.npz"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not one RuntimeWarning from the generated code
        with pytest.raises(sn.TrainingDiverged) as info:
            sn.train(unbounded_model, X, T, lr=1e6, epochs=100, seed=0, checkpoint=ckpt)
    e = info.value
    assert isinstance(e, FloatingPointError)
    assert (e.epoch, e.batch, e.loss, e.lr) == (first, 0, losses[first], 1e6)
    # the last finite state: the end of the last epoch whose next step still had a finite loss
    kept, _ = sgd_by_hand(unbounded_model, start, X, T, 1e6, first - 1)
    assert e.kept_at == (first - 1, 0) and len(e.history) == first - 1
    for k in kept:
        np.testing.assert_array_equal(e.params[k], kept[k])
    assert e.history.loss == losses[: first - 1] and all(np.isfinite(e.history.loss))
    assert str(e) == (
        f"training diverged in epoch {first + 1} (step 1 of it): the loss is {losses[first]}; kept the state after "
        f"{first - 1} epochs, saved in {ckpt}. Try a lower learning rate (now 1e+06; e.g. 100000), the adam "
        "optimizer, or inputs scaled to about [-1, 1]"
    )
    assert e.checkpoint == ckpt
    saved = load_checkpoint(ckpt)
    assert (saved.epoch, saved.batch, saved.history.loss) == (first - 1, 0, e.history.loss)
    for k in kept:
        np.testing.assert_array_equal(saved.params[k], kept[k])
    # the checkpoint continues exactly: resumed with the same settings, the run diverges at the same step
    with pytest.raises(sn.TrainingDiverged) as again:
        sn.train(unbounded_model, X, T, lr=1e6, epochs=100, seed=0, resume=ckpt)
    assert (again.value.epoch, again.value.loss) == (first, losses[first])


def test_divergence_in_a_mini_batch_keeps_the_end_of_the_last_whole_epoch(unbounded_model, tmp_path):
    d = digits4x3()
    with pytest.raises(sn.TrainingDiverged) as info:
        sn.train(unbounded_model, d.X, d.targets(), lr=1e4, epochs=100, batch_size=10, seed=1)
    e = info.value
    assert (e.epoch, e.batch, e.kept_at, len(e.history)) == (5, 4, (5, 0), 5)  # in the 5th of 7 steps of epoch 6
    # the kept parameters are those of a run stopped after 5 epochs
    params, hist = sn.train(unbounded_model, d.X, d.targets(), lr=1e4, epochs=5, batch_size=10, seed=1)
    for k in params:
        np.testing.assert_array_equal(e.params[k], params[k])
    assert hist.loss == e.history.loss and hist.accuracy == e.history.accuracy


def test_a_first_loss_that_is_not_finite_keeps_the_starting_state_and_no_checkpoint(unbounded_model, tmp_path):
    d = digits4x3()
    start = unbounded_model.init(seed=0)
    start["W2"] = start["W2"] * 1e300  # outputs of 1e300: their square overflows
    ckpt = tmp_path / "run.npz"
    ckpt.write_bytes(b"an earlier run")
    with pytest.raises(
        sn.TrainingDiverged, match=r"^training diverged in epoch 1 \(step 1 of it\): the loss is inf; no step"
    ):
        sn.train(unbounded_model, d.X, d.targets(), params=start, epochs=5, checkpoint=ckpt)
    assert ckpt.read_bytes() == b"an earlier run"

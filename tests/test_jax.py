"""The JAX backend (compiler, training), run in its own Python process.

JAX starts threads when imported; other tests in this run fork worker processes (verification's
time limits), and forking a process with JAX's threads risks a deadlock (JAX warns so). So JAX is
never imported into the pytest process itself.
"""

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed (symnn[jax])")


def run_isolated(code: str) -> None:
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]


def test_jax_backend_matches_numpy_and_trains():
    run_isolated(
        """
        import jax
        import numpy as np
        import symnn as sn

        net = sn.MLP([3, 4, 2], activation="tanh", output="softmax", loss="cross-entropy")
        mj, mn = sn.compile(net, backend="jax"), sn.compile(net)
        assert "import jax.numpy" in mj.source and "jax.numpy.tanh(Z1)" in mj.source
        rng = np.random.default_rng(8)
        params = {"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=4), "W2": rng.normal(size=(2, 4)),
                  "b2": rng.normal(size=2)}
        X, T = rng.normal(size=(5, 3)), np.eye(2)[[0, 1, 1, 0, 1]]
        p32 = {k: v.astype(np.float32) for k, v in params.items()}
        lj, gj = mj.value_and_grad(mj._to_backend(p32), X.astype(np.float32), T.astype(np.float32))
        ln, gn = mn.value_and_grad(p32, X.astype(np.float32), T.astype(np.float32))
        assert np.asarray(lj).dtype == np.float32
        np.testing.assert_allclose(float(lj), float(ln), rtol=1e-5)
        for k in gn:
            np.testing.assert_allclose(np.asarray(gj[k]), gn[k], rtol=1e-4, atol=1e-6)
        with jax.enable_x64(True):
            lj, gj = mj.value_and_grad(mj._to_backend(params), X, T)
            ln, gn = mn.value_and_grad(params, X, T)
            assert np.asarray(lj).dtype == np.float64
            np.testing.assert_allclose(float(lj), float(ln), rtol=1e-13)
            for k in gn:
                np.testing.assert_allclose(np.asarray(gj[k]), gn[k], rtol=1e-12, atol=1e-14)
            result = sn.gradcheck(mj, mj._to_backend(params), X, T)
            assert result, result.message
        # the element view through lambdify(modules="jax") agrees too
        me = sn.compile(net, backend="jax", view="element")
        np.testing.assert_allclose(
            np.asarray(me.forward(me._to_backend(p32), X.astype(np.float32))),
            mn.forward(p32, X.astype(np.float32)), rtol=1e-5, atol=1e-6,
        )
        # training with the JAX model (immutable arrays: the optimizers rebind them)
        d = sn.logic_gate("xor")
        net = sn.MLP([2, 3, 2], activation="tanh", output="softmax", loss="cross-entropy")
        model = sn.compile(net, backend="jax")
        X, T = d.X.astype(np.float32), d.targets().astype(np.float32)
        params, hist = sn.train(model, X, T, optimizer="adam", lr=0.05, epochs=300, seed=0)
        assert hist.accuracy[-1] == 1.0, hist.accuracy[-5:]
        assert np.argmax(np.asarray(model.forward(params, X)), axis=1).tolist() == [0, 1, 1, 0]
        """
    )


def test_float64_without_x64_is_refused_not_silently_float32():
    # jnp.asarray makes float64 float32 unless jax_enable_x64 is on: init(dtype=float64) returned float32
    run_isolated(
        """
        import re
        import numpy as np
        import pytest
        import symnn as sn

        model = sn.compile(sn.MLP([2, 2, 1]), backend="jax")
        message = (
            r'^float64 on the JAX backend needs JAX\\'s 64-bit mode: call '
            r'jax\\.config\\.update\\("jax_enable_x64", True\\) first, or use float32$'
        )
        with pytest.raises(ValueError, match=message):
            model.init(0, dtype=np.float64)
        d = sn.logic_gate("xor")
        with pytest.raises(ValueError, match=message):
            sn.train(model, d.X, d.targets(1), epochs=1)
        assert {str(v.dtype) for v in model.init(0).values()} == {"float32"}  # the default follows the mode
        assert {str(v.dtype) for v in model.init(0, dtype="float32").values()} == {"float32"}
        from symnn.cli import main

        assert main(["train", "--dataset", "xor", "--layers", "2,2,1", "--backend", "jax", "--epochs", "2"]) == 0
        assert main(["train", "--dataset", "xor", "--layers", "2,2,1", "--backend", "jax", "--dtype", "float64"]) == 2
        import jax

        jax.config.update("jax_enable_x64", True)
        assert {str(v.dtype) for v in model.init(0, dtype=np.float64).values()} == {"float64"}
        assert {str(v.dtype) for v in model.init(0).values()} == {"float64"}
        """
    )


def test_cli_float64_with_jax_without_x64_is_one_line():
    env = {k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}
    argv = ["train", "--dataset", "xor", "--layers", "2,2,1", "--backend", "jax", "--epochs", "2"]
    r = subprocess.run(
        [sys.executable, "-m", "symnn", *argv, "--dtype", "float64"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 2 and r.stderr.splitlines() == [
        "symnn: error: --dtype float64 with --backend jax needs JAX's 64-bit mode: set JAX_ENABLE_X64=1 in the "
        "environment, or use --dtype float32"
    ], r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "symnn", *argv, "--dtype", "float64", "--quiet"],
        capture_output=True,
        text=True,
        env={**env, "JAX_ENABLE_X64": "1"},
        timeout=300,
    )
    assert r.returncode == 0 and r.stdout.startswith("epoch 2: loss "), r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "symnn", *argv, "--quiet"], capture_output=True, text=True, env=env, timeout=300
    )
    assert r.returncode == 0 and r.stdout.startswith("epoch 2: loss "), r.stderr  # float32 by default


def test_jax_soft_targets_binary_cross_entropy_and_saturation_in_both_views():
    # issue 11 on JAX: softmax + cross-entropy exact for targets whose rows do not sum to 1, binary
    # cross-entropy y − t, and both views finite at pre-activations of ±1e4, float32 and float64
    run_isolated(
        """
        import jax
        import numpy as np
        import symnn as sn

        jax.config.update("jax_enable_x64", True)

        def numpy_loss(net, params, X, T):  # the loss written directly in NumPy: the oracle
            H = np.tanh(X @ params["W1"].T + params["b1"])
            Z = H @ params["W2"].T + params["b2"]
            if net.activations[-1] == "softmax":
                E = np.exp(Z - Z.max(axis=1, keepdims=True))
                Y = E / E.sum(axis=1, keepdims=True)
                return float(np.mean(-(T * np.log(Y)).sum(axis=1)))
            Y = 1 / (1 + np.exp(-Z))
            return float(np.mean(-(T * np.log(Y) + (1 - T) * np.log(1 - Y)).sum(axis=1)))

        rng = np.random.default_rng(4)
        X = rng.normal(size=(5, 3))
        for output, loss in (("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")):
            net = sn.MLP([3, 4, 3], activation="tanh", output=output, loss=loss)
            T = rng.random((5, 3)) * 2.5  # rows sum to 0..7.5, not 1
            for view in ("matrix", "element"):
                model = sn.compile(net, backend="jax", view=view)
                params = {k: rng.normal(size=v.shape) for k, v in model.init(0).items()}
                loss_value, grads = model.value_and_grad(model._to_backend(params), X, T)
                assert abs(float(loss_value) - numpy_loss(net, params, X, T)) < 1e-12
                h = 1e-6
                for k, p in params.items():
                    for i in np.ndindex(p.shape):
                        up = {**params, k: p.copy()}
                        down = {**params, k: p.copy()}
                        up[k][i] += h
                        down[k][i] -= h
                        numeric = (numpy_loss(net, up, X, T) - numpy_loss(net, down, X, T)) / (2 * h)
                        assert abs(float(np.asarray(grads[k])[i]) - numeric) <= 1e-6 * (1 + abs(numeric)), (
                            output, view, k, i
                        )
                for dtype in (np.float32, np.float64):
                    big = {
                        "W1": np.eye(4, 3, dtype=dtype), "b1": np.zeros(4, dtype=dtype),
                        "W2": 1e4 * np.array([[1, -1, 0, 0], [-1, 1, 0, 0], [0.5, 0.5, 0, 0]], dtype=dtype),
                        "b2": np.zeros(3, dtype=dtype),
                    }
                    Xb = np.array([[1e4, -1e4, 0], [-1e4, 1e4, 0], [1e4, 1e4, 0]], dtype=dtype)
                    Tb = np.eye(3, dtype=dtype)
                    value, g = model.value_and_grad(model._to_backend(big), Xb, Tb)
                    assert np.asarray(value).dtype == dtype and np.isfinite(float(value)), (output, view, dtype)
                    assert all(np.isfinite(np.asarray(v)).all() for v in g.values()), (output, view, dtype)
        """
    )


def test_a_network_of_layers_on_jax_computes_what_numpy_does():
    run_isolated(
        """
        import jax
        import numpy as np
        import symnn as sn

        jax.config.update("jax_enable_x64", True)
        body = [sn.Dense(4), sn.Activation("relu"), sn.LayerNorm(), sn.Residual(sn.Dense(4), sn.Activation("tanh")),
                sn.Dropout(keep="p"), sn.BatchNorm(), sn.Dense(3)]
        heads = [(sn.Softmax(), "cross-entropy"), (sn.Activation("sigmoid"), "binary-cross-entropy"),
                 (sn.Activation("tanh"), "mse")]
        for head, loss in heads:
            net = sn.Network([*body, head], inputs=3, loss=loss, weight_decay="lam")
            constants = {"p": 0.8, "lam": 0.01}
            numpy_model, jax_model = sn.compile(net, constants=constants), sn.compile(net, "jax", constants=constants)
            rng = np.random.default_rng(3)
            params = {k: v + rng.normal(0, 0.3, v.shape) for k, v in numpy_model.init(seed=2).items()}
            X, T = rng.normal(size=(5, 3)), rng.random((5, 3))
            masks = {"M7": (rng.random((5, 4)) < 0.8).astype(float)}
            want_loss, want = numpy_model.value_and_grad(params, X, T, masks)
            got_loss, got = jax_model.value_and_grad(jax_model._to_backend(params), X, T, masks)
            assert abs(float(got_loss) - float(want_loss)) <= 1e-12 * abs(float(want_loss)), (loss, got_loss, want_loss)
            for k in want:
                np.testing.assert_allclose(np.asarray(got[k]), want[k], rtol=1e-10, atol=1e-12, err_msg=f"{loss} {k}")
        """
    )

"""The JAX backend (compiler, training), run in its own Python process.

JAX starts threads when imported; other tests in this run fork worker processes (verification's
time limits), and forking a process with JAX's threads risks a deadlock (JAX warns so). So JAX is
never imported into the pytest process itself.
"""

import importlib.util
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

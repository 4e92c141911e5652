"""Data-parallel training on JAX (``sn.train(..., devices=...)``), on 4 CPU devices that XLA emulates
(``XLA_FLAGS=--xla_force_host_platform_device_count=4``), in a child process as tests/test_jax.py runs JAX."""

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed (symnn[jax])")


def run_isolated(code: str, devices: int = 4) -> str:
    env = {**os.environ, "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"}
    r = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300, env=env
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


def test_four_devices_give_the_parameters_of_one_after_50_steps():
    out = run_isolated(
        """
        import jax
        import numpy as np
        import symnn as sn

        assert len(jax.devices()) == 4
        d = sn.load_dataset("digits4x3")
        X, T = d.X.astype(np.float32), d.targets().astype(np.float32)
        net = sn.MLP([12, 5, 2], activation="tanh", output="softmax", loss="cross-entropy")
        model = sn.compile(net, backend="jax")
        cases = [
            dict(optimizer="sgd", lr=0.5, epochs=50),  # full batch: 50 steps of 64 rows, 16 a device
            dict(optimizer="adam", lr=0.01, epochs=10, batch_size=16, X=X[:62], T=T[:62]),  # 4 x 16 rows, then 14
        ]
        for case in cases:
            Xc, Tc = case.pop("X", X), case.pop("T", T)
            one, h1 = sn.train(model, Xc, Tc, **case)
            four, h4 = sn.train(model, Xc, Tc, devices="all", **case)
            assert four["W1"].sharding.mesh.size == 4
            for k in one:
                np.testing.assert_allclose(np.asarray(four[k]), np.asarray(one[k]), rtol=0, atol=1e-6)
            np.testing.assert_allclose(h4.loss, h1.loss, rtol=1e-5)
            assert h4.accuracy == h1.accuracy and h1.accuracy[-1] > 0.9
        # the NumPy model: float32 to 1e-6 as well (the same maths, not the same roundings)
        numpy_model = sn.compile(net)
        reference, _ = sn.train(numpy_model, X, T, optimizer="sgd", lr=0.5, epochs=50)
        four, _ = sn.train(model, X, T, optimizer="sgd", lr=0.5, epochs=50, devices=4)
        for k in reference:
            np.testing.assert_allclose(np.asarray(four[k]), reference[k], rtol=0, atol=1e-5)
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_devices_are_refused_on_numpy_and_checked_on_jax():
    run_isolated(
        """
        import numpy as np
        import pytest
        import symnn as sn

        d = sn.load_dataset("digits4x3")
        X, T = d.X.astype(np.float32), d.targets().astype(np.float32)
        net = sn.MLP([12, 3, 2])
        with pytest.raises(ValueError, match=r"devices='all' is for the JAX backend"):
            sn.train(sn.compile(net), X, T, devices="all")
        model = sn.compile(net, backend="jax")
        with pytest.raises(ValueError, match=r"devices=9: JAX sees 4 device\\(s\\) \\(cpu\\)"):
            sn.train(model, X, T, devices=9)
        with pytest.raises(ValueError, match=r"devices must be 'all', a number of devices or a list"):
            sn.train(model, X, T, devices="gpu")
        """
    )


def test_symnn_train_devices_all_trains_over_four_devices_and_numpy_refuses_it():
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4"}
    base = [sys.executable, "-m", "symnn", "train", "--dataset", "digits4x3", "--layers", "12,3,2", "--quiet"]
    r = subprocess.run(
        [*base, "--backend", "jax", "--devices", "all", "--epochs", "3000", "--lr", "0.5"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.startswith("epoch 3000: loss ") and "accuracy 1.0000" in r.stdout
    r = subprocess.run([*base, "--devices", "all"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr == "symnn: error: --devices all is for --backend jax (data-parallel over JAX's devices)\n"

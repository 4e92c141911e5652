"""Independent ways to the gradients the tests compare symnn's with: central differences, and ``jax.grad`` computed
in a child process.

For ``jax.grad``, a test module gets two fixtures from :func:`jax_fixtures`; the child is the test module itself run
as a script (``python test_x.py OUT.npz``: its ``__main__`` block writes the
gradients); it is started by the first test that asks, so that it runs while the symbolic tests do, and JAX stays out
of the test process.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = str(Path(__file__).resolve().parents[1])
HAS_JAX = importlib.util.find_spec("jax") is not None  # found, not imported


def jax_fixtures(script: str):
    """``(jax_child, jax_grads)``: module-scoped fixtures running ``script`` as the child; ``jax_child`` is ``None``
    without JAX, and ``jax_grads`` (the arrays the child wrote, by name) skips then."""

    @pytest.fixture(scope="module")
    def jax_child(tmp_path_factory):
        if not HAS_JAX:
            yield None
            return
        path = tmp_path_factory.mktemp("jax") / "grads.npz"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, *filter(None, [os.environ.get("PYTHONPATH")])])}
        child = subprocess.Popen(
            [sys.executable, script, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        yield child, path
        if child.poll() is None:
            child.kill()
        child.communicate()

    @pytest.fixture(scope="module")
    def jax_grads(jax_child):
        if jax_child is None:
            pytest.skip("JAX is not installed (symnn[jax])")
        child, path = jax_child
        _, stderr = child.communicate(timeout=600)
        assert child.returncode == 0, stderr[-3000:]
        with np.load(path) as f:
            return dict(f)

    return jax_child, jax_grads


def central_differences(f, params: dict, h: float = 1e-6) -> dict:
    """∂f/∂(each entry of each array of ``params``) by central differences, ``(f(θ + h) − f(θ − h)) / 2h``."""
    out = {}
    for name, value in params.items():
        g = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            up, down = ({**params, name: value.copy()} for _ in range(2))
            up[name][idx] += h
            down[name][idx] -= h
            g[idx] = (f(up) - f(down)) / (2 * h)
        out[name] = g
    return out

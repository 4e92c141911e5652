"""symnn check-backward: exit statuses, the report, and one-line errors for a missing file, class or method."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from symnn.cli import main

LAYERS = """
import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.W.T)


class Sigmoid:
    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * self.out  # (1 - out) forgotten


class Dropout:
    def __init__(self, keep=0.5):
        self.keep = keep

    def forward(self, x):
        self.mask = np.random.default_rng(0).random(x.shape) < self.keep
        return x * self.mask / self.keep

    def backward(self, dout):
        return dout * self.mask / self.keep


class NoBackward:
    def forward(self, x):
        return x


class Broken:
    def forward(self, x):
        return x

    def backward(self, dout):
        raise RuntimeError("to do")


def affine_forward(x, w, b):
    return x @ w + b, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)
"""


@pytest.fixture
def layers(tmp_path: Path) -> str:
    path = tmp_path / "mylayers.py"
    path.write_text(LAYERS, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("target", "options", "status", "first"),
    [
        ("Affine", ["--layer", "dense 4"], 0, "check_backward agrees: Affine against Dense(4)"),
        ("affine_forward,affine_backward", ["--layer", "dense 2", "--param", "w=W1"], 0, "check_backward agrees"),
        ("Dropout", ["--layer", "dropout", "--constant", "p=0.5"], 0, "check_backward agrees: Dropout"),
        ("Sigmoid", ["--layer", "activation sigmoid"], 1, "check_backward disagrees: Sigmoid against Activation"),
        ("Broken", ["--layer", "identity"], 3, "check_backward unknown: Broken against Activation('identity'): "),
    ],
)
def test_exit_status_and_report(layers, target, options, status, first, capsys):
    assert main(["check-backward", f"{layers}:{target}", *options]) == status
    out = capsys.readouterr().out
    assert out.startswith(first)
    if status == 1:
        assert "likely cause: activation derivative" in out and "LaTeX: " in out


@pytest.mark.parametrize(
    ("target", "options", "error"),
    [
        ("nowhere.py:Affine", ["--layer", "dense 4"], "symnn check-backward: no file nowhere.py"),
        (
            "{}:Relu",
            ["--layer", "relu"],
            "mylayers.py has no 'Relu'; it defines: Affine, Broken, Dropout, NoBackward, ",
        ),
        ("{}:NoBackward", ["--layer", "relu"], "mylayers.py:NoBackward has no method backward (a layer class needs "),
        ("{}:Affine", ["--layer", "conv 3"], "--layer: unknown type 'conv'; valid choices: dense, activation, "),
        ("{}", ["--layer", "relu"], "expected FILE:NAME (such as mylayers.py:Affine)"),
        ("{}:Dropout", ["--layer", "dropout"], "Dropout(keep='p') needs a value for p"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(layers, target, options, error, capsys):
    assert main(["check-backward", target.format(layers), *options]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("symnn: error: ") and error in captured.err
    assert captured.err.count("\n") == 1


def test_help_says_it_runs_the_file():
    r = subprocess.run(
        [sys.executable, "-m", "symnn", "check-backward", "--help"], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0
    assert "RUNS the file you name" in " ".join(r.stdout.split())


def test_the_file_is_not_run_when_the_options_are_wrong(tmp_path, capsys):
    marker = tmp_path / "ran"
    path = tmp_path / "side_effect.py"
    path.write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    assert main(["check-backward", f"{path}:Layer", "--layer", "dense 0"]) == 2
    assert not marker.exists()
    assert main(["check-backward", f"{path}:Layer", "--layer", "dense 2"]) == 2
    assert marker.exists() and "has no 'Layer'" in capsys.readouterr().err

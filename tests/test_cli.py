"""The symnn command: wiring through main(), and real runs for exit codes and one-line errors."""

import subprocess
import sys

import pytest

from symnn.cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "symnn", *args], capture_output=True, text=True, timeout=120)


def test_version_and_help():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("symnn ")
    r = run("--help")
    assert r.returncode == 0 and "network" in r.stdout


def test_network_default_prints_the_seed_000_formulas(capsys):
    assert main(["network"]) == 0
    out = capsys.readouterr().out
    assert "z1_1 = b1_1 + w1_1_1*x1 + w1_1_2*x2" in out
    assert "y = sigmoid(W2*sigmoid(W1*x + b1) + b2)" in out


def test_network_latex_row(capsys):
    assert (
        main(["network", "--convention", "row", "--format", "latex", "--output", "softmax", "--loss", "cross-entropy"])
        == 0
    )
    out = capsys.readouterr().out
    assert r"z^{(1)}_{1} = b^{(1)}_{1} + w^{(1)}_{11} x_{1} + w^{(1)}_{12} x_{2}" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["network", "--layers", "2,0"], "layer sizes must be positive integers"),
        (["network", "--layers", "2,x"], "--layers takes comma-separated unit counts"),
        (["network", "--activation", "gelu", "--layers", "2,2,2"], "unknown hidden activation 'gelu'; valid choices"),
        (["network", "--bogus"], "unrecognized arguments: --bogus"),
        (["nonsense"], "invalid choice: 'nonsense'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    r = run(*args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("symnn: error:") and message in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def test_absurd_sizes_are_refused_at_once():
    r = run("network", "--layers", "99999999,99999999")
    assert r.returncode == 2
    assert r.stderr.strip() == (
        "symnn: error: symnn network: --layers 99999999,99999999 has 9999999800000001 weights; "
        "this command takes at most 10000"
    )

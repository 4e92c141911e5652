"""``symnn derive --spec`` and ``symnn train --spec``: networks of layers from a TOML file, and one-line errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

import symnn
from symnn.cli import main
from symnn.model.spec import load_spec, network_from_spec, spec_of
from symnn.training.train import load_checkpoint

#: dense + relu + layer norm + residual + dropout + dense + softmax, for the 4 × 3 digits
NET = """\
inputs = 12
loss = "cross-entropy"

[constants]
p = 0.9

[[layers]]
type = "dense"
units = 8

[[layers]]
type = "activation"
name = "relu"

[[layers]]
type = "layernorm"

[[layers]]
type = "residual"

  [[layers.layers]]
  type = "dense"
  units = 8

  [[layers.layers]]
  type = "activation"
  name = "tanh"

[[layers]]
type = "dropout"
keep = "p"

[[layers]]
type = "dense"
units = 2

[[layers]]
type = "softmax"
"""

#: the seed-000 2-3-2 network, written as layers
MLP = """\
inputs = 2
loss = "sse"
[[layers]]
type = "dense"
units = 3
[[layers]]
type = "activation"
name = "sigmoid"
[[layers]]
type = "dense"
units = 2
[[layers]]
type = "activation"
name = "sigmoid"
"""

TRAIN = ["train", "--dataset", "digits4x3", "--optimizer", "adam", "--lr", "0.01", "--batch-size", "16", "--quiet"]


@pytest.fixture
def spec(tmp_path):
    def write(text, name="net.toml"):
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


def one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("symnn: error: "), lines
    return lines[0].removeprefix("symnn: error: ")


# -- derive ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_derive_a_spec_that_is_an_mlp_gives_the_layers_document(spec, fmt, capsys):
    assert main(["derive", "--layers", "2,3,2", "--format", fmt]) == 0
    expected = capsys.readouterr().out
    assert main(["derive", "--spec", spec(MLP), "--format", fmt]) == 0
    assert capsys.readouterr().out == expected


@pytest.mark.parametrize("fmt", ["md", "tex", "json"])
def test_derive_a_network_of_layers(spec, tmp_path, fmt):
    out = tmp_path / f"net.{fmt}"
    text = 'inputs = 2\n[[layers]]\ntype = "dense"\nunits = 2\n[[layers]]\ntype = "layernorm"\n'
    assert main(["derive", "--spec", spec(text), "-o", str(out)]) == 0
    written = out.read_text()
    if fmt == "md":
        assert "### Layer 1: dense" in written and "### Layer 2: layer normalisation" in written
    elif fmt == "tex":
        assert written.startswith("\\documentclass") and "layer normalisation" in written
    else:
        assert [layer["layer"] for layer in json.loads(written)["network"]["layers"]] == [
            "dense",
            "layer normalisation",
        ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--layers", "2,3,2"], "symnn derive: argument --layers: not allowed with argument --spec"),
        (
            ["--loss", "mse"],
            "symnn derive: --loss cannot be used with --spec: the spec file describes the whole network",
        ),
        (
            ["--activation", "relu", "--output", "softmax"],
            "symnn derive: --activation cannot be used with --spec: the spec file describes the whole network",
        ),
    ],
)
def test_spec_excludes_the_other_network_options(spec, extra, message, capsys):
    assert main(["derive", "--spec", spec(MLP), *extra]) == 2
    assert one_error_line(capsys) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'inputs = 2\n[[layers]]\ntype = "dense"\nunits = 0\n',
            "layer 1 (dense): field 'units' must be a positive integer, got 0",
        ),
        (
            'inputs = 2\n[[layers]]\ntype = "dense"\nunits = 2\n[[layers]]\ntype = "activation"\nname = "gelu2"\n',
            "layer 2 (activation): field 'name': unknown 'gelu2'; valid choices: {activations}",
        ),
        (
            'inputs = 2\n[[layers]]\ntype = "residual"\n[[layers.layers]]\ntype = "dense"\nunits = 2\nbias = 1\n',
            "layer 1 (residual), layer 1 (dense): field 'bias' must be true or false, got 1",
        ),
        (
            'inputs = 2\n[[layers]]\ntype = "elementwise"\n',
            "layer 1: type 'elementwise' cannot come from a spec: its "
            "formula is a Python function; build the network in Python with sn.Elementwise(...)",
        ),
        (
            "inputs = 2\nlayers = 3\n",
            "field 'layers' must be a non-empty list of layer tables ([[layers]] in TOML), got 3",
        ),
        (
            'inputs = 2\n[[layers]]\ntype = "dense"\nunits =\n',
            "not a valid TOML file: Invalid value (at line 4, column 8)",
        ),
    ],
)
@pytest.mark.parametrize("command", ["derive", "train"])
def test_a_bad_spec_is_one_line_naming_the_layer_and_field(spec, text, message, command, capsys):
    path = spec(text)
    args = ["derive", "--spec", path] if command == "derive" else ["train", "--spec", path, "--dataset", "xor"]
    assert main(args) == 2
    # the registry may hold more activations than the built-in ones: other tests register some
    assert one_error_line(capsys) == f"{path}: {message}".replace("{activations}", ", ".join(symnn.ACTIVATIONS))


def test_a_bad_spec_in_a_real_process(spec, tmp_path):
    path = spec('inputs = 12\n[[layers]]\ntype = "dense"\nunits = 2\n[[layers]]\ntype = "dropout"\nkeep = 0.5\n')
    for command in (["derive", "-o", str(tmp_path / "out.md")], ["train", "--dataset", "digits4x3"]):
        r = subprocess.run(
            [sys.executable, "-m", "symnn", command[0], "--spec", path, *command[1:]],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert r.stderr.strip().splitlines() == [
            f"symnn: error: {path}: layer 2 (dropout): field 'keep' names the keep probability's symbol (such as "
            '"p"), got the number 0.5; write keep = "p" and give its value in [constants]: p = 0.5'
        ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.toml"]


@pytest.mark.parametrize(("command", "limit"), [("derive", 10_000), ("train", 10_000_000)])
def test_a_huge_spec_is_refused_before_it_is_built(spec, command, limit, capsys):
    path = spec('inputs = 12\n[[layers]]\ntype = "dense"\nunits = 1000000000\n')
    args = ["derive", "--spec", path] if command == "derive" else [*TRAIN, "--spec", path]
    assert main(args) == 2
    assert one_error_line(capsys) == f"{path}: the network has 13000000000 parameters; at most {limit} are allowed here"


def test_a_missing_spec_file(tmp_path, capsys):
    assert main(["derive", "--spec", str(tmp_path / "nope.toml")]) == 2
    assert one_error_line(capsys) == f"spec file {tmp_path / 'nope.toml'} does not exist"


# -- train ----------------------------------------------------------------------------------------------------


def test_train_a_spec_network_to_100_percent(spec, tmp_path, capsys):
    save = tmp_path / "run.npz"
    assert main([*TRAIN, "--spec", spec(NET), "--epochs", "40", "--save", str(save)]) == 0
    assert "epoch 40: loss " in capsys.readouterr().out
    ckpt = load_checkpoint(save)
    assert ckpt.history.accuracy[-1] == 1.0
    first = ckpt.history.accuracy.index(1.0) + 1
    assert first <= 20, ckpt.history.accuracy  # 8 epochs at seed 0 (seeds 0-4: 8, 16, 5, 13, 13)
    # the checkpoint names the network by its spec, constants included
    assert ckpt.spec == spec_of(network_from_spec(load_spec(tmp_path / "net.toml")), {"p": 0.9})
    assert repr(network_from_spec(ckpt.spec)) == repr(network_from_spec(load_spec(tmp_path / "net.toml")))


@pytest.mark.parametrize("seed", [1, 2])
def test_other_seeds_reach_100_percent_too(spec, tmp_path, seed, capsys):
    save = tmp_path / "run.npz"
    assert main([*TRAIN, "--spec", spec(NET), "--epochs", "40", "--seed", str(seed), "--save", str(save)]) == 0
    assert load_checkpoint(save).history.accuracy[-1] == 1.0


def test_resume_reproduces_the_uninterrupted_run_bit_for_bit(spec, tmp_path, capsys):
    path = spec(NET)
    whole, part = tmp_path / "whole.npz", tmp_path / "part.npz"
    assert main([*TRAIN, "--spec", path, "--epochs", "30", "--seed", "4", "--save", str(whole)]) == 0
    assert main([*TRAIN, "--spec", path, "--epochs", "12", "--seed", "4", "--save", str(part)]) == 0
    resumed = [*TRAIN, "--spec", path, "--epochs", "30", "--seed", "4", "--resume", str(part), "--save", str(part)]
    assert main(resumed) == 0
    a, b = load_checkpoint(whole), load_checkpoint(part)
    assert a.epoch == b.epoch == 30
    for name, value in a.params.items():
        assert value.tobytes() == b.params[name].tobytes(), name
    assert a.history.loss == b.history.loss and a.history.accuracy == b.history.accuracy
    assert a.optimizer_state.keys() == b.optimizer_state.keys()
    for slot in a.optimizer_state:
        for name, value in a.optimizer_state[slot].items():
            assert np.array_equal(value, b.optimizer_state[slot][name]), (slot, name)


def test_resume_without_spec_takes_the_network_from_the_checkpoint(spec, tmp_path, capsys):
    path = spec(NET)
    whole, part = tmp_path / "whole.npz", tmp_path / "part.npz"
    assert main([*TRAIN, "--spec", path, "--epochs", "20", "--save", str(whole)]) == 0
    assert main([*TRAIN, "--spec", path, "--epochs", "8", "--save", str(part)]) == 0
    # the network, its keep probability and the settings all come from the checkpoint
    resumed = ["train", "--dataset", "digits4x3", "--epochs", "20", "--resume", str(part), "--save", str(part)]
    assert main([*resumed, "--quiet"]) == 0
    a, b = load_checkpoint(whole), load_checkpoint(part)
    assert b.epoch == 20 and b.spec == a.spec
    assert all(a.params[k].tobytes() == b.params[k].tobytes() for k in a.params)
    capsys.readouterr()
    assert main([*resumed, "--layers", "12,3,2"]) == 2
    assert one_error_line(capsys) == (
        f"symnn train: --layers cannot be used with --resume {part}: it holds a network of layers (trained with "
        "--spec); leave the network options out"
    )


def test_resume_with_another_keep_probability_is_refused(spec, tmp_path, capsys):
    save = tmp_path / "run.npz"
    assert main([*TRAIN, "--spec", spec(NET), "--epochs", "2", "--save", str(save)]) == 0
    other = spec(NET.replace("p = 0.9", "p = 0.8"), "other.toml")
    assert main([*TRAIN, "--spec", other, "--epochs", "4", "--resume", str(save)]) == 2
    assert one_error_line(capsys).startswith(f"checkpoint {save} is for the network {{")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            NET.replace("p = 0.9\n", ""),
            "{path}: constants: needs a value for p, the keep probability of layer 5 (dropout)",
        ),
        (
            NET.replace("inputs = 12", "inputs = 4"),
            "dataset digits4x3 has 12 inputs per sample: {path} must have inputs = 12, got 4",
        ),
        (
            NET.replace("units = 2", "units = 3"),
            "dataset 'digits4x3' has 2 classes: the network needs 2 output units (or 1 for two classes), got 3",
        ),
    ],
)
def test_train_errors_name_the_spec(spec, text, message, capsys):
    path = spec(text)
    assert main([*TRAIN, "--spec", path, "--epochs", "1"]) == 2
    assert one_error_line(capsys) == message.format(path=path)


def test_train_spec_excludes_layers(spec, capsys):
    assert main([*TRAIN, "--spec", spec(NET), "--layers", "12,3,2"]) == 2
    assert one_error_line(capsys) == "symnn train: argument --layers: not allowed with argument --spec"

"""``symnn train``: real runs (files written, numbers printed) and one-line errors that leave no file behind."""

import re
import subprocess
import sys
import time

import numpy as np
import pytest

from symnn.cli import main
from symnn.cli.train import training_settings
from symnn.training.train import load_checkpoint


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "symnn", "train", *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def test_digits4x3_save_and_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    save, plot = tmp_path / "model.npz", tmp_path / "loss.png"
    argv = ["train", "--dataset", "digits4x3", "--layers", "12,3,2", "--epochs", "2000", "--lr", "0.2"]
    assert main([*argv, "--save", str(save), "--plot", str(plot), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "epoch 2000: loss " in out and "accuracy 1.0000, test accuracy " in out
    ckpt = load_checkpoint(save)
    assert ckpt.epoch == 2000 and ckpt.spec["layers"] == [12, 3, 2] and ckpt.history.accuracy[-1] == 1.0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # resume for 100 more epochs from the saved model, writing back to it
    assert (
        main(
            [
                "train",
                "--dataset",
                "digits4x3",
                "--layers",
                "12,3,2",
                "--epochs",
                "2100",
                "--lr",
                "0.2",
                "--resume",
                str(save),
                "--save",
                str(save),
                "--quiet",
            ]
        )
        == 0
    )
    assert load_checkpoint(save).epoch == 2100


SKLEARN_DIGITS = [
    *("train", "--dataset", "sklearn-digits", "--layers", "64,32,10"),
    *("--output", "softmax", "--loss", "cross-entropy", "--optimizer", "adam"),
]


def test_settings_left_out_come_from_the_dataset_then_the_optimizer():
    rec = "recommended for sklearn-digits"
    assert training_settings("sklearn-digits", "adam") == {
        "epochs": (100, rec),
        "lr": (0.01, rec),
        "batch_size": (32, rec),
    }
    # no learning rate recommended for SGD there: SGD's own; the dataset's epochs and batch size still hold
    assert training_settings("sklearn-digits", "sgd") == {
        "epochs": (100, rec),
        "lr": (0.1, "sgd's default"),
        "batch_size": (32, rec),
    }
    # a bundled dataset without recommendations, and a user's file: the defaults (batch None: all samples)
    for dataset in ("digits4x3", None):
        assert training_settings(dataset, "adam") == {
            "epochs": (100, "default"),
            "lr": (0.001, "adam's default"),
            "batch_size": (None, "default"),
        }
        assert training_settings(dataset, "momentum")["lr"] == (0.1, "momentum's default")


def test_the_options_a_user_gives_always_win():
    given = training_settings("sklearn-digits", "adam", epochs=7, lr=0.2, batch_size=5)
    assert given == {"epochs": (7, "given"), "lr": (0.2, "given"), "batch_size": (5, "given")}
    one = training_settings("sklearn-digits", "adam", lr=0.003)
    assert one["lr"] == (0.003, "given") and one["epochs"] == (100, "recommended for sklearn-digits")
    with pytest.raises(ValueError, match=r"^unknown optimizer 'lbfgs'; valid choices: sgd, momentum, adam$"):
        training_settings("sklearn-digits", "lbfgs")


def test_the_run_prints_and_saves_the_settings_it_used(tmp_path, capsys):
    pytest.importorskip("sklearn")
    save = tmp_path / "run.npz"
    assert main([*SKLEARN_DIGITS, "--epochs", "2", "--lr", "0.005", "--save", str(save)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == (
        "settings: adam, epochs 2 (given), lr 0.005 (given), batch size 32 (recommended for sklearn-digits), seed 0"
    )
    assert lines[2].startswith("epoch 2: loss ")
    ckpt = load_checkpoint(save)
    assert ckpt.epoch == 2 and ckpt.config["lr"] == 0.005 and ckpt.config["batch_size"] == 32
    assert main(["train", "--dataset", "xor", "--epochs", "1", "--optimizer", "adam"]) == 0
    assert (
        "settings: adam, epochs 1 (given), lr 0.001 (adam's default), batch size 4 (all samples, default), seed 0"
        in (capsys.readouterr().out)
    )


@pytest.mark.parametrize("seed", range(5))
def test_the_issues_sklearn_digits_command_reaches_97_percent(seed, capsys):
    # exactly the issue's command (no --epochs, --lr, --batch-size): sklearn-digits' recommended settings
    pytest.importorskip("sklearn")
    assert main([*SKLEARN_DIGITS, "--seed", str(seed), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("epoch 100: ")
    assert float(re.search(r"test accuracy (\d\.\d+);", out).group(1)) >= 0.97, out


def test_user_csv(tmp_path, capsys):
    data = tmp_path / "and.csv"
    data.write_text("x1,x2,label\n0,0,0\n0,1,0\n1,0,0\n1,1,1\n")
    argv = ["train", "--data", str(data), "--layers", "2,1", "--epochs", "300", "--lr", "2", "--quiet"]
    assert main(argv) == 0
    assert "accuracy 1.0000" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "mnist"], "argument --dataset: invalid choice: 'mnist'"),
        (["--layers", "2,3,2"], "one of the arguments --dataset --data is required"),
        (
            ["--dataset", "digits4x3"],
            "dataset digits4x3 has 12 inputs per sample: --layers must start with 12, got 2,3,2",
        ),
        (
            ["--dataset", "digits4x3", "--layers", "12,3,4"],
            "dataset 'digits4x3' has 2 classes: the network needs 2 output",
        ),
        (["--dataset", "xor", "--optimizer", "lbfgs"], "argument --optimizer: invalid choice: 'lbfgs'"),
        (["--dataset", "xor", "--epochs", "0"], "--epochs must be a positive integer, got 0"),
        (["--dataset", "xor", "--lr", "-1"], "the learning rate must be a positive number, got -1.0"),
        (["--data", "nope.csv", "--layers", "2,2"], "data file nope.csv does not exist"),
        (
            ["--dataset", "xor", "--layers", "2,2,1", "--checkpoint-every", "5"],
            "--checkpoint-every needs --save FILE: where to write the checkpoints",
        ),
        (["--dataset", "xor", "--layers", "2,2,1", "--seed", "-1"], "--seed must be a non-negative integer, got -1"),
        (
            ["--dataset", "xor", "--layers", "2,2,1", "--output", "identity", "--loss", "cross-entropy"],
            "'identity' outputs are not in (0, 1) (the loss would be NaN); valid outputs for cross-entropy: softmax",
        ),
        (  # −Σ t log y on sigmoid outputs trained digits4x3 to accuracy 0.50 while the loss went to 0.0016
            ["--dataset", "digits4x3", "--layers", "12,3,2", "--loss", "cross-entropy"],
            "cross-entropy −Σ t log y on sigmoid outputs has no (1 − t) term, so it is minimised by y → 1 whatever "
            "the targets; use loss='binary-cross-entropy' for sigmoid outputs (or output='softmax' with cross-entropy)",
        ),
        (
            ["--dataset", "digits4x3", "--layers", "12,3,2", "--loss", "cross_entropy"],
            "use loss='binary-cross-entropy' for sigmoid outputs",
        ),
        (
            ["--dataset", "xor", "--layers", "2,2,1", "--activation", "step"],
            "a hidden layer uses the step function, whose derivative is 0 almost everywhere (DiracDelta at 0), "
            "so gradient descent cannot train it; trainable activations: sigmoid, relu, tanh, softplus, identity",
        ),
        (
            ["--dataset", "xor", "--layers", "2,2,1", "--output", "step"],
            "the output uses the step function",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, capsys):
    assert main(["train", *args]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("symnn") and message in lines[0], lines


def test_bad_input_in_a_real_process():
    r = run("--dataset", "digits4x3", "--layers", "12,3,4")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        "symnn: error: dataset 'digits4x3' has 2 classes: the network needs 2 output units "
        "(or 1 for two classes), got 4"
    ]


def test_cross_entropy_on_sigmoid_outputs_in_a_real_process_names_binary_cross_entropy():
    # it trained to loss 0.0016 and accuracy 0.50 before (issue 11): now one line, exit 2, before training
    r = run("--dataset", "digits4x3", "--layers", "12,3,2", "--loss", "cross-entropy")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        "symnn: error: cannot compile MLP([12, 3, 2], activation=['sigmoid'], output='sigmoid', "
        "loss='cross-entropy', convention='column'): cross-entropy −Σ t log y on sigmoid outputs has no (1 − t) "
        "term, so it is minimised by y → 1 whatever the targets; use loss='binary-cross-entropy' for sigmoid "
        "outputs (or output='softmax' with cross-entropy)"
    ]


@pytest.mark.parametrize("loss", ["binary-cross-entropy", "binary_cross_entropy"])
def test_digits4x3_with_binary_cross_entropy_on_the_command_line(loss, capsys):
    argv = ["train", "--dataset", "digits4x3", "--layers", "12,3,2", "--loss", loss, "--epochs", "2000", "--lr", "0.2"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("MLP([12, 3, 2], activation=['sigmoid'], output='sigmoid', loss='binary-cross-entropy'")
    assert lines[-1].startswith("epoch 2000: loss ") and ", accuracy 1.0000, " in lines[-1], lines[-1]


def test_bad_data_file_and_existing_outputs_leave_files_alone(tmp_path, capsys):
    def error(*args):
        assert main(["train", *args]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("symnn: error: "), lines
        return lines[0]

    bad = tmp_path / "bad.csv"
    bad.write_text("0,1,0\n1,nan,1\n")
    assert "X has NaN or infinity, first at row 2, column 2" in error("--data", str(bad), "--layers", "2,2")
    existing = tmp_path / "model.npz"
    existing.write_bytes(b"keep me")
    assert f"{existing} exists; pass --force to overwrite it (--save)" in error(
        "--dataset", "xor", "--save", str(existing)
    )
    assert existing.read_bytes() == b"keep me"
    assert "cannot read checkpoint" in error("--dataset", "xor", "--resume", str(existing), "--save", str(existing))
    assert existing.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "model.npz"]  # no temporary files left


def test_ctrl_c_saves_a_checkpoint_and_exits_130(tmp_path):
    save = tmp_path / "run.npz"
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "symnn",
            "train",
            "--dataset",
            "xor",
            "--epochs",
            "100000000",
            "--save",
            str(save),
            "--checkpoint-every",
            "100",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 120
    while not save.exists() and time.time() < deadline:  # the first periodic checkpoint: it is training
        time.sleep(0.1)
    p.send_signal(2)  # SIGINT, as Ctrl-C
    _out, err = p.communicate(timeout=60)
    if p.returncode == 2:
        pytest.fail(err)
    assert p.returncode == 130, err
    assert err.startswith("symnn: interrupted in epoch ") and f"saved {save} (continue with --resume {save})" in err
    assert "Traceback" not in err
    ckpt = load_checkpoint(save)
    assert ckpt.spec["layers"] == [2, 3, 2] and np.isfinite(ckpt.params["W1"]).all()


@pytest.mark.parametrize(("layers", "classes"), [("2,2,1", 2), ("2,2,3", 3)])
def test_a_huge_label_is_one_line_and_exit_2(tmp_path, capsys, layers, classes):
    # 1e20 cast to int64 first was -9223372036854775808: trained on it (1 output) or an IndexError (3 outputs)
    data = tmp_path / "h.csv"
    data.write_text("0,0,1e20\n1,1,0\n")
    assert main(["train", "--data", str(data), "--layers", layers, "--epochs", "2", "--quiet"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"symnn: error: data file {data}: label 100000000000000000000 in y is out of range; "
        f"the network has {classes} classes, so labels must be 0 .. {classes - 1}"
    ]


def test_resume_in_another_dtype_names_the_option(tmp_path, capsys):
    ckpt = tmp_path / "c.npz"
    base = ["train", "--dataset", "xor", "--layers", "2,2,1", "--quiet", "--save", str(ckpt), "--force"]
    assert main([*base, "--epochs", "1"]) == 0
    assert main([*base, "--epochs", "2", "--resume", str(ckpt), "--dtype", "float32"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"symnn: error: checkpoint {ckpt} was trained in float64: resume with --dtype float64"
    ]
    assert main([*base, "--epochs", "2", "--resume", str(ckpt)]) == 0  # without --dtype: the checkpoint's
    assert load_checkpoint(ckpt).epoch == 2


def test_a_closed_pipe_ends_quietly():
    # `symnn train ... | head -1`: a BrokenPipeError traceback; now exit 1, nothing on stderr
    argv = [sys.executable, "-m", "symnn", "train", "--dataset", "xor", "--layers", "2,2,1", "--epochs", "1"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdout.close()  # the reader is gone before the first line
    err = p.stderr.read()
    assert p.wait(timeout=120) == 1 and err == ""


def test_a_diverging_run_is_one_line_exit_1_and_saves_the_last_finite_state(tmp_path):
    # identity outputs and ρ = 1e6: the SSE loss overflows to inf in epoch 26 (was: exit 0, "loss nan", and a
    # RuntimeWarning from the generated code)
    save = tmp_path / "model.npz"
    r = run(
        "--dataset", "digits4x3", "--layers", "12,3,2", "--output", "identity", "--lr", "1e6", "--save", str(save)
    )  # fmt: skip
    assert r.returncode == 1, r.stderr
    assert r.stderr.splitlines() == [
        "symnn: training diverged in epoch 26: the loss is inf; try a lower --lr (now 1e+06; e.g. 100000), "
        f"--optimizer adam or inputs scaled to about [-1, 1]; {save} holds the last finite state, after 24 epochs"
    ]
    assert "epoch 100" not in r.stdout
    saved = load_checkpoint(save)
    assert saved.epoch == 24 and all(np.isfinite(v).all() for v in saved.params.values())
    assert np.isfinite(saved.history.loss).all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_a_diverging_run_without_save_names_what_to_try(capsys):
    argv = ["train", "--dataset", "digits4x3", "--layers", "12,3,2", "--output", "identity", "--quiet"]
    assert main([*argv, "--lr", "1e6", "--optimizer", "adam"]) == 0  # Adam's steps are bounded by ρ
    capsys.readouterr()
    assert main([*argv, "--lr", "1e6"]) == 1
    assert capsys.readouterr() == (
        "",
        "symnn: training diverged in epoch 26: the loss is inf; try a lower --lr (now 1e+06; e.g. 100000), "
        "--optimizer adam or inputs scaled to about [-1, 1]\n",
    )


# -- --resume: the checkpoint holds the architecture and the settings ------------------------------------------

TRAINED = [
    *("--dataset", "digits4x3", "--layers", "12,3,2", "--activation", "tanh", "--output", "softmax"),
    *("--loss", "cross-entropy", "--optimizer", "momentum", "--momentum", "0.8", "--lr", "0.3"),
    *("--batch-size", "16", "--seed", "4", "--quiet"),
]


def test_resume_takes_the_network_and_settings_from_the_checkpoint(tmp_path, capsys):
    whole, part = tmp_path / "whole.npz", tmp_path / "part.npz"
    assert main(["train", *TRAINED, "--epochs", "6", "--save", str(whole)]) == 0
    assert main(["train", *TRAINED, "--epochs", "3", "--save", str(part)]) == 0
    capsys.readouterr()
    # was: the default 2-3-2 network, refused ("--layers must start with 12"); every option had to be repeated
    argv = ["train", "--dataset", "digits4x3", "--resume", str(part), "--epochs", "6", "--save", str(part)]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(
        "MLP([12, 3, 2], activation=['tanh'], output='softmax', loss='cross-entropy', convention='column')"
    )
    assert out[1] == (
        f"settings: momentum, epochs 6 (given), lr 0.3 (from {part}), batch size 16 (from {part}), seed 4"
    )
    a, b = load_checkpoint(whole), load_checkpoint(part)
    assert b.spec == a.spec and b.config == a.config and b.epoch == 6
    for k in a.params:  # the oracle: the uninterrupted run, bit for bit
        np.testing.assert_array_equal(b.params[k], a.params[k])
    assert b.history.loss == a.history.loss


def test_options_that_agree_with_the_checkpoint_are_accepted(tmp_path, capsys):
    ckpt = tmp_path / "c.npz"
    assert main(["train", *TRAINED, "--epochs", "1", "--save", str(ckpt)]) == 0
    agreeing = ["--layers", "12,3,2", "--activation", "tanh", "--output", "softmax", "--convention", "column"]
    argv = ["train", "--dataset", "digits4x3", "--resume", str(ckpt), "--epochs", "2", "--save", str(ckpt)]
    assert main([*argv, *agreeing, "--loss", "cross-entropy", "--quiet"]) == 0
    assert load_checkpoint(ckpt).epoch == 2


@pytest.mark.parametrize(
    ("option", "given", "trained"),
    [
        ("--layers", "12,4,2", "12,3,2"),
        ("--activation", "sigmoid", "tanh"),
        ("--output", "sigmoid", "softmax"),
        ("--loss", "sse", "cross-entropy"),
        ("--convention", "row", "column"),
    ],
)
def test_an_option_contradicting_the_checkpoint_names_both_values(option, given, trained, tmp_path, capsys):
    ckpt = tmp_path / "c.npz"
    assert main(["train", *TRAINED, "--epochs", "1", "--save", str(ckpt)]) == 0
    before = ckpt.read_bytes()
    capsys.readouterr()
    argv = ["train", "--dataset", "digits4x3", "--resume", str(ckpt), "--save", str(ckpt), option, given]
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"symnn: error: symnn train: {option} {given} contradicts the checkpoint {ckpt}, trained with "
        f"{option} {trained}; leave {option} out to take the checkpoint's"
    ]
    assert ckpt.read_bytes() == before


def test_a_setting_contradicting_the_checkpoint_names_both_values(tmp_path, capsys):
    ckpt = tmp_path / "c.npz"
    assert main(["train", *TRAINED, "--epochs", "1", "--save", str(ckpt)]) == 0
    capsys.readouterr()
    argv = ["train", "--dataset", "digits4x3", "--resume", str(ckpt), "--epochs", "2", "--save", str(ckpt)]
    assert main([*argv, "--lr", "0.1"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"symnn: error: checkpoint {ckpt} was trained with lr=0.3 (now 0.1); resume with the same settings so "
        "that the run continues exactly"
    ]


def test_a_typo_in_the_first_csv_row_names_the_cell(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("0.1,0.2,O.3,1\n0.4,0.5,0.6,0\n0.7,0.8,0.9,1\n")  # was: row 1 taken for a header, dropped
    assert main(["train", "--data", str(data), "--layers", "3,2,2", "--epochs", "1", "--quiet"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"symnn: error: data file {data}: row 1, column 3 is 'O.3', not a number"
    ]


@pytest.mark.parametrize("option", ["--save", "--plot"])
def test_a_directory_as_output_is_refused_before_training(option, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    r = run("--dataset", "xor", "--layers", "2,2,1", "--epochs", "1", option, str(folder), "--force")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"symnn: error: cannot write {folder}: it is a directory; {option} takes a file name\n"
    assert list(folder.iterdir()) == [] and [p.name for p in tmp_path.iterdir()] == ["out"]

"""symnn derive: the default seed-000 network as Markdown, the formats and languages, files, errors."""

import json
import subprocess
import sys

import pytest

from symnn.cli import main
from symnn.render.json import gradients_from_json


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "symnn", *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_default_is_the_seed_000_network_as_markdown(capsys):
    assert main(["derive"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Backpropagation in a 2-3-2 network\n")
    assert "$$\nz^{(1)}_{1} &= w^{(1)}_{11} x_{1} + w^{(1)}_{12} x_{2} + b^{(1)}_{1}" not in out  # aligned, in a block
    assert "z^{(1)}_{1} &= w^{(1)}_{11} x_{1} + w^{(1)}_{12} x_{2} + b^{(1)}_{1}" in out
    assert "\\text{(chain rule)}" in out and "<svg" in out


def test_japanese_latex_and_json(capsys, tmp_path):
    assert main(["derive", "--lang", "ja", "--format", "latex", "--output", "softmax", "--loss", "cross-entropy"]) == 0
    tex = capsys.readouterr().out
    assert "\\begin{CJK}{UTF8}{min}" in tex and "誤差逆伝播法" in tex and "（連鎖律）" in tex
    out = tmp_path / "g.json"
    assert main(["derive", "--format", "json", "--layers", "2,2", "-o", str(out)]) == 0
    grads = gradients_from_json(out.read_text(encoding="utf-8"))
    assert [p.name for p in grads] == ["w1_1_1", "w1_1_2", "w1_2_1", "w1_2_2", "b1_1", "b1_2"]
    assert json.loads(out.read_text(encoding="utf-8"))["network"]["activations"] == ["sigmoid"]


def test_loss_names_take_underscores_and_cross_entropy_on_sigmoid_is_still_derived(capsys):
    # derive teaches what compile refuses (as the step): cross-entropy on a sigmoid output is derived
    assert main(["derive", "--layers", "2,2", "--loss", "binary_cross_entropy"]) == 0
    out = capsys.readouterr().out
    assert "The loss function is the binary cross-entropy" in out and "(binary-cross-entropy)" in out
    assert main(["derive", "--layers", "2,2", "--loss", "cross_entropy"]) == 0
    assert "The loss function is the cross-entropy" in capsys.readouterr().out
    assert main(["network", "--layers", "2,2", "--loss", "binary_cross_entropy"]) == 0
    assert "loss='binary-cross-entropy'" in capsys.readouterr().out


def test_refuses_to_overwrite_without_force(tmp_path, capsys):
    target = tmp_path / "d.md"
    target.write_text("keep me", encoding="utf-8")
    assert main(["derive", "--layers", "1,1", "-o", str(target)]) == 2
    assert capsys.readouterr().err == f"symnn: error: {target} exists; pass --force to overwrite it\n"
    assert target.read_text(encoding="utf-8") == "keep me"
    assert main(["derive", "--layers", "1,1", "-o", str(target), "--force"]) == 0
    assert target.read_text(encoding="utf-8").startswith("# Backpropagation in a 1-1 network")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "argument --format: invalid choice: 'pdf' (choose from 'markdown', 'latex', 'json')"),
        (["--lang", "fr"], "argument --lang: invalid choice: 'fr' (choose from 'en', 'ja')"),
        (["--activation", "gelu"], "unknown hidden activation 'gelu'; valid choices"),
        (["--loss", "hinge"], "unknown loss 'hinge'; valid choices: sse, mse, cross-entropy, binary-cross-entropy"),
        (["--layers", "2,x"], "--layers takes comma-separated unit counts"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(args, message, tmp_path, capsys):
    out = tmp_path / "never.md"
    assert main(["derive", *args, "-o", str(out)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("symnn: error:") and message in lines[0], lines
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_real_run_exits_2_without_a_traceback(tmp_path):
    r = run("derive", "--convention", "diagonal", "-o", str(tmp_path / "x.md"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr == "symnn: error: unknown convention 'diagonal'; valid choices: column, row\n"
    assert list(tmp_path.iterdir()) == []


def test_markdown_file_links_its_figure_written_beside_it(tmp_path, capsys):
    out = tmp_path / "post.md"
    assert main(["derive", "-o", str(out)]) == 0
    text = out.read_text()
    assert "![network](post-network.svg)" in text and "<svg" not in text
    assert (tmp_path / "post-network.svg").read_text().startswith("<svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["post-network.svg", "post.md"]


def test_an_existing_figure_is_not_overwritten_without_force(tmp_path, capsys):
    (tmp_path / "post-network.svg").write_text("mine")
    assert main(["derive", "-o", str(tmp_path / "post.md")]) == 2
    assert "post-network.svg exists; pass --force to overwrite" in capsys.readouterr().err
    assert (tmp_path / "post-network.svg").read_text() == "mine" and not (tmp_path / "post.md").exists()

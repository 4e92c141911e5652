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
        (
            ["--format", "pdf"],
            "argument --format: invalid choice: 'pdf' (choose from 'markdown', 'latex', 'json', 'html')",
        ),
        (["--lang", "fr"], "argument --lang: invalid choice: 'fr' (choose from 'en', 'ja')"),
        (["--activation", "gelu"], "unknown hidden activation 'gelu'; valid choices"),
        (["--loss", "hinge"], "unknown loss 'hinge'; valid choices: sse, mse, cross-entropy, binary-cross-entropy"),
        (["--layers", "2,x"], "--layers takes comma-separated unit counts"),
        (["--flavor", "gfm"], "argument --flavor: invalid choice: 'gfm' (choose from 'katex', 'github', 'zenn',"),
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


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("notes.tex", "\\documentclass"),
        ("notes.TEX", "\\documentclass"),
        ("notes.json", "{"),
        ("notes.md", "# Backpropagation in a 1-1 network"),
        ("notes.markdown", "# Backpropagation in a 1-1 network"),
        ("notes.txt", "# Backpropagation in a 1-1 network"),  # an extension of no format: Markdown, the default
    ],
)
def test_the_format_follows_the_extension(name, start, tmp_path, capsys):
    out = tmp_path / name
    assert main(["derive", "--layers", "1,1", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith(start)
    if start == "{":
        assert [p.name for p in gradients_from_json(out.read_text(encoding="utf-8"))] == ["w1_1_1", "b1_1"]


@pytest.mark.parametrize(
    ("name", "fmt", "implied"),
    [("x.tex", "markdown", "latex"), ("x.md", "json", "markdown"), ("x.json", "latex", "json")],
)
def test_a_format_contradicting_the_extension_is_a_usage_error(name, fmt, implied, tmp_path, capsys):
    out = tmp_path / name
    assert main(["derive", "--layers", "1,1", "--format", fmt, "-o", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"symnn: error: symnn derive: --format {fmt} contradicts -o {out}, a {implied} file name; "
        f"drop --format, or give FILE the extension of {fmt}\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_agreeing_or_unknown_extension_takes_the_given_format(tmp_path, capsys):
    assert main(["derive", "--layers", "1,1", "--format", "latex", "-o", str(tmp_path / "a.tex")]) == 0
    assert main(["derive", "--layers", "1,1", "--format", "latex", "-o", str(tmp_path / "a.txt")]) == 0
    assert (tmp_path / "a.txt").read_text(encoding="utf-8").startswith("\\documentclass")


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_directory_as_output_is_one_line_exit_2_and_no_side_file(force, tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    r = run("derive", "--layers", "1,1", "-o", str(folder), *force)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"symnn: error: cannot write {folder}: it is a directory; -o takes a file name\n"
    assert list(folder.iterdir()) == [] and [p.name for p in tmp_path.iterdir()] == ["site"]


def test_write_derivation_refuses_a_directory_before_writing_figures(tmp_path):
    from symnn.model.network import MLP
    from symnn.render import write_derivation

    with pytest.raises(IsADirectoryError, match=rf"^cannot write {tmp_path}: it is a directory$"):
        write_derivation(MLP([1, 1]), tmp_path, force=True)
    assert list(tmp_path.iterdir()) == []


# Ctrl-C as a terminal sends it: SIGINT to the whole process group, at a known point of the run. The
# command runs in a session of its own, so that the signal reaches it (and its workers) only.
INTERRUPT = """
import os, signal, sys, time
import symnn.render
from symnn.cli import main

def interrupted(*args, **kwargs):
    os.killpg(0, signal.SIGINT)
    time.sleep(30)  # the signal ends this

symnn.render.backprop = interrupted  # what symnn derive calls
sys.exit(main(sys.argv[1:]))
"""


def interrupt(code, *args, cwd):
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        start_new_session=True,
    )


@pytest.mark.parametrize("out", [[], ["-o", "doc.md"]])
def test_ctrl_c_in_derive_is_one_line_and_exit_130(out, tmp_path):
    r = interrupt(INTERRUPT, "derive", "--layers", "2,2", *out, cwd=tmp_path)
    assert (r.returncode, r.stderr, r.stdout) == (130, "symnn: interrupted\n", "")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_in_process_is_exit_130(monkeypatch, capsys, tmp_path):
    import symnn.render

    def interrupted(net):
        raise KeyboardInterrupt

    monkeypatch.setattr(symnn.render, "backprop", interrupted)
    assert main(["derive", "-o", str(tmp_path / "d.md")]) == 130
    assert capsys.readouterr().err == "symnn: interrupted\n"
    assert list(tmp_path.iterdir()) == []


def test_html_is_written_from_the_extension_as_one_self_contained_page(tmp_path):
    out = tmp_path / "backprop.html"
    assert main(["derive", "--layers", "2,2,1", "--lang", "ja", "-o", str(out)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["backprop.html"]  # KaTeX and the figures are inside it
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="ja">' in page
    assert "katex.render" in page and "src=" not in page.split("<script>")[0]  # no external script or stylesheet
    assert 'id="step-1"' in page and 'id="eq-step-1"' in page and r"\tag{1}" in page


def test_flavor_writes_markdown_for_one_platform(tmp_path, capsys):
    out = tmp_path / "backprop.md"
    assert main(["derive", "--layers", "2,2,1", "--flavor", "quarto", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "$$ {#eq-step-1}" in text and (tmp_path / "backprop-network.svg").is_file()
    assert main(["derive", "--layers", "2,2,1", "--flavor", "qiita"]) == 0
    printed = capsys.readouterr().out
    assert "```math\n" in printed and "\\tag{1}" in printed and "$`" in printed
    assert main(["derive", "--layers", "2,2,1"]) == 0  # the default is unchanged: $$ blocks, no numbers
    assert "\\tag" not in capsys.readouterr().out


def test_flavor_with_another_format_is_one_line_exit_2(tmp_path, capsys):
    out = tmp_path / "backprop.tex"
    assert main(["derive", "--flavor", "myst", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["symnn: error: symnn derive: --flavor myst is for Markdown output, not latex; drop --flavor"]
    assert not out.exists()


def test_json_takes_wide_networks_and_expanded_only_on_request(tmp_path):
    # 30-30-10 has 1200 weights; 101-100-1 more than the 10 000 other formats take
    out = tmp_path / "w.json"
    assert main(["derive", "--format", "json", "--layers", "101,100,1", "-o", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["gradients_form"] == "local" and len(doc["gradients"]) == 101 * 100 + 100 + 100 + 1
    r = run("derive", "--layers", "101,100,1", "--view", "element")
    assert r.returncode == 2
    assert r.stderr.strip().endswith(
        "takes at most 10000 in the element view (--view index takes any width; --format json takes 200000)"
    )
    r = run("derive", "--layers", "2,2", "--expanded")
    assert (r.returncode, r.stderr.strip()) == (2, "symnn: error: symnn derive: --expanded is an option of --format "
                                                   "json, not of markdown")  # fmt: skip
    r = run("derive", "--layers", "12,12,6", "--format", "json", "--expanded")
    assert r.returncode == 2 and "1,533,216 expression nodes; the expanded form takes at most 200,000" in r.stderr
    assert main(["derive", "--format", "json", "--layers", "1,1", "--expanded", "-o", str(tmp_path / "e.json")]) == 0
    assert "text" in json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))["gradients"][0]

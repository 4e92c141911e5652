"""Documents in index notation: size independent of the width, shapes, layouts, the CLI's --view."""

import re
import shutil
import subprocess

import pytest

import symnn as sn
from symnn.cli import main
from symnn.render import derive_document
from symnn.render.documents import resolve_view


def test_the_index_document_does_not_grow_with_the_width():
    small = derive_document(sn.MLP([30, 30, 10]), fmt="latex", view="index")
    wide = derive_document(sn.MLP([784, 100, 10]), fmt="latex", view="index")
    assert abs(len(wide) - len(small)) < 200  # only the widths in the shape notes and the title differ
    assert r"\sum_{k=1}^{n_{2}} {\delta^{(2)}_{k}} {w^{(2)}_{kj}}" in wide  # stacked, as the element symbols print
    assert r"W^{(1)}: 100 \times 784" in wide and "w^{(1)}_{5" not in wide  # no unit of the wide net listed


def test_auto_keeps_the_seed_networks_unit_by_unit():
    assert resolve_view(sn.MLP([2, 3, 2]), "auto") == "element"
    assert resolve_view(sn.MLP([30, 30, 10]), "auto") == "index"
    with pytest.raises(ValueError, match="valid choices: auto, index, element"):
        resolve_view(sn.MLP([2, 3, 2]), "matrix")


def test_numerator_layout_transposes_every_gradient():
    text = derive_document(sn.MLP([3, 4, 2]), fmt="markdown", view="index", layout="numerator")
    assert "numerator layout" in text
    assert r"\frac{\partial C}{\partial W^{(1)}} &= x \delta^{(1)}" in text
    assert r"\frac{\partial C}{\partial W^{(1)}}: 3 \times 4" in text
    assert r"\delta^{(1)} &= \left(\delta^{(2)} W^{(2)}\right) \odot \sigma'" in text
    plain = derive_document(sn.MLP([3, 4, 2]), fmt="markdown", view="index", shapes=False)
    assert r"\scriptstyle" not in plain and "denominator layout" in plain


def test_cli_index_view_takes_any_width_and_element_view_keeps_the_limit(tmp_path, capsys):
    out = tmp_path / "mnist.md"
    assert (
        main(["derive", "--layers", "784,100,10", "--output", "softmax", "--loss", "cross-entropy", "-o", str(out)])
        == 0
    )
    assert "A worked instance: the 2-2-2 network" in out.read_text()
    assert main(["derive", "--layers", "784,100,10", "--view", "element"]) == 2
    assert "in the element view" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
@pytest.mark.parametrize("layers", [["784,100,10", "--output", "softmax", "--loss", "cross-entropy"], ["30,30,10"]])
def test_wide_networks_typeset_in_a_few_pages_without_overfull_boxes(tmp_path, layers):
    tex = tmp_path / "net.tex"
    assert main(["derive", "--layers", *layers, "-o", str(tex)]) == 0
    subprocess.run(["pdflatex", "-interaction=nonstopmode", tex.name], cwd=tmp_path, capture_output=True, timeout=120)
    log = (tmp_path / "net.log").read_text(errors="replace")
    pages = int(re.search(r"Output written on net\.pdf \((\d+) pages?", log)[1])
    assert pages < 10 and "Overfull" not in log


def test_relu_s_derivative_is_said_where_the_index_view_first_writes_it():
    net = sn.MLP([30, 30, 10], activation="relu", output="softmax", loss="cross-entropy")
    for lang in ("en", "ja"):
        text = derive_document(net, fmt="markdown", lang=lang, view="index")
        first_use = text.index(r"u_{0}\left(")
        assert "u_{0}(z)" in text[:first_use]  # ReLU′(z) = u_0(z), the unit step, defined before it is used

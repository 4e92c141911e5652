"""Markdown flavours: each platform's Markdown parser hands every formula to the maths renderer exactly as written.

For each flavour the output is parsed by a parser that reads Markdown the way that platform does — markdown-it
(CommonMark + tables, as GitHub, Qiita and Zenn run) with the dollar-maths rule where the platform has one (Zenn's
is stricter: no space inside the dollars, no digit next to them), MyST's dollarmath and role plugins, Pandoc for
Quarto — and the maths it finds must be exactly the LaTeX the document holds (no ``_`` taken for emphasis, no
backslash lost), and must typeset in KaTeX with ``throwOnError``.
"""

from __future__ import annotations

import json
import re
import runpy
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

import symnn as sn
from symnn.render import FLAVOURS, Document
from symnn.render._prose import pieces
from symnn.render.blocks import Equation, Heading, NumberedStep, Paragraph, Table, block_label, text_in
from symnn.render.checks import Formula, compile_latex, katex_errors

ROOT = Path(__file__).resolve().parents[2]
TAGGED = ("github", "zenn", "qiita")  # platforms without equation numbering of their own: \tag{n}


def _markdown_it(flavor: str) -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    if flavor == "zenn":  # Zenn's rule: no space inside the dollars, no digit next to them
        md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    elif flavor in ("katex", "myst"):
        md.use(dollarmath_plugin, allow_labels=True).use(myst_role_plugin)
    return md


def _math_from_tokens(tokens) -> list[Formula]:
    out = []
    for t in tokens:
        if t.type in ("math_block", "math_block_label") or (t.type == "fence" and t.info.strip() == "math"):
            out.append(Formula(t.content.strip(), True))
        elif t.type == "inline":
            kids = t.children or []
            for i, k in enumerate(kids):
                if k.type == "math_inline":
                    out.append(Formula(k.content.strip(), False))
                elif k.type == "code_inline" and 0 < i < len(kids) - 1:  # $`…`$ (GitHub, Qiita)
                    if kids[i - 1].content.endswith("$") and kids[i + 1].content.startswith("$"):
                        out.append(Formula(k.content.strip(), False))
    return out


def _pandoc(text: str) -> dict:
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        pytest.skip("pandoc is not installed (CI installs Debian's; see .ci/run)")
    r = subprocess.run([pandoc, "-f", "markdown", "-t", "json"], input=text, capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def _walk(node):
    if isinstance(node, dict):
        yield node
        node = node.get("c", [])
    if isinstance(node, list):
        for x in node:
            yield from _walk(x)


def parsed_math(text: str, flavor: str) -> list[Formula]:
    """The formulas that ``flavor``'s platform parser finds in ``text``."""
    if flavor == "quarto":
        maths = [n["c"] for n in _walk(_pandoc(text)["blocks"]) if n.get("t") == "Math"]
        return [Formula(tex.strip(), kind["t"] == "DisplayMath") for kind, tex in maths]
    return _math_from_tokens(_markdown_it(flavor).parse(text))


def written_math(doc: Document, lang: str, flavor: str) -> list[Formula]:
    """The formulas the document holds, as the flavour writes them (numbered displays carry \\tag{n})."""
    out, number = [], 0
    prose = [text_in(doc.title, lang)]
    for b in doc.blocks:
        if isinstance(b, Heading | Paragraph):
            prose.append(text_in(b.text, lang))
        elif isinstance(b, Table):
            prose += [text_in(c, lang) for row in [b.header, *b.rows] for c in row]
        if isinstance(b, NumberedStep):
            prose += [text_in(b.note, lang)] + ([text_in(b.rule, lang)] if b.rule is not None else [])
        if isinstance(b, Equation | NumberedStep):
            tex = text_in(b.tex, lang)
            if block_label(b) is not None:
                number += 1
                tex += f" \\tag{{{number}}}" if flavor in TAGGED else ""
            out.append(Formula(tex.strip(), True))
    inline = [c.strip() for p in prose for k, c in _flat(p) if k == "math"]
    return out + [Formula(t, False) for t in inline]


def _flat(text: str):
    for kind, content in pieces(text):
        yield from _flat(content) if kind == "bold" else [(kind, content)]


@pytest.fixture(scope="module")
def gallery_004(tmp_path_factory):
    """The 004 gallery page's document, built by its script (into a scratch folder)."""
    out = tmp_path_factory.mktemp("gallery")
    script = ROOT / "derivations" / "004_relu_softmax_losses.py"
    argv = sys.argv
    sys.argv = [str(script), str(out)]  # the script writes its documents into its first argument
    try:
        return runpy.run_path(str(script), run_name="__main__")["doc"]
    finally:
        sys.argv = argv


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("flavor", list(FLAVOURS))
def test_the_004_page_keeps_every_formula_through_the_platform_parser(gallery_004, flavor, lang):
    text = gallery_004.to_markdown(lang, flavor=flavor)
    found = parsed_math(text, flavor)
    expected = written_math(gallery_004, lang, flavor)
    assert len(expected) > 40
    assert Counter(found) == Counter(expected)


@pytest.mark.parametrize("flavor", [f for f in FLAVOURS if f not in ("myst", "quarto")])
def test_the_004_page_typesets_in_katex_with_throw_on_error(gallery_004, flavor):
    found = [f for lang in ("en", "ja") for f in parsed_math(gallery_004.to_markdown(lang, flavor=flavor), flavor)]
    try:
        errors = katex_errors(found)
    except FileNotFoundError as e:
        pytest.skip(str(e))
    assert errors == [] and len(found) > 80


UNDERSCORES = r"w^{(1)}_{j_k} x_{k} + b_{j} * \{a_{i}\} \\ c_{*}"


def underscore_document() -> Document:
    doc = Document("Underscores")
    doc.text(r"Here $w^{(1)}_{j_k} x_{k} + b_{j}$ times $a_{1} * b_{2} * \{c_{3}\}$, and $x_1$2 apart, 3$y$.")
    doc.math(r"\begin{aligned}" + UNDERSCORES + r"\end{aligned}")
    doc.table(["cell", "maths"], [["one", r"$w_{j_k} * x_{k}$"], ["two", r"$\{b_{j}\}_{j}$"]])
    doc.step("chain rule", r"with $\delta_{j} * x_{k}$", r"\frac{\partial C}{\partial w_{j_k}}", "delta_j * x_k")
    return doc


@pytest.mark.parametrize("flavor", list(FLAVOURS))
def test_an_underscore_heavy_formula_survives_each_parser(flavor):
    doc = underscore_document()
    found = parsed_math(doc.to_markdown(flavor=flavor), flavor)
    assert Counter(found) == Counter(written_math(doc, "en", flavor))
    assert any(UNDERSCORES in f.tex for f in found)
    assert Formula(r"a_{1} * b_{2} * \{c_{3}\}", False) in found


def test_a_plain_markdown_parser_would_eat_them():
    # the reason for the flavours: CommonMark alone reads `_{j}...b_{j}` as emphasis and `\{` as an escape
    text = underscore_document().to_markdown(flavor="katex")
    html = MarkdownIt("commonmark").render(text)
    assert "<em>" in html and r"\{c" not in html


def labelled_document() -> Document:
    doc = Document("Labels")
    doc.text("The key equation {eq:key} follows from {eq:step-1}; **by {eq:step-2}** we are done.")
    doc.step("chain rule", "first", "y", "x + 1")
    doc.equation("z", "y^2", label="key")
    doc.step("sum rule", "see {eq:key}", "u", "z + y")
    return doc


def test_labels_are_numbered_in_reading_order_in_every_output():
    doc = labelled_document()
    md = doc.to_markdown(flavor="github")
    assert "[(2)](#eq-key)" in md and "[(1)](#eq-step-1)" in md and '<a id="eq-step-2"></a>' in md
    assert r"y^2 \tag{2}" in md and r"\tag{3}" in md
    assert "by (3)" in doc.to_markdown(flavor="qiita") and "by (3)" in doc.to_markdown(flavor="zenn")
    page = doc.to_html()
    assert 'id="eq-key"' in page and '<a href="#eq-step-2">(3)</a>' in page and r"\tag{3}" in page
    tex = doc.to_latex()
    assert r"\begin{equation}\label{eq:key}" in tex and r"by \eqref{eq:step-2}" in tex


def test_myst_and_quarto_carry_the_label_syntax():
    doc = labelled_document()
    myst = doc.to_markdown(flavor="myst")
    assert "$$ (eq-key)" in myst and "{eq}`eq-step-2`" in myst
    tokens = _markdown_it("myst").parse(myst)
    assert [t.info for t in tokens if t.type == "math_block_label"] == ["eq-step-1", "eq-key", "eq-step-2"]
    roles = [c.content for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "myst_role"]
    assert roles == ["eq-key", "eq-step-1", "eq-step-2", "eq-key"]
    quarto = doc.to_markdown(flavor="quarto")
    assert "$$ {#eq-key}" in quarto and "@eq-step-2" in quarto
    ast = list(_walk(_pandoc(quarto)["blocks"]))
    # Quarto's crossref filter reads the attribute right after the display maths, and @eq-… as a citation
    labels = [n["c"] for n in ast if n.get("t") == "Str" and n["c"].startswith("{#eq-")]
    cites = [n["c"][0][0]["citationId"] for n in ast if n.get("t") == "Cite"]
    assert labels == ["{#eq-step-1}", "{#eq-key}", "{#eq-step-2}"]
    assert cites == ["eq-key", "eq-step-1", "eq-step-2", "eq-key"]


def test_eqref_compiles_with_no_undefined_reference(tmp_path):
    doc = labelled_document()
    docs = {"labels-en": doc.to_latex("en"), "labels-ja": doc.to_latex("ja")}
    try:
        compile_latex(docs, workdir=tmp_path)
        results = compile_latex(docs, workdir=tmp_path)  # the second run reads the labels the first wrote
    except FileNotFoundError as e:
        pytest.skip(str(e))
    for name, r in results.items():
        assert r.ok, r.log
        log = (tmp_path / f"{name}.log").read_text(errors="replace")
        assert "undefined" not in log.lower() and "Rerun" not in log
        aux = (tmp_path / f"{name}.aux").read_text()
        labels = re.findall(r"\\newlabel\{eq:([\w-]+)\}\{\{(\d+)\}", aux)
        assert labels == [("step-1", "1"), ("key", "2"), ("step-2", "3")]


def test_bad_labels_and_references_are_refused():
    with pytest.raises(ValueError, match="refers to no equation; the labelled equations are: step-1"):
        doc = Document("x")
        doc.step("r", "see {eq:nowhere}", "a", "b")
        doc.to_markdown(flavor="github")
    with pytest.raises(ValueError, match="refers to no equation"):
        doc.to_latex()
    with pytest.raises(ValueError, match="invalid equation label '3'"):
        Document("x").math("a", label="3")
    doc = Document("x")
    doc.math("a", label="k")
    doc.math("b", label="k")
    with pytest.raises(ValueError, match="'k' is used twice"):
        doc.to_html()
    with pytest.raises(ValueError, match="valid choices: katex, github, zenn, qiita, myst, quarto"):
        doc.to_markdown(flavor="gfm")


def test_extend_renumbers_default_step_labels_and_keeps_given_ones():
    a, b = Document("a"), Document("b")
    a.step("r", "", "x", "y")
    b.step("r", "", "u", "v", label="named")
    b.step("r", "", "p", "q")
    a.extend(b)
    assert [block_label(s) for s in a.blocks if isinstance(s, NumberedStep)] == ["step-1", "named", "step-3"]


def test_the_default_flavour_is_the_markdown_symnn_always_wrote(gallery_004):
    stem = "004-relu-softmax-losses"
    assert gallery_004.to_markdown("en", figures=stem) == (ROOT / f"docs/derivations/{stem}.md").read_text()
    d = sn.backprop(sn.MLP([2, 2, 1]))
    assert d.to_markdown() == d.to_markdown(flavor="katex") != d.to_markdown(flavor="quarto")
    assert "{#eq-step-1}" in d.to_markdown(flavor="quarto")

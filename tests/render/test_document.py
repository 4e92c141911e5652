"""symnn.render.document / latex / markdown: one Document, two languages, LaTeX and Markdown."""

import re

import pytest
import sympy as sp

import symnn as sn
from symnn.render import Document, network_document
from symnn.render.latex import escape


def small_doc() -> Document:
    x = sp.Symbol("x")
    doc = Document({"en": "Title & more", "ja": "題名"})
    doc.heading({"en": "Part", "ja": "部"})
    doc.text({"en": "Some **bold** 50% `code_x` with $x^2$.", "ja": "**太字**と $x^2$。"})
    doc.step({"en": "chain rule", "ja": "連鎖律"}, {"en": "note", "ja": "注"}, sp.Derivative(x**2, x), 2 * x)
    doc.table(["$a$", {"en": "b", "ja": "ビ"}], [["1", "2|3"]])
    doc.code("def f(x):\n    return x\n")
    return doc


def test_markdown_blocks_in_english_and_japanese():
    doc = small_doc()
    en = doc.to_markdown("en")
    assert en.startswith("# Title & more\n\n## Part\n\nSome **bold** 50% `code_x` with $x^2$.\n\n")
    assert "**Step 1** (*chain rule*) note\n\n$$\n\\frac{d}{d x} x^{2} = 2 x\n$$" in en
    assert "| $a$ | b |\n| --- | --- |\n| 1 | 2\\|3 |" in en
    assert "```python\ndef f(x):\n    return x\n```" in en
    ja = doc.to_markdown("ja")
    assert ja.startswith("# 題名\n\n## 部\n\n**太字**と $x^2$。") and "**ステップ 1**（連鎖律）注" in ja


def test_latex_escapes_prose_but_not_maths_and_wraps_japanese_in_cjk():
    doc = small_doc()
    en = doc.to_latex("en")
    assert "\\title{Title \\& more}" in en
    assert "Some \\textbf{bold} 50\\% \\texttt{code\\_x} with $x^2$." in en
    assert "\\begin{verbatim}\ndef f(x):\n    return x\n\\end{verbatim}" in en
    assert "CJK" not in en and en.endswith("\\end{document}\n")
    ja = doc.to_latex("ja")
    assert "\\usepackage{CJKutf8}" in ja and "\\begin{CJK}{UTF8}{min}" in ja and "\\end{CJK}\n\\end{document}" in ja
    fragment = doc.to_latex("en", standalone=False)
    assert "\\documentclass" not in fragment and fragment.startswith("\\section*{Part}")


@pytest.mark.parametrize(
    ("text", "tex"), [("a_b & 100%", r"a\_b \& 100\%"), ("σ{δ}", r"\ensuremath{\sigma}\{\ensuremath{\delta}\}")]
)
def test_escape(text, tex):
    assert escape(text) == tex


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match=r"^unknown language 'fr'; valid choices: en, ja$"):
        small_doc().to_markdown("fr")
    doc = Document("t")
    doc.text({"en": "only English"})
    with pytest.raises(ValueError, match=r"^no 'ja' text in \{'en': 'only English'\}; give one for each of en, ja$"):
        doc.to_latex("ja")


def test_figures_inline_or_as_files(tmp_path):
    doc = network_document(sn.MLP([2, 3, 2]))
    inline = doc.to_markdown("en")
    assert "\n\n<svg xmlns=" in inline and "\n\n\n" not in inline  # an HTML block needs no blank line inside
    paths = doc.write(tmp_path, "net", langs=("en", "ja"))
    assert [p.name for p in paths] == ["net.md", "net-network.svg", "net.tex", "net.ja.md", "net.ja.tex"]
    assert "![network](net-network.svg)" in (tmp_path / "net.md").read_text(encoding="utf-8")
    svg = (tmp_path / "net-network.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and not re.search(r"\n\s*\n", svg)


def test_network_page_in_both_languages_names_the_parts():
    net = sn.MLP([2, 3, 2], activation="relu", output="softmax", loss="cross-entropy", convention="row")
    doc = network_document(net)
    en, ja = doc.to_markdown("en"), doc.to_markdown("ja")
    assert "The hidden layers use ReLU; the output layer uses softmax. The loss function is the cross-entropy" in en
    assert "Z^{(1)} &= X W^{(1)} + B^{(1)}" in en
    assert (
        "隠れ層の活性化関数はReLU 関数、出力層の活性化関数はソフトマックス関数、損失関数は交差エントロピー誤差です。"
        in ja
    )
    assert "C = - t_{1} \\log{\\left(y_{1} \\right)} - t_{2} \\log{\\left(y_{2} \\right)}" in en


def test_every_loss_has_a_name_in_every_language():
    from symnn.render.words import LANGS, LOSS_NAMES

    assert list(LOSS_NAMES) == list(sn.LOSSES)
    assert all(set(names) == set(LANGS) for names in LOSS_NAMES.values())


def test_binary_cross_entropy_derivation_in_both_languages():
    d = sn.backprop(sn.MLP([2, 2, 2], output="sigmoid", loss="binary_cross_entropy"))
    en, ja = d.to_markdown("en"), d.to_markdown("ja")
    assert "The loss function is the binary cross-entropy" in en and "損失関数は二値交差エントロピー誤差です" in ja
    assert "sigmoid with binary cross-entropy gives $\\delta = y - t$, for any targets" in en
    assert "二値交差エントロピーの組ではどんな教師データでも" in ja
    assert "\\delta^{(2)}_{1} &= \\frac{\\partial C}{\\partial z^{(2)}_{1}}" in en
    assert " &= a^{(2)}_{1} - t_{1} && \\text{(simplification)}" in en


def test_jupyter_hooks_show_the_derivation_and_the_network():
    import sympy as sp

    net = sn.MLP([2, 2])
    d = sn.backprop(net)
    assert d._repr_markdown_() == d.to_markdown() and d.to_markdown("ja").startswith("# 2-2 ネットワークの誤差逆伝播法")
    assert d.to_latex().startswith("\\documentclass") and "\\documentclass" not in d.to_latex(standalone=False)
    tex = d._repr_latex_()
    assert tex.startswith("$\\displaystyle \\begin{aligned}\\delta^{(1)} &= \\left(a^{(1)} - t\\right) \\odot ")
    assert net._repr_latex_() == (
        "$\\displaystyle \\begin{aligned}z^{(1)} &= W^{(1)} x + b^{(1)} \\\\ "
        "a^{(1)} &= \\sigma\\left(z^{(1)}\\right)\\end{aligned}$"
    )
    assert net._repr_markdown_().startswith("# A 2-2 network")
    x, u = sp.symbols("x u")
    assert sn.chain_rule(u**2, x, via={u: 2 - x})._repr_latex_() == (
        "$\\displaystyle \\begin{aligned}\\frac{d y}{d x} &= 2 x - 4\\end{aligned}$"
    )


def test_verdicts_show_the_statement_status_and_counterexample():
    import sympy as sp

    from symnn.render.build import add_verdict

    x = sp.Symbol("x", real=True)
    doc = Document("v")
    add_verdict(doc, sn.verify(sn.relu(x), x))
    en, ja = doc.to_markdown("en"), doc.to_markdown("ja")
    assert "## Verification\n\n$$\n\\operatorname{ReLU}\\left(x\\right) = x\n$$" in en
    assert re.search(r"Refuted \(counterexample at .*\)\. Counterexample: \$x = - \\frac\{\d+\}\{\d+\}\$\.", en), en
    assert "成り立ちません。反例：$x = - \\frac{" in ja
    doc = Document("v")
    add_verdict(doc, sn.verify(sn.sigmoid(x) + sn.sigmoid(-x), 1), heading=False)
    assert "Proved symbolically" in doc.to_markdown("en") and "記号計算で証明されました。" in doc.to_markdown("ja")


def test_verdicts_show_what_they_were_checked_given():
    import sympy as sp

    from symnn.render.build import add_verdict

    t1, t2, t3 = sp.symbols("t1 t2 t3", real=True)
    doc = Document("v")
    add_verdict(doc, sn.verify(t1 + t2 + t3, 1, given={t3: 1 - t1 - t2}), heading=False)
    en, ja = doc.to_markdown("en"), doc.to_markdown("ja")
    assert "t_{1} + t_{2} + t_{3} = 1" in en  # the statement as stated
    assert "Checked given $t_{3} = 1 - t_{1} - t_{2}$." in en
    assert "条件 $t_{3} = 1 - t_{1} - t_{2}$ のもとで検証。" in ja

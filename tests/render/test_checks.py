"""symnn.render.checks: the KaTeX and pdflatex checkers find real failures (so a pass means something)."""

import pytest

from symnn.render.checks import Formula, compile_latex, formulas_in_markdown, katex_errors


def katex_or_skip(formulas):
    try:
        return katex_errors(formulas)
    except FileNotFoundError as e:
        pytest.skip(str(e))


def test_formulas_in_markdown_finds_display_and_inline_maths_but_not_code():
    text = "Let $x_1$ be `$not$`.\n\n$$\n\\begin{aligned}\na &= b\n\\end{aligned}\n$$\n\n```\n$$no$$\n```\n"
    assert formulas_in_markdown(text) == [
        Formula("\\begin{aligned}\na &= b\n\\end{aligned}", True),
        Formula("x_1", False),
    ]


def test_katex_reports_what_it_cannot_render():
    errors = katex_or_skip([Formula(r"\frac{a}{b}", True), Formula(r"\undefinedmacro x", False), "\\frac{a}{b"])
    assert [tex for tex, _ in errors] == [r"\undefinedmacro x", "\\frac{a}{b"]
    assert "Undefined control sequence" in errors[0][1]


def test_pdflatex_reports_a_broken_document(tmp_path):
    good = "\\documentclass{article}\\begin{document}$x^2$\\end{document}\n"
    bad = "\\documentclass{article}\\begin{document}$\\frac{x}$\\end{document}\n"
    try:
        results = compile_latex({"good": good, "bad": bad}, workdir=tmp_path)
    except FileNotFoundError as e:
        pytest.skip(str(e))
    assert results["good"].ok and results["good"].pdf.is_file()
    assert not results["bad"].ok and "!" in results["bad"].log

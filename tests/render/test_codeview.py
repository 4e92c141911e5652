"""symnn.render.codeview: Python functions shown through latexify-py, and documents without it (Python 3.14)."""

import math

import pytest

import symnn as sn
from symnn.render import Document, codeview


def gelu_tanh(x):
    return 0.5 * x * (1 + math.tanh(0.7978845608 * (x + 0.044715 * x**3)))


def test_user_activation_shows_source_formula_and_derivative():
    cls = sn.activation(gelu_tanh)
    doc = Document("t")
    codeview.add_user_activation(doc, cls)
    md = doc.to_markdown("en")
    assert "```python\ndef gelu_tanh(x):\n    return 0.5 * x * (1 + math.tanh(" in md
    if codeview.LATEXIFY is None:
        pytest.skip("latexify-py cannot be imported in this Python")
    assert "$$\n\\mathrm{gelu\\_tanh}(x) = " in md and "\\tanh" in md
    assert "\\frac{d}{d x} \\operatorname{gelu\\_tanh}\\left(x\\right) &= " in md
    assert "The activation $\\operatorname{gelu\\_tanh}$ is defined in Python as" in md


def test_without_latexify_the_document_still_has_source_and_derivative(monkeypatch):
    monkeypatch.setattr(codeview, "LATEXIFY", None)
    cls = sn.activation(gelu_tanh)
    doc = Document("t")
    codeview.add_user_activation(doc, cls)
    md = doc.to_markdown("en")
    assert "latexify" not in md and "```python\ndef gelu_tanh(x):" in md and "\\frac{d}{d x}" in md
    with pytest.raises(RuntimeError, match=r"^latexify-py cannot be imported in this Python; the code view needs"):
        codeview.function_latex(gelu_tanh)

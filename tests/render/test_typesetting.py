"""Typesetting faults a reader saw (issue 14, part 7): "+ −", ReLU′ as an undefined u₀, Japanese notes naming
functions in English, "1 outputs"."""

import re

import pytest
import sympy as sp

import symnn as sn
from symnn.render import derive_document
from symnn.render.formula import latex
from symnn.render.words import agree


def test_a_sum_whose_term_is_a_product_with_a_negative_first_factor_prints_a_subtraction():
    t, a, x = sp.symbols("t a x")
    term = sp.Mul(-t / a, a * (1 - x), evaluate=False)  # as a step holds it: −t/a · a(1 − x), not multiplied out
    assert latex(sp.Add(x, term, evaluate=False)) == r"- \frac{t}{a} a \left(1 - x\right) + x"
    assert latex(sp.Add(term, x, evaluate=False)) == r"- \frac{t}{a} a \left(1 - x\right) + x"
    assert "+ -" in sp.latex(sp.Add(x, term, evaluate=False))  # SymPy's own printer has the fault


@pytest.mark.parametrize("fmt", ["latex", "markdown"])
def test_no_derivation_prints_plus_minus(fmt):
    for out, loss in [("softmax", "cross-entropy"), ("softmax", "mse"), ("sigmoid", "binary-cross-entropy")]:
        text = derive_document(sn.MLP([2, 2, 3], output=out, loss=loss), fmt=fmt)
        assert not re.search(r"\+\s*-", text), (out, loss)


@pytest.mark.parametrize("lang, said", [("en", "ReLU′(z) = u_0(z), the unit step"), ("ja", "は単位ステップ関数")])
def test_relu_derivative_is_defined_where_u0_first_appears(lang, said):
    text = derive_document(sn.MLP([2, 2, 1], activation="relu"), fmt="markdown", lang=lang)
    plain = text.replace("$", "").replace("′", "'").replace("{", "").replace("}", "")
    assert 0 <= plain.find(said.replace("′", "'").replace("{", "")) < plain.index("u_0\\left(")


ACTIVATIONS = ["sigmoid", "relu", "step", "softplus", "identity", "tanh"]
LOSSES = [("sigmoid", "sse"), ("softmax", "cross-entropy"), ("sigmoid", "binary-cross-entropy"), ("identity", "mse")]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_japanese_documents_name_activations_and_losses_in_japanese(activation):
    for out, loss in LOSSES:
        text = derive_document(sn.MLP([2, 2, 2], activation=activation, output=out, loss=loss), lang="ja")
        assert re.findall(r"[（(][a-z][a-z -]+[)）]", text) == [], (out, loss)


def test_one_of_a_thing_is_singular_in_english():
    text = derive_document(sn.MLP([1, 2, 1]))
    assert "The network has 1 input, hidden layers of 2 units and 1 output." in text
    assert not re.search(r"\b1 (inputs|outputs|samples|units|layers)\b", text)
    assert agree("1 samples, 21 inputs, 0.1 units", "en") == "1 sample, 21 inputs, 0.1 units"
    assert agree("1 samples", "ja") == "1 samples"

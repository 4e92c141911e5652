"""parse: what it accepts (exact SymPy results) and what it refuses, by name."""

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn as sn
from symnn.model.notation import bias, input_symbol, weight
from symnn.text.parsing import MAX_DEPTH, MAX_LENGTH

x, y, z, z1, z2 = sp.symbols("x y z z1 z2", real=True)
z1_ = sp.Symbol("z_{1}", real=True)  # what LaTeX z_{1} is
s = sn.sigmoid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x + 2*y - 3/4", x + 2 * y - sp.Rational(3, 4)),
        ("x**2", x**2),
        ("x^2", x**2),
        ("x^2 + 1", x**2 + 1),
        ("+".join(f"x**{j}" for j in range(100)), sp.Add(*(x**j for j in range(100)))),
        ("2^-1*x", x / 2),
        ("-x", -x),
        ("+x", x),
        ("0.5*x", x / 2),
        ("sigmoid(x)", s(x)),
        ("σ(x)", s(x)),
        ("relu(x)", sn.relu(x)),
        ("ReLU(x)", sn.relu(x)),
        ("step(x)", sn.step(x)),
        ("step(x, 0)", sn.step(x, 0)),
        ("softplus(x)", sn.softplus(x)),
        ("softmax(2, z1, z2)", sn.softmax(2, z1, z2)),
        ("tanh(x) + exp(x) + log(x) + sqrt(x)", sp.tanh(x) + sp.exp(x) + sp.log(x) + sp.sqrt(x)),
        ("Max(0, x) + Min(x, y) + Abs(x)", sp.Max(0, x) + sp.Min(x, y) + sp.Abs(x)),
        ("diff(sigmoid(x), x)", sp.Derivative(s(x), x)),
        ("diff(x**3, x, 2)", sp.Derivative(x**3, (x, 2))),
        ("pi + E", sp.pi + sp.E),
        (
            "diff(sigmoid(x), x) == sigmoid(x)*(1 - sigmoid(x))",
            sp.Eq(sp.Derivative(s(x), x), s(x) * (1 - s(x))),
        ),
        ("sigmoid(-x) = 1 - sigmoid(x)", sp.Eq(s(-x), 1 - s(x))),
        ("x <= y", sp.Le(x, y)),
        ("x >= y", sp.Ge(x, y)),
        ("x < y", sp.Lt(x, y)),
        ("x > y", sp.Gt(x, y)),
    ],
)
def test_accepts(text, expected):
    got = sn.parse(text)
    assert got == expected
    assert all(sym.is_real for sym in got.free_symbols)


def test_parsed_statement_verifies():
    assert sn.verify(sn.parse("diff(sigmoid(x), x) == sigmoid(x)*(1 - sigmoid(x))"), timeout=60).status == "proved"
    assert sn.verify(sn.parse("tanh(x) = 2*sigmoid(2*x) - 1"), timeout=60).status == "proved"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("__import__('os').system('touch pwned')", r"^parse: calling attribute access \(\.\) is not allowed; allowed:"),
        ("__import__('os')", r"^parse: the function '__import__' is not allowed; allowed:"),
        ("x.real", r"^parse: attribute access \(\.\) is not allowed"),
        ("().__class__", r"^parse: attribute access \(\.\) is not allowed"),
        ("lambda: 1", r"^parse: a lambda is not allowed"),
        ("[i for i in range(3)]", r"^parse: a comprehension is not allowed"),
        ("sum(i for i in x)", r"^parse: the function 'sum' is not allowed"),
        ("x[0]", r"^parse: subscripting \(\[\]\) is not allowed"),
        ("'x'", r"^parse: the literal 'x' \(str\) is not allowed"),
        ("b'x'", r"^parse: the literal b'x' \(bytes\) is not allowed"),
        ("True", r"^parse: the literal True \(bool\) is not allowed"),
        ("1j", r"^parse: the literal 1j \(complex\) is not allowed"),
        ("__builtins__", r"^parse: the name '__builtins__' \(names start with a letter"),
        ("_x + 1", r"^parse: the name '_x'"),
        ("eval(x)", r"^parse: the function 'eval' is not allowed"),
        ("sigmoid(x, at_zero=1)", r"^parse: a keyword argument in sigmoid\(\.\.\.\) is not allowed"),
        ("sigmoid(*x)", r"^parse: a starred argument in sigmoid\(\.\.\.\) is not allowed"),
        ("x if y else z", r"^parse: if/else is not allowed"),
        ("x and y", r"^parse: and/or is not allowed"),
        ("(y := 2)", r"^parse: an assignment \(:=\) is not allowed"),
        ("f'{x}'", r"^parse: an f-string is not allowed"),
        ("x < y < z", r"^parse: a chained comparison is not allowed"),
        ("x != y", r"^parse: the comparison NotEq is not allowed"),
        ("x + (y == z)", r"^parse: a comparison inside an expression or a chained comparison is not allowed"),
        ("sigmoid", r"^parse: sigmoid is a function; call it, as sigmoid\(x\)$"),
        ("10**10**10", r"^parse: the exponent 10000000000 is too large; numbers may be raised to at most 1000$"),
        ("(9**999)**999", r"^parse: a power of about 3163833 bits is too large; at most 10000 bits$"),
        ("Max(" + ", ".join(f"a{i}" for i in range(21)) + ")", r"^parse: Max of 21 arguments is too many; at most 20$"),
        ("x*10**999*10**999*10**999*10**999 > 1", r"^parse: a number of 13275 bits is too large; at most 10000 bits$"),
        ("1" * 101, r"^parse: an integer of more than 100 digits is not allowed$"),
        ("1e999", r"^parse: the number inf is out of range \(a float literal must be finite\)$"),
        ("diff(x, x, 11)", r"^parse: the order of diff must be an integer from 1 to 10, got 11$"),
        ("diff(x, 2)", r"^parse: diff takes diff\(expression, symbol\)"),
        ("softmax(x, y)", r"^parse: softmax takes softmax\(k, z1, \.\.\., zn\)"),
        ("x +", r"^parse: not a valid expression: invalid syntax"),
        ("x; import os", r"^parse: not a valid expression"),
        ("   ", r"^parse: the input is empty$"),
        ("x" * (MAX_LENGTH + 1), rf"^parse: the input is {MAX_LENGTH + 1} characters long; at most {MAX_LENGTH}"),
        ("(" * 60 + "x" + ")" * 60, rf"^parse: the input is nested too deeply \(at most {MAX_DEPTH} levels\)$"),
        ("-" * 500 + "x", r"^parse: the input is nested too deeply \(at most 200 operations deep\)$"),
        ("+".join(["x"] * 250), r"^parse: the input is nested too deeply \(at most 200 operations deep\)$"),
        ("sigmoid(" * 45 + "x" + ")" * 45, r"^parse: the input is nested too deeply"),
    ],
)
def test_refuses(text, match):
    with pytest.raises(ValueError, match=match):
        sn.parse(text)


def test_refuses_non_text():
    with pytest.raises(TypeError, match=r"^parse takes a string, got int$"):
        sn.parse(3)


_ALPHABET = "xyz019.+-*/^()=<>, _'[]:λ" + "abcdefghijklmnopqrstuvwxyz"


@settings(max_examples=300)
@given(st.text(alphabet=_ALPHABET, max_size=40) | st.sampled_from(["sigmoid(", "relu(x)", "1e999", "9**999", "diff("]))
def test_any_text_parses_or_raises_value_error(text):
    try:
        got = sn.parse(text)
    except ValueError as e:
        assert str(e).startswith("parse: ")
    else:
        assert isinstance(got, sp.Basic)


@settings(max_examples=60)
@given(st.lists(st.sampled_from(["1e999", "9**999", "sigmoid(x)", "2**-3", "1e-5", "x"]), min_size=1, max_size=4))
def test_number_edge_cases(parts):
    text = "*".join(parts)
    try:
        assert isinstance(sn.parse(text), sp.Basic)
    except ValueError as e:
        assert str(e).startswith("parse: ")


def test_unevaluated_relations_verify():
    assert sn.verify(sn.parse_latex("x = x"), timeout=60).status == "proved"
    assert sn.verify(sn.parse_latex("1 = 2"), timeout=60).status == "refuted"
    assert sn.verify(sn.parse("x == x"), timeout=60).status == "proved"
    assert sn.verify(sn.parse("1 == 2"), timeout=60).status == "refuted"


def test_parse_names_of_the_network_are_its_symbols():
    got = sn.parse("w1_2_1*x1 + b1_2")
    assert got == weight(1, 2, 1) * input_symbol(1) + bias(1, 2)
    assert sn.parse_latex(sp.latex(got)) == got

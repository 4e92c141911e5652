"""symnn.pyexpr: Python/SymPy text to SymPy through a whitelist, never eval."""

import ast

import pytest
import sympy as sp

import symnn as sn
from symnn.notation import bias, input_symbol, weight
from symnn.pyexpr import parse, translate


@pytest.mark.parametrize(
    "expr",
    [
        sn.sigmoid(weight(1, 1, 1) * input_symbol(1) + bias(1, 1)) / 2 - input_symbol(2) ** 3,
        sn.relu(weight(2, 1, 3) - sp.Rational(7, 10), sp.S.Half) * sn.step(input_symbol(1), 0),
        sn.softmax(2, weight(1, 1, 1), weight(1, 2, 1)) * sp.log(sn.softplus(bias(1, 2))),
        sp.exp(-input_symbol(1)) + sp.Float("0.25") * sp.tanh(bias(2, 1)) + sp.DiracDelta(input_symbol(1)),
        sp.Piecewise((input_symbol(1), input_symbol(1) > 0), (sp.S.Zero, True)),
        sp.Derivative(sp.Symbol("C", real=True), weight(1, 1, 2)),
    ],
)
def test_parse_inverts_str(expr):
    assert parse(sp.sstr(expr)) == expr


def test_parse_makes_network_symbols_real_net_symbols():
    w = parse("w1_2_1")
    assert w == weight(1, 2, 1) and w.is_real and sp.latex(w) == "w^{(1)}_{21}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os')", r"^unknown function '__import__'; known functions: Abs, "),
        (
            "__import__('os').system('true')",
            r"^Unsupported: the attribute \"__import__\('os'\).system\" \(at column 1\)$",
        ),
        ("x1.__class__", r"^Unsupported: the attribute 'x1.__class__'"),
        ("[x1 for x1 in ()]", r"^Unsupported: ListComp"),
        ("lambda: 0", r"^Unsupported: Lambda"),
        ("'text'", r"^Unsupported: the constant 'text'"),
        ("x1 +", r"^not an expression: 'x1 \+'"),
        ("sigmoid(x1, key=1)", r"^Unsupported: keyword arguments"),
    ],
)
def test_parse_refuses_anything_but_arithmetic(text, message):
    with pytest.raises(ValueError, match=message):
        parse(text)


def test_parse_with_a_symbol_table_refuses_other_names():
    x = sp.Symbol("x")
    assert parse("2*x", {"x": x}) == 2 * x
    with pytest.raises(ValueError, match=r"^unknown name 'y'; known names: "):
        parse("x + y", {"x": x})


def test_translate_python_math_and_numpy_spellings():
    x = sp.Symbol("x", real=True)
    node = ast.parse("np.maximum(0.5 * x, x) + math.exp(-x) + abs(x) + (x if x > 0 else -x) + np.pi", mode="eval")
    got = translate(node, {"x": x})
    want = sp.Max(sp.Float(0.5) * x, x) + sp.exp(-x) + sp.Abs(x) + sp.Piecewise((x, x > 0), (-x, True)) + sp.pi
    assert got == want


def test_huge_numeric_powers_are_refused_at_once():
    # SymPy would compute 9^(9^9) exactly (minutes); JSON read back from a crafted file must not hang
    from symnn import pyexpr

    with pytest.raises(ValueError, match=r"^parse: the exponent 387420489 is too large"):
        pyexpr.parse("9**9**9", {})

"""Network symbols: names, LaTeX, parsing of names, and the matrix symbols."""

import pytest
import sympy as sp

from symnn.model.notation import NetMatrix, NetSymbol, act, bias, check_convention, delta, input_symbol, target, weight


@pytest.mark.parametrize(
    ("symbol", "name", "latex"),
    [
        (weight(1, 2, 1), "w1_2_1", "w^{(1)}_{21}"),
        (weight(1, 1, 12), "w1_1_12", "w^{(1)}_{1,12}"),
        (bias(2, 3), "b2_3", "b^{(2)}_{3}"),
        (act(3, 1), "a3_1", "a^{(3)}_{1}"),
        (delta(2, 1), "delta2_1", r"\delta^{(2)}_{1}"),
        (input_symbol(4), "x4", "x_{4}"),
        (target(2), "t2", "t_{2}"),
    ],
)
def test_names_and_latex(symbol, name, latex):
    assert symbol.name == name
    assert sp.latex(symbol) == latex
    assert symbol.is_real


def test_latex_of_a_power_keeps_the_superscript_apart():
    assert sp.latex(weight(1, 2, 1) ** 2) == r"\left(w^{(1)}_{21}\right)^{2}"


def test_parts():
    w = weight(3, 2, 1)
    assert (w.kind, w.layer, w.index) == ("w", 3, (2, 1))
    assert (input_symbol(2).kind, input_symbol(2).layer, input_symbol(2).index) == ("x", None, (2,))


@pytest.mark.parametrize("name", ["w1_2", "q1", "x1_2", "__import__", "w0_1_1", "b1_x"])
def test_bad_names_are_refused(name):
    with pytest.raises(ValueError, match=r"^not a symnn network symbol name"):
        NetSymbol(name)


@pytest.mark.parametrize("args", [(0, 1, 1), (1, -1, 1), (1, 1, 2.5), (True, 1, 1)])
def test_bad_indices(args):
    with pytest.raises(ValueError, match=r"must be a positive integer \(indices are 1-based\)"):
        weight(*args)


def test_matrix_symbol_latex_and_rebuild():
    W = NetMatrix("W2", 2, 3)
    assert sp.latex(W) == "W^{(2)}"
    assert sp.latex(NetMatrix("delta1", 3, 1)) == r"\delta^{(1)}"
    assert W.func(*W.args) == W


def test_conventions():
    assert check_convention("row") == "row"
    with pytest.raises(ValueError, match=r"^unknown convention 'rows'; valid choices: column, row$"):
        check_convention("rows")

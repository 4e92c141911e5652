"""symnn.render.formula: SymPy's LaTeX in textbook order, and long right-hand sides broken into aligned lines."""

import re

import pytest
import sympy as sp

import symnn as sn
from symnn.model import notation
from symnn.render.formula import equation, equation_lines, latex, visible_width


def test_row_convention_keeps_seed_002_order():
    net = sn.MLP([2, 3, 2], convention="row")
    lhs, rhs = net.matrix_view.equations[0]
    assert f"{latex(lhs)} = {latex(rhs)}" == "Z^{(1)} = X W^{(1)} + B^{(1)}"
    # SymPy's default order would put B first
    assert sp.latex(rhs) == "B^{(1)} + X W^{(1)}"


def test_weighted_input_reads_w_x_then_b():
    net = sn.MLP([2, 3, 2])
    assert latex(net.z_local[0][0]) == r"w^{(1)}_{11} x_{1} + w^{(1)}_{12} x_{2} + b^{(1)}_{1}"


def test_short_equation_is_one_line():
    x = sp.Symbol("x")
    assert equation(sp.Symbol("y"), x**2 + 1) == "y = x^{2} + 1"


def test_long_sum_breaks_into_aligned_lines_of_bounded_width():
    net = sn.MLP([12, 1], output="identity")
    lines = equation_lines(net.preact(1, 1), net.z_local[0][0], width=40)
    assert len(lines) > 2
    assert lines[0].startswith("z^{(1)}_{1} &= ") and all(l.startswith(r"&\quad + ") for l in lines[1:])
    assert all(visible_width(l.replace(r"&\quad", "")) <= 40 for l in lines[1:])
    # nothing lost: the terms joined again are SymPy's one-line form
    joined = " ".join([lines[0].split("&= ")[1], *(l.replace(r"&\quad ", "") for l in lines[1:])])
    assert joined == latex(net.z_local[0][0])


def test_long_product_breaks_between_factors():
    xs = sp.symbols("x1:9")
    expr = sp.Mul(*(x + 1 for x in xs), evaluate=False)
    tex = equation(sp.Symbol("P"), expr, width=30)
    assert tex.startswith("\\begin{aligned}\nP &= ") and tex.count(r"\cdot") == 7
    assert tex.count(r"\\") == tex.count(r"&\quad")


@pytest.mark.parametrize(("tex", "width"), [("x", 1), (r"\sigma\left(z^{(1)}_{1}\right)", 6), ("a + b", 3)])
def test_visible_width(tex, width):
    assert visible_width(tex) == width


def test_subtraction_keeps_its_sign_at_a_break():
    a, b, c = sp.symbols("a b c")
    tex = equation(sp.Symbol("y"), a - b - c, width=2)
    assert re.findall(r"&\\quad (.)", tex) == ["-", "-"]


def test_textbook_order_of_factors_keeps_the_coefficient_and_what_was_held_unevaluated():
    x, u = sp.symbols("x u")
    w, a, d = notation.weight(2, 1, 2), notation.act(1, 2), notation.delta(2, 1)
    assert latex(-w * x) == r"- w^{(2)}_{12} x"
    assert latex(d * a * w) == r"w^{(2)}_{12} \delta^{(2)}_{1} a^{(1)}_{2}"
    assert latex(sn.sigmoid(x) * (1 - sn.sigmoid(x))) == r"\sigma\left(x\right) \left(1 - \sigma\left(x\right)\right)"
    assert latex(sp.Mul(2 * u, -1, evaluate=False)) == r"2 u \left(-1\right)"


def test_constant_reads_first_before_exponentials_and_products_before_lone_symbols():
    z, w, x, b = sp.symbols("z w x b")
    assert latex(sn.sigmoid(z).rewrite(sp.exp)) == r"\frac{1}{1 + e^{- z}}"
    assert latex(w * x + b) == "w x + b"

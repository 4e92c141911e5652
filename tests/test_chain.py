"""The chain rule on any expression: seed 003's worked examples, step by step."""

import pytest
import sympy as sp

import symnn as sn

x, y, u, v, a, b, p, q, C = sp.symbols("x y u v a b p q C")


def rhs_latex(d):
    return [sp.latex(s.rhs, order="none") for s in d.steps]


def test_one_variable_seed_003():
    # dy/dx = dy/du du/dx = 2u · (−1) = −2u = −2(2 − x) = −4 + 2x
    d = sn.chain_rule(u**2, x, via={u: 2 - x})
    assert list(d.results.values()) == [2 * x - 4]
    assert rhs_latex(d)[2:] == [
        r"\frac{d y}{d u} \frac{d u}{d x}",
        r"2 u \left(-1\right)",
        r"- 2 u",
        r"- 2 \left(2 - x\right)",
        r"-4 + 2 x",
    ]
    assert [s.rule for s in d.steps] == [
        "definition",
        "definition",
        "chain rule",
        "substitution",
        "simplification",
        "substitution",
        "simplification",
    ]
    assert d.check().ok


def test_two_variables_seed_003():
    # ∂C/∂x = ∂C/∂u ∂u/∂x + ∂C/∂v ∂v/∂x = 2u·a + 2v·p = 2a(ax + by) + 2p(px + qy)
    d = sn.chain_rule(sp.Eq(C, u**2 + v**2), x, via=[sp.Eq(u, a * x + b * y), sp.Eq(v, p * x + q * y)])
    ((lhs, result),) = d.results.items()
    assert sp.latex(lhs) == r"\frac{\partial C}{\partial x}"
    assert result == 2 * a * (a * x + b * y) + 2 * p * (p * x + q * y)
    assert sp.expand(result - sp.diff((a * x + b * y) ** 2 + (p * x + q * y) ** 2, x)) == 0
    assert rhs_latex(d)[3] == (
        r"\frac{\partial C}{\partial u} \frac{\partial u}{\partial x}"
        r" + \frac{\partial C}{\partial v} \frac{\partial v}{\partial x}"
    )


def test_sum_rule_seed_003():
    # dC/dy = d/dy (4 − 4y + y²) = d(4)/dy − d(4y)/dy + d(y²)/dy = 0 − 4 + 2y = −4 + 2y
    d = sn.chain_rule(sp.Eq(C, (2 - y) ** 2), y)
    assert list(d.results.values()) == [2 * y - 4]
    assert rhs_latex(d)[1:] == [
        r"\frac{d}{d y}\left(4 - 4 y + y^{2}\right)",
        r"\frac{d}{d y}\left(4\right) + \frac{d}{d y}\left(- 4 y\right) + \frac{d}{d y}\left(y^{2}\right)",
        r"0 - 4 + 2 y",
        r"-4 + 2 y",
    ]


def test_nested_sigmoid_matches_diff():
    z = sp.Symbol("z")
    d = sn.chain_rule(sn.sigmoid(z), x, via={z: 3 * x + 1})
    (result,) = d.results.values()
    assert sp.simplify(result - sp.diff(sn.sigmoid(3 * x + 1), x)) == 0
    assert d.check().ok


def test_bad_input():
    with pytest.raises(ValueError, match=r"do not occur in"):
        sn.chain_rule(u**2, x, via={v: x})
    with pytest.raises(TypeError, match=r"^via must map each intermediate symbol"):
        sn.chain_rule(u**2, x, via=[u])
    with pytest.raises(TypeError, match=r"^wrt must be a Symbol"):
        sn.chain_rule(u**2, x + 1, via={u: x})
    with pytest.raises(ValueError, match=r"cannot be both the variable and an intermediate variable"):
        sn.chain_rule(x**2, x, via={x: u})

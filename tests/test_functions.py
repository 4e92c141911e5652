"""Activations as SymPy functions: the checks of SymPy's own test_hyperbolic, for each of them."""

import math
import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from sympy.core.function import ArgumentIndexError

from symnn import identity, relu, sigmoid, softmax, softplus, step

x = sp.Symbol("x", real=True)
u = sp.Symbol("u")  # no assumptions

# name -> (function of x, its documented derivative, its definition in exp/Max/Piecewise)
DEFINITIONS = {
    "sigmoid": (sigmoid(x), sigmoid(x) * (1 - sigmoid(x)), 1 / (1 + sp.exp(-x))),
    "softplus": (softplus(x), sigmoid(x), sp.log(1 + sp.exp(x))),
    "relu": (relu(x), step(x, 0), sp.Max(0, x)),
    "step": (step(x), sp.DiracDelta(x), sp.Piecewise((1, x >= 0), (0, True))),
}


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        (sigmoid(0), sp.S.Half),
        (sigmoid(sp.oo), 1),
        (sigmoid(-sp.oo), 0),
        (softplus(0), sp.log(2)),
        (softplus(-sp.oo), 0),
        (relu(3), 3),
        (relu(sp.Rational(-5, 2)), 0),
        (relu(0), 0),
        (step(2), 1),
        (step(-1), 0),
        (step(0), 1),
        (step(0, 0), 0),
        (step(0, sp.S.Half), sp.S.Half),
        (identity(u), u),
        (softmax(1, u), 1),
    ],
)
def test_special_values(expr, value):
    assert expr == value


@pytest.mark.parametrize("f", [sigmoid, softplus, relu, step])
def test_stays_unevaluated_and_rebuilds(f):
    e = f(u)
    assert e.func is f
    assert e.func(*e.args) == e
    assert f(1).func is f or f is relu or f is step  # exact non-special numbers stay exact and unevaluated


@pytest.mark.parametrize("name", list(DEFINITIONS))
def test_diff_is_the_documented_closed_form(name):
    f, df, _ = DEFINITIONS[name]
    assert sp.diff(f, x) == df


@pytest.mark.parametrize("name", ["sigmoid", "softplus"])
def test_closed_form_derivative_equals_derivative_of_definition(name):
    _f, df, definition = DEFINITIONS[name]
    assert sp.simplify((df - sp.diff(definition, x)).rewrite(sp.exp)) == 0
    for v in (-3, -sp.Rational(1, 2), 0, 1, 4):
        lhs = df.subs(x, v).evalf(30)
        rhs = sp.diff(definition, x).subs(x, v).evalf(30)
        assert abs(lhs - rhs) < 1e-25


def test_relu_derivative_matches_definition_away_from_zero():
    for v in (-3, -sp.Rational(1, 7), sp.Rational(2, 3), 5):
        assert sp.diff(relu(x), x).subs(x, v) == sp.diff(sp.Max(0, x), x).subs(x, v)


def test_relu_grad_at_zero_is_a_setting_carried_into_diff():
    assert sp.diff(relu(x, 1), x).subs(x, 0) == 1
    assert sp.diff(relu(x), x).subs(x, 0) == 0
    assert sp.diff(relu(x, sp.S.Half), x) == step(x, sp.S.Half)


@pytest.mark.parametrize(
    ("expr", "target", "expected"),
    [
        (sigmoid(x), sp.exp, 1 / (1 + sp.exp(-x))),
        (sigmoid(x), sp.tanh, (1 + sp.tanh(x / 2)) / 2),
        (softplus(x), sp.exp, sp.log(1 + sp.exp(x))),
        (relu(x), sp.Max, sp.Max(0, x)),
        (relu(x), sp.Piecewise, sp.Piecewise((x, x > 0), (0, True))),
        (step(x), sp.Heaviside, sp.Heaviside(x, 1)),
        (softmax(2, x, u), sp.exp, sp.exp(u) / (sp.exp(x) + sp.exp(u))),
    ],
)
def test_rewrites(expr, target, expected):
    assert expr.rewrite(target) == expected


def test_step_piecewise_rewrite_takes_its_value_at_zero():
    pw = step(x, sp.S.Half).rewrite(sp.Piecewise)
    assert [pw.subs(x, v) for v in (-1, 0, 1)] == [0, sp.S.Half, 1]


def test_assumptions():
    assert sigmoid(x).is_positive and sigmoid(x).is_real
    assert sigmoid(u).is_positive is None
    assert softplus(x).is_positive
    assert relu(x).is_nonnegative
    assert step(x).is_nonnegative
    assert softmax(1, x, x + 1).is_positive


@pytest.mark.parametrize("f", [sigmoid, softplus, relu, step])
def test_fdiff_of_a_second_argument_raises(f):
    with pytest.raises(ArgumentIndexError):
        f(x).fdiff(2)


def test_softmax_partials():
    z1, z2, z3 = sp.symbols("z1:4", real=True)
    s = softmax.vector([z1, z2, z3])
    for k in range(3):
        for i, zi in enumerate((z1, z2, z3)):
            expected = s[k] * ((1 if i == k else 0) - s[i])
            assert sp.diff(s[k], zi) == expected
            assert sp.simplify((sp.diff(s[k].rewrite(sp.exp), zi) - expected).rewrite(sp.exp)) == 0


def test_softmax_bad_index():
    with pytest.raises(ValueError, match=r"^softmax: the component index must be an integer from 1 to 2"):
        softmax(3, x, u)


@pytest.mark.parametrize(
    ("expr", "latex"),
    [
        (sigmoid(x), r"\sigma\left(x\right)"),
        (sigmoid(x) ** 2, r"\sigma^{2}\left(x\right)"),
        (relu(x), r"\operatorname{ReLU}\left(x\right)"),
        (step(x), r"u\left(x\right)"),
        (softplus(x) ** 3, r"\operatorname{softplus}^{3}\left(x\right)"),
        (softmax(1, x, u), r"\operatorname{softmax}_{1}\left(x, u\right)"),
    ],
)
def test_latex(expr, latex):
    assert sp.latex(expr) == latex


@pytest.mark.parametrize("f", [sigmoid, softplus, relu, step])
def test_numpy_is_overflow_free_at_plus_minus_1000(f):
    g = sp.lambdify(x, f(x), "numpy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = g(np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0]))
    assert np.all(np.isfinite(values))


@pytest.mark.parametrize("f", [sigmoid, softplus, relu, step])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_keeps_dtype(f, dtype):
    g = sp.lambdify(x, f(x), "numpy")
    assert g(np.linspace(-3, 3, 7, dtype=dtype)).dtype == dtype


@given(st.floats(min_value=-30, max_value=30, allow_nan=False))
def test_lambdify_numpy_equals_evalf(v):
    for f in (sigmoid, softplus, relu):
        got = sp.lambdify(x, f(x), "numpy")(np.float64(v))
        want = float(f(sp.Float(v, 30)).evalf(30)) if f is not relu else max(0.0, v)
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("module", ["math", "mpmath"])
def test_lambdify_plain_python(module):
    for f, v, want in [
        (sigmoid, -2.0, 1 / (1 + math.exp(2))),
        (softplus, 1.5, math.log1p(math.exp(1.5))),
        (relu, -1.0, 0),
    ]:
        assert math.isclose(float(sp.lambdify(x, f(x), module)(v)), want, rel_tol=1e-12)


def test_softmax_numpy_is_stable_and_sums_to_one():
    z = sp.symbols("z1:4", real=True)
    g = sp.lambdify(z, list(softmax.vector(z)), "numpy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = np.array(g(np.array([1000.0, 2.0]), np.array([0.0, 1.5]), np.array([-1000.0, 0.0])))
    assert np.allclose(out.sum(axis=0), 1)
    assert np.allclose(out[:, 0], [1, 0, 0])


def test_seed_004_softmax_worked_numbers():
    # seed 004: e^2.0/(e^2.0 + e^1.5) ≈ 0.622, e^1.5/(...) ≈ 0.378
    s = softmax.vector([sp.Integer(2), sp.Rational(3, 2)])
    assert round(float(s[0].evalf()), 3) == 0.622
    assert round(float(s[1].evalf()), 3) == 0.378


def test_series_of_sigmoid():
    assert sp.series(sigmoid(x), x, 0, 4).removeO() == sp.S.Half + x / 4 - x**3 / 48


@pytest.mark.parametrize(
    ("arg", "match"), [("a", "number from 0 to 1"), (2, "number from 0 to 1"), (-1, "0, 1/2 or 1")]
)
def test_bad_value_at_zero(arg, match):
    with pytest.raises((ValueError, TypeError), match=match):
        step(x, arg)


@pytest.mark.parametrize("module", ["math", "mpmath"])
def test_python_printing_keeps_the_function_one_operand(module):
    # 1 - sigmoid(x) once printed as 1 - (1/2)*tanh(x/2) + 1/2 (= 1.5 at 0) in the math and mpmath printers
    x, y = sp.symbols("x y")
    assert float(sp.lambdify(x, 1 - sigmoid(x), modules=module)(0.0)) == 0.5
    assert float(sp.lambdify([x, y], 1 - softmax(1, x, y), modules=module)(0.0, 0.0)) == 0.5
    assert float(sp.lambdify(x, 2 * relu(x), modules=module)(1.5)) == 3.0

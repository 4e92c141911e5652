"""symnn.text.custom: a plain Python activation becomes a SymPy activation (derivable, printable, registered)."""

import math

import numpy as np
import pytest
import sympy as sp

import symnn as sn
from symnn.model.registry import ACTIVATION_CLASSES, ACTIVATIONS, register_activation
from symnn.text.custom import definition_of


def swish(x):
    """x σ(x), written with math."""
    s = 1 / (1 + math.exp(-x))
    return x * s


def leaky(z):
    return np.maximum(0.01 * z, z)


def bent(x):
    return x if x > 0 else x / 10


@pytest.fixture
def z():
    return sp.Symbol("z", real=True)


def test_swish_is_derivable_against_sympy_diff_of_its_definition(z):
    cls = sn.activation(swish)
    want = z / (1 + sp.exp(-z))
    assert sp.simplify(cls(z).rewrite(sp.exp) - want) == 0
    assert sp.simplify(sp.diff(cls(z), z) - sp.diff(want, z)) == 0
    # stays unevaluated on a symbol, evaluates on numbers
    assert cls(z).func is cls and cls(0) == 0
    assert math.isclose(float(cls(sp.Float(1.5)).evalf()), 1.5 / (1 + math.exp(-1.5)))


def test_user_activation_prints_and_lambdifies(z):
    cls = sn.activation(leaky, name="leaky")
    assert sp.latex(cls(z)) == r"\operatorname{leaky}\left(z\right)"
    assert sp.latex(cls(z) ** 2) == r"\operatorname{leaky}^{2}\left(z\right)"
    f = sp.lambdify(z, cls(z), modules="numpy")
    xs = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(f(xs), leaky(xs))
    # derivative: a Piecewise-free Max derivative; check numerically against finite differences
    df = sp.lambdify(z, sp.diff(cls(z), z), modules="numpy")
    h = 1e-6
    for x in (-2.0, 3.0):
        assert math.isclose(float(df(x)), (leaky(x + h) - leaky(x - h)) / (2 * h), rel_tol=1e-6)


def test_conditional_expression_becomes_piecewise(z):
    cls = sn.activation(bent)
    assert cls(z).rewrite(sp.exp) == sp.Piecewise((z, z > 0), (z / 10, True))
    assert cls(-5) == sp.Rational(-1, 2)


def test_registered_activation_builds_a_network():
    sn.activation(swish)
    net = sn.MLP([2, 2, 1], activation="swish", output="identity")
    assert net.a_exprs[0][0].func.__name__ == "swish"
    assert "swish" in ACTIVATIONS and ACTIVATION_CLASSES["swish"].python is swish
    assert sp.latex(net.matrix_view.forward).startswith(r"W^{(2)} \operatorname{swish}\left(")


def test_definition_of_refuses_statements_and_unknown_calls():
    def loops(x):
        for _ in range(3):
            x = x + 1
        return x

    def unknown(x):
        return os_system(x)  # noqa: F821

    with pytest.raises(ValueError, match=r"^Unsupported: line \d+ of loops: only `name = expression` lines"):
        definition_of(loops)
    with pytest.raises(ValueError, match=r"^unknown function 'os_system'; known functions: "):
        definition_of(unknown)
    with pytest.raises(ValueError, match=r"^Unsupported: '<lambda>' is not a def"):
        definition_of(lambda x: x)


def test_register_activation_checks_its_input():
    with pytest.raises(ValueError, match=r"^'sigmoid' is a built-in activation; choose another name$"):
        register_activation("sigmoid", sn.sigmoid)
    with pytest.raises(ValueError, match=r"^an activation name must be a Python identifier, got 'a b'$"):
        register_activation("a b", sn.sigmoid)
    with pytest.raises(TypeError, match=r"^function must be a sympy.Function subclass, got 1$"):
        register_activation("one", 1)
    sn.activation(swish)
    with pytest.raises(ValueError, match=r"^an activation 'swish' is already registered; pass replace=True"):
        register_activation("swish", sn.sigmoid)


def test_registering_updates_the_exported_choices():
    import sympy as sp

    import symnn as sn

    class cube(sn.ActivationFunction):
        @classmethod
        def eval(cls, z):
            return None

        def fdiff(self, argindex=1):
            return 3 * self.args[0] ** 2

    try:
        sn.register_activation("cube_for_test", cube)
        assert "cube_for_test" in sn.OUTPUT_ACTIVATIONS and sn.OUTPUT_ACTIVATIONS[-1] == "softmax"
        assert sn.MLP([1, 1], output="cube_for_test").outputs[0].func is cube
        assert sp.diff(sn.MLP([1, 1], output="cube_for_test").outputs[0], sn.MLP([1, 1]).bias(1, 1)) != 0
        sn.unregister_activation("cube_for_test")
        assert "cube_for_test" not in sn.OUTPUT_ACTIVATIONS and "cube_for_test" not in sn.ACTIVATIONS
    finally:
        if "cube_for_test" in sn.ACTIVATIONS:
            sn.unregister_activation("cube_for_test")

"""User values: numbers and SymPy objects pass; text is refused before anything could evaluate it."""

import numpy as np
import pytest
import sympy as sp

import symnn as sn
from symnn.model.values import as_expr

x, u = sp.symbols("x u")


def test_numbers_lists_and_arrays():
    assert as_expr(2, "w") == 2 and as_expr(sp.Rational(1, 3), "w") == sp.Rational(1, 3)
    assert as_expr(np.float64(0.5), "w") == sp.Float(0.5)
    assert as_expr([[1, 2], (3, x)], "W") == [[1, 2], [3, x]]
    assert as_expr(np.array([[1, 2]]), "W") == [[1, 2]]


@pytest.mark.parametrize(
    "call",
    [
        lambda s: sn.softmax.vector([s, 1]),
        lambda s: sn.MLP([2, 1]).forward([s, 1]),
        lambda s: sn.MLP([2, 1]).parameter_values({"b1": [s]}),
        lambda s: sn.MLP([2, 1]).forward([1, 1], {sn.MLP([2, 1]).bias(1, 1): s}),
        lambda s: sn.unit([s], [1]),
        lambda s: sn.unit([1], [1], bias=s),
        lambda s: sn.chain_rule(s, x),
        lambda s: sn.chain_rule(u**2, x, via={u: s}),
    ],
)
def test_text_is_refused_and_never_run(call, tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(
        TypeError, match=r"must be a number or a SymPy expression, not text .*; parse text with symnn\.parse$"
    ):
        call(f"__import__('os').system('touch {marker}') or 1")
    assert not marker.exists()


def test_other_objects_are_refused():
    with pytest.raises(TypeError, match=r"^an input must be a number or a SymPy expression, got object$"):
        sn.unit([1], [object()])

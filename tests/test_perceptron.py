"""Perceptrons: gates on their truth tables (seed 001, the textbook's chapter 2), threshold and bias."""

import pytest
import sympy as sp

import symnn as sn


@pytest.mark.parametrize(
    ("gate", "table"),
    [
        ("AND", {(0, 0): 0, (1, 0): 0, (0, 1): 0, (1, 1): 1}),
        ("NAND", {(0, 0): 1, (1, 0): 1, (0, 1): 1, (1, 1): 0}),
        ("OR", {(0, 0): 0, (1, 0): 1, (0, 1): 1, (1, 1): 1}),
    ],
)
def test_single_unit_gates(gate, table):
    assert sn.truth_table(sn.GATES[gate]) == table


def test_xor_needs_two_layers():
    assert sn.truth_table(sn.xor) == {(0, 0): 0, (1, 0): 1, (0, 1): 1, (1, 1): 0}


def test_threshold_is_minus_bias():
    w1, w2, x1, x2, theta = sp.symbols("w1 w2 x1 x2 theta", real=True)
    assert sn.unit([w1, w2], [x1, x2], threshold=theta) == sn.unit([w1, w2], [x1, x2], bias=-theta)


def test_firing_rule_at_the_threshold():
    # seed 003: fires when w·x >= θ (u(0) = 1); seed 001: only when w·x > θ
    assert sn.unit([1], [1], threshold=1) == 1
    assert sn.unit([1], [1], threshold=1, activation=lambda z: sn.step(z, 0)) == 0


def test_unit_bad_input():
    with pytest.raises(ValueError, match=r"^a unit needs one weight per input"):
        sn.unit([1, 2], [1])
    with pytest.raises(ValueError, match=r"^give a bias or a threshold, not both"):
        sn.unit([1], [1], bias=1, threshold=1)

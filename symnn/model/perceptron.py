"""Single units with a threshold or a bias, and the logic gates built from step-activated units.

A unit fires through its activation a: y = a(w·x − θ) = a(w·x + b) with b = −θ (seed 003).
The gates are the textbook's (ゼロから作る Deep Learning, ch. 2) with seed 001's firing rule
"1 when w·x > θ", i.e. the step with value 0 at 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import product
from typing import Any

import sympy as sp

from symnn.model.functions import step
from symnn.model.values import as_expr

__all__ = ["GATES", "truth_table", "unit", "xor"]


def unit(
    weights: Sequence[Any],
    inputs: Sequence[Any],
    *,
    bias: Any = None,
    threshold: Any = None,
    activation: Callable[[sp.Expr], sp.Expr] | None = None,
) -> sp.Expr:
    r"""One unit: :math:`a(\sum_k w_k x_k + b)`, or :math:`a(\sum_k w_k x_k - \theta)` given a threshold.

    Parameters
    ----------
    weights, inputs : sequences of the same length
        Numbers or expressions.
    bias, threshold : number or expression, optional
        Give one of them (b = −θ), or neither for a unit without a bias.
    activation : callable, optional
        Applied to the weighted input; default the step ``u`` with u(0) = 1 (seed 003: fires
        when the sum reaches θ). Pass ``lambda z: step(z, 0)`` for seed 001's "> θ".

    Examples
    --------
    >>> import sympy as sp
    >>> from symnn import unit, sigmoid
    >>> w1, w2, x1, x2, theta = sp.symbols("w1 w2 x1 x2 theta")
    >>> unit([w1, w2], [x1, x2], threshold=theta)
    step(-theta + w1*x1 + w2*x2, 1)
    >>> unit([w1, w2], [x1, x2], bias=-theta, activation=sigmoid)
    sigmoid(-theta + w1*x1 + w2*x2)
    """
    if len(weights) != len(inputs) or not weights:
        raise ValueError(
            f"a unit needs one weight per input (at least one): got {len(weights)} weights, {len(inputs)} inputs"
        )
    if bias is not None and threshold is not None:
        raise ValueError("give a bias or a threshold, not both (b = -theta)")
    z = sp.Add(*(as_expr(w, "a weight") * as_expr(x, "an input") for w, x in zip(weights, inputs, strict=True)))
    if bias is not None:
        z += as_expr(bias, "the bias")
    if threshold is not None:
        z -= as_expr(threshold, "the threshold")
    return (activation or step)(z)


def _fires_above(z: sp.Expr) -> sp.Expr:
    """Seed 001's step: 1 only when the weighted input is above the threshold."""
    return step(z, 0)


def _gate(w1: sp.Rational, w2: sp.Rational, theta: sp.Rational) -> Callable[[Any, Any], sp.Expr]:
    def gate(x1: Any, x2: Any) -> sp.Expr:
        return unit([w1, w2], [x1, x2], threshold=theta, activation=_fires_above)

    return gate


_R = sp.Rational
#: The textbook's single-unit gates: name -> f(x1, x2), weights (w1, w2) and threshold θ.
GATES: dict[str, Callable[[Any, Any], sp.Expr]] = {
    "AND": _gate(_R(1, 2), _R(1, 2), _R(7, 10)),
    "NAND": _gate(_R(-1, 2), _R(-1, 2), _R(-7, 10)),
    "OR": _gate(_R(1, 2), _R(1, 2), _R(1, 5)),
}


def xor(x1: Any, x2: Any) -> sp.Expr:
    """XOR as two layers of units: AND(NAND(x1, x2), OR(x1, x2)); no single unit can do it."""
    return GATES["AND"](GATES["NAND"](x1, x2), GATES["OR"](x1, x2))


def truth_table(gate: Callable[[Any, Any], sp.Expr]) -> dict[tuple[int, int], sp.Expr]:
    """The gate's exact outputs at (0, 0), (1, 0), (0, 1), (1, 1).

    Examples
    --------
    >>> from symnn import GATES, truth_table, xor
    >>> truth_table(GATES["AND"])
    {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 1}
    >>> truth_table(xor)
    {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 0}
    """
    return {(a, b): gate(sp.Integer(a), sp.Integer(b)) for a, b in product((0, 1), repeat=2)}

"""Loss functions for one sample: sum of squared errors, mean squared error, cross-entropy.

Scaling, exactly (n is the number of output units, for one sample):

- ``"sse"``: C = ½ Σ_k (t_k − y_k)²  (the ½ cancels the 2 of the derivative: ∂C/∂y_k = y_k − t_k)
- ``"mse"``: C = (1/n) Σ_k (t_k − y_k)²  (seed 004's L with the mean taken over the outputs)
- ``"cross-entropy"``: C = −Σ_k t_k log y_k  (seed 004; natural log)

Over a batch, compiled models take the mean of the per-sample loss (seed 004's 1/N Σ_n).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

__all__ = ["LOSSES", "cross_entropy", "loss_function", "mse", "sse"]


def _pairs(y: Sequence[sp.Expr], t: Sequence[sp.Expr]) -> list[tuple[sp.Expr, sp.Expr]]:
    if len(y) != len(t) or not y:
        raise ValueError(
            f"a loss needs as many targets as outputs (at least one): got {len(y)} outputs, {len(t)} targets"
        )
    return list(zip(y, t, strict=True))


def sse(y: Sequence[sp.Expr], t: Sequence[sp.Expr]) -> sp.Expr:
    r"""Sum of squared errors :math:`C = \frac{1}{2}\sum_k (t_k - y_k)^2`.

    Examples
    --------
    >>> import sympy as sp
    >>> y1, t1 = sp.symbols("y1 t1")
    >>> sse([y1], [t1])
    (t1 - y1)**2/2
    """
    return sp.Rational(1, 2) * sp.Add(*((tk - yk) ** 2 for yk, tk in _pairs(y, t)))


def mse(y: Sequence[sp.Expr], t: Sequence[sp.Expr]) -> sp.Expr:
    r"""Mean squared error over the outputs :math:`C = \frac{1}{n}\sum_k (t_k - y_k)^2`."""
    pairs = _pairs(y, t)
    return sp.Add(*((tk - yk) ** 2 for yk, tk in pairs)) / len(pairs)


def cross_entropy(y: Sequence[sp.Expr], t: Sequence[sp.Expr]) -> sp.Expr:
    r"""Cross-entropy :math:`C = -\sum_k t_k \log y_k` (natural log), for targets that sum to 1."""
    return -sp.Add(*(tk * sp.log(yk) for yk, tk in _pairs(y, t)))


#: name -> loss of (outputs, targets); the names the MLP and the CLI accept.
LOSSES: dict[str, Callable[[Sequence[sp.Expr], Sequence[sp.Expr]], sp.Expr]] = {
    "sse": sse,
    "mse": mse,
    "cross-entropy": cross_entropy,
}


def loss_function(name: str) -> Callable[[Sequence[sp.Expr], Sequence[sp.Expr]], sp.Expr]:
    """The loss called ``name``; ``ValueError`` naming the valid choices otherwise."""
    if not isinstance(name, str) or name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; valid choices: {', '.join(LOSSES)}")
    return LOSSES[name]

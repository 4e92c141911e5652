"""Loss functions for one sample: sum of squared errors, mean squared error, cross-entropy, binary cross-entropy.

Scaling, exactly (n is the number of output units, for one sample):

- ``"sse"``: C = ½ Σ_k (t_k − y_k)²  (the ½ cancels the 2 of the derivative: ∂C/∂y_k = y_k − t_k)
- ``"mse"``: C = (1/n) Σ_k (t_k − y_k)²  (seed 004's L with the mean taken over the outputs)
- ``"cross-entropy"``: C = −Σ_k t_k log y_k  (seed 004; natural log; for a softmax output)
- ``"binary-cross-entropy"``: C = −Σ_k [t_k log y_k + (1 − t_k) log(1 − y_k)]  (one yes/no question per
  output: for sigmoid outputs, where −Σ t log y alone is minimised by y → 1 whatever the targets)

Over a batch, compiled models take the mean of the per-sample loss (seed 004's 1/N Σ_n). Names may be
written with underscores (``"binary_cross_entropy"``), as Python users type them: :func:`loss_name` gives
the hyphenated name every table uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

__all__ = ["LOSSES", "binary_cross_entropy", "cross_entropy", "loss_function", "loss_name", "mse", "sse"]


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
    r"""Cross-entropy :math:`C = -\sum_k t_k \log y_k` (natural log; seed 004), for a softmax output.

    With softmax outputs :math:`\partial C/\partial z_j = y_j \sum_k t_k - t_j`, which is
    :math:`y_j - t_j` when the targets sum to 1 (one-hot or probabilities). On sigmoid outputs it has
    no :math:`(1 - t)` term and is minimised by :math:`y \to 1`: use :func:`binary_cross_entropy` there.

    Examples
    --------
    >>> import sympy as sp
    >>> y1, y2, t1, t2 = sp.symbols("y1 y2 t1 t2")
    >>> cross_entropy([y1, y2], [t1, t2])
    -t1*log(y1) - t2*log(y2)

    See Also
    --------
    binary_cross_entropy
    """
    return -sp.Add(*(tk * sp.log(yk) for yk, tk in _pairs(y, t)))


def binary_cross_entropy(y: Sequence[sp.Expr], t: Sequence[sp.Expr]) -> sp.Expr:
    r"""Binary cross-entropy :math:`C = -\sum_k \left[t_k \log y_k + (1 - t_k) \log(1 - y_k)\right]`.

    Each output is the probability of its own yes/no answer (a sigmoid output); targets are in [0, 1].
    With :math:`y_k = \sigma(z_k)`, :math:`\partial C/\partial z_k = y_k - t_k` for any targets, and
    compiled code evaluates the logs stably: :math:`\log\sigma(z) = -\operatorname{softplus}(-z)`,
    :math:`\log(1 - \sigma(z)) = -\operatorname{softplus}(z)`.

    Examples
    --------
    >>> import sympy as sp
    >>> y1, t1 = sp.symbols("y1 t1")
    >>> binary_cross_entropy([y1], [t1])
    -t1*log(y1) - (1 - t1)*log(1 - y1)

    See Also
    --------
    cross_entropy
    """
    return -sp.Add(*(tk * sp.log(yk) + (1 - tk) * sp.log(1 - yk) for yk, tk in _pairs(y, t)))


#: name -> loss of (outputs, targets); the names the MLP and the CLI accept (also with "_" for "-").
LOSSES: dict[str, Callable[[Sequence[sp.Expr], Sequence[sp.Expr]], sp.Expr]] = {
    "sse": sse,
    "mse": mse,
    "cross-entropy": cross_entropy,
    "binary-cross-entropy": binary_cross_entropy,
}
# loss_name maps "_" to "-": a table name with "_" could never be reached
assert all("_" not in name for name in LOSSES), "loss names are hyphenated"


def loss_name(name: str) -> str:
    """The hyphenated name of the loss ``name`` (``"cross_entropy"`` -> ``"cross-entropy"``).

    Raises ``ValueError`` naming the valid choices for a name that is no loss.

    Examples
    --------
    >>> loss_name("binary_cross_entropy")
    'binary-cross-entropy'
    """
    canonical = name.replace("_", "-") if isinstance(name, str) else None
    if canonical not in LOSSES:
        raise ValueError(
            f"unknown loss {name!r}; valid choices: {', '.join(LOSSES)} (or with underscores: {_python_names()})"
        )
    return canonical


def _python_names() -> str:
    return ", ".join(n.replace("-", "_") for n in LOSSES if "-" in n)


def loss_function(name: str) -> Callable[[Sequence[sp.Expr], Sequence[sp.Expr]], sp.Expr]:
    """The loss called ``name`` (hyphens or underscores); ``ValueError`` naming the valid choices otherwise."""
    return LOSSES[loss_name(name)]

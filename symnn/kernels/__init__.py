"""Array kernels that generated code calls, for the layers whose batch rule is not one NumPy expression.

A convolution's im2col, its inverse, pooling windows: each is a plain function of NumPy (or JAX) arrays and
integers, written once here and named in a layer's array operation (:mod:`symnn.model.arrays`), so that the
generated source stays readable (``symnn.kernels.conv.im2col(A, 1, 8, 8, 3, 3, 1, 1)``) and the kernel is
tested and benchmarked on its own. Every kernel works on NumPy arrays and, unchanged, on JAX arrays under
``jax.jit`` (:func:`xp` picks the module from the array).

This is the stage after ``base``: it imports nothing of symnn but :mod:`symnn.kernels` itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["xp"]


def xp(a: Any) -> Any:
    """``numpy`` for a NumPy array (or scalar), ``jax.numpy`` for a JAX array or tracer."""
    if isinstance(a, np.ndarray | np.generic | float | int):
        return np
    import jax.numpy as jnp

    return jnp

"""``compile`` (this module is ``compiler``: a module named ``compile`` would shadow the function
``symnn.compile`` whenever it is imported again, as pytest's doctest collection does): a network's
derived gradients as fast, numerically stable NumPy (or JAX) functions.

The code comes from the derivation: the one reverse sweep of :mod:`symnn.derive.sweep` gives the batch view of
every layer's rule (an MLP is compiled through its :attr:`~symnn.MLP.graph`), and
:mod:`symnn.codegen.network_code` prints it with SymPy's printers. Arrays are batch-first (N samples × features)
whatever the network's convention.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import sympy as sp

from symnn.codegen.element_code import element_functions
from symnn.codegen.model import BACKENDS, Model
from symnn.codegen.network_code import compile_network
from symnn.model.graph import Network
from symnn.model.network import MLP
from symnn.model.registry import ACTIVATIONS

__all__ = ["BACKENDS", "CROSS_ENTROPY_OUTPUTS", "VIEWS", "Model", "compile", "network_from_spec", "network_spec"]

log = logging.getLogger(__name__)

#: "matrix": the four matrix equations, batched (fast, any width); "element": every ∂C/∂θ as its own
#: expression, vectorized over the samples (small networks; a cross-check of the matrix route)
VIEWS: tuple[str, ...] = ("matrix", "element")
#: the outputs cross-entropy is compiled for: its log y and δ = ... / y need every y in (0, 1); an
#: identity, tanh or relu output can be ≤ 0 (log of it: NaN) and softplus underflows to 0 for z < −745
CROSS_ENTROPY_OUTPUTS: tuple[str, ...] = ("sigmoid", "softmax")


def network_spec(net: MLP) -> dict[str, Any]:
    """The arguments that rebuild ``net`` (JSON-ready): what checkpoints store."""
    return {
        "layers": list(net.sizes),
        "activation": list(net.activations[:-1]),
        "output": net.activations[-1],
        "loss": net.loss_name,
        "convention": net.convention,
        "relu_grad_at_zero": str(net.relu_grad_at_zero),
        "step_at_zero": str(net.step_at_zero),
    }


def network_from_spec(spec: Mapping[str, Any]) -> MLP:
    """The :class:`MLP` a :func:`network_spec` describes."""
    try:
        return MLP(
            [int(n) for n in spec["layers"]],
            activation=list(spec["activation"]),
            output=spec["output"],
            loss=spec["loss"],
            convention=spec["convention"],
            relu_grad_at_zero=sp.Rational(spec.get("relu_grad_at_zero", "0")),
            step_at_zero=sp.Rational(spec.get("step_at_zero", "1")),
        )
    except (KeyError, TypeError) as e:
        raise ValueError(f"not a network spec: {e!r} missing or malformed in {dict(spec)}") from e


def compile(
    net: MLP | Network, backend: str = "numpy", view: str = "matrix", constants: Mapping[str, float] | None = None
) -> Model:
    """Generate, from the derivation, the code that evaluates ``net`` and its gradients on batches.

    Parameters
    ----------
    net : MLP or Network
    backend : {"numpy", "jax"}
        ``jax`` prints the same code against ``jax.numpy`` and ``jax.jit``-compiles it (optional extra
        ``symnn[jax]``; float64 there needs ``jax.config.update("jax_enable_x64", True)``).
    view : {"matrix", "element"}
        ``matrix`` (default): the batch view of the network's reverse sweep (for an MLP, its
        :attr:`~symnn.MLP.graph`): a few matrix products per layer. ``element`` (MLP only): every ∂C/∂θ as its
        own expression through ``lambdify(cse=True)``, vectorized over the samples — for small networks and
        cross-checks.
    constants : dict, optional
        A Network's constants by name: the keep probability of each dropout, weight decay's λ.

    Returns
    -------
    Model

    Examples
    --------
    >>> import numpy as np, symnn as sn
    >>> model = sn.compile(sn.MLP([2, 3, 2], output="softmax", loss="cross-entropy"))
    >>> params = model.init(seed=0)
    >>> X, T = np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])
    >>> model.forward(params, X).shape
    (1, 2)
    >>> bool(sn.gradcheck(model, params, X, T))
    True
    """
    if not isinstance(net, MLP | Network):
        raise TypeError(f"compile takes an MLP or a Network, got {type(net).__name__}")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; valid choices: {', '.join(BACKENDS)}")
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; valid choices: {', '.join(VIEWS)}")
    if isinstance(net, Network):
        if view != "matrix":
            raise ValueError("a Network compiles its batch view: view='matrix'")
        model = compile_network(net, backend, constants)
    else:
        if constants:
            raise ValueError("constants= is for a Network's dropout and weight decay; an MLP has none")
        _check_trainable(net)
        if view == "matrix":
            model = compile_network(net.graph, backend, network=net)
        else:
            start = time.perf_counter()
            source, functions = element_functions(net, backend)
            if backend == "jax":
                import jax

                functions = {k: jax.jit(f) for k, f in functions.items()}
            model = Model(net, net.graph, backend, view, source, functions, time.perf_counter() - start)
    log.info("compiled %r (%s, %s view) in %.3f s", net, backend, view, model.compile_seconds)
    return model


def _check_trainable(net: MLP) -> None:
    """Refuse what the numeric code cannot train (the symbolic derivation, ``backprop``, takes any net)."""
    if "step" in net.activations:
        where = "the output" if net.activations[-1] == "step" else "a hidden layer"
        trainable = [a for a in ACTIVATIONS if a != "step"]
        raise ValueError(
            f"cannot compile {net!r}: {where} uses the step function, whose derivative is 0 almost everywhere "
            f"(DiracDelta at 0), so gradient descent cannot train it; trainable activations: {', '.join(trainable)}"
        )
    if net.loss_name == "cross-entropy" and net.activations[-1] not in CROSS_ENTROPY_OUTPUTS:
        raise ValueError(
            f"cannot compile {net!r}: cross-entropy takes log y of outputs that are probabilities, and "
            f"{net.activations[-1]!r} outputs are not in (0, 1) (the loss would be NaN); "
            f"valid outputs for cross-entropy: {', '.join(CROSS_ENTROPY_OUTPUTS)}"
        )

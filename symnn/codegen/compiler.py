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
from symnn.codegen.network_code import check_layers_trainable, compile_network
from symnn.model.graph import Network
from symnn.model.network import MLP
from symnn.model.registry import ACTIVATIONS

__all__ = [
    "CROSS_ENTROPY_OUTPUTS",
    "LOSS_OUTPUTS",
    "VIEWS",
    "check_trainable",
    "compile",
    "network_from_spec",
    "network_spec",
]

log = logging.getLogger(__name__)

#: "matrix": the four matrix equations, batched (fast, any width); "element": every ∂C/∂θ as its own
#: expression, vectorized over the samples (small networks; a cross-check of the matrix route)
VIEWS: tuple[str, ...] = ("matrix", "element")
#: loss -> the outputs it is compiled for. Both logs need every y in (0, 1): an identity, tanh or relu
#: output can be ≤ 0 (log of it: NaN) and softplus underflows to 0 for z < −745. Cross-entropy −Σ t log y
#: takes softmax outputs, whose sum is 1: on sigmoid outputs it has no (1 − t) term and is minimised by
#: y → 1 whatever the targets (it trains to chance while the loss goes to 0). Binary cross-entropy takes
#: sigmoid outputs, whose logs are stable as −softplus (on softmax outputs log(1 − y) has no stable form here).
LOSS_OUTPUTS: dict[str, tuple[str, ...]] = {"cross-entropy": ("softmax",), "binary-cross-entropy": ("sigmoid",)}
#: the outputs cross-entropy is compiled for (see :data:`LOSS_OUTPUTS`)
CROSS_ENTROPY_OUTPUTS: tuple[str, ...] = LOSS_OUTPUTS["cross-entropy"]


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
        check_trainable(net)
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


def check_trainable(net: MLP | Network) -> None:
    """Refuse (``ValueError``) what the numeric code cannot train; :func:`compile` and ``symnn.train`` call it.

    The symbolic derivation, ``symnn.backprop``, takes any network (the step, cross-entropy on sigmoid
    outputs): for teaching.
    """
    if isinstance(net, Network):
        check_layers_trainable(net)
        return
    if "step" in net.activations:
        where = "the output" if net.activations[-1] == "step" else "a hidden layer"
        trainable = [a for a in ACTIVATIONS if a != "step"]
        raise ValueError(
            f"cannot compile {net!r}: {where} uses the step function, whose derivative is 0 almost everywhere "
            f"(DiracDelta at 0), so gradient descent cannot train it; trainable activations: {', '.join(trainable)}"
        )
    loss, output = net.loss_name, net.activations[-1]
    if loss == "cross-entropy" and output == "sigmoid":
        raise ValueError(
            f"cannot compile {net!r}: cross-entropy −Σ t log y on sigmoid outputs has no (1 − t) term, so it is "
            "minimised by y → 1 whatever the targets; use loss='binary-cross-entropy' for sigmoid outputs "
            "(or output='softmax' with cross-entropy)"
        )
    if loss == "binary-cross-entropy" and output == "softmax":
        raise ValueError(
            f"cannot compile {net!r}: binary cross-entropy takes each output as the probability of its own yes/no "
            "answer, and softmax outputs share one distribution (log(1 − y) has no stable form here); use "
            "loss='cross-entropy' with softmax outputs, or output='sigmoid' with binary-cross-entropy"
        )
    if loss in LOSS_OUTPUTS and output not in LOSS_OUTPUTS[loss]:
        raise ValueError(
            f"cannot compile {net!r}: {loss} takes log y of outputs that are probabilities, and "
            f"{output!r} outputs are not in (0, 1) (the loss would be NaN); "
            f"valid outputs for {loss}: {', '.join(LOSS_OUTPUTS[loss])}"
        )

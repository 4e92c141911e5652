"""The one registry of activations: name -> the SymPy expression of f(z), built-in and users' own.

Every stage reads activations from here (the layers, the MLP, code generation, the text readers); a user's activation
joins with :func:`register_activation` and leaves with :func:`unregister_activation`, so tests need not depend on order.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from symnn.codenames import check_code_name
from symnn.model.functions import relu, sigmoid, softplus, step

__all__ = ["ACTIVATIONS", "ACTIVATION_CLASSES", "OUTPUT_ACTIVATIONS", "register_activation", "unregister_activation"]

#: name -> elementwise activation of one expression; relu and step get the network's
#: choice of value at 0 (see :class:`MLP`).
ACTIVATIONS: dict[str, Callable[..., sp.Expr]] = {
    "sigmoid": lambda z, net: sigmoid(z),
    "relu": lambda z, net: relu(z, net.relu_grad_at_zero),
    "tanh": lambda z, net: sp.tanh(z),
    "softplus": lambda z, net: softplus(z),
    "step": lambda z, net: step(z, net.step_at_zero),
    "identity": lambda z, net: z,
}
#: softmax is a function of the whole layer, so it is allowed only on the output layer.
OUTPUT_ACTIVATIONS: list[str] = [*ACTIVATIONS, "softmax"]  # updated in place by register_activation
#: name -> SymPy function class of each activation added by :func:`register_activation` (user activations).
ACTIVATION_CLASSES: dict[str, type[sp.Function]] = {}


def register_activation(name: str, function: type[sp.Function], *, replace: bool = False) -> None:
    """Make ``function`` (a one-argument SymPy function class) the activation called ``name``.

    Afterwards ``MLP(..., activation=name)`` and ``output=name`` accept it. :func:`symnn.activation` builds such
    a class from a plain Python function and registers it.

    Parameters
    ----------
    name : str
        A Python identifier, not one of the built-in activations (nor ``softmax``), not a keyword and not
        starting with ``__`` (:func:`symnn.codenames.is_code_name`).
    function : type
        A subclass of ``sympy.Function`` taking one argument (usually an :class:`~symnn.ActivationFunction`),
        whose ``__name__`` is such a name too: SymPy's printers write it into generated code.
    replace : bool
        Allow replacing an activation registered earlier under the same name.

    Raises
    ------
    ValueError
        A name or class name that is not a plain identifier, a built-in name, or a name already registered
        (without ``replace``); each error names it.
    TypeError
        ``function`` is not a ``sympy.Function`` subclass.
    """
    if not (isinstance(name, str) and name.isidentifier()):
        raise ValueError(f"an activation name must be a Python identifier, got {name!r:.80}")
    check_code_name(name, "the activation name")  # not a keyword, no dunder: it is printed into code
    if name == "softmax" or (name in ACTIVATIONS and name not in ACTIVATION_CLASSES):
        raise ValueError(f"{name!r} is a built-in activation; choose another name")
    if name in ACTIVATION_CLASSES and not replace:
        raise ValueError(f"an activation {name!r} is already registered; pass replace=True to replace it")
    if not (isinstance(function, type) and issubclass(function, sp.Function)):
        raise TypeError(f"function must be a sympy.Function subclass, got {function!r:.80}")
    # the class's own name is what SymPy's printers write for it (compiled code, str, JSON): checked here, at once
    check_code_name(function.__name__, f"the activation {name!r}: the function class's __name__")
    ACTIVATION_CLASSES[name] = function
    ACTIVATIONS[name] = lambda z, net: function(z)
    if name not in OUTPUT_ACTIVATIONS:  # in place, so every module that imported the list sees it; softmax last
        OUTPUT_ACTIVATIONS.insert(len(OUTPUT_ACTIVATIONS) - 1, name)
    _check()


def unregister_activation(name: str) -> None:
    """Remove the user activation ``name`` added by :func:`register_activation` (built-in ones stay).

    Examples
    --------
    >>> import symnn as sn
    >>> sn.unregister_activation("sigmoid")
    Traceback (most recent call last):
    ...
    ValueError: 'sigmoid' is a built-in activation, not one registered by register_activation
    """
    if name not in ACTIVATION_CLASSES:
        if name in ACTIVATIONS or name == "softmax":
            raise ValueError(f"{name!r} is a built-in activation, not one registered by register_activation")
        raise ValueError(f"no activation {name!r} is registered; registered: {', '.join(ACTIVATION_CLASSES) or 'none'}")
    del ACTIVATION_CLASSES[name], ACTIVATIONS[name]
    OUTPUT_ACTIVATIONS.remove(name)
    _check()


def _check() -> None:
    """The registry's invariants: identifier names, callables, softmax last among the outputs."""
    bad = [n for n in ACTIVATIONS if not (n.isidentifier() and callable(ACTIVATIONS[n]))]
    if bad or OUTPUT_ACTIVATIONS != [*ACTIVATIONS, "softmax"] or not set(ACTIVATION_CLASSES) <= set(ACTIVATIONS):
        raise RuntimeError(f"symnn's activation registry is inconsistent: {bad or OUTPUT_ACTIVATIONS}")


_check()

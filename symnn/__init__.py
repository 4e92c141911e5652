"""symnn: the mathematics of neural networks, symbolically, in SymPy — then compiled to run."""

from importlib.metadata import PackageNotFoundError, version

from symnn.custom import activation
from symnn.functions import ActivationFunction, identity, relu, sigmoid, softmax, softplus, step
from symnn.losses import LOSSES, cross_entropy, mse, sse
from symnn.network import ACTIVATIONS, MLP, OUTPUT_ACTIVATIONS, register_activation
from symnn.notation import CONVENTIONS
from symnn.perceptron import GATES, truth_table, unit, xor

try:
    __version__ = version("symnn")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = [
    "ACTIVATIONS",
    "CONVENTIONS",
    "GATES",
    "LOSSES",
    "MLP",
    "OUTPUT_ACTIVATIONS",
    "ActivationFunction",
    "__version__",
    "activation",
    "cross_entropy",
    "identity",
    "mse",
    "register_activation",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "sse",
    "step",
    "truth_table",
    "unit",
    "xor",
]

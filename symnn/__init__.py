"""symnn: the mathematics of neural networks, symbolically, in SymPy — then compiled to run."""

from importlib.metadata import PackageNotFoundError, version

from symnn.backprop import NetworkDerivation, backprop
from symnn.catalogue import identities
from symnn.chain import chain_rule
from symnn.custom import activation
from symnn.derivation import LOSS_SYMBOL, RULES, CheckResult, Derivation, Partial, Step, TotalDerivative
from symnn.functions import ActivationFunction, identity, relu, sigmoid, softmax, softplus, step
from symnn.losses import LOSSES, cross_entropy, mse, sse
from symnn.network import ACTIVATIONS, MLP, OUTPUT_ACTIVATIONS, register_activation
from symnn.notation import CONVENTIONS
from symnn.parsing import parse, parse_latex
from symnn.perceptron import GATES, truth_table, unit, xor
from symnn.verification import Verdict, assert_identity, verify

try:
    __version__ = version("symnn")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = [
    "ACTIVATIONS",
    "CONVENTIONS",
    "GATES",
    "LOSSES",
    "LOSS_SYMBOL",
    "MLP",
    "OUTPUT_ACTIVATIONS",
    "RULES",
    "ActivationFunction",
    "CheckResult",
    "Derivation",
    "NetworkDerivation",
    "Partial",
    "Step",
    "TotalDerivative",
    "Verdict",
    "__version__",
    "activation",
    "assert_identity",
    "backprop",
    "chain_rule",
    "cross_entropy",
    "identities",
    "identity",
    "mse",
    "parse",
    "parse_latex",
    "register_activation",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "sse",
    "step",
    "truth_table",
    "unit",
    "verify",
    "xor",
]

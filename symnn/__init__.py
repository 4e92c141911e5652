"""symnn: the mathematics of neural networks, symbolically, in SymPy — then compiled to run."""

from importlib.metadata import PackageNotFoundError, version

from symnn.backprop import NetworkDerivation, backprop
from symnn.catalogue import identities
from symnn.chain import chain_rule
from symnn.compiler import Model, compile
from symnn.custom import activation
from symnn.datasets import DATASETS, Dataset, digits4x3, load_data_file, load_dataset, logic_gate, sklearn_digits
from symnn.derivation import LOSS_SYMBOL, RULES, CheckResult, Derivation, Partial, Step, TotalDerivative
from symnn.functions import ActivationFunction, identity, relu, sigmoid, softmax, softplus, step
from symnn.gradcheck import gradcheck
from symnn.latex_input import parse_latex
from symnn.losses import LOSSES, cross_entropy, mse, sse
from symnn.network import ACTIVATIONS, MLP, OUTPUT_ACTIVATIONS, register_activation
from symnn.notation import CONVENTIONS
from symnn.parsing import parse
from symnn.perceptron import GATES, truth_table, unit, xor
from symnn.train import OPTIMIZERS, History, TrainingDiverged, TrainingInterrupted, load_checkpoint, train
from symnn.verification import Verdict, assert_identity, verify

try:
    __version__ = version("symnn")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = [
    "ACTIVATIONS",
    "CONVENTIONS",
    "DATASETS",
    "GATES",
    "LOSSES",
    "LOSS_SYMBOL",
    "MLP",
    "OPTIMIZERS",
    "OUTPUT_ACTIVATIONS",
    "RULES",
    "ActivationFunction",
    "CheckResult",
    "Dataset",
    "Derivation",
    "History",
    "Model",
    "NetworkDerivation",
    "Partial",
    "Step",
    "TotalDerivative",
    "TrainingDiverged",
    "TrainingInterrupted",
    "Verdict",
    "__version__",
    "activation",
    "assert_identity",
    "backprop",
    "chain_rule",
    "compile",
    "cross_entropy",
    "digits4x3",
    "gradcheck",
    "identities",
    "identity",
    "load_checkpoint",
    "load_data_file",
    "load_dataset",
    "logic_gate",
    "mse",
    "parse",
    "parse_latex",
    "register_activation",
    "relu",
    "sigmoid",
    "sklearn_digits",
    "softmax",
    "softplus",
    "sse",
    "step",
    "train",
    "truth_table",
    "unit",
    "verify",
    "xor",
]

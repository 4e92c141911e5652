"""symnn: the mathematics of neural networks, symbolically, in SymPy — then compiled to run."""

from symnn.check.catalogue import identities
from symnn.check.verification import Verdict, assert_identity, verify
from symnn.codegen.backward_check import BackwardCheck, assert_backward, check_backward
from symnn.codegen.compiler import compile
from symnn.codegen.gradcheck import gradcheck
from symnn.codegen.model import Model
from symnn.derive.backprop import NetworkDerivation, backprop
from symnn.derive.chain import chain_rule
from symnn.derive.derivation import LOSS_SYMBOL, RULES, CheckResult, Derivation, Partial, Step, TotalDerivative
from symnn.model import (
    RNN,
    Activation,
    Attention,
    AvgPool,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Elementwise,
    Flatten,
    Layer,
    LayerNorm,
    MaxPool,
    Network,
    Residual,
    Softmax,
    load_spec,
    network_from_spec,
    spec_of,
)
from symnn.model.functions import ActivationFunction, identity, relu, sigmoid, softplus, step
from symnn.model.losses import LOSSES, binary_cross_entropy, cross_entropy, mse, sse
from symnn.model.network import MLP
from symnn.model.notation import CONVENTIONS
from symnn.model.perceptron import GATES, truth_table, unit, xor
from symnn.model.registry import ACTIVATIONS, OUTPUT_ACTIVATIONS, register_activation, unregister_activation
from symnn.model.softmax import softmax
from symnn.render import display as _display  # noqa: F401  (registers how derivations and networks show themselves)
from symnn.text.custom import activation
from symnn.text.latex_input import parse_latex
from symnn.text.parsing import parse
from symnn.training.data_files import load_data_file
from symnn.training.datasets import DATASETS, Dataset, digits4x3, load_dataset, logic_gate, sklearn_digits
from symnn.training.optimizers import OPTIMIZERS
from symnn.training.train import (
    History,
    TrainingDiverged,
    TrainingInterrupted,
    load_checkpoint,
    train,
)
from symnn.version import __version__

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
    "RNN",
    "RULES",
    "Activation",
    "ActivationFunction",
    "Attention",
    "AvgPool",
    "BackwardCheck",
    "BatchNorm",
    "CheckResult",
    "Conv2D",
    "Dataset",
    "Dense",
    "Derivation",
    "Dropout",
    "Elementwise",
    "Flatten",
    "History",
    "Layer",
    "LayerNorm",
    "MaxPool",
    "Model",
    "Network",
    "NetworkDerivation",
    "Partial",
    "Residual",
    "Softmax",
    "Step",
    "TotalDerivative",
    "TrainingDiverged",
    "TrainingInterrupted",
    "Verdict",
    "__version__",
    "activation",
    "assert_backward",
    "assert_identity",
    "backprop",
    "binary_cross_entropy",
    "chain_rule",
    "check_backward",
    "compile",
    "cross_entropy",
    "digits4x3",
    "gradcheck",
    "identities",
    "identity",
    "load_checkpoint",
    "load_data_file",
    "load_dataset",
    "load_spec",
    "logic_gate",
    "mse",
    "network_from_spec",
    "parse",
    "parse_latex",
    "register_activation",
    "relu",
    "sigmoid",
    "sklearn_digits",
    "softmax",
    "softplus",
    "spec_of",
    "sse",
    "step",
    "train",
    "truth_table",
    "unit",
    "unregister_activation",
    "verify",
    "xor",
]

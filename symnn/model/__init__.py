"""The model stage: notation, activation functions, layers, losses and networks as SymPy expressions."""

from symnn.model.graph import Network, Node
from symnn.model.layers import (
    Activation,
    BatchNorm,
    Dense,
    Dropout,
    Elementwise,
    Layer,
    LayerNorm,
    Param,
    Residual,
    Softmax,
)

__all__ = [
    "Activation",
    "BatchNorm",
    "Dense",
    "Dropout",
    "Elementwise",
    "Layer",
    "LayerNorm",
    "Network",
    "Node",
    "Param",
    "Residual",
    "Softmax",
]

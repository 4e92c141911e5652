"""The model stage: notation, activation functions, layers, losses and networks as SymPy expressions."""

from symnn.model.graph import Network, Node
from symnn.model.layers import Activation, Dense, Elementwise, Layer, Param, Softmax
from symnn.model.normalization import BatchNorm, LayerNorm
from symnn.model.wiring import Dropout, Residual

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

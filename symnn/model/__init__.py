"""The model stage: notation, activation functions, layers, losses and networks as SymPy expressions."""

from symnn.model.attention import Attention
from symnn.model.conv import AvgPool, Conv2D, MaxPool
from symnn.model.graph import Network
from symnn.model.layers import Activation, Dense, Elementwise, Layer, Node, Param, Softmax
from symnn.model.normalization import BatchNorm, LayerNorm
from symnn.model.recurrent import RNN
from symnn.model.spec import load_spec, network_from_spec, spec_of
from symnn.model.spec_toml import spec_to_toml
from symnn.model.wiring import Dropout, Flatten, Residual

__all__ = [
    "RNN",
    "Activation",
    "Attention",
    "AvgPool",
    "BatchNorm",
    "Conv2D",
    "Dense",
    "Dropout",
    "Elementwise",
    "Flatten",
    "Layer",
    "LayerNorm",
    "MaxPool",
    "Network",
    "Node",
    "Param",
    "Residual",
    "Softmax",
    "load_spec",
    "network_from_spec",
    "spec_of",
    "spec_to_toml",
]

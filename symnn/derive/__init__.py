"""The derive stage: one reverse sweep over a network's layers, and the derivations it gives."""

from symnn.derive.sweep import ArraySweep, GraphDerivation, array_sweep, derive_network

__all__ = ["ArraySweep", "GraphDerivation", "array_sweep", "derive_network"]

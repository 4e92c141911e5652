"""Compiling a :class:`~symnn.Network`: the batch view of its one reverse sweep, printed as NumPy or JAX code."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.codeprinter import PrintMethodNotImplementedError

from symnn import codegen, compiler
from symnn.compiler import BACKENDS, Model, compile_source
from symnn.derive.sweep import array_sweep
from symnn.model.graph import Network
from symnn.model.layers import Activation, Softmax
from symnn.network import MLP

__all__ = ["NetworkModel", "compile", "compile_network"]


class NetworkModel(Model):
    """A compiled :class:`~symnn.Network`; the same interface as :class:`~symnn.Model` for an MLP.

    ``forward``, ``loss``, ``grad`` and ``value_and_grad`` take dropout masks as ``masks={"M3": array}``
    (N × width, entries 0 or 1); without them each mask is its keep probability p, which makes inverted dropout
    the identity (evaluation mode).
    """

    def __init__(self, network: Network, backend, source, functions, seconds, constants) -> None:
        self.network = network
        self.backend = backend
        self.view = "matrix"
        self.source = source
        self._f = functions
        self.compile_seconds = seconds
        self.constants = constants
        self.param_shapes = {p.name: p.shape for p in network.param_arrays}
        self.param_names = tuple(self.param_shapes)
        self.mask_names = network.mask_names
        self._keep = {m: float(constants[n.layer.keep]) for n in network.nodes for m in n.layer.masks(n)}
        self.n_in, self.n_out = network.input_node.width, network.output_node.width

    def __repr__(self) -> str:
        return f"NetworkModel({self.network!r}, backend={self.backend!r})"

    def init(self, seed: int = 0, dtype: Any = None) -> dict[str, Any]:
        """Random weights (normal, variance gain/n_in), zero biases and shifts, unit scales."""
        if dtype is None:
            dtype = np.float32 if self.backend == "jax" and not _x64() else np.float64
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        rng = np.random.default_rng(seed)
        params = {}
        for node in self.network.nodes:
            for p in node.params:
                if p.init == "normal":
                    n_in = node.inputs[0].width
                    value = rng.normal(0.0, np.sqrt(p.gain / n_in), size=p.shape)
                elif p.init == "fill":
                    value = np.full(p.shape, node.layer.init)
                else:
                    value = (np.ones if p.init == "ones" else np.zeros)(p.shape)
                params[p.name] = np.asarray(value, dtype=dtype)
        return self._to_backend(params)

    def _checked(self, params, X, T=None):
        dtype = self.check_params(params)
        X = self._check_array(X, "X", self.n_in, dtype, None)
        if T is not None:
            T = self._check_array(T, "T", self.n_out, dtype, X.shape[0])
        return X, T

    def _masks(self, masks: Mapping[str, Any] | None, X) -> list[Any]:
        masks = dict(masks or {})
        unknown = [k for k in masks if k not in self.mask_names]
        if unknown:
            raise ValueError(f"unknown masks {unknown}; this network's masks: {', '.join(self.mask_names) or 'none'}")
        out = []
        for name in self.mask_names:
            m = masks.get(name)
            width = self._width_of(name)
            if m is None:
                m = np.full((X.shape[0], width), self._keep[name], dtype=X.dtype)
            elif tuple(np.shape(m)) != (X.shape[0], width):
                raise ValueError(f"mask {name} must have shape {(X.shape[0], width)}, got {tuple(np.shape(m))}")
            out.append(m)
        return out

    def _width_of(self, mask: str) -> int:
        return next(n.width for n in self.network.nodes if mask in n.layer.masks(n))

    def forward(self, params, X, masks=None):
        """The outputs ``(N, n_out)`` for inputs ``X`` ``(N, n_in)``."""
        X, _ = self._checked(params, X)
        return self._f["forward"](*self._args(params), X, *self._masks(masks, X))

    def loss(self, params, X, T, masks=None):
        """The mean over the batch of the per-sample loss C (plus weight decay)."""
        X, T = self._checked(params, X, T)
        return self._f["loss"](*self._args(params), X, T, *self._masks(masks, X))

    def value_and_grad(self, params, X, T, masks=None):
        """The loss and its gradient (a dict shaped like ``params``), from one shared forward pass."""
        X, T = self._checked(params, X, T)
        return self._value_and_grad(params, X, T, masks)

    def _value_and_grad(self, params, X, T, masks=None):
        loss, *grads = self._f["value_and_grad"](*self._args(params), X, T, *self._masks(masks, X))
        return loss, dict(zip(self.param_names, grads, strict=True))

    def grad(self, params, X, T, masks=None):
        """The gradient of :meth:`loss` with respect to every parameter array."""
        return self.value_and_grad(params, X, T, masks)[1]

    def draw_masks(self, rng: np.random.Generator, n: int, dtype) -> dict[str, np.ndarray]:
        """Dropout masks for a training step: each entry 1 with its layer's keep probability."""
        return {m: (rng.random((n, self._width_of(m))) < self._keep[m]).astype(dtype) for m in self.mask_names}


def _x64() -> bool:
    import jax

    return bool(jax.config.read("jax_enable_x64"))


def check_trainable(net: Network) -> None:
    """Refuse what gradient descent cannot train or the compiled loss cannot compute."""
    if not net.param_arrays:
        raise ValueError(f"cannot compile {net!r}: it has no parameters, so there is nothing to train")
    for node in net.nodes:
        if isinstance(node.layer, Activation) and node.layer.name == "step":
            raise ValueError(
                f"cannot compile {net!r}: {node.label} is the step function, whose derivative is 0 almost everywhere "
                "(DiracDelta at 0), so gradient descent cannot train it"
            )
    out = net.output_node.layer
    if net.loss_name == "cross-entropy" and not isinstance(out, Softmax):
        raise ValueError(
            f"cannot compile {net!r}: cross-entropy −Σ t log y needs a softmax output (probabilities that sum to 1); "
            "for sigmoid outputs use binary-cross-entropy"
        )
    if net.loss_name == "binary-cross-entropy" and not (isinstance(out, Activation) and out.name == "sigmoid"):
        raise ValueError(f"cannot compile {net!r}: binary-cross-entropy needs a sigmoid output")


def compile_network(net: Network, backend: str = "numpy", constants: Mapping[str, float] | None = None) -> NetworkModel:
    """The code of ``net``'s forward pass, loss and gradients on batches; see :func:`symnn.compile`."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; valid choices: {', '.join(BACKENDS)}")
    check_trainable(net)
    values = _constants(net, constants)
    start = time.perf_counter()
    if backend == "jax":
        try:
            import jax
        except ImportError as e:
            raise ImportError("backend='jax' needs JAX: pip install 'symnn[jax]'") from e
    sw = array_sweep(net)
    sub = {s: sp.Float(v) for s, v in values.items()}
    params = [sw.env[p.name] for p in net.param_arrays]
    masks = [sw.env[m] for m in net.mask_names]
    forward = [(s, e.xreplace(sub)) for s, e in sw.forward]
    known = {e: s for s, e in forward if not e.is_Symbol}  # f(Z) in the backward pass reuses A = f(Z)
    C = sp.Symbol("C", real=True)
    loss = [(C, sw.loss.xreplace(sub))]
    backward = [(s, e.xreplace(sub).xreplace(known)) for s, e in sw.backward]
    grads = [sw.grads[p.name].xreplace(sub).xreplace(known) for p in net.param_arrays]
    comments = {s: sp.sstr(e) for s, e in sw.forward + sw.backward}
    printer = codegen.printer_for(backend)
    guard = 'numpy.errstate(over="ignore", under="ignore")' if backend == "numpy" else ""
    everything = [(sw.N, sp.Symbol("X.shape[0]")), *forward, *loss, *backward]
    args = [*params, sw.X]
    try:
        sources = [
            codegen.emit("forward", [*args, *masks], forward, [sw.output], printer, comments, guard),
            codegen.emit("loss", [*args, sw.T, *masks], everything, [C, *grads], printer, comments, guard, keep=1),
            codegen.emit("value_and_grad", [*args, sw.T, *masks], everything, [C, *grads], printer, comments, guard),
        ]
    except PrintMethodNotImplementedError as e:
        raise codegen.Unsupported(f"Unsupported: cannot compile {net!r} for {backend}: {e}") from e
    source = (
        f"# Generated by symnn from the reverse sweep of {net!r} (batch view: one sample a row).\n"
        f"import {BACKENDS[backend]}\n" + "\n\n".join(sources) + "\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile_source(source), namespace)
    functions = {k: namespace[k] for k in ("forward", "loss", "value_and_grad")}
    if backend == "jax":
        functions = {k: jax.jit(f) for k, f in functions.items()}
    return NetworkModel(net, backend, source, functions, time.perf_counter() - start, values)


def _constants(net: Network, given: Mapping[str, float] | None) -> dict[sp.Symbol, float]:
    given = dict(given or {})
    by_name = {s.name: s for s in net.constants}
    unknown = [k for k in given if k not in by_name]
    if unknown:
        raise ValueError(f"unknown constants {unknown}; this network's constants: {', '.join(by_name) or 'none'}")
    missing = [k for k in by_name if k not in given]
    if missing:
        raise ValueError(f"compiling {net!r} needs a value for {', '.join(missing)}: compile(net, constants={{...}})")
    out = {}
    for name, v in given.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) or v <= 0:
            raise ValueError(f"constant {name} must be a positive finite number, got {v!r}")
        if by_name[name].is_positive and name in {n.layer.keep.name for n in net.nodes if hasattr(n.layer, "keep")}:
            if v > 1:
                raise ValueError(f"constant {name} is a keep probability: it must be in (0, 1], got {v!r}")
        out[by_name[name]] = float(v)
    return out


def compile(
    net: MLP | Network, backend: str = "numpy", view: str = "matrix", constants: Mapping[str, float] | None = None
) -> Model:
    """Generate, from the derivation, the code that evaluates ``net`` and its gradients on batches.

    Parameters
    ----------
    net : MLP or Network
    backend : {"numpy", "jax"}
        ``jax`` prints the same code against ``jax.numpy`` and ``jax.jit``-compiles it (extra ``symnn[jax]``).
    view : {"matrix", "element"}
        For an MLP: ``matrix`` (default) compiles the four backprop equations batched; ``element`` every ∂C/∂θ as
        its own expression (small networks, cross-checks). A Network always compiles its batch view.
    constants : dict, optional
        For a Network: values of its constants (a dropout's keep probability, weight decay's λ), by name.

    Returns
    -------
    Model
        ``init``, ``forward``, ``loss``, ``grad``, ``value_and_grad`` (a :class:`NetworkModel` for a Network).

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
    if isinstance(net, Network):
        if view != "matrix":
            raise ValueError(f"a Network compiles its batch view only (view='matrix'), got view={view!r}")
        return compile_network(net, backend, constants)
    if constants:
        raise ValueError("constants= is for a Network's dropout and weight decay; an MLP has none")
    return compiler.compile(net, backend, view)

"""``Model``: a compiled network's functions with their checks, parameters and dropout masks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from symnn.model.graph import Network

__all__ = ["BACKENDS", "Model"]

#: backend -> the array module the generated code calls
BACKENDS: dict[str, str] = {"numpy": "numpy", "jax": "jax.numpy"}
#: the dtypes compiled code computes in
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class Model:
    """A compiled network: ``init``, ``forward``, ``loss``, ``grad``, ``value_and_grad``; build with :func:`compile`.

    Parameters are a dict ``{"W1": ..., "b1": ..., "W2": ...}``: W^(l) laid out by the network's
    convention (n_l × n_(l−1) for ``column``, n_(l−1) × n_l for ``row``) and b^(l) a 1-D array of n_l
    entries in both (a vector is neither a row nor a column to NumPy; it broadcasts over the batch).

    A :class:`~symnn.Network` names its arrays after its layers (``gamma3``, ``beta3``, ``M5`` for a dropout mask);
    ``forward``, ``loss``, ``grad`` and ``value_and_grad`` take dropout masks as ``masks={"M5": array}``
    (N × width, entries 0 or 1). Without them each mask is its keep probability p, which makes inverted dropout the
    identity (evaluation mode).

    Attributes
    ----------
    network : MLP or Network
        What was compiled.
    graph : Network
        The same as a composition of layers (an MLP's :attr:`~symnn.MLP.graph`).
    backend : str
    view : str
    source : str
        The generated Python code.
    param_shapes : dict[str, tuple[int, ...]]
    compile_seconds : float
        Time from the network to the ready functions (derivation, code generation, ``exec``).
    """

    def __init__(
        self,
        network: Any,
        graph: Network,
        backend: str,
        view: str,
        source: str,
        functions: dict[str, Callable],
        seconds: float,
        constants: Mapping[sp.Symbol, float] | None = None,
        training: Callable[[], dict[str, Callable]] | None = None,
    ) -> None:
        self.network = network
        self.graph = graph
        self.backend = backend
        self.view = view
        self.source = source
        self._f = functions
        self.compile_seconds = seconds
        self.constants = dict(constants or {})
        self.param_shapes: dict[str, tuple[int, ...]] = {p.name: p.shape for p in graph.param_arrays}
        self.param_names: tuple[str, ...] = tuple(self.param_shapes)
        self.mask_names: tuple[str, ...] = graph.mask_names
        widths = {m: n.width for n in graph.nodes for m in n.layer.masks(n)}
        keep = {m: float(self.constants[n.layer.keep]) for n in graph.nodes for m in n.layer.masks(n)}
        self._mask_spec = {m: (widths[m], keep[m]) for m in self.mask_names}
        self.n_in, self.n_out = graph.input_node.width, graph.output_node.width
        self._training, self._training_functions = training, None

    def training_functions(self) -> dict[str, Callable] | None:
        """The training loop's own functions, made on first use; None where the compiler gives none.

        ``train_step(*params, X, T, *masks)`` returns ``(C, Y, *grads)``: the loss, the outputs and the gradients
        of one forward pass; ``evaluate(*params, X, T, *masks)`` returns ``(C, Y)``. Both compute each value as
        ``value_and_grad``, ``loss`` and ``forward`` do (the same expressions: the same roundings), take the
        arguments unchecked and run under the caller's ``numpy.errstate``.
        """
        if self._training_functions is None and self._training is not None:
            self._training_functions = self._training()
        return self._training_functions

    def __repr__(self) -> str:
        return f"Model({self.network!r}, backend={self.backend!r}, view={self.view!r})"

    # -- parameters ---------------------------------------------------------------------------

    def init(self, seed: int = 0, dtype: Any = None) -> dict[str, Any]:
        """Random weights (normal, variance 1/n_in; 2/n_in for layers that ReLU follows), zero biases and
        shifts, unit scales; a layer of one's own starts its parameters at its ``init``.

        ``dtype``: float32 or float64; default float64, except float32 on the JAX backend without
        JAX's 64-bit mode (where float64 is refused: enable it with
        ``jax.config.update("jax_enable_x64", True)``).

        Examples
        --------
        >>> import symnn as sn
        >>> model = sn.compile(sn.MLP([2, 3, 2]))
        >>> {k: v.shape for k, v in model.init(seed=0).items()}
        {'W1': (3, 2), 'b1': (3,), 'W2': (2, 3), 'b2': (2,)}
        """
        if dtype is None:
            dtype = np.float32 if self.backend == "jax" and not _jax_x64() else np.float64
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        rng = np.random.default_rng(seed)
        params = {}
        for node in self.graph.nodes:
            for p in node.params:
                if p.init == "normal":
                    value = rng.normal(0.0, np.sqrt(node.gain / (p.fan_in or node.inputs[0].width)), size=p.shape)
                elif p.init == "fill":
                    value = np.full(p.shape, node.layer.init)
                else:
                    value = (np.ones if p.init == "ones" else np.zeros)(p.shape)
                params[p.name] = np.asarray(value, dtype=dtype)
        return self._to_backend(params)

    def _to_backend(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.backend == "jax":
            import jax.numpy as jnp

            # without 64-bit mode jnp.asarray silently makes float64 arrays float32
            if not _jax_x64() and any(np.dtype(v.dtype) == np.float64 for v in params.values()):
                raise ValueError(
                    "float64 on the JAX backend needs JAX's 64-bit mode: call "
                    'jax.config.update("jax_enable_x64", True) first, or use float32'
                )
            return {k: jnp.asarray(v) for k, v in params.items()}
        return params

    def check_params(self, params: Mapping[str, Any]) -> np.dtype:
        """Check names, shapes and dtypes of ``params``; return their (common) dtype."""
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a dict of arrays named {', '.join(self.param_names)}")
        missing = [k for k in self.param_names if k not in params]
        if missing:
            raise ValueError(
                f"params is missing {', '.join(missing)}; this network needs {', '.join(self.param_names)}"
            )
        unknown = [k for k in params if k not in self.param_shapes]
        if unknown:
            raise ValueError(
                f"params has unknown entries {', '.join(map(repr, unknown))}; "
                f"valid names: {', '.join(self.param_names)}"
            )
        dtypes = set()
        for name, shape in self.param_shapes.items():
            p = params[name]
            if not hasattr(p, "shape") or not hasattr(p, "dtype"):
                raise TypeError(f"params[{name!r}] must be an array, got {type(p).__name__}")
            if tuple(p.shape) != shape:
                raise ValueError(
                    f"params[{name!r}] must have shape {shape} ({self.graph.convention} convention), "
                    f"got {tuple(p.shape)}"
                )
            dtypes.add(np.dtype(p.dtype))
        if len(dtypes) > 1 or not dtypes <= {np.dtype(np.float32), np.dtype(np.float64)}:
            raise TypeError(
                f"params must all be float32 or all float64, got {', '.join(sorted(str(d) for d in dtypes))}"
            )
        return dtypes.pop()

    def _check_array(self, A: Any, name: str, width: int, dtype: np.dtype, rows: int | None) -> Any:
        if not hasattr(A, "shape"):
            A = np.asarray(A)
        what = "inputs" if name == "X" else "outputs (one target per output unit)"
        sample = self.graph.input_node.shape
        if name == "X" and len(sample) > 1 and tuple(A.shape[1:]) == sample:
            A = A.reshape(A.shape[0], width)  # images N × C × H × W, sequences N × T × d: one sample a row
        if A.ndim != 2 or A.shape[1] != width or A.shape[0] == 0:
            raise ValueError(
                f"{name} must be a 2-D array of shape (N, {width}), N samples × {width} {what}"
                + (f" (or of shape (N, {', '.join(map(str, sample))}))" if name == "X" and len(sample) > 1 else "")
                + f", got shape {tuple(A.shape)}"
            )
        if rows is not None and A.shape[0] != rows:
            raise ValueError(f"{name} has {A.shape[0]} rows but X has {rows}: one target row per sample")
        kind = np.dtype(A.dtype).kind
        if kind == "f":
            if np.dtype(A.dtype) not in _FLOATS:
                raise TypeError(f"{name} is {A.dtype}; valid dtypes: float32, float64 ({name}.astype({str(dtype)!r}))")
            if np.dtype(A.dtype) != dtype:
                raise TypeError(
                    f"{name} is {A.dtype} but the parameters are {dtype}; convert one of them: "
                    f"{name}.astype({str(dtype)!r}), or parameters of {A.dtype} "
                    f"(model.init(seed, dtype={str(A.dtype)!r}))"
                )
            return A
        if kind in "biu":
            return A.astype(dtype)
        raise TypeError(f"{name} must hold real numbers, got dtype {A.dtype}")

    def _checked(self, params, X, T=None):
        dtype = self.check_params(params)
        X = self._check_array(X, "X", self.n_in, dtype, None)
        if T is not None:
            T = self._check_array(T, "T", self.n_out, dtype, X.shape[0])
        return X, T

    def _masks(self, masks: Mapping[str, Any] | None, X: Any) -> list[Any]:
        """The mask arrays in order: those given, checked; the keep probability for those not given."""
        if not self.mask_names:
            if masks:
                raise ValueError(f"this network has no dropout masks, got {', '.join(masks)}")
            return []
        masks = dict(masks or {})
        unknown = [k for k in masks if k not in self._mask_spec]
        if unknown:
            raise ValueError(f"unknown masks {', '.join(unknown)}; this network's masks: {', '.join(self.mask_names)}")
        out = []
        for name, (width, keep) in self._mask_spec.items():
            m = masks.get(name)
            if m is None:
                m = np.full((X.shape[0], width), keep, dtype=X.dtype)
            elif tuple(np.shape(m)) != (X.shape[0], width):
                raise ValueError(f"mask {name} must have shape {(X.shape[0], width)}, got {tuple(np.shape(m))}")
            out.append(m)
        return out

    def draw_masks(self, rng: np.random.Generator, n: int, dtype: Any) -> dict[str, np.ndarray]:
        """Dropout masks for a training step of ``n`` samples: each entry 1 with its layer's keep probability."""
        return {m: (rng.random((n, w)) < keep).astype(dtype) for m, (w, keep) in self._mask_spec.items()}

    def _args(self, params) -> list[Any]:
        return [params[k] for k in self.param_names]

    # -- the compiled functions ----------------------------------------------------------------------

    def forward(self, params: Mapping[str, Any], X: Any, masks: Mapping[str, Any] | None = None) -> Any:
        """The outputs ``(N, n_out)`` for inputs ``X`` ``(N, n_in)``."""
        X, _ = self._checked(params, X)
        return self._f["forward"](*self._args(params), X, *self._masks(masks, X))

    def loss(self, params: Mapping[str, Any], X: Any, T: Any, masks: Mapping[str, Any] | None = None) -> Any:
        """The mean over the batch of the per-sample loss C (plus weight decay)."""
        X, T = self._checked(params, X, T)
        return self._f["loss"](*self._args(params), X, T, *self._masks(masks, X))

    def value_and_grad(
        self, params: Mapping[str, Any], X: Any, T: Any, masks: Mapping[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """The loss and its gradient (a dict shaped like ``params``), from one shared forward pass."""
        X, T = self._checked(params, X, T)
        return self._value_and_grad(params, X, T, masks)

    def _value_and_grad(self, params, X, T, masks=None):  # unchecked: the training loop checks once
        loss, *grads = self._f["value_and_grad"](*self._args(params), X, T, *self._masks(masks, X))
        return loss, dict(zip(self.param_names, grads, strict=True))

    def grad(self, params: Mapping[str, Any], X: Any, T: Any, masks: Mapping[str, Any] | None = None) -> dict:
        """The gradient of :meth:`loss` with respect to every parameter array."""
        return self.value_and_grad(params, X, T, masks)[1]


def _jax_x64() -> bool:
    """Whether JAX computes in 64 bits (``jax_enable_x64``)."""
    import jax

    return bool(jax.config.read("jax_enable_x64"))

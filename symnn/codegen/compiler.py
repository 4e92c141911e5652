"""``compile`` (this module is ``compiler``: a module named ``compile`` would shadow the function
``symnn.compile`` whenever it is imported again, as pytest's doctest collection does): a network's
derived gradients as fast, numerically stable NumPy (or JAX) functions.

The code comes from the derivation: :func:`symnn.derive.backprop` gives the four backprop equations in the
matrix view, :mod:`symnn.codegen.printing` batches them over the samples and prints them with SymPy's
printers. Arrays are batch-first (N samples × features) whatever the network's convention.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.codeprinter import PrintMethodNotImplementedError

from symnn.codegen import printing as codegen
from symnn.codegen.printing import Term, scalarize, stable_log
from symnn.derive.backprop import backprop
from symnn.model.arrays import BatchSum, Total, Transpose, per_sample_loss
from symnn.model.matrix_view import MatrixView
from symnn.model.network import ACTIVATIONS, MLP
from symnn.model.notation import NetMatrix

__all__ = ["BACKENDS", "CROSS_ENTROPY_OUTPUTS", "VIEWS", "Model", "compile", "network_from_spec", "network_spec"]

log = logging.getLogger(__name__)

#: backend -> the array module the generated code calls
BACKENDS: dict[str, str] = {"numpy": "numpy", "jax": "jax.numpy"}
#: "matrix": the four matrix equations, batched (fast, any width); "element": every ∂C/∂θ as its own
#: expression, vectorized over the samples (small networks; a cross-check of the matrix route)
VIEWS: tuple[str, ...] = ("matrix", "element")
#: the outputs cross-entropy is compiled for: its log y and δ = ... / y need every y in (0, 1); an
#: identity, tanh or relu output can be ≤ 0 (log of it: NaN) and softplus underflows to 0 for z < −745
CROSS_ENTROPY_OUTPUTS: tuple[str, ...] = ("sigmoid", "softmax")
#: the dtypes compiled code computes in
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def network_spec(net: MLP) -> dict[str, Any]:
    """The arguments that rebuild ``net`` (JSON-ready): what checkpoints store."""
    return {
        "layers": list(net.sizes),
        "activation": list(net.activations[:-1]),
        "output": net.activations[-1],
        "loss": net.loss_name,
        "convention": net.convention,
        "relu_grad_at_zero": str(net.relu_grad_at_zero),
        "step_at_zero": str(net.step_at_zero),
    }


def network_from_spec(spec: Mapping[str, Any]) -> MLP:
    """The :class:`MLP` a :func:`network_spec` describes."""
    try:
        return MLP(
            [int(n) for n in spec["layers"]],
            activation=list(spec["activation"]),
            output=spec["output"],
            loss=spec["loss"],
            convention=spec["convention"],
            relu_grad_at_zero=sp.Rational(spec.get("relu_grad_at_zero", "0")),
            step_at_zero=sp.Rational(spec.get("step_at_zero", "1")),
        )
    except (KeyError, TypeError) as e:
        raise ValueError(f"not a network spec: {e!r} missing or malformed in {dict(spec)}") from e


class Model:
    """A compiled network: ``init``, ``forward``, ``loss``, ``grad``, ``value_and_grad``; build with :func:`compile`.

    Parameters are a dict ``{"W1": ..., "b1": ..., "W2": ...}``: W^(l) laid out by the network's
    convention (n_l × n_(l−1) for ``column``, n_(l−1) × n_l for ``row``) and b^(l) a 1-D array of n_l
    entries in both (a vector is neither a row nor a column to NumPy; it broadcasts over the batch).

    Attributes
    ----------
    network : MLP
    backend : str
    view : str
    source : str
        The generated Python code.
    param_shapes : dict[str, tuple[int, ...]]
    compile_seconds : float
        Time from the network to the ready functions (derivation, code generation, ``exec``).
    """

    def __init__(self, network: MLP, backend: str, view: str, source: str, functions: dict[str, Callable], seconds):
        self.network = network
        self.backend = backend
        self.view = view
        self.source = source
        self._f = functions
        self.compile_seconds = seconds
        n = network.sizes
        column = network.convention == "column"
        self.param_shapes: dict[str, tuple[int, ...]] = {}
        for l in range(1, network.depth + 1):
            self.param_shapes[f"W{l}"] = (n[l], n[l - 1]) if column else (n[l - 1], n[l])
            self.param_shapes[f"b{l}"] = (n[l],)
        self.param_names: tuple[str, ...] = tuple(self.param_shapes)

    def __repr__(self) -> str:
        return f"Model({self.network!r}, backend={self.backend!r}, view={self.view!r})"

    # -- parameters ---------------------------------------------------------------------------

    def init(self, seed: int = 0, dtype: Any = None) -> dict[str, Any]:
        """Random weights (normal, variance 1/n_in; 2/n_in for ReLU layers) and zero biases.

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
        for l in range(1, self.network.depth + 1):
            n_in = self.network.sizes[l - 1]
            gain = 2.0 if self.network.activations[l - 1] == "relu" else 1.0
            W = rng.normal(0.0, np.sqrt(gain / n_in), size=self.param_shapes[f"W{l}"])
            params[f"W{l}"] = W.astype(dtype)
            params[f"b{l}"] = np.zeros(self.param_shapes[f"b{l}"], dtype=dtype)
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
                    f"params[{name!r}] must have shape {shape} ({self.network.convention} convention), "
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
        if A.ndim != 2 or A.shape[1] != width or A.shape[0] == 0:
            raise ValueError(
                f"{name} must be a 2-D array of shape (N, {width}), N samples × {width} {what}, "
                f"got shape {tuple(A.shape)}"
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
        X = self._check_array(X, "X", self.network.sizes[0], dtype, None)
        if T is not None:
            T = self._check_array(T, "T", self.network.sizes[-1], dtype, X.shape[0])
        return X, T

    def _args(self, params) -> list[Any]:
        return [params[k] for k in self.param_names]

    # -- the compiled functions ----------------------------------------------------------------------

    def forward(self, params: Mapping[str, Any], X: Any) -> Any:
        """The outputs ``(N, n_out)`` for inputs ``X`` ``(N, n_in)``."""
        X, _ = self._checked(params, X)
        return self._f["forward"](*self._args(params), X)

    def loss(self, params: Mapping[str, Any], X: Any, T: Any) -> Any:
        """The mean over the batch of the per-sample loss C."""
        X, T = self._checked(params, X, T)
        return self._f["loss"](*self._args(params), X, T)

    def value_and_grad(self, params: Mapping[str, Any], X: Any, T: Any) -> tuple[Any, dict[str, Any]]:
        """The loss and its gradient (a dict shaped like ``params``), from one shared forward pass."""
        X, T = self._checked(params, X, T)
        return self._value_and_grad(params, X, T)

    def _value_and_grad(self, params, X, T):  # unchecked: the training loop checks once
        loss, *grads = self._f["value_and_grad"](*self._args(params), X, T)
        return loss, dict(zip(self.param_names, grads, strict=True))

    def grad(self, params: Mapping[str, Any], X: Any, T: Any) -> dict[str, Any]:
        """The gradient of :meth:`loss` with respect to every parameter array."""
        return self.value_and_grad(params, X, T)[1]


def _jax_x64() -> bool:
    """Whether JAX computes in 64 bits (``jax_enable_x64``)."""
    import jax

    return bool(jax.config.read("jax_enable_x64"))


def compile(net: MLP, backend: str = "numpy", view: str = "matrix") -> Model:
    """Generate, from the derivation, the code that evaluates ``net`` and its gradients on batches.

    Parameters
    ----------
    net : MLP
    backend : {"numpy", "jax"}
        ``jax`` prints the same code against ``jax.numpy`` and ``jax.jit``-compiles it (optional extra
        ``symnn[jax]``; float64 there needs ``jax.config.update("jax_enable_x64", True)``).
    view : {"matrix", "element"}
        ``matrix`` (default): the four backprop equations of :func:`symnn.derive.backprop`'s matrix view,
        batched: a few matrix products per layer. ``element``: every ∂C/∂θ as its own expression
        through ``lambdify(cse=True)``, vectorized over the samples — for small networks and cross-checks.

    Returns
    -------
    Model

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
    if not isinstance(net, MLP):
        raise TypeError(f"compile takes an MLP, got {type(net).__name__}")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; valid choices: {', '.join(BACKENDS)}")
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; valid choices: {', '.join(VIEWS)}")
    _check_trainable(net)
    start = time.perf_counter()
    if backend == "jax":
        try:
            import jax
        except ImportError as e:
            raise ImportError("backend='jax' needs JAX: pip install 'symnn[jax]'") from e
    if view == "matrix":
        source, functions = _matrix_functions(net, backend)
    else:
        from symnn.codegen.element_code import element_functions

        source, functions = element_functions(net, backend)
    if backend == "jax":
        functions = {k: jax.jit(f) for k, f in functions.items()}
    seconds = time.perf_counter() - start
    log.info("compiled %r (%s, %s view) in %.3f s", net, backend, view, seconds)
    return Model(net, backend, view, source, functions, seconds)


def _check_trainable(net: MLP) -> None:
    """Refuse what the numeric code cannot train (the symbolic derivation, ``backprop``, takes any net)."""
    if "step" in net.activations:
        where = "the output" if net.activations[-1] == "step" else "a hidden layer"
        trainable = [a for a in ACTIVATIONS if a != "step"]
        raise ValueError(
            f"cannot compile {net!r}: {where} uses the step function, whose derivative is 0 almost everywhere "
            f"(DiracDelta at 0), so gradient descent cannot train it; trainable activations: {', '.join(trainable)}"
        )
    if net.loss_name == "cross-entropy" and net.activations[-1] not in CROSS_ENTROPY_OUTPUTS:
        raise ValueError(
            f"cannot compile {net!r}: cross-entropy takes log y of outputs that are probabilities, and "
            f"{net.activations[-1]!r} outputs are not in (0, 1) (the loss would be NaN); "
            f"valid outputs for cross-entropy: {', '.join(CROSS_ENTROPY_OUTPUTS)}"
        )


# -- the matrix view ---------------------------------------------------------------------------------


class _NoEntries(dict):
    """Stands for the explicit entries of W^(l), b^(l), x in a matrix view that code generation builds:
    it never expands a matrix into its entries, and building 78 400 weight symbols for a 784-100
    layer takes seconds."""

    def __missing__(self, key):
        return None


def _row_twin(net: MLP) -> MLP:
    """The same network in the row convention, whose matrix view is batch-ready (a sample is a row).

    The element symbols, expressions and loss are the same in both conventions; only the matrix
    layout differs. A shallow copy shares them instead of rebuilding every w^(l)_jk a^(l-1)_k, and
    its matrix view is built without explicit entries (see :class:`_NoEntries`). ``net`` is untouched.
    """
    twin = copy.copy(net)
    twin.convention = "row"
    twin.__dict__["matrix_view"] = MatrixView.build(twin.sizes, "row", twin._apply_matrix, _NoEntries())
    return twin


def _matrix_functions(net: MLP, backend: str) -> tuple[str, dict[str, Callable]]:
    row = _row_twin(net)
    column = net.convention == "column"
    view = row.matrix_view
    derivation = backprop(row)
    L = row.depth

    def arr(name: str) -> sp.Symbol:
        return sp.Symbol(name, real=True)

    N = arr("N")
    X, T = arr("X"), arr("T")
    params = []
    symbols: dict[sp.Basic, Term] = {view.x: Term(X, True)}
    for l in range(1, L + 1):
        W, b = arr(f"W{l}"), arr(f"b{l}")
        params += [W, b]
        # A column network's W^(l) is the transpose of its row twin's: the code takes it as given.
        symbols[view.W[l]] = Term(Transpose(W) if column else W, False)
        symbols[view.b[l]] = Term(b, False)
    for m in (*view.z.values(), *view.a.values()):
        symbols[m] = Term(arr(m.name), True)
    symbols[NetMatrix("T", 1, row.sizes[-1])] = Term(T, True)

    # forward: Z^(l) = A^(l−1) W^(l) + B^(l), A^(l) = f(Z^(l))
    forward: list[tuple[sp.Symbol, sp.Expr]] = []
    comments: dict[sp.Symbol, str] = {}
    known: dict[sp.Expr, sp.Symbol] = {}  # f(Z^(l)) -> A^(l): f' reuses the forward pass's values
    for lhs, rhs in view.equations:
        term = scalarize(rhs, symbols)
        s = symbols[lhs].expr
        forward.append((s, term.expr))
        comments[s] = f"{sp.sstr(lhs)} = {sp.sstr(rhs)}"
        if term.expr != s and not isinstance(term.expr, sp.Symbol):
            known[term.expr] = s
    A_L, A_L_value = forward[-1]

    # loss: mean over the batch of the per-sample loss, logs rewritten stably (log-sum-exp, softplus)
    g = per_sample_loss(row.loss_of(row.output_symbols), row.output_symbols, row.targets, A_L, T)
    comments[arr("C")] = f"C = (1/N) Σ_samples Σ_outputs {sp.sstr(g)}   [{row.loss_name}, mean over the batch]"
    g = g.replace(lambda e: isinstance(e, sp.log) and e.args[0] == A_L, lambda e: stable_log(sp.log(A_L_value)))
    C = arr("C")
    loss = [(C, Total(g) / N)]

    # backward: the derivation's matrix steps, δ^(L) scaled by 1/N so that every gradient is a batch mean
    backward: list[tuple[sp.Symbol, sp.Expr]] = []
    grads: dict[str, sp.Expr] = {}
    for step in derivation.matrix_steps:
        term = scalarize(step.rhs, symbols)
        expr = term.expr.xreplace(known)
        if isinstance(step.lhs, sp.MatrixSymbol):  # δ^(l)
            s = arr(step.lhs.name)
            if step.lhs.name == f"delta{L}":
                expr = expr / N
                comments[s] = f"{sp.sstr(step.lhs)} = ({sp.sstr(step.rhs)}) / N   [{step.rule}; 1/N: batch mean]"
            else:
                comments[s] = f"{sp.sstr(step.lhs)} = {sp.sstr(step.rhs)}   [{step.rule}]"
            symbols[step.lhs] = Term(s, True)
            backward.append((s, expr))
            continue
        target = step.lhs.variables[0]  # ∂C/∂W^(l) or ∂C/∂B^(l)
        kind, layer = target.name[0].upper(), int(target.name[1:])
        if term.batched:  # a per-sample gradient of a parameter: sum it over the batch
            expr = BatchSum(expr)
        if kind == "W" and column:
            expr = codegen._transpose(expr)
        grads[f"{'W' if kind == 'W' else 'b'}{layer}"] = expr
    grad_out = [grads[str(p)] for p in params]

    printer = codegen.printer_for(backend)
    module = BACKENDS[backend]
    n_line = [(N, sp.Symbol("X.shape[0]"))]
    # see codegen.FastSigmoid; underflow (e^(-1e4) = 0, log1p of it) is no error either, even under
    # numpy.seterr(all="raise")
    guard = 'numpy.errstate(over="ignore", under="ignore")' if backend == "numpy" else ""
    everything = n_line + forward + loss + backward
    try:
        sources = [
            codegen.emit("forward", [*params, X], forward, [A_L], printer, comments, guard),
            # the loss as value_and_grad computes it (its 1/N shared with δ^(L)): the same value to the bit
            codegen.emit("loss", [*params, X, T], everything, [C, *grad_out], printer, comments, guard, keep=1),
            codegen.emit("value_and_grad", [*params, X, T], everything, [C, *grad_out], printer, comments, guard),
        ]
    except PrintMethodNotImplementedError as e:  # found when compiling, not at the first call (STYLE.md)
        raise codegen.Unsupported(
            f"Unsupported: cannot compile {net!r} for {backend}: {e.args[0].splitlines()[0]} "
            "(a derivative that is not a function, such as a Dirac delta, cannot be trained)"
        ) from e
    header = (
        f"# Generated by symnn from the backprop derivation of {net!r} (matrix view, batched).\n"
        f"# X is (N, {net.sizes[0]}), one sample a row; "
        f"{'W^(l) arrives in the column layout and is used as W.T; ' if column else ''}"
        f"b^(l) is 1-D.\nimport {module}\n"
    )
    source = header + "\n\n".join(sources) + "\n"
    namespace: dict[str, Any] = {}
    exec(compile_source(source), namespace)
    return source, {k: namespace[k] for k in ("forward", "loss", "value_and_grad")}


def compile_source(source: str):
    """Python's built-in ``compile`` (shadowed in this module by :func:`compile`)."""
    import builtins

    return builtins.compile(source, "<symnn generated>", "exec")

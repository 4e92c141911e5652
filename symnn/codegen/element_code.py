"""The element view compiled: every ∂C/∂θ as its own expression through ``lambdify(cse=True)``, vectorized
over the samples. For small networks and as a cross-check of the matrix route (:mod:`symnn.codegen.compiler`).

Its numerics are the matrix view's: logs of the output activation rewritten stably
(:func:`symnn.codegen.printing.stable_log`: log σ = −softplus, log softmax through log-sum-exp), and the NumPy
functions run under the same ``errstate(over="ignore", under="ignore")`` (σ and softmax saturate:
e^(−1e4) underflows to 0 by design), so they are finite and quiet at inputs of ±1e4, float32 and float64.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np

from symnn.codegen.printing import stable_log
from symnn.codenames import safe_lambdify
from symnn.derive.backprop import backprop
from symnn.model.network import MLP

__all__ = ["element_functions"]


def element_functions(net: MLP, backend: str) -> tuple[str, dict[str, Callable]]:
    d = backprop(net)
    module = "jax" if backend == "jax" else "numpy"
    args = [*net.params, *net.inputs, *net.targets]
    # through the one gate for names that become code (a user activation's class name is printed)
    what = f"compile({net!r}, view='element')"
    f_forward = safe_lambdify(args[: len(net.params) + len(net.inputs)], net.outputs, module, cse=True, what=what)
    f_all = safe_lambdify(
        args,
        [stable_log(net.loss_expr), *(d.gradients[p] for p in net.params)],
        module,
        cse=True,
        what=what,
        docstring_limit=0,
    )
    xp = np if backend == "numpy" else __import__("jax.numpy", fromlist=["numpy"])
    column = net.convention == "column"
    sizes = net.sizes

    def flat(*arrays):
        params, (X, T) = arrays[:-2], arrays[-2:]
        out = []
        for l in range(net.depth):
            W, b = params[2 * l], params[2 * l + 1]
            Wc = W if column else W.T
            out += [Wc[j, k] for j in range(sizes[l + 1]) for k in range(sizes[l])]
            out += [b[j] for j in range(sizes[l + 1])]
        return out, [X[:, k] for k in range(X.shape[1])], [T[:, k] for k in range(T.shape[1])]

    def batch_mean(v, X):
        return xp.mean(xp.broadcast_to(xp.asarray(v, dtype=X.dtype), (X.shape[0],)))

    def forward_(*arrays):  # (params..., X)
        params, X = arrays[:-1], arrays[-1]
        p, x, _ = flat(*params, X, X[:, :0])
        ys = f_forward(*p, *x)
        return xp.stack([xp.broadcast_to(xp.asarray(y, dtype=X.dtype), (X.shape[0],)) for y in ys], axis=1)

    def value_and_grad(*arrays):
        X = arrays[-2]
        p, x, t = flat(*arrays)
        loss, *g = f_all(*p, *x, *t)
        means = [batch_mean(v, X) for v in g]
        out, i = [], 0
        for l in range(net.depth):
            n, m = sizes[l + 1], sizes[l]
            W = xp.reshape(xp.stack(means[i : i + n * m]), (n, m))
            out.append(W if column else W.T)
            out.append(xp.stack(means[i + n * m : i + n * m + n]))
            i += n * m + n
        return (batch_mean(loss, X), *out)

    def loss(*arrays):
        return value_and_grad(*arrays)[0]

    functions = {"forward": forward_, "loss": loss, "value_and_grad": value_and_grad}
    if backend == "numpy":  # the matrix view's guard (codegen.FastSigmoid); JAX's exp saturates quietly
        functions = {name: _quiet(f) for name, f in functions.items()}

    source = "# element view: loss and every gradient, lambdify(cse=True)\n" + inspect.getsource(f_all)
    return source, functions


def _quiet(f: Callable) -> Callable:
    """``f`` under ``numpy.errstate(over="ignore", under="ignore")``, as the matrix view's generated code runs."""

    def guarded(*arrays):
        with np.errstate(over="ignore", under="ignore"):
            return f(*arrays)

    return guarded

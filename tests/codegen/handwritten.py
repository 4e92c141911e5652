"""Hand-written NumPy layers in the textbook's style (seed 002), each correct or with one deliberate mistake.

Every class takes ``mutation``: ``None`` (correct) or one of ``"sign"``, ``"batch"`` (a wrong division by the
batch size), ``"transpose"``, ``"term"`` (a dropped term of the chain rule), ``"derivative"`` (a wrong activation
derivative). :data:`CASES` pairs each with its symnn layer and the mutations it has, with the cause symnn should name.
"""

from __future__ import annotations

import numpy as np

import symnn as sn


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


class Affine:
    def __init__(self, mutation=None):
        self.mutation, self.W, self.b = mutation, None, None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        m = self.mutation
        self.dW = dout.T @ self.x if m == "transpose" else self.x.T @ dout
        self.db = np.sum(dout, axis=0) / (len(dout) if m == "batch" else 1)
        if m == "term":
            self.db = dout[0]  # one sample's term of the sum over the batch
        dx = dout @ self.W.T
        return -dx if m == "sign" else dx


class Elementwise:
    """An activation: ``f`` its function, ``df(x, y)`` its derivative, ``wrong`` (x, y) -> a wrong derivative."""

    def __init__(self, f, df, wrong=None, term=None, mutation=None):
        self.f, self.df, self.wrong, self.term, self.mutation = f, df, wrong, term, mutation

    def forward(self, x):
        self.x, self.out = x, self.f(x)
        return self.out

    def backward(self, dout):
        m, x, y = self.mutation, self.x, self.out
        local = {"derivative": self.wrong, "term": self.term}.get(m) or self.df
        dx = dout * local(x, y)
        return {"sign": -dx, "batch": dx / len(dout)}.get(m, dx)


def relu(mutation=None):
    return Elementwise(
        lambda x: np.maximum(x, 0),
        lambda x, y: (x > 0).astype(float),
        lambda x, y: (x >= 0).astype(float),
        None,
        mutation,
    )


def sigmoid(mutation=None):
    return Elementwise(_sigmoid, lambda x, y: y * (1 - y), lambda x, y: x * (1 - x), lambda x, y: y, mutation)


def tanh(mutation=None):
    return Elementwise(np.tanh, lambda x, y: 1 - y**2, lambda x, y: 1 - x**2, lambda x, y: 1 + 0 * y, mutation)


def softplus(mutation=None):
    return Elementwise(lambda x: np.logaddexp(0, x), lambda x, y: _sigmoid(x), lambda x, y: y, None, mutation)


def identity(mutation=None):
    return Elementwise(lambda x: x, lambda x, y: 1 + 0 * x, lambda x, y: x, None, mutation)


class Softmax:
    def __init__(self, mutation=None):
        self.mutation = mutation

    def forward(self, x):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.out = e / e.sum(axis=1, keepdims=True)
        return self.out

    def backward(self, dout):
        m, y = self.mutation, self.out
        if m == "term":
            return y * dout  # the Jacobian's diagonal only
        if m == "derivative":
            return dout * y * (1 - y)
        dx = y * (dout - np.sum(dout * y, axis=1, keepdims=True))
        return {"sign": -dx, "batch": dx / len(dout)}.get(m, dx)


class Swish:
    """f(z) = z σ(βz), one β for the layer."""

    def __init__(self, mutation=None):
        self.mutation, self.beta = mutation, None

    def forward(self, x):
        self.x, self.s = x, _sigmoid(self.beta * x)
        return x * self.s

    def backward(self, dout):
        m, x, s, b = self.mutation, self.x, self.s, self.beta
        ds = s * (1 - s)
        dx = dout * (s + (0 if m == "term" else b * x * ds))
        if m == "derivative":
            dx = dout * x * s
        self.dbeta = np.sum(dout * x * x * ds) / (len(dout) if m == "batch" else 1)
        return -dx if m == "sign" else dx


class Normalization:
    """LayerNorm (``axis=1``) or BatchNorm (``axis=0``) in training mode."""

    def __init__(self, axis, eps=1e-5, mutation=None):
        self.axis, self.eps, self.mutation, self.gamma, self.beta = axis, eps, mutation, None, None

    def forward(self, x):
        mu = x.mean(axis=self.axis, keepdims=True)
        self.r = 1 / np.sqrt(((x - mu) ** 2).mean(axis=self.axis, keepdims=True) + self.eps)
        self.u = (x - mu) * self.r
        return self.gamma * self.u + self.beta

    def backward(self, dout):
        m, a = self.mutation, self.axis
        gu = dout * self.gamma
        n = gu.shape[a]
        mean_gu = gu.sum(axis=a, keepdims=True) / (1 if m == "batch" else n)
        last = 0 if m == "term" else self.u * (gu * self.u).sum(axis=a, keepdims=True) / n
        dx = self.r * (gu - mean_gu - last)
        self.dgamma = np.sum(dout * self.u, axis=0)
        self.dbeta = np.sum(dout, axis=0)
        if m == "derivative":
            self.dgamma = np.sum(dout * self.r, axis=0)
        return -dx if m == "sign" else dx


class Dropout:
    """Inverted dropout: keeps each entry with probability ``keep`` and divides by it."""

    def __init__(self, keep, seed=0, mutation=None):
        self.keep, self.rng, self.mutation = keep, np.random.default_rng(seed), mutation

    def forward(self, x):
        self.mask = self.rng.random(x.shape) < self.keep
        return x * self.mask / self.keep

    def backward(self, dout):
        m = self.mutation
        dx = dout * self.mask / (1 if m == "derivative" else self.keep)
        return {"sign": -dx, "batch": dx / len(dout)}.get(m, dx)


#: name -> (make(mutation), symnn layer, check_backward options, {mutation: the cause kind symnn names, or None})
CASES = {
    "dense": (
        Affine,
        sn.Dense(4),
        {},
        {"sign": "sign", "batch": "batch size", "transpose": "transpose", "term": None},
    ),
    "relu": (relu, sn.Activation("relu"), {}, {"sign": "sign", "batch": "batch size", "derivative": "kink"}),
    "sigmoid": (
        sigmoid,
        sn.Activation("sigmoid"),
        {},
        {"sign": "sign", "batch": "batch size", "term": "activation derivative", "derivative": "activation derivative"},
    ),
    "tanh": (
        tanh,
        sn.Activation("tanh"),
        {},
        {"sign": "sign", "batch": "batch size", "term": "missing term", "derivative": "activation derivative"},
    ),
    "softplus": (
        softplus,
        sn.Activation("softplus"),
        {},
        {"sign": "sign", "batch": "batch size", "derivative": "activation derivative"},
    ),
    "identity": (
        identity,
        sn.Activation("identity"),
        {},
        {"sign": "sign", "batch": "batch size", "derivative": "activation derivative"},
    ),
    "softmax": (
        Softmax,
        sn.Softmax(),
        {},
        {"sign": "sign", "batch": "batch size", "term": "missing term", "derivative": None},
    ),
    "swish": (
        Swish,
        sn.Elementwise("swish", lambda z, beta: z * sn.sigmoid(beta * z), params=["beta"]),
        {},
        {"sign": "sign", "batch": "batch size", "term": "missing term", "derivative": None},
    ),
    "layernorm": (
        lambda mutation=None: Normalization(1, mutation=mutation),
        sn.LayerNorm(),
        {},
        {"sign": "sign", "batch": "missing factor", "term": "missing term", "derivative": None},
    ),
    "batchnorm": (
        lambda mutation=None: Normalization(0, mutation=mutation),
        sn.BatchNorm(),
        {},
        {"sign": "sign", "batch": "batch size", "term": "missing term", "derivative": None},
    ),
    "dropout": (
        lambda mutation=None: Dropout(0.8, mutation=mutation),
        sn.Dropout(),
        {"constants": {"p": 0.8}},
        {"sign": "sign", "batch": "batch size", "derivative": "missing factor"},
    ),
}

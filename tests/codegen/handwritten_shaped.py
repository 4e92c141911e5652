"""Hand-written NumPy layers of shaped samples (images N × C × H × W, sequences N × T × d), correct or mutated.

In the textbook's style: 「ゼロから作るDeep Learning」 chapter 7 for ``Convolution`` and ``Pooling`` (``im2col`` and
``col2im`` written here, independent of symnn.kernels), its second volume for the Elman RNN (forward over t,
backward over reversed t). The parameters have symnn's shapes: a kernel F × C × kh × kw, the RNN's ``Wx``
hidden × d (so ``x_t @ Wx.T``), attention's ``W_Q`` d × d_k. Mutations as in :mod:`tests.codegen.handwritten`:
``"sign"``, ``"batch"`` (a stray division by the batch size: none of these layers has a 1/N of its own, so the
missing-1/N mistake does not exist for them; this is its mirror, as for Dense and the activations),
``"transpose"``, ``"term"`` (a dropped term), ``"derivative"`` (a wrong local derivative).
"""

from __future__ import annotations

import numpy as np

import symnn as sn


def _out(size, k, stride, pad):
    return (size + 2 * pad - k) // stride + 1


def im2col(x, fh, fw, stride=1, pad=0):
    """N × C × H × W → (N·OH·OW) × (C·fh·fw), one window a row."""
    n, c, h, w = x.shape
    oh, ow = _out(h, fh, stride, pad), _out(w, fw, stride, pad)
    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    col = np.zeros((n, c, fh, fw, oh, ow))
    for y in range(fh):
        for x_ in range(fw):
            col[:, :, y, x_, :, :] = img[:, :, y : y + stride * oh : stride, x_ : x_ + stride * ow : stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def col2im(col, shape, fh, fw, stride=1, pad=0, overwrite=False):
    """The adjoint of :func:`im2col`: each window's entries added back into the image (``overwrite``: assigned,
    the mistake that drops the overlapping windows' terms)."""
    n, c, h, w = shape
    oh, ow = _out(h, fh, stride, pad), _out(w, fw, stride, pad)
    col = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((n, c, h + 2 * pad + stride - 1, w + 2 * pad + stride - 1))
    for y in range(fh):
        for x_ in range(fw):
            window = (slice(None), slice(None), slice(y, y + stride * oh, stride), slice(x_, x_ + stride * ow, stride))
            if overwrite:
                img[window] = col[:, :, y, x_, :, :]
            else:
                img[window] += col[:, :, y, x_, :, :]
    return img[:, :, pad : h + pad, pad : w + pad]


class Convolution:
    def __init__(self, stride=1, pad=0, mutation=None):
        self.stride, self.pad, self.mutation, self.W, self.b = stride, pad, mutation, None, None

    def forward(self, x):
        fn, _, fh, fw = self.W.shape
        n, _, h, w = x.shape
        oh, ow = _out(h, fh, self.stride, self.pad), _out(w, fw, self.stride, self.pad)
        self.x, self.col = x, im2col(x, fh, fw, self.stride, self.pad)
        self.col_W = self.W.reshape(fn, -1).T
        out = self.col @ self.col_W + self.b
        return out.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)

    def backward(self, dout):
        m, (fn, c, fh, fw) = self.mutation, self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, fn)
        self.db = np.sum(dout, axis=0) / (len(self.x) if m == "batch" else 1)
        dW = self.col.T @ dout
        self.dW = (dW if m == "transpose" else dW.transpose(1, 0)).reshape(fn, c, fh, fw)
        dcol = dout @ self.col_W.T
        dx = col2im(dcol, self.x.shape, fh, fw, self.stride, self.pad, overwrite=m == "term")
        return -dx if m == "sign" else dx


class Pooling:
    """Max pooling (the textbook's: the gradient to each window's argmax, its first maximal entry) or, with
    ``mean``, average pooling."""

    def __init__(self, size, mean=False, mutation=None):
        self.size, self.mean, self.mutation = size, mean, mutation

    def forward(self, x):
        n, c, h, w = x.shape
        k = self.size
        oh, ow = _out(h, k, k, 0), _out(w, k, k, 0)
        col = im2col(x, k, k, k).reshape(-1, k * k)
        self.x, self.arg_max = x, np.argmax(col, axis=1)
        out = np.mean(col, axis=1) if self.mean else np.max(col, axis=1)
        return out.reshape(n, oh, ow, c).transpose(0, 3, 1, 2)

    def backward(self, dout):
        m, k = self.mutation, self.size
        dout = dout.transpose(0, 2, 3, 1).ravel()
        if self.mean:  # each entry of the window gets 1/k² of the window's gradient
            dmax = np.repeat(dout[:, None], k * k, axis=1) / (1 if m == "derivative" else k * k)
        elif m == "term":  # every entry of the window, not only its maximum
            dmax = np.repeat(dout[:, None], k * k, axis=1)
        else:
            dmax = np.zeros((dout.size, k * k))
            dmax[np.arange(self.arg_max.size), self.arg_max] = dout
        dx = col2im(dmax.reshape(-1, self.x.shape[1] * k * k), self.x.shape, k, k, k)
        return {"sign": -dx, "batch": dx / len(self.x)}.get(m, dx)


class Flatten:
    def __init__(self, mutation=None):
        self.mutation = mutation

    def forward(self, x):
        self.shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dout):
        dx = dout.reshape(self.shape)
        return {"sign": -dx, "batch": dx / len(dout)}.get(self.mutation, dx)


class ElmanRNN:
    """h_t = tanh(x_t Wxᵀ + h_{t−1} Whᵀ + bh), h_0 = 0; the last state (``all_states``: every state, N × T × H)."""

    def __init__(self, mutation=None, all_states=False):
        self.all_states, self.mutation, self.Wx, self.Wh, self.bh = all_states, mutation, None, None, None

    def forward(self, xs):
        h = np.zeros((len(xs), len(self.bh)))
        self.xs, self.hs = xs, [h]
        for t in range(xs.shape[1]):
            h = np.tanh(xs[:, t] @ self.Wx.T + h @ self.Wh.T + self.bh)
            self.hs.append(h)
        return np.stack(self.hs[1:], axis=1) if self.all_states else h

    def backward(self, dout):
        m, xs = self.mutation, self.xs
        dxs = np.zeros_like(xs)
        self.dWx, self.dWh, self.dbh = np.zeros_like(self.Wx), np.zeros_like(self.Wh), np.zeros_like(self.bh)
        dh_next = np.zeros_like(self.hs[0])
        for t in reversed(range(xs.shape[1])):
            h, h_prev = self.hs[t + 1], self.hs[t]
            dh = (dout[:, t] if self.all_states else (dout if t == xs.shape[1] - 1 else 0)) + dh_next
            dt = dh * ((1 - h) if m == "derivative" else (1 - h**2))
            self.dWx += dt.T @ xs[:, t]
            self.dWh += h_prev.T @ dt if m == "transpose" else dt.T @ h_prev
            self.dbh += np.sum(dt, axis=0)
            dxs[:, t] = dt @ self.Wx
            dh_next = 0 * dh_next if m == "term" else dt @ self.Wh  # "term": the recurrent dh_next dropped
        self.dbh /= len(xs) if m == "batch" else 1
        return -dxs if m == "sign" else dxs


class SelfAttention:
    """One head: O = softmax(Q Kᵀ/√d_k) V with Q = X W_Q, K = X W_K, V = X W_V per sample."""

    def __init__(self, mutation=None):
        self.mutation, self.W_Q, self.W_K, self.W_V = mutation, None, None, None

    def forward(self, x):
        self.x, self.q, self.k, self.v = x, x @ self.W_Q, x @ self.W_K, x @ self.W_V
        s = self.q @ self.k.transpose(0, 2, 1) / np.sqrt(self.W_Q.shape[1])
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        self.p = e / e.sum(axis=-1, keepdims=True)
        return self.p @ self.v

    def backward(self, dout):
        m, p, x = self.mutation, self.p, self.x
        dp, dv = dout @ self.v.transpose(0, 2, 1), p.transpose(0, 2, 1) @ dout
        if m == "term":
            ds = p * dp  # the softmax Jacobian's diagonal only
        elif m == "derivative":
            ds = dp * p * (1 - p)  # the elementwise sigmoid-like derivative for the row softmax
        else:
            ds = p * (dp - np.sum(dp * p, axis=-1, keepdims=True))
        ds = ds / np.sqrt(self.W_Q.shape[1])
        dq = ds @ self.k
        dk = ds @ self.q if m == "transpose" else ds.transpose(0, 2, 1) @ self.q
        xt = x.transpose(0, 2, 1)
        self.dW_Q, self.dW_K, self.dW_V = (xt @ dq).sum(axis=0), (xt @ dk).sum(axis=0), (xt @ dv).sum(axis=0)
        self.dW_V /= len(x) if m == "batch" else 1
        dx = dq @ self.W_Q.T + dk @ self.W_K.T + dv @ self.W_V.T
        return -dx if m == "sign" else dx


#: name -> (make(mutation), symnn layer, check_backward options, {mutation: the cause kind symnn names, or None}).
#: Skipped mutations, which these layers do not have: no activation derivative in Conv2D, the pools or Flatten
#: (MaxPool's wrong routing is its dropped-term mutation); no transposed product in the pools or Flatten; no sum of
#: terms in Flatten or AvgPool's backward (each entry gets its window's gradient / k², nothing to drop).
CASES = {
    "conv": (
        lambda mutation=None: Convolution(pad=1, mutation=mutation),
        sn.Conv2D(3, 3, padding=1),
        {"inputs": (2, 4, 4), "params": {"W": "K1", "b": "c1"}},
        {"sign": "sign", "batch": "batch size", "transpose": "transpose", "term": None},
    ),
    "maxpool": (
        lambda mutation=None: Pooling(2, mutation=mutation),
        sn.MaxPool(2),
        {"inputs": (2, 4, 4)},
        {"sign": "sign", "batch": "batch size", "term": None},
    ),
    "avgpool": (
        lambda mutation=None: Pooling(2, mean=True, mutation=mutation),
        sn.AvgPool(2),
        {"inputs": (2, 4, 4)},
        {"sign": "sign", "batch": "batch size", "derivative": "missing factor"},
    ),
    "flatten": (Flatten, sn.Flatten(), {"inputs": (2, 3, 3)}, {"sign": "sign", "batch": "batch size"}),
    "rnn": (
        ElmanRNN,
        sn.RNN(3),
        {"inputs": (3, 2)},
        {
            "sign": "sign",
            "batch": "batch size",
            "transpose": "transpose",
            "term": "missing term",
            "derivative": "activation derivative",
        },
    ),
    "rnn_all": (
        lambda mutation=None: ElmanRNN(mutation, all_states=True),
        sn.RNN(3, outputs="all"),
        {"inputs": (3, 2)},
        {
            "sign": "sign",
            "batch": "batch size",
            "transpose": "transpose",
            "term": None,
            "derivative": "activation derivative",
        },
    ),
    "attention": (
        SelfAttention,
        sn.Attention(d_k=2),
        {"inputs": (3, 2)},
        {"sign": "sign", "batch": "batch size", "transpose": "transpose", "term": "missing term", "derivative": None},
    ),
}

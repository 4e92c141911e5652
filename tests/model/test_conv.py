"""Conv2D, MaxPool, AvgPool: the im2col matrix form against the element-wise correlation, the batch rules against
the element view, backprop against sympy.diff, the compiled code against central differences and against jax.grad
of a JAX forward pass written here (in its own process, as tests/test_jax.py), max pooling's ties, bad shapes."""

import importlib.util
import random
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import sympy as sp

import symnn as sn
from symnn.kernels import conv, pool
from tests.model.test_layers import check_layer, random_point


def _shapes(seed, count=10):
    """(C, H, W, F, kernel, stride, padding) for random small convolutions that fit."""
    rng, out = random.Random(seed), []
    while len(out) < count:
        c, h, w, f = rng.randint(1, 3), rng.randint(2, 5), rng.randint(2, 5), rng.randint(1, 3)
        k, s, p = rng.randint(1, 3), rng.randint(1, 2), rng.randint(0, 1)
        if k <= h + 2 * p and k <= w + 2 * p:
            out.append((c, h, w, f, k, s, p))
    return out


def _correlation(A, K, b, s, p):
    """The convolution entry by entry, by its definition (A: N × C × H × W, K: F × C × kh × kw)."""
    n, c, h, w = A.shape
    f, _, kh, kw = K.shape
    oh, ow = (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1
    out = np.zeros((n, f, oh, ow))
    for i, j, y, x, cc, u, v in np.ndindex(n, f, oh, ow, c, kh, kw):
        yy, xx = s * y + u - p, s * x + v - p
        if 0 <= yy < h and 0 <= xx < w:
            out[i, j, y, x] += K[j, cc, u, v] * A[i, cc, yy, xx]
    return out + b[None, :, None, None]


@pytest.mark.parametrize("shape", _shapes(1, 12))
def test_im2col_matrix_form_is_the_correlation(shape):
    c, h, w, f, k, s, p = shape
    rng = np.random.default_rng(sum(shape))
    A, K, b = rng.normal(size=(2, c, h, w)), rng.normal(size=(f, c, k, k)), rng.normal(size=f)
    col = conv.im2col(A.reshape(2, -1), c, h, w, k, k, s, p)
    oh, ow = conv.out_size(h, k, s, p), conv.out_size(w, k, s, p)
    Z = conv.cols_to_maps(col @ K.reshape(f, -1).T + b, f, oh * ow)
    np.testing.assert_allclose(Z, _correlation(A, K, b, s, p).reshape(2, -1), atol=1e-12)
    # col2im is im2col's adjoint: <im2col(A), D> = <A, col2im(D)>
    D = rng.normal(size=col.shape)
    back = conv.col2im(D, c, h, w, k, k, s, p)
    np.testing.assert_allclose(np.sum(col * D), np.sum(A.reshape(2, -1) * back), rtol=1e-12)
    np.testing.assert_array_equal(conv.maps_to_cols(Z, f), (col @ K.reshape(f, -1).T + b))


@pytest.mark.parametrize("shape", _shapes(2, 10))
def test_conv_batch_rules_equal_the_element_view(shape):
    c, h, w, f, k, s, p = shape
    check_layer([sn.Conv2D(f, k, s, p, bias=s == 1)], (c, h, w), 2 if c * f == 1 else 1, "column", exact=True)


POOLS = [(1, 2, 2, 2, 2), (2, 4, 3, 2, 1), (1, 5, 5, 3, 2), (2, 3, 3, 1, 1)]


@pytest.mark.parametrize(("c", "h", "w", "k", "s"), POOLS)
@pytest.mark.parametrize("ties", ["first", "split"])
def test_pool_batch_rules_equal_the_element_view(c, h, w, k, s, ties):
    check_layer([sn.AvgPool(k, s)], (c, h, w), 1, "column", exact=True)
    net = sn.Network([sn.MaxPool(k, s)], inputs=(c, h, w), pool_ties=ties)
    assert net.pool_ties == ties
    check_layer([sn.MaxPool(k, s)], (c, h, w), 2, "column", exact=False)


def _small_cnns(count=10):
    rng, out = random.Random(5), []
    while len(out) < count:
        c, h, w, f = rng.randint(1, 2), rng.randint(3, 4), rng.randint(3, 4), rng.randint(1, 2)
        k, s, p = rng.randint(1, 3), rng.randint(1, 2), rng.randint(0, 1)
        if k > min(h, w) + 2 * p or c * f > 2:
            continue
        pool_layer = rng.choice([sn.MaxPool(2, 1), sn.AvgPool(2, 1), sn.MaxPool(1)])
        layers = [sn.Conv2D(f, k, s, p), sn.Activation("tanh"), pool_layer, sn.Flatten(), sn.Dense(2)]
        try:
            out.append(sn.Network(layers, inputs=(c, h, w), loss="sse"))
        except ValueError:  # the pooling window does not fit the convolution's output
            continue
    return out


@pytest.mark.parametrize("net", _small_cnns(), ids=repr)
def test_backprop_equals_sympy_diff(net):
    d = sn.backprop(net)
    rng = random.Random(3)
    symbols = sorted(net.loss_expr.free_symbols, key=sp.default_sort_key)
    point = {s: sp.Float(v, 30) for s, v in random_point(symbols, rng).items()}
    params = net.params
    for theta in rng.sample(params, min(12, len(params))):
        want = sp.diff(net.loss_expr, theta).xreplace(point).evalf(30)
        got = d.gradients[theta].xreplace(point).evalf(30)
        assert abs(want - got) < 1e-20 * (1 + abs(want)), (theta, want, got)


def _tie_net(ties):
    layers = [sn.Conv2D(1, 1, bias=False), sn.MaxPool(2), sn.Flatten(), sn.Dense(1, bias=False)]
    return sn.Network(layers, inputs=(1, 2, 4), loss="sse", pool_ties=ties)


@pytest.mark.parametrize("ties", ["first", "split"])
def test_max_pool_ties_follow_the_convention_symbolically_and_compiled(ties):
    net = _tie_net(ties)
    X = np.array([[3.0, 1.0, 2.0, 2.0, 3.0, 0.0, 2.0, 2.0]])  # window 1: 3 twice; window 2: 2 four times
    T = np.array([[0.0]])
    params = {"K1": np.ones((1, 1, 1, 1)), "W1": np.array([[1.0, 1.0]])}
    point = {s: sp.Integer(int(v)) for s, v in zip(net.inputs[0], X[0], strict=True)}
    point |= {net.param_arrays[0].symbols[0]: 1, net.param_arrays[1].symbols[0]: 1, net.param_arrays[1].symbols[1]: 1}
    point |= {net.targets[0][0]: 0}
    d = sn.backprop(net)
    k = net.param_arrays[0].symbols[0]
    symbolic = sp.diff(net.loss_expr, k).subs(point)
    assert d.gradients[k].subs(point) == symbolic
    # dC/dK = (y − t) · (entries sent the window gradients): y = 3 + 2 = 5; first: 3 + 2; split: 3 + 2 as well (the
    # shares sum to 1); the input adjoint tells the conventions apart
    assert symbolic == 5 * (3 + 2)
    g = sp.diff(net.loss_expr, net.inputs[0][0]).subs(point)  # x1 is the first of window 1's two maxima
    assert g == (5 if ties == "first" else sp.Rational(5, 2))
    _, grads = sn.compile(net).value_and_grad(params, X, T)
    assert float(grads["K1"].ravel()[0]) == float(symbolic)


def test_max_share_kernel_at_ties():
    win = np.array([[2.0, 2.0, 1.0, 2.0]])
    assert pool.max_share(win, "first").tolist() == [[1.0, 0.0, 0.0, 0.0]]
    np.testing.assert_allclose(pool.max_share(win, "split"), [[1 / 3, 1 / 3, 0.0, 1 / 3]])
    x = sp.symbols("x1:5", real=True)
    for ties, want in (("first", [1, 0, 0, 0]), ("split", [sp.Rational(1, 3)] * 2 + [0, sp.Rational(1, 3)])):
        m = sn.model.window_max.window_max(sn.model.window_max.ties_code(ties), *x)
        at = dict(zip(x, [2, 2, 1, 2], strict=True))
        assert [sp.diff(m, xi).subs(at) for xi in x] == want
        f = sp.lambdify(x, [sp.diff(m, xi) for xi in x])
        np.testing.assert_allclose(np.array(f(2.0, 2.0, 1.0, 2.0), dtype=float), np.array(want, dtype=float))


CONV_DILATED = {"type": "conv2d", "filters": 1, "kernel": 2, "dilation": 2}
BAD = [
    (
        lambda: sn.Network([sn.Conv2D(1, 4)], inputs=(1, 2, 2)),
        r"Conv2D: the kernel 4 × 4 is larger than the padded input 2 × 2",
    ),
    (
        lambda: sn.Network([sn.Conv2D(1, 6, padding=1)], inputs=(1, 3, 3)),
        r"kernel 6 × 6 .* padded input 5 × 5 \(3 × 3 with padding 1\)",
    ),
    (lambda: sn.Conv2D(1, 3, stride=0), r"Conv2D: stride must be a positive integer, got 0"),
    (lambda: sn.Conv2D(1, 3, padding=-1), r"Conv2D: padding must be an integer ≥ 0, got -1"),
    (lambda: sn.MaxPool(0), r"MaxPool: size must be a positive integer, got 0"),
    (
        lambda: sn.Network([sn.MaxPool(3)], inputs=(1, 2, 4)),
        r"MaxPool: the window 3 × 3 is larger than the input 2 × 4",
    ),
    (lambda: sn.Network([sn.Conv2D(1, 1)], inputs=4), r"Conv2D: its input must be images C × H × W .*got shape 4"),
    (lambda: sn.Network([sn.MaxPool(2)], inputs=(1, 2, 2), pool_ties="last"), r"pool_ties must be one of .*got 'last'"),
    (
        lambda: sn.network_from_spec({"inputs": [1, 4, 4], "layers": [CONV_DILATED]}),
        r"layer 1 \(conv2d\): unknown field 'dilation'; valid fields: type, filters, kernel, stride, padding, bias",
    ),
    (
        lambda: sn.network_from_spec({"inputs": [1, 4, 4], "layers": [{"type": "maxpool", "size": 2, "window": 2}]}),
        r"layer 1 \(maxpool\): unknown field 'window'",
    ),
]


@pytest.mark.parametrize(("make", "message"), BAD)
def test_bad_shapes_get_one_line_naming_the_layer_and_numbers(make, message):
    with pytest.raises(ValueError, match=message) as e:
        make()
    assert "\n" not in str(e.value)


def test_spec_round_trip():
    net = sn.Network(
        [sn.Conv2D(2, (3, 2), 2, 1), sn.Activation("relu"), sn.AvgPool(2, 1), sn.MaxPool(1), sn.Flatten(), sn.Dense(3)],
        inputs=(2, 6, 5),
        pool_ties="split",
    )
    spec = sn.spec_of(net)
    assert sn.spec_of(sn.network_from_spec(spec)) == spec
    assert spec["pool_ties"] == "split" and spec["layers"][0]["kernel"] == [3, 2]


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")
def test_compiled_against_gradcheck_and_jax_grad_of_an_independent_forward_pass():
    code = textwrap.dedent(
        """
        import jax, jax.numpy as jnp, numpy as np, random
        import symnn as sn
        from tests.model.test_conv import _shapes
        jax.config.update("jax_enable_x64", True)

        def reference(params, X, T, shape, pooling, ties_free=True):
            c, h, w, f, k, s, p = shape
            A = X.reshape(-1, c, h, w)
            Z = jax.lax.conv_general_dilated(A, params["K1"], (s, s), [(p, p), (p, p)])
            Z = Z + params["c1"][None, :, None, None]
            H = jnp.tanh(Z)
            kind, size, stride = pooling
            init, op = (-jnp.inf, jax.lax.max) if kind == "max" else (0.0, jax.lax.add)
            P = jax.lax.reduce_window(H, init, op, (1, 1, size, size), (1, 1, stride, stride), "VALID")
            if kind == "avg":
                P = P / size**2
            Y = P.reshape(P.shape[0], -1) @ params["W1"].T + params["b1"]
            return 0.5 * jnp.sum((Y - T) ** 2) / X.shape[0]

        rng = np.random.default_rng(0)
        for i, shape in enumerate(_shapes(7, 10)):
            c, h, w, f, k, s, p = shape
            oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
            size = min(2, oh, ow)
            pooling = ("max" if i % 2 else "avg", size, 1 + i % 2 if size > 1 else 1)
            pool_layer = (sn.MaxPool if pooling[0] == "max" else sn.AvgPool)(pooling[1], pooling[2])
            net = sn.Network([sn.Conv2D(f, k, s, p), sn.Activation("tanh"), pool_layer, sn.Flatten(), sn.Dense(2)],
                             inputs=(c, h, w), loss="sse")
            mn = sn.compile(net)
            params = {kk: v + 0.1 * rng.normal(size=v.shape) for kk, v in mn.init(seed=i).items()}
            X, T = rng.normal(size=(3, c * h * w)), rng.normal(size=(3, 2))
            result = sn.gradcheck(mn, params, X, T)
            assert result, (shape, result.message)
            loss, grads = mn.value_and_grad(params, X, T)
            jp = {kk: jnp.asarray(v) for kk, v in params.items()}
            want_loss, want = jax.value_and_grad(reference)(jp, jnp.asarray(X), jnp.asarray(T), shape, pooling)
            np.testing.assert_allclose(loss, float(want_loss), rtol=1e-12)
            for kk in grads:
                np.testing.assert_allclose(grads[kk], np.asarray(want[kk]), rtol=1e-9, atol=1e-12, err_msg=str(shape))
            if i < 3:  # the JAX backend too (each shape a jit compilation)
                mj = sn.compile(net, backend="jax")
                gj = mj.value_and_grad(mj._to_backend(params), X, T)[1]
                for kk in grads:
                    np.testing.assert_allclose(np.asarray(gj[kk]), grads[kk], rtol=1e-9, atol=1e-12, err_msg=str(shape))
        # ties: the JAX backend routes them by the network's convention as NumPy does
        for ties in ("first", "split"):
            net = sn.Network([sn.Conv2D(1, 1, bias=False), sn.MaxPool(2), sn.Flatten(), sn.Dense(1, bias=False)],
                             inputs=(1, 2, 4), loss="sse", pool_ties=ties)
            X = np.array([[3.0, 1.0, 2.0, 2.0, 3.0, 0.0, 2.0, 2.0]])
            params = {"K1": np.ones((1, 1, 1, 1)), "W1": np.array([[1.0, -2.0]])}
            mn, mj = sn.compile(net), sn.compile(net, backend="jax")
            gn = mn.value_and_grad(params, X, np.zeros((1, 1)))[1]
            gj = mj.value_and_grad(mj._to_backend(params), X, np.zeros((1, 1)))[1]
            for kk in gn:
                np.testing.assert_allclose(np.asarray(gj[kk]), gn[kk], rtol=1e-12)
        """
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]

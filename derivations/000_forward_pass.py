"""Seed 000: the forward pass of a 2-3-2 network as matrices and vectors, h = f(W1 x + b1), y = g(W2 h + b2).

Run: python derivations/000_forward_pass.py [OUTDIR]   (default docs/derivations)
"""

import sys
from pathlib import Path

import numpy as np
import sympy as sp

import symnn as sn
from symnn.render import Document, latex, network_diagram

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "derivations"

# The seed's network: 2 inputs, 3 hidden units, 2 outputs, column vectors (z = W a + b).
net = sn.MLP([2, 3, 2], activation="sigmoid", output="sigmoid", convention="column")
view = net.matrix_view
doc = Document({"en": "The forward pass as matrices", "ja": "ニューラルネットワークの計算を行列で書く"})
doc.text(
    {
        "en": "Each layer of a neural network adds and multiplies matrices and vectors, then applies an activation "
        "function to every element. For a network with 2 inputs, 3 hidden units and 2 outputs:",
        "ja": "ニューラルネットワークの各層の計算は、行列とベクトルの掛け算・足し算と、要素ごとの活性化関数の適用で"
        "できています。入力 2 個、隠れ層のユニット 3 個、出力 2 個のネットワークで見てみましょう。",
    }
)
doc.figure(network_diagram(net))

# The two layers in matrix form: h = f(W1 x + b1) and y = g(W2 h + b2); symnn names h a^(1) and y a^(2).
doc.heading({"en": "The formulas", "ja": "数式の概要"})
doc.equations(view.equations)
doc.text(
    {
        "en": "$W^{(l)}$ is the weight matrix of layer $l$, $b^{(l)}$ its bias vector, $\\sigma$ the activation "
        "function applied elementwise; $a^{(1)}$ is the hidden layer's output vector (the seed's $h$) and "
        "$a^{(2)}$ the output $y$. Nested, the whole network is",
        "ja": "$W^{(l)}$ は第 $l$ 層の重み行列、$b^{(l)}$ はバイアスベクトル、$\\sigma$ は要素ごとに適用する"
        "活性化関数です。$a^{(1)}$ は隠れ層の出力ベクトル（元のノートの $h$）、$a^{(2)}$ は出力 $y$ です。"
        "入れ子にして書くと、ネットワーク全体は次の式になります。",
    }
)
doc.equation(sp.Symbol("y"), view.forward)

# The hidden layer, entry by entry: W1 is 3x2 and x is 2x1, so W1 x is 3x1.
doc.heading({"en": "The hidden layer", "ja": "隠れ層の計算"})
W1, x, b1 = net.weight_matrix(1), sp.Matrix(net.inputs), net.bias_vector(1)
doc.text({"en": "**Matrix times vector.**", "ja": "**行列とベクトルの掛け算**"})
doc.math(f"W^{{(1)}} = {latex(W1)}, \\quad x = {latex(x)}")
doc.math(f"W^{{(1)}} x = {latex(W1 * x)}")
doc.text(
    {
        "en": "Each input is scaled by its weight and the products are summed: one dot product per hidden unit.",
        "ja": "各入力が対応する重みでスケーリングされ、線形結合されます。隠れ層のユニットごとに 1 つの内積です。",
    }
)
doc.text({"en": "**Adding the bias.**", "ja": "**バイアスの加算**"})
doc.math(f"b^{{(1)}} = {latex(b1)}, \\quad W^{{(1)}} x + b^{{(1)}} = {latex(W1 * x + b1)}")
doc.text({"en": "**Applying the activation** to each element:", "ja": "**活性化関数の適用**：各要素に適用します。"})
h = (W1 * x + b1).applyfunc(sn.sigmoid)
doc.math(f"a^{{(1)}} = \\sigma\\left(W^{{(1)}} x + b^{{(1)}}\\right) = {latex(h)}")

# The output layer takes the hidden outputs a^(1) as its input vector: W2 is 2x3.
doc.heading({"en": "The output layer", "ja": "出力層の計算"})
W2, b2 = net.weight_matrix(2), net.bias_vector(2)
a1 = sp.Matrix([net.act(1, j) for j in range(1, 4)])
doc.math(f"W^{{(2)}} = {latex(W2)}, \\quad a^{{(1)}} = {latex(a1)}, \\quad b^{{(2)}} = {latex(b2)}")
doc.math(f"W^{{(2)}} a^{{(1)}} + b^{{(2)}} = {latex(W2 * a1 + b2)}")
doc.math("y = \\sigma\\left(W^{(2)} a^{(1)} + b^{(2)}\\right)")

# Numbers: every weight 1/2, every bias -1, input (1, 2); symnn's exact forward pass against NumPy's.
doc.heading({"en": "With numbers", "ja": "数値で確かめる"})
values = {"W1": [[sp.S.Half] * 2] * 3, "b1": [-1] * 3, "W2": [[sp.S.Half] * 3] * 2, "b2": [-1] * 2}
y = net.forward([1, 2], values)
doc.text(
    {
        "en": "With every weight $\\frac{1}{2}$, every bias $-1$ and the input $x = (1, 2)^\\top$, the hidden "
        "units all get $z = \\frac{1}{2}$ and the outputs are exactly",
        "ja": "重みをすべて $\\frac{1}{2}$、バイアスをすべて $-1$、入力を $x = (1, 2)^\\top$ とすると、隠れ層の"
        "重み付き入力はどれも $z = \\frac{1}{2}$ で、出力は厳密に次の値になります。",
    }
)
doc.equation(sp.Symbol("y_1"), y[0])
doc.text(
    {
        "en": f"that is, $y_1 = y_2 \\approx {float(y[0]):.6f}$.",
        "ja": f"つまり $y_1 = y_2 \\approx {float(y[0]):.6f}$ です。",
    }
)
doc.write(OUT, "000-forward-pass")

# The matrix products reproduce the element view, and the numbers match a NumPy forward pass.
assert list(W1 * x + b1) == net.z_local[0]
assert list(W2 * a1 + b2) == net.z_local[1]
assert net.matrix_view.explicit(view.forward) == sp.Matrix(net.outputs)
s = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
y_np = s(np.full((2, 3), 0.5) @ s(np.full((3, 2), 0.5) @ np.array([1.0, 2.0]) - 1) - 1)
assert np.allclose([float(v) for v in y], y_np)
assert y[0] == y[1] == sn.sigmoid(3 * sn.sigmoid(sp.S.Half) / 2 - 1)

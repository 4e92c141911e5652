"""Seed 002: signal propagation as matrices in the row convention (A = X W + B), h() = sigmoid and ReLU, and the
overflow-safe softmax.

Run: python derivations/002_signal_propagation.py [OUTDIR]   (default docs/derivations)
"""

import sys
from pathlib import Path

import numpy as np
import sympy as sp

import symnn as sn
from symnn.render import Document, activation_plot, latex, network_diagram
from symnn.render.formula import cases

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "derivations"

# The textbook's network (ゼロから作るDeep Learning, p. 60): 2 inputs, 3 hidden units, 2 outputs, one sample a row.
net = sn.MLP([2, 3, 2], activation="sigmoid", output="softmax", loss="cross-entropy", convention="row")
doc = Document({"en": "Signal propagation as matrices", "ja": "ニューラルネットワークにおける信号伝達の行列による計算"})
doc.figure(network_diagram(net))
doc.text(
    {
        "en": "$w^{(1)}_{12}$ is a weight of layer 1, into the 1st unit of the next layer from the 2nd unit of the "
        "previous one. In the row convention a sample is a row vector $X$, and the first layer computes",
        "ja": "$w^{(1)}_{12}$ は第 1 層の重みで、前層の 2 番目のニューロンから次層の 1 番目のニューロンへの重みです。"
        "1 つのサンプルを行ベクトル $X$ とすると、第 1 層の計算は次の行列式になります。",
    }
)

# Layer 1 in the row convention: Z = X W + B, with W laid out n_(l-1) × n_l (so W is the transpose of column W).
Z1, XW_B = net.matrix_view.equations[0]
doc.equation(Z1, XW_B)
X = sp.Matrix([net.inputs])
W1, B1 = net.weight_matrix(1), net.bias_vector(1)
Z = X * W1 + B1
doc.text({"en": "where", "ja": "ただし"})
doc.math(f"X = {latex(X)}, \\quad W^{{(1)}} = {latex(W1)}, \\quad B^{{(1)}} = {latex(B1)}")
doc.math(f"Z^{{(1)}} = {latex(Z)}")
doc.text(
    {
        "en": "(The textbook calls this weighted input $A^{(1)}$; symnn keeps $Z$ for weighted inputs and $A$ for "
        "activations in both conventions.) Every entry is the same weighted input as in the column convention: "
        "only the layout of the matrices changes.",
        "ja": "（教科書ではこの重み付き入力を $A^{(1)}$ と書きますが、symnn はどちらの形でも重み付き入力を $Z$、"
        "活性化を $A$ と書きます。）各要素は列ベクトルの形と同じ重み付き入力で、変わるのは行列の並べ方だけです。",
    }
)

# The activation functions h(): the sigmoid and ReLU, their formulas and their graphs.
doc.heading({"en": "Activation functions", "ja": "活性化関数"})
z = sp.Symbol("z", real=True)
doc.equation(sn.sigmoid(z), sn.sigmoid(z).rewrite(sp.exp))
doc.math(f"{latex(sn.relu(z))} = " + cases([(z, z > 0), (0, z <= 0)]))
doc.figure(
    activation_plot(
        [(r"\sigma(z)", sn.sigmoid(z), z), (r"\operatorname{ReLU}(z)", sn.relu(z), z)],
        yrange=(-0.25, 2.5),
        xrange=(-4.0, 4.0),
    )
)

# Softmax: every output is in (0, 1) and they sum to 1, so they can be read as probabilities.
doc.heading({"en": "Softmax", "ja": "ソフトマックス関数"})
a = sp.symbols("a1:4", real=True)
y1 = sn.softmax(1, *a)
doc.text(
    {
        "en": "The output layer's softmax turns $n$ numbers into values between 0 and 1 that sum to 1:",
        "ja": "出力層のソフトマックス関数は、$n$ 個の値を 0 から 1 の値に変え、その合計は 1 になります。",
    }
)
doc.math(r"y_k = \frac{\exp(a_k)}{\sum_{i=1}^{n} \exp(a_i)}")
doc.text(
    {
        "en": "$\\exp(1000)$ overflows. Multiplying the numerator and the denominator by the same constant $C$ "
        "changes nothing, and $C = e^{C'}$ moves into the exponent:",
        "ja": "このままでは $\\exp(1000)$ が桁あふれします。分子と分母に同じ定数 $C$ を掛けても値は変わらず、"
        "$C = e^{C'}$ とおくと指数の中に移せます。",
    }
)
doc.math(
    "\\begin{aligned}\ny_k &= \\frac{\\exp(a_k)}{\\sum_{i=1}^{n} \\exp(a_i)} "
    "= \\frac{C \\exp(a_k)}{C \\sum_{i=1}^{n} \\exp(a_i)} \\\\\n"
    "&= \\frac{\\exp(a_k + \\log C)}{\\sum_{i=1}^{n} \\exp(a_i + \\log C)} "
    "= \\frac{\\exp(a_k + C')}{\\sum_{i=1}^{n} \\exp(a_i + C')}\n\\end{aligned}"
)
# The shift really changes nothing: SymPy proves softmax(a + c) = softmax(a) for a symbolic c.
c = sp.Symbol("c", real=True)
shifted = sn.softmax(1, *(ai + c for ai in a)).rewrite(sp.exp)
assert sp.simplify(shifted - y1.rewrite(sp.exp)) == 0
doc.text(
    {
        "en": "Any $C'$ works; $C' = -\\max_i a_i$ makes the largest exponent 0, so nothing overflows. "
        "symnn's compiled softmax does exactly that:",
        "ja": "$C'$ は任意ですが、$C' = -\\max_i a_i$ とすると指数の最大値が 0 になり、桁あふれしません。"
        "symnn がコンパイルするソフトマックス関数もそうしています。",
    }
)
f_safe = sp.lambdify(a, y1, modules="numpy")
big = (1010.0, 1000.0, 990.0)
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(big[0]) / sum(np.exp(v) for v in big)
safe = float(f_safe(*big))
doc.table(
    [{"en": "inputs $a$", "ja": "入力 $a$"}, {"en": "textbook form", "ja": "基本形"}, {"en": "symnn", "ja": "symnn"}],
    [["$(1010, 1000, 990)$", f"`{naive}`", f"${safe:.10f}$"]],
)
doc.write(OUT, "002-signal-propagation")

# The row convention's product equals the element view; the safe softmax is finite and right where the naive
# one is nan, and it agrees with exact arithmetic.
assert list(Z) == [net.z_local[0][j] for j in range(3)]
assert list(net.matrix_view.explicit(XW_B)) == list(Z)
assert np.isnan(naive)
exact = sp.exp(20) / (sp.exp(20) + sp.exp(10) + 1)  # the same softmax with the max (1010 - 990 = 20) taken out
assert abs(safe - float(exact)) < 1e-15

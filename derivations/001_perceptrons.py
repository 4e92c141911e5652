"""Seed 001: neurons, thresholds and perceptrons; the logic gates AND, NAND, OR, and XOR in two layers.

Run: python derivations/001_perceptrons.py [OUTDIR]   (default docs/derivations)
"""

import sys
from itertools import product
from pathlib import Path

import sympy as sp

import symnn as sn
from symnn.render import Document, latex
from symnn.render.formula import cases

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "derivations"

doc = Document({"en": "Perceptrons and logic gates", "ja": "パーセプトロンと論理回路"})
doc.text(
    {
        "en": "A neuron receives signals and fires once their sum reaches a **threshold** $\\theta$. A perceptron "
        "models this: every input $x_k$ is multiplied by its own **weight** $w_k$, and the output is 1 only when "
        "the weighted sum is above $\\theta$ (signals are 0, \u201cno flow\u201d, or 1, \u201cflow\u201d).",
        "ja": "ニューロンは入力信号を受け取り、その総和が**閾値** $\\theta$ に達すると**発火**します。"
        "パーセプトロンはこれをモデル化したもので、各入力 $x_k$ に固有の**重み** $w_k$ を掛け、その総和が "
        "$\\theta$ を超えたときにだけ 1 を出力します（信号は「流さない」0 と「流す」1 の二値です）。",
    }
)

# One input: y = u(w1 x1 - θ) with the step that fires only above the threshold (u(0) = 0, seed 001).
w1, w2, x1, x2, theta = sp.symbols("w_1 w_2 x_1 x_2 theta", real=True)
fires_above = lambda z: sn.step(z, 0)  # noqa: E731
one = sn.unit([w1], [x1], threshold=theta, activation=fires_above)
cases_one = sp.Piecewise((0, w1 * x1 <= theta), (1, w1 * x1 > theta))
doc.heading({"en": "One input", "ja": "一つの入力を受け取るパーセプトロン"})
doc.math("y = " + cases([(0, w1 * x1 <= theta), (1, w1 * x1 > theta)]))
doc.text(
    {
        "en": f"symnn writes it with the unit step $u$: $y = {latex(one)}$, where $u(0) = 0$.",
        "ja": f"symnn では単位ステップ関数 $u$ を使って $y = {latex(one)}$ と書きます（$u(0) = 0$）。",
    }
)

# Two inputs: each input has its own weight; the weights say how much each signal matters.
two = sn.unit([w1, w2], [x1, x2], threshold=theta, activation=fires_above)
cases_two = sp.Piecewise((0, w1 * x1 + w2 * x2 <= theta), (1, w1 * x1 + w2 * x2 > theta))
doc.heading({"en": "Two inputs", "ja": "二つの入力を受け取るパーセプトロン"})
doc.math("y = " + cases([(0, w1 * x1 + w2 * x2 <= theta), (1, w1 * x1 + w2 * x2 > theta)]))
doc.text(
    {
        "en": "The larger a weight, the more its signal counts toward firing.",
        "ja": "重みが大きいほど、その信号の重要性が高くなります。",
    }
)

# The gates: one unit each, with the textbook's weights and thresholds.
doc.heading({"en": "Logic gates", "ja": "論理回路"})
doc.text(
    {
        "en": "With the weights $(w_1, w_2)$ and threshold $\\theta$ below, a single perceptron computes AND, NAND "
        "and OR. XOR cannot be done by one unit (its 1s are not on one side of a line), but two layers do it: "
        "$\\mathrm{XOR}(x_1, x_2) = \\mathrm{AND}(\\mathrm{NAND}(x_1, x_2), \\mathrm{OR}(x_1, x_2))$.",
        "ja": "下の重み $(w_1, w_2)$ と閾値 $\\theta$ で、1 つのパーセプトロンが AND・NAND・OR を計算します。"
        "XOR は 1 つのユニットではできません（出力が 1 の点を直線で分けられない）が、2 層にすればできます："
        "$\\mathrm{XOR}(x_1, x_2) = \\mathrm{AND}(\\mathrm{NAND}(x_1, x_2), \\mathrm{OR}(x_1, x_2))$。",
    }
)
params = {"AND": ("1/2", "1/2", "7/10"), "NAND": ("-1/2", "-1/2", "-7/10"), "OR": ("1/2", "1/2", "1/5")}
tables = {name: sn.truth_table(gate) for name, gate in sn.GATES.items()}
tables["XOR"] = sn.truth_table(sn.xor)
header = ["$x_1$", "$x_2$", *tables]
rows = [[str(a), str(b), *(str(tables[g][(a, b)]) for g in tables)] for a, b in product((0, 1), repeat=2)]
doc.table(header, rows)
doc.table(
    [{"en": "gate", "ja": "ゲート"}, "$w_1$", "$w_2$", "$\\theta$"],
    [[name, *(f"${latex(sp.Rational(v))}$" for v in p)] for name, p in params.items()],
)

# Several outputs at once: three units reading the same inputs are three dot products, y = W x.
doc.heading({"en": "Several outputs: vectors and matrices", "ja": "ベクトルと行列を用いた表現"})
W = sp.Matrix(3, 3, lambda j, k: sp.Symbol(f"w_{{{j + 1}{k + 1}}}"))
x = sp.Matrix(sp.symbols("x_1:4"))
doc.text(
    {
        "en": "Three output units that each weigh the same three inputs are three independent dot products; "
        "together they are one matrix-vector product:",
        "ja": "3 つの出力ノードがそれぞれ同じ 3 つの入力に重みを掛けるとき、これは 3 つの独立した内積であり、"
        "まとめると 1 つの行列とベクトルの積になります。",
    }
)
doc.math(f"\\begin{{pmatrix}} y_1 \\\\ y_2 \\\\ y_3 \\end{{pmatrix}} = {latex(W * x)} = {latex(W)} {latex(x)}")
doc.write(OUT, "001-perceptrons")

# Checks against Python's own boolean operators, and the units against their case definitions.
for a, b in product((0, 1), repeat=2):
    assert tables["AND"][(a, b)] == (a and b)
    assert tables["NAND"][(a, b)] == int(not (a and b))
    assert tables["OR"][(a, b)] == (a or b)
    assert tables["XOR"][(a, b)] == a ^ b
for vals in [(1, 2, 3, 4, 11), (1, 2, 3, 4, 10), (-1, 0, 2, 5, -2)]:
    s = dict(zip((w1, w2, x1, x2, theta), vals, strict=True))
    assert two.xreplace(s) == cases_two.xreplace(s)
    assert one.xreplace(s) == cases_one.xreplace(s)
assert list(W * x) == [sum(W[j, k] * x[k] for k in range(3)) for j in range(3)]

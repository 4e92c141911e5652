"""Seed 003: units (threshold -> bias), the sigmoid and its derivative, partial derivatives, the linear
approximation, the chain rule examples, gradient descent, and the 4x3 digit recogniser trained end to end.

Run: python derivations/003_units_chain_rule.py [OUTDIR]   (default docs/derivations)
"""

import sys
from pathlib import Path

import sympy as sp

import symnn as sn
from symnn.render import Document, activation_plot, derivation_document, latex, network_diagram
from symnn.render.build import add_verdict
from symnn.training.datasets import render_image

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "derivations"
doc = Document({"en": "How deep learning works: the mathematics", "ja": "ディープラーニングの仕組みを知ろう！数学編"})

# 1. A neuron fires when the weighted sum reaches θ: y = u(w·x − θ); writing b = −θ gives y = a(w·x + b).
ws, xs = sp.symbols("w1:4", real=True), sp.symbols("x1:4", real=True)
theta, b, z = sp.symbols("theta b z", real=True)
fire = sn.unit(ws, xs, threshold=theta)
unit_b = sn.unit(ws, xs, bias=b, activation=sn.sigmoid)
doc.heading({"en": "Units", "ja": "ユニット"})
doc.text(
    {
        "en": "A neuron fires ($y = 1$) when $w_1 x_1 + w_2 x_2 + w_3 x_3 \\geq \\theta$. With the unit step $u$:",
        "ja": "ニューロンは $w_1 x_1 + w_2 x_2 + w_3 x_3 \\geq \\theta$ のとき発火します（$y = 1$）。"
        "単位ステップ関数 $u$ を使うと、発火の式は次のとおりです。",
    }
)
doc.equation(sp.Symbol("y"), fire)
doc.text(
    {
        "en": "$z = w_1 x_1 + w_2 x_2 + w_3 x_3 - \\theta$ is the unit's **weighted input**. Replacing $u$ by any "
        "**activation function** $a$, and $-\\theta$ by a bias $b$ so that everything is a sum, gives a **unit** "
        "with the sigmoid as its activation:",
        "ja": "$z = w_1 x_1 + w_2 x_2 + w_3 x_3 - \\theta$ をそのニューロンに対する**重み付き入力**といいます。"
        "$u$ を一般の**活性化関数** $a$ に、$-\\theta$ をバイアス $b$ に置き換えてすべて足し算に統一すると、"
        "シグモイド関数を活性化関数とする**ユニット**になります。",
    }
)
doc.equation(sp.Symbol("y"), unit_b)
doc.equation(sn.sigmoid(z), sn.sigmoid(z).rewrite(sp.exp))
doc.figure(activation_plot([(r"\sigma(z)", sn.sigmoid(z), z), ("u(z)", sn.step(z), z)], xrange=(-6.0, 6.0)))

# 2. Units in layers are simultaneous recurrences: a^(l)_j from the a^(l-1)_k (seed 003's a^3_1, a^3_2).
net = sn.MLP([12, 3, 2], activation="sigmoid", output="sigmoid", loss="sse")
doc.heading({"en": "Layers as recurrences", "ja": "数列と漸化式"})
doc.text(
    {
        "en": "The outputs of one layer are the inputs of the next: the output layer of a 12-3-2 network is "
        "(symnn counts the input layer as layer 0, so the seed's $a^3$ is $a^{(2)}$ here)",
        "ja": "ユニットの入力と出力は連立漸化式で結ばれています。12-3-2 ネットワークの出力層は次のとおりです"
        "（symnn は入力層を第 0 層と数えるので、元のノートの $a^3$ はここでの $a^{(2)}$ です）。",
    }
)
doc.equations([(net.act(2, j), sn.sigmoid(net.z_local[1][j - 1])) for j in (1, 2)])

# 3. Derivatives: d/dy (2 − y)² term by term, and the sigmoid's derivative σ' = σ(1 − σ).
y = sp.Symbol("y", real=True)
C = sp.Symbol("C", real=True)
d_sq = sn.chain_rule(sp.Eq(C, (2 - y) ** 2), y)
doc.heading({"en": "Derivatives", "ja": "微分"})
doc.extend(derivation_document(d_sq))
sigma_prime = sp.diff(sn.sigmoid(z), z)
doc.heading({"en": "The derivative of the sigmoid", "ja": "シグモイド関数の微分公式"}, level=3)
doc.equation(sp.Derivative(sn.sigmoid(z), z), sigma_prime)
verdict = sn.verify(sp.diff(sn.sigmoid(z).rewrite(sp.exp), z), sn.sigmoid(z) * (1 - sn.sigmoid(z)))
doc.text(
    {
        "en": "symnn.verify checks the formula against the derivative of the definition $1/(1 + e^{-z})$:",
        "ja": "定義 $1/(1 + e^{-z})$ を微分したものと一致することを symnn.verify で確かめます。",
    }
)
add_verdict(doc, verdict, heading=False)
doc.text(
    {
        "en": "The derivative comes from the function's own value: no differentiation is needed to compute it.",
        "ja": "導関数の値が関数の値そのものから求まるので、微分計算をせずに済みます。",
    }
)

# 4. Partial derivatives of z = w x + b, and the linear approximation f(x + Δx) ≈ f(x) + f'(x) Δx.
w, x = sp.symbols("w x", real=True)
zz = w * x + b
doc.heading({"en": "Partial derivatives and the linear approximation", "ja": "偏微分と関数の近似公式"})
doc.math(
    ", \\quad ".join(
        f"\\frac{{\\partial z}}{{\\partial {v}}} = {latex(sp.diff(zz, s))}" for v, s in (("x", x), ("w", w), ("b", b))
    )
    + f" \\qquad (z = {latex(zz)})"
)
dx = sp.Rational(1, 10)
exact = sn.sigmoid(dx)
approx = sn.sigmoid(0) + sigma_prime.subs(z, 0) * dx
doc.math(r"f(x + \Delta x) \simeq f(x) + f'(x) \Delta x")
doc.text(
    {
        "en": f"For the sigmoid at $x = 0$ with $\\Delta x = {latex(dx)}$: $\\sigma({latex(dx)}) \\approx "
        f"{float(exact):.6f}$ and $\\sigma(0) + \\sigma'(0) \\Delta x = {latex(approx)}$.",
        "ja": f"シグモイド関数で $x = 0$、$\\Delta x = {latex(dx)}$ とすると、$\\sigma({latex(dx)}) \\approx "
        f"{float(exact):.6f}$、$\\sigma(0) + \\sigma'(0) \\Delta x = {latex(approx)}$ です。",
    }
)

# 5. The chain rule: one variable (y = u², u = 2 − x) and two (C = u² + v², u = ax + by, v = px + qy).
u, v, a, bb, p, q = sp.symbols("u v a b p q", real=True)
d1 = sn.chain_rule(u**2, x, via={u: 2 - x})
d2 = sn.chain_rule(sp.Eq(C, u**2 + v**2), x, via={u: a * x + bb * y, v: p * x + q * y})
doc.heading({"en": "The chain rule", "ja": "連鎖律"})
doc.extend(derivation_document(d1))
doc.extend(derivation_document(d2))

# 6. Gradient descent on C = (2 − y)²: y ← y − η dC/dy walks to the minimum y = 2, where dC/dy = 0.
eta = sp.Rational(1, 4)
dC = next(iter(d_sq.results.values()))
path = [sp.Integer(0)]
for _ in range(20):
    path.append(path[-1] - eta * dC.subs(y, path[-1]))
doc.heading({"en": "Gradient descent", "ja": "勾配降下法"})
doc.text(
    {
        "en": f"At a minimum the derivative is 0. Starting at $y = 0$ and stepping $y \\leftarrow y - \\eta "
        f"\\frac{{dC}}{{dy}}$ with $\\eta = {latex(eta)}$, the iterates approach 2: after 20 steps "
        f"$y \\approx {float(path[-1]):.6f}$.",
        "ja": f"最小値では導関数が 0 になります。$y = 0$ から $y \\leftarrow y - \\eta \\frac{{dC}}{{dy}}$"
        f"（$\\eta = {latex(eta)}$）と更新すると 2 に近づき、20 回で $y \\approx {float(path[-1]):.6f}$ です。",
    }
)
# 7. The example problem: tell handwritten 0 from 1 in 4x3 black-and-white images (64 training images).
data = sn.digits4x3()
digits = sn.MLP([12, 3, 2], activation="sigmoid", output="sigmoid", loss="sse")
model = sn.compile(digits)  # NumPy code generated from the derivation
params, history = sn.train(
    model, data.X, data.targets(), lr=2.0, epochs=1000, seed=0, X_test=data.X_test, T_test=data.targets(test=True)
)
Y = model.forward(params, data.X)
Y_test = model.forward(params, data.X_test)
right = int((Y.argmax(axis=1) == data.labels).sum())
right_test = int((Y_test.argmax(axis=1) == data.labels_test).sum())
doc.heading({"en": "The 4 × 3 digit recogniser, trained", "ja": "例題：4 × 3 画素の数字「0」「1」の識別"})
doc.text(
    {
        "en": "Tell a handwritten 0 from a 1 in images of 4 × 3 black-and-white pixels, from 64 training images: "
        "12 inputs (one per pixel), 3 hidden units and 2 outputs (one per digit), all sigmoid units, and the sum "
        "of squared errors as the loss.",
        "ja": "4 × 3 画素のモノクロ 2 階調の画像で読み取られた手書きの数字「0」「1」を、"
        "64 枚の学習データから識別します。"
        "入力は画素ごとに 12 個、隠れ層のユニットは 3 個、出力は数字ごとに 2 個で、活性化関数はすべてシグモイド関数、"
        "損失関数は二乗和誤差です。",
    }
)
doc.figure(network_diagram(digits, name="digits"))
doc.text(
    {
        "en": f"symnn compiles the derived gradients to NumPy and trains by gradient descent on all 64 images at once "
        rf"($\eta = 2$, 1000 epochs). It then classifies {right} of the 64 training images and {right_test} of "
        f"{len(data.labels_test)} noisy images it has not seen:",
        "ja": "symnn が導出した勾配を NumPy にコンパイルし、64 枚すべてを使う勾配降下法"
        r"（$\eta = 2$、1000 エポック）で"
        f"学習すると、学習データ 64 枚のうち {right} 枚、学習に使っていないノイズ入りの画像 "
        f"{len(data.labels_test)} 枚のうち {right_test} 枚を正しく識別します。",
    }
)
doc.table(
    [
        {"en": "epoch", "ja": "エポック"},
        "$C$",
        {"en": "training accuracy", "ja": "学習データの正解率"},
        {"en": "held-out accuracy", "ja": "未知データの正解率"},
    ],
    [
        [str(e), f"{history.loss[e - 1]:.3f}", f"{history.accuracy[e - 1]:.3f}", f"{history.test_accuracy[e - 1]:.3f}"]
        for e in (1, 10, 100, 1000)
    ],
)
doc.text(
    {
        "en": "Two of the training images and the network's responses $(y_1, y_2)$:",
        "ja": "学習データの画像 2 枚とネットワークの反応 $(y_1, y_2)$ です。",
    }
)
for i in (0, 40):
    doc.code(render_image(data.X[i]), language="text")
    doc.text(f"$y = ({Y[i, 0]:.2f}, {Y[i, 1]:.2f})$")
doc.write(OUT, "003-units-chain-rule")

# Checks: threshold and bias agree, σ' against the derivative of its definition, the chain rule against
# sympy.diff of the composition, the linear approximation's error is second order, descent converges.
assert fire.xreplace({theta: -b}) == sn.step(sum(wi * xi for wi, xi in zip(ws, xs, strict=True)) + b)
assert sp.simplify(sp.diff(sn.sigmoid(z).rewrite(sp.exp), z) - sigma_prime.rewrite(sp.exp)) == 0
assert sp.expand(next(iter(d_sq.results.values())) - sp.diff((2 - y) ** 2, y)) == 0
assert sp.expand(next(iter(d1.results.values())) - sp.diff((2 - x) ** 2, x)) == 0
composed = (a * x + bb * y) ** 2 + (p * x + q * y) ** 2
assert sp.expand(next(iter(d2.results.values())) - sp.diff(composed, x)) == 0
assert abs(float(exact - approx)) < float(dx) ** 2
assert abs(path[-1] - 2) < sp.Rational(1, 1000)
assert verdict.status == "proved"
assert right == 64 and right_test >= 0.8 * len(data.labels_test)
assert history.loss[-1] < history.loss[0] / 10

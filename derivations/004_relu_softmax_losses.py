"""Seed 004: ReLU, softmax's worked numbers (0.622 / 0.378), MSE, cross-entropy (and binary cross-entropy for sigmoid
outputs), backpropagation and steepest descent.

Run: python derivations/004_relu_softmax_losses.py [OUTDIR]   (default docs/derivations)
"""

import math
import sys
from pathlib import Path

import sympy as sp

import symnn as sn
from symnn.render import Document, activation_plot, derivation_document, latex
from symnn.render.codeview import add_function, add_user_activation
from symnn.render.formula import cases

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "derivations"

doc = Document({"en": "ReLU, softmax, losses and backpropagation", "ja": "ニューラルネットワークの基礎"})

# 1. ReLU outputs 0 below 0 and its input from 0 on: h = f(u) = max(0, u).
u = sp.Symbol("u", real=True)
doc.heading({"en": "1. The rectified linear unit (ReLU)", "ja": "1. 正規化線形関数 (ReLU)"})
doc.text(
    {
        "en": "ReLU outputs 0 for a negative input and the input itself otherwise:",
        "ja": "ReLU 関数は、入力が 0 未満のときは 0 を、0 以上のときは入力をそのまま出力します。",
    }
)
doc.equation(sp.Symbol("h"), sn.relu(u).rewrite(sp.Max))
doc.math(f"f(u) = {cases([(0, u < 0), (u, u >= 0)])}")
doc.figure(activation_plot([(r"\operatorname{ReLU}(u)", sn.relu(u), u)], xrange=(-3.0, 3.0), name="relu"))
relu_prime = f"$\\frac{{d}}{{du}} {latex(sn.relu(u))} = {latex(sp.diff(sn.relu(u), u))}$"
doc.text(
    {
        "en": f"Its derivative is the unit step, {relu_prime}; at $u = 0$ ReLU has no derivative and symnn uses "
        "the value 0 there (a setting: `MLP(..., relu_grad_at_zero=...)`).",
        "ja": f"導関数は単位ステップ関数 {relu_prime} です。$u = 0$ では微分できないので、symnn はそこでの値を "
        "0 とします（`MLP(..., relu_grad_at_zero=...)` で変更できます）。",
    }
)

# 2. Softmax for two neurons A (u = 2.0) and B (u = 1.5): 0.622 and 0.378.
doc.heading({"en": "2. Softmax (the output layer of a classifier)", "ja": "2. ソフトマックス関数（分類の出力層）"})
uA, uB = sp.Integer(2), sp.Rational(3, 2)
pA, pB = sn.softmax(1, uA, uB), sn.softmax(2, uA, uB)
doc.math(r"h_i = f(u)_i = \frac{\exp(u_i)}{\sum_{j=1}^{n} \exp(u_j)}")
doc.text(
    {
        "en": "The outputs always sum to 1. For two neurons A ($u = 2.0$) and B ($u = 1.5$):",
        "ja": "出力の総和は常に 1 です。A と B の 2 つのニューロン（A: $u = 2.0$、B: $u = 1.5$）では"
        "次のようになります。",
    }
)
doc.math(
    f"A: \\ {latex(pA.rewrite(sp.exp))} \\approx {float(pA.evalf()):.3f}, \\qquad "
    f"B: \\ {latex(pB.rewrite(sp.exp))} \\approx {float(pB.evalf()):.3f}"
)
doc.text(
    {
        "en": "With two classes softmax is the sigmoid of the difference: "
        "$\\frac{e^{2}}{e^{2} + e^{3/2}} = \\sigma\\left(\\tfrac{1}{2}\\right)$.",
        "ja": "2 クラスのソフトマックス関数は、差のシグモイド関数と等しくなります："
        "$\\frac{e^{2}}{e^{2} + e^{3/2}} = \\sigma\\left(\\tfrac{1}{2}\\right)$。",
    }
)

# 3. Mean squared error for regression.
doc.heading({"en": "3. Mean squared error", "ja": "3. 平均二乗誤差 (MSE)"})
y, t = sp.symbols("y1:4", real=True), sp.symbols("t1:4", real=True)
doc.math(r"L = \frac{1}{N} \sum_{n=1}^{N} (t_n - y_n)^2")
doc.text({"en": "For three outputs, written out:", "ja": "出力が 3 つの場合に書き下すと次のとおりです。"})
doc.equation(sp.Symbol("L"), sn.mse(y, t))
mse_value = sn.mse([sp.Rational(9, 10), sp.Rational(1, 5), 2], [1, 0, 2])
doc.text(
    {
        "en": f"For $y = (0.9, 0.2, 2)$ and $t = (1, 0, 2)$: $L = {latex(mse_value)}$.",
        "ja": f"$y = (0.9, 0.2, 2)$、$t = (1, 0, 2)$ のとき $L = {latex(mse_value)}$ です。",
    }
)

# 4. Cross-entropy for classification: four classes A-D, the target is D.
doc.heading({"en": "4. Cross-entropy", "ja": "4. 分類問題における交差エントロピー"})
doc.math(r"L = -\frac{1}{N} \sum_{n=1}^{N} \sum_{c=1}^{C} t_{nc} \log y_{nc}")
y4 = [sp.Rational(1, 10), sp.Rational(2, 10), sp.Rational(3, 10), sp.Rational(4, 10)]
t4 = [0, 0, 0, 1]
ce = sn.cross_entropy(y4, t4)
doc.text(
    {
        "en": "For one sample ($N = 1$) of four classes A–D whose target is D, $t = (0, 0, 0, 1)$, and the "
        "prediction $y = (0.1, 0.2, 0.3, 0.4)$, only the target's term remains:",
        "ja": "A〜D の 4 クラス分類で目標クラスが D のとき、1 サンプル（$N = 1$）で $t = (0, 0, 0, 1)$、"
        "予測値 $y = (0.1, 0.2, 0.3, 0.4)$ とすると、目標クラスの項だけが残ります。",
    }
)
doc.math(f"L = {latex(ce)} \\approx {float(ce):.4f}")

# 4b. Sigmoid outputs answer one yes/no question each: binary cross-entropy. −Σ t log y alone has no (1 − t)
# term and is smallest at y → 1 whatever the targets, so symnn's compile refuses it on sigmoid outputs.
y2, t2 = y[:2], t[:2]
bce = sn.binary_cross_entropy(y2, t2)
bce_value = sn.binary_cross_entropy([sp.Rational(9, 10), sp.Rational(1, 5)], [1, 0])
doc.text(
    {
        "en": "With sigmoid outputs each output is the probability of its own yes/no answer, and their sum is not 1. "
        "There $-\\sum_k t_k \\log y_k$ has no term for $t_k = 0$: it is smallest at $y \\to 1$ whatever the "
        "targets (a network trained on it ends at loss 0 and chance accuracy), so symnn does not compile it. "
        'The binary cross-entropy (`loss="binary-cross-entropy"`) scores both answers:',
        "ja": "出力層がシグモイド関数のとき、各出力はそれぞれ独立な「はい／いいえ」の確率で、総和は 1 になりません。"
        "この場合 $-\\sum_k t_k \\log y_k$ には $t_k = 0$ の項がなく、教師データによらず $y \\to 1$ で最小になる"
        "（学習すると損失は 0 に近づくのに正解率は偶然と同じ）ため、symnn はコンパイルしません。"
        '二値交差エントロピー（`loss="binary-cross-entropy"`）は両方の答えを評価します。',
    }
)
doc.equation(sp.Symbol("L"), bce)
doc.text(
    {
        "en": f"For $y = (0.9, 0.2)$ and $t = (1, 0)$: $L = {latex(bce_value)} \\approx {float(bce_value):.4f}$. "
        "With $y_k = \\sigma(z_k)$, symnn derives the output error step by step:",
        "ja": f"$y = (0.9, 0.2)$、$t = (1, 0)$ のとき $L = {latex(bce_value)} \\approx {float(bce_value):.4f}$ です。"
        "$y_k = \\sigma(z_k)$ として、symnn が出力層の誤差を順に導出します。",
    }
)
unit_bce = sn.MLP([1, 1], output="sigmoid", loss="binary_cross_entropy")
d_bce = sn.backprop(unit_bce)
(bce_delta,) = (s.lhs for s in d_bce.steps if s.rule == "definition" and s.lhs.name.startswith("delta"))
bce_steps = [s for s in d_bce.steps if s.lhs == bce_delta]
doc.equations([(bce_delta if i == 0 else "", s.rhs) for i, s in enumerate(bce_steps)])
doc.text(
    {
        "en": "The factor $\\sigma'(z) = y(1 - y)$ cancels the denominator: $\\delta = y - t$ for any targets, "
        "the form softmax with cross-entropy takes for one-hot targets. symnn's compiled code computes the loss "
        "through "
        "$\\log \\sigma(z) = -\\operatorname{softplus}(-z)$ and "
        "$\\log(1 - \\sigma(z)) = -\\operatorname{softplus}(z)$, finite even at $z = \\pm 10^4$.",
        "ja": "$\\sigma'(z) = y(1 - y)$ が分母と約分され、どんな教師データでも $\\delta = y - t$ となります"
        "（one-hot の教師データでのソフトマックス関数と交差エントロピーの組と同じ形）。"
        "symnn がコンパイルしたコードは損失を "
        "$\\log \\sigma(z) = -\\operatorname{softplus}(-z)$、"
        "$\\log(1 - \\sigma(z)) = -\\operatorname{softplus}(z)$ で計算するので、$z = \\pm 10^4$ でも有限です。",
    }
)

# 5. Backpropagation: linear transform, ReLU, softmax and cross-entropy; symnn derives every gradient.
net = sn.MLP([2, 2, 2], activation="relu", output="softmax", loss="cross-entropy")
d = sn.backprop(net)
doc.heading({"en": "5. Backpropagation", "ja": "5. 誤差逆伝播法"})
doc.text(
    {
        "en": "A network that does the three steps of seed 004 — a linear transform, ReLU, then softmax with "
        "cross-entropy — and its derivation by symnn:",
        "ja": "線形変換、非線形変換（ReLU）、目的関数（ソフトマックス関数と交差エントロピー）の計算をする"
        "ネットワークと、symnn による導出です。",
    }
)
doc.extend(derivation_document(d, explicit=False))
doc.text(
    {
        "en": "The output errors are $\\delta_j = a_j (t_1 + t_2) - t_j$ for any targets; $y - t$ holds when the "
        "targets sum to 1 (one-hot), an assumption the derivation states. Soft targets (label smoothing) keep the "
        "general form, and so does the code `sn.compile` generates from it.",
        "ja": "出力層の誤差は、どんな教師データでも $\\delta_j = a_j (t_1 + t_2) - t_j$ です。$y - t$ は教師データの"
        "総和が 1（one-hot）のときに成り立つ形で、導出ではその仮定を明示しています。ソフトな教師データ"
        "（ラベル平滑化など）では一般形のままで、`sn.compile` が生成するコードも一般形を使います。",
    }
)

# 6. Steepest descent: θ ← θ − ρ ∂L/∂θ, one step from a fixed start lowers the loss.
doc.heading({"en": "6. Steepest descent", "ja": "6. 最急降下法"})
rho = sp.Rational(1, 2)
doc.math(r"\theta \leftarrow \theta - \rho \frac{\partial L}{\partial \theta}")
doc.text(
    {
        "en": "1. set the parameters (here fixed numbers, usually random); 2. compute the gradients; 3. update. "
        f"The learning rate $\\rho$ sets the step: too large diverges, too small converges slowly. With "
        f"$\\rho = {latex(rho)}$, one step on the sample $x = (1, 2)$, $t = (0, 1)$:",
        "ja": "1. パラメータを設定（通常はランダム、ここでは固定値）、2. 勾配を計算、3. パラメータを更新。"
        f"学習率 $\\rho$ は更新幅を決め、大きすぎると発散し、小さすぎると収束が遅くなります。"
        f"$\\rho = {latex(rho)}$ として、サンプル $x = (1, 2)$、$t = (0, 1)$ で 1 回更新すると次のとおりです。",
    }
)
start = {p: sp.Rational((i % 5) - 2, 4) for i, p in enumerate(net.params)}
sample = dict(zip(net.inputs, (1, 2), strict=True)) | dict(zip(net.targets, (0, 1), strict=True))
loss_before = net.loss_expr.xreplace(sample | start)
grads = {p: g.xreplace(sample | start) for p, g in d.gradients.items()}
after = {p: start[p] - rho * grads[p] for p in net.params}
loss_after = net.loss_expr.xreplace(sample | after)
doc.table(
    ["", "$L$"],
    [
        [{"en": "before", "ja": "更新前"}, f"${float(loss_before):.6f}$"],
        [{"en": "after one step", "ja": "1 回更新後"}, f"${float(loss_after):.6f}$"],
    ],
)
# The update of one weight as generated code: lambdify the derived rule w <- w - rho dC/dw for a one-unit
# network and show it through latexify-py (renaming lambdify's function and symnn's identifiers).
unit_net = sn.MLP([1, 1], output="sigmoid", loss="sse")
d_unit = sn.backprop(unit_net)
w11, b11 = unit_net.params
rho_s = sp.Symbol("rho", positive=True)
update_w = sp.lambdify(
    [w11, b11, *unit_net.inputs, *unit_net.targets, rho_s],
    w11 - rho_s * d_unit.gradients[w11],
    modules="math",
    cse=True,
    docstring_limit=0,
)
doc.text(
    {
        "en": "For a single sigmoid unit with the sum of squared errors, the update of its weight $w$ as Python "
        "code generated from the derived gradient (SymPy's `lambdify`), and as latexify-py shows that code:",
        "ja": "二乗和誤差とシグモイド関数の 1 ユニットについて、導出した勾配から生成した（SymPy の `lambdify`）"
        "重み $w$ の更新式の Python コードと、それを latexify-py で数式にしたものです。",
    }
)
add_function(doc, update_w, name="update", identifiers={"w1_1_1": "w", "b1_1": "b", "x1": "x", "t1": "t"})

# 7. Your own activation: a plain Python function becomes a SymPy activation; latexify-py shows its definition.
doc.heading({"en": "7. Your own activation function", "ja": "7. 自分で定義する活性化関数"})


def swish(x):
    return x / (1 + math.exp(-x))


Swish = sn.activation(swish)
add_user_activation(doc, Swish)
own = sn.MLP([2, 1], output="swish", loss="sse")
d_own = sn.backprop(own)
own_delta = next(iter(d_own.deltas))
doc.text(
    {
        "en": "It can be used like any built-in activation; the error of the output unit of a 2-1 network is",
        "ja": "組み込みの活性化関数と同じように使えます。2-1 ネットワークの出力ユニットの誤差は次のとおりです。",
    }
)
delta_step = [s for s in d_own.steps if s.lhs == own_delta][-1]  # the last step on δ: in z and a, not x
doc.equation(own_delta, delta_step.rhs)
doc.write(OUT, "004-relu-softmax-losses")

# The seed's numbers, the losses against plain Python, and the derivation against sympy.diff.
assert round(float(pA.evalf()), 3) == 0.622 and round(float(pB.evalf()), 3) == 0.378
assert sp.simplify(pA.rewrite(sp.exp) - sn.sigmoid(sp.S.Half).rewrite(sp.exp)) == 0
assert sn.relu(u).rewrite(sp.Max) == sp.Max(0, u) and sn.relu(3) == 3 and sn.relu(-2) == 0
assert mse_value == sp.Rational(1, 3) * (sp.Rational(1, 100) + sp.Rational(1, 25))
assert math.isclose(float(ce), -math.log(0.4))
assert math.isclose(float(bce_value), -math.log(0.9) - math.log(0.8))
assert d_bce.check() and bce_steps[-1].rhs == unit_bce.act(1, 1) - unit_bce.targets[0]  # δ = y − t, any t
assert d.check()
for k in (1, 2):  # softmax with cross-entropy: the output error is y - t for one-hot targets (t = (0, 1) here)
    b = net.bias(2, k)
    yk = net.outputs[k - 1]
    assert sp.simplify((d.gradients[b] - (yk - net.targets[k - 1])).xreplace(sample | start)) == 0
soft = dict(zip(net.targets, (sp.Rational(1, 20), sp.Rational(9, 10)), strict=True))  # rows need not sum to 1
b = net.bias(2, 1)
assert sp.simplify((d.gradients[b] - sp.diff(net.loss_expr, b)).xreplace(sample | start | soft)) == 0
assert loss_after < loss_before
z_own = sp.Symbol("z", real=True)
assert sp.simplify(sp.diff(Swish(z_own), z_own) - sp.diff(z_own / (1 + sp.exp(-z_own)), z_own)) == 0
assert d_own.check()
w0, b0, x0, t0, r0 = 0.3, -0.2, 1.5, 1.0, 0.5
s0 = 1 / (1 + math.exp(-(w0 * x0 + b0)))
assert math.isclose(update_w(w0, b0, x0, t0, r0), w0 - r0 * (s0 - t0) * s0 * (1 - s0) * x0)

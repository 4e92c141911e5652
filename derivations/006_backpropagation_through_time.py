"""Backpropagation through time: an Elman recurrent layer h_t = f(W x_t + U h_{t-1} + b), unrolled over its steps,
derived by the reverse sweep; the element view on a small instance and the matrix view in general.

Run: python derivations/006_backpropagation_through_time.py [OUTDIR]   (default docs/derivations)
"""

import random
import sys
from pathlib import Path

import sympy as sp

import symnn as sn
from symnn.render import Document, derivation_document

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "derivations"

doc = Document({"en": "Backpropagation through time", "ja": "通時的誤差逆伝播法 (BPTT)"})

# 1. The Elman cell, unrolled: one node per step, all sharing W, U, b.
doc.heading({"en": "1. A recurrent layer, unrolled", "ja": "1. 再帰層を時間方向に展開する"})
doc.math(r"h_t = f\left(W x_t + U h_{t-1} + b\right), \qquad h_0 = 0, \qquad t = 1, \dots, T")
doc.text(
    {
        "en": "An Elman recurrent layer reads a sequence $x_1, \\dots, x_T$ of $d$ features each and keeps a state "
        "$h_t$ of $n$ entries. Unrolled over the $T$ steps it is an ordinary network of $T$ nodes, node $t$ reading "
        "$x_t$ and node $t - 1$, except that every node uses the same $W$ ($n \\times d$), $U$ ($n \\times n$) and "
        "$b$. The reverse sweep over the unrolled nodes is backpropagation through time: the adjoint of $h_t$ "
        "collects what $h_{t+1}$ sends back through $U$, and the gradient of a parameter all steps use "
        "is the sum of what "
        "each step contributes. In symnn: `sn.RNN(hidden, steps, activation, outputs)`.",
        "ja": "エルマン型の再帰層は、各時刻 $d$ 個の特徴からなる系列 $x_1, \\dots, x_T$ を読み、$n$ 個の要素の状態 "
        "$h_t$ を持ちます。$T$ 時刻にわたって展開すると、ノード $t$ が $x_t$ とノード $t - 1$ を読む $T$ 個の"
        "ノードからなる普通のネットワークになります。違いは、すべてのノードが同じ $W$（$n \\times d$）、"
        "$U$（$n \\times n$）、$b$ を使うことだけです。展開したノードを逆にたどる掃引が通時的誤差逆伝播法"
        "です。$h_t$ の随伴は $h_{t+1}$ から $U$ を通って戻る分を集め、共有パラメータの勾配は各時刻の寄与の和に"
        "なります。symnn では `sn.RNN(hidden, steps, activation, outputs)` と書きます。",
    }
)

# 2. The element view: T = 3 steps of one feature, a state of 2, tanh, many-to-one, a dense output, SSE.
net = sn.Network([sn.RNN(hidden=2, steps=3, activation="tanh"), sn.Dense(1)], inputs=(3, 1), loss="sse")
d = sn.backprop(net)
doc.heading({"en": "2. The derivation on a small instance", "ja": "2. 小さな例での導出"})
doc.text(
    {
        "en": "Three steps ($T = 3$) of one feature ($d = 1$), a state of two entries, $f = \\tanh$, and a dense "
        "layer reading the last state (many-to-one), with the sum of squared errors. symnn writes every entry; "
        "the layers 1–3 are the three steps of the one recurrent layer, whose parameters print "
        "$w^{[1]}_{jk}$, $u^{[1]}_{jk}$, $b^{[1]}_j$.",
        "ja": "3 時刻（$T = 3$）、特徴 1 個（$d = 1$）、状態の要素 2 個、$f = \\tanh$ で、最後の状態を全結合層が"
        "読み（多対一）、損失関数は二乗誤差の和です。symnn はすべての要素を書き出します。第 1〜3 層は一つの"
        "再帰層の 3 つの時刻で、そのパラメータは $w^{[1]}_{jk}$、$u^{[1]}_{jk}$、$b^{[1]}_j$ と書きます。",
    }
)
doc.extend(derivation_document(d))

# 3. The matrix view, in general.
doc.heading({"en": "3. The matrix view", "ja": "3. 行列での表記"})
doc.text(
    {
        "en": "Write $a_t = W x_t + U h_{t-1} + b$ for the pre-activation and "
        "$\\delta_t = \\partial C / \\partial a_t$ for its error. In the derivation "
        "above $\\bar{g}^{(t)} = \\partial C / \\partial h_t$, and each step's "
        "local derivative gives $\\delta_t = f'(a_t) \\odot \\bar{g}^{(t)}$ ($1 - h_t^2$ for $\\tanh$). The adjoint "
        "of $h_t$ has two parts, from the next step through $U$ and from whatever else reads $h_t$ (here the dense "
        "layer reads $h_T$ only), so the errors run backwards in time:",
        "ja": "前活性 $a_t = W x_t + U h_{t-1} + b$ とその誤差 $\\delta_t = \\partial C / \\partial a_t$ を使います。"
        "上の導出の $\\bar{g}^{(t)} = \\partial C / \\partial h_t$ と各時刻の局所微分から "
        "$\\delta_t = f'(a_t) \\odot \\bar{g}^{(t)}$（$\\tanh$ なら $1 - h_t^2$）です。"
        "$h_t$ の随伴は、次の時刻から $U$ を通って来る分と、"
        "$h_t$ を読むほかの層から来る分（ここでは全結合層が $h_T$ だけを読む）の和なので、"
        "誤差は時間を逆向きに伝わります。",
    }
)
doc.math(
    r"\delta_t = f'(a_t) \odot \left(U^{\mathsf{T}} \delta_{t+1} + \frac{\partial C}{\partial h_t}\Big|_{\text{direct}}"
    r"\right), \qquad \delta_{T+1} = 0"
)
doc.text(
    {
        "en": "Every step uses the same parameters, so each gradient is a sum over time:",
        "ja": "すべての時刻が同じパラメータを使うので、勾配は時間についての和です。",
    }
)
doc.math(
    r"\frac{\partial C}{\partial W} = \sum_{t=1}^{T} \delta_t x_t^{\mathsf{T}}, \qquad "
    r"\frac{\partial C}{\partial U} = \sum_{t=2}^{T} \delta_t h_{t-1}^{\mathsf{T}}, \qquad "
    r"\frac{\partial C}{\partial b} = \sum_{t=1}^{T} \delta_t"
)
doc.text(
    {
        "en": "On a batch, one sample a row ($X_t$, $H_t$, $\\Delta_t$ are $N \\times d$, $N \\times n$, "
        "$N \\times n$), the same reads $\\Delta_t = f'(A_t) \\odot (\\Delta_{t+1} U + \\bar{G}_t^{\\text{direct}})$ "
        "and $\\partial C / \\partial U = \\sum_t \\Delta_t^{\\mathsf{T}} H_{t-1}$, "
        "$\\partial C / \\partial W = \\sum_t \\Delta_t^{\\mathsf{T}} X_t$, "
        "$\\partial C / \\partial b = \\sum_t \\sum_n (\\Delta_t)_n$: the batch view above, where "
        "$X_{\\langle t \\rangle}$ is step $t$'s columns of the input, lists "
        "these sums term by term as the sweep adds each step's share, "
        "and `sn.compile` prints them as NumPy or JAX code with a loop over the steps unrolled.",
        "ja": "バッチ（1 行が 1 サンプル。$X_t$、$H_t$、$\\Delta_t$ はそれぞれ $N \\times d$、$N \\times n$、"
        "$N \\times n$）では $\\Delta_t = f'(A_t) \\odot (\\Delta_{t+1} U + \\bar{G}_t^{\\text{direct}})$、"
        "$\\partial C / \\partial U = \\sum_t \\Delta_t^{\\mathsf{T}} H_{t-1}$、"
        "$\\partial C / \\partial W = \\sum_t \\Delta_t^{\\mathsf{T}} X_t$、"
        "$\\partial C / \\partial b = \\sum_t \\sum_n (\\Delta_t)_n$ です。上のバッチでの計算"
        "（$X_{\\langle t \\rangle}$ は入力のうち時刻 $t$ の列）は、掃引が各時刻の分を足すごとにこれらの和を項ごとに"
        "示し、`sn.compile` はそれを時刻について展開した NumPy または JAX のコードにします。",
    }
)


# The textbook's BPTT, written here from the formulas above, against sympy.diff of the loss.
def textbook_gradients(net):
    """∂C/∂W, ∂C/∂U, ∂C/∂b by the δ_t recursion, explicit in x, t and the parameters (T steps, d = 1)."""
    rnn = net.nodes[0].params
    W, U, b = (sp.Matrix(2, c, list(p.symbols)) for p, c in zip(rnn, (1, 2, 1), strict=True))
    x = net.inputs[0]
    hs = [sp.zeros(2, 1)]
    for t in range(3):
        hs.append((W * sp.Matrix([x[t]]) + U * hs[-1] + b).applyfunc(sp.tanh))
    dense = net.nodes[3].params
    V, c = sp.Matrix(1, 2, list(dense[0].symbols)), dense[1].symbols[0]
    y = (V * hs[3])[0] + c
    direct = V.T * (y - net.targets[0][0])  # ∂C/∂h_T from the dense layer and the SSE
    deltas, after = {}, sp.zeros(2, 1)
    for t in (3, 2, 1):
        back = U.T * after + (direct if t == 3 else sp.zeros(2, 1))
        deltas[t] = after = back.multiply_elementwise(hs[t].applyfunc(lambda h: 1 - h**2))
    dW = sum((deltas[t] * sp.Matrix([x[t - 1]]) for t in (1, 2, 3)), sp.zeros(2, 1))
    dU = sum((deltas[t] * hs[t - 1].T for t in (2, 3)), sp.zeros(2, 2))
    db = sum((deltas[t] for t in (1, 2, 3)), sp.zeros(2, 1))
    return dict(zip([*W, *U, *b], [*dW, *dU, *db], strict=True))


C = net.loss_expr
rng = random.Random(6)
point = {s: sp.Rational(rng.randint(-90, 90), 60) for s in sorted(C.free_symbols, key=sp.default_sort_key)}
for theta, formula in textbook_gradients(net).items():
    want = sp.diff(C, theta).xreplace(point).evalf(40)
    assert abs(formula.xreplace(point).evalf(40) - want) < 1e-30, theta
    assert abs(d.gradients[theta].xreplace(point).evalf(40) - want) < 1e-30, theta
doc.text(
    {
        "en": "Checked when this page is made: at a random rational point, each of the 8 entries of "
        "$\\partial C / \\partial W$, $\\partial C / \\partial U$, $\\partial C / \\partial b$ from the $\\delta_t$ "
        "recursion above, and from symnn's sweep, equals SymPy's derivative of $C$ written out in $x$, $t$ and "
        "the parameters, to 30 digits.",
        "ja": "このページを作るときに確かめています：無作為な有理数の点で、上の $\\delta_t$ の漸化式から求めた "
        "$\\partial C / \\partial W$、$\\partial C / \\partial U$、$\\partial C / \\partial b$ の 8 個の要素と symnn の"
        "掃引による値は、$x$、$t$ とパラメータで書き下した $C$ を SymPy で微分した値と 30 桁まで一致します。",
    }
)
doc.write(OUT, "006-backpropagation-through-time")
assert d.check()

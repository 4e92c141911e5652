"""Issue 13: the convolution layer and pooling. The element view on a small instance (one adjoint of a convolution's
input, by the derivation's own steps, is the correlation of the next adjoints with the flipped kernel), max pooling's
derivative at ties, the im2col matrix view in general, and the derivation of a tiny CNN.

Run: python derivations/005_convolution_pooling.py [OUTDIR]   (default docs/derivations)
"""

import sys
from pathlib import Path

import sympy as sp

import symnn as sn
from symnn.model.notation import NetSymbol
from symnn.model.window_max import ties_code, window_max
from symnn.render import Document, derivation_document, latex

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "derivations"

doc = Document({"en": "The convolution layer and pooling", "ja": "畳み込み層とプーリング層"})

# 1. The element view: a 3 × 3 image, tanh, a 2 × 2 kernel, a dense output.
doc.heading({"en": "1. A convolution, entry by entry", "ja": "1. 畳み込みを要素ごとに"})
net = sn.Network([sn.Activation("tanh"), sn.Conv2D(1, 2), sn.Flatten(), sn.Dense(1)], inputs=(1, 3, 3), loss="sse")
d = sn.backprop(net)
net.element_view  # noqa: B018  (sets every node's symbols and rule)
conv = net.nodes[1]
doc.text(
    {
        "en": "A 3 × 3 image goes through tanh ($h^{(1)}$), then a convolution with one 2 × 2 kernel "
        "$K^{(2)}_{11pq}$ ($h^{(2)}$, 2 × 2), then a dense layer. Each output of the convolution is the sum over "
        "its window:",
        "ja": "3 × 3 の画像に tanh をかけ（$h^{(1)}$）、2 × 2 のカーネル $K^{(2)}_{11pq}$ 1 つで畳み込み"
        "（$h^{(2)}$、2 × 2）、全結合層につなぎます。畳み込みの各出力は窓についての和です。",
    }
)
doc.equations([(s, e) for s, e in zip(conv.symbols[0], conv.element[0], strict=True)])

# the adjoint of the centre pixel h1_5: read by all four windows, each through a different kernel entry
g = NetSymbol("g1_5")
steps = [s for s in d.steps if s.lhs == g]
doc.text(
    {
        "en": "The centre pixel $h^{(1)}_{5}$ lies in all four windows, each time under a different kernel entry. "
        "The derivation's steps for its adjoint $\\bar{g}^{(1)}_{5} = \\partial C / \\partial h^{(1)}_{5}$:",
        "ja": "中央の画素 $h^{(1)}_{5}$ は 4 つの窓すべてに入り、そのたびに異なるカーネルの要素がかかります。"
        "その随伴 $\\bar{g}^{(1)}_{5} = \\partial C / \\partial h^{(1)}_{5}$ を求める導出のステップ：",
    }
)
doc.equations([(s.lhs if i == 0 else "", s.rhs) for i, s in enumerate(steps)])
K = net.nodes[1].params[0].symbols  # K_{1,1,p,q}, p, q = 1, 2 row-major
G = [NetSymbol(f"g2_{j}") for j in range(1, 5)]  # the adjoints of h2 (m, n) row-major
# the full correlation of the next adjoints with the flipped kernel, at the centre: Σ_{m,n} ḡ_{m,n} K_{3-m, 3-n}
flipped = sp.Add(*(G[2 * (m - 1) + n - 1] * K[2 * (2 - m) + (2 - n)] for m in (1, 2) for n in (1, 2)))
local = steps[-1].rhs
assert sp.expand(local - flipped) == 0, local
doc.text(
    {
        "en": "That is the correlation of the next adjoints with the kernel turned by 180° (checked by the script):",
        "ja": "これは次の層の随伴と、180° 回したカーネルとの相関です（スクリプトで確かめています）。",
    }
)
doc.equation(g, flipped)
doc.math(
    r"\bar{g}^{(1)}_{c,y,x} = \sum_{f} \sum_{p,q} \bar{g}^{(2)}_{f,\, y-p+1,\, x-q+1}\, K^{(2)}_{fcpq}"
    r" = \sum_{f} \sum_{p',q'} \bar{g}^{(2)}_{f,\, y+p'-k,\, x+q'-k}\, K^{(2)}_{f,c,\,k+1-p',\,k+1-q'}"
)

# 2. Max pooling and its ties.
doc.heading({"en": "2. Max pooling and ties", "ja": "2. Max プーリングと同点"})
a = sp.symbols("a1:5", real=True)
at = dict(zip(a, (2, 2, 1, 2), strict=True))
rows = []
for ties in ("first", "split"):
    m = window_max(ties_code(ties), *a)
    rows.append(f"\\text{{{ties}}}: " + ", ".join(latex(sp.diff(m, x).subs(at)) for x in a))
doc.text(
    {
        "en": "The maximum of a window has the derivative 1 at its largest entry and 0 elsewhere. Where entries tie "
        "the derivative does not exist, and a convention decides, as ReLU′(0) does: the network's `pool_ties`, "
        '`"first"` (everything to the first maximal entry in row-major order, the textbook\'s argmax) or '
        '`"split"` (equal shares). At the window $(2, 2, 1, 2)$, $\\partial \\max / \\partial a_k$ for '
        "$k = 1, \\ldots, 4$:",
        "ja": "窓の最大値の微分は、最大の要素で 1、ほかで 0 です。同点があると微分は存在しないので、ReLU′(0) と同じく"
        '規約で決めます：ネットワークの `pool_ties` が `"first"`（行優先の順で最初の最大の要素にすべて、教科書の '
        'argmax）か `"split"`（等分）です。窓 $(2, 2, 1, 2)$ での $\\partial \\max / \\partial a_k$'
        "（$k = 1, \\ldots, 4$）：",
    }
)
doc.math(r" \qquad ".join(rows))

# 3. The matrix view in general.
doc.heading({"en": "3. The matrix view: im2col", "ja": "3. 行列で見る：im2col"})
doc.text(
    {
        "en": "On a batch of N samples the compiled code lays every window out as a row (im2col), so the "
        "convolution is one matrix product; the backward pass is the transposed products and col2im, which adds each "
        "row back into the pixels it came from:",
        "ja": "N 個のサンプルのバッチでは、コンパイルしたコードは各窓を 1 行に並べ（im2col）、畳み込みを 1 回の行列積に"
        "します。逆伝播は転置した積と、各行を元の画素に足し戻す col2im です。",
    }
)
doc.math(
    "\\begin{aligned}\n"
    r"\mathrm{col} &= \operatorname{im2col}(A) \in \mathbb{R}^{N \cdot OH \cdot OW \times C k_h k_w}, &"
    r"Z &= \mathrm{col}\, \operatorname{mat}(K)^{\mathsf{T}} + c, \\"
    "\n"
    r"\frac{\partial C}{\partial \operatorname{mat}(K)} &= G^{\mathsf{T}} \mathrm{col}, &"
    r"\frac{\partial C}{\partial c} &= \sum_{\text{rows}} G, \\"
    "\n"
    r"\frac{\partial C}{\partial A} &= \operatorname{col2im}\left(G \operatorname{mat}(K)\right)"
    "\n\\end{aligned}"
)

# 4. A tiny CNN, derived.
doc.heading({"en": "4. A tiny CNN", "ja": "4. 小さな CNN"})
cnn = sn.Network(
    [sn.Conv2D(2, 2), sn.MaxPool(2), sn.Flatten(), sn.Dense(2), sn.Softmax()], inputs=(1, 4, 4), loss="cross-entropy"
)
doc.extend(derivation_document(sn.backprop(cnn)))
doc.write(OUT, "005-convolution-pooling")

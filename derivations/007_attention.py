"""The gradient of attention: softmax(Q Kᵀ/√d_k) V, entry by entry on a small instance, then as matrices.

The matrix formulas (∂C/∂V = Pᵀ G, ∂C/∂P = G Vᵀ, ∂C/∂S = P ⊙ (∂C/∂P − rowsum(∂C/∂P ⊙ P)), ∂C/∂Q = ∂C/∂S K/√d_k,
∂C/∂K = (∂C/∂S)ᵀ Q/√d_k) are checked against the element view's adjoints at a random point, and the usual slips
(a transpose dropped) are shown to differ there.

Run: python derivations/007_attention.py [OUTDIR]   (default docs/derivations)
"""

import random
import sys
from pathlib import Path

import sympy as sp

import symnn as sn
from symnn.derive.evaluate import at_point
from symnn.model.notation import NetSymbol
from symnn.render import Document, derivation_document

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "derivations"

doc = Document({"en": "The gradient of attention", "ja": "注意機構の勾配"})

# 1. The layer: one head of scaled dot-product attention.
doc.heading({"en": "1. Scaled dot-product attention", "ja": "1. スケール化内積注意"})
doc.text(
    {
        "en": "A sample is a sequence of $T$ tokens of $d$ features, a $T \\times d$ matrix $X$. One head of attention "
        "projects each token to a query, a key and a value, compares every query with every key, and mixes the values "
        "by the softmax of each query's scores:",
        "ja": "1 つのサンプルは $d$ 個の特徴をもつ $T$ 個のトークンの列、つまり $T \\times d$ の行列 $X$ です。"
        "注意機構の 1 つのヘッドは、各トークンをクエリ、キー、バリューに射影し、すべてのクエリをすべてのキーと比べ、"
        "各クエリのスコアのソフトマックス関数でバリューを混ぜます。",
    }
)
doc.math(
    r"Q = X W_Q,\quad K = X W_K,\quad V = X W_V,\quad S = \frac{Q K^{\mathsf{T}}}{\sqrt{d_k}},\quad "
    r"P = \operatorname{softmax}_{\mathrm{rows}}(S),\quad O = P V"
)
doc.text(
    {
        "en": "In symnn it is `sn.Attention(d_k, d_v=None, causal=False)`, placed as six nodes so that the derivation "
        "passes through each piece. With `causal=True` token $i$ sees the tokens $j \\le i$ only: each row's softmax "
        "runs over those and $p_{ij} = 0$ for $j > i$.",
        "ja": "symnn では `sn.Attention(d_k, d_v=None, causal=False)` で、導出が各部分を通るように 6 つのノードとして"
        "置きます。`causal=True` ではトークン $i$ は $j \\le i$ のトークンだけを見ます。各行のソフトマックス関数は"
        "それらについてとり、$j > i$ では $p_{ij} = 0$ です。",
    }
)

# 2. The element view on T = 2 tokens of d = 2 features, d_k = 1: SymPy differentiates every node's rule.
doc.heading({"en": "2. Entry by entry: T = 2, d = 2, d_k = 1", "ja": "2. 要素ごと：T = 2, d = 2, d_k = 1"})
small = sn.Network([sn.Attention(d_k=1)], inputs=(2, 2), loss="mse")
d_small = sn.backprop(small)
doc.text(
    {
        "en": "symnn's derivation of the smallest instance that has every piece: each node's rule, then the adjoints "
        "$\\bar{g}$ from the loss back to the queries, and the weights' gradients.",
        "ja": "すべての部分をもつ最小の例についての symnn の導出です。各ノードの規則、損失からクエリまでの随伴 "
        "$\\bar{g}$、重みの勾配の順に示します。",
    }
)
doc.extend(derivation_document(d_small))

# 3. The matrix view, for any T, d, d_k.
doc.heading({"en": "3. As matrices", "ja": "3. 行列で書く"})
doc.text(
    {
        "en": "For one sample, write $G = \\partial C / \\partial O$ ($T \\times d_v$). Reading the entries above as "
        "matrices gives the backward pass of attention (each product a matrix product, $\\odot$ entrywise, "
        "$\\operatorname{rowsum}$ the sum of each row kept as a column):",
        "ja": "1 つのサンプルについて $G = \\partial C / \\partial O$（$T \\times d_v$）と書きます。上の要素ごとの式を"
        "行列として読むと、注意機構の逆伝播になります（積は行列の積、$\\odot$ は要素ごとの積、"
        "$\\operatorname{rowsum}$ は各行の和を列として残したもの）。",
    }
)
doc.math(
    "\\begin{aligned}\n"
    r"\frac{\partial C}{\partial V} &= P^{\mathsf{T}} G, &"
    r"\frac{\partial C}{\partial P} &= G V^{\mathsf{T}}, \\"
    "\n"
    r"\frac{\partial C}{\partial S} &= P \odot \left(\frac{\partial C}{\partial P} - "
    r"\operatorname{rowsum}\left(\frac{\partial C}{\partial P} \odot P\right)\right), && \\"
    "\n"
    r"\frac{\partial C}{\partial Q} &= \frac{1}{\sqrt{d_k}} \frac{\partial C}{\partial S} K, &"
    r"\frac{\partial C}{\partial K} &= \frac{1}{\sqrt{d_k}} \left(\frac{\partial C}{\partial S}\right)^{\mathsf{T}} Q,"
    r" \\"
    "\n"
    r"\frac{\partial C}{\partial W_Q} &= X^{\mathsf{T}} \frac{\partial C}{\partial Q}, &"
    r"\frac{\partial C}{\partial W_K} &= X^{\mathsf{T}} \frac{\partial C}{\partial K},\quad "
    r"\frac{\partial C}{\partial W_V} = X^{\mathsf{T}} \frac{\partial C}{\partial V}"
    "\n\\end{aligned}"
)
doc.text(
    {
        "en": "The transposes come from the indices. $o_{ij} = \\sum_l p_{il} v_{lj}$, so $\\partial C / \\partial "
        "v_{lj} = \\sum_i p_{il} g_{ij}$: a sum over the first index of $P$, hence $P^{\\mathsf{T}} G$, not $P G$. "
        "$s_{ij} = \\sum_c q_{ic} k_{jc} / \\sqrt{d_k}$ uses key $j$ in column $j$ of $S$, so "
        "$\\partial C / \\partial k_{jc} = \\sum_i (\\partial C / \\partial s_{ij}) q_{ic} / \\sqrt{d_k}$: the "
        "transpose of $\\partial C / \\partial S$ (written without it, the formula gives the gradient of the "
        "transposed scores, a common slip). The softmax acts on each row separately, so its Jacobian is the block "
        "$\\operatorname{diag}(p_i) - p_i p_i^{\\mathsf{T}}$ of each row $i$, applied to that row of "
        "$\\partial C / \\partial P$: that is the rowsum line. Over a batch, the weights' gradients sum over the "
        "samples, as in the batch view of section 2.",
        "ja": "転置は添字から決まります。$o_{ij} = \\sum_l p_{il} v_{lj}$ なので $\\partial C / \\partial v_{lj} = "
        "\\sum_i p_{il} g_{ij}$ で、$P$ の最初の添字について和をとるため $P G$ ではなく $P^{\\mathsf{T}} G$ です。"
        "$s_{ij} = \\sum_c q_{ic} k_{jc} / \\sqrt{d_k}$ ではキー $j$ は $S$ の第 $j$ 列に現れるので "
        "$\\partial C / \\partial k_{jc} = \\sum_i (\\partial C / \\partial s_{ij}) q_{ic} / \\sqrt{d_k}$、つまり "
        "$\\partial C / \\partial S$ の転置です（転置を落とすと、転置したスコアの勾配になってしまいます。よくある誤り"
        "です）。ソフトマックス関数は各行に別々に作用するので、ヤコビ行列は各行 $i$ のブロック "
        "$\\operatorname{diag}(p_i) - p_i p_i^{\\mathsf{T}}$ で、$\\partial C / \\partial P$ のその行に掛かります。"
        "それが rowsum の行です。バッチでは、重みの勾配はサンプルについて和をとります（2 節のバッチでの計算）。",
    }
)

# 4. The formulas checked against the element view at a random point, on T = 3, d = 2, d_k = 2, causal or not.
T, D, DK = 3, 2, 2


def check(causal: bool, rng: random.Random) -> tuple[int, dict[str, sp.Float]]:
    """The matrix formulas against symnn's element derivation at a random point: how many agree, and how far the two
    slips are from the truth."""
    net = sn.Network([sn.Attention(d_k=DK, causal=causal)], inputs=(T, D), loss="mse")
    d = sn.backprop(net)
    assert d.check(method="numeric")  # sympy.diff of the loss at 40 random points; exact expansion takes 20 s here
    # in ±1, so that no softmax saturates (a one-hot row has ∂C/∂S ≈ 0, and every formula would agree with it)
    symbols = sorted(net.loss_expr.free_symbols, key=sp.default_sort_key)
    point = {s: sp.Float(sp.Rational(rng.randint(-100, 100), 100), 50) for s in symbols}
    memo: dict = {}

    def matrix(entries, n: int) -> sp.Matrix:
        return sp.Matrix(T, n, [at_point(sp.sympify(e), point, memo) for e in entries])

    def output(node) -> sp.Matrix:
        return matrix(net.element_view[node][0], node.width // T)

    def adjoint(node) -> sp.Matrix:  # ∂C/∂(node's output), ḡ as symnn derived it
        return matrix([d.deltas[NetSymbol(f"g{node.index}_{j}")] for j in range(1, node.width + 1)], node.width // T)

    q, k, v, s, p, o = net.nodes
    X = matrix(net.inputs[0], D)
    Q, K, V, P = (output(n) for n in (q, k, v, p))
    G, dP, dS, dQ, dK, dV = (adjoint(n) for n in (o, p, s, q, k, v))
    scale = 1 / sp.sqrt(DK)
    rowsum = dP.multiply_elementwise(P) * sp.ones(T, 1) * sp.ones(1, T)
    claims = {
        "dV = Pᵀ G": (dV, P.T * G),
        "dP = G Vᵀ": (dP, G * V.T),
        "dS = P ⊙ (dP − rowsum(dP ⊙ P))": (dS, P.multiply_elementwise(dP - rowsum)),
        "dQ = dS K/√d_k": (dQ, dS * K * scale),
        "dK = dSᵀ Q/√d_k": (dK, dS.T * Q * scale),
    }
    for param, grad in zip(net.param_arrays, (dQ, dK, dV), strict=True):
        want = sp.Matrix(*param.shape, [at_point(d.gradients[w], point, memo) for w in param.symbols])
        claims[f"d{param.name} = Xᵀ d{param.name[2]}"] = (want, X.T * grad)
    for name, (element, formula) in claims.items():
        err = max(abs(a - b) for a, b in zip(element, formula, strict=True))
        assert err < 1e-30, (causal, name, err)
    slips = {"PG": (dV, P * G), "SQ": (dK, dS * Q * scale)}
    wrong = {name: max(abs(a - b) for a, b in zip(e, f, strict=True)) for name, (e, f) in slips.items()}
    assert all(w > 1e-3 for w in wrong.values()), wrong
    return len(claims), wrong


rng = random.Random(7)
rows = [(causal, *check(causal, rng)) for causal in (False, True)]

doc.heading({"en": "4. Checked", "ja": "4. 確認"})
doc.text(
    {
        "en": "This script evaluates the element view's adjoints and gradients (symnn's derivation, every local "
        "derivative by SymPy) at a random point of a larger instance, $T = 3$, $d = 2$, $d_k = 2$, and compares "
        "them with the matrix formulas above, to 30 digits; the two slips differ from them at the same point.",
        "ja": "このスクリプトは、より大きな例（$T = 3$、$d = 2$、$d_k = 2$）のランダムな点で、要素ごとの随伴と勾配"
        "（symnn の導出。局所微分はすべて SymPy）を評価し、上の行列の式と 30 桁で比べます。2 つの誤りの式は同じ点で"
        "一致しません。",
    }
)
doc.table(
    [{"en": "mask", "ja": "マスク"}, {"en": "formulas that agree", "ja": "一致した式"}, "$P G$", "$S' Q$"],
    [
        [
            {"en": "causal" if causal else "none", "ja": "因果的" if causal else "なし"},
            f"{n} / {n}",
            f"${float(w['PG']):.3f}$",
            f"${float(w['SQ']):.3f}$",
        ]
        for causal, n, w in rows
    ],
)
doc.text(
    {
        "en": "The last two columns: the largest difference of $P G$ from $\\partial C / \\partial V$ and of "
        "$\\partial C / \\partial S\\, Q / \\sqrt{d_k}$ (written $S' Q$) from $\\partial C / \\partial K$. The tests "
        "(`tests/model/test_attention.py`) check the compiled NumPy and JAX code against `jax.grad` of "
        "`jax.nn.softmax(Q K^T/sqrt(d_k) + mask) V` on 15 random shapes.",
        "ja": "最後の 2 列は、$P G$ と $\\partial C / \\partial V$、$\\partial C / \\partial S\\, Q / \\sqrt{d_k}$"
        "（$S' Q$ と書く）と $\\partial C / \\partial K$ の差の最大値です。"
        "テスト（`tests/model/test_attention.py`）は、コンパイルした NumPy と JAX のコードを、15 通りのランダムな形で "
        "`jax.nn.softmax(Q K^T/sqrt(d_k) + mask) V` の `jax.grad` と比べます。",
    }
)
doc.write(OUT, "007-attention")
assert d_small.check()

"""Checking a hand-written backward pass: a deliberately wrong sigmoid and softmax layer in the textbook's style,
what ``sn.check_backward`` reports about each, and the corrected layers agreeing.

Run: python derivations/010_check_backward.py [OUTDIR]   (default docs/derivations)
"""

import inspect
import sys
import textwrap
from pathlib import Path

import numpy as np
import sympy as sp

import symnn as sn
from symnn.model.arrays import RowSum
from symnn.render import Document


def wrapped(message: str) -> str:
    """The report as printed, its long lines wrapped to fit a page (76 characters)."""
    lines = message.splitlines()
    return "\n".join(textwrap.fill(line, 76, subsequent_indent="      ", break_on_hyphens=False) for line in lines)


OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "derivations"


class Sigmoid:
    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * self.out  # wrong: the derivative is out * (1 - out)


class Softmax:
    def forward(self, x):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.out = e / e.sum(axis=1, keepdims=True)
        return self.out

    def backward(self, dout):
        return self.out * dout  # wrong: only the diagonal of the Jacobian


class FixedSigmoid(Sigmoid):
    def backward(self, dout):
        return dout * self.out * (1 - self.out)


class FixedSoftmax(Softmax):
    def backward(self, dout):
        return self.out * (dout - np.sum(dout * self.out, axis=1, keepdims=True))


doc = Document({"en": "Checking a hand-written backward pass", "ja": "手書きの逆伝播を検証する"})
doc.text(
    {
        "en": "A layer written by hand in NumPy, in the textbook's style (a class with `forward(x)`, `backward(dout)` "
        "and gradients such as `dW` as attributes), is easy to get almost right. A gradient check says only that a "
        "number is off; `sn.check_backward` compares the layer with symnn's derivation of it at random batches "
        "(1, 2, 3 and 5 samples, and inputs at ReLU's kink), confirms a disagreement at a second point, and says "
        "which quantity and entry differ, by how much, which typical mistake reproduces the wrong value, and what "
        "the formula should be.",
        "ja": "NumPy で手書きしたレイヤー（教科書のように `forward(x)`・`backward(dout)` をもち、`dW` などの勾配を"
        "属性に保持するクラス）は、ほとんど正しいのにどこかが違う、ということがよくあります。勾配確認は数値が"
        "ずれていることしか教えてくれません。`sn.check_backward` は、ランダムなバッチ（1・2・3・5 サンプルと、"
        "ReLU の折れ目にあたる入力 0）でレイヤーを symnn の導出と比べ、食い違いを別の点で確かめてから、"
        "どの量のどの成分がどれだけ違うか、どの典型的な誤りがその値を再現するか、正しい式は何かを報告します。",
    }
)

CASES = [
    (Sigmoid, FixedSigmoid, sn.Activation("sigmoid"), {"en": "1. A sigmoid layer", "ja": "1. シグモイドレイヤー"}),
    (Softmax, FixedSoftmax, sn.Softmax(), {"en": "2. A softmax layer", "ja": "2. ソフトマックスレイヤー"}),
]
results = []
for wrong, fixed, layer, title in CASES:
    v = sn.check_backward(wrong(), layer)
    ok = sn.check_backward(fixed(), layer)
    results.append((v, ok))
    doc.heading(title)
    doc.code(inspect.getsource(wrong))
    doc.code(f"v = sn.check_backward({wrong.__name__}(), sn.{layer!r})\nprint(v.message)")
    doc.code(wrapped(v.message), language="text")
    doc.text(
        {
            "en": f"The input gradient `{v.counterexample.quantity}` disagrees; the report names the mistake "
            f"({'; '.join(c.text for c in v.causes)}). The derived formula, with $G$ = `dout`:",
            "ja": f"入力の勾配 `{v.counterexample.quantity}` が食い違っています。報告は誤りの種類"
            f"（{'、'.join(c.kind for c in v.causes)}）を挙げています。$G$ を `dout` とした導出の式は次のとおりです。",
        }
    )
    doc.equation(v.expected.lhs, v.expected.rhs)
    doc.code(inspect.getsource(fixed))
    doc.code(wrapped(ok.message), language="text")

doc.heading({"en": "3. In a test, and on the command line", "ja": "3. テストとコマンドラインで"})
doc.text(
    {
        "en": "`sn.assert_backward(layer_object, sn.Dense(4))` raises an `AssertionError` with the same report, for "
        'pytest. `symnn check-backward mylayers.py:Affine --layer "dense 4"` runs your file (your own code, which '
        "you name) and exits with 0 when it agrees, 1 when it disagrees, 3 when it cannot tell, 2 for a usage error.",
        "ja": "pytest では `sn.assert_backward(layer_object, sn.Dense(4))` が同じ報告をもつ `AssertionError` を送出"
        'します。`symnn check-backward mylayers.py:Affine --layer "dense 4"` は指定したファイル（あなた自身の'
        "コード）を実行し、一致すれば 0、食い違えば 1、判定できなければ 3、使い方の誤りは 2 で終了します。",
    }
)

doc.write(OUT, "010-check-backward")

X, G, Y = sp.symbols("X G Y", real=True)
(v1, ok1), (v2, ok2) = results
assert v1.status == "disagrees" and ok1.status == "agrees" and ok2.status == "agrees"
assert "activation derivative" in {c.kind for c in v1.causes}
assert sp.simplify(v1.expected.rhs - G * sn.sigmoid(X) * (1 - sn.sigmoid(X))) == 0
assert v2.status == "disagrees" and "the softmax Jacobian's diagonal only" in v2.message
assert v2.expected.rhs == Y * (G - RowSum(G * Y))

"""The notes of symnn's derivation steps, in every language: the derivations name a template and its values.

A step holds data (:class:`~symnn.derive.derivation.Said`: a key and the values it names); the words are here, one
entry per key with a text for each language, filled with ``str.format``. The table's invariants are checked at
import: every entry has every language, and both name the same values.
"""

from __future__ import annotations

import string

from symnn.derive.derivation import LANGUAGES, Said

__all__ = ["JA_NAMES", "NOTES", "step_note"]

#: template key -> language -> text (``{name}`` for the values the step gives)
NOTES: dict[str, dict[str, str]] = {
    "weight enters through z": {
        "en": "w^(l)_jk enters C only through the weighted input z^(l)_j.",
        "ja": "w^(l)_jk は重み付き入力 z^(l)_j を通してのみ C に影響する。",
    },
    "weight gradient substituted": {
        "en": "∂C/∂z^(l)_j = δ^(l)_j and ∂z^(l)_j/∂w^(l)_jk = a^(l−1)_k.",
        "ja": "∂C/∂z^(l)_j = δ^(l)_j、∂z^(l)_j/∂w^(l)_jk = a^(l−1)_k を代入する。",
    },
    "bias enters through z": {
        "en": "b^(l)_j enters C only through z^(l)_j.",
        "ja": "b^(l)_j は z^(l)_j を通してのみ C に影響する。",
    },
    "bias gradient substituted": {
        "en": "∂z^(l)_j/∂b^(l)_j = 1, so the gradient of a bias is the unit's error.",
        "ja": "∂z^(l)_j/∂b^(l)_j = 1 なので、バイアスの勾配はそのユニットの誤差そのものになる。",
    },
    "loss of one sample": {
        "en": "The loss for one sample ({loss}); the outputs are y_k = a^({net_depth})_k.",
        "ja": "1 サンプルの損失関数（{loss}）。出力は y_k = a^({net_depth})_k。",
    },
    "softmax couples outputs": {
        "en": "softmax makes every output a^({L})_k depend on z^({L})_{j}.",
        "ja": "ソフトマックス関数では、すべての出力 a^({L})_k が z^({L})_{j} に依存する。",
    },
    "softmax derivative": {
        "en": "∂a_k/∂z_j = a_k(δ_kj − a_j) for softmax (δ_kj: 1 when k = j, else 0).",
        "ja": "ソフトマックス関数の微分 ∂a_k/∂z_j = a_k(δ_kj − a_j)（δ_kj は k = j のとき 1、それ以外 0）。",
    },
    "bce common denominator": {
        "en": "Over a common denominator, −t_j/a_j + (1−t_j)/(1−a_j) = (a_j−t_j)/(a_j(1−a_j)).",
        "ja": "通分すると −t_j/a_j + (1−t_j)/(1−a_j) = (a_j−t_j)/(a_j(1−a_j)) となる。",
    },
    "bce sigmoid cancels": {
        "en": (
            "σ(z_j) = a_j, so σ' = a_j(1−a_j) cancels the denominator: sigmoid with binary "
            "cross-entropy gives δ = y − t, for any targets."
        ),
        "ja": (
            "σ(z_j) = a_j より σ' = a_j(1−a_j) "
            "が分母と約分され、シグモイド関数と二値交差エントロピーの組ではどんな教師データでも δ = y "
            "− t となる。"
        ),
    },
    "output error defined": {
        "en": "The error of unit {j} of the output layer {L}: the rate of change of C in its weighted input.",
        "ja": "出力層（第{L}層）のユニット{j}の誤差を、損失 C の重み付き入力による偏微分と定義する。",
    },
    "softmax ce cancels": {
        "en": "The a_k cancel: −t_k/a_k · a_k = −t_k, so δ_j = a_j Σ_k t_k − t_j, for any targets.",
        "ja": "a_k が約分されて −t_k/a_k · a_k = −t_k となり、どんな教師データでも δ_j = a_j Σ_k t_k − t_j となる。",
    },
    "targets sum to one": {
        "en": (
            "Assuming the targets sum to 1 (one-hot or probabilities), δ = y − t; other targets "
            "(label smoothing) keep the general form, as the compiled code does."
        ),
        "ja": (
            "教師データの総和が 1（ワンホット表現または確率）と仮定すると δ = y − t となる。総和が 1 でない教"
            "師データ（ラベル平滑化など）では一般形のまま（コンパイルしたコードも一般形を使う）。"
        ),
    },
    "weighted input": {
        "en": "The weighted input of unit {j} in layer {l}.",
        "ja": "第{l}層のユニット{j}の重み付き入力。",
    },
    "activation output": {
        "en": "Its output through the activation ({activation}).",
        "ja": "活性化関数（{activation}）を通した出力。",
    },
    "output through activation": {
        "en": "C depends on z^({L})_{j} only through a^({L})_{j} = f(z^({L})_{j}).",
        "ja": "C は a^({L})_{j} = f(z^({L})_{j}) を通してのみ z^({L})_{j} に依存する。",
    },
    "differentiate loss and activation": {
        "en": "Differentiate the loss ({loss}) in a^({L})_{j} and the activation ({output}) in z^({L})_{j}.",
        "ja": "損失関数（{loss}）を a^({L})_{j} で、活性化関数（{output}）を z^({L})_{j} で微分する。",
    },
    "hidden through next layer": {
        "en": "C depends on z^({l})_{j} through a^({l})_{j}, which feeds every unit k of layer {next}.",
        "ja": (
            "C は a^({l})_{j} を通して z^({l})_{j} に依存し、a^({l})_{j} "
            "は第{next}層のすべてのユニット k に入力される。"
        ),
    },
    "errors flow back": {
        "en": (
            "∂z^({next})_k/∂a^({l})_{j} = w^({next})_k{j} and ∂C/∂z^({next})_k = δ^({next})_k: the "
            "errors of the next layer flow back through the weights."
        ),
        "ja": (
            "∂z^({next})_k/∂a^({l})_{j} = w^({next})_k{j}、∂C/∂z^({next})_k = δ^({next})_k "
            "より、次の層の誤差が重みを通って逆向きに伝わる（誤差逆伝播）。"
        ),
    },
    "errors flow back through relu": {
        "en": (
            "∂z^({next})_k/∂a^({l})_{j} = w^({next})_k{j} and ∂C/∂z^({next})_k = δ^({next})_k: the "
            "errors of the next layer flow back through the weights. ReLU′(z) = u_{at_zero}(z), the unit step: 1 "
            "for z > 0, 0 for z < 0, and {at_zero} at z = 0."
        ),
        "ja": (
            "∂z^({next})_k/∂a^({l})_{j} = w^({next})_k{j}、∂C/∂z^({next})_k = δ^({next})_k "
            "より、次の層の誤差が重みを通って逆向きに伝わる（誤差逆伝播）。ReLU′(z) = u_{at_zero}(z) は単位ステップ"
            "関数で、z > 0 のとき 1、z < 0 のとき 0、z = 0 のとき {at_zero}。"
        ),
    },
    "matrix softmax ce": {
        "en": (
            "softmax with cross-entropy: δ^(L) = a^(L)(1ᵀt) − t for any targets (1ᵀt = Σ_k t_k, one "
            "number per sample); assuming the targets sum to 1 (one-hot), δ^(L) = y − t."
        ),
        "ja": (
            "ソフトマックス関数と交差エントロピーの組では、どんな教師データでも "
            "δ^(L) = a^(L)(1ᵀt) − t（1ᵀt = Σ_k t_k はサンプルごとに 1 "
            "つの数）。教師データの総和が 1（ワンホット表現）と仮定すると δ^(L) = y − t。"
        ),
    },
    "matrix sigmoid bce": {
        "en": (
            "sigmoid with binary cross-entropy: σ'(z^(L)) = a^(L) ⊙ (1−a^(L)) cancels the loss's "
            "denominator, so δ^(L) = y − t for any targets."
        ),
        "ja": (
            "シグモイド関数と二値交差エントロピーの組では σ'(z^(L)) = a^(L) ⊙ (1−a^(L)) "
            "が損失の分母と約分され、どんな教師データでも δ^(L) = y − t。"
        ),
    },
    "matrix softmax jacobian": {
        "en": "The softmax Jacobian diag(a) − a aᵀ times ∇_a C.",
        "ja": "ソフトマックス関数のヤコビ行列 diag(a) − a aᵀ と ∇_a C の積。",
    },
    "matrix errors flow back": {
        "en": "The errors flow back through the transposed weights, times f' elementwise.",
        "ja": "誤差が転置した重み行列を通って逆向きに伝わり、f' と要素ごとに掛けられる。",
    },
    "matrix outer product": {
        "en": "∂C/∂w_jk = δ_j a_k for every j, k at once: an outer product.",
        "ja": "すべての j, k について ∂C/∂w_jk = δ_j a_k をまとめると外積になる。",
    },
    "matrix bias gradient": {
        "en": "∂C/∂b^(l) = δ^(l).",
        "ja": "∂C/∂b^(l) = δ^(l)。",
    },
    "matrix linear output": {
        "en": "A linear output unit: f' = 1, so δ^(L) = ∇_a C.",
        "ja": "出力層が恒等関数なので f' = 1、δ^(L) = ∇_a C。",
    },
    "matrix output error": {
        "en": "δ^(L) = ∇_a C ⊙ f'(z^(L)), elementwise.",
        "ja": "δ^(L) = ∇_a C ⊙ f'(z^(L))（要素ごとの積）。",
    },
    "outer function": {
        "en": "The outer function.",
        "ja": "外側の関数。",
    },
    "intermediate variable": {
        "en": "An intermediate variable.",
        "ja": "中間変数。",
    },
    "chain rule, several paths": {
        "en": "Differentiate through each intermediate variable and add the paths.",
        "ja": "中間変数ごとの経路の積を足し合わせる（多変数関数の連鎖律）。",
    },
    "chain rule, one path": {
        "en": "The derivative of a composite function is the product of the derivatives.",
        "ja": "合成関数の導関数は、それぞれの導関数の積になる（1 変数関数の連鎖律）。",
    },
    "differentiate each factor": {
        "en": "Differentiate each factor.",
        "ja": "それぞれの因子を微分する。",
    },
    "put back definitions": {
        "en": "Put back the definitions of the intermediate variables.",
        "ja": "中間変数を元の式に戻す。",
    },
    "the function": {
        "en": "The function.",
        "ja": "関数。",
    },
    "add up": {
        "en": "Add up.",
        "ja": "足し合わせる。",
    },
    "multiply out": {
        "en": "Multiply out.",
        "ja": "積を計算する。",
    },
    "simplify": {
        "en": "Simplify.",
        "ja": "式を整理する。",
    },
    "expand first": {
        "en": "Expand first.",
        "ja": "まず展開する。",
    },
    "sum rule": {
        "en": "The derivative of a sum is the sum of the derivatives.",
        "ja": "和の導関数は導関数の和: {{f(x) + g(x)}}' = f'(x) + g'(x)。",
    },
    "differentiate each term": {
        "en": "Differentiate each term.",
        "ja": "各項を微分する。",
    },
    "layer rule": {
        "en": "The rule of the {layer} layer.",
        "ja": "{layer} 層の規則。",
    },
    "adjoint defined": {
        "en": "The adjoint of an output of the {layer} layer: the rate of change of C in it.",
        "ja": "{layer} 層の出力の随伴（C のその出力による偏微分）。",
    },
    "adjoint through consumers": {
        "en": "C depends on it only through the entries that read it: sum over them (chain rule).",
        "ja": "C はこの値を読むすべての要素を通してのみ依存するので、それらについて和をとる（連鎖律）。",
    },
    "local derivatives": {
        "en": "Each local derivative is SymPy's derivative of the consuming layer's rule.",
        "ja": "各局所微分は、その値を読む層の規則を SymPy で微分したもの。",
    },
    "parameter gradient": {
        "en": "A parameter's gradient: the adjoints of the entries it enters, times their local derivatives.",
        "ja": "パラメータの勾配：それが入る要素の随伴と局所微分の積の和。",
    },
    "index output error defined": {
        "en": "The error of unit j of the output layer {L}, for any width n_{L}: the rate of change of C in z^({L})_j.",
        "ja": "出力層（第{L}層、幅 n_{L} は任意）のユニット j の誤差を、C の z^({L})_j による偏微分と定義する。",
    },
    "index output chain": {
        "en": "C depends on z^({L})_j only through a^({L})_j.",
        "ja": "C は a^({L})_j を通してのみ z^({L})_j に依存する。",
    },
    "index output derivative": {
        "en": "Differentiate the loss in a^({L})_j (only the term i = j of its sum depends on it) and the activation.",
        "ja": "損失を a^({L})_j で（和のうち i = j の項だけが依存する）、活性化関数を z^({L})_j で微分する。",
    },
    "index softmax sum": {
        "en": "Multiply out and sum over k: the Kronecker delta δ_jk keeps the term k = j.",
        "ja": "展開して k について和をとる。クロネッカーのデルタ δ_jk により k = j の項だけが残る。",
    },
    "index errors flow back": {
        "en": "C depends on z^({l})_j through a^({l})_j, which feeds every unit k = 1, …, n_{next} of layer {next}.",
        "ja": (
            "C は a^({l})_j を通して z^({l})_j に依存し、a^({l})_j は第{next}層のすべてのユニット "
            "k = 1, …, n_{next} に入る。"
        ),
    },
    "index errors substituted": {
        "en": "∂z^({next})_k/∂a^({l})_j = w^({next})_kj and ∂C/∂z^({next})_k = δ^({next})_k: the errors flow back.",
        "ja": (
            "∂z^({next})_k/∂a^({l})_j = w^({next})_kj、∂C/∂z^({next})_k = δ^({next})_k を代入する"
            "（誤差が逆向きに伝わる）。"
        ),
    },
    "index errors substituted through relu": {
        "en": (
            "∂z^({next})_k/∂a^({l})_j = w^({next})_kj and ∂C/∂z^({next})_k = δ^({next})_k: the errors flow back. "
            "ReLU′(z) = u_{at_zero}(z), the unit step: 1 for z > 0, 0 for z < 0, and {at_zero} at z = 0."
        ),
        "ja": (
            "∂z^({next})_k/∂a^({l})_j = w^({next})_kj、∂C/∂z^({next})_k = δ^({next})_k を代入する"
            "（誤差が逆向きに伝わる）。ReLU′(z) = u_{at_zero}(z) は単位ステップ関数で、z > 0 のとき 1、z < 0 のとき 0、"
            "z = 0 のとき {at_zero}。"
        ),
    },
    "index weight gradient": {
        "en": "w^({l})_jk could enter C through any weighted input z^({l})_i of layer {l}.",
        "ja": "w^({l})_jk は第{l}層の重み付き入力 z^({l})_i のどれかを通して C に影響しうる。",
    },
    "index weight gradient substituted": {
        "en": "∂z^({l})_i/∂w^({l})_jk is a^({prev})_k for i = j and 0 otherwise: one term is left.",
        "ja": "∂z^({l})_i/∂w^({l})_jk は i = j のとき a^({prev})_k、それ以外 0 なので、1 項だけが残る。",
    },
    "index bias gradient": {
        "en": "b^({l})_j likewise, through the z^({l})_i.",
        "ja": "b^({l})_j も同様に z^({l})_i を通して影響する。",
    },
    "index bias gradient substituted": {
        "en": "∂z^({l})_i/∂b^({l})_j is 1 for i = j and 0 otherwise: the gradient of a bias is the unit's error.",
        "ja": "∂z^({l})_i/∂b^({l})_j は i = j のとき 1、それ以外 0 なので、バイアスの勾配はユニットの誤差となる。",
    },
}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check() -> None:
    for key, texts in NOTES.items():
        if tuple(texts) != LANGUAGES or len({frozenset(_fields(t)) for t in texts.values()}) != 1:
            raise RuntimeError(f"the note {key!r} must have one text per language ({LANGUAGES}) naming the same values")


#: the functions' names as a Japanese note writes them (a note is plain text: no maths); a user's own activation
#: keeps its name
JA_NAMES: dict[str, str] = {
    "sigmoid": "シグモイド関数",
    "relu": "ReLU 関数",
    "tanh": "双曲線正接関数",
    "softplus": "ソフトプラス関数",
    "step": "単位ステップ関数",
    "identity": "恒等関数",
    "softmax": "ソフトマックス関数",
    "sse": "二乗和誤差",
    "mse": "平均二乗誤差",
    "cross-entropy": "交差エントロピー誤差",
    "binary-cross-entropy": "二値交差エントロピー誤差",
}
#: the values of a note that name an activation or a loss
_NAMED = frozenset({"activation", "output", "loss"})


def step_note(said: Said, lang: str) -> str:
    """The note ``said`` names, in ``lang``; an activation's or a loss's name in the words of ``lang``."""
    try:
        texts = NOTES[said.key]
    except KeyError:
        raise ValueError(f"no note template {said.key!r}; known: {len(NOTES)} templates") from None
    args = dict(said.args)
    if lang == "ja":
        args.update({k: JA_NAMES.get(v, v) for k, v in args.items() if k in _NAMED and isinstance(v, str)})
    return texts[lang].format(**args)


_check()

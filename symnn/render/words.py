"""The prose of rendered documents, in English and Japanese: tables of phrase -> {"en": ..., "ja": ...}.

Japanese follows the seed notes' vocabulary: 重み付き入力, 活性化関数, 連鎖律, 誤差逆伝播法, 損失関数.
Phrases may hold ``{name}`` fields filled with :meth:`str.format`, and ``$…$`` inline maths.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["ACTIVATION_NAMES", "CONVENTION_NAMES", "LANGS", "LOSS_NAMES", "PHRASES", "agree", "check_lang", "say"]

#: The languages every phrase has.
LANGS: tuple[str, ...] = ("en", "ja")

PHRASES: dict[str, dict[str, str]] = {
    "backprop title": {
        "en": "Backpropagation in a {shape} network",
        "ja": "{shape} ネットワークの誤差逆伝播法",
    },
    "network title": {"en": "A {shape} network", "ja": "{shape} ネットワーク"},
    "chain rule title": {"en": "The chain rule for ${target}$", "ja": "${target}$ の連鎖律"},
    "network": {"en": "The network", "ja": "ネットワーク"},
    "network intro": {
        "en": "The network has {n_in} inputs, {hidden}and {n_out} outputs. The hidden layers use {hidden_act}; "
        "the output layer uses {output_act}. The loss function is {loss}, and the matrices are laid out in "
        "{convention}.",
        "ja": "入力 {n_in} 個、{hidden}出力 {n_out} 個のネットワークです。隠れ層の活性化関数は{hidden_act}、"
        "出力層の活性化関数は{output_act}、損失関数は{loss}です。行列は{convention}で書きます。",
    },
    "network intro no hidden": {
        "en": "The network has {n_in} inputs and {n_out} outputs and no hidden layer. The output layer uses "
        "{output_act}. The loss function is {loss}, and the matrices are laid out in {convention}.",
        "ja": "入力 {n_in} 個、出力 {n_out} 個で、隠れ層のないネットワークです。出力層の活性化関数は{output_act}、"
        "損失関数は{loss}です。行列は{convention}で書きます。",
    },
    "hidden sizes": {"en": "hidden layers of {sizes} units ", "ja": "隠れ層のユニット数 {sizes}、"},
    "diagram caption": {
        "en": "The network: $w^{{(l)}}_{{jk}}$ is the weight into unit $j$ of layer $l$ from unit $k$ of "
        "layer $l-1$, and $b^{{(l)}}_{{j}}$ the bias of unit $j$ of layer $l$.",
        "ja": "ネットワークの図。$w^{{(l)}}_{{jk}}$ は第 $l-1$ 層の $k$ 番目のユニットから第 $l$ 層の $j$ 番目の"
        "ユニットへの重み、$b^{{(l)}}_{{j}}$ は第 $l$ 層の $j$ 番目のユニットのバイアスです。",
    },
    "forward": {"en": "The forward pass", "ja": "順伝播"},
    "forward matrix": {
        "en": "Layer by layer, as matrices: the weighted input $z^{{(l)}}$ and the activation $a^{{(l)}}$.",
        "ja": "層ごとに行列で書くと、重み付き入力 $z^{{(l)}}$ と活性化 $a^{{(l)}}$ は次のとおりです。",
    },
    "forward matrix row": {
        "en": "Layer by layer, as matrices with one sample in a row: the weighted input $Z^{{(l)}}$ and the "
        "activation $A^{{(l)}}$.",
        "ja": "1 つのサンプルを行ベクトルとして、層ごとに行列で書くと、重み付き入力 $Z^{{(l)}}$ と活性化 $A^{{(l)}}$ "
        "は次のとおりです。",
    },
    "forward elements": {
        "en": "The same, unit by unit:",
        "ja": "ユニットごとに書くと次のようになります。",
    },
    "loss": {"en": "The loss", "ja": "損失関数"},
    "loss intro": {
        "en": "For one sample with targets $t_k$, the loss is",
        "ja": "1 つのサンプルの教師データを $t_k$ とすると、損失関数は",
    },
    "loss outro": {"en": "", "ja": "です。"},
    "steps": {"en": "The derivation, step by step", "ja": "導出"},
    "steps intro": {
        "en": "Each step names the rule it uses. $\\delta^{{(l)}}_{{j}} = \\partial C / \\partial z^{{(l)}}_{{j}}$ "
        "is the error of unit $j$ of layer $l$.",
        "ja": "各ステップに、使った規則を示します。$\\delta^{{(l)}}_{{j}} = \\partial C / \\partial z^{{(l)}}_{{j}}$ "
        "は第 $l$ 層の $j$ 番目のユニットの誤差です。",
    },
    "step": {"en": "Step {n}", "ja": "ステップ {n}"},
    "matrix steps": {"en": "The four equations in matrix form", "ja": "行列で書いた 4 つの式"},
    "matrix steps intro": {
        "en": "The same derivation for whole layers; $\\odot$ is the elementwise (Hadamard) product.",
        "ja": "同じ導出を層ごとにまとめて書きます。$\\odot$ は要素ごとの積（アダマール積）です。",
    },
    "gradients": {"en": "The gradients", "ja": "勾配"},
    "gradients intro": {
        "en": "Every partial derivative of the loss with respect to a parameter, from the errors $\\delta$ and "
        "the activations:",
        "ja": "損失関数の各パラメータについての偏微分を、誤差 $\\delta$ と活性化で表すと次のとおりです。",
    },
    "explicit gradients": {
        "en": "Written out in the inputs, the targets and the parameters:",
        "ja": "入力、教師データ、パラメータだけで書き下すと次のとおりです。",
    },
    "explicit omitted": {
        "en": "The gradients written out in the inputs and parameters are long; `symnn derive --format json` "
        "gives every one of them.",
        "ja": "入力とパラメータだけで書き下した勾配は長くなるので省略します。"
        "`symnn derive --format json` ですべて得られます。",
    },
    "results": {"en": "Result", "ja": "結果"},
    "check": {"en": "Check", "ja": "検算"},
    "check exact": {
        "en": "Every gradient above equals `sympy.diff` of the loss, symbolically.",
        "ja": "上の勾配はすべて、損失関数を `sympy.diff` で微分したものと記号的に一致します。",
    },
    "check numeric": {
        "en": "Every gradient above equals `sympy.diff` of the loss at random points (numerically).",
        "ja": "上の勾配はすべて、損失関数を `sympy.diff` で微分したものとランダムな点で数値的に一致します。",
    },
    "check failed": {
        "en": "**Some gradients do not equal `sympy.diff` of the loss.**",
        "ja": "**`sympy.diff` による微分と一致しない勾配があります。**",
    },
    "verdict": {"en": "Verification", "ja": "検証"},
    "code": {"en": "Code", "ja": "コード"},
    "activation plot caption": {"en": "The activation functions {names}.", "ja": "活性化関数 {names} のグラフ。"},
    "user activation": {
        "en": "The activation ${name}$ is defined in Python as",
        "ja": "活性化関数 ${name}$ は Python で次のように定義されています。",
    },
    "user activation latex": {
        "en": "which latexify-py shows as",
        "ja": "latexify-py で数式にすると次のとおりです。",
    },
    "user activation derivative": {
        "en": "SymPy differentiates its definition:",
        "ja": "定義を SymPy で微分すると次のとおりです。",
    },
    "generated by": {
        "en": "Generated by symnn {version}.",
        "ja": "symnn {version} で生成しました。",
    },
    "and": {"en": " and ", "ja": "と"},
    "list sep": {"en": ", ", "ja": "、"},
}

#: activation name -> how the prose names it (with its symbol).
ACTIVATION_NAMES: dict[str, dict[str, str]] = {
    "sigmoid": {"en": "the sigmoid $\\sigma$", "ja": "シグモイド関数 $\\sigma$"},
    "relu": {"en": "ReLU", "ja": "ReLU 関数"},
    "tanh": {"en": "$\\tanh$", "ja": "双曲線正接関数 $\\tanh$"},
    "softplus": {"en": "softplus", "ja": "ソフトプラス関数"},
    "step": {"en": "the unit step $u$", "ja": "単位ステップ関数 $u$"},
    "identity": {"en": "the identity", "ja": "恒等関数"},
    "softmax": {"en": "softmax", "ja": "ソフトマックス関数"},
}

#: loss name -> prose name.
LOSS_NAMES: dict[str, dict[str, str]] = {
    "sse": {"en": "the sum of squared errors", "ja": "二乗和誤差"},
    "mse": {"en": "the mean squared error", "ja": "平均二乗誤差"},
    "cross-entropy": {"en": "the cross-entropy", "ja": "交差エントロピー誤差"},
    "binary-cross-entropy": {"en": "the binary cross-entropy", "ja": "二値交差エントロピー誤差"},
}

#: convention -> prose name.
CONVENTION_NAMES: dict[str, dict[str, str]] = {
    "column": {"en": "the column convention ($z = W a + b$)", "ja": "列ベクトルの形（$z = W a + b$）"},
    "row": {
        "en": "the row convention, one sample a row ($Z = X W + B$)",
        "ja": "1 つのサンプルを行ベクトルとする形（$Z = X W + B$）",
    },
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is one of :data:`LANGS`, else raise ``ValueError`` naming the choices."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; valid choices: {', '.join(LANGS)}")
    return lang


#: an English plural that follows a number -> its singular, for the number 1 ("1 output", "1 sample")
_SINGULAR: dict[str, str] = {
    "inputs": "input",
    "outputs": "output",
    "samples": "sample",
    "layers": "layer",
    "units": "unit",
    "entries": "entry",
    "weights": "weight",
    "parameters": "parameter",
    "channels": "channel",
    "tokens": "token",
    "steps": "step",
}
_ONE = re.compile(r"(?<![\d.,])\b1 (" + "|".join(_SINGULAR) + r")\b")


def agree(text: str, lang: str) -> str:
    """``text`` with a noun counted by the number 1 in the singular, in English ("1 outputs" -> "1 output").

    Examples
    --------
    >>> agree("2 inputs and 1 outputs, 11 units", "en")
    '2 inputs and 1 output, 11 units'
    """
    return _ONE.sub(lambda m: f"1 {_SINGULAR[m[1]]}", text) if lang == "en" else text


def say(key: str, lang: str, **fields: object) -> str:
    """The phrase ``key`` in ``lang`` with its fields filled.

    Examples
    --------
    >>> say("step", "ja", n=3)
    'ステップ 3'
    """
    return agree(PHRASES[key][check_lang(lang)].format(**fields), lang)


def _check_tables(tables: Mapping[str, Mapping[str, Mapping[str, str]]]) -> None:
    # Every phrase in every language, checked once at import: a missing translation fails loudly here.
    for table_name, table in tables.items():
        for key, texts in table.items():
            missing = [lang for lang in LANGS if lang not in texts]
            if missing:
                raise RuntimeError(f"{table_name}[{key!r}] has no text for {', '.join(missing)}")


_check_tables(
    {
        "PHRASES": PHRASES,
        "ACTIVATION_NAMES": ACTIVATION_NAMES,
        "LOSS_NAMES": LOSS_NAMES,
        "CONVENTION_NAMES": CONVENTION_NAMES,
    }
)

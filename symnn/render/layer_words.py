"""The prose of documents on a :class:`~symnn.Network` of layers, in English and Japanese.

Phrases hold ``{name}`` fields (filled with :meth:`str.format`, so literal braces in maths are doubled) and ``$…$``
inline maths. The formulas a phrase quotes (a layer's rule, a symbol) are printed by
:mod:`symnn.render.graph_doc` and passed in as fields: the maths is computed, only the words live here.
"""

from __future__ import annotations

from symnn.render.words import _check_tables

__all__ = ["GRAPH_PHRASES", "LAYER_NAMES", "LAYER_RULES"]

GRAPH_PHRASES: dict[str, dict[str, str]] = {
    "title": {
        "en": "Backpropagation through a network of {n} layers",
        "ja": "{n} 層のネットワークの誤差逆伝播法",
    },
    "network title": {"en": "A network of {n} layers", "ja": "{n} 層のネットワーク"},
    "intro": {
        "en": "The network takes {n_in} input{s_in} per sample and gives {n_out} output{s_out}. Its {n} layers are "
        "applied in the order of the table; the loss function is {loss}, and the weights of the dense layers are laid "
        "out in {convention}.",
        "ja": "1 つのサンプルにつき入力 {n_in} 個、出力 {n_out} 個のネットワークです。表の {n} 個の層を順に適用します。"
        "損失関数は{loss}で、全結合層の重みは{convention}で書きます。",
    },
    "residual": {
        "en": "A residual block adds its input to the output of its branch: in the diagram, the arrow that skips the "
        "branch.",
        "ja": "残差ブロックは、ブロックへの入力を枝の出力に足します。図では枝を飛び越える矢印です。",
    },
    "coupled": {
        "en": "Batch normalisation mixes the samples of a batch, so the element view spans {batch} samples: "
        "$x^{{\\langle n \\rangle}}_k$ is input $k$ of sample $n$.",
        "ja": "バッチ正規化はバッチ内のサンプルを混ぜるので、要素ごとの式は {batch} 個のサンプルにわたります。"
        "$x^{{\\langle n \\rangle}}_k$ はサンプル $n$ の $k$ 番目の入力です。",
    },
    "diagram caption": {
        "en": "The layers in order, each with its output and the number of its entries per sample.",
        "ja": "層を順に並べた図。各層の出力と、1 つのサンプルあたりの要素数を示します。",
    },
    "table layer": {"en": "layer", "ja": "層"},
    "table kind": {"en": "kind", "ja": "種類"},
    "table output": {"en": "output", "ja": "出力"},
    "table parameters": {"en": "parameters", "ja": "パラメータ"},
    "table adjoint": {"en": "adjoint", "ja": "随伴"},
    "table shape": {"en": "shape", "ja": "形"},
    "none": {"en": "none", "ja": "なし"},
    "loss intro": {
        "en": "The outputs of the last layer are the network's outputs $y_k = {out}_k$. For one sample with targets "
        "$t_k$, the loss is",
        "ja": "最後の層の出力 $y_k = {out}_k$ がネットワークの出力です。1 つのサンプルの教師データを $t_k$ とすると、"
        "損失関数は",
    },
    "loss intro batch": {
        "en": "The outputs of the last layer are the network's outputs $y_k = {out}_k$. With targets $t_k$, the loss "
        "is the mean over the {batch} samples:",
        "ja": "最後の層の出力 $y_k = {out}_k$ がネットワークの出力です。教師データを $t_k$ とすると、損失関数は "
        "{batch} 個のサンプルについての平均",
    },
    "loss decay": {
        "en": "The last term is the weight decay: $\\frac{{{decay}}}{{2}}$ times the sum of the squared weights of the "
        "dense layers (not the biases).",
        "ja": "最後の項は荷重減衰で、全結合層の重み（バイアスは除く）の二乗和の $\\frac{{{decay}}}{{2}}$ 倍です。",
    },
    "steps": {"en": "The derivation, layer by layer", "ja": "層ごとの導出"},
    "steps intro": {
        "en": "Each layer below gives its rule entry by entry (the forward pass), then the adjoints of its outputs "
        "and the gradients of its parameters (the backward pass, which runs from the last layer to the first). "
        "$\\delta^{{(l)}}_j = \\partial C / \\partial z^{{(l)}}_j$ is the error of unit $j$ of dense layer $l$; the "
        "output $h^{{(i)}}_j$ (or $a^{{(l)}}_j$) of any other layer $i$ has the adjoint "
        "$\\bar{{g}}^{{(i)}}_j = \\partial C / \\partial h^{{(i)}}_j$. Each local derivative is SymPy's derivative "
        "of the rule of the layer that reads the value.",
        "ja": "以下、層ごとに、要素ごとの規則（順伝播）を書き、続いて出力の随伴とパラメータの勾配（逆伝播。最後の層から"
        "最初の層へ進みます）を書きます。$\\delta^{{(l)}}_j = \\partial C / \\partial z^{{(l)}}_j$ は第 $l$ 全結合層の "
        "$j$ 番目のユニットの誤差です。ほかの層 $i$ の出力 $h^{{(i)}}_j$（または $a^{{(l)}}_j$）の随伴は "
        "$\\bar{{g}}^{{(i)}}_j = \\partial C / \\partial h^{{(i)}}_j$ です。各局所微分は、その値を読む層の規則を "
        "SymPy で微分したものです。",
    },
    "layer heading": {"en": "Layer {i}: {kind}, ${ins} \\to {out}$", "ja": "第 {i} 層：{kind}、${ins} \\to {out}$"},
    "forward note": {"en": "The rule, entry by entry.", "ja": "要素ごとの規則。"},
    "adjoint note output": {
        "en": "The adjoint of each output: the derivative of the loss itself.",
        "ja": "各出力の随伴は、損失関数そのものの微分です。",
    },
    "adjoint note": {
        "en": "The adjoint of each output: $C$ depends on it only through the entries that read it, so sum over them "
        "(chain rule), each local derivative from the rule that reads it.",
        "ja": "各出力の随伴。$C$ はこの値を読む要素を通してのみ依存するので、それらについて和をとります（連鎖律）。"
        "局所微分は、その値を読む規則の微分です。",
    },
    "adjoint note fused": {
        "en": "The adjoint of each output, through the last layer and the loss at once: their derivatives are "
        "simplified together, as what they share cancels.",
        "ja": "各出力の随伴。最後の層と損失関数をまとめて通し、両者の微分を打ち消し合う部分を約して整理します。",
    },
    "gradient note": {
        "en": "The gradient of each parameter: the adjoints of the entries it enters, times their local derivatives.",
        "ja": "各パラメータの勾配は、それが入る要素の随伴と局所微分の積の和です。",
    },
    "gradient note decay": {
        "en": "The gradient of each parameter: the adjoints of the entries it enters, times their local derivatives, "
        "plus the weight decay's ${decay} w$.",
        "ja": "各パラメータの勾配は、それが入る要素の随伴と局所微分の積の和に、荷重減衰の ${decay} w$ を"
        "足したものです。",
    },
    "abridged": {
        "en": "Shown: {shown} of the {n} entries; the others are alike.",
        "ja": "{n} 個の要素のうち {shown} を示します。ほかも同様です。",
    },
    "abridged inputs": {
        "en": "Of the weights, those from inputs {shown} of the {n} are shown; the others are alike.",
        "ja": "重みは {n} 個の入力のうち {shown} からのものを示します。ほかも同様です。",
    },
    "batch": {"en": "The batch view", "ja": "バッチでの計算"},
    "batch intro": {
        "en": "The same sweep over a batch of $N$ samples, one sample a row, as the compiled code runs it. Every "
        "output and every adjoint is an $N \\times n$ array for a layer of $n$ entries. Products of arrays are "
        "elementwise ($\\odot$) unless written as a matrix product; $\\operatorname{{rowsum}}$ sums each row (one "
        "sample) and $\\sum_n$ sums over the samples. The adjoint of $Z^{{(l)}}$ is $\\Delta^{{(l)}}$, that of any "
        "other output $H^{{(i)}}$ (or $A^{{(l)}}$) is $\\bar{{G}}^{{(i)}}$.",
        "ja": "同じ計算を $N$ 個のサンプルのバッチで、1 つのサンプルを 1 行として書きます"
        "（コンパイルしたコードの計算）。$n$ 要素の層の出力と随伴は、どれも $N \\times n$ の配列です。"
        "行列の積と書いたもの以外の配列の積は要素ごとの積（$\\odot$）です。$\\operatorname{{rowsum}}$ は各行"
        "（1 つのサンプル）の和、$\\sum_n$ はサンプルについての和です。"
        "$Z^{{(l)}}$ の随伴を $\\Delta^{{(l)}}$、ほかの出力 $H^{{(i)}}$（または $A^{{(l)}}$）の随伴を "
        "$\\bar{{G}}^{{(i)}}$ と書きます。",
    },
    "batch forward": {"en": "The forward pass, with the shape of each array:", "ja": "順伝播と各配列の形："},
    "batch loss": {
        "en": "The loss is the mean of the per-sample loss over the batch:",
        "ja": "損失関数は、サンプルごとの損失のバッチについての平均です。",
    },
    "batch backward": {
        "en": "The backward pass, from the last layer to the first:",
        "ja": "逆伝播（最後の層から最初の層へ）：",
    },
    "batch fused": {
        "en": "The softmax and the cross-entropy are differentiated together: ${lhs} = (Y \\sum_k T_k - T)/N$ per "
        "sample, which is $(Y - T)/N$ only when each sample's targets sum to 1.",
        "ja": "ソフトマックス関数と交差エントロピー誤差はまとめて微分します。${lhs} = (Y \\sum_k T_k - T)/N$ で、"
        "各サンプルの教師データの和が 1 のときに限り $(Y - T)/N$ になります。",
    },
    "batch fused bce": {
        "en": "The sigmoid and the binary cross-entropy are differentiated together: ${lhs} = (Y - T)/N$.",
        "ja": "シグモイド関数と二値交差エントロピー誤差はまとめて微分します：${lhs} = (Y - T)/N$。",
    },
    "mask": {"en": "(mask)", "ja": "（マスク）"},
    "abbreviations": {
        "en": "The normalisation of layer {i} is long when written out; wherever they occur whole, ${centred}$ (a "
        "centred entry) and ${var}$ stand for its pieces.",
        "ja": "第 {i} 層の正規化は書き下すと長くなるので、式の中にそのまま現れる部分を ${centred}$（中心化した要素）"
        "と ${var}$ で表します。",
    },
    "batch abbreviations": {
        "en": "The normalisations' pieces are written by their names: {definitions}.",
        "ja": "正規化の部分は次の名前で書きます：{definitions}。",
    },
}

#: a layer's ``title`` -> how a heading names it; ``{name}`` is an activation's or a user function's name.
LAYER_NAMES: dict[str, dict[str, str]] = {
    "dense": {"en": "dense", "ja": "全結合層"},
    "activation": {"en": "activation {name}", "ja": "{name}"},  # the Japanese names say 関数 themselves
    "softmax": {"en": "softmax", "ja": "ソフトマックス関数"},
    "elementwise": {"en": "the function {name}", "ja": "関数 {name}"},
    "layer normalisation": {"en": "layer normalisation", "ja": "レイヤー正規化"},
    "batch normalisation": {"en": "batch normalisation", "ja": "バッチ正規化"},
    "dropout": {"en": "dropout", "ja": "ドロップアウト"},
    "sum": {"en": "residual sum", "ja": "残差接続の和"},
    "convolution": {"en": "convolution", "ja": "畳み込み層"},
    "max pooling": {"en": "max pooling", "ja": "Max プーリング"},
    "average pooling": {"en": "average pooling", "ja": "Average プーリング"},
    "flatten": {"en": "flatten", "ja": "平坦化"},
    "recurrent": {"en": "recurrent step", "ja": "再帰層の時刻"},
    "sequence": {"en": "the sequence of states", "ja": "状態の系列"},
    "attention queries": {"en": "attention: queries $Q$", "ja": "注意機構：クエリ $Q$"},
    "attention keys": {"en": "attention: keys $K$", "ja": "注意機構：キー $K$"},
    "attention values": {"en": "attention: values $V$", "ja": "注意機構：バリュー $V$"},
    "attention scores": {"en": "attention: scores $S$", "ja": "注意機構：スコア $S$"},
    "attention weights": {"en": "attention: weights $P$", "ja": "注意機構：重み $P$"},
    "attention output": {"en": "attention: output $O$", "ja": "注意機構：出力 $O$"},
}

#: a layer's ``title`` -> the sentence that states its rule; ``{rule}`` is the rule in index form (LaTeX).
LAYER_RULES: dict[str, dict[str, str]] = {
    "dense": {
        "en": "Each output is a weighted sum of the inputs plus a bias: ${rule}$.",
        "ja": "各出力は入力の重み付き和にバイアスを足したものです：${rule}$。",
    },
    "dense no bias": {
        "en": "Each output is a weighted sum of the inputs (no bias): ${rule}$.",
        "ja": "各出力は入力の重み付き和です（バイアスなし）：${rule}$。",
    },
    "activation": {
        "en": "The activation is applied to each entry: ${rule}$.",
        "ja": "活性化関数を要素ごとに適用します：${rule}$。",
    },
    "softmax": {
        "en": "Softmax over the entries of each sample: ${rule}$.",
        "ja": "サンプルごとに、要素についてのソフトマックス関数を計算します：${rule}$。",
    },
    "elementwise": {
        "en": "A function given by its formula, applied to each entry: ${rule}$; SymPy derives its derivative.",
        "ja": "式で与えた関数を要素ごとに適用します：${rule}$。その微分は SymPy が求めます。",
    },
    "layer normalisation": {
        "en": "The entries of each sample are normalised, then scaled and shifted: ${rule}$, with "
        "${stats}$ over the ${n}$ entries and $\\varepsilon = {eps}$.",
        "ja": "サンプルごとに要素を正規化し、拡大と平行移動をします：${rule}$。${stats}$ は ${n}$ 個の要素についての"
        "平均と分散、$\\varepsilon = {eps}$ です。",
    },
    "batch normalisation": {
        "en": "Each unit is normalised over the samples of the batch, then scaled and shifted: ${rule}$, with "
        "${stats}$ over the ${n}$ samples and $\\varepsilon = {eps}$.",
        "ja": "ユニットごとにバッチのサンプルについて正規化し、拡大と平行移動をします：${rule}$。${stats}$ は "
        "${n}$ 個のサンプルについての平均と分散、$\\varepsilon = {eps}$ です。",
    },
    "dropout": {
        "en": "Inverted dropout: the mask entries ${mask}_j \\in \\{{0, 1\\}}$ are inputs, and ${keep}$ is the "
        "probability of keeping an entry: ${rule}$.",
        "ja": "逆ドロップアウト：マスクの要素 ${mask}_j \\in \\{{0, 1\\}}$ は入力で、${keep}$ は要素を残す確率です："
        "${rule}$。",
    },
    "sum": {
        "en": "The end of a residual block: the block's input plus its branch's output, ${rule}$.",
        "ja": "残差ブロックの終わり。ブロックへの入力と枝の出力の和です：${rule}$。",
    },
    "convolution": {
        "en": "A convolution (a correlation, as frameworks compute it) of {filters} kernel{s} of {kh} × {kw} over all "
        "{channels} channel{cs} of the input {shape_in} (stride {stride}, padding {pad}), giving {shape_out}: each "
        "output is the sum over its window, ${rule}$, where the padding's zeros are simply absent from the sum. "
        "The entries are numbered row-major, channel first: ${flat}$.",
        "ja": "畳み込み（フレームワークが計算するとおり相関）です。{kh} × {kw} のカーネル {filters} 個を"
        "入力 {shape_in} の全 {channels} チャンネルにかけ（ストライド {stride}、パディング {pad}）、"
        "{shape_out} を出力します。各出力は"
        "窓についての和 ${rule}$ で、パディングの 0 は和に現れません。要素はチャンネル、行、列の順に番号を付けます："
        "${flat}$。",
    },
    "max pooling": {
        "en": "The maximum of each {k} × {k} window of each channel (stride {stride}), {shape_in} to {shape_out}: "
        "${rule}$. Its derivative is 1 for the window's maximum and 0 for its other entries; {ties}",
        "ja": "チャンネルごとに {k} × {k} の窓の最大値をとります（ストライド {stride}、{shape_in} から {shape_out}）："
        "${rule}$。その微分は窓の最大の要素で 1、ほかの要素で 0 です。{ties}",
    },
    "max pooling first": {
        "en": "where several entries tie for the maximum, all of it goes to the first of them in row-major order "
        "(the textbook's argmax), written $[k = \\operatorname{{argmax}}_{{\\mathrm{{first}}}}(\\ldots)]$.",
        "ja": "最大の要素が複数あるときは、行優先の順で最初の要素にすべてを渡します（教科書の argmax）。"
        "$[k = \\operatorname{{argmax}}_{{\\mathrm{{first}}}}(\\ldots)]$ と書きます。",
    },
    "max pooling split": {
        "en": "where m entries tie for the maximum, each gets 1/m of it.",
        "ja": "最大の要素が m 個あるときは、それぞれに 1/m ずつ渡します。",
    },
    "average pooling": {
        "en": "The mean of each {k} × {k} window of each channel (stride {stride}), {shape_in} to {shape_out}: "
        "${rule}$.",
        "ja": "チャンネルごとに {k} × {k} の窓の平均をとります（ストライド {stride}、{shape_in} から {shape_out}）："
        "${rule}$。",
    },
    "flatten": {
        "en": "The entries of each sample as one vector, in their row-major order; the values are unchanged: ${rule}$.",
        "ja": "サンプルの要素を行優先の順に 1 本のベクトルに並べます。値は変わりません：${rule}$。",
    },
    "recurrent first": {
        "en": "Step $t = {t}$ of {T} of the recurrent layer $h_t = f(W x_t + U h_{{t-1}} + b)$ with $h_0 = 0$, so "
        "that $U h_0$ vanishes: ${rule}$, where ${f}$. The weights $W = (w^{{[{i}]}}_{{jk}})$, "
        "$U = (u^{{[{i}]}}_{{jk}})$ and the bias $b = (b^{{[{i}]}}_j)$ are the same at every step.",
        "ja": "再帰層 $h_t = f(W x_t + U h_{{t-1}} + b)$ の時刻 $t = {t}$（全 {T} 時刻）。$h_0 = 0$ なので "
        "$U h_0$ は消えます：${rule}$。ここで ${f}$ です。重み $W = (w^{{[{i}]}}_{{jk}})$、"
        "$U = (u^{{[{i}]}}_{{jk}})$ とバイアス $b = (b^{{[{i}]}}_j)$ はすべての時刻で共通です。",
    },
    "recurrent": {
        "en": "Step $t = {t}$ of {T} of the recurrent layer $h_t = f(W x_t + U h_{{t-1}} + b)$, with the same "
        "$W$, $U$, $b$ as every step: ${rule}$, where ${f}$. This state reads the one before it, so its adjoint "
        "reaches the earlier steps through $U$ (backpropagation through time).",
        "ja": "再帰層 $h_t = f(W x_t + U h_{{t-1}} + b)$ の時刻 $t = {t}$（全 {T} 時刻）。$W$、$U$、$b$ は"
        "すべての時刻で共通です：${rule}$。ここで ${f}$ です。この状態は一つ前の状態を読むので、その随伴は $U$ を"
        "通って前の時刻へ伝わります（通時的誤差逆伝播法）。",
    },
    "sequence": {
        "en": "The states of the {T} steps as the rows of one {T} × {n} output: ${states}$, in order.",
        "ja": "{T} 個の時刻の状態を行とする {T} × {n} の出力：${states}$ を順に並べます。",
    },
    "attention projection": {
        "en": "The {what} ${M} = X W_{M}$ of scaled dot-product attention, token by token: ${rule}$. ${out}$ is the "
        "${T} \\times {n}$ matrix ${M}$ (one row per token), entry $(t, j)$ numbered $(t - 1) \\cdot {n} + j$.",
        "ja": "スケール化内積注意の{what} ${M} = X W_{M}$ をトークンごとに計算します：${rule}$。${out}$ は "
        "${T} \\times {n}$ の行列 ${M}$（1 行が 1 トークン）で、要素 $(t, j)$ の番号は $(t - 1) \\cdot {n} + j$ "
        "です。",
    },
    "attention scores": {
        "en": "The scores $S = Q K^{{\\mathsf{{T}}}} / \\sqrt{{d_k}}$ of each query token $i$ against each key token "
        "$j$, with $d_k = {d_k}$: ${rule}$.",
        "ja": "各クエリのトークン $i$ と各キーのトークン $j$ のスコア $S = Q K^{{\\mathsf{{T}}}} / \\sqrt{{d_k}}$"
        "（$d_k = {d_k}$）：${rule}$。",
    },
    "attention weights": {
        "en": "The attention weights $P$: the softmax of each row of $S$ (each query token $i$), ${rule}$. Each row's "
        "Jacobian is $\\operatorname{{diag}}(p_i) - p_i p_i^{{\\mathsf{{T}}}}$, which SymPy finds from this rule.",
        "ja": "注意の重み $P$ は、$S$ の各行（各クエリのトークン $i$）のソフトマックス関数です：${rule}$。各行の"
        "ヤコビ行列は $\\operatorname{{diag}}(p_i) - p_i p_i^{{\\mathsf{{T}}}}$ で、SymPy はこの規則から求めます。",
    },
    "attention weights causal": {
        "en": "The attention weights $P$, causal: token $i$ attends to the tokens $j \\le i$ only, so each row's "
        "softmax runs over those, ${rule}$, and $p_{{ij}} = 0$ for $j > i$ (the mask). Each row's Jacobian is "
        "$\\operatorname{{diag}}(p_i) - p_i p_i^{{\\mathsf{{T}}}}$ over the kept entries, which SymPy finds from this "
        "rule.",
        "ja": "注意の重み $P$（因果的）：トークン $i$ は $j \\le i$ のトークンだけを見るので、"
        "各行のソフトマックス関数はそれらについてとり（${rule}$）、$j > i$ では $p_{{ij}} = 0$ です（マスク）。"
        "各行のヤコビ行列は残した要素について $\\operatorname{{diag}}(p_i) - p_i p_i^{{\\mathsf{{T}}}}$ で、"
        "SymPy はこの規則から求めます。",
    },
    "attention output": {
        "en": "The output $O = P V$: each token's output is the sum of the values weighted by its row of $P$, "
        "${rule}$.",
        "ja": "出力 $O = P V$：各トークンの出力は、$P$ のその行で重み付けしたバリューの和です：${rule}$。",
    },
}

_check_tables({"GRAPH_PHRASES": GRAPH_PHRASES, "LAYER_NAMES": LAYER_NAMES, "LAYER_RULES": LAYER_RULES})

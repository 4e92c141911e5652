"""The sentences stating the rules of attention's six nodes (:class:`~symnn.Attention`) in index form.

Each node's output is a T × n matrix numbered row-major; the rules index it by token and column, ``h^{(3)}_{t,j}``.
"""

from __future__ import annotations

from typing import Any

from symnn.model.layers import Node
from symnn.render.layer_words import LAYER_RULES
from symnn.render.node_names import entry_tex, output_tex, say
from symnn.render.words import LANGS

__all__ = ["ATTENTION_TITLES", "attention_rule"]

ATTENTION_TITLES = (
    "attention queries",
    "attention keys",
    "attention values",
    "attention scores",
    "attention weights",
    "attention output",
)
_WHAT = {
    "Q": {"en": "queries", "ja": "クエリ"},
    "K": {"en": "keys", "ja": "キー"},
    "V": {"en": "values", "ja": "バリュー"},
}


def attention_rule(node: Node) -> dict[str, str]:
    """The sentence stating the rule of one of attention's nodes, in every language."""
    layer: Any = node.layer
    title, T = layer.title, node.shape[0]
    out = entry_tex(node, "i,j")
    if title in ATTENTION_TITLES[:3]:
        M, n, i = layer.which, node.shape[1], node.index
        x = entry_tex(node.inputs[0], "t,c")
        rule = rf"{entry_tex(node, 't,j')} = \sum_{{c}} {x} w^{{{M}({i})}}_{{cj}}"
        what = {lang: _WHAT[M][lang] for lang in LANGS}
        return say("attention projection", LAYER_RULES, what=what, M=M, rule=rule, out=output_tex(node), T=T, n=n)
    if title == "attention scores":
        q, k = (entry_tex(u, f"{r},c") for u, r in zip(node.inputs, "ij", strict=True))
        rule = rf"{out} = \frac{{1}}{{\sqrt{{{layer.d_k}}}}} \sum_{{c}} {q} {k}"
        return say("attention scores", LAYER_RULES, rule=rule, d_k=layer.d_k)
    if title == "attention weights":
        s_ij, s_il = entry_tex(node.inputs[0], "i,j"), entry_tex(node.inputs[0], "i,l")
        over = r"l \le i" if layer.causal else "l"
        rule = rf"{out} = \frac{{e^{{{s_ij}}}}}{{\sum_{{{over}}} e^{{{s_il}}}}}"
        return say("attention weights causal" if layer.causal else "attention weights", LAYER_RULES, rule=rule)
    p, v = entry_tex(node.inputs[0], "i,l"), entry_tex(node.inputs[1], "l,j")
    return say("attention output", LAYER_RULES, rule=rf"{out} = \sum_{{l}} {p} {v}")

"""The rule sentences of the convolution, pooling and flatten layers (index form, in every language)."""

from __future__ import annotations

from symnn.model.conv import AvgPool, Conv2D, MaxPool
from symnn.model.graph import Network
from symnn.model.layers import Node
from symnn.model.wiring import Flatten
from symnn.render.layer_words import LAYER_RULES
from symnn.render.node_names import entry_tex, say

__all__ = ["conv_rule"]


def _shape(shape: tuple[int, ...]) -> str:
    return " × ".join(map(str, shape))


def _offset(stride: int, var: str, k: str, pad: int) -> str:
    """The input row (or column) of window offset k for output row (column) var, 1-based: s(var − 1) + k − pad."""
    text = f"{var} + {k} - 1" if stride == 1 else f"{stride}({var} - 1) + {k}"
    return text + (f" - {pad}" if pad else "")


def conv_rule(node: Node, net: Network) -> dict[str, str] | None:
    """The sentence stating a Conv2D, MaxPool, AvgPool or Flatten node's rule, ``None`` for other layers."""
    layer, i, a_in = node.layer, node.index, node.inputs[0]
    shapes = {"shape_in": _shape(a_in.shape), "shape_out": _shape(node.shape)}
    if isinstance(layer, Flatten):
        return say("flatten", LAYER_RULES, rule=f"{entry_tex(node, 'j')} = {entry_tex(a_in, 'j')}")
    if isinstance(layer, Conv2D):
        (kh, kw), s, pad = layer.kernel, layer.stride, layer.padding
        c_n, h, w = a_in.shape
        a = entry_tex(a_in, f"c,\\, {_offset(s, 'm', 'p', pad)},\\, {_offset(s, 'n', 'q', pad)}")
        bias = f" + c^{{({i})}}_{{f}}" if layer.bias else ""
        rule = rf"{entry_tex(node, 'f,m,n')} = \sum_{{c,p,q}} K^{{({i})}}_{{fcpq}}\, {a}{bias}"
        flat = rf"{entry_tex(a_in, 'c,m,n')} = {entry_tex(a_in, f'({h * w}(c - 1) + {w}(m - 1) + n)')}"
        many = {"s": "s" if layer.filters > 1 else "", "cs": "s" if c_n > 1 else ""}
        return say(
            "convolution", LAYER_RULES, rule=rule, flat=flat, filters=layer.filters, kh=kh, kw=kw, channels=c_n,
            stride=s, pad=pad, **many, **shapes,
        )  # fmt: skip
    if isinstance(layer, MaxPool | AvgPool):
        k, s = layer.size, layer.stride
        a = entry_tex(a_in, f"c,\\, {_offset(s, 'm', 'p', 0)},\\, {_offset(s, 'n', 'q', 0)}")
        out = entry_tex(node, "c,m,n")
        if isinstance(layer, AvgPool):
            rule = rf"{out} = \frac{{1}}{{{k * k}}} \sum_{{p,q=1}}^{{{k}}} {a}"
            return say("average pooling", LAYER_RULES, rule=rule, k=k, stride=s, **shapes)
        ties = say(f"max pooling {net.pool_ties}", LAYER_RULES)
        rule = rf"{out} = \max_{{p,q=1}}^{{{k}}} {a}"
        return say("max pooling", LAYER_RULES, rule=rule, k=k, stride=s, ties=ties, **shapes)
    return None

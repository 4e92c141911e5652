"""The sentences that state a recurrent layer's rule in documents: a step of :class:`~symnn.RNN` and its stacked
states (``outputs="all"``)."""

from __future__ import annotations

from symnn.model.graph import Network
from symnn.model.layers import Node
from symnn.model.recurrent import RNN
from symnn.render.formula import latex
from symnn.render.layer_words import LAYER_RULES
from symnn.render.node_names import entry_tex, output_tex, say

__all__ = ["recurrent_rule"]


def _input_entry(node: Node, t: int, d: int) -> str:
    """x_t for one feature, x_{(t−1)d + k} otherwise (the sequence's entries are numbered row-major)."""
    if d == 1:
        return f"x_{{{t}}}"
    offset = (t - 1) * d
    return f"x_{{{offset} + k}}" if offset else "x_{k}"


def recurrent_rule(node: Node, net: Network) -> dict[str, str]:
    """The rule of a node an :class:`~symnn.RNN` placed: step t's ``h_t = f(W x_t + U h_{t−1} + b)`` in index form,
    or the sentence of the node that stacks the T states."""
    layer = node.layer
    if not isinstance(layer, RNN):
        states = ", ".join(output_tex(u) for u in node.inputs)
        return say("sequence", LAYER_RULES, states=states, T=len(node.inputs), n=node.inputs[0].width)
    t, d = layer.step(node), node.inputs[0].shape[1]
    i = node.params[0].name.removeprefix("Wx")
    f = latex(layer.function(net)(node.symbol(1))).replace(latex(node.symbol(1)), "s")
    x = _input_entry(node, t, d)
    terms = [rf"\sum_{{k}} w^{{[{i}]}}_{{jk}} {x}" if d > 1 else rf"w^{{[{i}]}}_{{j1}} {x}"]
    if t > 1:
        terms.append(rf"\sum_{{k}} u^{{[{i}]}}_{{jk}} {entry_tex(node.inputs[1], 'k')}")
    terms.append(rf"b^{{[{i}]}}_{{j}}")
    rule = rf"{entry_tex(node, 'j')} = f\left({' + '.join(terms)}\right)"
    return say(
        "recurrent first" if t == 1 else "recurrent",
        LAYER_RULES,
        rule=rule,
        f=f"f(s) = {f}",
        t=t,
        T=node.inputs[0].shape[0],
        i=i,
    )

"""How documents name a network's nodes and arrays: z^(1), h^(3)_j, W^(1), ℝ^{N×3}; and filling the phrases."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sympy as sp

from symnn.model.layers import Node
from symnn.render.formula import latex
from symnn.render.layer_words import GRAPH_PHRASES
from symnn.render.words import LANGS, agree

__all__ = ["entry_tex", "output_tex", "param_tex", "say", "shape_tex"]


def say(key: str, table: dict[str, dict[str, str]] = GRAPH_PHRASES, **fields: Any) -> dict[str, str]:
    """The phrase ``key`` of ``table`` in every language, fields filled (a field may be a per-language dict)."""

    def value(v: Any, lang: str) -> Any:
        return v[lang] if isinstance(v, dict) else v

    return {
        lang: agree(table[key][lang].format(**{k: value(v, lang) for k, v in fields.items()}), lang) for lang in LANGS
    }


def output_tex(node: Node) -> str:
    """The LaTeX of a node's output as a whole: ``x``, ``z^{(1)}``, ``h^{(3)}``."""
    return "x" if node.kind == "x" else f"{node.kind}^{{({node.number})}}"


def entry_tex(node: Node, index: str, sample: str = "", head: str | None = None) -> str:
    """One entry of a node's output, ``z^{(1)}_{j}``, with ``sample`` (LaTeX) joined to the superscript (a double
    superscript is an error in TeX) and ``head`` in place of the kind's letter if given (``\\tilde{z}``)."""
    top = " ".join(s for s in ("" if node.kind == "x" else f"({node.number})", sample) if s)
    return (head or node.kind) + (f"^{{{top}}}" if top else "") + f"_{{{index}}}"


def param_tex(node: Node, name: str) -> str:
    """``W1`` -> ``W^{(1)}``, ``gamma3`` -> ``\\gamma^{(3)}``: a parameter array's name in the network's notation.

    A recurrent layer's shared arrays ``Wx{i}``, ``Wh{i}``, ``bh{i}`` are the textbook's ``W^{[i]}``, ``U^{[i]}``,
    ``b^{[i]}`` (i its first step's node; brackets, so that they never read as a dense layer's ``W^{(l)}``)."""
    recurrent = _RECURRENT.match(name) if node.layer is not None and node.layer.title == "recurrent" else None
    if recurrent:
        return f"{_RECURRENT_HEADS[recurrent['kind']]}^{{[{recurrent['i']}]}}"
    for number in (node.number, node.index):
        tail = str(number)
        if name.endswith(tail) and name[: -len(tail)]:
            return f"{latex(sp.Symbol(name[: -len(tail)]))}^{{({number})}}"
    return latex(sp.Symbol(name))


_RECURRENT = re.compile(r"^(?P<kind>Wx|Wh|bh)(?P<i>[1-9]\d*)$")
_RECURRENT_HEADS = {"Wx": "W", "Wh": "U", "bh": "b"}


def shape_tex(shape: Sequence[int | str]) -> str:
    """``\\mathbb{R}^{N \\times 3}``; a scalar's is ``\\mathbb{R}``."""
    dims = r" \times ".join(map(str, shape))
    return r"\mathbb{R}" + (f"^{{{dims}}}" if shape else "")

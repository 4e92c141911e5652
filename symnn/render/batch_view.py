"""The batch view of a Network's derivation in a document: every array with its shape, the forward pass, the loss
and the backward pass over N samples, one sample a row (the sweep's matrix steps, as the compiled code runs them)."""

from __future__ import annotations

from typing import Any

import sympy as sp

from symnn.derive.derivation import LOSS_SYMBOL
from symnn.model.graph import Network
from symnn.model.layers import Node
from symnn.render.abbreviations import batch_abbreviations
from symnn.render.arrays import Array, array, textbook_form
from symnn.render.document import Document
from symnn.render.formula import WIDTH, equation_lines, latex
from symnn.render.node_names import param_tex, say, shape_tex
from symnn.render.words import LANGS, PHRASES

__all__ = ["add_batch_view", "array_names"]

#: At most this many equations share one displayed block (an ``aligned`` block cannot break across pages).
MAX_EQUATIONS_PER_BLOCK = 6


def _code(node: Node) -> sp.Symbol:
    """The sweep's array symbol of a node's output: ``Z1``, ``A1``, ``H3``; ``X`` for the input."""
    return sp.Symbol("X" if node.kind == "x" else f"{node.kind.upper()}{node.number}", real=True)


def _adjoint_code(node: Node) -> sp.Symbol:
    """The sweep's symbol of ∂C/∂(a node's output): ``delta1`` for Z^(1) (δ^(l) as the element view names it),
    ``dH3`` or ``dA1`` for the others."""
    return sp.Symbol(f"delta{node.number}" if node.kind == "z" else f"d{_code(node).name}", real=True)


def array_names(net: Network) -> tuple[dict[sp.Basic, Array], dict[sp.Symbol, Node]]:
    """The sweep's array symbols (and the long pieces of a normalisation) -> their printable names, and each
    output's or adjoint's symbol -> its node."""
    names: dict[sp.Basic, Array] = {sp.Symbol(s, real=True): array(s) for s in ("X", "T")}
    node_of: dict[sp.Symbol, Node] = {}
    for node in net.nodes:
        code = _code(node)
        names[code] = array(node.kind.upper(), f"({node.number})")
        adjoint = _adjoint_code(node)
        names[adjoint] = (
            array(r"\Delta", f"({node.number})") if node.kind == "z" else array(r"\bar{G}", f"({node.index})")
        )
        node_of[code] = node_of[adjoint] = node
        for p in node.params:
            head, _, sup = param_tex(node, p.name).partition("^")
            names[sp.Symbol(p.name, real=True)] = array(head, sup[1:-1])
        for m in node.layer.masks(node):
            names[sp.Symbol(m, real=True)] = array("M", f"({node.index})")
    inputs = {node: _code(node) for node in [net.input_node, *net.nodes]}
    return {**batch_abbreviations(net, inputs, sp.Symbol("N", real=True)), **names}, node_of


def _tagged(lhs: sp.Basic, rhs: sp.Basic, shape: str, names: dict) -> list[str]:
    lines = equation_lines(textbook_form(lhs, names), textbook_form(rhs, names), width=WIDTH - 14)
    lines[0] += rf" && \in {shape}"
    return lines


def _blocks(doc: Document, equations: list[list[str]]) -> None:
    """Equations (each a list of lines) in aligned blocks of at most :data:`MAX_EQUATIONS_PER_BLOCK`."""
    for start in range(0, len(equations), MAX_EQUATIONS_PER_BLOCK):
        block = [line for eq in equations[start : start + MAX_EQUATIONS_PER_BLOCK] for line in eq]
        doc.math("\\begin{aligned}\n" + " \\\\\n".join(block) + "\n\\end{aligned}")


def _table(doc: Document, d: Any, net: Network, names: dict, node_of: dict) -> None:
    params = {sp.Symbol(p.name, real=True): p for p in net.param_arrays}
    adjoints = {node_of[s.lhs] for s in d.matrix_steps if s.rule != "definition" and s.lhs in node_of}
    header = [say(k) for k in ("table layer", "table output", "table adjoint", "table parameters")]
    rows: list[list[Any]] = [["", f"$X \\in {shape_tex(['N', net.input_node.width])}$", "", ""]]
    mask_word = say("mask")
    for node in net.nodes:
        code = _code(node)
        out = f"${latex(names[code])} \\in {shape_tex(['N', node.width])}$"
        adj = f"${latex(names[_adjoint_code(node)])}$" if node in adjoints else ""
        cells = [f"${latex(names[s])} \\in {shape_tex(p.shape)}$" for s, p in params.items() if p in node.params]
        masks = [
            f"${latex(names[sp.Symbol(m, real=True)])} \\in {shape_tex(['N', node.width])}$ "
            for m in node.layer.masks(node)
        ]
        last = {lang: PHRASES["list sep"][lang].join([*cells, *(m + mask_word[lang] for m in masks)]) for lang in LANGS}
        rows.append([str(node.index), out, adj, last])
    doc.table(header, rows)


def add_batch_view(doc: Document, d: Any, net: Network) -> None:
    """The matrix steps: a table of the arrays and their shapes, the forward pass, the loss, the backward pass."""
    names, node_of = array_names(net)
    doc.heading(say("batch"))
    doc.text(say("batch intro"))
    _table(doc, d, net, names, node_of)
    short = [(value, name) for value, name in names.items() if not value.is_Symbol]
    if short:
        # Ã and V, each defined in the names of the ones before it
        done: dict[sp.Basic, Array] = {k: v for k, v in names.items() if k.is_Symbol}
        defs = []
        for value, name in short:
            defs.append(f"${latex(name)} = {latex(textbook_form(value, done))}$")
            done[value] = name
        joined = {lang: PHRASES["list sep"][lang].join(defs) for lang in LANGS}
        doc.text(say("batch abbreviations", definitions=joined))

    forward = [s for s in d.matrix_steps if s.rule == "definition"]
    backward = [s for s in d.matrix_steps if s.rule != "definition"]
    doc.text(say("batch forward"))
    _blocks(doc, [_tagged(s.lhs, s.rhs, shape_tex(s.shape), names) for s in forward])
    doc.text(say("batch loss"))
    C = latex(LOSS_SYMBOL)
    loss = rf"{C} = \frac{{1}}{{N}} \sum_{{n=1}}^{{N}} {C}^{{\langle n \rangle}}"
    decayed = [p for p in net.param_arrays if p.decay] if net.decay is not None else []
    if decayed:
        squares = " + ".join(rf"\lVert {latex(names[sp.Symbol(p.name, real=True)])} \rVert^{{2}}" for p in decayed)
        loss += rf" + \frac{{{latex(net.decay)}}}{{2}} \left({squares}\right)"
    doc.math(loss)
    doc.text(say("batch backward"))
    if backward and node_of.get(backward[0].lhs) is not net.output_node:
        lhs = latex(names[backward[0].lhs])
        doc.text(say("batch fused", lhs=lhs) if net.loss_name == "cross-entropy" else say("batch fused bce", lhs=lhs))
    _blocks(doc, [_tagged(s.lhs, s.rhs, shape_tex(s.shape), names) for s in backward])

"""Documents on a :class:`~symnn.Network` of layers and its :class:`~symnn.derive.sweep.GraphDerivation`.

The network section (what the layers are, the diagram, the loss), then one section per layer holding its rule,
the adjoints of its outputs and the gradients of its parameters, then the batch view with the shape of every
array. The steps are the derivation's; which layer each belongs to is read from the network's nodes (their
symbols and parameters), and the words come from :mod:`symnn.render.layer_words`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import sympy as sp

from symnn.derive.derivation import LOSS_SYMBOL, Partial
from symnn.errors import Unsupported
from symnn.model.graph import Network
from symnn.model.layers import Activation, Dense, Elementwise, Node, Softmax
from symnn.model.normalization import BatchNorm, LayerNorm
from symnn.model.wiring import Dropout
from symnn.render.abbreviations import Abbreviations, element_abbreviations, element_definitions, normalised
from symnn.render.batch_view import add_batch_view
from symnn.render.build import MAX_CHAINS_PER_BLOCK, _chain_lines, _chains, _name, _shape_of
from symnn.render.document import Document
from symnn.render.formula import equation_lines, latex
from symnn.render.layer_diagram import layer_diagram
from symnn.render.layer_words import LAYER_NAMES, LAYER_RULES
from symnn.render.node_names import entry_tex, output_tex, param_tex, say, shape_tex
from symnn.render.rules_attention import ATTENTION_TITLES, attention_rule
from symnn.render.rules_conv import conv_rule
from symnn.render.rules_recurrent import recurrent_rule
from symnn.render.words import ACTIVATION_NAMES, CONVENTION_NAMES, LANGS, LOSS_NAMES, PHRASES

__all__ = ["add_graph_network", "graph_derivation_document", "graph_network_document"]

#: An entry index no network reaches, printed and then renamed j to write a layer's rule in index form.
PROBE = 9973
#: A numbered block holds at most this many lines (a chain longer than this stands alone): an ``aligned`` block
#: cannot break across pages.
MAX_LINES_PER_BLOCK = 12
#: A layer of more entries than this shows the steps of its first two and its last entry only.
MAX_UNITS_SHOWN = 4


# -- naming the layers ------------------------------------------------------------------------------------------


def kind_name(node: Node) -> dict[str, str]:
    """How a heading names the node's layer: "dense", "activation ReLU", "residual sum" …"""
    layer = node.layer
    if isinstance(layer, Activation):
        # "activation sigmoid σ", not "activation the sigmoid σ": the prose names carry an article
        what = {lang: name.removeprefix("the ") for lang, name in _name(layer.name, ACTIVATION_NAMES).items()}
    elif isinstance(layer, Elementwise):
        what = {lang: f"`{layer.name}`" for lang in LANGS}
    else:
        what = {lang: "" for lang in LANGS}
    return say(layer.title, LAYER_NAMES, name=what)


def _generic(node: Node, expr_of_entry) -> str:
    """The LaTeX of a per-entry rule with the entry index written j (built at a probe index, then renamed)."""
    tex = latex(expr_of_entry(node.inputs[0].symbol(PROBE)))
    return tex.replace(str(PROBE), "j")


def _rule(node: Node, net: Network) -> dict[str, str]:
    """The sentence stating the node's rule in index form."""
    layer, out = node.layer, entry_tex(node, "j")
    ins = [entry_tex(u, "j") for u in node.inputs]
    i = node.index
    if isinstance(layer, Dense):
        l, a = node.number, entry_tex(node.inputs[0], "k")
        rule = rf"{out} = \sum_{{k}} w^{{({l})}}_{{jk}} {a}" + (f" + b^{{({l})}}_{{j}}" if layer.bias else "")
        return say("dense" if layer.bias else "dense no bias", LAYER_RULES, rule=rule)
    if isinstance(layer, Activation):
        return say("activation", LAYER_RULES, rule=f"{out} = {_generic(node, layer.function(net))}")
    if isinstance(layer, Elementwise):
        # one parameter per layer, or one per unit (beta2_j, probed as the entry is)
        thetas = [sp.Symbol(p.name + (f"_{PROBE}" if layer.per_unit else ""), real=True) for p in node.params]
        return say("elementwise", LAYER_RULES, rule=f"{out} = {_generic(node, lambda z: layer.fn(z, *thetas))}")
    if isinstance(layer, Softmax):
        a_k = entry_tex(node.inputs[0], "k")
        return say("softmax", LAYER_RULES, rule=rf"{out} = \frac{{e^{{{ins[0]}}}}}{{\sum_{{k}} e^{{{a_k}}}}}")
    if isinstance(layer, LayerNorm | BatchNorm):
        batch = isinstance(layer, BatchNorm)
        n = r"\langle n \rangle" if batch else ""
        a_j, h_j = entry_tex(node.inputs[0], "j", n), entry_tex(node, "j", n)
        mu, var = (r"\mu_{j}", r"\sigma^{2}_{j}") if batch else (r"\mu", r"\sigma^{2}")
        scaled = rf"\frac{{{a_j} - {mu}}}{{\sqrt{{{var} + \varepsilon}}}}"
        rule = rf"{h_j} = \gamma^{{({i})}}_{{j}} {scaled} + \beta^{{({i})}}_{{j}}"
        if batch:
            a = entry_tex(node.inputs[0], "j", r"\langle m \rangle")
            stats = rf"{mu} = \frac{{1}}{{N}} \sum_{{m}} {a},\ {var} = \frac{{1}}{{N}} \sum_{{m}} ({a} - {mu})^{{2}}"
            size = "N"
        else:
            a = entry_tex(node.inputs[0], "k")
            stats = rf"{mu} = \frac{{1}}{{n}} \sum_{{k}} {a},\ {var} = \frac{{1}}{{n}} \sum_{{k}} ({a} - {mu})^{{2}}"
            size = f"n = {node.width}"
        return say(layer.title, LAYER_RULES, rule=rule, stats=stats, n=size, eps=latex(layer.eps))
    if isinstance(layer, Dropout):
        keep = latex(layer.keep)
        rule = rf"{out} = \frac{{{ins[0]} m^{{({i})}}_{{j}}}}{{{keep}}}"
        return say("dropout", LAYER_RULES, rule=rule, mask=f"m^{{({i})}}", keep=keep)
    if layer.title == "sum":
        return say("sum", LAYER_RULES, rule=f"{out} = {' + '.join(ins)}")
    if (words := conv_rule(node, net)) is not None:
        return words
    if layer.title in ("recurrent", "sequence"):
        return recurrent_rule(node, net)
    if layer.title in ATTENTION_TITLES:
        return attention_rule(node)
    raise Unsupported(f"Unsupported: no words for the layer {type(layer).__name__} in a document")


# -- the network section -----------------------------------------------------------------------------------------


def _param_cell(node: Node) -> dict[str, str]:
    return {lang: PHRASES["list sep"][lang].join(f"${param_tex(node, p.name)}$" for p in node.params) for lang in LANGS}


def add_graph_network(doc: Document, net: Network) -> None:
    """The network's section: what it is, the table of its layers, the diagram, the loss."""
    unknown = [type(node.layer).__name__ for node in net.nodes if node.layer.title not in LAYER_NAMES]
    if unknown:  # a Layer subclass of one's own derives and compiles; symnn has no words for it
        raise Unsupported(f"Unsupported: no words for the layer {unknown[0]} in a document")
    n = len(net.nodes)
    doc.heading(PHRASES["network"])
    loss = _name(net.loss_name, LOSS_NAMES)
    doc.text(
        say(
            "intro",
            n_in=net.input_node.width,
            n_out=net.output_node.width,
            s_in="" if net.input_node.width == 1 else "s",
            s_out="" if net.output_node.width == 1 else "s",
            n=n,
            loss=loss,
            convention=CONVENTION_NAMES[net.convention],
        )
    )
    header = [say(k) for k in ("table layer", "table kind", "table output", "table parameters")]
    rows = [
        [str(node.index), kind_name(node), f"${output_tex(node)} \\in {shape_tex([node.width])}$", _param_cell(node)]
        for node in net.nodes
    ]
    doc.table(header, rows)
    doc.figure(layer_diagram(net))
    doc.text(say("diagram caption"))
    if any(node.layer.title == "sum" for node in net.nodes):
        doc.text(say("residual"))
    if net.batch > 1:
        doc.text(say("coupled", batch=net.batch))

    doc.heading(PHRASES["loss"])
    out = output_tex(net.output_node)
    doc.text(say("loss intro" if net.batch == 1 else "loss intro batch", out=out, batch=net.batch))
    loss = net.loss_of(net.output_symbols)
    if net.decay is None:
        doc.equation(LOSS_SYMBOL, loss)
    else:  # the decay's Σ w² written as a sum, not term by term
        decay = net.decay / 2 * sp.Add(*(s**2 for p in net.param_arrays if p.decay for s in p.symbols))
        lines = equation_lines(LOSS_SYMBOL, loss - decay)
        w = r"\left(w^{(l)}_{jk}\right)^{2}"
        lines.append(rf"&\quad + \frac{{{latex(net.decay)}}}{{2}} \sum_{{l}} \sum_{{j, k}} {w}")
        doc.math("\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}")
    doc.text(PHRASES["loss outro"])  # Japanese closes the sentence after the formula
    if net.decay is not None:
        doc.text(say("loss decay", decay=latex(net.decay)))


def graph_network_document(net: Network) -> Document:
    """A document describing the network: its layers, diagram and loss."""
    doc = Document(say("network title", n=len(net.nodes)))
    add_graph_network(doc, net)
    return doc


# -- the layer sections ----------------------------------------------------------------------------------------


def classify_steps(d: Any, net: Network) -> list[tuple[Any, Node, str]]:
    """Each step with its node (the layer the step names) and phase: ``forward`` (the node's rule), ``adjoint``
    (of its outputs) or ``gradient`` (of its parameters)."""
    steps = d.steps  # builds the element view, which names each node's symbols
    of_label = {node.label: node for node in net.nodes}
    out: list[tuple[Any, Node, str]] = []
    for step in steps:
        node = of_label.get(step.layer)
        if node is None:
            raise ValueError(f"Unsupported: the step {step.lhs} = {step.rhs} names no layer of the network")
        if isinstance(step.lhs, Partial):
            phase = "gradient"
        elif step.rule == "definition" and any(step.lhs in row for row in node.symbols):
            phase = "forward"
        else:
            phase = "adjoint"
        out.append((step, node, phase))
    return out


def steps_by_node(classified: Sequence[tuple[Any, Node, str]], net: Network) -> dict[Node, dict[str, list]]:
    """Each node's steps, by phase (from :func:`classify_steps`)."""
    out: dict[Node, dict[str, list]] = {node: {"forward": [], "adjoint": [], "gradient": []} for node in net.nodes}
    for step, node, phase in classified:
        out[node][phase].append(step)
    return out


def fused_nodes(classified: Sequence[tuple[Any, Node, str]], net: Network) -> set[Node]:
    """The nodes below the output layer whose adjoints the sweep simplified with the loss (a Σt − t): their last
    step no longer names the output's adjoints."""
    out = net.output_node
    outputs = {step.lhs for step, node, phase in classified if node is out and phase == "adjoint"}
    return {
        node
        for step, node, phase in classified
        if node in out.inputs
        and phase == "adjoint"
        and step.rule == "substitution"
        and not step.rhs.free_symbols & outputs
    }


def phase_note(net: Network, node: Node, phase: str, fused: bool = False) -> dict[str, str]:
    """The note said once before a node's steps of ``phase``, in every language; ``fused``: the node's adjoints
    were simplified with the loss (see :func:`fused_nodes`)."""
    if phase == "forward":
        return say("forward note")
    if phase == "adjoint":
        return say(
            "adjoint note output" if node is net.output_node else "adjoint note fused" if fused else "adjoint note"
        )
    if net.decay is not None and any(p.decay for p in node.params):
        return say("gradient note decay", decay=latex(net.decay))
    return say("gradient note")


def _shown_units(n: int) -> list[int]:
    return list(range(1, n + 1)) if n <= MAX_UNITS_SHOWN else [1, 2, n]


def _keep(step: Any, node: Node, phase: str) -> bool:
    """Whether an abridged section shows the step: the entries j ∈ {1, 2, n} (and k likewise for a weight)."""
    target = step.lhs.variables[0] if phase == "gradient" else step.lhs
    index = getattr(target, "index", None)
    if not index:
        return True
    if index[0] not in _shown_units(node.width):
        return False
    return len(index) < 2 or index[1] in _shown_units(node.inputs[0].width)


def _add_blocks(doc: Document, steps: Sequence[Any], note: dict[str, str]) -> None:
    """The steps as numbered blocks (chains of equal shape share one, as in the MLP's documents); the first
    block carries the note, said once."""
    blocks: list[list[list[Any]]] = []
    lines: list[int] = []  # of each block
    for chain in _chains(steps):
        n = len(_chain_lines(chain, "en"))
        if (
            blocks
            and len(blocks[-1]) < MAX_CHAINS_PER_BLOCK
            and lines[-1] + n <= MAX_LINES_PER_BLOCK
            and _shape_of(blocks[-1][0]) == _shape_of(chain)
        ):
            blocks[-1].append(chain)
            lines[-1] += n
        else:
            blocks.append([chain])
            lines.append(n)
    for number, block in enumerate(blocks):
        tex = {
            lang: "\\begin{aligned}\n"
            + " \\\\[4pt]\n".join(" \\\\\n".join(_chain_lines(chain, lang)) for chain in block)
            + "\n\\end{aligned}"
            for lang in LANGS
        }
        doc.step(None, note if number == 0 else {lang: "" for lang in LANGS}, "", tex)


def add_layer(
    doc: Document, net: Network, node: Node, phases: dict[str, list], short: Abbreviations, fused: bool
) -> None:
    """One layer's section: its heading, its rule, then its steps (forward, adjoints, gradients), with the long
    pieces of a normalisation written by their ``short`` names."""
    ins = ", ".join(output_tex(u) for u in node.inputs)
    doc.heading(say("layer heading", i=node.index, kind=kind_name(node), ins=ins, out=output_tex(node)), 3)
    doc.text(_rule(node, net))
    if node.width > MAX_UNITS_SHOWN:
        shown = ", ".join(map(str, _shown_units(node.width)))
        doc.text(say("abridged", shown=f"$j = {shown}$", n=node.width))
    n_in = node.inputs[0].width
    if any(len(getattr(v, "index", ())) > 1 for p in node.params for v in p.symbols) and n_in > MAX_UNITS_SHOWN:
        shown = ", ".join(map(str, _shown_units(n_in)))
        doc.text(say("abridged inputs", shown=f"$k = {shown}$", n=n_in))
    for phase in ("forward", "adjoint", "gradient"):
        steps = [replace(s, rhs=short.apply(s.rhs)) for s in phases[phase] if _keep(s, node, phase)]
        if steps:
            _add_blocks(doc, steps, phase_note(net, node, phase, fused))


# -- the whole derivation --------------------------------------------------------------------------------------


def graph_derivation_document(d: Any) -> Document:
    """The derivation of a :class:`~symnn.Network`: the network, a section per layer, the batch view."""
    net: Network = d.network
    doc = Document(say("title", n=len(net.nodes)))
    add_graph_network(doc, net)
    doc.heading(say("steps"))
    doc.text(say("steps intro"))
    classified = classify_steps(d, net)  # first: it builds the element view, which names the nodes' symbols
    phases, fused = steps_by_node(classified, net), fused_nodes(classified, net)
    for node in normalised(net):
        centred, var = element_definitions(node)
        doc.text(say("abbreviations", i=node.index, centred=centred, var=var))
    short = element_abbreviations(net)
    for node in net.nodes:
        add_layer(doc, net, node, phases[node], short, node in fused)
    if d.matrix_steps:
        add_batch_view(doc, d, net)
    return doc

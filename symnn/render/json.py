"""JSON output: every gradient as SymPy-parsable text and as LaTeX; and reading the gradients back without eval.

The text is SymPy's ``str`` form with symnn's identifiers (``w1_2_1``, ``sigmoid(...)``); it is read back by
:func:`symnn.text.pyexpr.parse`, which walks Python's ``ast`` through a whitelist and builds symbols from the names
of the network's own notation: no ``sympify``, no ``eval``.
"""

from __future__ import annotations

import json
import keyword
from typing import Any

import sympy as sp

from symnn.model.network import MLP
from symnn.render.formula import latex
from symnn.render.words import LANGS
from symnn.text.pyexpr import parse

__all__ = ["FORMAT", "gradients_from_json", "render"]

#: The format's name and version, written into every document and checked when reading.
FORMAT = "symnn-derivation/1"


def _expr(expr: sp.Basic) -> dict[str, str]:
    return {"text": sp.sstr(expr), "latex": latex(expr)}


def render(d: Any) -> str:
    """The derivation ``d`` as a JSON document (UTF-8 text, keys in a fixed order, indented)."""
    import symnn

    net = getattr(d, "network", None)
    doc: dict[str, Any] = {"format": FORMAT, "symnn": symnn.__version__}
    if net is not None and not isinstance(net, MLP):  # a Network of layers
        doc.update(_graph(d, net))
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if net is not None:
        doc["network"] = {
            "layers": list(net.sizes),
            "activations": list(net.activations),
            "loss": net.loss_name,
            "convention": net.convention,
            "relu_grad_at_zero": sp.sstr(net.relu_grad_at_zero),
            "step_at_zero": sp.sstr(net.step_at_zero),
        }
        doc["inputs"] = [s.name for s in net.inputs]
        doc["targets"] = [s.name for s in net.targets]
        doc["parameters"] = [p.name for p in net.params]
        doc["loss"] = _expr(net.loss_of(net.output_symbols))
    doc["steps"] = [
        {
            "rule": step.rule,
            "note": {lang: step.note(lang=lang) for lang in LANGS},
            "lhs": _expr(step.lhs),
            "rhs": _expr(step.rhs),
        }
        for step in d.steps
    ]
    if net is not None:
        doc["matrix_steps"] = [
            {"rule": s.rule, "latex": f"{latex(s.lhs)} = {latex(s.rhs)}"} for s in getattr(d, "matrix_steps", [])
        ]
        doc["gradients"] = [
            {
                "parameter": p.name,
                "parameter_latex": latex(p),
                "local": _expr(d.local_gradients[p]),
                **_expr(d.gradients[p]),
            }
            for p in net.params
        ]
    else:
        doc["results"] = [{"lhs": _expr(k), "rhs": _expr(v)} for k, v in d.results.items()]
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def _graph(d: Any, net: Any) -> dict[str, Any]:
    """The parts of a Network's document: its layers, symbols, loss, steps (each with its layer), gradients."""
    from symnn.render.graph_doc import classify_steps, fused_nodes, phase_note
    from symnn.render.layer_diagram import layer_tag

    steps = classify_steps(d, net)  # first: it builds the element view, which names the nodes' symbols
    fused = fused_nodes(steps, net)
    # a constant may be named by a Python keyword (weight_decay="lambda"), which the reader's ast cannot parse
    aliases = {c: sp.Symbol(f"{c.name}_", positive=True) for c in net.constants if keyword.iskeyword(c.name)}

    def _expr(expr: sp.Basic) -> dict[str, str]:
        return {"text": sp.sstr(expr.xreplace(aliases)), "latex": latex(expr)}

    flat = [s.name for rows in (net.inputs, net.targets) for row in rows for s in row]
    n_in = sum(len(row) for row in net.inputs)
    out: dict[str, Any] = {
        "network": {
            "inputs": net.input_node.width,
            "layers": [
                {
                    "index": node.index,
                    "layer": node.layer.title,
                    "code": layer_tag(node),
                    "inputs": [u.index for u in node.inputs],
                    "width": node.width,
                    "output": [s.name for row in node.symbols for s in row],
                    "parameters": [{"name": p.name, "shape": list(p.shape)} for p in node.params],
                }
                for node in net.nodes
            ],
            "loss": net.loss_name,
            "convention": net.convention,
            "weight_decay": net.decay.name if net.decay is not None else None,
            # symbols that are positive, not merely real: a dropout's keep probability, weight decay's λ
            "positive": [c.name for c in net.constants],
            "aliases": {a.name: c.name for c, a in aliases.items()},
            "batch": net.batch,
            "relu_grad_at_zero": sp.sstr(net.relu_grad_at_zero),
            "step_at_zero": sp.sstr(net.step_at_zero),
        },
        "inputs": flat[:n_in],
        "targets": flat[n_in:],
        "parameters": [p.name for p in net.params],
        "loss": _expr(net.loss_of(net.output_symbols)),
    }
    out["steps"] = [
        {
            "layer": node.index,
            "phase": phase,
            "rule": step.rule,
            "note": phase_note(net, node, phase, node in fused),
            "lhs": _expr(step.lhs),
            "rhs": _expr(step.rhs),
        }
        for step, node, phase in steps
    ]
    out["matrix_steps"] = [{"rule": s.rule, "latex": f"{latex(s.lhs)} = {latex(s.rhs)}"} for s in d.matrix_steps]
    # Written out in the inputs and parameters, a gradient through a few layers prints as megabytes (the printed
    # tree repeats what the sweep shares), so each is given in the adjoints; the reader composes the steps back.
    out["gradients_form"] = "local"
    out["gradients"] = [
        {"parameter": p.name, "parameter_latex": latex(p), "local": _expr(d.local_gradients[p])} for p in net.params
    ]
    return out


def _compose(doc: dict[str, Any]) -> dict[sp.Symbol, sp.Expr]:
    """The gradients of a Network's document: its forward rules, then each adjoint's last step (in the names of
    later adjoints), then each local gradient, substituted in order as the sweep itself does."""
    network = doc.get("network", {})
    positive = network["positive"]
    values: dict[sp.Basic, sp.Expr] = {sp.Symbol(n, real=True): sp.Symbol(n, positive=True) for n in positive}
    values.update({sp.Symbol(a, real=True): sp.Symbol(n, positive=True) for a, n in network["aliases"].items()})

    def read(entry: dict[str, str]) -> sp.Basic:
        return parse(entry["text"]).xreplace(values)

    for step in doc.get("steps", []):
        if step["phase"] == "forward":
            values[parse(step["lhs"]["text"])] = read(step["rhs"])
        elif step["phase"] == "adjoint":
            if step["rule"] == "substitution":
                values[parse(step["lhs"]["text"])] = read(step["rhs"])
    out: dict[sp.Symbol, sp.Expr] = {}
    for entry in doc.get("gradients", []):
        param = parse(entry["parameter"])
        if not isinstance(param, sp.Symbol):
            raise ValueError(f"a gradient's parameter must be a symbol name, got {entry['parameter']!r}")
        out[param] = read(entry["local"])
    return out


def gradients_from_json(text: str) -> dict[sp.Symbol, sp.Expr]:
    """Read the gradients of a document written by :func:`render`: parameter symbol -> expression.

    A Network's document gives each gradient in the adjoints (``"gradients_form": "local"``); they are composed
    back from its steps, so the result is written out in the inputs and parameters either way.

    Examples
    --------
    >>> import symnn as sn
    >>> text = '{"format": "symnn-derivation/1", "gradients": [{"parameter": "b1_1", "text": "x1 - t1"}]}'
    >>> gradients_from_json(text)
    {b1_1: -t1 + x1}
    """
    doc = json.loads(text)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"not a symnn derivation document: expected format {FORMAT!r}")
    if doc.get("gradients_form") == "local":
        return _compose(doc)
    out: dict[sp.Symbol, sp.Expr] = {}
    for entry in doc.get("gradients", []):
        param = parse(entry["parameter"])
        if not isinstance(param, sp.Symbol):
            raise ValueError(f"a gradient's parameter must be a symbol name, got {entry['parameter']!r}")
        out[param] = parse(entry["text"])
    return out

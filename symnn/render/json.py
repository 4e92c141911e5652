"""JSON output: every gradient as SymPy-parsable text and as LaTeX; and reading the gradients back without eval.

The text is SymPy's ``str`` form with symnn's identifiers (``w1_2_1``, ``sigmoid(...)``); it is read back by
:func:`symnn.text.pyexpr.parse`, which walks Python's ``ast`` through a whitelist and builds symbols from the names
of the network's own notation: no ``sympify``, no ``eval``.
"""

from __future__ import annotations

import json
from typing import Any

import sympy as sp

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


def gradients_from_json(text: str) -> dict[sp.Symbol, sp.Expr]:
    """Read the gradients of a document written by :func:`render`: parameter symbol -> expression.

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
    out: dict[sp.Symbol, sp.Expr] = {}
    for entry in doc.get("gradients", []):
        param = parse(entry["parameter"])
        if not isinstance(param, sp.Symbol):
            raise ValueError(f"a gradient's parameter must be a symbol name, got {entry['parameter']!r}")
        out[param] = parse(entry["text"])
    return out

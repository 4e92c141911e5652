"""JSON output: every gradient as SymPy-parsable text and as LaTeX; and reading the gradients back without eval.

The text is SymPy's ``str`` form with symnn's identifiers (``w1_2_1``, ``sigmoid(...)``); it is read back by
:func:`symnn.text.pyexpr.parse`, which walks Python's ``ast`` through a whitelist and builds symbols from the names
of the network's own notation: no ``sympify``, no ``eval``.
"""

from __future__ import annotations

import json
import keyword
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import sympy as sp

from symnn.io import write_atomic
from symnn.model.network import MLP
from symnn.render.formula import latex
from symnn.render.json_local import definitions, expanded_size, gradient_entries
from symnn.render.words import LANGS
from symnn.text.limits import MAX_NAME_LENGTH, is_plain_name
from symnn.text.parsing import MAX_DEPTH, bracket_depth
from symnn.text.pyexpr import parse, symbol_for
from symnn.version import __version__

__all__ = ["FORMAT", "MAX_EXPANDED_NODES", "chunks", "gradients_from_json", "render", "write"]

#: The format's name and version, written into every document and checked when reading.
FORMAT = "symnn-derivation/1"


#: The most expression nodes the explicit gradients of an expanded document may print (``render(d, expanded=True)``):
#: about 3 MB of JSON, a few seconds. The default, local form grows linearly with the network instead.
MAX_EXPANDED_NODES = 200_000


def _expr(expr: sp.Basic) -> dict[str, str]:
    return {"text": sp.sstr(expr), "latex": latex(expr)}


def render(d: Any, *, expanded: bool = False) -> str:
    """The derivation ``d`` as a JSON document (UTF-8 text, keys in a fixed order, indented); see :func:`chunks`."""
    return "".join(chunks(d, expanded=expanded))


def write(d: Any, path: str | os.PathLike[str], *, expanded: bool = False, force: bool = False) -> Path:
    """Write the document of :func:`render` to ``path`` as it is printed, piece by piece, through a temporary
    file renamed at the end (:func:`symnn.io.write_atomic`): a reader never sees a part of it."""
    return write_atomic(path, chunks(d, expanded=expanded), force=force)


def chunks(d: Any, *, expanded: bool = False) -> Iterator[str]:
    """The JSON document of the derivation ``d``, as pieces of text to be written one after another.

    Parameters
    ----------
    d : Derivation
        What :func:`symnn.backprop` (or :func:`symnn.chain_rule`) returns.
    expanded : bool
        For a network, also write every gradient out in the inputs, targets and parameters (``"text"``), with every
        step of the element view. Without it (the default) the document is linear in the network: each z, a and δ is
        a named definition and each gradient δ times an activation (``"gradients_form": "local"``);
        :func:`gradients_from_json` composes them back into the explicit gradients either way.

    Raises
    ------
    ValueError
        ``expanded`` for a network whose explicit gradients would print more than :data:`MAX_EXPANDED_NODES` nodes.
    """
    net = getattr(d, "network", None)
    doc: dict[str, Any] = {"format": FORMAT, "symnn": __version__}
    if net is None:
        doc["steps"] = _steps(d)
        doc["results"] = [{"lhs": _expr(k), "rhs": _expr(v)} for k, v in d.results.items()]
    elif not isinstance(net, MLP):  # a Network of layers
        doc.update(_graph(d, net, expanded))
    elif expanded:
        _check_expanded(expanded_size(net), "-".join(map(str, net.sizes)))
        doc.update(_mlp_head(net))
        doc["steps"] = _steps(d)
        doc["matrix_steps"] = _matrix_steps(d)
        doc["gradients"] = (
            {"parameter": p.name, "parameter_latex": latex(p), "local": _expr(d.local_gradients[p]), **_expr(g)}
            for p, g in d.gradients.items()
        )
    else:
        doc.update(_mlp_head(net))
        doc["gradients_form"] = "local"
        doc["definitions"] = definitions(net)
        doc["matrix_steps"] = _matrix_steps(d)
        doc["gradients"] = gradient_entries(net)
    yield from _stream(doc)


def _check_expanded(nodes: int, name: str) -> None:
    if nodes > MAX_EXPANDED_NODES:
        raise ValueError(
            f"the expanded gradients of the {name} network would print about {nodes:,} expression nodes; the expanded "
            f"form takes at most {MAX_EXPANDED_NODES:,}; without it (no --expanded) each δ is a definition and each "
            "gradient δ times an activation, linear in the network, and reads back as the same gradients"
        )


def _stream(doc: dict[str, Any]) -> Iterator[str]:
    """``json.dumps(doc, ensure_ascii=False, indent=1)`` and a newline, piece by piece: a value that is an iterator
    (not a list) is written an element at a time, as it is made."""

    def dumps(value: Any, indent: str) -> str:
        return json.dumps(value, ensure_ascii=False, indent=1).replace("\n", "\n" + indent)

    yield "{"
    for i, (key, value) in enumerate(doc.items()):
        yield ("," if i else "") + f"\n {json.dumps(key)}: "
        if not isinstance(value, Iterator):
            yield dumps(value, " ")
            continue
        first = True
        for element in value:
            yield ("[\n  " if first else ",\n  ") + dumps(element, "  ")
            first = False
        yield "[]" if first else "\n ]"
    yield "\n}\n"


def _mlp_head(net: MLP) -> dict[str, Any]:
    return {
        "network": {
            "layers": list(net.sizes),
            "activations": list(net.activations),
            "loss": net.loss_name,
            "convention": net.convention,
            "relu_grad_at_zero": sp.sstr(net.relu_grad_at_zero),
            "step_at_zero": sp.sstr(net.step_at_zero),
        },
        "inputs": [s.name for s in net.inputs],
        "targets": [s.name for s in net.targets],
        "parameters": [p.name for p in net.params],
        "loss": _expr(net.loss_of(net.output_symbols)),
    }


def _steps(d: Any) -> Iterator[dict[str, Any]]:
    for step in d.steps:
        yield {
            "rule": step.rule,
            "note": {lang: step.note(lang=lang) for lang in LANGS},
            "lhs": _expr(step.lhs),
            "rhs": _expr(step.rhs),
        }


def _matrix_steps(d: Any) -> list[dict[str, str]]:
    return [{"rule": s.rule, "latex": f"{latex(s.lhs)} = {latex(s.rhs)}"} for s in getattr(d, "matrix_steps", [])]


def _tree_nodes(exprs: Iterable[sp.Basic]) -> int:
    """How many nodes ``exprs`` print as trees, counted on the shared DAG (each distinct subexpression once)."""
    memo: dict[sp.Basic, int] = {}

    def size(e: sp.Basic) -> int:
        if e not in memo:
            memo[e] = 1 + sum(size(a) for a in e.args)
        return memo[e]

    return sum(size(e) for e in exprs)


def _graph_network(net: Any, aliases: dict[sp.Symbol, sp.Symbol]) -> dict[str, Any]:
    """The ``network`` object of a Network's document: its input width, layers, loss and settings."""
    from symnn.render.layer_diagram import layer_tag

    return {
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
    }


def _graph(d: Any, net: Any, expanded: bool) -> dict[str, Any]:
    """The parts of a Network's document: its layers, symbols, loss, steps (each with its layer), gradients (and,
    ``expanded``, each gradient written out too)."""
    from symnn.render.graph_doc import classify_steps, fused_nodes, phase_note

    steps = classify_steps(d, net)  # first: it builds the element view, which names the nodes' symbols
    fused = fused_nodes(steps, net)
    # a constant may be named by a Python keyword (weight_decay="lambda"), which the reader's ast cannot parse
    aliases = {c: sp.Symbol(f"{c.name}_", positive=True) for c in net.constants if keyword.iskeyword(c.name)}

    def _expr(expr: sp.Basic) -> dict[str, str]:
        return {"text": sp.sstr(expr.xreplace(aliases)), "latex": latex(expr)}

    flat = [s.name for rows in (net.inputs, net.targets) for row in rows for s in row]
    n_in = sum(len(row) for row in net.inputs)
    out: dict[str, Any] = {
        "network": _graph_network(net, aliases),
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
    if expanded:
        _check_expanded(_tree_nodes(d.gradients.values()), "given")
        for entry, p in zip(out["gradients"], net.params, strict=True):
            entry.update(_expr(d.gradients[p]))
    return out


_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}


def _kind(value: Any) -> str:
    return "null" if value is None else "a boolean" if isinstance(value, bool) else _JSON_TYPES[type(value)]


def _malformed(what: str) -> ValueError:
    return ValueError(f"not a symnn derivation document: {what}")


def gradients_from_json(text: str | bytes) -> dict[sp.Symbol, sp.Expr]:
    """Read the gradients of a document written by :func:`render`: parameter symbol -> expression.

    The document is untrusted text and is read under :func:`symnn.parse`'s limits, shared through
    :mod:`symnn.text.pyexpr`: names as :func:`~symnn.text.limits.is_plain_name` allows them (a letter first, at most 40
    characters, no dunder), literals by :func:`~symnn.text.limits.check_literal` (finite, at most 100 digits), powers
    and arguments of exp & co. bounded, brackets nested at most :data:`symnn.text.parsing.MAX_DEPTH` deep. The length of
    a gradient's text is not capped as :func:`symnn.parse` caps a typed statement (2000 characters): symnn's own
    explicit gradients are longer (about 6700 characters at 2-3-3-2, 400 000 at 3-4-4-4-2), and reading is linear
    in it.

    Parameters
    ----------
    text : str or bytes
        A JSON document with ``"format": "symnn-derivation/1"`` and a list ``"gradients"`` of objects, each with a
        ``"parameter"`` name and the gradient's ``"text"`` (SymPy's ``str`` form).

    A Network's document gives each gradient in the adjoints (``"gradients_form": "local"``, each entry's
    ``"local"`` text); they are composed back from its steps, so the result is written out in the inputs and
    parameters either way.

    Returns
    -------
    dict
        Each parameter's symbol (the network's own, :mod:`symnn.model.notation`) -> its gradient, in document order.

    Raises
    ------
    ValueError
        For every malformed document, naming what is wrong and where (``gradients[3]: 'text' ...``): not JSON,
        nested too deeply, another format, a missing key, a value of the wrong type, a parameter named twice, a name
        or number beyond the limits, a text that is not an expression symnn writes.
    TypeError
        ``text`` is neither ``str`` nor ``bytes``.

    Examples
    --------
    >>> import symnn as sn
    >>> text = '{"format": "symnn-derivation/1", "gradients": [{"parameter": "b1_1", "text": "x1 - t1"}]}'
    >>> gradients_from_json(text)
    {b1_1: -t1 + x1}
    """
    if not isinstance(text, str | bytes | bytearray):
        raise TypeError(f"gradients_from_json takes the document's text (str or bytes), got {type(text).__name__}")
    try:
        doc = json.loads(text)
    except RecursionError:
        raise _malformed("the JSON is nested too deeply") from None
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, an integer of more than 4300 digits
        raise _malformed(f"not JSON ({str(e).splitlines()[0][:200]})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _malformed(f"expected format {FORMAT!r}")
    if doc.get("gradients_form") == "local":
        return _compose(doc)
    entries = doc.get("gradients", [])
    if not isinstance(entries, list):
        raise _malformed(f"'gradients' must be an array, got {_kind(entries)}")
    out: dict[sp.Symbol, sp.Expr] = {}
    for i, entry in enumerate(entries):
        where = f"gradients[{i}]"
        if not isinstance(entry, dict):
            raise _malformed(f"{where} must be an object, got {_kind(entry)}")
        param = _parameter(entry, where, out)
        out[param] = _gradient(_text(entry, "text", where), where)
    return out


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    if key not in entry:
        raise _malformed(f"{where} has no {key!r}")
    if not isinstance(entry[key], str):
        raise _malformed(f"{where}: {key!r} must be a string, got {_kind(entry[key])}")
    return entry[key]


def _parameter(entry: dict[str, Any], where: str, seen: dict[sp.Symbol, Any]) -> sp.Symbol:
    """The symbol of a gradient entry's ``"parameter"``: a plain name, not given before."""
    name = _text(entry, "parameter", where)
    if not is_plain_name(name):
        shown = repr(name) if len(name) <= 60 else f"{name[:60]!r}... ({len(name)} characters)"
        raise _malformed(
            f"{where}: the parameter {shown} is not a symbol name (a letter first, then letters, digits and "
            f"underscores, at most {MAX_NAME_LENGTH} characters)"
        )
    param = symbol_for(name)
    if param in seen:
        raise _malformed(f"{where}: the parameter {name!r} is given twice")
    return param


def _entries(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    entries = doc.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise _malformed(f"{key!r} must be an array of objects")
    return entries


def _compose(doc: dict[str, Any]) -> dict[sp.Symbol, sp.Expr]:
    """The gradients of a document in the local form (``"gradients_form": "local"``): each definition (an MLP's
    ``definitions``; a Network's forward rules and each adjoint's last step) substituted in order as the sweep itself
    does, then each local gradient; every text read under the same limits as an explicit gradient."""
    values = _defined(doc) if "definitions" in doc else _graph_defined(doc)
    out: dict[sp.Symbol, sp.Expr] = {}
    for i, entry in enumerate(_entries(doc, "gradients")):
        where = f"gradients[{i}]"
        param = _parameter(entry, where, out)
        local = entry.get("local")
        if not isinstance(local, dict):
            raise _malformed(f"{where}: 'local' must be an object, got {_kind(local)}")
        out[param] = _gradient(_text(local, "text", f"{where}.local"), where).xreplace(values)
    return out


def _define(values: dict[sp.Basic, sp.Expr], name: str, rhs: Any, where: str) -> None:
    """``values[name] = rhs``, written out in what ``values`` already defines."""
    if not is_plain_name(name):
        raise _malformed(f"{where}: the left side {name[:60]!r} is not a symbol name")
    if not isinstance(rhs, dict):
        raise _malformed(f"{where}: 'rhs' must be an object, got {_kind(rhs)}")
    values[symbol_for(name)] = _gradient(_text(rhs, "text", f"{where}.rhs"), where).xreplace(values)


def _defined(doc: dict[str, Any]) -> dict[sp.Basic, sp.Expr]:
    """An MLP's ``definitions`` (z and a forward, δ backward), each symbol -> its explicit expression."""
    values: dict[sp.Basic, sp.Expr] = {}
    for i, entry in enumerate(_entries(doc, "definitions")):
        where = f"definitions[{i}]"
        _define(values, _text(entry, "symbol", where), entry.get("rhs"), where)
    return values


def _graph_defined(doc: dict[str, Any]) -> dict[sp.Basic, sp.Expr]:
    """A Network's forward rules and each adjoint's last step, each symbol -> its explicit expression."""
    network = doc.get("network")
    if not isinstance(network, dict):
        raise _malformed(f"'network' must be an object, got {_kind(network)}")
    positive, aliases = network.get("positive", []), network.get("aliases", {})
    if not (isinstance(positive, list) and isinstance(aliases, dict)):
        raise _malformed("'network': 'positive' must be an array and 'aliases' an object")

    # the symbols' own names may be keywords (they only name a Symbol, never reach the parser); the aliases not
    def named(n: Any, keywords: bool) -> bool:
        return is_plain_name(n) or (keywords and isinstance(n, str) and keyword.iskeyword(n))

    if not (all(named(n, True) for n in [*positive, *aliases.values()]) and all(named(a, False) for a in aliases)):
        raise _malformed("'network': 'positive' and 'aliases' must hold symbol names")
    # a dropout's keep probability and weight decay's λ are positive symbols; a keyword (lambda) is written lambda_
    values: dict[sp.Basic, sp.Expr] = {sp.Symbol(n, real=True): sp.Symbol(n, positive=True) for n in positive}
    values.update({sp.Symbol(a, real=True): sp.Symbol(n, positive=True) for a, n in aliases.items()})
    for i, step in enumerate(_entries(doc, "steps")):
        where = f"steps[{i}]"
        if step.get("phase") == "forward" or (step.get("phase") == "adjoint" and step.get("rule") == "substitution"):
            lhs = step.get("lhs")
            if not isinstance(lhs, dict):
                raise _malformed(f"{where}: 'lhs' and 'rhs' must be objects")
            _define(values, _text(lhs, "text", f"{where}.lhs"), step.get("rhs"), where)
    return values


def _gradient(text: str, where: str) -> sp.Expr:
    """One gradient's text, under the readers' shared limits (see :func:`gradients_from_json`)."""
    if not text.strip():
        raise _malformed(f"{where}: 'text' is empty")
    if bracket_depth(text) > MAX_DEPTH:
        raise _malformed(f"{where}: 'text' is nested too deeply (at most {MAX_DEPTH} levels)")
    try:
        value = parse(text)
    except ValueError as e:
        raise ValueError(f"{e} ({where}, 'text')") from None
    if not isinstance(value, sp.Expr):
        raise _malformed(f"{where}: 'text' is not an expression (got {type(value).__name__})")
    return value

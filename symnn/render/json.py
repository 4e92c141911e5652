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
from symnn.text.parsing import MAX_DEPTH, bracket_depth
from symnn.text.pyexpr import MAX_NAME_LENGTH, is_plain_name, parse, symbol_for
from symnn.version import __version__

__all__ = ["FORMAT", "gradients_from_json", "render"]

#: The format's name and version, written into every document and checked when reading.
FORMAT = "symnn-derivation/1"


def _expr(expr: sp.Basic) -> dict[str, str]:
    return {"text": sp.sstr(expr), "latex": latex(expr)}


def render(d: Any) -> str:
    """The derivation ``d`` as a JSON document (UTF-8 text, keys in a fixed order, indented)."""
    net = getattr(d, "network", None)
    doc: dict[str, Any] = {"format": FORMAT, "symnn": __version__}
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


_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}


def _kind(value: Any) -> str:
    return "null" if value is None else "a boolean" if isinstance(value, bool) else _JSON_TYPES[type(value)]


def _malformed(what: str) -> ValueError:
    return ValueError(f"not a symnn derivation document: {what}")


def gradients_from_json(text: str | bytes) -> dict[sp.Symbol, sp.Expr]:
    """Read the gradients of a document written by :func:`render`: parameter symbol -> expression.

    The document is untrusted text and is read under :func:`symnn.parse`'s limits, shared through
    :mod:`symnn.text.pyexpr`: names as :func:`~symnn.text.pyexpr.is_plain_name` allows them (a letter first, at most 40
    characters, no dunder), literals by :func:`~symnn.text.pyexpr.check_literal` (finite, at most 100 digits), powers
    and arguments of exp & co. bounded, brackets nested at most :data:`symnn.text.parsing.MAX_DEPTH` deep. The length of
    a gradient's text is not capped as :func:`symnn.parse` caps a typed statement (2000 characters): symnn's own
    explicit gradients are longer (about 6700 characters at 2-3-3-2, 400 000 at 3-4-4-4-2), and reading is linear
    in it.

    Parameters
    ----------
    text : str or bytes
        A JSON document with ``"format": "symnn-derivation/1"`` and a list ``"gradients"`` of objects, each with a
        ``"parameter"`` name and the gradient's ``"text"`` (SymPy's ``str`` form).

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
    entries = doc.get("gradients", [])
    if not isinstance(entries, list):
        raise _malformed(f"'gradients' must be an array, got {_kind(entries)}")
    out: dict[sp.Symbol, sp.Expr] = {}
    for i, entry in enumerate(entries):
        where = f"gradients[{i}]"
        if not isinstance(entry, dict):
            raise _malformed(f"{where} must be an object, got {_kind(entry)}")
        for key in ("parameter", "text"):
            if key not in entry:
                raise _malformed(f"{where} has no {key!r}")
            if not isinstance(entry[key], str):
                raise _malformed(f"{where}: {key!r} must be a string, got {_kind(entry[key])}")
        name = entry["parameter"]
        if not is_plain_name(name):
            shown = repr(name) if len(name) <= 60 else f"{name[:60]!r}... ({len(name)} characters)"
            raise _malformed(
                f"{where}: the parameter {shown} is not a symbol name (a letter first, then letters, digits and "
                f"underscores, at most {MAX_NAME_LENGTH} characters)"
            )
        param = symbol_for(name)
        if param in out:
            raise _malformed(f"{where}: the parameter {name!r} is given twice")
        out[param] = _gradient(entry["text"], where)
    return out


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

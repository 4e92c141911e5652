"""``symnn check-backward``: a hand-written layer in a Python file against symnn's derivation of the layer.

Loading the file runs it: the user's own code, by the user's request (``FILE:NAME`` names it), and nothing else.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from symnn.cli.options import UsageError
from symnn.codegen.backward_adapters import user_names
from symnn.codegen.backward_check import BACKWARD_TOLERANCES, check_backward
from symnn.codegen.backward_reference import reference
from symnn.model.layers import Layer
from symnn.model.notation import CONVENTIONS
from symnn.model.registry import ACTIVATIONS
from symnn.model.spec import LAYER_TYPES, network_from_spec

__all__ = ["CHECK_BACKWARD_EXIT", "add_arguments", "layer_from_text", "run"]

HELP = (
    "check a hand-written forward/backward pass in a Python file against symnn's derivation; "
    "this RUNS the file you name (your own code), so name only code you trust"
)

#: status -> exit status (2 is a usage error: a missing file, class or method, a bad option)
CHECK_BACKWARD_EXIT: dict[str, int] = {"agrees": 0, "disagrees": 1, "unknown": 3}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "target",
        metavar="FILE:NAME",
        help="your layer: FILE:Class (forward(x), backward(dout), parameters and dW, db... as attributes), "
        "FILE:forward,backward (a pair of functions) or FILE:function (returns (out, grads)); the file is run",
    )
    p.add_argument(
        "--layer",
        required=True,
        metavar="TEXT",
        help='the symnn layer it implements: "dense 4", "relu" (or "activation relu"), "softmax", "layernorm", '
        '"batchnorm eps=1e-7", "dropout" (with --constant p=0.5)',
    )
    p.add_argument("--inputs", type=int, default=3, help="entries per sample (default 3)")
    p.add_argument("--param", action="append", default=[], metavar="YOURS=SYMNN", help="a name map, e.g. w=W1")
    p.add_argument("--constant", action="append", default=[], metavar="NAME=VALUE", help="e.g. p=0.8")
    p.add_argument("--convention", default="row", help=f"Dense weights' layout (default row): {', '.join(CONVENTIONS)}")
    p.add_argument("--relu-grad-at-zero", type=float, default=0.0, help="ReLU'(0) of the derivation (default 0)")
    p.add_argument("--dtype", default="float64", help=f"dtype given to your code: {', '.join(BACKWARD_TOLERANCES)}")
    p.add_argument("--seed", type=int, default=0, help="the random points' seed (default 0)")


def _value(text: str) -> Any:
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def layer_from_text(text: str, inputs: int = 3) -> Layer:
    """The layer ``"dense 4"``, ``"activation relu"`` or ``"relu"``, ``"batchnorm eps=1e-7"`` describes: a type of
    :data:`symnn.model.spec.LAYER_TYPES`, its first field's value, then ``field=value`` pairs."""
    words = text.split()
    if not words:
        raise UsageError("symnn check-backward: --layer is empty; e.g. --layer 'dense 4'")
    kind, rest = words[0].lower(), words[1:]
    if kind in ACTIVATIONS:
        kind, rest = "activation", [kind, *rest]
    if kind not in LAYER_TYPES or kind == "residual":
        valid = [t for t in LAYER_TYPES if t != "residual"]
        raise UsageError(f"symnn check-backward: --layer: unknown type {kind!r}; valid choices: {', '.join(valid)}")
    entry: dict[str, Any] = {"type": kind}
    fields = list(LAYER_TYPES[kind])
    for i, word in enumerate(rest):
        name, eq, value = word.partition("=")
        if not eq:
            if i > 0 or not fields:
                raise UsageError(f"symnn check-backward: --layer: write the fields of {kind} as name=value: {word!r}")
            name, value = fields[0], word
        entry[name] = _value(value)
    return network_from_spec({"inputs": inputs, "layers": [entry]}).layers[0]


def _pairs(items: list[str], option: str, convert) -> dict[str, Any]:
    out = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise UsageError(f"symnn check-backward: {option} takes NAME=VALUE, got {item!r}")
        out[key] = convert(value)
    return out


def _load(path: Path) -> ModuleType:
    """Run the user's file (its folder first on ``sys.path``, for its own imports) and return it as a module."""
    if not path.is_file():
        raise UsageError(f"symnn check-backward: no file {path}")
    spec = importlib.util.spec_from_file_location(f"_symnn_user_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise UsageError(f"symnn check-backward: {path} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.resolve().parent))
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # the user's code: any error is reported in one line
        raise UsageError(f"symnn check-backward: running {path} raised {type(e).__name__}: {e}") from None
    finally:
        sys.path.remove(str(path.resolve().parent))
    return module


def _get(module: ModuleType, path: Path, name: str) -> Any:
    if not name.isidentifier() or not hasattr(module, name):
        defined = sorted(k for k, v in vars(module).items() if not k.startswith("_") and callable(v))
        raise UsageError(f"symnn check-backward: {path} has no {name!r}; it defines: {', '.join(defined) or 'nothing'}")
    return getattr(module, name)


def _instance(cls: type, where: str, shapes: dict[str, tuple[int, ...]], names: dict[str, str]) -> Any:
    """An instance of the user's class: its required arguments named after the layer's parameters get arrays of
    their shapes (the check sets its own values before each point)."""
    for method in ("forward", "backward"):
        if not callable(getattr(cls, method, None)):
            raise UsageError(
                f"symnn check-backward: {where} has no method {method} "
                "(a layer class needs forward(x) and backward(dout))"
            )
    by_user = {user: ours for ours, user in names.items() if ours in shapes}
    kwargs = {}
    for p in inspect.signature(cls).parameters.values():
        if p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.name not in by_user:
            known = ", ".join(by_user) or "none"
            raise UsageError(
                f"symnn check-backward: {where}() needs {p.name!r}, which is none of the layer's parameters ({known}); "
                "map it with --param NAME=ARRAY"
            )
        kwargs[p.name] = np.zeros(shapes[by_user[p.name]])
    try:
        return cls(**kwargs)
    except Exception as e:  # the user's code: any error is reported in one line
        raise UsageError(f"symnn check-backward: making {where}(...) raised {type(e).__name__}: {e}") from None


def run(args: argparse.Namespace) -> int:
    file, sep, name = args.target.rpartition(":")
    if not (sep and file and name):
        raise UsageError(f"symnn check-backward: expected FILE:NAME (such as mylayers.py:Affine), got {args.target!r}")
    if args.inputs < 1:
        raise UsageError(f"symnn check-backward: --inputs must be a positive integer, got {args.inputs}")
    layer = layer_from_text(args.layer, args.inputs)
    params = _pairs(args.param, "--param", str)
    constants = _pairs(args.constant, "--constant", _value)
    options = {"convention": args.convention, "relu_grad_at_zero": args.relu_grad_at_zero, "constants": constants}
    ref = reference(layer, args.inputs, **options)  # every option checked before the user's file runs
    names = user_names(ref.param_names, ref.mask_names, params)
    if args.dtype not in BACKWARD_TOLERANCES:
        raise UsageError(f"symnn check-backward: --dtype must be one of {', '.join(BACKWARD_TOLERANCES)}")
    path = Path(file)
    module = _load(path)
    parts = [_get(module, path, n) for n in name.split(",")]
    if len(parts) == 1 and isinstance(parts[0], type):
        impl = _instance(parts[0], f"{path}:{name}", ref.shapes, names)
    else:
        impl = tuple(parts) if len(parts) > 1 else parts[0]
    v = check_backward(impl, layer, inputs=args.inputs, params=params, dtype=args.dtype, seed=args.seed, **options)
    print(v.message)
    return CHECK_BACKWARD_EXIT[v.status]

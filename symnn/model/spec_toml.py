"""Writing a network spec as TOML text (the standard library reads TOML, :mod:`tomllib`, but does not write it)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["spec_to_toml"]


def _value(v: Any, where: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float) and math.isfinite(v):
        return repr(v)  # 1e-05, 0.9: TOML floats as Python prints them
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string: JSON's escapes (\", \\, \uXXXX) are TOML's
    if isinstance(v, list) and v and all(isinstance(n, int) and not isinstance(n, bool) for n in v):
        return f"[{', '.join(map(str, v))}]"  # the shape of one sample, inputs = [6, 4]
    raise ValueError(
        f"{where}: cannot write {v!r} as TOML (a spec holds numbers, strings, true/false and shapes of integers)"
    )


def _key(k: str) -> str:
    """A bare key where TOML allows one (ASCII letters, digits, _ and -), else a quoted one (a symbol named λ)."""
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def _layers(layers: list[Mapping[str, Any]], key: str, lines: list[str]) -> None:
    for layer in layers:
        lines += ["", f"[[{key}]]"]
        nested = None
        for name, v in layer.items():
            if name == "layers":
                nested = v  # a residual's branch: after its own keys, as TOML requires
            else:
                lines.append(f"{name} = {_value(v, key)}")
        if nested is not None:
            _layers(nested, f"{key}.layers", lines)


def spec_to_toml(spec: Mapping[str, Any]) -> str:
    """The TOML text of a spec (from :func:`~symnn.model.spec.spec_of`): ``load_spec`` reads it back.

    Examples
    --------
    >>> import symnn as sn
    >>> print(spec_to_toml(sn.spec_of(sn.Network([sn.Dense(2), sn.Activation("tanh")], inputs=3))))
    inputs = 3
    loss = "sse"
    convention = "column"
    relu_grad_at_zero = 0
    step_at_zero = 1
    <BLANKLINE>
    [[layers]]
    type = "dense"
    units = 2
    bias = true
    <BLANKLINE>
    [[layers]]
    type = "activation"
    name = "tanh"
    <BLANKLINE>
    """
    lines = [f"{k} = {_value(v, k)}" for k, v in spec.items() if k not in ("constants", "layers")]
    if spec.get("constants"):
        lines += ["", "[constants]", *(f"{_key(k)} = {_value(v, 'constants')}" for k, v in spec["constants"].items())]
    _layers(list(spec.get("layers", [])), "layers", lines)
    return "\n".join(lines) + "\n"

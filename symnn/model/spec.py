"""Network specs: a :class:`~symnn.Network` as plain data (a TOML file, a dict), read without evaluating anything.

A spec is a table of the network's settings and a list of layer tables; ``spec_of`` writes one and
``network_from_spec`` reads it back (``network_from_spec(spec_of(net))`` is ``net`` again). Every value is checked
by type and range here, before a layer is built, so a malformed spec is a ``ValueError`` naming the layer (its
position and type), the field, and the valid choices. Elementwise layers hold a Python function: no file can give
one, and ``spec_of`` refuses them.

Examples
--------
>>> spec = {"inputs": 2, "loss": "cross-entropy",
...         "layers": [{"type": "dense", "units": 3}, {"type": "activation", "name": "relu"},
...                    {"type": "dense", "units": 2}, {"type": "softmax"}]}
>>> net = network_from_spec(spec)
>>> net
Network([Dense(3), Activation('relu'), Dense(2), Softmax()], inputs=2, loss='cross-entropy', convention='column')
>>> spec_of(network_from_spec(spec_of(net))) == spec_of(net)
True
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from symnn.model.attention import Attention
from symnn.model.conv import AvgPool, Conv2D, MaxPool
from symnn.model.graph import Network
from symnn.model.layers import Activation, Dense, Elementwise, Layer, Softmax
from symnn.model.losses import loss_name
from symnn.model.normalization import BatchNorm, LayerNorm
from symnn.model.notation import CONVENTIONS
from symnn.model.recurrent import OUTPUTS, RNN
from symnn.model.spec_values import (
    REQUIRED,
    activation_names,
    at_zero,
    boolean,
    exact,
    identifier,
    keep_name,
    kernel_size,
    nonnegative_int,
    one_of,
    optional_positive_int,
    positive_int,
    positive_number,
    shape,
)
from symnn.model.window_max import TIES
from symnn.model.wiring import Dropout, Flatten, Residual

__all__ = ["LAYER_TYPES", "NETWORK_FIELDS", "as_mlp", "check_constants", "load_spec", "network_from_spec", "spec_of"]

# -- the tables ---------------------------------------------------------------------------------------------------

#: layer type -> {field: (check, default)}; ``type`` is not listed. A residual's ``layers`` are read recursively.
#: The order of the fields is the order :func:`spec_of` writes them in.
LAYER_TYPES: dict[str, dict[str, tuple[Callable[[Any, str], Any], Any]]] = {
    "dense": {"units": (positive_int, REQUIRED), "bias": (boolean, True)},
    "activation": {
        "name": (one_of(activation_names, lambda v: ' (use type = "softmax")' if v == "softmax" else ""), REQUIRED)
    },
    "softmax": {},
    "layernorm": {"eps": (positive_number, 1e-5)},
    "batchnorm": {"eps": (positive_number, 1e-5)},
    "dropout": {"keep": (keep_name, "p")},
    "residual": {"layers": (None, REQUIRED)},  # type: ignore[dict-item]
    "flatten": {},
    "conv2d": {
        "filters": (positive_int, REQUIRED),
        "kernel": (kernel_size, REQUIRED),
        "stride": (positive_int, 1),
        "padding": (nonnegative_int, 0),
        "bias": (boolean, True),
    },
    "maxpool": {"size": (positive_int, REQUIRED), "stride": (optional_positive_int, None)},
    "avgpool": {"size": (positive_int, REQUIRED), "stride": (optional_positive_int, None)},
    "rnn": {
        "hidden": (positive_int, REQUIRED),
        "steps": (lambda v, what: None if v is None else positive_int(v, what), None),
        "activation": (one_of(activation_names), "tanh"),
        "outputs": (one_of(lambda: list(OUTPUTS)), "last"),
    },
    "attention": {
        "d_k": (positive_int, REQUIRED),
        "d_v": (lambda v, what: v if v is None else positive_int(v, what), None),  # absent: the input's d
        "causal": (boolean, False),
    },
}

#: layer type -> how the checked fields build the layer
_BUILD: dict[str, Callable[[dict[str, Any]], Layer]] = {
    "dense": lambda f: Dense(f["units"], bias=f["bias"]),
    "activation": lambda f: Activation(f["name"]),
    "softmax": lambda f: Softmax(),
    "layernorm": lambda f: LayerNorm(f["eps"]),
    "batchnorm": lambda f: BatchNorm(f["eps"]),
    "dropout": lambda f: Dropout(f["keep"]),
    "residual": lambda f: Residual(*f["layers"]),
    "flatten": lambda f: Flatten(),
    "conv2d": lambda f: Conv2D(f["filters"], f["kernel"], f["stride"], f["padding"], bias=f["bias"]),
    "maxpool": lambda f: MaxPool(f["size"], f["stride"]),
    "avgpool": lambda f: AvgPool(f["size"], f["stride"]),
    "rnn": lambda f: RNN(f["hidden"], f["steps"], f["activation"], f["outputs"]),
    "attention": lambda f: Attention(f["d_k"], f["d_v"], f["causal"]),
}

#: layer class -> (its type in a spec, its fields as spec values)
_WRITE: dict[type[Layer], tuple[str, Callable[[Any], dict[str, Any]]]] = {
    Dense: ("dense", lambda l: {"units": l.units, "bias": l.bias}),
    Activation: ("activation", lambda l: {"name": l.name}),
    Softmax: ("softmax", lambda l: {}),
    LayerNorm: ("layernorm", lambda l: {"eps": exact(l.eps)}),
    BatchNorm: ("batchnorm", lambda l: {"eps": exact(l.eps)}),
    Dropout: ("dropout", lambda l: {"keep": l.keep.name}),
    Residual: ("residual", lambda l: {}),  # its branch: written by _layer_spec, which names each layer's place
    Flatten: ("flatten", lambda l: {}),
    Conv2D: ("conv2d", lambda l: _conv_fields(l)),
    MaxPool: ("maxpool", lambda l: {"size": l.size, "stride": l.stride}),
    AvgPool: ("avgpool", lambda l: {"size": l.size, "stride": l.stride}),
    RNN: (
        "rnn",
        lambda l: {
            "hidden": l.hidden,
            **({} if l.steps is None else {"steps": l.steps}),
            "activation": l.name,
            "outputs": l.outputs,
        },
    ),
    Attention: (
        "attention",
        lambda l: {"d_k": l.d_k, **({} if l.d_v is None else {"d_v": l.d_v}), "causal": l.causal},
    ),
}


def _conv_fields(layer: Conv2D) -> dict[str, Any]:
    kh, kw = layer.kernel
    kernel = kh if kh == kw else [kh, kw]
    return {"filters": layer.filters, "kernel": kernel, "stride": layer.stride, "padding": layer.padding,
            "bias": layer.bias}  # fmt: skip


def _loss(value: Any, what: str) -> str:
    """A loss's name, hyphens or underscores (``cross_entropy``), as the hyphenated name Network keeps."""
    try:
        return loss_name(value)
    except ValueError as e:
        raise ValueError(f"{what}: {e}") from None


#: the network's own fields -> (check, default), in the order :func:`spec_of` writes them; ``layers`` and
#: ``constants`` are read separately. ``batch`` is the number of samples the element view spans.
NETWORK_FIELDS: dict[str, tuple[Callable[[Any, str], Any], Any]] = {
    "inputs": (shape, REQUIRED),
    "loss": (lambda v, what: _loss(v, what), "sse"),
    "convention": (one_of(lambda: list(CONVENTIONS)), "column"),
    "weight_decay": (identifier, None),
    "batch": (positive_int, None),
    "relu_grad_at_zero": (at_zero, 0),
    "step_at_zero": (at_zero, 1),
    "pool_ties": (one_of(lambda: list(TIES)), "first"),
}

_TOP_LEVEL = (*NETWORK_FIELDS, "constants", "layers")

# the tables agree: every type is both built and written (Elementwise, a Python function, is the one layer without)
if not set(LAYER_TYPES) == set(_BUILD) == {t for t, _ in _WRITE.values()}:
    raise RuntimeError("symnn.model.spec: LAYER_TYPES, _BUILD and _WRITE name different layer types")


# -- reading ------------------------------------------------------------------------------------------------------


def _unknown(given: Mapping[str, Any], valid: tuple[str, ...] | list[str], where: str) -> None:
    unknown = [k for k in given if k not in valid]
    if unknown:
        s = "s" if len(unknown) > 1 else ""
        raise ValueError(f"{where}unknown field{s} {', '.join(map(repr, unknown))}; valid fields: {', '.join(valid)}")


def _layer(entry: Any, path: list[str]) -> Layer:
    """The layer an entry of ``layers`` describes; ``path`` names it (``["layer 4 (residual)", "layer 2"]``)."""
    here = ", ".join(path)
    if not isinstance(entry, Mapping):
        raise ValueError(f"{here}: must be a table with a type field ([[layers]] in TOML), got {entry!r}")
    kind = entry.get("type", REQUIRED)
    if kind is REQUIRED:
        raise ValueError(f"{here}: missing field 'type'; valid choices: {', '.join(LAYER_TYPES)}")
    if kind == "elementwise":
        raise ValueError(
            f"{here}: type 'elementwise' cannot come from a spec: its formula is a Python function; "
            "build the network in Python with sn.Elementwise(...)"
        )
    if not isinstance(kind, str) or kind not in LAYER_TYPES:
        raise ValueError(f"{here}: unknown type {kind!r}; valid choices: {', '.join(LAYER_TYPES)}")
    path = [*path[:-1], f"{path[-1]} ({kind})"]
    here = ", ".join(path)
    fields = LAYER_TYPES[kind]
    _unknown(entry, ["type", *fields], f"{here}: ")
    values: dict[str, Any] = {}
    for name, (check, default) in fields.items():
        value = entry.get(name, default)
        if value is REQUIRED:
            raise ValueError(f"{here}: missing field {name!r}")
        if kind == "residual":
            values[name] = _layers(value, path, "field 'layers'")
        else:
            values[name] = check(value, f"{here}: field {name!r}")
    return _BUILD[kind](values)


def _layers(entries: Any, path: list[str], what: str) -> list[Layer]:
    where = f"{', '.join(path)}: {what}" if path else what
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{where} must be a non-empty list of layer tables ([[layers]] in TOML), got {entries!r}")
    return [_layer(e, [*path, f"layer {i}"]) for i, e in enumerate(entries, 1)]


def network_from_spec(spec: Mapping[str, Any], *, max_params: int | None = None) -> Network:
    """The :class:`~symnn.Network` a spec describes (a dict, such as a TOML file read by :func:`load_spec`).

    Parameters
    ----------
    spec : mapping
        ``inputs`` (required), ``loss``, ``convention``, ``weight_decay`` (a symbol name), ``batch``,
        ``relu_grad_at_zero``, ``step_at_zero``, ``pool_ties``, ``constants`` (numbers by symbol name: keep
        probabilities, λ)
        and ``layers``: a list of tables, each with a ``type`` (:data:`LAYER_TYPES`) and that type's fields.
    max_params : int, optional
        Refuse a network of more parameters, before building it (a Network makes a SymPy symbol of each).

    Returns
    -------
    Network

    Raises
    ------
    ValueError
        For any malformed spec: unknown or missing fields, values of the wrong type or range, naming the layer
        (its position, counted from 1 within its list, and type), the field, and the valid choices.

    See Also
    --------
    spec_of : the inverse.
    load_spec : read a TOML file.
    """
    if not isinstance(spec, Mapping):
        raise ValueError(f"a network spec must be a table (a dict), got {type(spec).__name__}")
    _unknown(spec, _TOP_LEVEL, "")
    settings: dict[str, Any] = {}
    for name, (check, default) in NETWORK_FIELDS.items():
        value = spec.get(name, default)
        if value is REQUIRED:
            raise ValueError(f"missing field {name!r} (the number of inputs per sample)")
        settings[name] = None if value is None else check(value, f"field {name!r}")
    if "layers" not in spec:
        raise ValueError("missing field 'layers': a list of layer tables ([[layers]] in TOML)")
    layers = _layers(spec["layers"], [], "field 'layers'")
    try:
        net = Network(layers, **settings)
    except ValueError as e:  # widths that do not fit: the message names the layer (counted as here)
        raise ValueError(str(e).removeprefix("network: ")) from e
    count = sum(math.prod(p.shape) for p in net.param_arrays)  # the element symbols are made only on use
    if max_params is not None and count > max_params:
        raise ValueError(f"the network has {count} parameters; at most {max_params} are allowed here")
    check_constants(net, spec.get("constants", {}), complete=False)
    return net


def check_constants(net: Network, constants: Any, *, complete: bool = True) -> dict[str, float]:
    """Check a spec's ``constants`` table against ``net``: known names, numbers in range; all given if ``complete``.

    Returns the values by name, as ``symnn.compile(net, constants=...)`` takes them.
    """
    if not isinstance(constants, Mapping):
        raise ValueError(f"field 'constants' must be a table of numbers by name ([constants] in TOML), got {constants}")
    keeps: dict[str, str] = {}
    for where, layer in _walk(net.layers, []):
        if isinstance(layer, Dropout):
            keeps.setdefault(layer.keep.name, where)
    names = [s.name for s in net.constants]
    if names:
        _unknown(constants, names, "constants: ")
    elif constants:
        raise ValueError(
            f"constants: unknown field{'s' if len(constants) > 1 else ''} {', '.join(map(repr, constants))}; "
            "this network has no constants (they are a dropout's keep probability and weight decay's λ)"
        )
    out = {}
    for name, value in constants.items():
        what = f"constants: field {name!r}"
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"{what} must be a positive number, got {value!r}")
        if name in keeps and value > 1:
            raise ValueError(f"{what} is the keep probability of {keeps[name]}: it must be at most 1, got {value}")
        out[name] = float(value)
    if complete:
        missing = [n for n in names if n not in out]
        if missing:
            what = [
                f"{n}, the keep probability of {keeps[n]}" if n in keeps else f"{n}, weight decay's λ" for n in missing
            ]
            raise ValueError(f"constants: needs a value for {'; '.join(what)}")
    return out


def _walk(layers, path: list[str]):
    """(where, layer) for every layer, inside residual branches too, named as the spec counts them."""
    for i, layer in enumerate(layers, 1):
        here = [*path, f"layer {i} ({_WRITE[type(layer)][0] if type(layer) in _WRITE else type(layer).__name__})"]
        yield ", ".join(here), layer
        if isinstance(layer, Residual):
            yield from _walk(layer.layers, here)


def load_spec(path: str | os.PathLike[str], *, max_params: int | None = None) -> dict[str, Any]:
    """Read a network spec from a TOML file (with :mod:`tomllib`) and check it; errors name the file.

    Returns the spec as a dict, for :func:`network_from_spec` and :func:`check_constants`; ``max_params`` as
    for :func:`network_from_spec`.

    Examples
    --------
    A file such as::

        inputs = 12
        loss = "cross-entropy"

        [constants]
        p = 0.9

        [[layers]]
        type = "dense"
        units = 8

        [[layers]]
        type = "dropout"
        keep = "p"
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"spec file {path} does not exist" + (" (it is a folder)" if path.is_dir() else ""))
    try:
        with path.open("rb") as f:
            spec = tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not a valid TOML file: {e}") from e
    except OSError as e:
        raise ValueError(f"cannot read spec file {path}: {e.strerror}") from e
    try:
        network_from_spec(spec, max_params=max_params)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{path}: {e}") from e
    return spec


# -- writing ------------------------------------------------------------------------------------------------------


def _layer_spec(layer: Layer, path: list[str]) -> dict[str, Any]:
    if type(layer) not in _WRITE:
        what = f"Elementwise {layer.name!r}" if isinstance(layer, Elementwise) else type(layer).__name__
        raise ValueError(
            f"{', '.join(path)}: {what} has no spec: "
            + (
                "its formula is a Python function, which a spec file cannot hold"
                if isinstance(layer, Elementwise)
                else f"valid layers: {', '.join(c.__name__ for c in _WRITE)}"
            )
        )
    kind, fields = _WRITE[type(layer)]
    if isinstance(layer, Residual):
        branch = [_layer_spec(b, [*path, f"layer {i}"]) for i, b in enumerate(layer.layers, 1)]
        return {"type": kind, "layers": branch}
    return {"type": kind, **fields(layer)}


def spec_of(net: Network, constants: Mapping[str, float] | None = None) -> dict[str, Any]:
    """The spec of ``net`` (JSON- and TOML-ready): what checkpoints store, and what ``network_from_spec`` reads.

    Every field is written, defaults included; ``weight_decay`` and ``batch`` only when set, ``constants``
    only when given. ``ValueError`` for a network with an Elementwise layer (a Python function).

    Examples
    --------
    >>> import symnn as sn
    >>> spec_of(sn.Network([sn.Dense(2), sn.Activation("tanh")], inputs=3))
    {'inputs': 3, 'loss': 'sse', 'convention': 'column', 'relu_grad_at_zero': 0, 'step_at_zero': 1, \
'layers': [{'type': 'dense', 'units': 2, 'bias': True}, {'type': 'activation', 'name': 'tanh'}]}
    """
    if not isinstance(net, Network):
        raise TypeError(f"spec_of takes a Network, got {type(net).__name__}")
    dims = net.input_node.shape
    spec: dict[str, Any] = {"inputs": dims[0] if len(dims) == 1 else list(dims)}
    spec |= {"loss": net.loss_name, "convention": net.convention}
    if net.decay is not None:
        spec["weight_decay"] = net.decay.name
    if net.batch != (2 if any(n.layer.couples_samples for n in net.nodes) else 1):
        spec["batch"] = net.batch
    spec["relu_grad_at_zero"] = exact(net.relu_grad_at_zero)
    spec["step_at_zero"] = exact(net.step_at_zero)
    if net.pool_ties != "first":
        spec["pool_ties"] = net.pool_ties
    if constants:
        spec["constants"] = check_constants(net, dict(constants), complete=False)
    spec["layers"] = [_layer_spec(layer, [f"layer {i}"]) for i, layer in enumerate(net.layers, 1)]
    return spec


def as_mlp(net: Network):
    """The :class:`~symnn.MLP` ``net`` is, when it is one (Dense, activation, Dense, …, activation or softmax, every
    Dense with a bias, no weight decay), else None: the MLP shorthand derives and renders the same mathematics."""
    from symnn.model.network import MLP

    layers = net.layers
    if net.decay is not None or len(layers) % 2:
        return None
    sizes, names = [net.input_node.width], []
    for dense, act in zip(layers[::2], layers[1::2], strict=True):
        if type(dense) is not Dense or not dense.bias or type(act) not in (Activation, Softmax):
            return None
        sizes.append(dense.units)
        names.append("softmax" if isinstance(act, Softmax) else act.name)
    if "softmax" in names[:-1]:
        return None
    return MLP(
        sizes,
        activation=names[:-1],
        output=names[-1],
        loss=net.loss_name,
        convention=net.convention,
        relu_grad_at_zero=net.relu_grad_at_zero,
        step_at_zero=net.step_at_zero,
    )

"""What several subcommands share: the network options (``--layers`` … or ``--spec FILE``) and the usage error."""

from __future__ import annotations

import argparse
from pathlib import Path

from symnn.model.graph import Network
from symnn.model.losses import LOSSES
from symnn.model.network import MLP
from symnn.model.notation import CONVENTIONS
from symnn.model.registry import ACTIVATIONS, OUTPUT_ACTIVATIONS

__all__ = [
    "DEFAULT_LAYERS",
    "NETWORK_DEFAULTS",
    "UsageError",
    "add_network_arguments",
    "check_weights",
    "network_from_args",
]


class UsageError(Exception):
    """A command-line mistake: reported in one line, exit status 2."""


#: The seed-000 network: 2 inputs, 3 hidden units, 2 outputs.
DEFAULT_LAYERS = "2,3,2"

#: the network options' values when left out (and no --spec FILE describes the network instead)
NETWORK_DEFAULTS: dict[str, str] = {
    "layers": DEFAULT_LAYERS,
    "activation": "sigmoid",
    "output": "sigmoid",
    "loss": "sse",
    "convention": "column",
}


def parse_layers(text: str) -> list[int]:
    """``--layers``: comma-separated unit counts, inputs first."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--layers takes comma-separated unit counts such as 2,3,2, got {text!r}"
        ) from None
    return sizes


def add_network_arguments(p: argparse.ArgumentParser, *, spec: bool = False) -> None:
    """The options that describe a network: --layers, --activation, --output, --loss, --convention; with ``spec``
    also --spec FILE (a network of layers from a TOML file), which excludes the others.

    Their defaults (:data:`NETWORK_DEFAULTS`) are filled in by :func:`network_from_args`, so that it can tell an
    option given from one left out.
    """
    group = p.add_mutually_exclusive_group() if spec else p
    group.add_argument("--layers", type=parse_layers, default=None, help="unit counts, inputs first (default 2,3,2)")
    if spec:
        group.add_argument(
            "--spec",
            type=Path,
            metavar="FILE",
            help="a network of layers from a TOML file (README: Networks of layers)",
        )
    p.add_argument(
        "--activation",
        default=None,
        help="hidden activation, one for all or comma-separated per hidden layer (default sigmoid): "
        f"{', '.join(ACTIVATIONS)}",
    )
    p.add_argument(
        "--output", default=None, help=f"output activation (default sigmoid): {', '.join(OUTPUT_ACTIVATIONS)}"
    )
    p.add_argument("--loss", default=None, help=f"loss (default sse): {', '.join(LOSSES)}")
    p.add_argument("--convention", default=None, help=f"matrix layout (default column): {', '.join(CONVENTIONS)}")


#: The most weights a command takes: formulas written out per weight (network, derive) stop being readable, and
#: SymPy's time and memory grow with them, long before a compiled model (train) does.
MAX_WEIGHTS: dict[str, int] = {"network": 10_000, "derive": 10_000, "train": 10_000_000}
#: ``symnn derive --format json``: its document is linear in the network (each gradient δ times an activation) and
#: printed from the symbols' names, about 150 bytes a weight (784-100-10, 79 400 weights: 12 MB in seconds)
MAX_WEIGHTS_JSON = 200_000
#: the most parameters a --spec network may have, counted from the file before the network is built: as
#: MAX_WEIGHTS (derive writes a formula per parameter; a compiled model grows far more slowly)
MAX_SPEC_PARAMS: dict[str, int] = {"derive": 10_000, "train": 10_000_000}


def spec_network(args: argparse.Namespace) -> tuple[Network, dict[str, float]]:
    """The :class:`~symnn.Network` of ``--spec FILE`` and the constants its ``[constants]`` table gives."""
    from symnn.model.spec import check_constants, load_spec, network_from_spec

    given = [f"--{name}" for name in NETWORK_DEFAULTS if name != "layers" and getattr(args, name) is not None]
    if given:
        raise UsageError(
            f"symnn {args.command}: {given[0]} cannot be used with --spec: the spec file describes the whole network"
        )
    limit = MAX_SPEC_PARAMS[args.command]
    spec = load_spec(args.spec, max_params=limit)  # refuses a larger network before building it
    net = network_from_spec(spec)
    try:
        constants = check_constants(net, spec.get("constants", {}), complete=False)
    except ValueError as e:
        raise ValueError(f"{args.spec}: {e}") from e
    return net, constants


def check_weights(args: argparse.Namespace, fmt: str | None = None) -> None:
    """Refuse ``--layers`` with more weights than the command takes (:data:`MAX_WEIGHTS`; ``symnn derive``'s JSON,
    which scales, :data:`MAX_WEIGHTS_JSON`), as a UsageError."""
    limit = MAX_WEIGHTS_JSON if args.command == "derive" and fmt == "json" else MAX_WEIGHTS[args.command]
    weights = sum(a * b for a, b in zip(args.layers, args.layers[1:], strict=False))
    if weights > limit:
        raise UsageError(
            f"symnn {args.command}: --layers {','.join(map(str, args.layers))} has {weights} weights; "
            f"this command takes at most {limit}"
            + (
                f" in the element view (--view index takes any width; --format json takes {MAX_WEIGHTS_JSON})"
                if args.command == "derive" and fmt != "json"
                else ""
            )
        )


def network_from_args(args: argparse.Namespace, *, check_size: bool = True) -> MLP | Network:
    """Build the :class:`MLP` the network options describe, or the Network of ``--spec FILE`` (library errors
    propagate as ValueError). Fills in the defaults of the network options left out; with ``check_size``, refuses
    more weights than the command takes (:func:`check_weights`)."""
    if getattr(args, "spec", None) is not None:
        return spec_network(args)[0]
    for name, default in NETWORK_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, parse_layers(default) if name == "layers" else default)
    activation = args.activation.split(",") if "," in args.activation else args.activation
    if check_size:
        check_weights(args)
    return MLP(args.layers, activation=activation, output=args.output, loss=args.loss, convention=args.convention)

"""The ``symnn`` command: each subcommand parses, validates, calls one library function, writes the result.

Errors a user can cause (bad options, bad input) print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import sympy as sp

import symnn
from symnn.deadline import run_with_deadline
from symnn.model.network import MLP

log = logging.getLogger("symnn")

#: The seed-000 network: 2 inputs, 3 hidden units, 2 outputs.
DEFAULT_LAYERS = "2,3,2"


class UsageError(Exception):
    """A command-line mistake: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    # argparse prints the whole usage block before its error; symnn promises one line.
    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message}")


def _layers(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--layers takes comma-separated unit counts such as 2,3,2, got {text!r}"
        ) from None
    return sizes


def add_network_arguments(p: argparse.ArgumentParser) -> None:
    """The options that describe a network: --layers, --activation, --output, --loss, --convention."""
    p.add_argument(
        "--layers", type=_layers, default=_layers(DEFAULT_LAYERS), help="unit counts, inputs first (default 2,3,2)"
    )
    p.add_argument(
        "--activation",
        default="sigmoid",
        help=f"hidden activation, one for all or comma-separated per hidden layer: {', '.join(symnn.ACTIVATIONS)}",
    )
    p.add_argument("--output", default="sigmoid", help=f"output activation: {', '.join(symnn.OUTPUT_ACTIVATIONS)}")
    p.add_argument("--loss", default="sse", help=f"loss: {', '.join(symnn.LOSSES)}")
    p.add_argument("--convention", default="column", help=f"matrix layout: {', '.join(symnn.CONVENTIONS)}")


#: The most weights a command takes: formulas written out per weight (network, derive) stop being readable, and
#: SymPy's time and memory grow with them, long before a compiled model (train) does.
MAX_WEIGHTS: dict[str, int] = {"network": 10_000, "derive": 10_000, "train": 10_000_000}


def network_from_args(args: argparse.Namespace) -> MLP:
    """Build the :class:`MLP` the network options describe (library errors propagate as ValueError)."""
    activation = args.activation.split(",") if "," in args.activation else args.activation
    limit = MAX_WEIGHTS[args.command]
    weights = sum(a * b for a, b in zip(args.layers, args.layers[1:], strict=False))
    if weights > limit:
        raise UsageError(
            f"symnn {args.command}: --layers {','.join(map(str, args.layers))} has {weights} weights; "
            f"this command takes at most {limit}"
        )
    return MLP(args.layers, activation=activation, output=args.output, loss=args.loss, convention=args.convention)


def _run_network(args: argparse.Namespace) -> int:
    net = network_from_args(args)
    show: Callable[[sp.Basic], str] = sp.latex if args.format == "latex" else sp.sstr
    lines = [f"# {net!r}"]
    for l in range(1, net.depth + 1):
        for j in range(1, net.sizes[l] + 1):
            z = net.z_local[l - 1][j - 1]
            lines.append(f"{show(net.preact(l, j))} = {show(z)}")
        a = net.activate(l, [net.preact(l, j) for j in range(1, net.sizes[l] + 1)])
        for j in range(1, net.sizes[l] + 1):
            lines.append(f"{show(net.act(l, j))} = {show(a[j - 1])}")
    ys = [net.act(net.depth, k) for k in range(1, net.sizes[-1] + 1)]
    lines.append(f"C = {show(net.loss_of(ys))}")
    lines.append("")
    lines.append("# matrix view")
    view = net.matrix_view
    lines.append(f"{show(sp.Symbol('y') if net.convention == 'column' else sp.Symbol('Y'))} = {show(view.forward)}")
    print("\n".join(lines))
    return 0


#: file extension -> the format ``symnn derive -o FILE`` writes without ``--format``
FORMAT_OF_EXTENSION: dict[str, str] = {".md": "markdown", ".markdown": "markdown", ".tex": "latex", ".json": "json"}


def _derive_arguments(p: argparse.ArgumentParser) -> None:
    add_network_arguments(p)
    p.add_argument(
        "--format",
        choices=["markdown", "latex", "json"],
        default=None,
        help="output format (default: from the extension of -o FILE, .md, .tex or .json; else markdown)",
    )
    p.add_argument("--lang", choices=["en", "ja"], default="en", help="language of the prose")
    p.add_argument("-o", "--out", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")


def output_format(given: str | None, out: str | None) -> str:
    """The format ``symnn derive`` writes: ``--format`` if given, else the one of ``-o FILE``'s extension.

    A ``--format`` that contradicts a known extension (``--format latex -o notes.md``) is a
    :class:`UsageError`; without either, and for other extensions, Markdown.
    """
    implied = FORMAT_OF_EXTENSION.get(Path(out).suffix.lower()) if out is not None else None
    if given is not None and implied is not None and given != implied:
        raise UsageError(
            f"symnn derive: --format {given} contradicts -o {out}, a {implied} file name; "
            f"drop --format, or give FILE the extension of {given}"
        )
    return given or implied or "markdown"


def _run_derive(args: argparse.Namespace) -> int:
    from symnn.render import derive_document, write_derivation

    fmt = output_format(args.format, args.out)
    net = network_from_args(args)
    # checked before the derivation runs, which can take a while
    if args.out is not None and Path(args.out).is_dir():
        raise IsADirectoryError(f"cannot write {args.out}: it is a directory; -o takes a file name")
    if args.out is not None and Path(args.out).exists() and not args.force:
        raise FileExistsError(f"{args.out} exists; pass --force to overwrite it")
    if args.out is None:
        sys.stdout.write(derive_document(net, fmt=fmt, lang=args.lang))
    else:
        write_derivation(net, args.out, fmt=fmt, lang=args.lang, force=args.force)
    return 0


#: verdict status -> exit status of ``symnn verify``
VERIFY_EXIT: dict[str, int] = {"proved": 0, "numeric": 0, "refuted": 1, "unknown": 3}


def _verify_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("statement", nargs="?", help='a relation, e.g. "diff(sigmoid(x), x) == sigmoid(x)*(1 - sigmoid(x))"')
    p.add_argument("--latex", metavar="TEXT", help=r'the relation in LaTeX, e.g. "\sigma(-x) = 1 - \sigma(x)"')
    p.add_argument("--all", action="store_true", help="verify the whole identity catalogue and print a table")
    p.add_argument("--timeout", type=float, default=5.0, help="budget in seconds per statement (default 5)")
    p.add_argument("--samples", type=int, default=40, help="random real points for the numeric check (default 40)")


def _run_verify(args: argparse.Namespace) -> int:
    from symnn.check.catalogue import identities
    from symnn.check.verification import RELATIONS, verify
    from symnn.text.latex_input import load_sympy_parser, parse_latex
    from symnn.text.parsing import parse

    given = [name for name, v in (("STATEMENT", args.statement), ("--latex", args.latex), ("--all", args.all)) if v]
    if len(given) != 1:
        raise UsageError("symnn verify: give exactly one of STATEMENT, --latex TEXT or --all")
    options = {"timeout": args.timeout, "samples": args.samples}
    if args.all:
        rows = [
            (e, e.verify(**{**e.options, **options, "timeout": min(args.timeout, e.options.get("timeout", 1e9))}))
            for e in identities()
        ]
        width = max(len(e.name) for e, _ in rows)
        print(f"{'identity':{width}}  {'source':8}  {'status':8}  {'time':>6}  method")
        for e, v in rows:
            print(f"{e.name:{width}}  {e.source or '-':8}  {v.status:8}  {v.seconds:5.2f}s  {v.method}")
        statuses = [v.status for _, v in rows]
        held = sum(s in ("proved", "numeric") for s in statuses)
        print(f"{held} of {len(rows)} hold ({statuses.count('proved')} proved, {statuses.count('numeric')} numeric)")
        return 1 if "refuted" in statuses else 3 if "unknown" in statuses else 0
    if args.latex is not None:
        load_sympy_parser()  # imported once here, not again in each child
    start = time.monotonic()
    # the budget covers parsing and verifying: SymPy's LaTeX parser takes seconds on nested input. A budget that is
    # not a positive number is verify's to report, after an unbounded parse.
    budget = args.timeout if math.isfinite(args.timeout) and args.timeout > 0 else None
    read = parse if args.statement is not None else functools.partial(parse_latex, timeout=None)
    statement = run_with_deadline(
        read,
        (args.statement if args.statement is not None else args.latex,),
        budget,
        what="symnn verify: parsing the statement",
    )
    if not isinstance(statement, tuple(RELATIONS.values())):
        raise ValueError("symnn verify: the statement needs a relation: ==, =, <=, >=, < or >")
    if math.isfinite(args.timeout) and args.timeout > 0:
        options["timeout"] = max(args.timeout - (time.monotonic() - start), 0.05)
    v = verify(statement, **options)
    print(v)
    if v.status == "unknown":
        print("  tried: " + "; ".join(v.tried))
    return VERIFY_EXIT[v.status]


def _train_arguments(p: argparse.ArgumentParser) -> None:
    from symnn.cli.train import add_arguments  # imported late: it builds on this module's network options

    add_arguments(p)


def _run_train(args: argparse.Namespace) -> int:
    from symnn.cli.train import run

    return run(args)


#: subcommand -> (help, add its arguments, run it)
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {
    "network": (
        "print a network's forward formulas, layer by layer, and its loss",
        lambda p: (add_network_arguments(p), p.add_argument("--format", choices=["text", "latex"], default="text")),
        _run_network,
    ),
    "verify": (
        "prove, sample or refute an identity (or the whole catalogue with --all)",
        _verify_arguments,
        _run_verify,
    ),
    "derive": (
        "derive backpropagation for a network and publish it: Markdown (KaTeX), LaTeX or JSON",
        _derive_arguments,
        _run_derive,
    ),
    "train": (
        "compile a network from its derivation and train it on a dataset (bundled, or --data FILE)",
        _train_arguments,
        _run_train,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symnn", description="The mathematics of neural networks, symbolically, then compiled.")
    parser.add_argument("--version", action="version", version=f"symnn {symnn.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (help_text, add_arguments, _run) in COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    return parser


#: exit status after Ctrl-C (128 + SIGINT, what a shell reports for a process SIGINT ended)
INTERRUPTED = 130


@contextlib.contextmanager
def _quiet_workers_on_ctrl_c() -> Iterator[None]:
    """While the command runs, Ctrl-C raises KeyboardInterrupt in this process only.

    A terminal sends SIGINT to the whole process group: the worker processes ``verify`` forks would each
    print a traceback of their own (multiprocessing prints a child's uncaught exception), after the
    command's one line. A forked child inherits this handler and ends at once, silently; the command
    reports the interrupt and stops its workers.
    """
    if threading.current_thread() is not threading.main_thread() or (
        signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield  # a caller with its own Ctrl-C handling keeps it
        return
    pid = os.getpid()

    def on_sigint(signum, frame):
        if os.getpid() != pid:
            os._exit(INTERRUPTED)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``symnn`` command; returns the exit status."""
    logging.basicConfig(level=logging.WARNING, format="symnn: %(message)s")
    with _quiet_workers_on_ctrl_c():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        status = COMMANDS[args.command][2](args)
        sys.stdout.flush()  # a closed pipe shows here, inside the try, not at the interpreter's exit
        return status
    except KeyboardInterrupt:  # Ctrl-C: files are written atomically, so nothing half-written remains
        print("symnn: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # `symnn ... | head -1`: the reader has gone; stop quietly
        # as https://docs.python.org/3/library/signal.html#note-on-sigpipe does: stdout to devnull so
        # that the interpreter's final flush finds no broken pipe either, and exit status 1
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    # ArithmeticError, RecursionError: what SymPy raises on a statement too large to evaluate (e^(e^(e^100)))
    except (
        UsageError,
        ValueError,
        TypeError,
        FileExistsError,
        FileNotFoundError,
        IsADirectoryError,
        ArithmeticError,
        RecursionError,
    ) as e:
        print(f"symnn: error: {e}", file=sys.stderr)
        return 2

"""The ``symnn`` command: each subcommand (one module each) parses, validates, calls one library function, writes.

Errors a user can cause (bad options, bad input) print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from types import ModuleType

from symnn.cli import check_backward, derive, network, train, verify
from symnn.cli.options import UsageError
from symnn.errors import Unsupported
from symnn.version import __version__

__all__ = ["COMMANDS", "build_parser", "main"]

log = logging.getLogger("symnn")


class _Parser(argparse.ArgumentParser):
    # argparse prints the whole usage block before its error; symnn promises one line.
    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message}")


#: subcommand -> its module: ``HELP``, ``add_arguments(parser)``, ``run(args)`` -> exit status
COMMANDS: dict[str, ModuleType] = {
    "network": network,
    "verify": verify,
    "derive": derive,
    "train": train,
    "check-backward": check_backward,
}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symnn", description="The mathematics of neural networks, symbolically, then compiled.")
    parser.add_argument("--version", action="version", version=f"symnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, command in COMMANDS.items():
        command.add_arguments(sub.add_parser(name, help=command.HELP, description=command.HELP))
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
        status = COMMANDS[args.command].run(args)
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
        Unsupported,  # symnn cannot do this yet (code it cannot generate, documents of a network of layers)
        FileExistsError,
        FileNotFoundError,
        IsADirectoryError,
        ArithmeticError,
        RecursionError,
    ) as e:
        print(f"symnn: error: {e}", file=sys.stderr)
        return 2

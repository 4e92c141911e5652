"""One call under a hard deadline: run in a worker process that is killed when the budget runs out.

A Python call cannot be interrupted safely from outside — SIGALRM in the middle of SymPy's LaTeX parser can leave
ANTLR's shared caches half-updated for the next parse in the same process — so the call runs in a child process,
and at the deadline the child is killed and the caller gets :class:`DeadlineExceeded`. The child is forked where
that is safe (it starts with everything in memory: ~10 ms), else it comes from :mod:`symnn.check.verification`'s fork
server (the same choice ``verify`` makes). ``symnn verify`` parses its statement through this module, and so does
:func:`symnn.parse_latex` (``timeout=``).
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing as mp
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import sympy as sp

__all__ = ["DeadlineExceeded", "run_with_deadline"]


class DeadlineExceeded(TimeoutError, ValueError):
    """The call took longer than its budget and was stopped.

    A :class:`TimeoutError`, and a :class:`ValueError` too: for a parser, input that takes too long is input it
    refuses, and callers that handle bad input (the CLI: one line, exit 2) handle this as well.
    """


def _pack(value: Any) -> tuple:
    # unpickling rebuilds a relation with evaluation, which would make the unevaluated Eq(x, x) True: send its parts
    if isinstance(value, sp.Rel):
        return ("relation", type(value), value.lhs, value.rhs)
    return ("value", value)


def _unpack(packed: tuple) -> Any:
    if packed[0] == "relation":
        relation, lhs, rhs = packed[1:]
        return relation(lhs, rhs, evaluate=False)
    return packed[1]


def _child(conn, func: Callable[..., Any], args: tuple) -> None:
    # Ctrl-C at a terminal reaches the whole process group: the caller answers it (and kills this worker), so the
    # worker ignores it rather than print a traceback of its own
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        conn.send((True, _pack(func(*args))))
    except Exception as e:  # the call's own answer (ValueError for bad input), sent back to be raised there
        try:
            conn.send((False, e))
        except Exception:  # an exception that does not pickle
            conn.send((False, RuntimeError(f"{type(e).__name__}: {e}")))
    finally:
        conn.close()


#: runtimes with native thread pools: after they load, a forked child may deadlock
FORK_UNSAFE_RUNTIMES: tuple[str, ...] = ("jax", "jaxlib", "torch", "tensorflow")


def fork_is_safe() -> bool:
    """Whether this process may fork: no other threads, no runtime with native thread pools loaded."""
    return threading.active_count() == 1 and not any(m in sys.modules for m in FORK_UNSAFE_RUNTIMES)


def worker_context() -> mp.context.BaseContext:
    """The start method for workers: fork when :func:`fork_is_safe`, else a fork server (spawn without one)."""
    # fork is fastest (the child already holds SymPy and the expressions); after threads exist it may
    # deadlock, so use forkserver/spawn there, which pickle the expressions (SymPy objects pickle).
    methods = mp.get_all_start_methods()
    if "fork" in methods and fork_is_safe():
        return mp.get_context("fork")
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        # the server imports SymPy and the workers once; each worker then forks from it ready to run
        ctx.set_forkserver_preload(["symnn.check.verification", "symnn.check.proving", "symnn.check.sampling"])
        return ctx
    return mp.get_context("spawn")


@contextlib.contextmanager
def main_hidden() -> Iterator[None]:
    """While starting a forkserver/spawn worker, hide ``__main__``'s file and spec.

    Those start methods otherwise re-run the user's main script in every worker, which starts
    workers again at import unless the script has an ``if __name__ == "__main__"`` guard. The
    workers need nothing from ``__main__``: they run functions of :mod:`symnn.check.proving` and
    :mod:`symnn.check.sampling`.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def run_with_deadline(func: Callable[..., Any], args: tuple = (), seconds: float | None = 5.0, *, what: str) -> Any:
    """``func(*args)``, computed in a worker process that is killed after ``seconds``.

    Parameters
    ----------
    func : callable
        A module-level function (a fork-server worker imports it by name); its arguments and result must pickle.
        A SymPy relation comes back unevaluated, as it left (``Eq(x, x)`` stays ``Eq(x, x)``).
    args : tuple
        Its arguments.
    seconds : float or None
        The budget, covering starting the worker, the call and sending its result back. ``None`` or ``math.inf``:
        no limit, and the call runs in this process.
    what : str
        What is being done, for the error message (``"parse_latex: parsing"``).

    Returns
    -------
    object
        What ``func`` returned.

    Raises
    ------
    DeadlineExceeded
        The budget ran out; the worker has been killed. Its message names ``what`` and the budget.
    ValueError
        ``seconds`` is not a positive number (or ``None``).
    Exception
        Whatever ``func`` raised, raised again here (a ``ValueError`` for bad input stays one).

    Examples
    --------
    >>> import math
    >>> run_with_deadline(math.factorial, (5,), 2.0, what="factorial")
    120
    """
    if seconds is None or seconds == math.inf:
        return func(*args)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds > 0 or math.isnan(seconds):
        raise ValueError(f"{what}: the timeout must be a positive number of seconds (or None), got {seconds!r}")
    start = time.monotonic()
    ctx = worker_context()
    recv, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, func, args), daemon=True)
    try:
        if ctx.get_start_method() == "fork":
            child.start()
        else:
            with main_hidden():
                child.start()
        send.close()
        if not recv.poll(max(seconds - (time.monotonic() - start), 0)):
            raise DeadlineExceeded(f"{what} took longer than the {seconds:g} s budget")
        try:
            ok, value = recv.recv()
        except EOFError:  # the worker died without an answer (out of memory, a signal)
            child.join(1)
            code = child.exitcode
            raise RuntimeError(f"{what}: the worker process ended without an answer (exit code {code})") from None
    finally:
        send.close()
        if child.pid is not None:
            child.kill()
            child.join()
        recv.close()
    if not ok:
        raise value
    return _unpack(value)

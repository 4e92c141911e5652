"""verify's worker processes: started (forked, or through the fork server from a thread), read, and stopped."""

from __future__ import annotations

import signal
import threading
import time
from multiprocessing.connection import wait
from typing import Any

from symnn.deadline import main_hidden, worker_context

__all__ = ["Workers"]


def _receive_and_run(target, conn, payload, deadline: float) -> None:
    """In a fork-server worker: stop at ``deadline`` (time.monotonic, system-wide), receive the arguments,
    then run ``target(conn, *arguments)``."""
    left = deadline - time.monotonic()
    if left <= 0:  # started too late: the caller has answered already
        return
    if hasattr(signal, "setitimer"):  # the default action of SIGALRM ends the process, whoever else forgot to
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.setitimer(signal.ITIMER_REAL, left)
    conn.send(("trying", "receiving the statement"))  # SymPy rebuilds a large expression slowly when unpickling
    try:
        args = payload.recv()
    except EOFError:  # the caller could not send it (see _send_payload)
        conn.send(("tried", "receiving the statement", "nothing arrived"))
        return
    payload.close()
    target(conn, *args)


def _send_payload(conn, args, failures: list[str]) -> None:
    try:
        conn.send(args)
    except (BrokenPipeError, OSError):  # the worker was stopped at the deadline before it read them
        pass
    except Exception as e:  # pickling failed: an expression nested too deeply (RecursionError), for one
        failures.append(f"sending the statement to a worker: failed ({type(e).__name__})")
    finally:
        conn.close()


def _start_and_send(process, send, payload_recv, payload_send, args, failures: list[str]) -> None:
    """Start a fork-server worker, then send it its arguments (in a thread: both can take seconds)."""
    try:
        with main_hidden():
            process.start()
    except Exception as e:  # pragma: no cover - the fork server could not start a process
        failures.append(f"starting a worker: failed ({type(e).__name__})")
        return
    finally:
        send.close()
        payload_recv.close()
    _send_payload(payload_send, args, failures)


class Workers:
    """verify's worker processes: started (forked, or through the fork server from a thread), read, stopped."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.ctx = worker_context()
        self.jobs: dict[Any, Any] = {}  # connection -> process
        self.failures: list[str] = []  # what the threads sending the statement could not do

    def start(self, target, *args) -> Any:
        recv, send = self.ctx.Pipe(duplex=False)
        if self.ctx.get_start_method() == "fork":  # the child starts with the expressions in memory: nothing to send
            p = self.ctx.Process(target=target, args=(send, *args), daemon=True)
            p.start()
            send.close()
        else:
            payload_recv, payload_send = self.ctx.Pipe(duplex=False)
            p = self.ctx.Process(target=_receive_and_run, args=(target, send, payload_recv, self.deadline), daemon=True)
            # Started and sent from a thread: the first start waits for the fork server to import SymPy (a
            # second or more on a busy machine), and pickling a large statement (SymPy rebuilding it in the
            # worker) can take seconds; both count against the budget, and a worker that starts late stops
            # itself at the deadline.
            threading.Thread(
                target=_start_and_send, args=(p, send, payload_recv, payload_send, args, self.failures), daemon=True
            ).start()
        self.jobs[recv] = p
        return recv

    def messages(self, timeout: float) -> list[tuple]:
        """The messages that arrive within ``timeout`` seconds; a worker that has ended leaves the pool."""
        out = []
        for conn in wait(list(self.jobs), timeout=timeout):
            try:
                out.append(conn.recv())
            except EOFError:
                self.jobs.pop(conn).join()
        return out

    def close(self) -> None:
        for conn, p in self.jobs.items():
            if p.pid is not None:  # a fork-server worker not started yet stops itself when it starts
                if p.is_alive():
                    p.kill()
                p.join()
            conn.close()

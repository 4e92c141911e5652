"""``verify``: prove, sample or refute an identity or inequality, within a hard time budget; ``Verdict``.

Two worker processes: one tries SymPy's simplifications (:mod:`symnn.check.proving`); the other, started
after a short grace (:data:`SAMPLING_GRACE`) or as soon as the first gives up, compares both sides at
random points at high precision (:mod:`symnn.check.sampling`).
A proof or a confirmed counterexample ends the call at once; at the deadline both workers are
killed, so no call outlives its budget by more than the time it takes to kill a process. Everything
that grows with the statement (substituting ``given``, the entries of matrices) happens in the
workers (:mod:`symnn.check.statement`); this process only checks the arguments and the shapes.
"""

from __future__ import annotations

import logging
import math
import multiprocessing as mp
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy as sp
from sympy.logic.boolalg import BooleanAtom

from symnn.check.proving import symbolic_worker
from symnn.check.sampling import sampling_worker
from symnn.check.statement import is_matrix, size
from symnn.check.workers import Workers

log = logging.getLogger(__name__)

__all__ = ["RELATIONS", "STATUSES", "Verdict", "assert_identity", "verify"]

Status = Literal["proved", "numeric", "refuted", "unknown"]
#: proved: SymPy reduced it; numeric: held at every sample point, not proved; refuted: a counterexample;
#: unknown: neither within the budget.
STATUSES: tuple[str, ...] = ("proved", "numeric", "refuted", "unknown")

#: relation -> its SymPy class
RELATIONS: dict[str, type] = {"==": sp.Eq, "<=": sp.Le, ">=": sp.Ge, "<": sp.Lt, ">": sp.Gt}
_OF_CLASS = {cls: op for op, cls in RELATIONS.items()}
#: seconds the symbolic worker runs alone before the sampler starts (at most a tenth of the budget)
SAMPLING_GRACE = 0.2
_TEX_REL = {"==": "=", "<=": r"\le", ">=": r"\ge", "<": "<", ">": ">"}


@dataclass(frozen=True)
class Verdict:
    """What :func:`verify` found: status, how, how long, and a counterexample when refuted.

    ``bool(verdict)`` is True for ``"proved"`` and ``"numeric"``. Renderers read the fields
    (``lhs``, ``op``, ``rhs``, ``status``, ``method``) or call :meth:`to_latex` / :meth:`to_markdown`.

    Attributes
    ----------
    status : {"proved", "numeric", "refuted", "unknown"}
    method : str
        The strategy that proved it, the sampling that supported or refuted it, or what ran out.
    seconds : float
        Wall time of the call.
    lhs, rhs : sympy.Basic
        The two sides as stated (``given`` is substituted into them when they are checked).
    op : str
        ``"=="``, ``"<="``, ``">="``, ``"<"`` or ``">"``.
    counterexample : dict or None
        Symbol (``Indexed`` entry, ``MatrixSymbol``) -> exact value where the sides differ; for refuted only.
    values : tuple or None
        (lhs, rhs) evaluated at the counterexample.
    tried : tuple of str
        Every attempt and its outcome, in order.
    given : dict
        The substitutions the sides were checked under (``verify``'s ``given``).
    """

    status: Status
    method: str
    seconds: float
    lhs: sp.Basic
    rhs: sp.Basic
    op: str = "=="
    counterexample: dict[sp.Basic, sp.Expr] | None = None
    values: tuple[sp.Expr, sp.Expr] | None = None
    tried: tuple[str, ...] = field(default_factory=tuple)
    given: dict[sp.Basic, sp.Basic] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.status in ("proved", "numeric")

    @property
    def statement(self) -> sp.Basic:
        """The relation checked, unevaluated (matrix sides stay a pair of matrices)."""
        cls = RELATIONS[self.op]
        try:
            return cls(self.lhs, self.rhs, evaluate=False)
        except (TypeError, ValueError):  # SymPy's Eq/Le refuse some operand types (matrices for Le)
            return sp.Tuple(self.lhs, self.rhs)

    def _tex(self) -> str:
        s = f"{sp.latex(self.lhs)} {_TEX_REL[self.op]} {sp.latex(self.rhs)}"
        if self.given:
            s += r" \quad \text{given } " + ", ".join(f"{sp.latex(k)} = {sp.latex(v)}" for k, v in self.given.items())
        return s

    def _counterexample_text(self, show) -> str:
        return ", ".join(f"{show(k)} = {show(v)}" for k, v in (self.counterexample or {}).items())

    def __str__(self) -> str:
        s = f"{self.status}: {sp.sstr(self.lhs)} {self.op} {sp.sstr(self.rhs)} ({self.method}; {self.seconds:.2f} s)"
        if self.given:
            s += "\n  given: " + ", ".join(f"{sp.sstr(k)} = {sp.sstr(v)}" for k, v in self.given.items())
        if self.counterexample:
            s += f"\n  counterexample: {self._counterexample_text(sp.sstr)}"
            if self.values is not None:
                s += f"\n  lhs = {sp.N(self.values[0], 15)}, rhs = {sp.N(self.values[1], 15)}"
        return s

    def to_latex(self) -> str:
        r"""The statement and its status as LaTeX (no surrounding ``$``), e.g. ``... \quad \text{(proved: ...)}``."""
        s = rf"{self._tex()} \quad \text{{({self.status}: {self.method})}}"
        if self.counterexample:
            s += rf" \quad \text{{at }} {self._counterexample_text(sp.latex)}"
        return s

    def to_markdown(self) -> str:
        """One Markdown line: the statement in KaTeX ``$...$``, the status in bold, the method and time."""
        s = f"${self._tex()}$ — **{self.status}** ({self.method}, {self.seconds:.2f} s)"
        if self.counterexample:
            s += f"; counterexample ${self._counterexample_text(sp.latex)}$"
        return s

    def _repr_latex_(self) -> str:
        return f"${self.to_latex()}$"


def _sides(lhs: Any, rhs: Any) -> tuple[sp.Basic, sp.Basic, str]:
    if isinstance(lhs, str) or isinstance(rhs, str):
        raise TypeError("verify takes SymPy expressions, not text; use symnn.parse(text) or symnn.parse_latex(text)")
    if rhs is None:
        if lhs is sp.true or lhs is sp.false:
            return lhs, lhs, "=="
        if not isinstance(lhs, sp.Rel) or type(lhs) not in _OF_CLASS:
            raise TypeError(
                "verify(statement) takes a relation (Eq, Le, Ge, Lt, Gt); got "
                f"{type(lhs).__name__}. Or call verify(lhs, rhs)"
            )
        return lhs.lhs, lhs.rhs, _OF_CLASS[type(lhs)]
    convert = (lambda v: v) if isinstance(lhs, sp.MatrixBase) else _expr
    return convert(lhs), convert(rhs), "=="


def _shape(v: sp.Basic) -> str:
    return f"a {v.shape[0]}×{v.shape[1]} matrix" if is_matrix(v) else "a scalar"


def _expr(v: Any) -> sp.Basic:
    if isinstance(v, sp.Basic | sp.MatrixBase):
        return v
    try:
        return sp.sympify(v, strict=True)  # numbers only: strict refuses strings
    except sp.SympifyError as e:
        raise TypeError(f"verify: cannot use {type(v).__name__} {v!r} as a side; give a SymPy expression") from e


#: Modules whose native thread pools make fork unsafe (XLA's, PyTorch's); NumPy's OpenBLAS guards
#: itself with pthread_atfork, and Python's own threads are counted by threading.
#: the most sample points one call may ask for (each costs an evaluation at 30 digits)
MAX_SAMPLES = 100_000


def verify(
    lhs: Any,
    rhs: Any = None,
    *,
    timeout: float = 5.0,
    samples: int = 40,
    digits: int = 30,
    seed: int = 0,
    given: Mapping[sp.Basic, Any] | None = None,
) -> Verdict:
    r"""Check ``lhs == rhs`` (or a relation): proved, held numerically, refuted, or unknown within ``timeout``.

    SymPy's simplifications run in one worker (symnn's functions are first rewritten to
    ``exp``/``Max``/``Piecewise``); random real points at ``digits`` digits in another, which joins
    after a short grace or when the simplifications give up. A proof or a
    counterexample (confirmed at twice the digits) decides at once; when the symbolic worker gives
    up, or at the deadline, ``samples`` random points that all agree give ``"numeric"``, else ``"unknown"``
    (with the reason in ``tried``). Where a side is not real at a real point (log, fractional powers,
    square roots, inverse trig functions outside their real domain, on SymPy's principal branch), the
    sides are compared as complex numbers, and an inequality fails there; a point where a side has no
    finite value (a pole, log 0, 0/0) is not compared, and is named in the method (a numeric verdict)
    or in ``tried``. Both workers are killed at the deadline: no call takes much longer than ``timeout``.

    Parameters
    ----------
    lhs, rhs : SymPy expression, matrix, or number
        The two sides; or ``lhs`` alone as a relation ``Eq``, ``Le``, ``Ge``, ``Lt``, ``Gt``. Text is
        refused: parse it with :func:`symnn.parse`.
    timeout : float
        The budget in seconds (wall time, including starting the workers).
    samples : int
        Random points that must agree for ``"numeric"``; 0 skips the numeric check. Points where a side is
        undefined are replaced by others, up to four times ``samples`` points in all.
    digits : int
        Significant digits of each evaluation.
    seed : int
        Seed of the points, so a verdict is reproducible.
    given : mapping, optional
        Substitutions applied to both sides first, e.g. ``{t3: 1 - t1 - t2}`` for Σt = 1.

    Returns
    -------
    Verdict

    Examples
    --------
    >>> import sympy as sp
    >>> import symnn as sn
    >>> x = sp.Symbol("x", real=True)
    >>> sn.verify(sp.diff(sn.sigmoid(x), x), sn.sigmoid(x) * (1 - sn.sigmoid(x))).status
    'proved'
    >>> v = sn.verify(sp.diff(sn.sigmoid(x), x), sn.sigmoid(x) * (1 + sn.sigmoid(x)))
    >>> v.status, bool(v), list(v.counterexample) == [x]
    ('refuted', False, True)
    >>> v = sn.verify(sp.log(x**2), 2 * sp.log(x))  # log x² = 2 log|x|: 2 log x is not real for x < 0
    >>> v.status, v.counterexample[x] < 0
    ('refuted', True)
    """
    start = time.monotonic()
    _check_options(timeout, samples, digits)
    a, b, op = _sides(lhs, rhs)
    subs = {k: _expr(v) for k, v in (given or {}).items()}

    def verdict(status: Status, method: str, **kw) -> Verdict:
        return Verdict(status, method, time.monotonic() - start, a, b, op, given=subs, **kw)

    if isinstance(a, BooleanAtom) and isinstance(b, BooleanAtom):  # evaluated relation, or two truth values
        if rhs is not None:
            return verdict("proved" if a is b else "refuted", "both sides are truth values", counterexample={})
        return verdict("proved" if a is sp.true else "refuted", "SymPy evaluated the relation", counterexample={})
    # from the shapes alone: working out the entries is the workers' job
    if size(a) != size(b) or (is_matrix(a) and is_matrix(b) and tuple(a.shape) != tuple(b.shape)):
        raise ValueError(f"the sides have different shapes: {_shape(a)} against {_shape(b)}")

    tried: list[str] = []
    running = "starting the symbolic worker"  # what the symbolic worker is doing, from its "trying" messages
    workers = Workers(start + timeout)
    symbolic_conn = workers.start(symbolic_worker, a, b, op, subs)
    # symbolic first: most proofs take a few hundredths of a second, so the sampler (which would compete
    # for the CPU) starts after a short grace, or at once when the symbolic worker gives up
    sample_at = time.monotonic() + min(SAMPLING_GRACE, timeout / 10) if samples else None
    sampled: tuple | None = None
    symbolic_done = False  # it tried everything (else it was stopped, or stopped itself, at the budget)
    try:
        while workers.jobs or sample_at is not None:
            now = time.monotonic()
            if sample_at is not None and (now >= sample_at or symbolic_conn not in workers.jobs):
                workers.start(sampling_worker, a, b, op, subs, samples, digits, seed)
                sample_at = None
            left = start + timeout - now
            if left <= 0:
                break
            for msg in workers.messages(left if sample_at is None else max(0.0, min(left, sample_at - now))):
                if msg[0] == "trying":
                    running = msg[1]
                elif msg[0] == "tried":
                    tried.append(f"{msg[1]}: {msg[2]}")
                elif msg[0] == "proved":
                    tried.append(f"{msg[1]}: proved")
                    return verdict("proved", msg[1], tried=tuple(tried))
                elif msg[0] == "refuted":
                    method = _refutation(msg[1], digits)
                    tried.append(f"sampling: {method}")
                    return verdict(
                        "refuted", method, counterexample=msg[1], values=(msg[2], msg[3]), tried=tuple(tried)
                    )
                elif msg[0] in ("supported", "inconclusive"):
                    sampled = msg
                elif msg[0] == "done":
                    symbolic_done = True
        # on a busy machine the worker may stop itself at the deadline (symnn.deadline) before it is killed
        if not symbolic_done and not workers.failures:
            tried.append(f"{running}: stopped at the {timeout:g} s budget")
    finally:
        workers.close()
    status, method = _conclusion(
        workers.failures, sampled, samples, symbolic_conn in workers.jobs, timeout, digits, tried
    )
    return verdict(status, method, tried=tuple(tried))


def _check_options(timeout: Any, samples: Any, digits: Any) -> None:
    if not (isinstance(timeout, int | float) and math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if not (isinstance(samples, int) and 0 <= samples <= MAX_SAMPLES):
        raise ValueError(f"samples must be an integer from 0 to {MAX_SAMPLES}, got {samples!r}")
    if not (isinstance(digits, int) and 15 <= digits <= 1000):
        raise ValueError(f"digits must be an integer from 15 to 1000, got {digits!r}")
    if mp.current_process().daemon:
        raise RuntimeError(
            "verify cannot keep its time budget inside a daemonic process (a multiprocessing.Pool worker, for "
            "example): it needs worker processes of its own, which daemonic processes may not start"
        )


def _refutation(point: Mapping | None, digits: int) -> str:
    if point:
        return f"counterexample at a sample point ({digits} digits, confirmed at {2 * digits})"
    return f"the sides are different numbers ({digits} digits, confirmed at {2 * digits})"


def _conclusion(
    failures: list[str],
    sampled: tuple | None,
    samples: int,
    symbolic_running: bool,
    timeout: float,
    digits: int,
    tried: list[str],
) -> tuple[Status, str]:
    """The verdict when neither a proof nor a counterexample came: numeric or unknown (``tried`` gains why)."""
    if failures:  # once, whichever workers it concerned
        tried[:] = list(dict.fromkeys([*tried, *failures]))
        return "unknown", "the statement could not be sent to the workers"
    if sampled is None:
        if not samples and not symbolic_running:
            return "unknown", "not proved; no sampling (samples=0)"
        if samples:
            tried.append(f"sampling: not finished within {timeout:g} s")
        return "unknown", f"not decided within {timeout:g} s"
    if sampled[0] == "supported":  # never fewer than the requested random points agreed (see sampling_worker)
        method = f"sampling: {sampled[1]} agree to {digits - 8} digits (not proved)"
        if sampled[2]:  # points where a side is undefined are reported, not dropped
            method += f"; not compared: {sampled[2]}"
        tried.append(method)
        return "numeric", method
    tried.append(f"sampling: {sampled[1]}")
    return "unknown", "not proved; sampling inconclusive"


def assert_identity(lhs: Any, rhs: Any = None, **options: Any) -> Verdict:
    """For tests: raise ``AssertionError`` (with the counterexample) unless ``verify`` proves or supports it.

    Takes the arguments of :func:`verify` and returns its :class:`Verdict` when it holds.

    Examples
    --------
    >>> import sympy as sp
    >>> import symnn as sn
    >>> x = sp.Symbol("x", real=True)
    >>> sn.assert_identity(sn.sigmoid(-x), 1 - sn.sigmoid(x)).status
    'proved'
    """
    v = verify(lhs, rhs, **options)
    if not v:
        raise AssertionError(str(v) + ("\n  tried: " + "; ".join(v.tried) if v.status == "unknown" else ""))
    return v

"""The one run-with-deadline helper (issue 11, part 8): parse_latex(timeout=) and symnn verify --timeout share it.

Tests bound the time a call takes; none asserts an outcome that only a fast machine reaches (a parse that is cut
short on a slow machine is cut short on a fast one too: these inputs take seconds, the budgets are fractions).
"""

from __future__ import annotations

import inspect
import math
import threading
import time

import pytest
import sympy as sp

import symnn as sn
from symnn import cli
from symnn.deadline import DeadlineExceeded, run_with_deadline
from symnn.text import latex_input

#: SymPy's LaTeX parser takes seconds on this (9.7 s measured on main): the reproducer of the issue
NESTED = r"\sigma(" * 40 + "x" + ")" * 40


@pytest.fixture(scope="module", autouse=True)
def warm():
    sn.parse_latex("x")  # the parser imported and warmed before any clock starts


def test_parse_latex_has_a_finite_default_budget():
    default = inspect.signature(sn.parse_latex).parameters["timeout"].default
    assert default == latex_input.LATEX_TIMEOUT and math.isfinite(default) and default > 0


def test_parse_latex_stops_at_its_budget_with_a_clear_error():
    start = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"^parse_latex: parsing took longer than the 0\.5 s budget$") as e:
        sn.parse_latex(NESTED, timeout=0.5)
    assert time.monotonic() - start < 0.5 + 5  # killed at the deadline; the margin is for a busy machine
    assert isinstance(e.value, TimeoutError) and isinstance(e.value, ValueError)


def test_parse_latex_stops_at_the_default_budget():
    start = time.monotonic()
    with pytest.raises(TimeoutError, match=r"took longer than the 5 s budget"):
        sn.parse_latex(NESTED)
    assert time.monotonic() - start < latex_input.LATEX_TIMEOUT + 5


def test_parse_latex_under_a_budget_answers_as_without_one():
    for text in [r"x = x", r"\sigma(-x) = 1 - \sigma(x)", r"\frac{\mathrm{d}}{\mathrm{d}x} \sigma^{2}\left(x\right)"]:
        within, without = sn.parse_latex(text, timeout=30), sn.parse_latex(text, timeout=None)
        assert within == without and type(within) is type(without)
    assert sn.parse_latex("x = x", timeout=30) == sp.Eq(
        sp.Symbol("x", real=True), sp.Symbol("x", real=True), evaluate=False
    )
    for bad in [r"\sigma(x", "x!"]:
        with pytest.raises(ValueError) as within:
            sn.parse_latex(bad, timeout=30)
        with pytest.raises(ValueError) as without:
            sn.parse_latex(bad, timeout=None)
        assert str(within.value) == str(without.value)


@pytest.mark.parametrize("timeout", [0, -1.0, math.nan, "5", True])
def test_parse_latex_refuses_a_budget_that_is_not_a_positive_number(timeout):
    with pytest.raises(ValueError, match=r"^parse_latex: parsing: the timeout must be a positive number of seconds"):
        sn.parse_latex("x", timeout=timeout)


def test_run_with_deadline_returns_raises_and_stops():
    assert run_with_deadline(math.factorial, (20,), 30, what="factorial") == math.factorial(20)
    with pytest.raises(ValueError, match=r"^invalid literal for int\(\)"):
        run_with_deadline(int, ("seven",), 30, what="int")
    start = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"^sleeping took longer than the 0\.3 s budget$"):
        run_with_deadline(time.sleep, (60,), 0.3, what="sleeping")
    assert time.monotonic() - start < 0.3 + 5
    assert run_with_deadline(math.factorial, (5,), None, what="in-process") == 120


def test_run_with_deadline_keeps_its_budget_in_a_threaded_process():
    # threads make fork unsafe: the worker comes from the fork server (as verify's do), still killed at the deadline
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert run_with_deadline(math.factorial, (6,), 60, what="factorial") == 720
        start = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            run_with_deadline(time.sleep, (60,), 1.0, what="sleeping")
        assert time.monotonic() - start < 1.0 + 5
    finally:
        stop.set()
        thread.join()


def test_the_cli_parses_through_the_same_helper():
    source = inspect.getsource(cli._run_verify)
    assert "run_with_deadline(" in source and not hasattr(cli, "_parse_within")
    assert "run_with_deadline(" in inspect.getsource(latex_input.parse_latex)

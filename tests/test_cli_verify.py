"""symnn verify on the command line: exit statuses, the catalogue table, and that typed text is never run."""

import subprocess
import sys

import mpmath
import pytest

from symnn.cli import main

#: a budget no statement here needs even on a busy machine: verify answers as soon as it decides, so a test that
#: expects a decided outcome passes it and costs no more on a fast machine (see tests/test_verification.py)
GENEROUS = "60"


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "symnn", "verify", *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def test_all_prints_the_catalogue_table():
    r = run("--all", "--timeout", GENEROUS)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["identity", "source", "status", "time", "method"]
    rows = {line.split()[0]: line.split() for line in lines[1:-1]}
    assert rows["sigmoid-derivative"][1:4] == ["seed", "003", "proved"]
    assert rows["cauchy-schwarz"][3] == "numeric"
    statuses = [row[3] if row[1] == "seed" else row[2] for row in rows.values()]
    assert set(statuses) == {"proved", "numeric"}
    proved, numeric = statuses.count("proved"), statuses.count("numeric")
    assert lines[-1] == f"{len(rows)} of {len(rows)} hold ({proved} proved, {numeric} numeric)"


@pytest.mark.parametrize(
    ("args", "status", "first"),
    [
        (["diff(sigmoid(x), x) == sigmoid(x)*(1 - sigmoid(x))"], 0, "proved: "),
        (["--latex", r"\sigma(-x) = 1 - \sigma(x)"], 0, "proved: sigmoid(-x) == 1 - sigmoid(x)"),
        (["diff(sigmoid(x), x) = sigmoid(x)*(1 + sigmoid(x))"], 1, "refuted: "),
        (["sigmoid(x) <= 1"], 0, "proved: "),
    ],
)
def test_single_statements(args, status, first, capsys):
    assert main(["verify", "--timeout", GENEROUS, *args]) == status
    out = capsys.readouterr().out
    assert out.startswith(first)
    if status == 1:
        assert "\n  counterexample: x = " in out


def test_unknown_is_exit_3(capsys):
    # Cauchy-Schwarz under square roots: SymPy's strategies cannot prove it, and sampling is off
    text = "Abs(a1*b1 + a2*b2 + a3*b3) <= sqrt(a1**2 + a2**2 + a3**2)*sqrt(b1**2 + b2**2 + b3**2)"
    assert main(["verify", "--timeout", GENEROUS, "--samples", "0", text]) == 3
    out = capsys.readouterr().out
    assert out.startswith("unknown: ") and "\n  tried: identical after doit: not shown ≥ 0; expand:" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["__import__('os').system('touch pwned')"], "parse: calling attribute access (.) is not allowed"),
        (["[open('pwned', 'w') for i in x] == 1"], "parse: a comprehension is not allowed"),
        (["(lambda: open('pwned', 'w'))() == 1"], "parse: calling a lambda is not allowed"),
    ],
)
def test_typed_code_is_refused_in_one_line_and_nothing_runs(args, message, tmp_path):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("symnn: error:") and message in lines[0], r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert not (tmp_path / "pwned").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x.__class__ == 1"], "parse: attribute access (.) is not allowed"),
        (["x" * 3000 + " == 1"], "the input is 3005 characters long; at most 2000 are allowed"),
        (["(" * 100 + "x" + ")" * 100 + " == 1"], "nested too deeply"),
        (["sigmoid(" * 45 + "x" + ")" * 45 + " == 1"], "nested too deeply"),
        (["x + 1"], "the statement needs a relation"),
        (["--latex", r"\frac{1}{"], "parse_latex: cannot parse"),
        (["--latex", r"\operatorname{evil}(x) = 1"], "parse_latex: unknown function"),
        ([], "give exactly one of STATEMENT, --latex TEXT or --all"),
        (["--all", "x == x"], "give exactly one of STATEMENT, --latex TEXT or --all"),
        (["--timeout", "0", "x == x"], "timeout must be a positive number of seconds"),
        (["--timeout", "soon", "x == x"], "argument --timeout: invalid float value: 'soon'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["verify", *args]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("symnn: error:") and message in lines[0], captured.err
    assert captured.out == "" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeout", "inf"], "timeout must be a positive number of seconds, got inf"),
        (["--timeout", "nan"], "timeout must be a positive number of seconds, got nan"),
        (["--samples", "-1"], "samples must be an integer from 0 to 100000, got -1"),
        (["--samples", "1000000"], "samples must be an integer from 0 to 100000, got 1000000"),
    ],
)
def test_budget_options_are_bounded(args, message, capsys):
    assert main(["verify", "x == x", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith(message)


def test_an_overflowing_statement_is_a_one_line_error():
    # refused while parsing: exp(exp(exp(100))) is the number SymPy would otherwise spend forever evaluating
    r = run("relu(exp(exp(exp(100))) - 2) == 0")
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stdout == ""
    assert r.stderr.splitlines() == [
        "symnn: error: parse: the argument of exp is about 2.69E+43; numbers given to exp, sin, cos, tan, sinh, "
        "cosh, tanh, sigmoid, softplus or softmax may be at most 10000 in magnitude"
    ]


@pytest.mark.parametrize(
    ("args", "status", "out"),
    [
        (["--latex", "x = x"], 0, "proved: x == x "),
        (["--latex", "1 = 2"], 1, "refuted: 1 == 2 "),
    ],
)
def test_relations_that_sympy_would_evaluate_are_verified(args, status, out):
    # x = x was True before verify saw it (a usage error, exit 2); 1 = 2 was False
    r = run(*args, "--timeout", GENEROUS)
    assert (r.returncode, r.stderr) == (status, ""), r.stdout + r.stderr
    assert r.stdout.startswith(out)


@pytest.mark.parametrize(
    ("args", "status", "first"),
    [
        (["x == x"], 0, "proved: x == x "),
        (["1 == 2"], 1, "refuted: 1 == 2 "),
        (["--latex", r"x \le x"], 0, "proved: x <= x "),
        (["--latex", "x < x"], 1, "refuted: x < x "),
        (["--latex", r"\frac{\mathrm{d}}{\mathrm{d}x} \sigma(x) = \sigma(x)(1-\sigma(x))"], 0, "proved: "),
        (["--latex", r"\frac{\mathrm{d}}{\mathrm{d}x} \sigma(x) = \sigma^{2}\left(x\right)"], 1, "refuted: "),
    ],
)
def test_relations_exit_status(args, status, first, capsys):
    assert main(["verify", "--timeout", GENEROUS, *args]) == status
    assert capsys.readouterr().out.startswith(first)


def test_the_budget_covers_parsing_latex():
    # SymPy's pure-Python LaTeX parser takes ~7 s on 40 nested \sin( ... ): the parsing child is stopped
    nested = r"\sin(" * 40 + "x" + ")" * 40 + " = x"
    r = run("--latex", nested, "--timeout", "0.5")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == "symnn: error: symnn verify: parsing the statement took longer than the 0.5 s budget\n"
    r = run("--latex", r"\sigma(x) = 2", "--timeout", GENEROUS)  # a parse error from the child, as in-process
    assert r.returncode == 1 and r.stdout.startswith("refuted: sigmoid(x) == 2")
    r = run("--latex", r"\sigma(x", "--timeout", GENEROUS)
    assert r.returncode == 2 and r.stderr.startswith("symnn: error: parse_latex: ") and "Traceback" not in r.stderr


def _mp_rational(text):
    p, _, q = text.partition("/")
    return mpmath.mpf(int(p)) / int(q or 1)


@pytest.mark.parametrize(
    ("text", "lhs", "rhs"),
    [
        ("log(x**2) == 2*log(x)", lambda x: mpmath.log(x**2), lambda x: 2 * mpmath.log(x)),
        ("log(a*b) = log(a) + log(b)", lambda a, b: mpmath.log(a * b), lambda a, b: mpmath.log(a) + mpmath.log(b)),
        ("log(a/b) = log(a) - log(b)", lambda a, b: mpmath.log(a / b), lambda a, b: mpmath.log(a) - mpmath.log(b)),
        ("(x**3)**(1/3) = x", lambda x: mpmath.power(x**3, mpmath.mpf(1) / 3), lambda x: x),
    ],
)
def test_false_at_negative_points_is_refuted_not_numeric(text, lhs, rhs, capsys):
    # issue 11: these were "numeric", exit 0 (the points where a side is not real were skipped)
    assert main(["verify", "--timeout", GENEROUS, text]) == 1
    out = capsys.readouterr().out
    assert out.startswith("refuted: ")
    line = next(line for line in out.splitlines() if line.startswith("  counterexample: "))
    point = dict(pair.split(" = ") for pair in line.removeprefix("  counterexample: ").split(", "))
    with mpmath.workdps(50):  # the counterexample breaks the statement on mpmath's principal branch too
        values = {name: _mp_rational(v) for name, v in point.items()}
        assert min(values.values()) < 0
        left, right = lhs(**values), rhs(**values)
        assert abs(left - right) > mpmath.mpf(10) ** -40 * max(1, abs(left), abs(right)), (values, left, right)


def test_numeric_says_how_many_points_agreed_and_which_were_not_compared(capsys):
    assert main(["verify", "--timeout", GENEROUS, "--samples", "12", "log(x**2) == 2*log(Abs(x))"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "numeric: log(x**2) == 2*log(Abs(x)) (sampling: 12 random real points agree to 22 digits (not proved); "
        "not compared: a side has no finite value (a pole, log 0, 0/0) at 1 point, e.g. x = 0; "
    )


# Ctrl-C as a terminal sends it: SIGINT to the whole process group, the verification workers included,
# while the third identity is being verified. The command runs in a session of its own.
INTERRUPT_ALL = """
import os, signal, sys, time
from multiprocessing import connection
import symnn.check.workers
from symnn.cli import main

calls = []

def wait(*args, **kwargs):
    calls.append(1)
    if len(calls) == 3:  # workers are running
        # the workers get the signal at once; this process a second later, when they have had time to react
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        os.killpg(0, signal.SIGINT)
        time.sleep(1)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    return connection.wait(*args, **kwargs)

symnn.check.workers.wait = wait
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_in_verify_all_is_one_line_and_exit_130(tmp_path):
    r = subprocess.run(
        [sys.executable, "-c", INTERRUPT_ALL, "verify", "--all"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        start_new_session=True,
    )
    assert (r.returncode, r.stderr, r.stdout) == (130, "symnn: interrupted\n", "")


def test_ctrl_c_in_verify_in_process_is_exit_130(monkeypatch, capsys):
    import symnn.check.identity

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(symnn.check.identity, "verify", interrupted)
    assert main(["verify", "--all"]) == 130
    assert capsys.readouterr() == ("", "symnn: interrupted\n")

"""``symnn verify``: prove, sample or refute an identity, or the whole catalogue."""

from __future__ import annotations

import argparse
import functools
import math
import time

from symnn.check.catalogue import identities
from symnn.check.verification import RELATIONS, verify
from symnn.cli.options import UsageError
from symnn.deadline import run_with_deadline
from symnn.text.latex_input import load_sympy_parser, parse_latex
from symnn.text.parsing import parse

__all__ = ["VERIFY_EXIT", "add_arguments", "run"]

HELP = "prove, sample or refute an identity (or the whole catalogue with --all)"


#: verdict status -> exit status of ``symnn verify``
VERIFY_EXIT: dict[str, int] = {"proved": 0, "numeric": 0, "refuted": 1, "unknown": 3}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("statement", nargs="?", help='a relation, e.g. "diff(sigmoid(x), x) == sigmoid(x)*(1 - sigmoid(x))"')
    p.add_argument("--latex", metavar="TEXT", help=r'the relation in LaTeX, e.g. "\sigma(-x) = 1 - \sigma(x)"')
    p.add_argument("--all", action="store_true", help="verify the whole identity catalogue and print a table")
    p.add_argument("--timeout", type=float, default=5.0, help="budget in seconds per statement (default 5)")
    p.add_argument("--samples", type=int, default=40, help="random real points for the numeric check (default 40)")


def run(args: argparse.Namespace) -> int:

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

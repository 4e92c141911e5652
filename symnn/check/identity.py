"""One entry of the identity catalogue: a named statement, where it comes from, and how to check it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sympy as sp

from symnn.check.verification import RELATIONS, Verdict, verify

__all__ = ["Identity", "real"]


@dataclass(frozen=True)
class Identity:
    """One entry of the catalogue: a named statement, where it comes from, and how to check it.

    Attributes
    ----------
    name : str
        A short identifier (``"sigmoid-derivative"``).
    title : str
        The statement in words and symbols, for tables.
    lhs, rhs : sympy.Basic
        The two sides (matrices allowed for ``==``).
    op : str
        ``"=="``, ``"<="``, ``">="``, ``"<"`` or ``">"``.
    source : str
        The seed note it comes from (``"seed 003"``), or ``""``.
    note : str
        Conditions, and why an entry is only checked numerically where SymPy cannot prove it.
    given : mapping
        Substitutions ``verify`` applies first (a condition such as Σt = 1).
    options : mapping
        Extra arguments to :func:`~symnn.verify` (a shorter ``timeout`` for entries SymPy cannot prove).
    """

    name: str
    title: str
    lhs: sp.Basic
    rhs: sp.Basic
    op: str = "=="
    source: str = ""
    note: str = ""
    given: Mapping[sp.Basic, sp.Basic] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def statement(self) -> sp.Basic:
        """The relation, unevaluated (``Eq`` of two matrices for a matrix identity)."""
        return RELATIONS[self.op](self.lhs, self.rhs, evaluate=False)

    def verify(self, **options: Any) -> Verdict:
        """Check this entry with :func:`~symnn.verify` (``options`` override the entry's own)."""
        relation = self.lhs if self.op == "==" else RELATIONS[self.op](self.lhs, self.rhs, evaluate=False)
        rhs = self.rhs if self.op == "==" else None
        return verify(relation, rhs, given=self.given or None, **{**self.options, **options})

    @cached_property
    def verdict(self) -> Verdict:
        """The verdict of :meth:`verify` with default options, computed once."""
        return self.verify()

    @property
    def status(self) -> str:
        """``"proved"``, ``"numeric"``, ``"refuted"`` or ``"unknown"`` (runs :meth:`verify` the first time)."""
        return self.verdict.status


def real(names: str, **assumptions: Any) -> tuple[sp.Symbol, ...]:
    """Real symbols for the catalogue's statements (``real("x y")``, ``real("z", nonzero=True)``)."""
    return sp.symbols(names, real=True, seq=True, **assumptions)

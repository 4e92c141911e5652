"""The identity catalogue: the facts of the seed notes (and a few more) as statements ``verify`` can check."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache

from symnn.check.catalogue_activations import activations, binary, softmax_identities
from symnn.check.catalogue_calculus import approximation, chain_rules, sums
from symnn.check.catalogue_vectors import units, vectors
from symnn.check.identity import Identity

log = logging.getLogger(__name__)

__all__ = ["Identity", "identities"]

_FAMILIES: tuple[Callable[[], list[Identity]], ...] = (
    activations,
    softmax_identities,
    binary,
    chain_rules,
    sums,
    approximation,
    vectors,
    units,
)


@cache
def _catalogue() -> tuple[Identity, ...]:
    entries = tuple(e for family in _FAMILIES for e in family())
    names = [e.name for e in entries]
    if len(set(names)) != len(names):  # checked once, at first use: names are keys
        raise RuntimeError(f"identity names must be unique: {names}")
    return entries


def identities() -> list[Identity]:
    """The catalogue: every entry with its name, statement, source seed and a way to verify it.

    ``entry.status`` runs :func:`~symnn.verify` on first use; ``entry.verify(timeout=...)`` with options.

    Examples
    --------
    >>> import symnn as sn
    >>> e = {e.name: e for e in sn.identities()}["sigmoid-derivative"]
    >>> e.source, e.status
    ('seed 003', 'proved')
    """
    return list(_catalogue())

"""The blocks a document is made of: headings, prose, equations, numbered steps, tables, code (and figures).

Prose is a ``str`` (the same in every language) or a mapping ``{"en": ..., "ja": ...}``; in prose, ``$…$`` is
inline maths, ``**…**`` bold, ```…``` code and ``{eq:LABEL}`` a reference to a labelled equation ("by (3)"). The
renderers (``latex``, ``markdown``, ``html``) read these.

Labels: a displayed equation may carry a label, and every numbered step has one (``step-3`` unless the builder
named it). The labelled blocks are numbered (1), (2), ... in reading order (:func:`equation_numbers`): in a
document whose only labelled blocks are its steps, step 3's equation is (3).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from symnn.render.diagram import Figure
from symnn.render.words import LANGS, check_lang

__all__ = [
    "Block",
    "Blocks",
    "Code",
    "Equation",
    "Heading",
    "NumberedStep",
    "Paragraph",
    "Table",
    "Text",
    "block_label",
    "check_label",
    "equation_number",
    "equation_numbers",
    "text_in",
]

Text = str | Mapping[str, str]


def text_in(text: Text, lang: str) -> str:
    """``text`` in ``lang``: a plain string is the same in every language."""
    if isinstance(text, str):
        return text
    try:
        return text[check_lang(lang)]
    except KeyError:
        raise ValueError(f"no {lang!r} text in {dict(text)!r}; give one for each of {', '.join(LANGS)}") from None


@dataclass(frozen=True)
class Heading:
    text: Text
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: Text


@dataclass(frozen=True)
class Equation:
    """A displayed formula, LaTeX (may be an ``aligned`` block); numbered when it has a ``label``."""

    tex: str
    label: str | None = None

    def __post_init__(self) -> None:
        if self.label is not None:
            check_label(self.label)


@dataclass(frozen=True)
class NumberedStep:
    """A numbered derivation step: its rule's name (or ``None`` when the equation tags each line with its rule),
    a note, and its equation (LaTeX, the same in every language or one per language). Its equation is labelled
    ``label``, or ``step-<number>`` when none is given."""

    number: int
    rule: Text | None
    note: Text
    tex: Text
    label: str | None = None

    def __post_init__(self) -> None:
        if self.label is not None:
            check_label(self.label)


@dataclass(frozen=True)
class Table:
    header: Sequence[Text]
    rows: Sequence[Sequence[Text]]


@dataclass(frozen=True)
class Code:
    text: str
    language: str = "python"


Block = Heading | Paragraph | Equation | NumberedStep | Table | Code | Figure

_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def check_label(label: str) -> str:
    """``label`` if it is a valid equation label: a letter, then letters, digits and hyphens (``step-3``,
    ``chain-rule``), which every output can carry (LaTeX ``eq:…``, Quarto ``#eq-…``, HTML ids)."""
    if not isinstance(label, str) or not _LABEL.fullmatch(label):
        raise ValueError(
            f"invalid equation label {label!r}: give a letter followed by letters, digits and hyphens, e.g. 'step-3'"
        )
    return label


def block_label(block: Block) -> str | None:
    """The label of a block's equation: its own, ``step-<n>`` for a step without one, ``None`` if unlabelled."""
    if isinstance(block, NumberedStep):
        return block.label or f"step-{block.number}"
    if isinstance(block, Equation):
        return block.label
    return None


def equation_numbers(blocks: Iterable[Block]) -> dict[str, int]:
    """``{label: number}``: the labelled equations numbered 1, 2, ... in reading order.

    Examples
    --------
    >>> equation_numbers([Equation("a"), NumberedStep(1, None, "", "b"), Equation("c", label="key")])
    {'step-1': 1, 'key': 2}
    """
    numbers: dict[str, int] = {}
    for block in blocks:
        label = block_label(block)
        if label is None:
            continue
        if label in numbers:
            raise ValueError(f"equation label {label!r} is used twice; give each labelled equation its own label")
        numbers[label] = len(numbers) + 1
    return numbers


class Blocks(Protocol):
    """What the renderers read of a document (a :class:`~symnn.render.document.Document` has it)."""

    title: Text
    blocks: list[Block]


def equation_number(numbers: Mapping[str, int], label: str) -> int:
    """The number of the equation labelled ``label`` (for a ``{eq:label}`` reference); ``ValueError`` naming the
    labels there are when there is none."""
    try:
        return numbers[label]
    except KeyError:
        known = ", ".join(numbers) or "none"
        raise ValueError(f"{{eq:{label}}} refers to no equation; the labelled equations are: {known}") from None

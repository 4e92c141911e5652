"""The blocks a document is made of: headings, prose, equations, numbered steps, tables, code (and figures).

Prose is a ``str`` (the same in every language) or a mapping ``{"en": ..., "ja": ...}``; in prose, ``$…$`` is
inline maths, ``**…**`` bold and ```…``` code. The renderers (``latex``, ``markdown``) read these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from symnn.render.diagram import Figure
from symnn.render.words import LANGS, check_lang

__all__ = ["Block", "Blocks", "Code", "Equation", "Heading", "NumberedStep", "Paragraph", "Table", "Text", "text_in"]

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
    """A displayed formula, LaTeX (may be an ``aligned`` block)."""

    tex: str


@dataclass(frozen=True)
class NumberedStep:
    """A numbered derivation step: its rule's name (or ``None`` when the equation tags each line with its rule),
    a note, and its equation (LaTeX, the same in every language or one per language)."""

    number: int
    rule: Text | None
    note: Text
    tex: Text


@dataclass(frozen=True)
class Table:
    header: Sequence[Text]
    rows: Sequence[Sequence[Text]]


@dataclass(frozen=True)
class Code:
    text: str
    language: str = "python"


Block = Heading | Paragraph | Equation | NumberedStep | Table | Code | Figure


class Blocks(Protocol):
    """What the renderers read of a document (a :class:`~symnn.render.document.Document` has it)."""

    title: Text
    blocks: list[Block]

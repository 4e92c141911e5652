"""Splitting prose into plain text, ``$…$`` maths, ``**bold**``, ```code``` and ``{eq:LABEL}`` references."""

from __future__ import annotations

import re

__all__ = ["pieces"]

_TOKEN = re.compile(r"(\$[^$]+\$|\*\*[^*]+\*\*|`[^`]+`|\{eq:[A-Za-z][A-Za-z0-9-]*\})")


def pieces(text: str) -> list[tuple[str, str]]:
    """``[(kind, content), ...]`` with kind ``"text"``, ``"math"``, ``"bold"``, ``"code"`` or ``"ref"`` (content: the
    label of ``{eq:LABEL}``).

    Examples
    --------
    >>> pieces("the **error** $\\\\delta$ of `net`")
    [('text', 'the '), ('bold', 'error'), ('text', ' '), ('math', '\\\\delta'), ('text', ' of '), ('code', 'net')]
    >>> pieces("by {eq:step-3},")
    [('text', 'by '), ('ref', 'step-3'), ('text', ',')]
    """
    out: list[tuple[str, str]] = []
    for part in _TOKEN.split(text):
        if not part:
            continue
        if part.startswith("$"):
            out.append(("math", part[1:-1]))
        elif part.startswith("**"):
            out.append(("bold", part[2:-2]))
        elif part.startswith("`"):
            out.append(("code", part[1:-1]))
        elif part.startswith("{eq:"):
            out.append(("ref", part[4:-1]))
        else:
            out.append(("text", part))
    return out

"""Splitting prose into plain text, ``$…$`` maths, ``**bold**`` and ```code``` for the renderers."""

from __future__ import annotations

import re

__all__ = ["pieces"]

_TOKEN = re.compile(r"(\$[^$]+\$|\*\*[^*]+\*\*|`[^`]+`)")


def pieces(text: str) -> list[tuple[str, str]]:
    """``[(kind, content), ...]`` with kind ``"text"``, ``"math"``, ``"bold"`` or ``"code"``.

    Examples
    --------
    >>> pieces("the **error** $\\\\delta$ of `net`")
    [('text', 'the '), ('bold', 'error'), ('text', ' '), ('math', '\\\\delta'), ('text', ' of '), ('code', 'net')]
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
        else:
            out.append(("text", part))
    return out

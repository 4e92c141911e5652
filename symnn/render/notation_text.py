"""Notes written in plain-text notation (``δ^(l)_j``, ``∂C/∂z^(l)_j``) turned into prose with ``$…$`` maths.

A derivation's notes are plain text so that they read anywhere (a terminal, a docstring). In a document the
notation inside them should be typeset: each run of words that look like notation becomes inline maths, and
its Unicode symbols and ``^(l)``/``_jk`` scripts become LaTeX.
"""

from __future__ import annotations

import re

__all__ = ["UNICODE_MATH", "to_prose"]

#: Unicode symbols the notes use -> LaTeX (maths mode).
UNICODE_MATH: dict[str, str] = {
    "δ": r"\delta",
    "Δ": r"\Delta",
    "σ": r"\sigma",
    "θ": r"\theta",
    "η": r"\eta",
    "∂": r"\partial",
    "∇": r"\nabla",
    "Σ": r"\Sigma",
    "⊙": r"\odot",
    "−": "-",
    "·": r"\cdot",
    "×": r"\times",
    "≥": r"\geq",
    "≤": r"\leq",
    "≈": r"\approx",
    "≠": r"\neq",
    "→": r"\to",
    "′": "'",
    "∞": r"\infty",
    "ᵀ": "^{\\top}",
}
_GREEKISH = "".join(k for k in UNICODE_MATH if k not in "−·×≥≤≈≠→′ᵀ")
# A word counts as notation if it has a script, a symbol from the table, or is one of the one-letter names.
_NOTATION = re.compile(rf"[\^_{re.escape(''.join(UNICODE_MATH))}]")
_SINGLE = set("CLbfjklntuvwxyzWXYZ")
_OPERATORS = {"=", "+", "-", "−", "/", "⊙", "·", "×", "≥", "≤", "≈", "→"}
# Punctuation that ends a word but is not part of the maths (ASCII and Japanese).
_TRAILING = ".,;:!?、。：；）"
_LEADING = "（"


def _is_notation(word: str) -> bool:
    core = word.strip(_TRAILING).lstrip(_LEADING)
    if not core:
        return False
    if core in _OPERATORS or core in _SINGLE:
        return True
    if core.startswith("(") and core.endswith(")") and " " not in core and not _NOTATION.search(core):
        return False
    return (bool(_NOTATION.search(core)) and not core.isalpha()) or (bool(core) and core[0] in _GREEKISH)


_SCRIPT = re.compile(r"([\^_])(\([^()]*\)|\{[^{}]*\}|[A-Za-z0-9]+)")


def _latex(math: str) -> str:
    """Plain-text notation as LaTeX: ``δ^(l)_jk`` -> ``\\delta^{(l)}_{jk}``."""

    def script(m: re.Match[str]) -> str:
        body = m.group(2)
        if body.startswith("{"):
            body = body[1:-1]
        return f"{m.group(1)}{{{body}}}"

    out = _SCRIPT.sub(script, math)
    for k, v in UNICODE_MATH.items():
        if k in out:
            # a command followed by a letter needs a space: \delta C, not \deltaC
            out = re.sub(re.escape(k) + r"(?=[A-Za-z])", lambda _m, v=v: v + " ", out)
            out = out.replace(k, v)
    return out


# Split before and after Japanese punctuation too: 「δ^(l)_j、∂z」 are two notation words.
_WORDS = re.compile(r"(\s+|[、。：；（）「」])")


def to_prose(text: str) -> str:
    """Text with its notation turned into ``$…$`` inline maths (text that has ``$`` already is left alone).

    Examples
    --------
    >>> to_prose("∂C/∂b^(l)_j = δ^(l)_j, the error.")
    '$\\\\partial C/\\\\partial b^{(l)}_{j} = \\\\delta^{(l)}_{j}$, the error.'
    >>> to_prose("C は a^(2)_1 を通して z^(2)_1 に依存する。")
    '$C$ は $a^{(2)}_{1}$ を通して $z^{(2)}_{1}$ に依存する。'
    """
    if "$" in text:
        return text
    parts = _WORDS.split(text)
    out: list[str] = []
    run: list[str] = []  # the words (and spaces between them) of the current maths run

    def flush() -> None:
        if not run:
            return
        while run and run[-1].isspace():
            run.pop()
        words = "".join(run)
        tail = ""
        while words and words[-1] in _TRAILING:
            tail = words[-1] + tail
            words = words[:-1]
        if words.strip() in _OPERATORS:  # a lone "=" or "-" is prose
            out.append(words + tail)
        else:
            out.append(f"${_latex(words)}${tail}")
        run.clear()

    for part in parts:
        if not part:
            continue
        if part.isspace():
            (run if run else out).append(part)
            continue
        last = next((w for w in reversed(run) if not w.isspace()), "")
        number_after_operator = last in _OPERATORS and re.fullmatch(r"[-−]?\d+(\.\d+)?[.,;:、。]?", part)
        starts_alone = not run and (part in ("a", "A") or part.strip(_TRAILING) in _OPERATORS)
        if number_after_operator or (_is_notation(part) and not starts_alone):
            run.append(part)
            if part[-1] in _TRAILING:
                flush()
        else:
            spaces = []
            while run and run[-1].isspace():
                spaces.insert(0, run.pop())
            flush()
            out.extend(spaces)
            out.append(part)
    flush()
    return "".join(out)

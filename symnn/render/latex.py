"""LaTeX output: a standalone document for ``pdflatex`` (amsmath, TikZ; CJKutf8 for Japanese) or a fragment.

A labelled equation (every numbered step, and an :class:`~symnn.render.blocks.Equation` given a label) is a
numbered ``equation`` with ``\\label{eq:LABEL}``, so the user's own text can cite it as ``\\eqref{eq:step-3}``;
``{eq:LABEL}`` in prose is written as that ``\\eqref``. Unlabelled equations stay unnumbered, ``\\[…\\]``.
"""

from __future__ import annotations

from symnn.render._prose import pieces
from symnn.render.blocks import (
    Blocks,
    Code,
    Equation,
    Heading,
    NumberedStep,
    Paragraph,
    Table,
    block_label,
    equation_number,
    equation_numbers,
    text_in,
)
from symnn.render.diagram import Figure
from symnn.render.notation_text import UNICODE_MATH
from symnn.render.words import check_lang

__all__ = ["PREAMBLE", "escape", "render"]

#: The packages every symnn document uses; all are in Debian's texlive-latex-base/-recommended/-pictures.
PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[margin=2.5cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{tikz}
\usepackage{booktabs}
\usepackage{verbatim}
\usepackage{parskip}
\renewcommand{\arraystretch}{1.2}
\setlength{\emergencystretch}{3em}
"""

# Characters that mean something to TeX in running text.
_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def escape(text: str) -> str:
    """``text`` safe for TeX's running text.

    Examples
    --------
    >>> escape("50% of w_1 & more")
    '50\\\\% of w\\\\_1 \\\\& more'
    """
    return "".join(_ESCAPES.get(c) or _unicode(c) for c in text)


def _unicode(c: str) -> str:
    # pdflatex's utf8 input knows Latin letters and typographic quotes and dashes, not Greek or maths symbols
    if c in UNICODE_MATH:
        return rf"\ensuremath{{{UNICODE_MATH[c]}}}"
    return c


# Characters that may not begin a line in Japanese (a subset of JIS X 4051's 行頭禁則).
_NO_LINE_START = "、。，．）」』】〕・：；？！ー"


def _prose(text: str, lang: str = "en") -> str:
    out = []
    parts = pieces(text)
    for i, (kind, content) in enumerate(parts):
        if kind == "math":
            if lang != "ja":
                out.append(f"${content}$")
                continue
            # CJKutf8 breaks lines between Japanese characters but not next to maths: allow it there, except
            # before closing punctuation (、。）), which never starts a line (kinsoku)
            after = parts[i + 1][1][:1] if i + 1 < len(parts) else ""
            tail = "" if after and after in _NO_LINE_START else "\\allowbreak{}"
            out.append(f"\\allowbreak ${content}${tail}")
        elif kind == "bold":
            out.append(rf"\textbf{{{_prose(content, lang)}}}")
        elif kind == "code":
            out.append(rf"\texttt{{{escape(content)}}}")
        elif kind == "ref":
            out.append(rf"\eqref{{eq:{content}}}")
        else:
            out.append(escape(content))
    return "".join(out)


def _display(tex: str, label: str | None) -> str:
    if label is None:
        return "\\[\n" + tex + "\n\\]"
    return "\\begin{equation}\\label{eq:" + label + "}\n" + tex + "\n\\end{equation}"


def _check_refs(text: str, numbers: dict[str, int]) -> None:
    for kind, content in pieces(text):
        if kind == "bold":
            _check_refs(content, numbers)
        elif kind == "ref":
            equation_number(numbers, content)


def _block(block, lang: str) -> str:
    if isinstance(block, Heading):
        command = {2: "section*", 3: "subsection*"}.get(block.level, "subsubsection*")
        return rf"\{command}{{{_prose(text_in(block.text, lang), lang)}}}"
    if isinstance(block, Paragraph):
        return _prose(text_in(block.text, lang), lang)
    if isinstance(block, Equation):
        return _display(block.tex, block.label)
    if isinstance(block, NumberedStep):
        note = _prose(text_in(block.note, lang), lang)
        label = ("ステップ " if lang == "ja" else "Step ") + str(block.number)
        head = rf"\noindent\textbf{{{label}}}"
        if block.rule is not None:
            rule = _prose(text_in(block.rule, lang), lang)
            head += rf" \emph{{({rule})}}" if lang == "en" else f"（{rule}）"
        sep = "" if lang == "ja" and block.rule is not None else " "
        # ragged right: a note's inline maths cannot break, and a justified line around it would stretch
        para = "{\\raggedright " + head + (sep + note if note else "") + "\\par}"
        return para + "\n" + _display(text_in(block.tex, lang), block_label(block))
    if isinstance(block, Table):
        cols = "l" * len(block.header)
        lines = [rf"\begin{{center}}\begin{{tabular}}{{{cols}}}", r"\toprule"]
        lines.append(" & ".join(_prose(text_in(h, lang), lang) for h in block.header) + r" \\")
        lines.append(r"\midrule")
        lines += [" & ".join(_prose(text_in(c, lang), lang) for c in row) + r" \\" for row in block.rows]
        lines += [r"\bottomrule", r"\end{tabular}\end{center}"]
        return "\n".join(lines)
    if isinstance(block, Code):
        return "\\begin{verbatim}\n" + block.text + "\n\\end{verbatim}"
    if isinstance(block, Figure):
        return "\\begin{center}\n" + block.tikz + "\n\\end{center}"
    raise TypeError(f"Unsupported block {type(block).__name__}")


def _prose_of(block, lang: str) -> list[str]:
    """The prose of a block (its text, note, rule or cells), where references may stand."""
    if isinstance(block, Heading | Paragraph):
        return [text_in(block.text, lang)]
    if isinstance(block, NumberedStep):
        return [text_in(block.note, lang)] + ([text_in(block.rule, lang)] if block.rule is not None else [])
    if isinstance(block, Table):
        return [text_in(c, lang) for row in [block.header, *block.rows] for c in row]
    return []


def render(doc: Blocks, lang: str = "en", *, standalone: bool = True) -> str:
    """The document as LaTeX; ``standalone=False`` gives the body only (no preamble, no title)."""
    check_lang(lang)
    blocks = [b for b in doc.blocks if not (isinstance(b, Paragraph) and not text_in(b.text, lang))]
    numbers = equation_numbers(doc.blocks)
    for b in blocks:
        for prose in _prose_of(b, lang):
            _check_refs(prose, numbers)
    body = "\n\n".join(_block(b, lang) for b in blocks)
    if not standalone:
        return body + "\n"
    title = _prose(text_in(doc.title, lang), lang)
    head = PREAMBLE + (r"\usepackage{CJKutf8}" + "\n" if lang == "ja" else "")
    head += "\\title{" + title + "}\n\\date{}\n\\begin{document}\n"
    inner = "\\maketitle\n\n" + body + "\n"
    if lang == "ja":
        inner = "\\begin{CJK}{UTF8}{min}\n" + inner + "\\end{CJK}\n"
    return head + inner + "\\end{document}\n"

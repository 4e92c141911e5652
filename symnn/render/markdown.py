"""Markdown output with ``$…$`` and ``$$…$$`` maths that KaTeX (and MathJax) render: Hugo, Zenn, Qiita, Jupyter.

Display maths stands in its own ``$$`` block with blank lines around it, which every one of those parsers reads
as maths. Figures are inline SVG (Jupyter, Hugo) or linked ``.svg`` files (:meth:`Document.write`).
"""

from __future__ import annotations

from symnn.render._prose import pieces
from symnn.render.blocks import Blocks, Code, Equation, Heading, NumberedStep, Paragraph, Table, text_in
from symnn.render.diagram import Figure
from symnn.render.words import check_lang

__all__ = ["render"]


def _prose(text: str) -> str:
    out = []
    for kind, content in pieces(text):
        if kind == "math":
            out.append(f"${content}$")
        elif kind == "bold":
            out.append(f"**{_prose(content)}**")
        elif kind == "code":
            out.append(f"`{content}`")
        else:
            out.append(content)
    return "".join(out)


def _cell(text: str) -> str:
    return _prose(text).replace("|", r"\|")


def render(doc: Blocks, lang: str = "en", *, figures: str | None = None) -> tuple[str, dict[str, str]]:
    """The document as Markdown, and the figure files it links: ``{file name: SVG}`` (empty when inline)."""
    check_lang(lang)
    out = [f"# {_prose(text_in(doc.title, lang))}"]
    files: dict[str, str] = {}
    for block in doc.blocks:
        if isinstance(block, Paragraph) and not text_in(block.text, lang):
            continue  # a sentence one language needs and the other does not
        if isinstance(block, Heading):
            out.append("#" * block.level + " " + _prose(text_in(block.text, lang)))
        elif isinstance(block, Paragraph):
            out.append(_prose(text_in(block.text, lang)))
        elif isinstance(block, Equation):
            out.append(f"$$\n{block.tex}\n$$")
        elif isinstance(block, NumberedStep):
            note = _prose(text_in(block.note, lang))
            head = f"**ステップ {block.number}**" if lang == "ja" else f"**Step {block.number}**"
            if block.rule is not None:
                rule = _prose(text_in(block.rule, lang))
                head += f"（{rule}）" if lang == "ja" else f" (*{rule}*)"
            sep = "" if lang == "ja" and block.rule is not None else " "  # Japanese runs on after a bracket
            out.append(head + (sep + note if note else ""))
            out.append(f"$$\n{text_in(block.tex, lang)}\n$$")
        elif isinstance(block, Table):
            out.append(
                "\n".join(
                    [
                        "| " + " | ".join(_cell(text_in(h, lang)) for h in block.header) + " |",
                        "|" + " --- |" * len(block.header),
                        *("| " + " | ".join(_cell(text_in(c, lang)) for c in row) + " |" for row in block.rows),
                    ]
                )
            )
        elif isinstance(block, Code):
            out.append(f"```{block.language}\n{block.text}\n```")
        elif isinstance(block, Figure):
            if figures is None:
                out.append(block.svg)
            else:
                name = f"{figures}-{block.name}.svg"
                files[name] = block.svg + "\n"
                out.append(f"![{block.name}]({name})")
        else:
            raise TypeError(f"Unsupported block {type(block).__name__}")
    return "\n\n".join(out) + "\n", files

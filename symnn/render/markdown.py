"""Markdown output with ``$…$`` and ``$$…$$`` maths that KaTeX (and MathJax) render: Hugo, Zenn, Qiita, Jupyter.

Display maths stands in its own ``$$`` block with blank lines around it, which every one of those parsers reads
as maths. Figures are inline SVG (Jupyter, Hugo) or linked ``.svg`` files (:meth:`Document.write`). A ``flavor``
(:mod:`symnn.render.flavours`) writes maths, equation numbers and references as GitHub, Zenn, Qiita, MyST or
Quarto want them; the default ``katex`` is the plain form above, without numbers.
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
from symnn.render.flavours import Flavour, flavour
from symnn.render.words import check_lang

__all__ = ["render"]


class _Writer:
    """Prose and displays in one flavour, with the document's equation numbers for references."""

    def __init__(self, style: Flavour, numbers: dict[str, int]) -> None:
        self.style, self.numbers = style, numbers

    def prose(self, text: str) -> str:
        out = []
        parts = pieces(text)
        for i, (kind, content) in enumerate(parts):
            if kind == "math":
                before = parts[i - 1][1] if i > 0 and parts[i - 1][0] == "text" else ""
                after = parts[i + 1][1] if i + 1 < len(parts) and parts[i + 1][0] == "text" else ""
                out.append(self.style.inline(content, before, after))
            elif kind == "bold":
                out.append(f"**{self.prose(content)}**")
            elif kind == "code":
                out.append(f"`{content}`")
            elif kind == "ref":
                out.append(self.style.ref(content, equation_number(self.numbers, content)))
            else:
                out.append(content)
        return "".join(out)

    def cell(self, text: str) -> str:
        return self.prose(text).replace("|", r"\|")

    def display(self, tex: str, label: str | None) -> list[str]:
        number = None if label is None else self.numbers[label]
        anchor = None if label is None else self.style.anchor(label)
        return [*([anchor] if anchor else []), self.style.display(tex, label, number)]


def render(
    doc: Blocks, lang: str = "en", *, figures: str | None = None, flavor: str = "katex"
) -> tuple[str, dict[str, str]]:
    """The document as Markdown, and the figure files it links: ``{file name: SVG}`` (empty when inline).

    ``flavor`` is one of :data:`~symnn.render.flavours.FLAVOURS` (``katex``, ``github``, ``zenn``, ``qiita``,
    ``myst``, ``quarto``)."""
    check_lang(lang)
    w = _Writer(flavour(flavor), equation_numbers(doc.blocks))
    out = [f"# {w.prose(text_in(doc.title, lang))}"]
    files: dict[str, str] = {}
    for block in doc.blocks:
        if isinstance(block, Paragraph) and not text_in(block.text, lang):
            continue  # a sentence one language needs and the other does not
        if isinstance(block, Heading):
            out.append("#" * block.level + " " + w.prose(text_in(block.text, lang)))
        elif isinstance(block, Paragraph):
            out.append(w.prose(text_in(block.text, lang)))
        elif isinstance(block, Equation):
            out += w.display(block.tex, block.label)
        elif isinstance(block, NumberedStep):
            note = w.prose(text_in(block.note, lang))
            head = f"**ステップ {block.number}**" if lang == "ja" else f"**Step {block.number}**"
            if block.rule is not None:
                rule = w.prose(text_in(block.rule, lang))
                head += f"（{rule}）" if lang == "ja" else f" (*{rule}*)"
            sep = "" if lang == "ja" and block.rule is not None else " "  # Japanese runs on after a bracket
            out.append(head + (sep + note if note else ""))
            out += w.display(text_in(block.tex, lang), block_label(block))
        elif isinstance(block, Table):
            out.append(
                "\n".join(
                    [
                        "| " + " | ".join(w.cell(text_in(h, lang)) for h in block.header) + " |",
                        "|" + " --- |" * len(block.header),
                        *("| " + " | ".join(w.cell(text_in(c, lang)) for c in row) + " |" for row in block.rows),
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

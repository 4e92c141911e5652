"""``Document``: a derivation as blocks (:mod:`symnn.render.blocks`), in two languages, built then rendered.

Renderers (``latex``, ``markdown``) turn the same blocks into LaTeX or Markdown. Prose is a ``str`` (the same in
every language) or a mapping ``{"en": ..., "ja": ...}``; in prose, ``$…$`` is inline maths, ``**…**`` bold and
```…``` code.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp

from symnn.io import write_atomic
from symnn.render.blocks import Block, Code, Equation, Heading, NumberedStep, Paragraph, Table, Text
from symnn.render.diagram import Figure
from symnn.render.formula import equation, equation_lines
from symnn.render.html import render as html_render
from symnn.render.latex import render as latex_render
from symnn.render.markdown import render as markdown_render
from symnn.render.words import LANGS

__all__ = ["Document"]


@dataclass
class Document:
    """A document under construction: add blocks in reading order, then render or write it.

    Examples
    --------
    >>> import sympy as sp
    >>> doc = Document({"en": "Chain rule", "ja": "連鎖律"})
    >>> x = sp.Symbol("x")
    >>> doc.text({"en": "Differentiate $x^2$:", "ja": "$x^2$ を微分します。"})
    >>> doc.equation(sp.Derivative(x**2, x), 2 * x)
    >>> print(doc.to_markdown(lang="ja"))
    # 連鎖律
    <BLANKLINE>
    $x^2$ を微分します。
    <BLANKLINE>
    $$
    \\frac{d}{d x} x^{2} = 2 x
    $$
    <BLANKLINE>
    """

    title: Text
    blocks: list[Block] = field(default_factory=list)

    # -- building ----------------------------------------------------------------------

    def add(self, block: Block) -> None:
        """Append a block."""
        self.blocks.append(block)

    def heading(self, text: Text, level: int = 2) -> None:
        """A section heading (level 2) or subsection (level 3)."""
        if level not in (2, 3, 4):
            raise ValueError(f"heading level must be 2 (section), 3 (subsection) or 4, got {level!r}")
        self.add(Heading(text, level))

    def text(self, text: Text) -> None:
        """A paragraph of prose (``$…$`` maths, ``**bold**``, ```code```)."""
        self.add(Paragraph(text))

    def math(self, tex: str, *, label: str | None = None) -> None:
        """A displayed formula given as LaTeX; numbered, and citable as ``{eq:label}``, when given a ``label``."""
        self.add(Equation(tex, label))

    def equation(
        self, lhs: sp.Basic | str, rhs: sp.Basic | str, relation: str = "=", *, label: str | None = None
    ) -> None:
        """A displayed equation ``lhs = rhs``, broken across lines when long; numbered when given a ``label``."""
        self.add(Equation(equation(lhs, rhs, relation=relation), label))

    def equations(self, pairs: Sequence[tuple[sp.Basic | str, sp.Basic | str]], *, label: str | None = None) -> None:
        """Several short equations aligned at their ``=`` in one display (one number when given a ``label``)."""
        lines = [line for lhs, rhs in pairs for line in equation_lines(lhs, rhs)]
        self.add(Equation("\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}", label))

    def step(
        self, rule: Text | None, note: Text, lhs: sp.Basic | str, rhs: sp.Basic | Text, *, label: str | None = None
    ) -> None:
        """A numbered step: the rule it uses, a note, and its equation, labelled ``label`` (default
        ``step-<number>``) so that prose can cite it as ``{eq:step-3}``.

        With ``rule=None``, ``rhs`` is the whole equation as LaTeX already (per language if it names rules)."""
        number = 1 + sum(isinstance(b, NumberedStep) for b in self.blocks)
        tex = rhs if rule is None else equation(lhs, rhs)
        self.add(NumberedStep(number, rule, note, tex, label))

    def table(self, header: Sequence[Text], rows: Sequence[Sequence[Text]]) -> None:
        """A table; cells are prose (``$…$`` for maths)."""
        self.add(Table(list(header), [list(r) for r in rows]))

    def code(self, text: str, language: str = "python") -> None:
        """A code listing."""
        self.add(Code(text.rstrip("\n"), language))

    def figure(self, figure: Figure) -> None:
        """A picture (TikZ in LaTeX, SVG in Markdown)."""
        self.add(figure)

    def extend(self, other: Document, *, demote: bool = True) -> None:
        """Append another document's blocks: its title is dropped, its sections become subsections (``demote``)
        and its steps continue this document's numbering."""
        number = sum(isinstance(b, NumberedStep) for b in self.blocks)
        for block in other.blocks:
            if isinstance(block, Heading) and demote:
                block = Heading(block.text, min(block.level + 1, 4))
            elif isinstance(block, NumberedStep):
                number += 1
                block = NumberedStep(number, block.rule, block.note, block.tex, block.label)
            self.blocks.append(block)

    # -- output ------------------------------------------------------------------------

    def to_latex(self, lang: str = "en", *, standalone: bool = True) -> str:
        """LaTeX: a whole document for ``pdflatex`` (amsmath, TikZ; CJKutf8 for Japanese) or a fragment."""
        return latex_render(self, lang, standalone=standalone)

    def to_markdown(self, lang: str = "en", *, figures: str | None = None, flavor: str = "katex") -> str:
        """Markdown with ``$…$``/``$$…$$`` maths for KaTeX; figures inline as SVG, or linked as
        ``<figures>-<name>.svg`` files when ``figures`` is a file-name prefix (see :meth:`write`).

        ``flavor`` writes maths, equation numbers and references for one platform: ``katex`` (default, no
        numbers), ``github``, ``zenn``, ``qiita``, ``myst`` or ``quarto`` (:mod:`symnn.render.flavours`)."""
        return markdown_render(self, lang, figures=figures, flavor=flavor)[0]

    def to_html(self, lang: str = "en") -> str:
        """One self-contained HTML page (KaTeX inlined: it opens offline), figures inline as SVG."""
        return html_render(self, lang)

    def write(
        self,
        folder: str | os.PathLike[str],
        stem: str,
        *,
        langs: Sequence[str] = LANGS,
        force: bool = True,
    ) -> list[Path]:
        """Write ``<stem>.md``/``.tex`` (English) and ``<stem>.ja.md``/``.ja.tex``, and the SVG figures.

        Files are written atomically; returns the paths written, in order.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for lang in langs:
            suffix = "" if lang == "en" else f".{lang}"
            md, files = markdown_render(self, lang, figures=stem)
            written.append(write_atomic(folder / f"{stem}{suffix}.md", md, force=force))
            for name, svg in files.items():
                path = folder / name
                if path not in written:
                    written.append(write_atomic(path, svg, force=force))
            written.append(write_atomic(folder / f"{stem}{suffix}.tex", self.to_latex(lang), force=force))
        return written

    def formulas(self) -> list[str]:
        """Every displayed formula's LaTeX (inline ``$…$`` maths is in the rendered prose)."""
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Equation | NumberedStep):
                out += [b.tex] if isinstance(b.tex, str) else [b.tex[lang] for lang in LANGS]
        return out

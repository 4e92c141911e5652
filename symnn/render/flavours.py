"""Markdown flavours: how each platform wants its maths, equation numbers and cross-references written.

Every platform reads ``$…$`` and ``$$…$$`` a little differently, and most run their Markdown parser over the text
before (or instead of) a maths parser, so ``_``, ``*``, ``\\\\`` and ``\\{`` inside a formula can be eaten as emphasis
or escapes. Each flavour below writes maths in the form its platform documents as safe:

``katex`` (the default)
    ``$…$`` and ``$$…$$`` blocks, no equation numbers: the output symnn always wrote, which KaTeX's auto-render,
    MathJax, Hugo and Jupyter read.
``github``
    Display maths as a ```` ```math ```` block and inline maths as ``$`…`$``: GitHub documents both forms, the
    backtick one "useful when the expression ... contains characters that overlap with markdown syntax"; inside a
    code fence or code span nothing is parsed as Markdown ("Writing mathematical expressions", docs.github.com,
    get-started/writing-on-github/working-with-advanced-formatting/writing-mathematical-expressions). Numbers as
    ``\\tag{n}`` (MathJax), an ``<a id="eq-…">`` anchor before each numbered display, references as links to it.
``zenn``
    ``$…$`` and ``$$…$$`` with blank lines around the block, as Zenn's guide ("ZennのMarkdown記法", zenn.dev/zenn/
    articles/markdown-guide, 数式) shows. Zenn's KaTeX rule (zenn-editor, packages/zenn-markdown-html/src/utils/
    md-katex.ts) runs before markdown-it's escape and emphasis rules, so the formula reaches KaTeX untouched, but
    it takes ``$…$`` only with no space just inside the dollars, no digit or backslash before the opening one and
    no digit after the closing one, and a ``$$`` block only if it holds no ``$``. Numbers as ``\\tag{n}``.
``qiita``
    Display maths as a ```` ```math ```` block and inline maths as ``$`…`$`` ("Markdown記法 チートシート",
    qiita.com/Qiita/items/c686397e4a0f4f11683d, Math - 数式の挿入). Qiita's Markdown runs first: in plain ``$…$``
    a ``\\\\`` or ``\\{`` loses its backslash and ``_`` can start emphasis (the long-standing advice was to write
    ``\\\\{`` and ``\\_``); the code forms need no escaping. Numbers as ``\\tag{n}`` (MathJax).
``myst``
    MyST Markdown (Jupyter Book, Sphinx): ``$…$`` and ``$$…$$ (eq-label)``, the dollarmath extension's labelled
    display, cited by the ``{eq}`` role (myst-parser.readthedocs.io, syntax/math: "Dollar delimited math").
``quarto``
    Pandoc's ``$…$`` (no space inside the dollars, no digit right after the closing one) and ``$$…$$ {#eq-label}``,
    cited as ``@eq-label`` (quarto.org/docs/authoring/cross-references.html, Equations).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FLAVOURS", "Flavour", "flavour"]


@dataclass(frozen=True)
class Flavour:
    """How one platform writes inline maths, displayed maths and references to numbered equations."""

    name: str
    inline_code: bool  # inline maths as $`…`$ (GitHub, Qiita) rather than $…$
    fence: bool  # displayed maths as a ```math block rather than $$…$$
    tag: bool  # number a labelled display with \tag{n} (platforms without their own numbering)
    anchors: bool  # an <a id="eq-…"> before a numbered display, and references linking to it

    def inline(self, tex: str, before: str = "", after: str = "") -> str:
        """Inline maths between the text ``before`` and ``after`` it: where a dollar rule refuses a formula next to
        a digit or a backslash (Zenn, Pandoc), a space keeps them apart (the default ``katex`` writes it as is)."""
        if self.inline_code:
            return f"$`{tex.strip()}`$"
        if self.name == "katex":
            return f"${tex}$"
        lead = " " if before[-1:].isdigit() or before[-1:] == "\\" else ""
        trail = " " if after[:1].isdigit() else ""
        return f"{lead}${tex.strip()}${trail}"

    def display(self, tex: str, label: str | None, number: int | None) -> str:
        """A displayed formula; ``label`` and ``number`` when it is numbered."""
        if label is not None and self.tag:
            tex = f"{tex} \\tag{{{number}}}"
        if self.fence:
            return f"```math\n{tex}\n```"
        if label is not None and self.name == "myst":
            return f"$$\n{tex}\n$$ (eq-{label})"
        if label is not None and self.name == "quarto":
            return f"$$\n{tex}\n$$ {{#eq-{label}}}"
        return f"$$\n{tex}\n$$"

    def anchor(self, label: str) -> str | None:
        """An HTML anchor to write before the display labelled ``label``, if the platform keeps one."""
        return f'<a id="eq-{label}"></a>' if self.anchors else None

    def ref(self, label: str, number: int) -> str:
        """A reference to the equation labelled ``label``, numbered ``number``."""
        if self.name == "myst":
            return f"{{eq}}`eq-{label}`"
        if self.name == "quarto":
            return f"@eq-{label}"
        if self.anchors:
            return f"[({number})](#eq-{label})"
        return f"({number})"


#: The Markdown flavours, by name; ``katex`` is the default.
FLAVOURS: dict[str, Flavour] = {
    "katex": Flavour("katex", inline_code=False, fence=False, tag=False, anchors=False),
    "github": Flavour("github", inline_code=True, fence=True, tag=True, anchors=True),
    "zenn": Flavour("zenn", inline_code=False, fence=False, tag=True, anchors=False),
    "qiita": Flavour("qiita", inline_code=True, fence=True, tag=True, anchors=False),
    "myst": Flavour("myst", inline_code=False, fence=False, tag=False, anchors=False),
    "quarto": Flavour("quarto", inline_code=False, fence=False, tag=False, anchors=False),
}


def flavour(name: str) -> Flavour:
    """The flavour called ``name``; ``ValueError`` naming the choices for any other."""
    try:
        return FLAVOURS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown Markdown flavour {name!r}; valid choices: {', '.join(FLAVOURS)}") from None

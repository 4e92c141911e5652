"""A document as one self-contained HTML page: KaTeX (script, stylesheet and fonts) inlined, so it opens offline.

Every formula is written as its LaTeX source in an element of class ``math`` and typeset by KaTeX when the page
loads (``throwOnError: false``: a formula KaTeX cannot read shows as ``.katex-error``, which the browser tests
count). Long formulas and tables scroll inside their own box, never the page; every heading, step and displayed
equation has an anchor (``#step-3``, ``#eq-5``, ``#s-2``); a labelled equation (every step's, and an equation
given a label) is numbered with ``\\tag{n}`` and anchored ``#eq-LABEL`` (``#eq-step-3``), where ``{eq:LABEL}`` in
prose links to it as "(n)". KaTeX 0.16 is vendored under ``assets/katex`` (MIT,
its licence beside it): Python has no TeX-to-HTML typesetter of KaTeX's quality, and a CDN would need the network.
"""

from __future__ import annotations

import base64
import html
import re
from functools import cache
from importlib import resources

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
from symnn.render.words import check_lang

__all__ = ["render"]

_STEP = {"en": "Step {n}", "ja": "ステップ {n}"}

_STYLE = """
:root { color-scheme: light; }
body { margin: 0 auto; max-width: 48rem; padding: 1rem; line-height: 1.6; color: #1b1b1b; background: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK JP", "Hiragino Sans",
  "Hiragino Kaku Gothic ProN", "Yu Gothic", Meiryo, "IPAexGothic", "IPAGothic", sans-serif; }
h1, h2, h3, h4 { line-height: 1.25; }
a.anchor { margin-left: .4em; color: #999; text-decoration: none; font-size: .8em; }
.display { overflow-x: auto; overflow-y: hidden; max-width: 100%; padding: .2em 0; }
.table { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .2em .5em; vertical-align: top; }
pre { overflow-x: auto; background: #f6f6f6; padding: .6em; }
figure { margin: 1em 0; overflow-x: auto; } figure svg { max-width: 100%; height: auto; }
.step { margin: 1.2em 0; }
@media print { a.anchor { display: none; } .display, .table, pre, figure { overflow: visible; }
  h2, h3, h4 { break-after: avoid; } .step, .display { break-inside: avoid; } }
"""

_TYPESET = """
for (const el of document.querySelectorAll(".math")) {
  katex.render(el.textContent, el, {displayMode: el.classList.contains("display"), throwOnError: false});
}
"""


@cache
def _katex() -> tuple[str, str]:
    """KaTeX's script, and its stylesheet with the woff2 fonts as data URIs (every browser KaTeX supports reads
    woff2, so the woff and ttf fallbacks are dropped)."""
    folder = resources.files("symnn.render") / "assets" / "katex"
    script = (folder / "katex.min.js").read_text(encoding="utf-8")
    css = (folder / "katex.min.css").read_text(encoding="utf-8")

    def font(m: re.Match[str]) -> str:
        data = base64.b64encode((folder / "fonts" / m["name"]).read_bytes()).decode("ascii")
        return f'url(data:font/woff2;base64,{data}) format("woff2")'

    css = re.sub(r'url\(fonts/(?P<name>[^)]+\.woff2)\) format\("woff2"\)(,url\([^)]*\) format\("[a-z]+"\))*', font, css)
    return script, css


def _prose(text: str, numbers: dict[str, int] | None = None) -> str:
    out = []
    for kind, content in pieces(text):
        if kind == "math":
            out.append(f'<span class="math">{html.escape(content)}</span>')
        elif kind == "bold":
            out.append(f"<strong>{_prose(content, numbers)}</strong>")
        elif kind == "ref":
            out.append(f'<a href="#eq-{content}">({equation_number(numbers or {}, content)})</a>')
        elif kind == "code":
            out.append(f"<code>{html.escape(content)}</code>")
        else:
            out.append(html.escape(content))
    return "".join(out)


def _display(tex: str, anchor: str, number: int | None = None) -> str:
    if number is not None:
        tex = f"{tex} \\tag{{{number}}}"
    return f'<div class="display" id="{anchor}"><div class="math display">{html.escape(tex)}</div></div>'


def _table(block: Table, lang: str, numbers: dict[str, int]) -> str:
    head = "".join(f"<th>{_prose(text_in(h, lang), numbers)}</th>" for h in block.header)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_prose(text_in(c, lang), numbers)}</td>" for c in row) + "</tr>" for row in block.rows
    )
    return f'<div class="table"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


def _body(doc: Blocks, lang: str) -> list[str]:
    out, equations, sections = [], 0, 0
    numbers = equation_numbers(doc.blocks)
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            text = text_in(block.text, lang)
            if text:  # a sentence one language needs and the other does not
                out.append(f"<p>{_prose(text, numbers)}</p>")
        elif isinstance(block, Heading):
            sections += 1
            level = min(block.level, 4)
            out.append(
                f'<h{level} id="s-{sections}">{_prose(text_in(block.text, lang), numbers)}'
                f'<a class="anchor" href="#s-{sections}" aria-label="link">#</a></h{level}>'
            )
        elif isinstance(block, Equation):
            equations += 1
            label = block.label
            anchor = f"eq-{equations}" if label is None else f"eq-{label}"
            out.append(_display(block.tex, anchor, None if label is None else numbers[label]))
        elif isinstance(block, NumberedStep):
            equations += 1
            head = f"<strong>{_STEP[lang].format(n=block.number)}</strong>"
            if block.rule is not None:
                rule = _prose(text_in(block.rule, lang), numbers)
                head += f"（{rule}）" if lang == "ja" else f" (<em>{rule}</em>)"
            note = _prose(text_in(block.note, lang), numbers)
            label = block_label(block)
            sep = "" if lang == "ja" and block.rule is not None else " "
            out.append(
                f'<section class="step" id="step-{block.number}"><p>{head}{sep + note if note else ""}'
                f'<a class="anchor" href="#step-{block.number}" aria-label="link">#</a></p>'
                f"{_display(text_in(block.tex, lang), f'eq-{label}', numbers[label])}</section>"
            )
        elif isinstance(block, Table):
            out.append(_table(block, lang, numbers))
        elif isinstance(block, Code):
            out.append(
                f'<pre><code class="language-{html.escape(block.language)}">{html.escape(block.text)}</code></pre>'
            )
        elif isinstance(block, Figure):
            out.append(f'<figure id="fig-{html.escape(block.name)}">{block.svg}</figure>')
        else:
            raise TypeError(f"Unsupported block {type(block).__name__}")
    return out


def render(doc: Blocks, lang: str = "en") -> str:
    """The document as a standalone HTML page in ``lang`` (``en`` or ``ja``), KaTeX inlined."""
    check_lang(lang)
    script, css = _katex()
    title = text_in(doc.title, lang)
    plain_title = html.escape("".join(c for k, c in pieces(title)))
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{lang}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{plain_title}</title>",
            f"<style>{css}</style>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            "<main>",
            f"<h1>{_prose(title)}</h1>",
            *_body(doc, lang),
            "</main>",
            f"<script>{script}</script>",
            f"<script>{_TYPESET}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )

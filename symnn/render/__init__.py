"""Publishing: derivations and networks as LaTeX, Markdown with KaTeX maths, JSON; diagrams; the code view.

The renderers read symnn's objects (``MLP``, ``Derivation``, ``Verdict``) and build a :class:`Document`, which
prints as a standalone LaTeX document or fragment (:mod:`symnn.render.latex`) or as Markdown
(:mod:`symnn.render.markdown`).
"""

import os
from pathlib import Path
from typing import Any

from symnn.derive.backprop import backprop
from symnn.io import write_atomic
from symnn.model import display
from symnn.render import json as json_render
from symnn.render.build import results_latex
from symnn.render.diagram import Figure, activation_plot, network_diagram
from symnn.render.document import Document
from symnn.render.documents import derivation_document, network_document
from symnn.render.flavours import FLAVOURS, flavour
from symnn.render.formula import equation, equation_lines, latex
from symnn.render.markdown import render as markdown
from symnn.render.notes import step_note
from symnn.render.words import check_lang

__all__ = [
    "FLAVOURS",
    "FORMATS",
    "Document",
    "Figure",
    "activation_plot",
    "derivation_document",
    "derive_document",
    "equation",
    "latex",
    "network_diagram",
    "network_document",
    "write_derivation",
]

#: The formats :func:`derive_document` writes.
FORMATS: tuple[str, ...] = ("markdown", "latex", "json", "html")


def derive_document(
    net: Any, *, fmt: str = "markdown", lang: str = "en", flavor: str = "katex", expanded: bool = False, **options: Any
) -> str:
    """Derive backpropagation for ``net`` and render it: ``markdown`` (in ``flavor``: ``katex``, ``github``,
    ``zenn``, ``qiita``, ``myst``, ``quarto``), ``latex`` (standalone), ``json`` or ``html`` (one self-contained page).
    ``expanded`` (JSON only) writes every gradient out in the inputs and parameters too
    (:func:`symnn.render.json.chunks`).

    This is what ``symnn derive`` prints. ``options`` (``view``, ``layout``, ``shapes``) go to
    :func:`derivation_document`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; valid choices: {', '.join(FORMATS)}")
    check_lang(lang)
    flavour(flavor)  # before the derivation runs
    _check_expanded(fmt, expanded)
    d = backprop(net)
    if fmt == "json":
        return json_render.render(d, expanded=expanded)
    doc = derivation_document(d, **options)
    if fmt == "markdown":
        return doc.to_markdown(lang, flavor=flavor)
    return {"latex": doc.to_latex, "html": doc.to_html}[fmt](lang)


def _check_expanded(fmt: str, expanded: bool) -> None:
    if expanded and fmt != "json":
        raise ValueError(f"expanded gradients are a choice of the json format, not of {fmt}")


def write_derivation(
    net: Any,
    path: str | os.PathLike[str],
    *,
    fmt: str = "markdown",
    lang: str = "en",
    force: bool = False,
    flavor: str = "katex",
    expanded: bool = False,
    **options: Any,
) -> list[Path]:
    """Derive backpropagation for ``net`` and write it to ``path``; ``symnn derive -o`` calls this.

    Markdown links its figures as ``<stem>-<name>.svg`` files written beside it (blog platforms such as
    Zenn and Qiita strip inline SVG); LaTeX, JSON and HTML (KaTeX and figures inlined) are one file. Every
    file is written atomically, and none is written when one of them exists and ``force`` is false. JSON is
    written piece by piece as it is printed (``expanded``: see :func:`derive_document`).

    Returns
    -------
    list[Path]
        The files written, the document last.
    """
    path = Path(path)
    if path.is_dir():  # before anything is written: no figure is left beside a document that cannot be
        raise IsADirectoryError(f"cannot write {path}: it is a directory")
    _check_expanded(fmt, expanded)
    if fmt == "json":
        check_lang(lang)
        if path.exists() and not force:
            raise FileExistsError(f"{path} exists; pass --force to overwrite")
        return [json_render.write(backprop(net), path, expanded=expanded, force=force)]
    if fmt == "markdown":
        flavour(flavor)
        text, figures = markdown(derivation_document(backprop(net), **options), lang, figures=path.stem, flavor=flavor)
    else:
        text, figures = derive_document(net, fmt=fmt, lang=lang, **options), {}
    targets = [path.parent / name for name in figures] + [path]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not force:
        raise FileExistsError(f"{', '.join(existing)} exists; pass --force to overwrite")
    written = [write_atomic(path.parent / name, svg, force=force) for name, svg in figures.items()]
    return [*written, write_atomic(path, text, force=force)]


def _network_latex(net: Any) -> str:
    lines = [line for lhs, rhs in net.matrix_view.equations for line in equation_lines(lhs, rhs)]
    return "$\\displaystyle \\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}$"


# the objects of the earlier stages show themselves through these (symnn.model.display)
display.register(
    "derivation markdown", lambda d, lang, flavor="katex": derivation_document(d).to_markdown(lang, flavor=flavor)
)
display.register("derivation html", lambda d, lang: derivation_document(d).to_html(lang))
display.register(
    "derivation latex", lambda d, lang, standalone: derivation_document(d).to_latex(lang, standalone=standalone)
)
display.register("derivation results latex", results_latex)
display.register("network markdown", lambda net: network_document(net).to_markdown())
display.register("network latex", _network_latex)
display.register("step note", step_note)

"""Publishing: derivations and networks as LaTeX, Markdown with KaTeX maths, JSON; diagrams; the code view.

The renderers read symnn's objects (``MLP``, ``Derivation``, ``Verdict``) and build a :class:`Document`, which
prints as a standalone LaTeX document or fragment (:mod:`symnn.render.latex`) or as Markdown
(:mod:`symnn.render.markdown`).
"""

from typing import Any

from symnn.render.build import derivation_document, network_document
from symnn.render.diagram import Figure, activation_plot, network_diagram
from symnn.render.document import Document
from symnn.render.formula import equation, latex

__all__ = [
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
]

#: The formats :func:`derive_document` writes.
FORMATS: tuple[str, ...] = ("markdown", "latex", "json")


def derive_document(net: Any, *, fmt: str = "markdown", lang: str = "en") -> str:
    """Derive backpropagation for ``net`` and render it: ``markdown``, ``latex`` (standalone) or ``json``.

    This is what ``symnn derive`` prints.
    """
    import symnn
    from symnn.render import json as json_render
    from symnn.render.words import check_lang

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; valid choices: {', '.join(FORMATS)}")
    check_lang(lang)
    d = symnn.backprop(net)
    if fmt == "json":
        return json_render.render(d)
    doc = derivation_document(d)
    return doc.to_latex(lang) if fmt == "latex" else doc.to_markdown(lang)

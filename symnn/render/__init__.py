"""Publishing: derivations and networks as LaTeX, Markdown with KaTeX maths, JSON; diagrams; the code view.

The renderers read symnn's objects (``MLP``, ``Derivation``, ``Verdict``) and build a :class:`Document`, which
prints as a standalone LaTeX document or fragment (:mod:`symnn.render.latex`) or as Markdown
(:mod:`symnn.render.markdown`).
"""

from symnn.render.build import network_document
from symnn.render.diagram import Figure, activation_plot, network_diagram
from symnn.render.document import Document
from symnn.render.formula import equation, latex

__all__ = [
    "Document",
    "Figure",
    "activation_plot",
    "equation",
    "latex",
    "network_diagram",
    "network_document",
]

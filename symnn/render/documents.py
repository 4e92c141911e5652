"""Which document a derivation or a network gets: an MLP's (:mod:`symnn.render.build`) or that of a Network of
layers (:mod:`symnn.render.graph_doc`). The package's ``derivation_document`` and ``network_document`` are these."""

from __future__ import annotations

from typing import Any

from symnn.model.network import MLP
from symnn.render.build import add_verdict
from symnn.render.build import derivation_document as mlp_derivation_document
from symnn.render.build import network_document as mlp_network_document
from symnn.render.document import Document
from symnn.render.graph_doc import graph_derivation_document, graph_network_document
from symnn.render.index_doc import index_derivation_document

__all__ = ["MAX_ELEMENT_WEIGHTS", "VIEWS", "derivation_document", "network_document", "resolve_view"]

#: the views of an MLP's derivation: every unit written out, or index notation for any width; auto picks by size
VIEWS: tuple[str, ...] = ("auto", "index", "element")
#: ``view="auto"`` writes an MLP with at most this many weights unit by unit (the seeds' networks, the CLI's
#: default 2-3-2), a larger one in index notation
MAX_ELEMENT_WEIGHTS = 50


def resolve_view(net: Any, view: str) -> str:
    """``"index"`` or ``"element"``: the view ``view`` names for ``net`` (``"auto"`` decides by its size)."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; valid choices: {', '.join(VIEWS)}")
    if view != "auto":
        return view
    if not isinstance(net, MLP):
        return "element"
    weights = sum(a * b for a, b in zip(net.sizes, net.sizes[1:], strict=False))
    return "element" if weights <= MAX_ELEMENT_WEIGHTS else "index"


def derivation_document(
    d: Any,
    *,
    verdict: Any = None,
    explicit: bool | None = None,
    view: str = "auto",
    layout: str = "denominator",
    shapes: bool = True,
) -> Document:
    """The whole derivation as a document; see :func:`symnn.render.build.derivation_document` for an MLP's (and a
    chain rule's), :func:`symnn.render.index_doc.index_derivation_document` for an MLP's in index notation and
    :func:`symnn.render.graph_doc.graph_derivation_document` for a Network's.

    ``explicit`` (show each gradient written out in x, t and the parameters) applies to an MLP's element view;
    ``view`` (``"auto"``, ``"index"``, ``"element"``), ``layout`` (``"denominator"`` or ``"numerator"``) and
    ``shapes`` (the shapes of the factors under each matrix equation) to an MLP's document. A Network of layers has
    the element view only (its layers have no index view yet): ``view="index"`` is a ValueError there.
    """
    net = getattr(d, "network", None)
    chosen = resolve_view(net, view)
    if isinstance(net, MLP) and chosen == "index":
        return index_derivation_document(d, verdict=verdict, layout=layout, shapes=shapes)
    if net is not None and not isinstance(net, MLP) and view == "index":
        raise ValueError("view='index' is for an MLP; a Network of layers has the element view only")
    if net is None or isinstance(net, MLP):
        return mlp_derivation_document(d, verdict=verdict, explicit=explicit, layout=layout, shapes=shapes)
    doc = graph_derivation_document(d)
    if verdict is not None:
        add_verdict(doc, verdict)
    return doc


def network_document(net: Any) -> Document:
    """A document describing the network (an ``MLP`` or a ``Network`` of layers)."""
    return mlp_network_document(net) if isinstance(net, MLP) else graph_network_document(net)

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

__all__ = ["derivation_document", "network_document"]


def derivation_document(d: Any, *, verdict: Any = None, explicit: bool | None = None) -> Document:
    """The whole derivation as a document; see :func:`symnn.render.build.derivation_document` for an MLP's (and a
    chain rule's) and :func:`symnn.render.graph_doc.graph_derivation_document` for a Network's.

    ``explicit`` (show each gradient written out in x, t and the parameters) applies to an MLP's document.
    """
    net = getattr(d, "network", None)
    if net is None or isinstance(net, MLP):
        return mlp_derivation_document(d, verdict=verdict, explicit=explicit)
    doc = graph_derivation_document(d)
    if verdict is not None:
        add_verdict(doc, verdict)
    return doc


def network_document(net: Any) -> Document:
    """A document describing the network (an ``MLP`` or a ``Network`` of layers)."""
    return mlp_network_document(net) if isinstance(net, MLP) else graph_network_document(net)

"""How model and derivation objects show themselves, without importing the renderers that come later.

``symnn.render`` registers one function per view when it is imported (``import symnn`` imports it); the objects'
``to_markdown``, ``to_latex`` and ``_repr_*_`` methods call it. The earlier stages never import the later ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["register", "show"]

#: view name -> the renderer's function; the views are fixed here so that a typo fails at registration
_VIEWS: dict[str, Callable[..., str] | None] = {
    "derivation markdown": None,
    "derivation html": None,
    "derivation latex": None,
    "derivation results latex": None,
    "network markdown": None,
    "network latex": None,
    "step note": None,
}


def register(view: str, function: Callable[..., str]) -> None:
    """Make ``function`` the renderer of ``view`` (one of the fixed view names)."""
    if view not in _VIEWS:
        raise ValueError(f"unknown view {view!r}; valid choices: {', '.join(_VIEWS)}")
    _VIEWS[view] = function


def show(view: str, obj: Any, *args: Any, **kwargs: Any) -> str:
    """``obj`` rendered as ``view`` by the registered renderer."""
    function = _VIEWS[view]
    if function is None:
        raise RuntimeError(f"no renderer for {view}: import symnn (which imports symnn.render) first")
    return function(obj, *args, **kwargs)

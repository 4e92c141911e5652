"""Adapters: the common shapes of a hand-written layer, each run at one point the same way.

Three shapes are read (:func:`adapter`):

* an object in the textbook's style (seed 002's 「ゼロから作るDeep Learning」): ``forward(x)`` and ``backward(dout)``
  methods, parameters as attributes (``W``, ``b``, ``gamma``, ``beta``) and their gradients as ``d`` + the name
  (``dW``, ``db``), a dropout's mask as the attribute ``mask`` after ``forward``;
* a pair of functions ``(forward, backward)``: ``forward(x, *params, *masks)`` returns ``out`` or ``(out, cache)``,
  ``backward(dout, cache)`` returns ``dx`` or ``(dx, *dparams)`` (without a cache, ``cache`` is
  ``(x, *params, *masks)``);
* one function ``f(x, dout, *params, *masks)`` returning ``(out, grads)``, ``grads`` a tuple ``(dx, *dparams)`` or a
  mapping with ``"dx"`` and ``"d"`` + each parameter's name.

A layer of shaped samples (images C × H × W, sequences T × d) gets ``x`` and ``dout`` in their natural shapes,
``(N, C, H, W)`` and so on; the parameters always have their own shapes (a kernel F × C × kh × kw).

Parameters are passed, set and read under the user's names: by default symnn's array name without its number
(``W1`` is ``W``, ``gamma2`` is ``gamma``, a mask ``M3`` is ``mask``), otherwise as ``params={"w": "W1"}`` says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Adapter", "UserError", "adapter", "user_names"]


class UserError(Exception):
    """The user's code could not be checked at a point (it raised, or returned something that is not an array)."""


@dataclass(frozen=True)
class Adapter:
    """A hand-written layer, runnable at a point.

    Attributes
    ----------
    kind : {"object", "pair", "function"}
    names : dict[str, str]
        symnn's array name -> the user's name, for every parameter and mask.
    masks_from_user : bool
        Whether the user's code draws its masks (an object: read after ``forward``) rather than receiving them.
    in_shape, out_shape : tuple of int
        One sample's input and output shapes: ``x`` is given as N × in_shape, ``dout`` and masks as N × out_shape
        (empty: the rows as they are).
    """

    kind: str
    target: Any
    names: dict[str, str]
    params: tuple[str, ...]
    masks: tuple[str, ...]
    masks_from_user: bool
    in_shape: tuple[int, ...] = ()
    out_shape: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        """How the report names the user's code (``Affine``, ``affine_forward/affine_backward``)."""
        if self.kind == "object":
            return type(self.target).__name__
        if self.kind == "pair":
            return "/".join(getattr(f, "__name__", "function") for f in self.target)
        return getattr(self.target, "__name__", "function")

    def quantity(self, name: str) -> str:
        """The user's name of a quantity: ``out``, ``dx``, or ``d`` + a parameter's user name."""
        return {"Y": "out", "X": "dx"}.get(name) or f"d{self.names[name]}"

    def run(self, values: Mapping[str, np.ndarray]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Run the user's forward and backward at a point: (``"Y"``, ``"X"`` and each parameter's gradient by
        symnn's names; the masks the user's code drew, by symnn's names). Raises :class:`UserError`."""
        n = len(values["X"])
        shape_in, shape_out = (n, *(self.in_shape or (-1,))), (n, *(self.out_shape or (-1,)))
        x, dout = values["X"].reshape(shape_in).copy(), values["G"].reshape(shape_out).copy()
        args = [values[p].copy() for p in self.params]
        given = [values[m].reshape(shape_out).copy() for m in self.masks]
        try:
            if self.kind == "object":
                return self._run_object(x, dout, args)
            if self.kind == "pair":
                return self._run_pair(x, dout, args + given), {}
            return self._run_function(x, dout, args + given), {}
        except UserError:
            raise
        except Exception as e:  # the user's code may raise anything: reported, not hidden
            given = ", ".join(f"{self._user(k)} {np.shape(v)}" for k, v in values.items())
            raise UserError(f"{self.label} raised {type(e).__name__}: {_one_line(e)} (given {given})") from e

    def _user(self, name: str) -> str:
        return {"X": "x", "G": "dout"}.get(name) or self.names[name]

    def _run_object(self, x, dout, args) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        obj = self.target
        for p, v in zip(self.params, args, strict=True):
            setattr(obj, self.names[p], v)
        out = obj.forward(x)
        masks = {}
        for m in self.masks:
            attr = self.names[m]
            if not hasattr(obj, attr):
                raise UserError(
                    f"{self.label}.forward set no attribute {attr!r} (the mask {m}); "
                    f"name it with params={{'...': '{m}'}}"
                )
            masks[m] = np.asarray(getattr(obj, attr), dtype=np.float64).reshape(len(x), -1)
        dx = obj.backward(dout)
        grads = {}
        for p in self.params:
            attr = "d" + self.names[p]
            if not hasattr(obj, attr):
                raise UserError(f"{self.label}.backward set no attribute {attr!r} (the gradient of {p})")
            grads[p] = getattr(obj, attr)
        return {"Y": out, "X": dx, **grads}, masks

    def _run_pair(self, x, dout, args) -> dict[str, Any]:
        forward, backward = self.target
        result = forward(x, *args)
        out, cache = result if isinstance(result, tuple) and len(result) == 2 else (result, (x, *args))
        back = backward(dout, cache)
        return {"Y": out, **self._gradients(back)}

    def _run_function(self, x, dout, args) -> dict[str, Any]:
        result = self.target(x, dout, *args)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise UserError(f"{self.label} must return (out, grads), got {type(result).__name__}")
        out, grads = result
        if isinstance(grads, Mapping):
            wanted = {"X": "dx", **{p: "d" + self.names[p] for p in self.params}}
            missing = [k for k in wanted.values() if k not in grads]
            if missing:
                raise UserError(
                    f"{self.label}'s grads have no {', '.join(missing)} (keys: {', '.join(map(str, grads))})"
                )
            return {"Y": out, **{name: grads[key] for name, key in wanted.items()}}
        return {"Y": out, **self._gradients(grads)}

    def _gradients(self, back: Any) -> dict[str, Any]:
        """``dx`` or ``(dx, *dparams)`` in the order of the parameters."""
        parts = back if isinstance(back, tuple | list) else (back,)
        if len(parts) != 1 + len(self.params):
            wanted = ", ".join(["dx", *(f"d{self.names[p]}" for p in self.params)])
            raise UserError(f"{self.label}'s backward returned {len(parts)} values; expected ({wanted})")
        return {"X": parts[0], **dict(zip(self.params, parts[1:], strict=True))}


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return text[:200] + ("..." if len(text) > 200 else "")


def user_names(params: tuple[str, ...], masks: tuple[str, ...], given: Mapping[str, str] | None) -> dict[str, str]:
    """symnn's array name -> the user's name: ``given`` (user's name -> symnn's) over the defaults."""
    valid = (*params, *masks)
    names = {p: re.sub(r"\d+$", "", p) for p in params} | {m: "mask" for m in masks}
    for user, ours in dict(given or {}).items():
        if not isinstance(user, str) or not user.isidentifier():
            raise ValueError(f"params: {user!r} is not a name (an attribute or argument name such as 'W')")
        if ours not in valid:
            raise ValueError(f"params: {user!r} maps to {ours!r}; this layer's arrays: {', '.join(valid) or 'none'}")
        names[ours] = user
    if len(set(names.values())) != len(names):
        raise ValueError(f"params: two arrays share a name: {names}; map each to its own with params={{...}}")
    return names


def adapter(
    impl: Any,
    params: tuple[str, ...],
    masks: tuple[str, ...],
    given: Mapping[str, str] | None,
    shapes: tuple[tuple[int, ...], tuple[int, ...]] = ((), ()),
) -> Adapter:
    """The adapter for ``impl``: an object with ``forward``/``backward``, a pair of functions, or one function.
    ``shapes``: one sample's input and output shapes."""
    names = user_names(params, masks, given)
    if isinstance(impl, tuple | list):
        if len(impl) != 2 or not all(callable(f) for f in impl):
            raise TypeError("a pair must be (forward, backward), two functions")
        return Adapter("pair", tuple(impl), names, params, masks, False, *shapes)
    if callable(getattr(impl, "forward", None)) and callable(getattr(impl, "backward", None)):
        if isinstance(impl, type):
            raise TypeError(f"{impl.__name__} is a class: pass an instance, such as {impl.__name__}(...)")
        return Adapter("object", impl, names, params, masks, True, *shapes)
    if callable(impl):
        return Adapter("function", impl, names, params, masks, False, *shapes)
    raise TypeError(
        "the implementation must be an object with forward(x) and backward(dout) methods, a pair "
        f"(forward, backward) of functions, or a function returning (out, grads); got {type(impl).__name__}"
    )

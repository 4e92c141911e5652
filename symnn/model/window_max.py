"""The maximum of a pooling window as a SymPy function, with its derivative's convention at ties.

``window_max(x_1, …, x_n)`` is max(x_1, …, x_n); ``sympy.diff`` by x_k gives ``max_share(k, x_1, …, x_n)``, the
share of the derivative that entry k gets: 1 where x_k is the only maximum, 0 where it is not a maximum, and at ties
what the network's ``pool_ties`` says: ``"first"`` (everything to the first maximal entry in the window's row-major
order, the textbook's argmax) or ``"split"`` (divided equally among the tied maxima). The convention is the
functions' first argument, so that ``diff``, ``subs``, ``lambdify`` and the compiled code (:mod:`symnn.kernels.pool`)
agree at ties, as ReLU′(0) does through :class:`~symnn.model.functions.relu`.
"""

from __future__ import annotations

import sympy as sp
from sympy.core.function import ArgumentIndexError

__all__ = ["TIES", "max_share", "ties_code", "window_max"]

#: the conventions for the derivative of a maximum at ties, by name; the functions carry the code (0 or 1)
TIES: dict[str, int] = {"first": 0, "split": 1}


def ties_code(ties: object) -> sp.Integer:
    """The code of a tie convention (``ValueError`` naming the valid choices)."""
    if not isinstance(ties, str) or ties not in TIES:
        raise ValueError(f"pool_ties must be one of {', '.join(map(repr, TIES))}, got {ties!r}")
    return sp.Integer(TIES[ties])


def _numbers(xs) -> bool:
    return all(x.is_number and x.is_extended_real for x in xs)


def _max_text(printer, xs) -> str:
    return rf"\max\left({', '.join(printer._print(x) for x in xs)}\right)"


class window_max(sp.Function):
    r"""max(x_1, …, x_n) over a pooling window; the first argument is the tie convention's code (:data:`TIES`).

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", real=True)
    >>> sp.diff(window_max(0, a, b), a)
    max_share(1, 0, a, b)
    >>> sp.diff(window_max(0, a, b), a).subs({a: 2, b: 2}), sp.diff(window_max(1, a, b), a).subs({a: 2, b: 2})
    (1, 1/2)
    """

    @classmethod
    def eval(cls, ties, *xs):
        if _numbers(xs):
            return sp.Max(*xs)
        return None

    def fdiff(self, argindex=1):
        if argindex == 1:
            raise ArgumentIndexError(self, argindex)
        return max_share(argindex - 1, *self.args)

    def _eval_is_extended_real(self):
        return True

    def _latex(self, printer, exp=None):
        s = _max_text(printer, self.args[1:])
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"

    def _eval_evalf(self, prec):
        return sp.Max(*self.args[1:])._eval_evalf(prec)

    def _numpycode(self, printer):
        return printer._print(sp.Max(*self.args[1:]))

    _jaxcode = _numpycode

    def _pythoncode(self, printer):
        return printer._print(sp.Max(*self.args[1:]))

    _mpmathcode = _pythoncode


class max_share(sp.Function):
    r"""∂ max(x_1, …, x_n) / ∂x_k: arguments ``(k, ties, x_1, …, x_n)``.

    1 where x_k is the only maximum, 0 where it is below the maximum; at ties 1 to the first maximal entry
    (ties ``0``, "first") or 1/m to each of the m tied maxima (ties ``1``, "split"). Its own derivative is 0.
    """

    @classmethod
    def eval(cls, k, ties, *xs):
        if not _numbers(xs):
            return None
        top = sp.Max(*xs)
        hits = [i for i, x in enumerate(xs, 1) if sp.Eq(x, top) is sp.true]
        if int(k) not in hits:
            return sp.S.Zero
        if int(ties) == TIES["first"]:
            return sp.S.One if int(k) == hits[0] else sp.S.Zero
        return sp.Rational(1, len(hits))

    def fdiff(self, argindex=1):
        return sp.S.Zero

    def _eval_is_extended_real(self):
        return True

    def _latex(self, printer, exp=None):
        k, ties, *xs = self.args
        x = printer._print(xs[int(k) - 1])
        top = _max_text(printer, xs)
        if int(ties) == TIES["first"]:
            args = ", ".join(printer._print(v) for v in xs)
            s = rf"\left[{int(k)} = \operatorname{{argmax}}_{{\mathrm{{first}}}}\left({args}\right)\right]"
        else:
            s = rf"\frac{{\left[{x} = {top}\right]}}{{\#\left\{{i : x_i = {top}\right\}}}}"
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"

    def _piecewise(self) -> sp.Expr:
        k, ties, *xs = self.args
        k = int(k)
        x = xs[k - 1]
        if int(ties) == TIES["first"]:
            cond = sp.And(*(sp.StrictLessThan(v, x) for v in xs[: k - 1]), *(sp.GreaterThan(x, v) for v in xs[k:]))
            return sp.Piecewise((sp.S.One, cond), (sp.S.Zero, True))
        top = sp.Max(*xs)
        hit = [sp.Piecewise((sp.S.One, sp.GreaterThan(v, top)), (sp.S.Zero, True)) for v in xs]
        return hit[k - 1] / sp.Add(*hit)

    def _numpycode(self, printer):
        return f"({printer._print(self._piecewise())})"

    _jaxcode = _numpycode
    _pythoncode = _numpycode
    _mpmathcode = _numpycode

"""softmax as a SymPy function of all its inputs: exact values, partial derivatives, rewrites, stable printing."""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp
from sympy.core.function import ArgumentIndexError

from symnn.model.functions import _latex_call, _np, _true_or_none
from symnn.model.values import as_expr

__all__ = ["softmax"]


class softmax(sp.Function):
    r"""Component ``k`` (1-based) of the softmax of ``z_1, ..., z_n``.

    .. math:: \operatorname{softmax}_k(z) = \frac{e^{z_k}}{\sum_{i=1}^n e^{z_i}}

    ``softmax(k, z1, ..., zn)`` is one component; ``softmax.vector([z1, ..., zn])`` is the
    whole column. The partial derivatives are
    :math:`\partial y_k / \partial z_i = y_k (\delta_{ki} - y_i)`. Compiled code subtracts
    :math:`\max_i z_i` before ``exp``, which changes nothing (seed 002's overflow argument).

    Examples
    --------
    >>> import sympy as sp
    >>> from symnn import softmax
    >>> z1, z2 = sp.symbols("z1 z2")
    >>> softmax(1, z1, z2).rewrite(sp.exp)
    exp(z1)/(exp(z1) + exp(z2))
    >>> sp.diff(softmax(1, z1, z2), z2)
    -softmax(1, z1, z2)*softmax(2, z1, z2)
    """

    latex_name = r"\operatorname{softmax}"

    @classmethod
    def eval(cls, k, *z):
        if not (k.is_Integer and 1 <= k <= len(z)):
            raise ValueError(
                f"softmax: the component index must be an integer from 1 to {len(z)} (the number of inputs), got {k}"
            )
        if len(z) == 1:
            return sp.S.One
        if all(zi.is_Float for zi in z):
            m = max(z)
            return sp.exp(z[int(k) - 1] - m) / sp.Add(*(sp.exp(zi - m) for zi in z))
        return None

    @classmethod
    def vector(cls, z: Sequence[sp.Expr]) -> sp.Matrix:
        """The softmax of ``z`` as a column ``Matrix`` of its components."""
        z = [as_expr(zi, f"softmax input {i}") for i, zi in enumerate(z, 1)]
        if not z:
            raise ValueError("softmax.vector: needs at least one input, got none")
        return sp.Matrix([cls(k, *z) for k in range(1, len(z) + 1)])

    @property
    def index(self) -> int:
        """The component index k (1-based)."""
        return int(self.args[0])

    @property
    def inputs(self) -> tuple[sp.Expr, ...]:
        """The inputs z_1, ..., z_n."""
        return self.args[1:]

    def fdiff(self, argindex=1):
        if argindex == 1 or argindex > len(self.args):
            raise ArgumentIndexError(self, argindex)
        i = argindex - 1  # the 1-based index of z_i
        if i == self.index:
            return self * (1 - self)
        return -self * softmax(i, *self.inputs)

    def _eval_rewrite_as_exp(self, k, *z, **kwargs):
        return sp.exp(z[int(k) - 1]) / sp.Add(*(sp.exp(zi) for zi in z))

    def _eval_is_extended_real(self):
        return _true_or_none(all(zi.is_extended_real for zi in self.inputs))

    def _eval_is_positive(self):
        return _true_or_none(all(zi.is_real for zi in self.inputs))  # e^(−∞) = 0: finite inputs

    def _eval_evalf(self, prec):
        z = [zi._eval_evalf(prec) if hasattr(zi, "_eval_evalf") else zi for zi in self.inputs]
        if any(zi is None for zi in z):
            return None
        return softmax(self.args[0], *z).rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        head = rf"{self.latex_name}_{{{self.index}}}"
        if exp is not None:
            return rf"\left({_latex_call(printer, head, self.inputs)}\right)^{{{exp}}}"
        return _latex_call(printer, head, self.inputs)

    def _numpycode(self, printer):
        z = [printer._print(zi) for zi in self.inputs]
        m = f"{_np(printer, 'max')}({_np(printer, 'stack')}([{', '.join(z)}]), axis=0)"
        terms = " + ".join(f"{_np(printer, 'exp')}({zi} - {m})" for zi in z)
        return f"({_np(printer, 'exp')}({z[self.index - 1]} - {m})/({terms}))"

    def _jaxcode(self, printer):
        return self._numpycode(printer)

    def _pythoncode(self, printer):
        return f"({printer._print(self.rewrite(sp.exp))})"  # parenthesized, as ActivationFunction's

    _mpmathcode = _pythoncode

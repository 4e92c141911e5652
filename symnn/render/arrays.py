"""The batch view's array expressions as a textbook prints them: Z^(l), W^(l)ᵀ, products, ⊙.

The sweep's batch rules (:func:`symnn.derive.sweep.array_sweep`) are scalar SymPy expressions over array symbols
(``Z1``, ``W1``, ``dZ1``) with the array operations of :mod:`symnn.model.arrays`. Their own LaTeX is faithful to the
code (every operand of ``@`` parenthesised, ``Wᵀᵀ`` left as written, ``A*B`` a juxtaposition), which a reader
cannot tell from a matrix product. :func:`textbook_form` rewrites such an expression into printable stand-ins:
array symbols named in the network's notation, ``(Wᵀ)ᵀ`` as ``W``, a matrix product as a juxtaposition and an
elementwise product of arrays with ``⊙``. The result is for printing only.
"""

from __future__ import annotations

import sympy as sp

from symnn.model.arrays import MatMul, Transpose

__all__ = ["Array", "textbook_form"]


class Array(sp.Symbol):
    r"""An array symbol printed ``head^{sup}``: ``Array("W^(1)")`` is :math:`W^{(1)}`; the name is ``head^sup``."""

    def _parts(self) -> tuple[str, str]:
        head, _, sup = self.name.partition("^")
        return head, sup

    def _latex(self, printer, exp=None):
        head, sup = self._parts()
        s = f"{head}^{{{sup}}}" if sup else head
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"


def array(head: str, sup: str = "") -> Array:
    """The array symbol ``head^{sup}`` (``head`` is LaTeX: ``"W"``, ``r"\\bar{G}"``)."""
    return Array(f"{head}^{sup}" if sup else head, real=True)


def _wrap(printer, a: sp.Basic) -> str:
    s = printer._print(a)
    return rf"\left({s}\right)" if isinstance(a, sp.Add | sp.Mul) else s


class _Transposed(sp.Function):
    """Aᵀ; of a named array, the T joins its superscript (W^{(1)T}: a double superscript is an error in TeX)."""

    nargs = 1

    def _latex(self, printer, exp=None):
        (a,) = self.args
        if isinstance(a, Array):
            head, sup = a._parts()
            s = f"{head}^{{{sup}" + (r" \mathsf{T}}" if sup else r"\mathsf{T}}")
        else:
            s = rf"\left({printer._print(a)}\right)^{{\mathsf{{T}}}}"
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"


class _Product(sp.Function):
    """The matrix product of its arguments, printed side by side."""

    def _latex(self, printer, exp=None):
        s = " ".join(_wrap(printer, a) for a in self.args)
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"


class _Hadamard(sp.Function):
    """The elementwise product of arrays, printed with ⊙ (SymPy prints a product of symbols side by side)."""

    def _latex(self, printer, exp=None):
        s = r" \odot ".join(_wrap(printer, a) for a in self.args)
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"


def textbook_form(expr: sp.Basic, names: dict[sp.Symbol, Array]) -> sp.Basic:
    """``expr`` with its array symbols renamed by ``names`` and its array operations as printable stand-ins.

    Every symbol in ``names`` counts as an array; a product with two or more array factors (not counting
    divisors) becomes an elementwise product.
    """
    expr = expr.replace(
        lambda e: isinstance(e, Transpose) and isinstance(e.args[0], Transpose), lambda e: e.args[0].args[0]
    )
    expr = expr.xreplace(names)
    arrays = set(names.values())

    def is_array(e: sp.Basic) -> bool:
        return bool(e.free_symbols & arrays)

    def numerator_arrays(e: sp.Mul) -> list[sp.Basic]:
        return [f for f in e.args if is_array(f) and not (f.is_Pow and f.exp.is_negative)]

    def hadamard(e: sp.Mul) -> sp.Basic:
        inside = numerator_arrays(e)
        rest = [f for f in e.args if f not in inside]
        return sp.Mul(*rest, _Hadamard(*inside), evaluate=False) if rest else _Hadamard(*inside)

    def products_first(e: sp.Add) -> sp.Add:
        # X W^T + b, as a textbook writes it (SymPy holds b + X W^T: a lone symbol sorts before a function)
        terms = sorted(e.args, key=lambda t: isinstance(t, Array))
        return sp.Add(*terms, evaluate=False) if terms != list(e.args) else e

    expr = expr.replace(MatMul, _Product).replace(Transpose, _Transposed)
    expr = expr.replace(lambda e: isinstance(e, sp.Mul) and len(numerator_arrays(e)) >= 2, hadamard)
    return expr.replace(lambda e: isinstance(e, sp.Add), products_first)

"""Array operations that are not elementwise, as SymPy functions of array symbols (one sample a row).

The batch rules of the layers (:mod:`symnn.model.layers`) are written with them: ``A @ W``, ``Aᵀ``, the sum of
each row, the largest entry of each row, the sum over the batch, the sum of everything. Everything elementwise is
ordinary SymPy arithmetic on the array symbols, which NumPy broadcasts. Each prints as one NumPy (or JAX) call, and
in ``str`` and LaTeX as the maths writes it; :mod:`symnn.codegen.printing` turns them into code.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from symnn.errors import Unsupported

__all__ = ["BatchSum", "Function", "MatMul", "RowMax", "RowSum", "Rows", "Total", "Transpose", "per_sample_loss"]


# -- the operations that are not elementwise, as SymPy functions of array symbols --------------------


class _ArrayOp(sp.Function):
    """An array operation; ``numpy_code`` is its NumPy form with ``{0}``, ``{1}`` for the printed arguments,
    ``jax_code`` its JAX form (default: the same text against ``jax.numpy``)."""

    numpy_code: str = ""
    jax_code: str = ""
    nargs = 1

    def _eval_is_extended_real(self):
        return True

    def _code(self, printer, code: str) -> str:
        args = [_operand(printer, a) for a in self.args]
        return code.format(*args, np=printer._module_format(printer._module))

    def _numpycode(self, printer):
        return self._code(printer, self.numpy_code)

    def _jaxcode(self, printer):
        return self._code(printer, self.jax_code or self.numpy_code)

    #: how ``str`` and LaTeX show it, ``{0}``, ``{1}`` for the printed arguments
    str_code: str = ""
    latex_code: str = ""

    def _sympystr(self, printer):
        return (self.str_code or f"{type(self).__name__}({{0}})").format(*(printer._print(a) for a in self.args))

    def _latex(self, printer, exp=None):
        s = self.latex_code.format(*(printer._print(a) for a in self.args)) if self.latex_code else None
        if s is None:
            s = rf"\operatorname{{{type(self).__name__}}}\left({', '.join(printer._print(a) for a in self.args)}\right)"
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"


def _operand(printer, a: sp.Expr) -> str:
    """A symbol or a call prints bare; anything else (a sum, a product, ``A @ B``) in parentheses."""
    text = printer._print(a)
    bare = a.is_Symbol or (isinstance(a, sp.Function) and not isinstance(a, MatMul | Transpose))
    return text if bare else f"({text})"


class MatMul(_ArrayOp):
    """``A @ B`` (a batch of rows times a matrix, or the sum over the batch of outer products)."""

    nargs = 2
    numpy_code = "{0} @ {1}"
    str_code = "({0} @ {1})"
    latex_code = r"\left({0}\right) \left({1}\right)"


class Transpose(_ArrayOp):
    """``A.T``."""

    numpy_code = "{0}.T"
    str_code = "{0}.T"
    latex_code = r"\left({0}\right)^{{\mathsf{{T}}}}"

    @classmethod
    def eval(cls, arg):
        if isinstance(arg, Transpose):  # (Aᵀ)ᵀ = A
            return arg.args[0]
        return None


class Rows(_ArrayOp):
    """The number of rows of a batch (its samples), ``X.shape[0]``: printed by this class, not as the name of a
    symbol, since every name printed into code must be a plain identifier (:mod:`symnn.codenames`)."""

    numpy_code = "{0}.shape[0]"
    str_code = "{0}.shape[0]"
    latex_code = r"\operatorname{{rows}}\left({0}\right)"


# The reductions call the ufunc's own ``reduce`` in NumPy: ``numpy.sum`` and ``numpy.max`` are Python
# wrappers around it (``_wrapreduction``: keyword dict, type checks) that cost 2-3 µs a call more
# (measured: 7.2 against 4.4 µs for a 100 × 10 row sum). A float32 784-100-10 step has five of them
# among ~0.55 ms: with this (and the loss's factor taken out of its sum, below) benchmarks/bench_compile.py
# measured that step at 0.98-1.02x the hand-written NumPy one instead of 1.06-1.08x. JAX prints its
# own ``sum``/``max``, which ``jax.jit`` traces away.


class _Sum(_ArrayOp):
    """A sum (linear): a numeric factor comes out, ``Σ(c·a) = c·Σa``, so that it scales one number
    rather than a whole array (``C = -tmp*Σ(T*...)``, not ``Σ(-T*...)``)."""

    @classmethod
    def eval(cls, arg):
        coeff, rest = arg.as_coeff_Mul()
        if coeff != 1 and not rest.is_number:
            return coeff * cls(rest)
        return None


class RowSum(_Sum):
    """The sum of each row (one sample), kept as a column: ``sum(A, axis=1, keepdims=True)``."""

    numpy_code = "{np}.add.reduce({0}, axis=1, keepdims=True)"
    jax_code = "{np}.sum({0}, axis=1, keepdims=True)"
    str_code = "rowsum({0})"
    latex_code = r"\operatorname{{rowsum}}\left({0}\right)"


class RowMax(_ArrayOp):
    """The largest entry of each row, as a column (softmax's shift, seed 002)."""

    numpy_code = "{np}.maximum.reduce({0}, axis=1, keepdims=True)"
    jax_code = "{np}.max({0}, axis=1, keepdims=True)"
    str_code = "rowmax({0})"
    latex_code = r"\operatorname{{rowmax}}\left({0}\right)"


class BatchSum(_Sum):
    """The sum over the samples (axis 0): a per-sample gradient of a parameter summed over the batch."""

    numpy_code = "{np}.add.reduce({0}, axis=0)"
    jax_code = "{np}.sum({0}, axis=0)"
    str_code = "batchsum({0})"
    latex_code = r"\sum_{{n}} \left({0}\right)_{{n}}"


class Total(_Sum):
    """The sum of every entry (the batch's total loss)."""

    numpy_code = "{np}.add.reduce({0}, axis=None)"
    jax_code = "{np}.sum({0})"
    str_code = "total({0})"
    latex_code = r"\operatorname{{sum}}\left({0}\right)"


Function = _ArrayOp


def per_sample_loss(loss: sp.Expr, outputs: Sequence[sp.Symbol], targets: Sequence[sp.Symbol], Y, T) -> sp.Expr:
    """The loss of one sample, ``Σ_k g(y_k, t_k)``, as ``RowSum(g(Y, T))`` over array symbols Y, T.

    Raises :class:`Unsupported` when the loss is not such a sum over the outputs.
    """
    n = len(outputs)
    sub = {**dict.fromkeys(outputs, Y), **dict.fromkeys(targets, T)}
    # SymPy merges the n identical terms itself; expanding would turn ½(T − Y)² into ½Y² − YT + ½T²,
    # which cancels catastrophically as Y approaches T (float32 loses the loss near a perfect fit)
    g = loss.xreplace(sub) / n
    back = sp.Add(*(g.xreplace({Y: y, T: t}) for y, t in zip(outputs, targets, strict=True)))
    if sp.expand(back - loss) != 0:
        raise Unsupported(f"Unsupported: the loss {loss} is not a sum over the outputs of one term each")
    return g

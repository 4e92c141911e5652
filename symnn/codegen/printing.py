"""Code generation: the derivation's matrix-view equations, batched over samples, printed as NumPy or JAX source.

The matrix view of a row-convention network is batch-ready: one sample is a row, so the same
equations hold with the N samples stacked as rows (Z = X W + B, δ^(l) = (δ^(l+1) W^(l+1)ᵀ) ⊙ f'(Z^(l)),
∂C/∂W = Aᵀ δ sums over the samples). This module turns each matrix expression into a *scalar* SymPy
expression over array symbols: elementwise operations (⊙, +, f) are ordinary SymPy arithmetic, which
NumPy broadcasts, and the few operations that are not elementwise (matrix products, transposes, sums
over a row or over the batch) become the small functions below, each printed as one NumPy call.
``sympy.cse`` then finds what the equations share, and SymPy's NumPy/JAX printers write the code.

SymPy's own route (``lambdify`` of a ``MatrixExpr``) prints a matrix product of one sample; it has no
notion of a batch axis, of summing a per-sample gradient over it, or of softmax along rows. That is
what this module adds; everything elementwise goes through SymPy's printers unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.numpy import JaxPrinter, NumPyPrinter

from symnn.codenames import check_code_name, check_expression_names, code_comment
from symnn.errors import Unsupported
from symnn.model.arrays import MatMul, RowMax, RowSum, Transpose, _ArrayOp
from symnn.model.functions import sigmoid, softplus
from symnn.model.matrix_view import SoftmaxMatrix
from symnn.model.softmax import softmax

__all__ = ["LogSumExp", "emit", "printer_for", "scalarize", "stable_log"]


class _Printer:
    """Mixin for SymPy's NumPy and JAX printers: ``A @ B`` binds looser than ``*``, so parenthesize it."""

    def _print_Mul(self, expr):
        # SymPy prints a*b with its own precedence table, where a function call is atomic; MatMul
        # prints as an infix ``@``, which must keep its parentheses inside a product or power.
        return super()._print_Mul(expr)

    def parenthesize(self, item, level, strict=False):
        if isinstance(item, MatMul):
            return f"({self._print(item)})"
        return super().parenthesize(item, level, strict)


class _NumPy(_Printer, NumPyPrinter):
    pass


class _Jax(_Printer, JaxPrinter):
    pass


class FastSigmoid(_ArrayOp):
    """σ(z) printed ``1/(1 + exp(-z))``, for the generated functions, which run under
    ``errstate(over="ignore", under="ignore")``.

    For z < −709 (float64; −88 in float32) e^(−z) overflows to inf and 1/(1 + inf) = 0, the limit;
    every other z keeps full relative precision (no cancellation). symnn's general printing of σ,
    exp(−logaddexp(0, −z)), never overflows but costs 5x as much (0.36 ms against 0.06 ms for
    100 × 100 entries), a sixth of a 784-100-10 training step. XLA's exp saturates without a warning.
    """

    numpy_code = "1/(1 + {np}.exp(-{0}))"


def fast_sigmoid(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every σ as :class:`FastSigmoid` (after all symbolic work: it has no derivative)."""
    return expr.replace(lambda e: isinstance(e, sigmoid), lambda e: FastSigmoid(e.args[0]))


def printer_for(backend: str):
    """SymPy's printer for ``backend`` ("numpy" or "jax"), fully qualified names (``numpy.exp``)."""
    cls = {"numpy": _NumPy, "jax": _Jax}[backend]
    return cls({"fully_qualified_modules": True, "allow_unknown_functions": False})


# -- scalarizing matrix expressions ---------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A matrix expression as a scalar SymPy expression over array symbols.

    ``batched``: one row per sample (else a parameter-shaped array); ``transposed``: the transpose
    of a batched array (a sample is a column), which may only be multiplied on the right by a
    batched array (summing over the batch).
    """

    expr: sp.Expr
    batched: bool
    transposed: bool = False


def scalarize(expr: sp.Basic, symbols: dict[sp.Basic, Term]) -> Term:
    """``expr`` (a matrix expression of one sample, row convention) as a batched :class:`Term`.

    ``symbols`` maps each matrix symbol to its term: the array symbol, and whether it is per sample.
    """
    if expr in symbols:
        return symbols[expr]
    if isinstance(expr, sp.Transpose):
        inner = scalarize(expr.arg, symbols)
        if inner.transposed:
            return Term(_untranspose(inner.expr), True)
        if inner.batched:
            return Term(Transpose(inner.expr), False, transposed=True)
        return Term(_transpose(inner.expr), False)
    if isinstance(expr, sp.MatMul):
        coeff, factors = expr.as_coeff_matrices()
        out, shape = scalarize(factors[0], symbols), factors[0].shape
        for factor in factors[1:]:
            right_shape = factor.shape
            if isinstance(factor, sp.OneMatrix) and right_shape[1] == 1 and out.batched and not out.transposed:
                out = Term(RowSum(out.expr), True)  # (1×n)(n×1 of ones): the sum of each row, Σ_k t_k
                shape = (shape[0], 1)
                continue
            right = scalarize(factor, symbols)
            per_sample = out.batched and right.batched and not (out.transposed or right.transposed)
            if per_sample and (shape == (1, 1) or right_shape == (1, 1)):
                out = Term(out.expr * right.expr, True)  # one number per sample (a column) scales each row
            else:
                out = _matmul(out, right, expr)
            shape = (shape[0], right_shape[1])
        return Term(sp.sympify(coeff) * out.expr, out.batched, out.transposed)
    if isinstance(expr, sp.MatAdd):
        terms = [scalarize(a, symbols) for a in expr.args]
        if any(t.transposed for t in terms):
            raise Unsupported(f"Unsupported: a sum with a transposed batch in {expr}")
        return Term(sp.Add(*(t.expr for t in terms)), any(t.batched for t in terms))
    if isinstance(expr, sp.HadamardProduct):
        terms = [scalarize(a, symbols) for a in expr.args]
        return Term(sp.Mul(*(t.expr for t in terms)), any(t.batched for t in terms))
    if isinstance(expr, sp.HadamardPower):
        base = scalarize(expr.base, symbols)
        return Term(base.expr ** scalarize_scalar(expr.exp), base.batched)
    if isinstance(expr, ElementwiseApplyFunction):  # symnn's Apply and ApplyPrime: f or f' entrywise
        arg = scalarize(expr.expr, symbols)
        f = expr.function
        return Term(f.expr.xreplace({f.variables[0]: arg.expr}), arg.batched)
    if isinstance(expr, SoftmaxMatrix):
        z = scalarize(expr.arg, symbols)
        if not z.batched:
            raise Unsupported(f"Unsupported: softmax of a parameter in {expr}")
        shifted = sp.exp(z.expr - RowMax(z.expr))  # seed 002: subtract the max, the value is unchanged
        return Term(shifted / RowSum(shifted), True)
    raise Unsupported(f"Unsupported: {type(expr).__name__} in a matrix equation ({expr}); symnn cannot compile it")


def scalarize_scalar(e: sp.Basic) -> sp.Expr:
    if not e.is_number:
        raise Unsupported(f"Unsupported: a non-numeric power {e}")
    return e


def _transpose(e: sp.Expr) -> sp.Expr:
    if isinstance(e, Transpose):
        return e.args[0]
    if isinstance(e, MatMul):  # (PQ)ᵀ = QᵀPᵀ
        return MatMul(_transpose(e.args[1]), _transpose(e.args[0]))
    return Transpose(e)


def _untranspose(e: sp.Expr) -> sp.Expr:
    return e.args[0] if isinstance(e, Transpose) else Transpose(e)


def _matmul(left: Term, right: Term, whole: sp.Basic) -> Term:
    # The shapes of one sample decide what a product means for a batch of rows:
    if left.batched and not right.batched and not right.transposed:
        return Term(MatMul(left.expr, right.expr), True)  # (1×k)(k×m): every row times the matrix
    if left.transposed and right.batched:
        return Term(MatMul(left.expr, right.expr), False)  # (k×1)(1×m): outer products, summed over the batch
    if left.batched and right.transposed:
        # (1×k)(k×1): one number per sample, the dot product of each row pair
        return Term(RowSum(left.expr * _untranspose(right.expr)), True)
    if not left.batched and not left.transposed and not right.batched and not right.transposed:
        return Term(MatMul(left.expr, right.expr), False)
    raise Unsupported(f"Unsupported: a matrix product with the batch where it cannot be batched in {whole}")


class LogSumExp(_ArrayOp):
    """log Σ_i e^(z_i) of its arguments, entrywise: ``logaddexp(z1, logaddexp(z2, ...))``, which neither
    overflows nor takes log 0 (``log(softmax_k(z)) = z_k − log Σ_i e^(z_i)`` in the element view)."""

    nargs = None

    def _sympystr(self, printer):
        return f"logsumexp({', '.join(printer._print(a) for a in self.args)})"

    def _latex(self, printer, exp=None):
        s = rf"\log \sum e^{{\left({', '.join(printer._print(a) for a in self.args)}\right)}}"
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"

    def _code(self, printer, code: str) -> str:
        logaddexp = printer._module_format(printer._module + ".logaddexp")
        out = printer._print(self.args[-1])
        for z in reversed(self.args[:-1]):
            out = f"{logaddexp}({printer._print(z)}, {out})"
        return out


def _stable(e: sp.log) -> sp.Expr | None:
    """A log of an activation in a form without overflow or log 0, or None for any other log."""
    arg = e.args[0]
    if isinstance(arg, sigmoid):  # log σ(u) = −softplus(−u)
        return -softplus(-arg.args[0])
    if isinstance(1 - arg, sigmoid):  # log(1 − σ(u)) = log σ(−u) = −softplus(u)
        return -softplus((1 - arg).args[0])
    if isinstance(arg, softmax):  # log softmax_k(z) = z_k − log Σ_i e^(z_i)
        return arg.inputs[arg.index - 1] - LogSumExp(*arg.inputs)
    return None


def stable_log(expr: sp.Expr) -> sp.Expr:
    """Rewrite logs of activations into forms that cannot overflow or give log(0).

    ``log(softmax)`` becomes the shifted log-sum-exp (``expand_log`` of ``exp(z − m)/Σ exp(z − m)``,
    the matrix view; :class:`LogSumExp` for symnn's ``softmax``, the element view), ``log σ(z) =
    −softplus(−z)`` and ``log(1 − σ(z)) = −softplus(z)`` (binary cross-entropy; softplus is printed
    through ``logaddexp``).
    """
    expr = expr.replace(lambda e: isinstance(e, sp.log) and _stable(e) is not None, _stable)
    return sp.expand_log(expr, force=True)


# -- from named assignments to source -------------------------------------------------------------


def emit(
    name: str,
    args: Sequence[sp.Symbol],
    assignments: Sequence[tuple[sp.Symbol, sp.Expr]],
    returns: Sequence[sp.Expr],
    printer,
    comments: dict[sp.Symbol, str] | None = None,
    guard: str = "",
    keep: int | None = None,
) -> str:
    """``def name(args): ...`` computing ``assignments`` in order and returning ``returns``.

    ``sympy.cse`` runs over all of it; each shared subexpression is printed just before the first
    line that needs it, so the named steps keep the derivation's order. ``guard``: a context
    manager expression the body runs under. ``keep``: return only the first ``keep`` of ``returns``,
    computed exactly as the function returning all of them computes them (the same subexpressions,
    so the same roundings), printing only the lines they need.
    """
    comments = comments or {}
    assignments = _live(assignments, returns)
    names = [s for s, _ in assignments]
    # every name printed below is checked once, here (symnn.codenames): the function, its arguments, the names
    # assigned, every function class; any other free symbol would be printed as a bare name
    check_code_name(name, "the generated function")
    for s in [*args, *names]:
        check_code_name(s.name, "the generated variable")
    check_expression_names([*(e for _, e in assignments), *returns], [*args, *names], f"generated {name}")
    exprs = [fast_sigmoid(e) for _, e in assignments] + [fast_sigmoid(e) for e in returns]
    taken = {str(s) for s in [*args, *names]}
    temps = (sp.Symbol(f"tmp{i}", real=True) for i in range(10**6) if f"tmp{i}" not in taken)
    replacements, reduced = sp.cse(exprs, symbols=temps, order="none")
    needs = {t: e.free_symbols for t, e in replacements}
    outs = reduced[len(assignments) :][:keep]
    used = _used(outs, names, reduced, needs)
    emitted: set[sp.Symbol] = set()
    lines = [f"def {name}({', '.join(str(a) for a in args)}):"]
    indent = "    "
    if guard:
        lines.append(f"    with {guard}:")
        indent = "        "

    def need(expr: sp.Expr) -> None:
        for t, e in replacements:
            if t not in emitted and t in _closure(expr, needs):
                emitted.add(t)
                lines.append(f"{indent}{t} = {printer.doprint(e)}")

    for (s, _), e in zip(assignments, reduced, strict=False):
        if s not in used:
            continue
        need(e)
        if s in comments:
            lines.append(indent + code_comment(comments[s]))
        product, bias = _product_plus_symbol(e)
        if product is not None:  # Z = A @ W; Z += b: the bias added in place, one array fewer
            lines.append(f"{indent}{s} = {printer.doprint(product)}")
            lines.append(f"{indent}{s} += {printer.doprint(bias)}")
        else:
            lines.append(f"{indent}{s} = {printer.doprint(e)}")
    for e in outs:
        need(e)
    lines.append(f"{indent}return {', '.join(printer.doprint(e) for e in outs)}")
    return "\n".join(lines)


def _product_plus_symbol(e: sp.Expr) -> tuple[sp.Expr | None, sp.Expr | None]:
    """``(A @ W, b)`` when ``e`` is exactly ``A @ W + b`` (a fresh product, so adding in place is safe)."""
    if e.is_Add and len(e.args) == 2:
        first, second = e.args
        for product, other in ((first, second), (second, first)):
            if isinstance(product, MatMul) and other.is_Symbol:
                return product, other
    return None, None


def _live(
    assignments: Sequence[tuple[sp.Symbol, sp.Expr]], returns: Sequence[sp.Expr]
) -> list[tuple[sp.Symbol, sp.Expr]]:
    """The assignments that the returned values need (the loss of a softmax network needs no A^(L))."""
    needed = set().union(*(e.free_symbols for e in returns))
    kept = []
    for s, e in reversed(assignments):
        if s in needed:
            kept.append((s, e))
            needed |= e.free_symbols
    return kept[::-1]


def _used(
    outs: Sequence[sp.Expr], names: Sequence[sp.Symbol], reduced: Sequence[sp.Expr], needs: dict[sp.Symbol, set]
) -> set[sp.Symbol]:
    """The named steps ``outs`` need, directly or through the temporaries of ``sympy.cse``."""

    def deps(e: sp.Expr) -> set[sp.Symbol]:
        return set(e.free_symbols).union(*(needs[t] for t in _closure(e, needs)))

    used = set().union(*(deps(e) for e in outs))
    for s, e in reversed(list(zip(names, reduced, strict=False))):
        if s in used:
            used |= deps(e)
    return used


def _closure(expr: sp.Expr, needs: dict[sp.Symbol, set]) -> set[sp.Symbol]:
    out: set[sp.Symbol] = set()
    todo = [s for s in expr.free_symbols if s in needs]
    while todo:
        s = todo.pop()
        if s not in out:
            out.add(s)
            todo += [u for u in needs[s] if u in needs]
    return out

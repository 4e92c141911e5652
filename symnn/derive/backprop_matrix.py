"""Backprop's four equations in the matrix view, for either convention (⊙ is the elementwise product).

Column (z = W a + b):                      Row (Z = A W + B, one sample a row):
    δ^(L) = ∇_a C ⊙ f'(z^(L))                  δ^(L) = ∇_a C ⊙ f'(Z^(L))
    δ^(l) = ((W^(l+1))ᵀ δ^(l+1)) ⊙ f'(z^(l))    δ^(l) = (δ^(l+1) (W^(l+1))ᵀ) ⊙ f'(Z^(l))
    ∂C/∂W^(l) = δ^(l) (a^(l−1))ᵀ               ∂C/∂W^(l) = (A^(l−1))ᵀ δ^(l)
    ∂C/∂b^(l) = δ^(l)                          ∂C/∂B^(l) = δ^(l)

Softmax with cross-entropy gives δ^(L) = a (1ᵀt) − t (column; (T 1) A − T in rows), which is y − t
only for targets that sum to 1: 1ᵀt = Σ_k t_k is one number per sample, kept so that soft targets
(label smoothing) get their exact gradient. Sigmoid with binary cross-entropy gives δ^(L) = y − t for
any targets. The equations hold for any width: they are matrix expressions in W^(l), δ^(l) as symbols;
``NetworkDerivation.matrix_gradients`` expands them.
"""

from __future__ import annotations

import sympy as sp

from symnn.derive.derivation import LOSS_SYMBOL, Partial, Step, said
from symnn.model.matrix_view import ApplyPrime
from symnn.model.network import MLP
from symnn.model.notation import NetMatrix
from symnn.model.registry import ACTIVATIONS

__all__ = ["Ones", "matrix_steps", "target_matrix"]

C = LOSS_SYMBOL


class Ones(sp.OneMatrix):
    r"""The matrix of ones printed as the vector :math:`\mathbf{1}` (a column) or :math:`\mathbf{1}^{T}` (a row).

    SymPy's ``OneMatrix`` prints as a bare ``1``, which reads as the number: :math:`a\,\mathbf{1}^{T} t` is
    :math:`a \sum_k t_k`, and ``a 1 t`` is not. ``doit`` and explicit matrices treat it as ``OneMatrix``.
    """

    def _latex(self, printer, exp=None):
        return r"\mathbf{1}" if self.cols == 1 else r"\mathbf{1}^{T}"

    def _sympystr(self, printer):
        return "1" if self.cols == 1 else "1.T"

    def _eval_transpose(self):
        return Ones(self.cols, self.rows)


def target_matrix(net: MLP) -> NetMatrix:
    n = net.sizes[-1]
    return NetMatrix("t", n, 1) if net.convention == "column" else NetMatrix("T", 1, n)


def matrix_steps(net: MLP) -> list[Step]:
    """The four backprop equations with W^(l), δ^(l) as matrices, for the network's convention."""
    view = net.matrix_view
    column = net.convention == "column"
    L = net.depth
    n = net.sizes

    def deltam(l: int) -> NetMatrix:
        return NetMatrix(f"delta{l}", n[l], 1) if column else NetMatrix(f"delta{l}", 1, n[l])

    def fprime(l: int) -> sp.MatrixExpr:
        d = sp.Dummy("d", real=True)
        return ApplyPrime(sp.Lambda(d, ACTIVATIONS[net.activations[l - 1]](d, net)), view.z[l])

    a, t = view.a[L], target_matrix(net)
    out_name, loss = net.activations[-1], net.loss_name
    ones = Ones(*a.shape)  # 1 (column) or 1ᵀ (row), a's shape
    # ∇_a C for each loss, as a matrix expression in a^(L) and t.
    error = sp.MatAdd(a, -t, evaluate=False)  # written y − t, not SymPy's sorted −t + y
    grad_a = {
        "sse": error,
        "mse": sp.Rational(2, n[L]) * error,
        "cross-entropy": sp.HadamardProduct(-t, sp.HadamardPower(a, -1)),
        # −t/a + (1 − t)/(1 − a) = (a − t)/(a(1 − a)), entrywise
        "binary-cross-entropy": sp.HadamardProduct(
            error, sp.HadamardPower(sp.HadamardProduct(a, sp.MatAdd(ones, -a, evaluate=False)), -1)
        ),
    }[loss]
    if out_name == "softmax" and loss == "cross-entropy":
        # Σ_k t_k as a matrix product: 1ᵀt (column), T 1 (row); one number per sample
        if column:
            first = sp.MatAdd(sp.MatMul(a, ones.T, t), -t, evaluate=False)
        else:
            first = sp.MatAdd(sp.MatMul(t, ones.T, a), -t, evaluate=False)
        note = said("matrix softmax ce")
    elif out_name == "sigmoid" and loss == "binary-cross-entropy":
        first = error
        note = said("matrix sigmoid bce")
    elif out_name == "softmax":
        # (diag(a) − a aᵀ) ∇_a C, the softmax Jacobian applied to the loss gradient.
        first = sp.HadamardProduct(a, grad_a) - (a * (a.T * grad_a) if column else (grad_a * a.T) * a)
        note = said("matrix softmax jacobian")
    elif out_name == "identity":
        first = grad_a
        note = said("matrix linear output")
    else:
        first = sp.HadamardProduct(grad_a, fprime(L))
        note = said("matrix output error")
    steps = [Step(deltam(L), first, "chain rule", note)]
    for l in range(L - 1, 0, -1):
        back = view.W[l + 1].T * deltam(l + 1) if column else deltam(l + 1) * view.W[l + 1].T
        rhs = back if net.activations[l - 1] == "identity" else sp.HadamardProduct(back, fprime(l))
        steps.append(
            Step(
                deltam(l),
                rhs,
                "chain rule",
                said("matrix errors flow back"),
            )
        )
    for l in range(1, L + 1):
        prev = view.x if l == 1 else view.a[l - 1]
        grad_w = deltam(l) * prev.T if column else prev.T * deltam(l)
        steps.append(
            Step(
                Partial(C, view.W[l]),
                grad_w,
                "chain rule",
                said("matrix outer product"),
            )
        )
        steps.append(
            Step(
                Partial(C, view.b[l]),
                deltam(l),
                "chain rule",
                said("matrix bias gradient"),
            )
        )
    return steps

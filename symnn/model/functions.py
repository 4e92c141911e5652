"""Activation functions as SymPy functions: exact values, closed-form derivatives, rewrites, printing.

The elementwise ones are here; softmax, a function of all its inputs, is in :mod:`symnn.model.softmax`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp
from sympy.core.function import ArgumentIndexError

__all__ = [
    "ActivationFunction",
    "identity",
    "relu",
    "sigmoid",
    "softplus",
    "step",
]


def _np(printer, name: str) -> str:
    """The name of ``name`` in the printer's array module (``numpy.tanh``, ``jax.numpy.tanh``)."""
    return printer._module_format(f"{printer._module}.{name}")


def _latex_call(printer, head: str, args: Sequence[sp.Basic], exp=None) -> str:
    """``head\\left(args\\right)``, raised to ``exp`` when SymPy's printer asks for a power."""
    inner = ", ".join(printer._print(a) for a in args)
    if exp is None:
        return rf"{head}\left({inner}\right)"
    return rf"{head}^{{{exp}}}\left({inner}\right)"


def _sign_is_cheap(z: sp.Expr) -> bool:
    """Whether asking z's sign is cheap: a number, or a single symbol with its assumptions.

    SymPy's assumptions on a long weighted sum cost seconds (building a 784-100-10 network spent
    80 s there) and can only succeed when its symbols carry sign assumptions, which symnn's weights
    and inputs do not. Other arguments stay unevaluated.
    """
    return z.is_number or z.is_Symbol


class ActivationFunction(sp.Function):
    """Base of symnn's one-argument activations (plus an optional convention argument).

    Subclasses set ``latex_name`` (the LaTeX head printed before the argument) and
    implement ``eval``, ``fdiff``, rewrites and ``_numpycode``. The NumPy printing is also
    used by the JAX printer (``_jaxcode``): it only names functions through the printer's
    own module.
    """

    latex_name: str = r"\operatorname{f}"

    def _latex(self, printer, exp=None):
        return _latex_call(printer, self.latex_name, self.args[:1], exp)

    def _eval_evalf(self, prec):
        # SymPy's Function.evalf looks the name up in mpmath, which has none of these:
        # evaluate the defining formula instead.
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _jaxcode(self, printer):
        return self._numpycode(printer)

    # Plain Python (``math``) and mpmath have no array tricks to offer: print the rewrite
    # named by ``code_rewrite``, a closed form those printers know.
    code_rewrite: object = sp.exp

    def _pythoncode(self, printer):
        # Parenthesized: the printer takes a function call for an atom, so 1 - sigmoid(x) would
        # otherwise print as 1 - (1/2)*tanh(x/2) + 1/2.
        return f"({printer._print(self.rewrite(self.code_rewrite))})"

    _mpmathcode = _pythoncode


class sigmoid(ActivationFunction):
    r"""The logistic sigmoid :math:`\sigma(z) = \frac{1}{1 + e^{-z}}`.

    Its derivative is expressed through itself, :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`
    (seed 003, "シグモイド関数の微分公式"), which is what ``sympy.diff`` returns.

    Examples
    --------
    >>> import sympy as sp
    >>> from symnn import sigmoid
    >>> x = sp.Symbol("x")
    >>> sigmoid(0)
    1/2
    >>> sp.diff(sigmoid(x), x)
    (1 - sigmoid(x))*sigmoid(x)
    >>> sigmoid(x).rewrite(sp.exp)
    1/(1 + exp(-x))

    See Also
    --------
    softplus : its antiderivative; ``sympy.tanh`` : :math:`\tanh z = 2\sigma(2z) - 1`.
    """

    latex_name = r"\sigma"
    code_rewrite = sp.tanh

    @classmethod
    def eval(cls, z):
        if not z.is_Number:  # special values are numbers: 0, ±∞, Floats
            return None
        if z.is_zero:
            return sp.S.Half
        if z is sp.S.Infinity:
            return sp.S.One
        if z is sp.S.NegativeInfinity:
            return sp.S.Zero
        if z.is_Float:
            return 1 / (1 + sp.exp(-z))
        return None

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_rewrite_as_tanh(self, z, **kwargs):
        return (1 + sp.tanh(z / 2)) / 2

    def _eval_is_extended_real(self):
        return _true_or_none(self.args[0].is_extended_real)

    def _eval_is_positive(self):
        # σ(−∞) = 0: positive needs a finite real argument
        return _true_or_none(self.args[0].is_real)

    def _numpycode(self, printer):
        # exp(-log(1 + e^(-z))): no overflow at z = -1000, unlike 1/(1 + exp(-z)), and full relative
        # precision in the left tail, unlike (1 + tanh(z/2))/2, which cancels to 0 near z = -30.
        z = printer._print(self.args[0])
        return f"{_np(printer, 'exp')}(-{_np(printer, 'logaddexp')}(0, -({z})))"


class step(ActivationFunction):
    r"""The unit step :math:`u(z)`: 1 for :math:`z > 0`, 0 for :math:`z < 0`, ``at_zero`` at 0.

    The value at 0 is a choice the seed notes make differently: seed 003 fires when
    :math:`z \ge 0` (``at_zero=1``, the default), seed 001's perceptron only when
    :math:`z > 0` (``at_zero=0``). Its derivative is ``DiracDelta(z)``.

    Examples
    --------
    >>> from symnn import step
    >>> step(0), step(0, 0), step(-2)
    (1, 0, 0)
    """

    latex_name = "u"
    code_rewrite = sp.Piecewise

    def __new__(cls, z, at_zero=sp.S.One, **options):
        return super().__new__(cls, z, _value_at_zero(at_zero, "step", "at_zero"), **options)

    @classmethod
    def eval(cls, z, at_zero):
        if not _sign_is_cheap(z):
            return None
        if z.is_extended_positive:
            return sp.S.One
        if z.is_extended_negative:
            return sp.S.Zero
        if z.is_zero:
            return at_zero
        return None

    @property
    def at_zero(self) -> sp.Expr:
        """The value taken at 0."""
        return self.args[1]

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return sp.DiracDelta(self.args[0])

    def _eval_rewrite_as_Piecewise(self, z, at_zero, **kwargs):
        return sp.Piecewise((sp.S.One, z > 0), (at_zero, sp.Eq(z, 0)), (sp.S.Zero, True))

    def _eval_rewrite_as_Heaviside(self, z, at_zero, **kwargs):
        return sp.Heaviside(z, at_zero)

    def _eval_rewrite_as_exp(self, z, at_zero, **kwargs):
        return self.rewrite(sp.Piecewise)

    def _eval_is_extended_real(self):
        return _true_or_none(self.args[0].is_extended_real)

    def _eval_is_nonnegative(self):
        return _true_or_none(self.args[0].is_extended_real)

    def _latex(self, printer, exp=None):
        # The value at 0 is part of the function: u(z) is the default (u(0) = 1); another value is
        # written as a subscript, u_0(z) for seed 001's step and for ReLU' with the usual ReLU'(0) = 0.
        head = self.latex_name if self.at_zero == 1 else f"{self.latex_name}_{{{printer._print(self.at_zero)}}}"
        return _latex_call(printer, head, self.args[:1], exp)

    def _numpycode(self, printer):
        z, at_zero = (printer._print(a) for a in self.args)
        return f"{_np(printer, 'heaviside')}({z}, {at_zero})"


class relu(ActivationFunction):
    r"""The rectified linear unit :math:`\operatorname{ReLU}(z) = \max(0, z)`.

    Its derivative is the step :math:`u(z)`; ReLU is not differentiable at 0, and the
    value used there is the second argument ``grad_at_zero`` (default 0, as PyTorch, JAX
    and the textbook's ``Relu`` layer use). It is carried into ``diff`` as
    ``step(z, grad_at_zero)``, and from there into printed and compiled code.

    Examples
    --------
    >>> import sympy as sp
    >>> from symnn import relu
    >>> x = sp.Symbol("x")
    >>> relu(3), relu(-2)
    (3, 0)
    >>> sp.diff(relu(x), x)
    step(x, 0)
    >>> relu(x).rewrite(sp.Max)
    Max(0, x)
    """

    latex_name = r"\operatorname{ReLU}"
    code_rewrite = sp.Max

    def __new__(cls, z, grad_at_zero=sp.S.Zero, **options):
        return super().__new__(cls, z, _value_at_zero(grad_at_zero, "relu", "grad_at_zero"), **options)

    @classmethod
    def eval(cls, z, grad_at_zero):
        if not _sign_is_cheap(z):
            return None
        if z.is_extended_nonnegative:
            return z
        if z.is_extended_negative:
            return sp.S.Zero
        return None

    @property
    def grad_at_zero(self) -> sp.Expr:
        """The value used for the derivative at 0."""
        return self.args[1]

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return step(self.args[0], self.args[1])

    def _eval_rewrite_as_Max(self, z, grad_at_zero, **kwargs):
        return sp.Max(0, z)

    def _eval_rewrite_as_Piecewise(self, z, grad_at_zero, **kwargs):
        return sp.Piecewise((z, z > 0), (sp.S.Zero, True))

    def _eval_rewrite_as_exp(self, z, grad_at_zero, **kwargs):
        return sp.Max(0, z)

    def _eval_is_extended_real(self):
        return _true_or_none(self.args[0].is_extended_real)

    def _eval_is_nonnegative(self):
        return _true_or_none(self.args[0].is_extended_real)

    def _numpycode(self, printer):
        return f"{_np(printer, 'maximum')}({printer._print(self.args[0])}, 0)"


class softplus(ActivationFunction):
    r"""The softplus :math:`\zeta(z) = \log(1 + e^{z})`, a smooth ReLU whose derivative is :math:`\sigma`.

    Examples
    --------
    >>> import sympy as sp
    >>> from symnn import softplus
    >>> x = sp.Symbol("x")
    >>> sp.diff(softplus(x), x)
    sigmoid(x)
    >>> softplus(0)
    log(2)
    """

    latex_name = r"\operatorname{softplus}"

    @classmethod
    def eval(cls, z):
        if not z.is_Number:  # special values are numbers: 0, ±∞, Floats
            return None
        if z.is_zero:
            return sp.log(2)
        if z is sp.S.Infinity:
            return sp.S.Infinity
        if z is sp.S.NegativeInfinity:
            return sp.S.Zero
        if z.is_Float:
            return sp.log(1 + sp.exp(z))
        return None

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return sp.log(1 + sp.exp(z))

    _eval_rewrite_as_log = _eval_rewrite_as_exp

    def _eval_is_extended_real(self):
        return _true_or_none(self.args[0].is_extended_real)

    def _eval_is_positive(self):
        return _true_or_none(self.args[0].is_real)  # softplus(−∞) = 0

    def _pythoncode(self, printer):
        # max(z, 0) + log(1 + e^(−|z|)): log(1 + exp(z)) overflows math.exp at z = 1000
        z = self.args[0]
        return f"({printer._print(sp.Max(z, 0) + sp.log(1 + sp.exp(-sp.Abs(z))))})"

    _mpmathcode = _pythoncode

    def _numpycode(self, printer):
        # logaddexp(0, z) = log(1 + e^z) without overflow for large z.
        return f"{_np(printer, 'logaddexp')}(0, {printer._print(self.args[0])})"


class identity(sp.Function):
    r"""The identity activation :math:`f(z) = z` (a linear output unit); it evaluates to its argument.

    Examples
    --------
    >>> import sympy as sp
    >>> from symnn import identity
    >>> identity(sp.Symbol("z"))
    z
    """

    @classmethod
    def eval(cls, z):
        return z


def _true_or_none(fact: bool | None) -> bool | None:
    """An assumption these functions can only confirm: for other arguments the answer is unknown, not False."""
    return True if fact else None


def _value_at_zero(value, func: str, name: str) -> sp.Expr:
    """Check the value a step-like function takes at 0: a real number from 0 to 1."""
    try:
        v = sp.sympify(value, strict=True)
    except sp.SympifyError as e:
        raise TypeError(f"{func}: {name} must be a number from 0 to 1, got {value!r}") from e
    if not (v.is_number and v.is_extended_real and 0 <= v <= 1):
        raise ValueError(f"{func}: {name} must be a number from 0 to 1 (0, 1/2 or 1), got {value!r}")
    return v

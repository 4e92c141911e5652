"""SymPy's unevaluated parse of LaTeX rebuilt bottom-up: symnn's functions by name, symbols real, numbers bounded."""

from __future__ import annotations

import re
from collections.abc import Callable

import sympy as sp
from sympy.core.function import AppliedUndef

from symnn.model.functions import relu, sigmoid, softplus, step
from symnn.model.softmax import softmax
from symnn.text.latex_rewrite import DIFFERENTIAL, KNOWN
from symnn.text.limits import bound_arguments, check_extremum, checked_power
from symnn.text.parsing import parse

__all__ = ["Rebuild"]

_LATEX_FUNCTIONS: dict[str, Callable[..., sp.Basic]] = {
    "sigma": sigmoid,
    "sigmoid": sigmoid,
    "ReLU": relu,
    "relu": relu,
    "softplus": softplus,
    "step": step,
    "u": step,  # seed 003 writes the unit step u(z)
    "max": sp.Max,
    "min": sp.Min,
    # SymPy prints DiracDelta(x) (the step's derivative) as \delta\left(x\right), Heaviside(x) as \theta\left(x\right)
    "delta": sp.DiracDelta,
    "theta": sp.Heaviside,
}
_LATEX_SOFTMAX = re.compile(r"^softmax_\{?(\d+)\}?$")
_LATEX_STEP = re.compile(r"^(?:u|step)_\{(.+)\}$")  # u_{0}(z): the step whose value at 0 is 0 (symnn's printing)


def _derivative_of(name: str, primes: int, args: list[sp.Basic]) -> sp.Basic:
    """σ'(z), σ''(z), ReLU'(z), ...: the derivative of a function of one argument, at that argument."""
    if len(args) != 1:
        raise ValueError(f"parse_latex: {name}{chr(39) * primes} takes one argument, got {len(args)}")
    (arg,) = args
    if isinstance(arg, sp.Symbol):
        return sp.Derivative(_latex_function(name, [arg]), (arg, primes))
    t = sp.Dummy("t", real=True)
    return sp.Subs(sp.Derivative(_latex_function(name, [t]), (t, primes)), t, arg)


def _latex_function(name: str, args: list[sp.Basic]) -> sp.Basic:
    primes = len(name) - len(name.rstrip("'"))
    if primes:
        return _derivative_of(name[:-primes], primes, args)
    m = _LATEX_SOFTMAX.match(name)
    if m:
        return softmax(int(m[1]), *args)
    m = _LATEX_STEP.match(name)
    if m:
        at_zero = parse(m[1])
        return step(*args, at_zero) if len(args) == 1 else step(*args)  # step(a, b, v) names the arity
    if name in _LATEX_FUNCTIONS:
        return _LATEX_FUNCTIONS[name](*check_extremum(_LATEX_FUNCTIONS[name], args))
    raise ValueError(f"parse_latex: unknown function {name!r}; known: {KNOWN} and SymPy's own")


#: names SymPy's LaTeX parser leaves as symbols that are constants
_CONSTANTS: dict[str, sp.Basic] = {"e": sp.E, "pi": sp.pi}
_SUBSCRIPTED = re.compile(r"^(?P<base>[A-Za-z]+)_\{?(?P<index>[^{}]+?)\}?$")


def _indexed_sum(body: sp.Basic, limits: list[sp.Basic]) -> sp.Basic:
    """Σ_k x_k with x_k an entry of x: a subscript naming a bound index makes the symbol an ``Indexed`` entry.

    SymPy's parser reads x_{k} as one symbol named "x_{k}" (and w_{jk} as "w_{j*k}"), a constant of the sum.
    """
    bound = {str(limit[0]): limit[0] for limit in limits}
    subs = {}
    for sym in body.free_symbols:
        m = _SUBSCRIPTED.match(getattr(sym, "name", ""))
        if not m:
            continue
        text = m["index"].replace(" ", "")
        tokens = re.split(r"[,*]", text) if re.search(r"[,*]", text) else list(text)
        if not any(t in bound for t in tokens):
            continue
        indices = [
            bound[t] if t in bound else sp.Integer(t) if t.isdigit() else sp.Symbol(t, integer=True) for t in tokens
        ]
        subs[sym] = sp.IndexedBase(m["base"], real=True)[tuple(indices)]
    return sp.Sum(body.xreplace(subs), *limits)


class Rebuild:
    """SymPy's unevaluated parse, rebuilt bottom-up: evaluated (bounded) except relations, symnn's names known.

    Iterative: SymPy's parser nests a product of 500 letters 500 deep, too deep for a recursive walk.
    """

    def __init__(self, network: dict[str, sp.Symbol], integers: set[str]) -> None:
        self.network = network
        self.integers = integers  # names of summation indices and of the symbols in their limits
        self.bounded: set[sp.Basic] = set()
        self.symbols: dict[str, sp.Basic] = {}

    def symbol(self, s: sp.Symbol) -> sp.Basic:
        if DIFFERENTIAL.match(s.name) or s.name == "partial":  # d/dx, ∂/∂x not read as such
            raise ValueError(
                r"parse_latex: a differential (dx or \partial) outside \frac{d}{dx}, \frac{d^{n}}{dx^{n}}, "
                r"\frac{\partial}{\partial x} and \int is not read"
            )
        if s.name not in self.symbols:
            # real, as in parse (integer for sums' indices and bounds); bare e and \pi are the constants
            plain = _CONSTANTS.get(s.name) or sp.Symbol(s.name, real=True, integer=s.name in self.integers or None)
            self.symbols[s.name] = self.network.get(s.name, plain)
        return self.symbols[s.name]

    def __call__(self, root: sp.Basic) -> sp.Basic:
        built: dict[int, sp.Basic] = {}  # id of a node of the parse (all alive in root) -> its rebuilt form
        stack = [(root, False)]
        while stack:
            e, ready = stack.pop()
            if id(e) in built:
                continue
            if e.args and not ready:
                stack.append((e, True))
                stack.extend((a, False) for a in e.args)
                continue
            built[id(e)] = self.node(e, [built[id(a)] for a in e.args])
        return built[id(root)]

    def node(self, e: sp.Basic, args: list[sp.Basic]) -> sp.Basic:
        if type(e) is sp.Symbol:
            return self.symbol(e)
        if not e.args:  # a decimal is exact, as written (0.1 is 1/10), as in symnn.parse
            return sp.Rational(str(e)) if e.is_Float and e.is_finite else e
        if isinstance(e, sp.Rel):
            if any(isinstance(a, sp.Rel) for a in args):
                raise ValueError("parse_latex: a chained comparison is not allowed; write one relation")
            # unevaluated: Eq(x, x) would otherwise be True before verify sees the two sides
            return e.func(*args, evaluate=False)
        if isinstance(e, AppliedUndef):
            try:
                value = _latex_function(e.func.__name__, args)
            except TypeError as err:
                raise ValueError(f"parse_latex: wrong number of arguments to {e.func.__name__}: {err}") from None
        elif e.is_Pow:
            value = checked_power(*args)
        elif isinstance(e, sp.Sum):
            value = _indexed_sum(args[0], args[1:])
        else:
            value = e.func(*args)
        return bound_arguments(value, self.bounded)

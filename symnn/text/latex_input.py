r"""``parse_latex``: LaTeX as people and symnn's printer write it, read through SymPy's LaTeX parser (ANTLR).

SymPy's grammar reads \mathrm{d} as the product m·a·t·h·r·m·d, w^{(1)}_{21} as w**1 (the subscript lost),
\sigma^{2}(x) as σ²·x and x = x as True. The text is therefore rewritten into what the grammar reads right,
parsed with evaluation off, and rebuilt bottom-up here: symbols real, symnn's functions by name, numbers
under symnn.text.pyexpr's limits, relations unevaluated.
What SymPy's grammar gets wrong for this notation is rewritten here; the limits on numbers are
:mod:`symnn.text.pyexpr`'s and the limits on text :mod:`symnn.text.parsing`'s, as for :func:`symnn.parse`.
"""

from __future__ import annotations

import functools
import importlib
import logging
import re
import string
from collections.abc import Callable

import sympy as sp
from sympy.core.function import AppliedUndef

from symnn.deadline import run_with_deadline
from symnn.model.functions import relu, sigmoid, softplus, step
from symnn.model.notation import NetSymbol
from symnn.model.softmax import softmax
from symnn.text.parsing import MAX_DEPTH, MAX_ORDER, bracket_depth, check_text, parse
from symnn.text.pyexpr import bound_arguments, check_extremum, checked_power

log = logging.getLogger(__name__)

__all__ = ["LATEX_TIMEOUT", "MAX_LATEX_LENGTH", "parse_latex"]

#: SymPy's LaTeX parser runs on the pure-Python ANTLR runtime: 500 characters take up to ~2 s (500 letters
#: in a row, each an implicit product, ~5 s), so LaTeX gets a shorter cap
MAX_LATEX_LENGTH = 500

#: \mathrm{..}, \operatorname{..}, \text{..}, ...: a letter stands for itself (\mathrm{d}x is dx, \mathrm{e} is
#: Euler's number), a name below becomes the command \name; anything else is refused
_LATEX_WRAPPER = re.compile(r"\\(?:mathrm|operatorname|text|textrm|textit|mathit|rm)\s*\{([^{}]*)\}")
_LATEX_NAMES = ("ReLU", "relu", "sigmoid", "softplus", "softmax", "step")
_LATEX_SYMPY_NAMES = ("exp", "log", "ln", "sin", "cos", "tan", "sinh", "cosh", "tanh", "max", "min")
_LATEX_SIZED = re.compile(r"\\(?:left|right)\s*([()\[\]|])")  # \left( is ( (and strict mode trips on it)
#: symbol-like commands: Greek letters (not \sigma, symnn's sigmoid) and the placeholders of network symbols
_LATEX_SYMBOL_COMMAND = (
    r"(?:symnn[a-z]+|(?:var)?(?:alpha|beta|gamma|epsilon|zeta|eta|iota|kappa|lambda|mu|nu|xi|pi|rho|vartheta|"
    r"tau|upsilon|phi|chi|psi|omega)|Gamma|Delta|Theta|Lambda|Xi|Pi|Sigma|Upsilon|Phi|Psi|Omega)"
)
#: a letter, Greek letter or network symbol (placeholder), maybe subscripted, before \left(: SymPy's grammar
#: reads x(y) as applying a function x, but symnn's printer writes a product x (y) as x \left(y\right)
_LATEX_PRODUCT = re.compile(
    r"(?P<head>(?<![A-Za-z\\])[A-Za-tv-z]|\\" + _LATEX_SYMBOL_COMMAND + r"(?![A-Za-z]))"
    r"(?P<sub>\s*_\s*(?:\{[^{}]*\}|[A-Za-z0-9]))?\s*(?=\\left\s*\()"
)
#: what SymPy's grammar names a differential d x, d\alpha: left over outside \frac{d}{dx} and \int, it is a misreading
_LATEX_DIFFERENTIAL = re.compile(r"^d(?:[A-Za-z]|" + _LATEX_SYMBOL_COMMAND + r")$")
_LATEX_EAGER = re.compile(r"!|\\[dt]?binom|\\choose")
#: symbols of symnn's notation, printed w^{(1)}_{21} (w_{21}^{(1)} too), \delta^{(2)}_{1}, x_{1}
_LATEX_LAYERED = re.compile(
    r"(?<![A-Za-z\\])(?P<kind>w|b|z|a|\\delta|\\theta)\s*(?:\^\s*\{\s*\(\s*(?P<layer>\d+)\s*\)\s*\}\s*_\s*"
    r"(?:\{(?P<index>[\d,\s]+)\}|(?P<digit>\d))"
    r"|_\s*(?:\{(?P<index2>[\d,\s]+)\}|(?P<digit2>\d))\s*\^\s*\{\s*\(\s*(?P<layer2>\d+)\s*\)\s*\})"
)
#: a letter with a number as subscript (x_{1}, z_1; also in the differential dz_{1}, which SymPy's grammar cannot
#: read), not applied to an argument; u_{0} is the step's head
_LATEX_INDEXED = re.compile(
    r"(?:(?<![A-Za-z\\])|(?<=^d)|(?<=[^A-Za-z\\]d))(?P<kind>[A-Za-tv-z])\s*_\s*(?:\{\s*(?P<index>\d+)\s*\}|(?P<digit>\d))"
    r"(?!\s*(?:\(|\\left\s*\())"
)
#: x alone: SymPy's grammar takes x between two numbers for a times sign (2 x \sigma(2) would be 2·σ(2))
_LATEX_LONE_X = re.compile(r"(?:(?<![A-Za-z\\])|(?<=^d)|(?<=[^A-Za-z\\]d))x(?![A-Za-z])(?!\s*(?:_|\(|\\left\s*\())")
#: \frac{d^{2}}{dx^{2}}, as SymPy prints a second derivative; its grammar reads only \frac{d}{dx}
_LATEX_HIGHER = re.compile(
    r"\\frac\s*\{\s*(?P<d>d|\\partial)\s*\^\s*(?:\{\s*(?P<n>\d+)\s*\}|(?P<n1>\d))\s*\}\s*"
    r"\{\s*(?P=d)\s*(?P<var>\\[A-Za-z]+|[A-Za-z])\s*\^\s*(?:\{\s*(?P<m>\d+)\s*\}|(?P<m1>\d))\s*\}"
)
_PLACEHOLDER = "symnn"  # \symnnb, \symnnc, ...: one token the grammar reads as a symbol, also after d in dx
#: heads of symnn's functions, whose powers SymPy prints as \sigma^{2}\left(x\right)
_LATEX_HEAD = re.compile(
    r"\\(?:sigma|sigmoid|ReLU|relu|softplus|softmax|step)(?![A-Za-z])|(?<![A-Za-z\\])u(?![A-Za-z])"
)
_LATEX_KNOWN = (
    r"\sigma, \mathrm{ReLU}, \operatorname{softplus}, \operatorname{softmax}_{k}, u, u_{0}, \operatorname{step}, "
    r"\max, \min"
)
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


def _unwrap(m: re.Match) -> str:
    word = m[1].strip()
    if len(word) == 1 and word.isalpha():
        return word
    if word in _LATEX_NAMES or word in _LATEX_SYMPY_NAMES:
        return "\\" + word + " "
    raise ValueError(f"parse_latex: unknown function {m[0]}; known: {_LATEX_KNOWN} and SymPy's own")


def _placeholders(text: str) -> tuple[str, dict[str, sp.Symbol]]:
    """Symbols SymPy's grammar misreads replaced by placeholder commands, and what each stands for.

    Those are the network's (w^{(1)}_{21}), subscripted ones in a differential (dz_{1}), and a lone x, which the
    grammar takes for a times sign between numbers (2 x \\sigma(2) would be 2·σ(2)).
    """
    found: dict[str, sp.Symbol] = {}

    def placeholder(symbol: sp.Symbol) -> str:
        name = next((k for k, v in found.items() if v == symbol and type(v) is type(symbol)), None)
        if name is None:
            n, letters = len(found), ""
            while True:
                n, r = divmod(n, 26)
                letters += string.ascii_lowercase[r]
                if not n:
                    break
            name = _PLACEHOLDER + letters
            found[name] = symbol
        return f"\\{name} "

    def layered(m: re.Match) -> str:
        kind = m["kind"].lstrip("\\")
        index = m["index"] or m["digit"] or m["index2"] or m["digit2"]  # z^{(2)}_{1}, or z^{(2)}_1 unbraced
        layer, index = m["layer"] or m["layer2"], "".join(index.split())
        # w^{(1)}_{21}: one digit an index; w^{(1)}_{1,12} once an index has two digits (symnn.model.notation)
        indices = index.split(",") if "," in index else list(index) if kind == "w" else [index]
        try:
            return placeholder(NetSymbol(f"{kind}{layer}" + "".join(f"_{int(i)}" for i in indices)))
        except ValueError as e:
            raise ValueError(f"parse_latex: {m[0]!r} is not a symbol of symnn's notation: {e}") from None

    def indexed(m: re.Match) -> str:
        kind, index = m["kind"], m["index"] or m["digit"]
        if kind in "xty":
            try:  # the network's input, target, output
                return placeholder(NetSymbol(f"{kind}{int(index)}"))
            except ValueError:
                pass  # x_{0}: a plain subscripted symbol
        return placeholder(sp.Symbol(f"{kind}_{{{index}}}", real=True))  # the name SymPy's parser gives it

    text = _LATEX_INDEXED.sub(indexed, _LATEX_LAYERED.sub(layered, text))
    return _LATEX_LONE_X.sub(lambda m: placeholder(sp.Symbol("x", real=True)), text), found


def _higher_derivatives(m: re.Match) -> str:
    r"""``\frac{d^{2}}{dx^{2}}`` as ``\frac{d}{dx} \frac{d}{dx}``."""
    n, order = int(m["n"] or m["n1"]), int(m["m"] or m["m1"])
    if n != order or not 1 <= n <= MAX_ORDER:
        raise ValueError(f"parse_latex: a derivative d^{n}/dx^{order}: the orders must agree, from 1 to {MAX_ORDER}")
    return f" \\frac{{{m['d']}}}{{{m['d']} {m['var']} }}" * n


def _script_end(text: str, i: int) -> int:
    """Where the argument of ^ or _ starting at ``text[i]`` ends: a balanced {group}, a command or one character."""
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        return i
    if text[i] == "{":
        depth = 0
        for j in range(i, len(text)):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                return j + 1
        return len(text)
    if text[i] == "\\":
        m = re.compile(r"\\[A-Za-z]+").match(text, i)
        return m.end() if m else i + 2
    return i + 1


def _closing_paren(text: str, i: int) -> int | None:
    depth = 0
    for j in range(i, len(text)):
        depth += {"(": 1, ")": -1}.get(text[j], 0)
        if depth == 0:
            return j
    return None


def _powers_after_calls(text: str) -> str:
    r"""``\sigma^{2}(x)`` as ``\sigma(x)^{2}``: SymPy prints powers of applications so; its grammar misreads it."""
    out, pos = [], 0
    for m in _LATEX_HEAD.finditer(text):
        if m.start() < pos:
            continue
        scripts, j = {}, m.end()
        while True:
            k = j
            while k < len(text) and text[k].isspace():
                k += 1
            if k < len(text) and text[k] in "_^" and text[k] not in scripts:
                j = _script_end(text, k + 1)
                scripts[text[k]] = text[k:j]
            else:
                break
        close = _closing_paren(text, k) if k < len(text) and text[k] == "(" else None
        if "^" not in scripts or close is None:
            continue
        inner = _powers_after_calls(text[k + 1 : close])
        out.append(f"{text[pos : m.start()]}{m[0]}{scripts.get('_', '')}({inner}){scripts['^']}")
        pos = close + 1
    return "".join(out) + text[pos:]


#: SymPy's own functions, printed \tanh{\left(x \right)}: braces its grammar does not take for the argument
#: (\tanh{(x)} \sigma(x) would be tanh of the whole product)
_LATEX_BRACED_CALL = re.compile(
    r"\\(?:exp|log|ln|a?r?c?(?:sin|cos|tan|csc|sec|cot)h?)(?:\s*[_^]\s*(?:\{[^{}]*\}|\w)){0,2}\s*(?=\{\s*\()"
)


def _unbrace_calls(text: str) -> str:
    r"""``\tanh{(x)}`` as ``\tanh(x)``: the braces around a parenthesized argument of SymPy's functions dropped."""
    drop: set[int] = set()
    for m in _LATEX_BRACED_CALL.finditer(text):
        opening = text.index("(", m.end())
        close = _closing_paren(text, opening)
        after = close + 1 if close is not None else len(text)
        while after < len(text) and text[after].isspace():
            after += 1
        if after < len(text) and text[after] == "}":
            drop.update((m.end(), after))
    return "".join(ch for i, ch in enumerate(text) if i not in drop)


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
    raise ValueError(f"parse_latex: unknown function {name!r}; known: {_LATEX_KNOWN} and SymPy's own")


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


class _Rebuild:
    """SymPy's unevaluated parse, rebuilt bottom-up: evaluated (bounded) except relations, symnn's names known.

    Iterative: SymPy's parser nests a product of 500 letters 500 deep, too deep for a recursive walk.
    """

    def __init__(self, network: dict[str, sp.Symbol], integers: set[str]) -> None:
        self.network = network
        self.integers = integers  # names of summation indices and of the symbols in their limits
        self.bounded: set[sp.Basic] = set()
        self.symbols: dict[str, sp.Basic] = {}

    def symbol(self, s: sp.Symbol) -> sp.Basic:
        if _LATEX_DIFFERENTIAL.match(s.name) or s.name == "partial":  # d/dx, ∂/∂x not read as such
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


def load_sympy_parser() -> tuple[type[Exception], Callable[..., sp.Basic]]:
    """SymPy's LaTeX parser and its error class, imported with its ANTLR backend (a second or so, once).

    SymPy imports the backend (and sympy.physics with it) on the first parse: that import must not run
    with evaluation off (sympy.physics.units fails to initialise), nor be cut short by a time limit.
    """
    try:
        from sympy.parsing.latex import LaTeXParsingError
        from sympy.parsing.latex import parse_latex as sympy_parse_latex

        importlib.import_module("sympy.parsing.latex._parse_latex_antlr")
    except ImportError as e:  # pragma: no cover - the dependency is declared in pyproject
        raise ImportError(
            "parse_latex needs antlr4-python3-runtime 4.11: pip install 'antlr4-python3-runtime==4.11.*'"
        ) from e
    return LaTeXParsingError, sympy_parse_latex


#: The default budget of :func:`parse_latex`, in seconds (``symnn verify``'s default too).
LATEX_TIMEOUT = 5.0


def parse_latex(text: str, *, timeout: float | None = LATEX_TIMEOUT) -> sp.Basic:
    r"""Parse LaTeX with SymPy's LaTeX parser (ANTLR backend), knowing symnn's functions and symbols.

    ``\sigma(x)`` is :class:`~symnn.sigmoid`; ``\mathrm{ReLU}(x)``, ``\operatorname{ReLU}(x)`` or
    ``\text{ReLU}(x)`` is :class:`~symnn.relu`; ``\operatorname{softplus}``; ``u(z)`` (seed 003) and
    ``\operatorname{step}`` are :class:`~symnn.step`, ``u_{0}(z)`` the step with value 0 at 0;
    ``\operatorname{softmax}_{k}(z_1, \ldots, z_n)`` is component k; ``\max``/``\min``. What symnn's
    printer writes reads back: ``\sigma^{2}\left(x\right)`` is σ(x)², ``w^{(1)}_{21}`` and ``x_{1}`` are the
    network's symbols (:mod:`symnn.model.notation`). ``\mathrm{d}`` and ``\mathrm{e}`` are d and e, so
    ``\frac{\mathrm{d}}{\mathrm{d}x}`` is a derivative and ``\mathrm{e}^{x}`` the exponential. Any other
    applied function is refused. Symbols are real; ``e`` is Euler's number. A relation stays unevaluated
    (``x = x`` is ``Eq(x, x)``, for :func:`~symnn.verify`). Numbers are under :func:`parse`'s limits; text
    longer than :data:`MAX_LATEX_LENGTH` or nested deeper than :data:`MAX_DEPTH`, factorials and binomials
    (SymPy would evaluate them while parsing) are refused.

    SymPy's parser is pure Python (ANTLR) and slow on nested input — seconds for 40 nested ``\sigma(`` — so the
    parse runs under a budget, in a worker process killed at the deadline (:func:`symnn.deadline.run_with_deadline`,
    the helper ``symnn verify --timeout`` uses).

    Parameters
    ----------
    text : str
        The LaTeX, at most :data:`MAX_LATEX_LENGTH` characters.
    timeout : float or None
        The budget in seconds (default :data:`LATEX_TIMEOUT`, 5 s); ``None`` parses in this process without one.

    Returns
    -------
    sympy.Basic
        The expression, or the unevaluated relation.

    Raises
    ------
    ValueError
        Text that is not read (naming the problem), or a ``timeout`` that is not a positive number.
    symnn.deadline.DeadlineExceeded
        Parsing took longer than ``timeout`` (a ``TimeoutError`` and a ``ValueError``; the message names the budget).

    Examples
    --------
    >>> from symnn import parse_latex
    >>> parse_latex(r"\sigma(-x) = 1 - \sigma(x)")
    Eq(sigmoid(-x), 1 - sigmoid(x))
    >>> parse_latex(r"\frac{\mathrm{d}}{\mathrm{d}x} \sigma^{2}\left(x\right)")
    Derivative(sigmoid(x)**2, x)
    """
    text = check_text(text, "parse_latex", MAX_LATEX_LENGTH)
    if bracket_depth(text) > MAX_DEPTH:
        raise ValueError(f"parse_latex: the input is nested too deeply (at most {MAX_DEPTH} levels)")
    if timeout is None:
        return _parse_latex(text)
    _warm_parser()  # here, once: every worker then starts with the parser imported and its caches filled
    return run_with_deadline(_parse_latex, (text,), timeout, what="parse_latex: parsing")


#: Parsed once in this process (fixed, trusted text) before the first worker forks: ANTLR fills its prediction
#: caches lazily, and a worker's own fills die with it, so each cold worker would spend ~0.15 s more on them.
_WARM_UP = (
    r"\frac{\mathrm{d}}{\mathrm{d}x} \sigma^{2}\left(x\right) = \sigma(-x)(1 - \sigma(x)) "
    r"+ \sum_{k=1}^{n} w^{(1)}_{21} x_{k} + \mathrm{ReLU}(x) - \tanh(x) / 2"
)


@functools.cache
def _warm_parser() -> None:
    load_sympy_parser()
    _parse_latex(_WARM_UP)


def _parse_latex(text: str) -> sp.Basic:
    """:func:`parse_latex` of checked text, without a budget."""
    LaTeXParsingError, sympy_parse_latex = load_sympy_parser()
    text = text.replace("\\!", " ")  # \! is a negative thin space, not a factorial
    if _LATEX_EAGER.search(text):
        # SymPy's LaTeX parser evaluates n! and binomials of literals while parsing: 1000000! takes seconds
        raise ValueError(f"parse_latex: factorials and binomials are not allowed, got {_LATEX_EAGER.search(text)[0]!r}")
    if "\\" + _PLACEHOLDER in text:
        raise ValueError(f"parse_latex: \\{_PLACEHOLDER}... is reserved (symnn's placeholders for indexed symbols)")
    source, network = _placeholders(_LATEX_WRAPPER.sub(_unwrap, text))
    source = _LATEX_SIZED.sub(r"\1", _LATEX_PRODUCT.sub(r"\g<0> \\cdot ", source))
    source = _powers_after_calls(_unbrace_calls(_LATEX_HIGHER.sub(_higher_derivatives, source)))
    try:
        with sp.evaluate(False):  # SymPy's parser would evaluate relations (x = x is True) and more
            expr = sympy_parse_latex(source, strict=True)
    except LaTeXParsingError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else "invalid LaTeX"
        raise ValueError(f"parse_latex: cannot parse {text!r}: {first}") from None
    except (RecursionError, MemoryError):
        raise ValueError(f"parse_latex: the input is nested too deeply (at most {MAX_DEPTH} levels)") from None
    try:
        integers = {
            str(s) for total in expr.atoms(sp.Sum) for limit in total.limits for s in sp.Tuple(*limit).free_symbols
        }
        return _Rebuild(network, integers)(expr)
    except RecursionError:  # in SymPy's own evaluation; the rebuild itself is iterative
        raise ValueError(f"parse_latex: the input is nested too deeply (at most {MAX_DEPTH} levels)") from None

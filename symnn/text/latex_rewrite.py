"""LaTeX rewritten into what SymPy's grammar reads right: symnn's symbols as placeholders, powers after calls."""

from __future__ import annotations

import re
import string

import sympy as sp

from symnn.model.notation import NetSymbol
from symnn.text.parsing import MAX_ORDER

__all__ = ["DIFFERENTIAL", "KNOWN", "rewrite"]

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
DIFFERENTIAL = re.compile(r"^d(?:[A-Za-z]|" + _LATEX_SYMBOL_COMMAND + r")$")
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
KNOWN = (
    r"\sigma, \mathrm{ReLU}, \operatorname{softplus}, \operatorname{softmax}_{k}, u, u_{0}, \operatorname{step}, "
    r"\max, \min"
)


def _unwrap(m: re.Match) -> str:
    word = m[1].strip()
    if len(word) == 1 and word.isalpha():
        return word
    if word in _LATEX_NAMES or word in _LATEX_SYMPY_NAMES:
        return "\\" + word + " "
    raise ValueError(f"parse_latex: unknown function {m[0]}; known: {KNOWN} and SymPy's own")


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


def rewrite(text: str) -> tuple[str, dict[str, sp.Symbol]]:
    r"""``text`` as SymPy's grammar reads it right, and the symbols its placeholders stand for.

    SymPy's grammar reads \mathrm{d} as the product m·a·t·h·r·m·d, w^{(1)}_{21} as w**1 (the subscript lost) and
    \sigma^{2}(x) as σ²·x: what it gets wrong for this notation is rewritten here. Factorials and binomials (which
    SymPy's parser evaluates while parsing: 1000000! takes seconds) and symnn's reserved placeholders are refused.
    """
    if _LATEX_EAGER.search(text):
        raise ValueError(f"parse_latex: factorials and binomials are not allowed, got {_LATEX_EAGER.search(text)[0]!r}")
    if "\\" + _PLACEHOLDER in text:
        raise ValueError(f"parse_latex: \\{_PLACEHOLDER}... is reserved (symnn's placeholders for indexed symbols)")
    source, network = _placeholders(_LATEX_WRAPPER.sub(_unwrap, text))
    source = _LATEX_SIZED.sub(r"\1", _LATEX_PRODUCT.sub(r"\g<0> \\cdot ", source))
    return _powers_after_calls(_unbrace_calls(_LATEX_HIGHER.sub(_higher_derivatives, source))), network

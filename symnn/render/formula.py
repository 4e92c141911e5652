"""LaTeX of SymPy objects for documents: SymPy's printer, plus line breaking of long right-hand sides.

SymPy's ``latex`` prints an expression on one line, however long; a derivation's gradients run off the page.
:func:`equation` breaks the right-hand side at its top-level ``+``/``−`` (and, for a long product, between
factors) into an ``aligned`` block that both KaTeX and amsmath typeset.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.core.function import _coeff_isneg
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

__all__ = ["WIDTH", "aligned", "cases", "equation", "equation_lines", "latex", "visible_width"]

#: About how many characters of typeset maths fit on a line of an A4 page or a blog column.
WIDTH = 64


def latex(expr: sp.Basic, **settings) -> str:
    """``sympy.latex`` with ``order="none"``: terms in the order SymPy holds them (seed 002's X W + B).

    Examples
    --------
    >>> import symnn as sn
    >>> net = sn.MLP([2, 1], convention="row")
    >>> latex(net.matrix_view.equations[0][1])
    'X W^{(1)} + B^{(1)}'
    """
    settings.setdefault("order", "none")
    # matrices in round brackets, as the seed notes write them
    settings.setdefault("mat_str", "pmatrix")
    settings.setdefault("mat_delim", "")
    return _Printer(settings).doprint(_textbook_order(expr))


class _Printer(LatexPrinter):
    r"""SymPy's LaTeX printer with two changes for the matrix view.

    SymPy prints the Hadamard (elementwise) product with \circ, the sign of composition, where the notes write
    ⊙; and it prints a Hadamard power of a symbol that has a superscript, a^(2)∘(−1), as a double superscript
    (``a^{(2)}^{\circ …}``), which TeX and KaTeX reject.
    """

    def _print_Add(self, expr, order=None):
        # SymPy writes a minus only for a term whose own leading number is negative; a product held unevaluated
        # whose first factor is negative (−t/a · a(1 − a), as a step writes it) printed as "+ −t/a ..."
        tex = ""
        for i, term in enumerate(self._as_ordered_terms(expr, order=order)):
            positive = _without_leading_minus(term) if i else None
            if positive is not None:
                tex += " - "
                term = positive
            elif i:
                tex += " + "
            term_tex = self._print(term)
            tex += rf"\left({term_tex}\right)" if self._needs_add_brackets(term) else term_tex
        return tex

    def _print_Indexed(self, expr):
        # SymPy writes {z^{(2)}}_{j} and {w^{(1)}}_{j,k}: the subscript after the superscript and commas between
        # one-letter indices; the textbook stacks them, z^{(2)}_{j}, w^{(1)}_{jk}, as symnn's element symbols print
        base = self._print(expr.base.label)
        indices = [self._print(i) for i in expr.indices]
        sep = "" if all(len(i) == 1 for i in indices) else ","
        sub = "_{" + sep.join(indices) + "}"
        if "^" not in base and "_" not in base:
            return base + sub  # x_{k}
        if base.count("^") == 1 and base.endswith("}") and "_" not in base:
            return "{" + base + sub + "}"  # braced, so that a power of it is not a double superscript
        return "{" + base + "}" + sub

    def _print_HadamardProduct(self, expr):
        return r" \odot ".join(self.parenthesize(a, PRECEDENCE["Pow"], strict=True) for a in expr.args)

    def _print_HadamardPower(self, expr):
        base = self._print(expr.base)
        if "^" in base or not (expr.base.is_Symbol or isinstance(expr.base, sp.MatrixSymbol)):
            base = rf"\left({base}\right)"
        return rf"{base}^{{\circ \left({self._print(expr.exp)}\right)}}"


def _without_leading_minus(term: sp.Expr) -> sp.Expr | None:
    """``−term`` when ``term`` starts with a minus sign (its leading number, or that of its first factor held
    unevaluated, is negative), written as ``term`` is; ``None`` otherwise."""
    if _coeff_isneg(term):
        return -term
    if term.is_Mul and term.args and not term.args[0].is_Number:
        lead = _without_leading_minus(term.args[0])
        if lead is not None:
            return sp.Mul(lead, *term.args[1:], evaluate=False) if lead != 1 else sp.Mul(*term.args[1:], evaluate=False)
    return None


# Order of symbol kinds in a sum: weights and errors first, the bias last (z = Σ w a + b).
_SUM_KIND: dict[str, int] = {"w": 0, "delta": 1, "b": 3}


def _natural_key(term: sp.Expr) -> tuple:
    """A sort key from the network symbols in ``term``, numbers compared as numbers; () if it has none."""
    from symnn.model.notation import NetSymbol

    syms = [s for s in term.free_symbols if isinstance(s, NetSymbol)]
    return tuple(sorted((_SUM_KIND.get(s.kind, 2), s.kind, s.layer or 0, s.index) for s in syms))


# symnn's notation symbols (NetSymbol.kind) that come first in a product: w^(l)_jk x_k, δ^(l)_j a^(l-1)_k
_KIND_RANK: dict[str, int] = {"w": 0, "delta": 1}


def _textbook_order(expr: sp.Basic) -> sp.Basic:
    """Sums in the order a textbook writes them: terms with a plus sign first (in SymPy's order, so w x + b),
    then the constant, then the terms with a minus sign (t - y, x^2 + 1, 1 - σ). SymPy's printers offer either
    its stored order (numbers and negative terms first, -y + t) or a lexicographic one (b + w x)."""
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(_textbook_order)
    if not isinstance(expr, sp.Basic) or not expr.has(sp.Add, sp.Mul):
        return expr

    def rank(term: sp.Expr) -> int:
        if term.is_number:
            return 1 if not term.could_extract_minus_sign() else 2
        return 2 if term.could_extract_minus_sign() else 0

    def transcendental(term: sp.Expr) -> bool:
        return not term.is_number and term.has(sp.exp, sp.Function) and not term.could_extract_minus_sign()

    def reorder(e: sp.Add) -> sp.Add:
        if all(a.is_number or transcendental(a) for a in e.args):
            # 1 + e^{-z}: a constant reads first before exponentials and functions
            return sp.Add(*sorted(e.args, key=lambda a: not a.is_number), evaluate=False)
        # products before lone symbols: w_1 x_1 + w_2 x_2 + b, as the seeds write a weighted input
        terms = sorted(e.args, key=lambda t: (rank(t), 0 if t.is_Mul else 1))
        keys = [_natural_key(t) for t in terms]
        if all(keys):  # every term holds network symbols: w_1,2 before w_1,10 (SymPy sorts names as text)
            terms = [
                t for _, _, t in sorted(zip([rank(t) for t in terms], keys, terms, strict=True), key=lambda r: r[:2])
            ]
        return sp.Add(*terms, evaluate=False) if list(terms) != list(e.args) else e

    def factor_rank(f: sp.Expr) -> int:
        # σ(z)(1 − σ(z)): plain factors before sums in parentheses; w x and δ a as the seed notes write them
        if f.is_number:
            return -1  # the coefficient stays in front: -w x, not w (-1) x
        base = f.base if f.is_Pow else f
        if base.is_Add:
            return 3
        return _KIND_RANK.get(getattr(base, "kind", None), 2) if isinstance(base, sp.Symbol) else 2

    def reorder_mul(e: sp.Mul) -> sp.Mul:
        if any(a.is_number for a in e.args[1:]):
            return e  # held unevaluated on purpose, as written on paper: 2u (-1)
        factors = sorted(e.args, key=factor_rank)
        return sp.Mul(*factors, evaluate=False) if list(factors) != list(e.args) else e

    def scalar(kind: type) -> object:
        return lambda e: isinstance(e, kind) and not isinstance(e, sp.MatrixExpr)

    return expr.replace(scalar(sp.Add), reorder).replace(scalar(sp.Mul), reorder_mul)


# What takes (nearly) no room when typeset: sizing commands, spacing, braces, operatorname wrappers.
_INVISIBLE = re.compile(r"\\(left|right|big[lr]?|Big[lr]?|operatorname|mathrm|mathbf|quad|qquad|,|;|!)\b|[{}]|\\[,;!]")
_COMMAND = re.compile(r"\\[A-Za-z]+")
_SCRIPT = re.compile(r"[_^]\{([^{}]*)\}")


def visible_width(tex: str) -> float:
    """A rough count of the characters ``tex`` takes when typeset (sub/superscripts count half).

    Examples
    --------
    >>> visible_width(r"w^{(1)}_{11} x_{1}")
    5.0
    """
    scripts = sum(len(m) for m in _SCRIPT.findall(tex))
    body = _SCRIPT.sub("", tex)
    body = _INVISIBLE.sub("", body)
    body = _COMMAND.sub("x", body)  # \sigma, \cdot, \frac: about one character each
    body = body.replace(" ", "")
    return len(body) + scripts / 2


def _terms(expr: sp.Expr) -> list[str]:
    """The LaTeX of each top-level term of a sum, with its sign in front (``+ a``, ``- b``), in print order."""
    printer = LatexPrinter({"order": "none"})
    out = []
    for i, term in enumerate(printer._as_ordered_terms(expr, order="none")):
        s = latex(term)
        if s.startswith("-"):
            out.append("- " + s[1:].lstrip())
        else:
            out.append(s if i == 0 else "+ " + s)
    return out


def _factors(expr: sp.Expr) -> list[str] | None:
    """A product's factors as LaTeX (parenthesised where needed), or ``None`` when it has a denominator."""
    coeff, rest = expr.as_coeff_Mul()
    factors = sp.Mul.make_args(rest)
    if coeff.q != 1 or any(f.is_Pow and f.exp.is_negative for f in factors):
        return None
    out = [rf"\left({latex(f)}\right)" if f.is_Add else latex(f) for f in factors]
    out[0] = ("-" if coeff == -1 else "" if coeff == 1 else latex(coeff) + " ") + out[0]
    return out


def _pieces(expr: sp.Basic, width: float) -> list[str]:
    """Break the LaTeX of ``expr`` into pieces, each about ``width`` wide at most, to be set one per line."""
    expr = _textbook_order(expr)
    if isinstance(expr, sp.Expr) and expr.is_Add:
        chunks = _terms(expr)
    elif isinstance(expr, sp.Expr) and expr.is_Mul and (f := _factors(expr)) is not None:
        chunks = [f[0]] + [r"\cdot " + s for s in f[1:]]
    else:
        return [latex(expr)]
    lines: list[str] = []
    for chunk in chunks:
        if lines and visible_width(lines[-1]) + visible_width(chunk) <= width:
            lines[-1] = f"{lines[-1]} {chunk}"
        else:
            lines.append(chunk)
    return lines


def equation_lines(lhs: sp.Basic | str, rhs: sp.Basic | str, *, width: float = WIDTH, relation: str = "=") -> list[str]:
    """The lines of ``lhs = rhs`` for an ``aligned`` block, ``&`` before the relation; one line when it fits."""
    left = lhs if isinstance(lhs, str) else latex(lhs)
    right = rhs if isinstance(rhs, str) else latex(rhs)
    if visible_width(left) + visible_width(right) + 2 <= width or isinstance(rhs, str):
        return [f"{left} &{relation} {right}"]
    pieces = _pieces(rhs, width - visible_width(left) - 2)
    return [f"{left} &{relation} {pieces[0]}"] + [rf"&\quad {p}" for p in pieces[1:]]


def aligned(lines: list[str]) -> str:
    """Lines from :func:`equation_lines` as one formula: an ``aligned`` block, or the bare line when alone."""
    if len(lines) == 1:
        return lines[0].replace(" &", " ", 1).replace("  ", " ")
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def equation(lhs: sp.Basic | str, rhs: sp.Basic | str, *, width: float = WIDTH, relation: str = "=") -> str:
    """``lhs = rhs`` as LaTeX; an ``aligned`` block broken at ``+``/``−`` when it is wider than ``width``.

    ``lhs``/``rhs`` may be SymPy objects or LaTeX already printed (then ``rhs`` is not broken).

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, c = sp.symbols("a b c")
    >>> equation(a, b + c)
    'a = b + c'
    >>> print(equation(a, b + c, width=2))
    \\begin{aligned}
    a &= b \\\\
    &\\quad + c
    \\end{aligned}
    """
    return aligned(equation_lines(lhs, rhs, width=width, relation=relation))


def cases(pairs: list[tuple[sp.Basic, sp.Basic]]) -> str:
    r"""``\begin{cases} v & (c) \\ … \end{cases}`` with each condition as written, the seed notes' style.

    SymPy's Piecewise printer canonicalises the conditions (w x ≤ θ becomes θ ≥ w x), turns the last one into
    "otherwise", and writes the English word "for"; a document in Japanese needs neither.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> cases([(x, x > 0), (0, x <= 0)])
    '\\begin{cases} x & (x > 0) \\\\ 0 & (x \\leq 0) \\end{cases}'
    """
    rows = [f"{latex(sp.sympify(value))} & ({latex(cond)})" for value, cond in pairs]
    return "\\begin{cases} " + " \\\\ ".join(rows) + " \\end{cases}"

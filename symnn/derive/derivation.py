"""What a derivation is: ordered steps (equation, rule, note) and its results, with a check against ``sympy.diff``.

Steps carry no rendering: the renderers in :mod:`symnn.render` read them.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sympy as sp

from symnn.derive.evaluate import at_point
from symnn.model.display import show

if TYPE_CHECKING:
    from symnn.model.network import MLP

__all__ = [
    "LOSS_SYMBOL",
    "RULES",
    "CheckResult",
    "Derivation",
    "NetworkDerivationBase",
    "Partial",
    "Said",
    "Step",
    "TotalDerivative",
    "said",
]

#: The loss C as a name, for the left sides of the steps (∂C/∂w^(l)_jk).
LOSS_SYMBOL = sp.Symbol("C", real=True)

#: rule -> its name in each language; every Step names one of these.
RULES: dict[str, dict[str, str]] = {
    "definition": {"en": "definition", "ja": "定義"},
    "chain rule": {"en": "chain rule", "ja": "連鎖律"},
    "sum rule": {"en": "sum rule", "ja": "和の微分"},
    "product rule": {"en": "product rule", "ja": "積の微分"},
    "activation derivative": {"en": "derivative of the activation", "ja": "活性化関数の微分"},
    "substitution": {"en": "substitution", "ja": "代入"},
    "simplification": {"en": "simplification", "ja": "式の整理"},
}
LANGUAGES: tuple[str, ...] = ("en", "ja")
assert all(tuple(names) == LANGUAGES for names in RULES.values()), "every rule is named in every language"


@dataclass(frozen=True)
class Said:
    """A step's note as data: the key of a template (the words live in :mod:`symnn.render.notes`, one text per
    language) and the values it names."""

    key: str
    args: tuple[tuple[str, Any], ...] = ()


def said(key: str, **args: Any) -> Said:
    """The note ``key`` with the values ``args`` (numbers, names) that its texts name."""
    return Said(key, tuple(args.items()))


class Partial(sp.Derivative):
    r"""An unevaluated partial derivative printed as the textbooks write it: :math:`\frac{\partial C}{\partial w}`.

    SymPy prints ``Derivative(C, w)`` of a bare symbol C as :math:`\frac{d}{dw} C`; this
    subclass changes only the printing. ``doit()`` works as for any ``Derivative``.
    """

    _d = r"\partial"

    def _latex(self, printer, exp=None):
        den = " ".join(
            rf"{self._d} {printer._print(v)}" + ("" if c == 1 else f"^{{{printer._print(c)}}}")
            for v, c in self.variable_count
        )
        order = sum(c for _, c in self.variable_count)
        top = self._d if order == 1 else f"{self._d}^{{{order}}}"
        if self.expr.is_Symbol:
            s = rf"\frac{{{top} {printer._print(self.expr)}}}{{{den}}}"
        else:  # d/dy (4 − 4y + y²), not d(4 − 4y + y²)/dy
            s = rf"\frac{{{top}}}{{{den}}}\left({printer._print(self.expr)}\right)"
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"


class TotalDerivative(Partial):
    r"""An unevaluated derivative of a function of one variable, printed :math:`\frac{dy}{dx}`."""

    _d = "d"


@dataclass(frozen=True)
class Step:
    """One equation of a derivation: ``lhs = rhs``, obtained by ``rule``.

    Attributes
    ----------
    lhs, rhs : sympy.Basic
        The two sides (scalars or matrix expressions).
    rule : str
        A key of :data:`RULES`.
    notes : Said or Mapping[str, str]
        A one-line note: symnn's steps name a template (:func:`said`), whose words the renderers hold; a step of
        one's own may give its text in each language of ``LANGUAGES`` ("en", "ja").
    layer : str, optional
        The layer the step belongs to, for a network's derivation (``"dense 2"``).
    shape : tuple, optional
        The shape of the left side when it is an array of the batch view: ``(N, 3)`` for δ^(2) of 3 units over a
        batch of N samples (N a symbol), ``(3, 2)`` for ∂C/∂W^(2).
    """

    lhs: sp.Basic
    rhs: sp.Basic
    rule: str
    notes: Said | Mapping[str, str] = field(default_factory=dict)
    layer: str | None = None
    shape: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown rule {self.rule!r}; valid choices: {', '.join(RULES)}")
        if isinstance(self.notes, Said):
            return
        missing = [lang for lang in LANGUAGES if lang not in self.notes]
        if missing:
            raise ValueError(f"a step's notes need every language; missing: {', '.join(missing)}")

    def note(self, lang: str = "en") -> str:
        """The step's note in ``lang`` ("en" or "ja")."""
        lang = _check_lang(lang)
        return show("step note", self.notes, lang) if isinstance(self.notes, Said) else self.notes[lang]

    def rule_name(self, lang: str = "en") -> str:
        """The rule's name in ``lang``."""
        return RULES[self.rule][_check_lang(lang)]


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; valid choices: {', '.join(LANGUAGES)}")
    return lang


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :meth:`Derivation.check`.

    Truthy when every result matched. ``method`` is ``"exact"`` (the difference expanded to 0)
    or ``"numeric"`` (equal to 40 significant digits at ``points`` random rational points);
    ``mismatches`` lists the left sides that did not match.
    """

    ok: bool
    method: str
    checked: int
    points: int
    mismatches: tuple[sp.Basic, ...]
    assumptions: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.ok


class Derivation:
    """Ordered steps and the results they reach.

    Attributes
    ----------
    steps : list[Step]
        In reading order.
    results : dict
        Left side (e.g. ``Partial(C, w)``) -> the final expression.
    matrix_steps : list[Step]
        For a network: the backprop equations in the matrix view (empty otherwise).
    network : MLP or None
        The network derived, for :func:`symnn.derive.backprop`.
    oracle : dict
        Left side -> ``(function, variable)`` such that the result must equal
        ``sympy.diff(function, variable)``; what :meth:`check` compares against.
    constraint : dict
        Substitutions that encode the derivation's assumptions (for softmax with
        cross-entropy, Σ t_k = 1 as t_n = 1 − Σ_{k<n} t_k), applied to both sides when checking.
    """

    def __init__(
        self,
        steps: Sequence[Step],
        results: Mapping[sp.Basic, sp.Expr],
        oracle: Mapping[sp.Basic, tuple[sp.Expr, sp.Symbol]],
        *,
        matrix_steps: Sequence[Step] = (),
        network: MLP | None = None,
        constraint: Mapping[sp.Symbol, sp.Expr] | None = None,
        assumptions: Sequence[str] = (),
    ) -> None:
        self._steps = list(steps)
        self._results = dict(results)
        self._oracle = dict(oracle)
        self.matrix_steps = list(matrix_steps)
        self.network = network
        self.constraint = dict(constraint or {})
        self.assumptions = tuple(assumptions)

    @property
    def steps(self) -> list[Step]:
        return self._steps

    @property
    def results(self) -> dict[sp.Basic, sp.Expr]:
        return self._results

    @property
    def oracle(self) -> dict[sp.Basic, tuple[sp.Expr, sp.Symbol]]:
        return self._oracle

    def check(self, method: str = "auto", *, points: int = 2, seed: int = 0, exact_limit: int = 40) -> CheckResult:
        """Compare every result with ``sympy.diff`` of the function it differentiates.

        Parameters
        ----------
        method : {"auto", "exact", "numeric"}
            ``exact`` expands each difference to 0 (a proof, for small networks); ``numeric``
            evaluates both sides to 50 digits at random rational points and requires 40 to
            agree. ``auto`` is exact for at most ``exact_limit`` results, numeric beyond.
        points, seed : int
            The number of random points for ``numeric`` and their seed.
        """
        if method not in ("auto", "exact", "numeric"):
            raise ValueError(f"unknown check method {method!r}; valid choices: auto, exact, numeric")
        if method == "auto":
            method = "exact" if len(self.results) <= exact_limit else "numeric"
        pairs = []
        for lhs, value in self.results.items():
            f, var = self.oracle[lhs]
            pairs.append((lhs, value.xreplace(self.constraint), sp.diff(f, var).xreplace(self.constraint)))
        if method == "exact":
            bad = tuple(lhs for lhs, a, b in pairs if sp.expand(a - b) != 0)
            n_points = 0
        else:
            bad = _numeric_mismatches(pairs, points, seed)
            n_points = points
        return CheckResult(not bad, method, len(pairs), n_points, bad, self.assumptions)

    # -- publishing: the renderers in symnn.render read this object; nothing here builds strings ------------

    def to_latex(self, lang: str = "en", *, standalone: bool = True) -> str:
        """The derivation as LaTeX: a document for ``pdflatex`` (or a fragment), prose in ``lang`` ("en", "ja")."""
        return show("derivation latex", self, lang, standalone=standalone)

    def to_markdown(self, lang: str = "en", *, flavor: str = "katex") -> str:
        """The derivation as Markdown with ``$…$``/``$$…$$`` maths for KaTeX (Hugo, Jupyter); ``flavor`` writes it
        for ``github``, ``zenn``, ``qiita``, ``myst`` or ``quarto`` instead (numbered equations, their own maths
        syntax)."""
        return show("derivation markdown", self, lang, flavor=flavor)

    def to_html(self, lang: str = "en") -> str:
        """The derivation as one self-contained HTML page (KaTeX inlined, so it opens offline)."""
        return show("derivation html", self, lang)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return show("derivation results latex", self)

    def __repr__(self) -> str:
        what = f"of {self.network!r}" if self.network is not None else f"with {len(self.results)} result(s)"
        return f"<Derivation {what}: {len(self.steps)} steps>"


def _numeric_mismatches(pairs, points: int, seed: int) -> tuple[sp.Basic, ...]:
    """Left sides whose two values differ at one of ``points`` random rational points."""
    rng = random.Random(seed)
    symbols = sorted(set().union(*(a.free_symbols | b.free_symbols for _, a, b in pairs)), key=sp.default_sort_key)
    bad: list[sp.Basic] = []
    for _ in range(points):
        at = {s: sp.Float(_random_value(s, rng), 50) for s in symbols}
        memo: dict[sp.Basic, sp.Expr] = {}
        for lhs, a, b in pairs:
            if lhs in bad:
                continue
            va, vb = (at_point(e, at, memo) for e in (a, b))
            if not abs(va - vb) <= sp.Float(10, 50) ** -40 * (1 + abs(va) + abs(vb)):
                bad.append(lhs)
    return tuple(bad)


def _random_value(symbol: sp.Symbol, rng: random.Random) -> sp.Rational:
    """A random rational in (-2, 2) (in (0, 2) for a positive symbol), never exactly 0."""
    v = sp.Rational(rng.randint(1, 400), 200)
    if symbol.is_positive or symbol.is_nonnegative:
        return v
    return v if rng.random() < 0.5 else -v


class NetworkDerivationBase(Derivation):
    """A network's derivation whose element view a subclass builds on first use, as ``_built``: the steps, the
    explicit gradients, the gradients in the adjoints' names, and the adjoints (a wide network has one gradient per
    weight, and compiling never needs them)."""

    _built: tuple[list[Step], dict, dict, dict]

    @property
    def steps(self) -> list[Step]:
        return self._built[0]

    @property
    def gradients(self) -> dict[sp.Symbol, sp.Expr]:
        """Every parameter -> ∂C/∂θ, explicit in the inputs, targets and parameters."""
        return self._built[1]

    @property
    def local_gradients(self) -> dict[sp.Symbol, sp.Expr]:
        """Every parameter -> ∂C/∂θ in the adjoints' names (δ^(l)_j a^(l−1)_k)."""
        return self._built[2]

    @property
    def deltas(self) -> dict[sp.Symbol, sp.Expr]:
        """Every adjoint's name -> its explicit expression, shared by every gradient that uses it."""
        return self._built[3]

    @property
    def results(self) -> dict[sp.Basic, sp.Expr]:
        return {Partial(LOSS_SYMBOL, p): g for p, g in self.gradients.items()}

    @property
    def oracle(self) -> dict[sp.Basic, tuple[sp.Expr, sp.Symbol]]:
        loss = self.network.loss_expr
        return {Partial(LOSS_SYMBOL, p): (loss, p) for p in self.network.params}

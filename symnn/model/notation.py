"""The network's symbols: w^(l)_jk, b^(l)_j, z^(l)_j, a^(l)_j, δ^(l)_j, θ^(l)_j, x_k, t_k, y_k, and the two layouts.

Every symbol has a plain identifier as its name (``w1_2_1`` is w^(1)_21, the weight into
unit 2 of layer 1 from unit 1 of layer 0), so ``str``, ``lambdify`` and JSON stay readable
and parsable; LaTeX prints the textbook form. Indices are 1-based as in the seed notes.
"""

from __future__ import annotations

import numbers
import re
from functools import lru_cache
from typing import Literal

import sympy as sp

__all__ = [
    "CONVENTIONS",
    "Convention",
    "NetMatrix",
    "NetSymbol",
    "act",
    "bias",
    "check_convention",
    "delta",
    "input_symbol",
    "output_symbol",
    "preact",
    "target",
    "threshold",
    "weight",
]

Convention = Literal["column", "row"]
#: column: z = W a + b, W is n_l × n_(l−1) (seeds 000, 001, 003);
#: row: Z = A W + B, W is n_(l−1) × n_l, one sample a row (seed 002, ゼロから作る Deep Learning).
CONVENTIONS: tuple[str, ...] = ("column", "row")

# kind -> (LaTeX head, number of indices after the layer, or None for unlayered symbols)
_KINDS: dict[str, tuple[str, int | None]] = {
    "w": ("w", 2),
    "b": ("b", 1),
    "z": ("z", 1),
    "a": ("a", 1),
    "delta": (r"\delta", 1),
    "theta": (r"\theta", 1),
    "h": ("h", 1),  # the output of a layer of a Network that is neither z nor a (LayerNorm, Dropout, ...)
    "gamma": (r"\gamma", 1),  # a normalisation's scale
    "beta": (r"\beta", 1),  # and shift
    "m": ("m", 1),  # a dropout mask, an input of the network
    "g": (r"\bar{g}", 1),  # ∂C/∂h: the adjoint of an output that has no δ of its own
    "k": ("K", 4),  # a convolution's kernel entry K^(i)_fcpq: filter f, channel c, offset (p, q)
    "c": ("c", 1),  # a convolution's bias c^(i)_f
    "wx": ("w", 2),  # a recurrent layer's input weights W, shared by its steps (superscript [i], not (l))
    "wh": ("u", 2),  # its recurrent weights U
    "bh": ("b", 1),  # its bias b
    "wq": ("w", 2),  # attention's query, key and value weights w^{Q(i)}_{cj} (see _TAGS)
    "wk": ("w", 2),
    "wv": ("w", 2),
    "x": ("x", None),
    "t": ("t", None),
    "y": ("y", None),
}
#: a recurrent layer's parameters: superscript [i] (the layer's first node, as documents label it), so that its
#: w and b never print as a dense layer's w^(l), b^(l)
_BRACKETED = frozenset({"wx", "wh", "bh"})
# kind -> a tag written before the layer in the superscript: w^{Q(3)}_{12}
_TAGS: dict[str, str] = {"wq": "Q", "wk": "K", "wv": "V"}
# an optional ``s<n>``: the sample n of a batch, for layers that couple samples (BatchNorm)
_NAME = re.compile(r"^(?P<kind>[a-z]+?)(?P<first>[1-9]\d*)(?P<rest>(?:_[1-9]\d*)*)(?:s(?P<sample>[1-9]\d*))?$")


def _index_latex(index: tuple[int, ...]) -> str:
    """``21`` for (2, 1); ``1,12`` once any index has two digits, so the reading is unique."""
    sep = "," if any(i > 9 for i in index) else ""
    return sep.join(str(i) for i in index)


class NetSymbol(sp.Symbol):
    """A real symbol of the network notation, named by a checked identifier.

    Parameters
    ----------
    name : str
        ``<kind><n>[_<n>...][s<n>]`` with kind one of w, b, z, a, delta, theta, h, gamma, beta, m, g, wq, wk, wv
        (layered: the first number is the layer) or x, t, y (one index); the optional ``s<n>`` names
        sample n of a batch (printed as an angle-bracketed superscript), for layers that couple samples.
        Use the constructors :func:`weight`, :func:`bias`, ... rather than spelling names.

    Examples
    --------
    >>> import sympy as sp
    >>> from symnn.model.notation import weight
    >>> w = weight(1, 2, 1)
    >>> w, sp.latex(w)
    (w1_2_1, 'w^{(1)}_{21}')
    >>> w.kind, w.layer, w.index
    ('w', 1, (2, 1))
    """

    def __new__(cls, name: str, **assumptions):
        _parse(name)  # a name symnn did not make is refused before it reaches lambdify
        assumptions.setdefault("real", True)
        return super().__new__(cls, name, **assumptions)

    @property
    def kind(self) -> str:
        """``"w"``, ``"b"``, ``"z"``, ``"a"``, ``"delta"``, ``"theta"``, ``"x"``, ``"t"`` or ``"y"``."""
        return _parse(self.name)[0]

    @property
    def layer(self) -> int | None:
        """The layer l of a layered symbol, ``None`` for x, t, y."""
        return _parse(self.name)[1]

    @property
    def index(self) -> tuple[int, ...]:
        """The unit indices: (j, k) for a weight, (j,) otherwise."""
        return _parse(self.name)[2]

    @property
    def sample(self) -> int | None:
        """The sample n of a batch-indexed symbol (``x1s2``), ``None`` for the symbols of one sample."""
        m = _NAME.match(self.name)
        return int(m["sample"]) if m["sample"] else None

    def _latex(self, printer, exp=None):
        kind, layer, index = _parse(self.name)
        sample = self.sample
        mark = _TAGS.get(kind, "") + (f"[{layer}]" if kind in _BRACKETED else f"({layer})")
        top = ([mark] if layer is not None else []) + ([rf"\langle {sample}\rangle"] if sample else [])
        s = _KINDS[kind][0] + (f"^{{{' '.join(top)}}}" if top else "") + f"_{{{_index_latex(index)}}}"
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"


@lru_cache(maxsize=1 << 18)  # a name is parsed each time its symbol is made or printed: 80 000 weights at 784-100
def _parse(name: str) -> tuple[str, int | None, tuple[int, ...]]:
    m = _NAME.match(name)
    if m is None or m["kind"] not in _KINDS:
        raise ValueError(
            f"not a symnn network symbol name: {name!r}; expected <kind><n>[_<n>...] with kind one of "
            f"{', '.join(_KINDS)}"
        )
    kind = m["kind"]
    numbers = (int(m["first"]), *tuple(int(n) for n in m["rest"].split("_")[1:]))
    n_index = _KINDS[kind][1]
    if n_index is None:
        if len(numbers) != 1:
            raise ValueError(f"not a symnn network symbol name: {name!r}; {kind} takes one index, as {kind}1")
        return kind, None, numbers
    if len(numbers) != 1 + n_index:
        raise ValueError(f"not a symnn network symbol name: {name!r}; {kind} takes a layer and {n_index} index(es)")
    return kind, numbers[0], numbers[1:]


def _positive(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer (indices are 1-based), got {value!r}")
    return int(value)


def weight(layer: int, j: int, k: int) -> NetSymbol:
    """w^(l)_jk: the weight into unit j of layer l from unit k of layer l−1."""
    return NetSymbol(f"w{_positive('layer', layer)}_{_positive('j', j)}_{_positive('k', k)}")


def bias(layer: int, j: int) -> NetSymbol:
    """b^(l)_j: the bias of unit j of layer l (b = −θ)."""
    return NetSymbol(f"b{_positive('layer', layer)}_{_positive('j', j)}")


def threshold(layer: int, j: int) -> NetSymbol:
    """θ^(l)_j: the threshold of unit j of layer l (the unit fires when Σ w x ≥ θ)."""
    return NetSymbol(f"theta{_positive('layer', layer)}_{_positive('j', j)}")


def preact(layer: int, j: int) -> NetSymbol:
    """z^(l)_j: the weighted input of unit j of layer l (重み付き入力)."""
    return NetSymbol(f"z{_positive('layer', layer)}_{_positive('j', j)}")


def act(layer: int, j: int) -> NetSymbol:
    """a^(l)_j: the output of unit j of layer l."""
    return NetSymbol(f"a{_positive('layer', layer)}_{_positive('j', j)}")


def delta(layer: int, j: int) -> NetSymbol:
    """δ^(l)_j = ∂C/∂z^(l)_j: the error of unit j of layer l."""
    return NetSymbol(f"delta{_positive('layer', layer)}_{_positive('j', j)}")


def input_symbol(k: int) -> NetSymbol:
    """x_k: the k-th input."""
    return NetSymbol(f"x{_positive('k', k)}")


def target(k: int) -> NetSymbol:
    """t_k: the k-th target (教師データ)."""
    return NetSymbol(f"t{_positive('k', k)}")


def output_symbol(k: int) -> NetSymbol:
    """y_k: the k-th output, a name for a^(L)_k."""
    return NetSymbol(f"y{_positive('k', k)}")


def check_convention(convention: str) -> str:
    """Return ``convention`` if it is one of :data:`CONVENTIONS`, else raise ``ValueError``."""
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown convention {convention!r}; valid choices: {', '.join(CONVENTIONS)}")
    return convention


_MATRIX_NAME = re.compile(r"^(?P<kind>[A-Za-z]+?)(?P<layer>[1-9]\d*)?$")
# matrix kind -> LaTeX head
_MATRIX_KINDS: dict[str, str] = {
    "W": "W",
    "b": "b",
    "B": "B",
    "z": "z",
    "Z": "Z",
    "a": "a",
    "A": "A",
    "delta": r"\delta",
    "Delta": r"\Delta",
    "x": "x",
    "X": "X",
    "t": "t",
    "T": "T",
    "y": "y",
    "Y": "Y",
}


class NetMatrix(sp.MatrixSymbol):
    """A matrix symbol of the matrix view: ``W1`` prints as ``W^{(1)}``, ``delta2`` as ``\\delta^{(2)}``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symnn.model.notation import NetMatrix
    >>> sp.latex(NetMatrix("W1", 3, 2))
    'W^{(1)}'
    """

    def __new__(cls, name: str, n: int, m: int):
        name = str(name)  # SymPy rebuilds matrix symbols from their args, where the name is a ``Str``
        m_ = _MATRIX_NAME.match(name)
        if m_ is None or m_["kind"] not in _MATRIX_KINDS:
            raise ValueError(
                f"not a symnn matrix name: {name!r}; expected a kind ({', '.join(_MATRIX_KINDS)}) "
                "and an optional layer number"
            )
        return super().__new__(cls, name, n, m)

    def _latex(self, printer, exp=None):
        m = _MATRIX_NAME.match(self.name)
        head = _MATRIX_KINDS[m["kind"]]
        s = head if m["layer"] is None else f"{head}^{{({m['layer']})}}"
        return s if exp is None else rf"\left({s}\right)^{{{exp}}}"

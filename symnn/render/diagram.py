"""Pictures: the network with labelled units and weights (seed 002's figure) and activation plots.

Each picture is drawn twice from one layout: TikZ for LaTeX documents and SVG for Markdown. The SVG is written
here as text (no plotting library needed); numbers are rounded so that the output is byte-for-byte reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import sympy as sp

from symnn.codenames import safe_lambdify
from symnn.model.network import MLP

__all__ = ["Figure", "Label", "activation_plot", "network_diagram"]

#: Layers with more units than this are drawn with their first and last units and a gap (⋮) between.
MAX_UNITS = 10
#: Weights are written on the edges only while a layer has at most this many edges (else the picture is a blur).
MAX_LABELLED_EDGES = 12


@dataclass(frozen=True)
class Label:
    """A symbol with an optional superscript and subscript: ``Label("w", "(1)", "12")`` is w^(1)_12."""

    head: str
    sup: str = ""
    sub: str = ""

    def tex(self) -> str:
        s = self.head
        if self.sup:
            s += f"^{{{self.sup}}}"
        if self.sub:
            s += f"_{{{self.sub}}}"
        return s

    def svg(self, size: float) -> str:
        # SVG has no maths: the head in italics, the scripts as smaller shifted tspans.
        head = {r"\sigma": "σ", r"\vdots": "⋮", r"\delta": "δ"}.get(self.head, self.head)
        out = f'<tspan font-style="italic">{escape(head)}</tspan>' if head.isalpha() else escape(head)
        small = round(size * 0.7, 1)
        if self.sup and self.sub:
            # stack: the superscript up, then the subscript down under it
            out += f'<tspan font-size="{small}" dy="{-round(size * 0.4, 1)}">{escape(self.sup)}</tspan>'
            back = round(_width(self.sup) * small, 1)  # back under the superscript's start
            out += f'<tspan font-size="{small}" dx="{-back}" dy="{round(size * 0.75, 1)}">{escape(self.sub)}</tspan>'
        elif self.sub:
            out += f'<tspan font-size="{small}" dy="{round(size * 0.35, 1)}">{escape(self.sub)}</tspan>'
        elif self.sup:
            out += f'<tspan font-size="{small}" dy="{-round(size * 0.4, 1)}">{escape(self.sup)}</tspan>'
        return out


#: advance widths in em of a serif face (Computer Modern's, near enough for Times and DejaVu Serif): a superscript
#: "(1)" is 1.17 em, not 3 × 0.55; a width too large sends the subscript back into the letter it belongs to
_EM = {"(": 0.39, ")": 0.39, ",": 0.28, ".": 0.28, "-": 0.33, "+": 0.78, " ": 0.33}


def _width(text: str) -> float:
    """The width of ``text`` in em."""
    return sum(_EM.get(c, 0.5) for c in text)


@dataclass(frozen=True)
class Figure:
    """A picture in both forms: ``tikz`` (a ``tikzpicture``) and ``svg`` (a whole ``<svg>`` element)."""

    name: str
    tikz: str
    svg: str


def _index(*ix: int) -> str:
    return ("," if any(i > 9 for i in ix) else "").join(str(i) for i in ix)


def _shown(n: int) -> list[int | None]:
    """The unit numbers drawn for a layer of n units; ``None`` marks the gap."""
    if n <= MAX_UNITS:
        return list(range(1, n + 1))
    return [1, 2, 3, 4, None, n - 1, n]


def _unit_label(net: MLP, l: int, j: int) -> Label:
    if l == 0:
        return Label("x", "", str(j))
    if l == net.depth:
        return Label("y", "", str(j))
    return Label("a", f"({l})", str(j))


def _fmt(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _weight_pos(k_index: int, n_k: int) -> float:
    """Where on the edge from the k-th drawn unit a weight label sits: spread along the edges into one unit,
    so that labels of converging edges do not stack (0.3 for the first source, 0.8 for the last)."""
    return 0.5 if n_k == 1 else round(0.3 + 0.5 * k_index / (n_k - 1), 2)


#: Centimetres between the network's columns (layers) and between the units of a column.
_COLUMN_GAP, _UNIT_GAP = 4.0, 1.6


@dataclass(frozen=True)
class _Grid:
    """Where :func:`network_diagram` puts each drawn unit (centimetres), and centimetres as SVG pixels."""

    pos: dict[tuple[int, int | None], tuple[float, float]]  # (layer, unit or None for the gap) -> (x, y)
    cap_y: float  # the height of the captions under the columns
    x0: float
    y0: float
    px: float  # SVG pixels per centimetre

    def sx(self, x: float) -> float:
        return round(self.x0 + x * self.px, 1)

    def sy(self, y: float) -> float:
        return round(self.y0 - y * self.px, 1)

    def text(self, x: float, y: float, label: Label, size: float = 15) -> str:
        return (
            f'<text x="{self.sx(x)}" y="{round(self.sy(y) + size * 0.3, 1)}" font-size="{size}" text-anchor="middle">'
            f"{label.svg(size)}</text>"
        )


def _grid(cols: list[list[int | None]]) -> _Grid:
    """The layout of the drawn units ``cols``: each column centred, the tallest setting the picture's height."""
    height = max(len(c) for c in cols)
    pos: dict[tuple[int, int | None], tuple[float, float]] = {}
    for l, col in enumerate(cols):
        top = (len(col) - 1) / 2 * _UNIT_GAP
        for i, j in enumerate(col):
            pos[(l, j)] = (l * _COLUMN_GAP, top - i * _UNIT_GAP)
    top_y = (height - 1) / 2 * _UNIT_GAP + 0.7
    cap_y = -(height - 1) / 2 * _UNIT_GAP - 0.9
    px = 55.0
    return _Grid(pos, cap_y, 45.0, 10.0 + top_y * px, px)


def _units(net: MLP, cols: list[list[int | None]], grid: _Grid) -> tuple[list[str], list[str]]:
    """The units of every column (each with its bias above) and the column's caption: (TikZ lines, SVG lines)."""
    nodes, svg_nodes = [], []
    for l, col in enumerate(cols):
        for j in col:
            x, y = grid.pos[(l, j)]
            if j is None:
                nodes.append(rf"\node at ({_fmt(x)},{_fmt(y)}) {{$\vdots$}};")
                svg_nodes.append(grid.text(x, y, Label(r"\vdots"), 18))
                continue
            lab = _unit_label(net, l, j)
            bias = "" if l == 0 else rf", label={{[bias]above:${Label('b', f'({l})', str(j)).tex()}$}}"
            nodes.append(rf"\node[unit{bias}] (u{l}_{j}) at ({_fmt(x)},{_fmt(y)}) {{${lab.tex()}$}};")
            svg_nodes.append(f'<circle cx="{grid.sx(x)}" cy="{grid.sy(y)}" r="17" fill="white" stroke="black"/>')
            svg_nodes.append(grid.text(x, y, lab, 14))
            if l:
                svg_nodes.append(grid.text(x, y + 0.62, Label("b", f"({l})", str(j)), 11))
        caption = "input" if l == 0 else net.activations[l - 1]
        nodes.append(
            rf"\node[font=\footnotesize, align=center] at ({_fmt(l * _COLUMN_GAP)},{_fmt(grid.cap_y)}) "
            rf"{{$l = {l}$\\ \texttt{{{caption}}}}};"
        )
        svg_nodes.append(
            f'<text x="{grid.sx(l * _COLUMN_GAP)}" y="{grid.sy(grid.cap_y)}" font-size="12" text-anchor="middle">'
            f'<tspan font-style="italic">l</tspan> = {l}</text>'
            f'<text x="{grid.sx(l * _COLUMN_GAP)}" y="{round(grid.sy(grid.cap_y) + 15, 1)}" font-size="12" '
            f'text-anchor="middle" font-family="monospace">{escape(caption)}</text>'
        )
    return nodes, svg_nodes


def _edges(net: MLP, cols: list[list[int | None]], grid: _Grid) -> tuple[list[str], list[str]]:
    """The weighted edges between drawn units, labelled while a layer has few: (TikZ lines, SVG lines)."""
    edges, svg_edges = [], []
    sx, sy = grid.sx, grid.sy
    for l in range(1, net.depth + 1):
        sources = [k for k in cols[l - 1] if k is not None]
        targets = [j for j in cols[l] if j is not None]
        labelled = len(sources) * len(targets) <= MAX_LABELLED_EDGES
        for j in targets:
            for i, k in enumerate(sources):
                (xa, ya), (xb, yb) = grid.pos[(l - 1, k)], grid.pos[(l, j)]
                lab = Label("w", f"({l})", _index(j, k))
                t = _weight_pos(i, len(sources))
                node = f" node[w, pos={t}] {{${lab.tex()}$}}" if labelled else ""
                edges.append(rf"\draw[->] (u{l - 1}_{k}) --{node} (u{l}_{j});")
                svg_edges.append(
                    f'<line x1="{sx(xa)}" y1="{sy(ya)}" x2="{sx(xb)}" y2="{sy(yb)}" stroke="#555" '
                    'marker-end="url(#arrow)"/>'
                )
                if labelled:
                    # the label's box is drawn over the line, as TikZ's fill=white does
                    lx, ly = xa + t * (xb - xa), ya + t * (yb - ya)
                    svg_edges.append(
                        f'<rect x="{round(sx(lx) - 16, 1)}" y="{round(sy(ly) - 9, 1)}" width="32" height="17" '
                        'fill="white"/>' + grid.text(lx, ly, lab, 11)
                    )
    return edges, svg_edges


def network_diagram(net: MLP, *, name: str = "network") -> Figure:
    """The network drawn as units in columns, with weights on the edges and biases over the units (seed 002).

    Inputs are x_k, hidden units a^(l)_j, outputs y_k. Each unit's bias b^(l)_j is written above it. Below each
    column: the layer number l and its activation.

    Examples
    --------
    >>> import symnn as sn
    >>> fig = network_diagram(sn.MLP([2, 3, 2]))
    >>> fig.tikz.count("w^{(1)}"), fig.svg.startswith("<svg")
    (6, True)
    """
    cols = [_shown(n) for n in net.sizes]
    grid = _grid(cols)
    nodes, svg_nodes = _units(net, cols, grid)
    edges, svg_edges = _edges(net, cols, grid)
    tikz = "\n".join(
        [
            r"\begin{tikzpicture}[>=stealth, unit/.style={circle, draw, minimum size=10mm, inner sep=0pt},"
            r" bias/.style={font=\scriptsize, inner sep=1pt, text=black!70},"
            r" w/.style={font=\scriptsize, fill=white, inner sep=0.5pt, sloped}]",
            *nodes,
            *edges,
            r"\end{tikzpicture}",
        ]
    )
    width = round(grid.sx(net.depth * _COLUMN_GAP) + 50, 1)
    total_h = round(grid.sy(grid.cap_y) + 22, 1)
    svg = "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total_h}" '
            f'viewBox="0 0 {width} {total_h}" font-family="serif">',
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="35" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
            *svg_edges,
            *svg_nodes,
            "</svg>",
        ]
    )
    return Figure(name, tikz, svg)


_PALETTE = ("#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad")
_TIKZ_COLORS = ("blue!70!black", "red!70!black", "green!50!black", "violet")


def _curve(
    f: Callable[[np.ndarray], np.ndarray], lo: float, hi: float, n: int = 121
) -> list[list[tuple[float, float]]]:
    """Sample f on [lo, hi]; split the polyline where it jumps (the step function), so no false vertical."""
    xs = np.linspace(lo, hi, n)
    ys = np.asarray(f(xs), dtype=float) * np.ones_like(xs)
    pieces: list[list[tuple[float, float]]] = [[]]
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if i and abs(y - ys[i - 1]) > 0.5 * (hi - lo) / 10 * 4 and abs(y - ys[i - 1]) > 0.5:
            pieces.append([])
        pieces[-1].append((float(x), float(y)))
    return pieces


#: The plot's size in centimetres, and SVG pixels per centimetre.
_PLOT_W, _PLOT_H, _PLOT_PX = 7.0, 4.5, 60.0
#: One plotted function: its LaTeX label and its polyline, in pieces split where it jumps.
_Curve = tuple[str, list[list[tuple[float, float]]]]


@dataclass(frozen=True)
class _Window:
    """The window ``[lo, hi] × [ylo, yhi]`` of :func:`activation_plot`, mapped to centimetres and SVG pixels."""

    lo: float
    hi: float
    ylo: float
    yhi: float
    scale_x: float  # centimetres per unit of x
    scale_y: float

    def cx(self, x: float) -> float:
        return (x - self.lo) * self.scale_x

    def cy(self, y: float) -> float:
        return (min(max(y, self.ylo), self.yhi) - self.ylo) * self.scale_y

    def sx(self, x: float) -> float:
        return round(20 + self.cx(x) * _PLOT_PX, 1)

    def sy(self, y: float) -> float:
        return round(20 + (_PLOT_H - self.cy(y)) * _PLOT_PX, 1)

    def ticks(self) -> list[int]:
        """The integers marked on the x axis (every other one on a window wider than 10), 0 left out."""
        step_x = 1 if self.hi - self.lo <= 10 else 2
        return [t for t in range(int(np.ceil(self.lo)), int(np.floor(self.hi)) + 1) if t and t % step_x == 0]


def _window(curves: list[_Curve], lo: float, hi: float, yrange: tuple[float, float] | None) -> _Window:
    """The plot's window: ``yrange`` defaults to the curves' range with 0 and 1 in it, and a margin."""
    if yrange is None:
        ys = [y for _, pieces in curves for piece in pieces for _, y in piece]
        ylo, yhi = min(min(ys), 0.0), max(max(ys), 1.0)
        pad = 0.08 * (yhi - ylo)
        yrange = (ylo - pad, yhi + pad)
    ylo, yhi = yrange
    return _Window(lo, hi, ylo, yhi, _PLOT_W / (hi - lo), _PLOT_H / (yhi - ylo))


def _plot_tikz(win: _Window, var: sp.Symbol, curves: list[_Curve]) -> str:
    """The plot as a ``tikzpicture``: the axes, their ticks, the dotted line y = 1, each curve and its label."""
    cx, cy, W, H = win.cx, win.cy, _PLOT_W, _PLOT_H
    tikz = [r"\begin{tikzpicture}[>=stealth]"]
    tikz.append(rf"\draw[->] (0,{_fmt(cy(0))}) -- ({_fmt(W)},{_fmt(cy(0))}) node[right] {{${sp.latex(var)}$}};")
    tikz.append(rf"\draw[->] ({_fmt(cx(0))},0) -- ({_fmt(cx(0))},{_fmt(H)});")
    for tick in win.ticks():
        tikz.append(
            rf"\draw ({_fmt(cx(tick))},{_fmt(cy(0) - 0.06)}) -- ({_fmt(cx(tick))},{_fmt(cy(0) + 0.06)}) "
            rf"node[below=2pt, font=\scriptsize] {{${tick}$}};"
        )
    if win.ylo < 1 < win.yhi:
        tikz.append(
            rf"\draw[dotted] (0,{_fmt(cy(1))}) -- ({_fmt(W)},{_fmt(cy(1))});"
            rf" \node[above left, font=\scriptsize, inner sep=1pt] at ({_fmt(cx(0))},{_fmt(cy(1))}) {{$1$}};"
        )
    for i, (label, pieces) in enumerate(curves):
        tcolor = _TIKZ_COLORS[i % len(_TIKZ_COLORS)]
        for piece in pieces:
            pts = " ".join(f"({_fmt(cx(x))},{_fmt(cy(y))})" for x, y in piece if win.ylo <= y <= win.yhi)
            if pts:
                tikz.append(rf"\draw[thick, {tcolor}] plot coordinates {{{pts}}};")
        tikz.append(
            rf"\node[{tcolor}, right, font=\small] at ({_fmt(W + 0.2)},{_fmt(H - 0.4 - 0.5 * i)}) {{${label}$}};"
        )
    tikz.append(r"\end{tikzpicture}")
    return "\n".join(tikz)


def _plot_svg(win: _Window, var: sp.Symbol, curves: list[_Curve]) -> str:
    """The plot as an ``<svg>``: the same axes, ticks, line y = 1, curves and labels as :func:`_plot_tikz`."""
    sx, sy, lo, hi = win.sx, win.sy, win.lo, win.hi
    sw, sh = round(_PLOT_W * _PLOT_PX + 120, 1), round(_PLOT_H * _PLOT_PX + 40, 1)
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{sw}" height="{sh}" viewBox="0 0 {sw} {sh}" '
        'font-family="serif" font-size="13">',
        f'<line x1="{sx(lo)}" y1="{sy(0)}" x2="{sx(hi)}" y2="{sy(0)}" stroke="black"/>',
        f'<line x1="{sx(0)}" y1="{sy(win.ylo)}" x2="{sx(0)}" y2="{sy(win.yhi)}" stroke="black"/>',
        f'<text x="{sx(hi) + 6}" y="{sy(0) + 4}" font-style="italic">{escape(str(var))}</text>',
    ]
    for tick in win.ticks():
        svg.append(
            f'<line x1="{sx(tick)}" y1="{round(sy(0) - 4, 1)}" x2="{sx(tick)}" y2="{round(sy(0) + 4, 1)}" '
            f'stroke="black"/><text x="{sx(tick)}" y="{round(sy(0) + 18, 1)}" text-anchor="middle" '
            f'font-size="11">{tick}</text>'
        )
    if win.ylo < 1 < win.yhi:
        svg.append(
            f'<line x1="{sx(lo)}" y1="{sy(1)}" x2="{sx(hi)}" y2="{sy(1)}" stroke="#999" stroke-dasharray="2 3"/>'
            f'<text x="{round(sx(0) - 4, 1)}" y="{round(sy(1) - 4, 1)}" text-anchor="end" font-size="11">1</text>'
        )
    for i, (label, pieces) in enumerate(curves):
        color = _PALETTE[i % len(_PALETTE)]
        for piece in pieces:
            svg_pts = " ".join(f"{sx(x)},{sy(y)}" for x, y in piece if win.ylo <= y <= win.yhi)
            if svg_pts:
                svg.append(f'<polyline points="{svg_pts}" fill="none" stroke="{color}" stroke-width="2"/>')
        plain = label.replace(r"\sigma", "σ").replace(r"\operatorname{ReLU}", "ReLU").replace("\\", "")
        svg.append(
            f'<text x="{round(sx(hi) + 14, 1)}" y="{round(20 + (0.4 + 0.5 * i) * _PLOT_PX, 1)}" fill="{color}">'
            f"{escape(plain)}</text>"
        )
    svg.append("</svg>")
    return "\n".join(svg)


def activation_plot(
    functions: Sequence[tuple[str, sp.Expr, sp.Symbol]],
    *,
    xrange: tuple[float, float] = (-5.0, 5.0),
    yrange: tuple[float, float] | None = None,
    name: str = "activations",
) -> Figure:
    """Plot one or more activations (seed 002 shows σ and ReLU) as TikZ and SVG.

    Parameters
    ----------
    functions : sequence of (label, expression, variable)
        ``label`` is LaTeX (for the legend), ``expression`` a SymPy expression in ``variable`` alone (another
        free symbol is a ValueError naming it: the expression is compiled through
        :func:`symnn.codenames.safe_lambdify`).
    xrange, yrange : (float, float)
        The window; ``yrange`` defaults to the functions' range over ``xrange`` with a margin.

    Examples
    --------
    >>> import sympy as sp, symnn as sn
    >>> z = sp.Symbol("z", real=True)
    >>> fig = activation_plot([(r"\\sigma(z)", sn.sigmoid(z), z)])
    >>> "\\\\draw" in fig.tikz and "<polyline" in fig.svg
    True
    """
    lo, hi = xrange
    curves: list[_Curve] = []
    for label, expr, var in functions:
        f = safe_lambdify([var], expr, "numpy", what="activation_plot")  # names checked: they become code
        curves.append((label, _curve(f, lo, hi)))
    win = _window(curves, lo, hi, yrange)
    var = functions[0][2]
    return Figure(name, _plot_tikz(win, var, curves), _plot_svg(win, var, curves))

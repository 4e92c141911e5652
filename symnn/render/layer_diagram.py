"""The picture of a :class:`~symnn.Network`: its layers as a column of boxes, a residual's skip as an arrow beside.

Drawn twice from one layout, TikZ and SVG, as :func:`symnn.render.diagram.network_diagram` draws an MLP; numbers
are rounded so that the output is byte-for-byte reproducible.
"""

from __future__ import annotations

from html import escape as html_escape

from symnn.model.graph import Network
from symnn.model.layers import Activation, Dense, Elementwise, Node
from symnn.model.wiring import Dropout
from symnn.render.diagram import Figure, _fmt
from symnn.render.latex import escape as tex_escape

__all__ = ["layer_diagram", "layer_tag"]

_DY = 1.25  # centimetres between the boxes' centres
_BOX_W, _BOX_H = 5.4, 0.75
_PX = 40.0  # SVG pixels per centimetre
_SKIP = 0.6  # how far right of the boxes a skip arrow runs, and the step between nested ones


def layer_tag(node: Node) -> str:
    """The layer as code names it, the same in every language: ``Dense(3)``, ``relu``, ``Dropout(p)``, ``+``."""
    layer = node.layer
    if layer is None:
        return "input"
    if isinstance(layer, Dense):
        return f"Dense({layer.units})"
    if isinstance(layer, Activation | Elementwise):
        return layer.name
    if isinstance(layer, Dropout):
        return f"Dropout({layer.keep.name})"
    if layer.title == "sum":
        return "+"
    return getattr(layer, "tag", type(layer).__name__)  # attention's pieces: "X W_Q", "softmax rows", "P V" …


def _symbol(node: Node) -> tuple[str, str]:
    return ("x", "") if node.kind == "x" else (node.kind, f"({node.number})")


def _tikz_label(tag: str, head: str, sup: str, width: int | str) -> str:
    sym = head + (f"^{{{sup}}}" if sup else "")
    return rf"\texttt{{{tex_escape(tag)}}}\quad ${sym} \in \mathbb{{R}}^{{{width}}}$"


def _svg_label(tag: str, head: str, sup: str, width: int | str, size: float = 13) -> str:
    up, small = round(size * 0.4, 1), round(size * 0.7, 1)
    out = f'<tspan font-family="monospace">{html_escape(tag)}</tspan><tspan dx="12" font-style="italic">{head}</tspan>'
    if sup:
        out += f'<tspan font-size="{small}" dy="{-up}">{html_escape(sup)}</tspan><tspan dy="{up}"> ∈ ℝ</tspan>'
    else:
        out += "<tspan> ∈ ℝ</tspan>"
    return out + f'<tspan font-size="{small}" dy="{-up}">{width}</tspan>'


def _rows(net: Network) -> list[tuple[str, str]]:
    """The (TikZ text, SVG text) of each box, top to bottom: the input, each layer, the loss."""
    rows: list[tuple[str, str]] = []
    for node in [net.input_node, *net.nodes]:
        head, sup = _symbol(node)
        rows.append(
            (_tikz_label(layer_tag(node), head, sup, node.width), _svg_label(layer_tag(node), head, sup, node.width))
        )
    loss = tex_escape(net.loss_name)
    rows.append(
        (
            rf"\texttt{{{loss}}}\quad $C$",
            f'<tspan font-family="monospace">{html_escape(net.loss_name)}'
            '</tspan><tspan dx="12" font-style="italic">C</tspan>',
        )
    )
    return rows


def _skips(net: Network) -> list[tuple[int, int]]:
    """(from box, to box) of the arrows that do not join neighbours: a residual's skip."""
    position = {node: i for i, node in enumerate([net.input_node, *net.nodes])}
    skips: list[tuple[int, int]] = []
    for node in net.nodes:
        for u in node.inputs:
            if position[u] != position[node] - 1:
                skips.append((position[u], position[node]))
    return skips


def _tikz(rows: list[tuple[str, str]], skips: list[tuple[int, int]]) -> str:
    """The boxes as a ``tikzpicture``, each joined to the next, the skips as arrows to their right."""
    nodes, edges = [], []
    for i, (text, _) in enumerate(rows):
        nodes.append(rf"\node[box] (n{i}) at (0,{_fmt(-i * _DY)}) {{{text}}};")
        if i:
            edges.append(rf"\draw[->] (n{i - 1}) -- (n{i});")
    for k, (a, b) in enumerate(skips):
        edges.append(rf"\draw[->] (n{a}.east) -- ++({_fmt(_SKIP * (k + 1))},0) |- (n{b}.east);")
    return "\n".join(
        [
            r"\begin{tikzpicture}[>=stealth, box/.style={draw, rounded corners=2pt, minimum width="
            + f"{_fmt(_BOX_W * 10)}mm, minimum height={_fmt(_BOX_H * 10)}mm"
            + r", font=\small}]",
            *nodes,
            *edges,
            r"\end{tikzpicture}",
        ]
    )


def _sx(x: float) -> float:
    return round(10 + x * _PX, 1)


def _sy(y: float) -> float:
    return round(10 + y * _PX, 1)


def _svg(rows: list[tuple[str, str]], skips: list[tuple[int, int]]) -> str:
    """The same picture as :func:`_tikz`, as a whole ``<svg>`` element."""
    svg_rows, svg_edges = [], []
    for i, (_, text) in enumerate(rows):
        top = i * _DY
        svg_rows.append(
            f'<rect x="{_sx(0)}" y="{_sy(top)}" width="{round(_BOX_W * _PX, 1)}" height="{round(_BOX_H * _PX, 1)}" '
            'rx="3" fill="white" stroke="black"/>'
            f'<text x="{_sx(_BOX_W / 2)}" y="{round(_sy(top + _BOX_H / 2) + 4.5, 1)}" font-size="13" '
            f'text-anchor="middle">{text}</text>'
        )
        if i:
            x = _sx(_BOX_W / 2)
            svg_edges.append(
                f'<line x1="{x}" y1="{_sy(top - _DY + _BOX_H)}" x2="{x}" y2="{_sy(top)}" stroke="#555" '
                'marker-end="url(#arrow)"/>'
            )
    for k, (a, b) in enumerate(skips):
        right, out = _sx(_BOX_W), _sx(_BOX_W + _SKIP * (k + 1))
        ya, yb = _sy(a * _DY + _BOX_H / 2), _sy(b * _DY + _BOX_H / 2)
        svg_edges.append(
            f'<polyline points="{right},{ya} {out},{ya} {out},{yb} {right},{yb}" fill="none" stroke="#555" '
            'marker-end="url(#arrow)"/>'
        )
    width = round(_sx(_BOX_W + _SKIP * (len(skips) + 1)) + 10, 1)
    height = round(_sy((len(rows) - 1) * _DY + _BOX_H) + 10, 1)
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="serif">',
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
            *svg_edges,
            *svg_rows,
            "</svg>",
        ]
    )


def layer_diagram(net: Network, *, name: str = "network") -> Figure:
    """The network drawn top to bottom: the input, each layer (its code name, output symbol and width), the loss.

    Examples
    --------
    >>> import symnn as sn
    >>> net = sn.Network([sn.Dense(3), sn.Residual(sn.Dense(3), sn.Activation("tanh"))], inputs=2)
    >>> fig = layer_diagram(net)
    >>> fig.tikz.count(r"\\node[box]"), fig.tikz.count("|-"), fig.svg.count("<rect")
    (6, 1, 6)
    """
    rows, skips = _rows(net), _skips(net)
    return Figure(name, _tikz(rows, skips), _svg(rows, skips))

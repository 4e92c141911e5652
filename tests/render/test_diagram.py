"""symnn.render.diagram: the network picture and activation plots, in TikZ and SVG from one layout."""

import re
import xml.etree.ElementTree as ET

import sympy as sp

import symnn as sn
from symnn.render import activation_plot, network_diagram


def test_every_unit_weight_and_bias_is_labelled_in_a_small_network():
    fig = network_diagram(sn.MLP([2, 3, 2]))
    weights = sorted(re.findall(r"\{\$(w\^\{\(\d\)\}_\{\d\d\})\$\}", fig.tikz))
    assert len(weights) == 6 + 6 == len(set(weights))
    assert "w^{(2)}_{13}" in fig.tikz and "w^{(1)}_{32}" in fig.tikz
    assert len(re.findall(r"b\^\{\(\d\)\}_\{\d\}", fig.tikz)) == 3 + 2
    assert fig.tikz.count(r"\draw[->]") == 12
    root = ET.fromstring(fig.svg)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}circle")) == 7 and len(root.findall(f"{ns}line")) == 12


def test_a_wide_layer_is_cut_with_a_gap_and_edges_lose_their_labels():
    fig = network_diagram(sn.MLP([30, 4, 1]))
    assert r"\vdots" in fig.tikz and "x_{30}" in fig.tikz and "x_{5}" not in fig.tikz
    assert "w^{(1)}" not in fig.tikz  # 7 × 4 edges: too many to label
    assert "w^{(2)}_{11}" in fig.tikz


def test_activation_plot_samples_the_function():
    z = sp.Symbol("z", real=True)
    fig = activation_plot([(r"\sigma(z)", sn.sigmoid(z), z)], xrange=(-5, 5), yrange=(0, 1.25))
    (poly,) = re.findall(r'<polyline points="([^"]+)"', fig.svg)
    pts = [tuple(map(float, p.split(","))) for p in poly.split()]
    assert len(pts) == 121
    ys = [y for _, y in pts]
    assert ys == sorted(ys, reverse=True)  # σ increases; SVG's y axis points down
    # the middle point is σ(0) = 1/2 of the window's height (0 .. 1.25), 4.5 cm at 60 px/cm, top margin 20
    assert abs(pts[60][1] - (20 + (1 - 0.5 / 1.25) * 4.5 * 60)) < 0.1


def test_step_is_drawn_without_a_false_vertical():
    z = sp.Symbol("z", real=True)
    fig = activation_plot([("u(z)", sn.step(z), z)], xrange=(-2, 2))
    assert fig.svg.count("<polyline") == 2 and fig.tikz.count("plot coordinates") == 2

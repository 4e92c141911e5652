"""Documents of a Network of layers: a section per layer, the batch view with shapes, KaTeX, pdflatex, JSON."""

import json
import random
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import sympy as sp

import symnn as sn
from symnn.errors import Unsupported
from symnn.render import derivation_document, network_document
from symnn.render.checks import compile_latex, formulas_in_markdown, katex_errors
from symnn.render.json import FORMAT, gradients_from_json, render
from symnn.render.layer_diagram import layer_diagram

LANGS = ("en", "ja")


def residual_net(**options) -> sn.Network:
    """Dense, ReLU, LayerNorm, a residual block, Dropout, Dense, Softmax, with cross-entropy (issue 12's example,
    narrower)."""
    layers = [
        sn.Dense(3),
        sn.Activation("relu"),
        sn.LayerNorm(),
        sn.Residual(sn.Dense(3), sn.Activation("tanh")),
        sn.Dropout(keep="p"),
        sn.Dense(2),
        sn.Softmax(),
    ]
    return sn.Network(layers, inputs=2, loss="cross-entropy", **options)


def batchnorm_net() -> sn.Network:
    """The other layers: BatchNorm (two samples in the element view), a user function with a parameter, a layer
    wider than the sections list in full, the row convention and weight decay."""
    swish = sn.Elementwise("swish", lambda z, beta: z * sn.sigmoid(beta * z), params=["beta"])
    layers = [sn.Dense(3, bias=False), sn.BatchNorm(), swish, sn.Dense(6), sn.Activation("softplus"), sn.Dense(1)]
    return sn.Network(layers, inputs=2, loss="mse", convention="row", weight_decay="lambda")


@pytest.fixture(scope="module")
def residual():
    net = residual_net()
    d = sn.backprop(net)
    doc = derivation_document(d)
    return net, d, {lang: (doc.to_markdown(lang), doc.to_latex(lang)) for lang in LANGS}


@pytest.fixture(scope="module")
def batchnorm():
    net = batchnorm_net()
    d = sn.backprop(net)
    return net, d, {lang: (d.to_markdown(lang), d.to_latex(lang)) for lang in LANGS}


def sections(md: str) -> list[tuple[str, str]]:
    """(heading, text under it) of each level-3 section."""
    parts = re.split(r"^### (.*)$", md, flags=re.M)
    return [(parts[i], parts[i + 1].split("\n## ")[0]) for i in range(1, len(parts), 2)]


def test_one_section_per_layer_headed_with_what_is_under_it(residual):
    net, _, docs = residual
    en = sections(docs["en"][0])
    assert [h.split(":")[0] for h, _ in en] == [f"Layer {node.index}" for node in net.nodes]
    assert [h for h, _ in en][2:6] == [
        "Layer 3: layer normalisation, $a^{(1)} \\to h^{(3)}$",
        "Layer 4: dense, $h^{(3)} \\to z^{(2)}$",
        "Layer 5: activation $\\tanh$, $z^{(2)} \\to a^{(2)}$",
        "Layer 6: residual sum, $h^{(3)}, a^{(2)} \\to h^{(6)}$",
    ]
    ja = sections(docs["ja"][0])
    assert [h for h, _ in ja][2] == "第 3 層：レイヤー正規化、$a^{(1)} \\to h^{(3)}$"
    assert len(ja) == len(net.nodes)
    for (heading, body), node in zip(en, net.nodes, strict=True):
        # the layer's own rule, entry by entry, and the adjoint of its output are under its heading
        out = f"{node.kind}^{{({node.number})}}_{{1}}"
        assert re.search(rf"^{re.escape(out)} &= ", body, re.M), heading
        assert re.search(rf"\\frac{{\\partial C}}{{\\partial {re.escape(out)}}} && \\text{{\(definition\)}}", body)
        # each note is said once in the section
        for note in ("The rule, entry by entry.", "The adjoint of each output"):
            assert body.count(note) == 1, (heading, note)
    # below the softmax, the sweep simplified the adjoint with the cross-entropy, and the note says so
    _, dense3 = en[7]
    assert "through the last layer and the loss at once" in dense3
    assert "\\delta^{(3)}_{1}" in dense3 and "&= - t_{1} + a^{(3)}_{1} \\left(t_{1} + t_{2}\\right)" in dense3
    _, dense1 = en[0]
    assert dense1.count("The gradient of each parameter") == 1 and "\\partial w^{(1)}_{32}} &= " in dense1
    latex = docs["en"][1]
    assert latex.count("\\subsection*{Layer ") == len(net.nodes)
    assert "\\subsection*{Layer 6: residual sum, $h^{(3)}, a^{(2)} \\to h^{(6)}$}" in latex


def test_the_batch_view_states_every_shape(residual):
    _, d, docs = residual
    en, ja = docs["en"][0], docs["ja"][0]
    batch = en.split("## The batch view")[1]
    assert "| 1 | $Z^{(1)} \\in \\mathbb{R}^{N \\times 3}$ | $\\Delta^{(1)}$ | " in batch
    assert "$W^{(1)} \\in \\mathbb{R}^{3 \\times 2}$, $b^{(1)} \\in \\mathbb{R}^{3}$" in batch
    assert "| 7 | $H^{(7)} \\in \\mathbb{R}^{N \\times 3}$ | $\\bar{G}^{(7)}$ | $M^{(7)} \\in" in batch
    assert "Z^{(1)} &= X W^{(1) \\mathsf{T}} + b^{(1)} && \\in \\mathbb{R}^{N \\times 3}" in batch
    # the column convention's W^(3)ᵀᵀ is W^(3); the product of arrays is elementwise
    assert "\\bar{G}^{(7)} &= \\Delta^{(3)} W^{(3)} && \\in \\mathbb{R}^{N \\times 3}" in batch
    dW = "\\frac{\\partial C}{\\partial W^{(1)}} &= \\Delta^{(1) \\mathsf{T}} X"
    assert dW + " && \\in \\mathbb{R}^{3 \\times 2}" in batch
    assert "\\bar{G}^{(6)} &= \\frac{M^{(7)} \\odot \\bar{G}^{(7)}}{p}" in batch
    assert "## バッチでの計算" in ja and "ソフトマックス関数と交差エントロピー誤差はまとめて微分します" in ja
    lhs = {s.lhs for s in d.matrix_steps}
    assert len(re.findall(r"&& \\in \\mathbb\{R\}", batch)) == len(lhs)  # one shape for every array equation


def test_the_network_section_lists_the_layers_and_the_loss(residual):
    net, _, docs = residual
    en, ja = docs["en"][0], docs["ja"][0]
    assert "| 3 | layer normalisation | $h^{(3)} \\in \\mathbb{R}^{3}$ | $\\gamma^{(3)}$, $\\beta^{(3)}$ |" in en
    assert "C = - t_{1} \\log{\\left(y_{1} \\right)} - t_{2} \\log{\\left(y_{2} \\right)}" in en
    assert "the arrow that skips the branch" in en and "損失関数は交差エントロピー誤差" in ja
    assert network_document(net).to_markdown("en").startswith("# A network of 9 layers\n\n## The network\n")


def test_the_diagram_draws_the_layers_and_the_skip():
    net = residual_net()
    fig = layer_diagram(net)
    root = ET.fromstring(fig.svg)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}rect")) == len(net.nodes) + 2  # the input, every layer, the loss
    assert len(root.findall(f"{ns}polyline")) == 1 and len(root.findall(f"{ns}line")) == len(net.nodes) + 1
    assert fig.tikz.count("\\node[box]") == len(net.nodes) + 2 and fig.tikz.count("|-") == 1
    assert "(n3.east) -- ++(0.6,0) |- (n6.east)" in fig.tikz  # from the block's input (layer 3) to the sum
    assert "\\texttt{Dropout(p)}\\quad $h^{(7)} \\in \\mathbb{R}^{3}$" in fig.tikz


@pytest.mark.parametrize("which", ["residual", "batchnorm"])
def test_every_formula_renders_in_katex(which, request):
    _, _, docs = request.getfixturevalue(which)
    formulas = [f for md, _ in docs.values() for f in formulas_in_markdown(md)]
    assert len(formulas) > 100
    try:
        errors = katex_errors(formulas)
    except FileNotFoundError as e:
        pytest.skip(str(e))
    assert errors == [], errors[:3]


@pytest.mark.parametrize("which", ["residual", "batchnorm"])
def test_every_latex_document_compiles(which, request, tmp_path):
    _, _, docs = request.getfixturevalue(which)
    try:
        results = compile_latex({f"{which}-{lang}": tex for lang, (_, tex) in docs.items()}, workdir=tmp_path)
    except FileNotFoundError as e:
        pytest.skip(str(e))
    assert {name: r.log for name, r in results.items() if not r.ok} == {}
    # a formula may run into the margin a little (the widest: 31 pt, an elementwise product in the batch rule of
    # the swish layer, which symnn.render.formula cannot break) but never off the page
    assert {name: r.overfull for name, r in results.items() if any(v > 40 for v in r.overfull)} == {}


def _at_random_point(expr: sp.Expr, symbols, seed: int = 3) -> sp.Float:
    rng = random.Random(seed)
    point = {s: sp.Rational(rng.randint(1, 9), rng.randint(2, 7)) * rng.choice([1, -1]) for s in symbols}
    point.update({s: 1 for s in symbols if s.name.startswith("m")})  # dropout keeps these entries
    point.update({s: sp.Rational(1, 2) for s in symbols if s.name in ("p", "lambda")})
    return sp.N(expr.xreplace(point), 30)


@pytest.mark.parametrize("make", [residual_net, batchnorm_net], ids=["residual", "batchnorm"])
def test_json_reads_back_every_gradient(make):
    net = make()
    d = sn.backprop(net)
    text = render(d)
    doc = json.loads(text)
    assert doc["format"] == FORMAT and doc["gradients_form"] == "local"
    assert [layer["index"] for layer in doc["network"]["layers"]] == [node.index for node in net.nodes]
    assert {s["layer"] for s in doc["steps"]} == {node.index for node in net.nodes}
    assert all(s["phase"] in ("forward", "adjoint", "gradient") and set(s["note"]) == set(LANGS) for s in doc["steps"])
    back = gradients_from_json(text)
    assert list(back) == list(net.params)
    assert all(back[p] == d.gradients[p] for p in net.params)  # structurally equal to the derivation's
    # and equal to sympy.diff of the loss (an oracle outside the sweep), at a random point, for a few parameters
    loss = net.loss_expr
    symbols = sorted(loss.free_symbols, key=sp.default_sort_key)
    for p in (net.params[0], net.params[len(net.params) // 2], net.params[-1]):
        want = _at_random_point(sp.diff(loss, p), symbols)
        assert abs(_at_random_point(back[p], symbols) - want) < sp.Float(10) ** -20 * (1 + abs(want)), p


def test_wide_layers_show_their_first_and_last_entries(batchnorm):
    _, _, docs = batchnorm
    en = dict(sections(docs["en"][0]))
    body = en["Layer 5: activation softplus, $z^{(2)} \\to a^{(2)}$"]
    assert "Shown: $j = 1, 2, 6$ of the 6 entries; the others are alike." in body
    # BatchNorm spans two samples: every entry has its sample, ⟨n⟩
    assert "a^{(2) \\langle 2\\rangle}_{6} &= " in body and "a^{(2) \\langle 2\\rangle}_{3} &= " not in body
    layer6 = en["Layer 6: dense, $a^{(2)} \\to z^{(3)}$"]  # one output, six inputs: its weights are cut
    assert "Of the weights, those from inputs $k = 1, 2, 6$ of the 6 are shown; the others are alike." in layer6
    assert "w^{(3)}_{16}} &= " in layer6 and "w^{(3)}_{13}} &= " not in layer6
    assert "4 個の要素" not in docs["ja"][0] and "6 個の要素のうち $j = 1, 2, 6$ を示します" in docs["ja"][0]


def test_the_mlp_document_is_not_the_network_one():
    md = sn.backprop(sn.MLP([2, 2])).to_markdown("en")
    assert md.startswith("# Backpropagation in a 2-2 network") and "### Layer" not in md


def test_a_normalisation_is_written_with_short_names_for_its_pieces(residual):
    _, _, docs = residual
    en, ja = docs["en"][0], docs["ja"][0]
    assert (
        "wherever they occur whole, $\\tilde{a}^{(1)}_{j} = a^{(1)}_{j} - \\mu$ (a centred entry) and "
        "$v^{(3)} = \\sigma^{2} + \\varepsilon$ stand for its pieces." in en
    )
    assert (
        "$\\tilde{a}^{(1)}_{j} = a^{(1)}_{j} - \\mu$（中心化した要素）と "
        "$v^{(3)} = \\sigma^{2} + \\varepsilon$ で表します" in ja
    )
    layer3 = dict(sections(en))["Layer 3: layer normalisation, $a^{(1)} \\to h^{(3)}$"]
    assert "h^{(3)}_{1} &= \\beta^{(3)}_{1} + \\frac{\\gamma^{(3)}_{1} \\tilde{a}^{(1)}_{1}}{\\sqrt{v^{(3)}}}" in layer3
    # the textbook's ∂h_i/∂a_j = γ_i/√v (δ_ij − 1/n − ã_i ã_j/(n v)): a distributed −ã_1/3 is recognised too
    layer2 = dict(sections(en))["Layer 2: activation ReLU, $z^{(1)} \\to a^{(1)}$"]
    assert (
        "\\frac{\\gamma^{(3)}_{2} \\tilde{a}^{(1)}_{1} \\tilde{a}^{(1)}_{2}}{3 \\left(v^{(3)}\\right)^{\\frac{3}{2}}}"
        in layer2
    )
    assert "H^{(3)} &= \\frac{\\gamma^{(3)} \\odot \\tilde{A}^{(1)}}{\\sqrt{V^{(3)}}} + \\beta^{(3)}" in en
    assert "正規化の部分は次の名前で書きます：$\\tilde{A}^{(1)} = A^{(1)} - " in ja and "$、$V^{(3)} = " in ja


def test_the_short_names_stand_for_what_the_derivation_holds(residual):
    """The display's substitution is exact: putting the pieces back gives the derivation's own expressions."""
    from symnn.render.abbreviations import element_abbreviations

    net, d, _ = residual
    short = element_abbreviations(net)
    back = {name: value for value, name in short.short.items()}
    changed = 0
    for step in d.steps:
        shown = short.apply(step.rhs)
        if shown != step.rhs:
            changed += 1
            assert sp.expand(shown.xreplace(back) - step.rhs) == 0, step.lhs
    assert changed == 9  # its rule and its γ gradients, the adjoints through it: three entries each


def test_the_cli_entry_points_take_a_network(tmp_path):
    """``symnn derive`` calls these with a Network as with an MLP (``--spec``)."""
    from symnn.render import derive_document, write_derivation

    net = sn.Network([sn.Dense(2), sn.Activation("sigmoid")], inputs=2, loss="sse")
    paths = write_derivation(net, tmp_path / "net.md", lang="ja")
    assert [p.name for p in paths] == ["net-network.svg", "net.md"]
    md = (tmp_path / "net.md").read_text(encoding="utf-8")
    assert md.startswith("# 2 層のネットワークの誤差逆伝播法\n") and "![network](net-network.svg)" in md
    assert derive_document(net, fmt="latex", lang="en").startswith("\\documentclass")
    doc = json.loads(derive_document(net, fmt="json"))
    assert [layer["code"] for layer in doc["network"]["layers"]] == ["Dense(2)", "sigmoid"]


@pytest.mark.parametrize(
    ("heading", "rule"),
    [
        ("Layer 1: dense, $x \\to z^{(1)}$", "(no bias): $z^{(1)}_{j} = \\sum_{k} w^{(1)}_{jk} x_{k}$."),
        (
            "Layer 2: the function `swish`, $z^{(1)} \\to h^{(2)}$",
            "$h^{(2)}_{j} = z^{(1)}_{j} \\sigma\\left(\\beta_{2 j} z^{(1)}_{j}\\right)$",  # one β per unit
        ),
        (
            "Layer 3: dropout, $h^{(2)} \\to h^{(3)}$",
            "and $q$ is the probability of keeping an entry: $h^{(3)}_{j} = \\frac{h^{(2)}_{j} m^{(3)}_{j}}{q}$.",
        ),
    ],
)
def test_each_layer_states_its_rule_in_index_form(heading, rule):
    swish = sn.Elementwise("swish", lambda z, beta: z * sn.sigmoid(beta * z), params=["beta"], per_unit=True)
    net = sn.Network([sn.Dense(2, bias=False), swish, sn.Dropout(keep="q"), sn.Dense(1)], inputs=2, loss="mse")
    assert rule in dict(sections(sn.backprop(net).to_markdown("en")))[heading]


def test_reading_a_network_document_refuses_what_is_malformed():
    net = sn.Network([sn.Dense(2), sn.Dropout(keep="p")], inputs=2, loss="sse", weight_decay="lambda")
    doc = json.loads(render(sn.backprop(net)))
    assert doc["network"]["positive"] == ["p", "lambda"] and doc["network"]["aliases"] == {"lambda_": "lambda"}
    evil = json.loads(json.dumps(doc))
    evil["steps"][0]["rhs"]["text"] = "__import__('os')"
    with pytest.raises(ValueError, match=r"^unknown function '__import__'.*\(steps\[0\], 'text'\)$"):
        gradients_from_json(json.dumps(evil))
    del evil["network"]
    with pytest.raises(ValueError, match=r"^not a symnn derivation document: 'network' must be an object, got null$"):
        gradients_from_json(json.dumps(evil))
    doc["gradients"][0]["local"] = "b1_1"
    with pytest.raises(ValueError, match=r"^not a symnn derivation document: gradients\[0\]: 'local' must be an obj"):
        gradients_from_json(json.dumps(doc))


def test_a_layer_class_of_ones_own_is_derived_and_compiled_but_its_document_says_it_has_no_words():
    class Double(sn.Layer):  # a user's layer: its rules, but no sentence in symnn's documents
        title = "double"

        def element(self, node, net, ins):
            return [[2 * a for a in row] for row in ins[0]]

        def forward(self, node, net, ins, env):
            return 2 * ins[0]

        def backward(self, node, net, ins, out, G, env):
            return [2 * G], {}

    net = sn.Network([sn.Dense(2), Double()], inputs=2, loss="sse")
    d = sn.backprop(net)
    assert d.check(method="numeric").ok
    model = sn.compile(net)
    params = model.init(seed=0)
    X, T = np.array([[1.0, -2.0]]), np.array([[0.5, 0.25]])
    assert model.forward(params, X) == pytest.approx(2 * (X @ params["W1"].T + params["b1"]))
    assert sn.gradcheck(model, params, X, T)
    with pytest.raises(Unsupported, match=r"^Unsupported: no words for the layer Double in a document$"):
        d.to_markdown()

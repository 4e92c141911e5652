"""What symnn publishes renders: every formula through KaTeX (throwOnError, strict), every LaTeX document through
pdflatex — the gallery's documents and derivations of random architectures, in English and Japanese."""

import random
from pathlib import Path

import pytest

import symnn as sn
from symnn.render import derivation_document, network_document
from symnn.render.checks import compile_latex, formulas_in_markdown, katex_errors

ROOT = Path(__file__).resolve().parents[2]
GALLERY = ROOT / "docs" / "derivations"
BUILTIN = ("sigmoid", "relu", "tanh", "softplus", "step", "identity")


def random_networks(n: int, seed: int = 7) -> list[sn.MLP]:
    rng = random.Random(seed)
    nets = []
    for _ in range(n):
        sizes = [rng.randint(1, 3) for _ in range(rng.randint(2, 4))]
        hidden = [rng.choice(BUILTIN) for _ in sizes[2:]]
        output = rng.choice([*BUILTIN, "softmax"])
        nets.append(sn.MLP(sizes, hidden, output, rng.choice(list(sn.LOSSES)), convention=rng.choice(sn.CONVENTIONS)))
    return nets


@pytest.fixture(scope="module")
def documents():
    """name -> (Markdown, LaTeX) for both languages: random derivations, a network page, the committed gallery."""
    docs = {}
    heads = [  # the output errors of issue 11: a 1ᵀt − t (soft targets), binary cross-entropy's y − t
        sn.MLP([2, 2, 2], output="softmax", loss="cross-entropy", convention="row"),
        sn.MLP([2, 2, 2], output="sigmoid", loss="binary-cross-entropy"),
    ]
    for i, net in enumerate([*random_networks(3), sn.MLP([2, 3, 2]), *heads]):
        doc = derivation_document(sn.backprop(net))
        for lang in ("en", "ja"):
            docs[f"random{i}.{lang}"] = (doc.to_markdown(lang), doc.to_latex(lang))
    page = network_document(sn.MLP([12, 3, 2], convention="row", output="softmax", loss="cross-entropy"))
    docs["network.en"] = (page.to_markdown("en"), page.to_latex("en"))
    for md in sorted(GALLERY.glob("*.md")):
        docs[f"gallery-{md.stem}"] = (
            md.read_text(encoding="utf-8"),
            md.with_suffix(".tex").read_text(encoding="utf-8"),
        )
    return docs


def test_every_formula_renders_in_katex(documents):
    formulas = [f for md, _ in documents.values() for f in formulas_in_markdown(md)]
    assert len(formulas) > 200
    try:
        errors = katex_errors(formulas)
    except FileNotFoundError as e:
        pytest.skip(str(e))
    assert errors == [], errors[:3]


def test_every_latex_document_compiles_without_running_off_the_page(documents, tmp_path):
    try:
        results = compile_latex({name.replace(".", "-"): tex for name, (_, tex) in documents.items()}, workdir=tmp_path)
    except FileNotFoundError as e:
        pytest.skip(str(e))
    failed = {name: r.log for name, r in results.items() if not r.ok}
    assert failed == {}
    # a formula may touch the margin (a few points) but never run off the page
    wide = {name: r.overfull for name, r in results.items() if any(v > 15 for v in r.overfull)}
    assert wide == {}

"""The HTML page of a derivation, opened in headless Chromium on a phone-sized viewport.

Each page must typeset every formula it holds (no ``.katex-error``, nothing in the console), keep everything
within a 390 px viewport except inside its scroll boxes, shape Japanese with real glyphs, and fetch nothing.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

import symnn as sn
from symnn.render import derive_document

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}

# everything measured in one pass once KaTeX has run: formulas written and typeset, errors, what overflows
_MEASURE = """() => {
  const maths = [...document.querySelectorAll(".math")];
  const typeset = maths.filter(m => m.querySelector(":scope > .katex, :scope > .katex-display > .katex"));
  const boxes = ".display, .table, pre, figure";
  const wide = [...document.querySelectorAll("body *")].filter(e => {
    const r = e.getBoundingClientRect();
    return r.right > window.innerWidth + 1 && !e.closest(boxes) && !e.closest(".katex-mathml");
  }).map(e => e.tagName + "." + e.className);
  return {maths: maths.length, typeset: typeset.length, errors: document.querySelectorAll(".katex-error").length,
          wide, pageWidth: document.documentElement.scrollWidth, lang: document.documentElement.lang};
}"""

# the width of a string of Japanese in the page's font, per character, against the same count of a character no
# font has (U+0378 is unassigned: Chromium draws its tofu box); real CJK glyphs are one em wide
_GLYPHS = """() => {
  const probe = (text) => { const s = document.createElement("span"); s.textContent = text;
    s.style.fontSize = "20px"; s.style.whiteSpace = "nowrap"; document.body.appendChild(s);
    const w = s.getBoundingClientRect().width; s.remove(); return w; };
  return {ja: probe("連鎖律による誤差逆伝播"), tofu: probe("\\u0378".repeat(11))};
}"""


def _open(browser, html: str, folder: Path) -> dict:
    path = folder / "page.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport=PHONE)
    console, fetched = [], []
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    page.on("request", lambda r: fetched.append(r.url) if not r.url.startswith(("file:", "data:", "about:")) else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    out = page.evaluate(_MEASURE) | page.evaluate(_GLYPHS)
    page.close()
    return out | {"console": console, "fetched": fetched, "written": html.count('class="math')}


def _assert_renders(m: dict) -> None:
    assert m["console"] == [] and m["fetched"] == []
    assert m["errors"] == 0
    assert m["maths"] == m["written"] == m["typeset"] > 0  # every formula written is typeset
    assert m["wide"] == [] and m["pageWidth"] <= PHONE["width"]


def test_the_demo_derivation_renders_on_a_phone(browser, tmp_path):
    m = _open(browser, derive_document(sn.MLP([2, 2, 1]), fmt="html"), tmp_path)
    _assert_renders(m)
    assert m["lang"] == "en"


def test_a_784_100_10_derivation_renders(browser, tmp_path):
    # past a small size the derivation is written once in index notation, then on a small instance
    net = sn.MLP([784, 100, 10], activation="relu", output="softmax", loss="cross-entropy")
    m = _open(browser, derive_document(net, fmt="html"), tmp_path)
    _assert_renders(m)


@pytest.fixture(scope="module")
def gallery_004(tmp_path_factory):
    """The 004 gallery page's document, built by its script (into a scratch folder)."""
    out = tmp_path_factory.mktemp("gallery")
    script = ROOT / "derivations" / "004_relu_softmax_losses.py"
    argv = sys.argv
    sys.argv = [str(script), str(out)]  # the script writes its documents into its first argument
    try:
        return runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = argv


def test_the_004_gallery_page_in_japanese_renders_with_real_glyphs(browser, tmp_path, gallery_004):
    m = _open(browser, gallery_004["doc"].to_html("ja"), tmp_path)
    _assert_renders(m)
    assert m["lang"] == "ja"
    # eleven full-width glyphs of 20 px each, and not the width of eleven tofu boxes
    assert m["ja"] == pytest.approx(220, abs=3) and abs(m["ja"] - m["tofu"]) > 10


def test_a_formula_katex_cannot_read_is_caught(browser, tmp_path):
    doc = sn.render.Document("bad")
    doc.math(r"\frac{1}{")
    m = _open(browser, doc.to_html(), tmp_path)
    assert m["errors"] == 1  # the check above would see it


# in the diagram, a symbol with both scripts (a^(1)_1): the subscript starts after its letter, under the superscript
_SCRIPTS = """() => [...document.querySelectorAll("svg text")].filter(t => t.children.length === 3).map(t => {
  const [head, sup, sub] = [...t.children].map(c => c.getBoundingClientRect());
  return {text: t.textContent, gap: sub.left - head.right, under: sub.left - sup.left};
})"""


def test_diagram_labels_keep_the_subscript_clear_of_its_letter(browser, tmp_path):
    path = tmp_path / "page.html"
    path.write_text(derive_document(sn.MLP([2, 3, 2]), fmt="html"), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    page.goto(path.as_uri())
    labels = page.evaluate(_SCRIPTS)
    page.close()
    assert len(labels) >= 5  # a^(1)_j, b^(l)_j, ...
    for label in labels:
        assert label["gap"] >= -0.5, label  # not back into the letter
        assert abs(label["under"]) <= 2, label  # and starting where the superscript starts

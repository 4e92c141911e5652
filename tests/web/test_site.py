"""The documentation site (``mkdocs.yml``), built strictly once for this module and opened in headless Chromium.

The build must pass ``mkdocs build --strict`` (a broken link, a reference mkdocstrings cannot resolve, a notebook
cell that raises: each fails it). Its API pages must list every name of ``symnn.__all__`` and its CLI page every
option of every subcommand. A few pages, opened from ``file://`` on a phone-sized viewport, must typeset every
formula arithmatex marked, fetch nothing from the network and keep within 390 px outside their scroll boxes.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import symnn
from symnn.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}

# like test_html_page's measure, for the site's markup: arithmatex's spans and divs; Material's scroll boxes
_MEASURE = """() => {
  const maths = [...document.querySelectorAll(".arithmatex")];
  const typeset = maths.filter(m => m.querySelector(":scope > .katex, :scope > .katex-display > .katex"));
  // scroll boxes, Material's drawers (off-screen until opened) and its header's title, which clips its two
  // topics (the site's name, the page's title) as they slide in and out
  const boxes = "div.arithmatex, pre, .md-typeset__scrollwrap, figure, .md-sidebar, .md-header__title";
  const wide = [...document.querySelectorAll("body *")].filter(e => {
    const r = e.getBoundingClientRect();
    return r.right > window.innerWidth + 1 && r.width > 0 && !e.closest(boxes) && !e.closest(".katex-mathml");
  }).map(e => e.tagName + "." + e.className);
  return {maths: maths.length, typeset: typeset.length, errors: document.querySelectorAll(".katex-error").length,
          wide, pageWidth: document.documentElement.scrollWidth, lang: document.documentElement.lang};
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site, built with ``mkdocs build --strict`` into a scratch folder (the notebooks run during the build)."""
    pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')")
    out = tmp_path_factory.mktemp("site")
    env = os.environ | {"NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_the_api_pages_list_every_public_name(site):
    html = "".join(p.read_text(encoding="utf-8") for p in (site / "reference" / "api").glob("*.html"))
    documented = set(re.findall(r'<h2 id="symnn\.([A-Za-z_][A-Za-z0-9_]*)"', html))
    assert documented == set(symnn.__all__)


def test_the_cli_page_lists_every_subcommand_and_option(site):
    html = (site / "reference" / "cli.html").read_text(encoding="utf-8")
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert len(sub.choices) == 5
    for name, command in sub.choices.items():
        assert f'id="symnn-{name}"' in html
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue  # -h, --help: every subcommand has it, and the page does not repeat it
            for flag in action.option_strings:
                assert f"<code>{flag}" in html or f", {flag}" in html, (name, flag)


def test_the_notebooks_are_pages_with_their_outputs(site):
    train = (site / "notebooks" / "compile-and-train.html").read_text(encoding="utf-8")
    assert "accuracy 100%" in train and 'src="data:image/png;base64,' in train  # the printed result and the plot
    derive = (site / "notebooks" / "derive-and-render.html").read_text(encoding="utf-8")
    assert "Backpropagation in a 2-2-1 network" in derive and "<svg" in derive  # the derivation's own Markdown


def _open(browser, path: Path) -> dict:
    page = browser.new_page(viewport=PHONE)
    console, fetched = [], []
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    page.on("request", lambda r: fetched.append(r.url) if not r.url.startswith(("file:", "data:", "about:")) else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.wait_for_function("document.querySelectorAll('.arithmatex:not([data-typeset])').length === 0")
    out = page.evaluate(_MEASURE)
    page.close()
    html = path.read_text(encoding="utf-8")
    return out | {"console": console, "fetched": fetched, "written": len(re.findall(r'class="arithmatex"', html))}


@pytest.mark.parametrize(
    ("page", "has_maths"),
    [
        ("derivations/004-relu-softmax-losses.ja.html", True),
        ("guide.html", True),
        ("notebooks/derive-and-render.html", True),
        ("reference/api/model.html", False),
        ("reference/cli.html", False),
    ],
)
def test_a_site_page_renders_offline_on_a_phone(browser, site, page, has_maths):
    m = _open(browser, site / page)
    assert m["console"] == [] and m["fetched"] == []
    assert m["errors"] == 0
    assert m["maths"] == m["written"] == m["typeset"]  # every formula written is typeset
    assert (m["maths"] > 0) == has_maths
    assert m["wide"] == [] and m["pageWidth"] <= PHONE["width"]


def test_the_japanese_gallery_page_is_japanese_in_a_japanese_font(browser, site):
    """The page says ``lang="ja"``, and its title is drawn by a CJK font, not as tofu: Chromium names the fonts it
    used for an element's text (DevTools' ``CSS.getPlatformFontsForNode``), with how many glyphs each drew."""
    page = browser.new_page(viewport=PHONE)
    page.goto((site / "derivations" / "004-relu-softmax-losses.ja.html").as_uri())
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    title = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "article h1"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": title})["fonts"]
    text, lang = page.evaluate(
        "[document.querySelector('article h1').firstChild.textContent, document.documentElement.lang]"
    )
    page.close()
    assert text == "ニューラルネットワークの基礎" and lang == "ja"
    # every glyph of the heading (its text and the permalink's ¶) from a CJK font: none drawn as a missing glyph
    assert fonts and all("CJK" in f["familyName"] for f in fonts), fonts
    assert sum(f["glyphCount"] for f in fonts) >= len(text)

"""The gallery: every script in derivations/ runs (its asserts pass) and the committed documents are current.

Each script regenerates its documents into a temporary folder; they must equal docs/derivations/ byte for byte
(documents are deterministic), and docs/index.md must link every one of them.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "derivations").glob("[0-9]*.py"))
DOCS = ROOT / "docs" / "derivations"


def _stem(script: Path) -> str:
    return script.stem.replace("_", "-")


def test_there_is_a_script_per_seed_topic():
    numbers = [s.name[:3] for s in SCRIPTS]
    assert numbers[:5] == ["000", "001", "002", "003", "004"]  # the seed topics, then pages of symnn's own
    assert len(set(numbers)) == len(numbers)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_script_runs_and_committed_documents_are_current(script, tmp_path):
    r = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr[-3000:]
    made = sorted(p.name for p in tmp_path.iterdir())
    stem = _stem(script)
    assert f"{stem}.md" in made and f"{stem}.tex" in made and f"{stem}.ja.md" in made
    committed = sorted(p.name for p in DOCS.glob(f"{stem}*"))
    assert made == committed, "run `make docs` and commit docs/derivations"
    for name in made:
        assert (tmp_path / name).read_bytes() == (DOCS / name).read_bytes(), f"{name} is stale: run `make docs`"


def test_index_links_every_document():
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    for script in SCRIPTS:
        stem = _stem(script)
        for name in (f"{stem}.md", f"{stem}.ja.md", f"{stem}.tex"):
            assert f"(derivations/{name})" in index, name


def test_scripts_do_not_read_the_seed_notes():
    for script in SCRIPTS:
        assert "shared" not in script.read_text(encoding="utf-8"), script.name

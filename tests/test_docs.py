"""The documentation's runnable parts: the user guide's examples (doctest) and the notebooks (nbclient).

Each notebook runs top to bottom in a fresh kernel, as a reader's Jupyter would, within 15 s; a cell that raises
fails the test with the cell and its traceback. Their own ``assert`` cells check what they show.
"""

from __future__ import annotations

import doctest
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))


def test_the_user_guide_runs_as_written():
    result = doctest.testfile(str(ROOT / "docs" / "guide.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted >= 20


def test_there_are_three_notebooks():
    assert [p.stem for p in NOTEBOOKS] == ["compile-and-train", "derive-and-render", "verify-identities"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_runs_without_errors(path, monkeypatch):
    pytest.importorskip("nbclient", reason="the test extra is not installed (pip install -e '.[test]')")
    monkeypatch.syspath_prepend(str(ROOT / "tools"))
    from site_hooks import execute_notebook  # the site's build runs them the same way, with this checkout's symnn

    start = time.perf_counter()
    nb = execute_notebook(path)
    seconds = time.perf_counter() - start
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")  # every cell ran
    assert seconds < 15, f"{path.name} took {seconds:.1f} s"

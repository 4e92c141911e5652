"""Checks of what symnn emits: every formula through KaTeX (under Node), every LaTeX document through pdflatex.

These run external tools (``node`` with the npm package ``katex``; ``pdflatex``); the project's ``package.json``
pins KaTeX and ``.ci/run`` installs both. Each helper raises ``FileNotFoundError`` naming the missing tool, so a
caller (a test) can skip with that reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Formula",
    "LatexResult",
    "compile_latex",
    "formulas_in_markdown",
    "katex_errors",
    "katex_script",
]

_SCRIPT = Path("tools") / "katex_check.js"


@dataclass(frozen=True)
class Formula:
    """One formula as a Markdown document holds it: its TeX and whether it is displayed (``$$``)."""

    tex: str
    display: bool


def _project_root() -> Path:
    """The source tree holding ``package.json`` and ``tools/`` (symnn is installed editable from it)."""
    env = os.environ.get("SYMNN_NODE_PROJECT")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for folder in here.parents:
        if (folder / "package.json").is_file() and (folder / _SCRIPT).is_file():
            return folder
    raise FileNotFoundError("symnn's package.json and tools/katex_check.js were not found above " + str(here))


def katex_script() -> tuple[str, Path]:
    """The ``node`` executable and the checking script; ``FileNotFoundError`` names what is missing."""
    node = shutil.which("node")
    if node is None:
        raise FileNotFoundError("node is not installed (CI installs it; see .ci/run)")
    root = _project_root()
    if not (root / "node_modules" / "katex").is_dir():
        raise FileNotFoundError(f"the npm package katex is not installed in {root} (run `npm ci` there)")
    return node, root / _SCRIPT


def katex_errors(formulas: Iterable[Formula | str]) -> list[tuple[str, str]]:
    """Render every formula with KaTeX (``throwOnError``, ``strict``); return (tex, error) for each failure.

    A plain string counts as a display formula.
    """
    node, script = katex_script()
    items = [f if isinstance(f, Formula) else Formula(f, True) for f in formulas]
    payload = json.dumps([{"tex": f.tex, "display": f.display} for f in items])
    r = subprocess.run(
        [node, str(script)], input=payload, capture_output=True, text=True, timeout=300, cwd=script.parent.parent
    )
    if r.returncode != 0:
        raise RuntimeError(f"katex_check.js failed with status {r.returncode}: {r.stderr.strip()}")
    return [(f["tex"], f["error"]) for f in json.loads(r.stdout)]


# $$ ... $$ blocks first (they may span lines), then $...$ inline spans on what is left; code spans and
# fenced code blocks hold no math.
_FENCE = re.compile(r"^```.*?^```", re.S | re.M)
_CODE = re.compile(r"`[^`\n]*`")
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$")


def formulas_in_markdown(text: str) -> list[Formula]:
    """Every ``$$…$$`` and ``$…$`` formula of a Markdown text, in order of kind (display, then inline).

    Examples
    --------
    >>> formulas_in_markdown("Let $x_1$ be\\n\\n$$\\ny = x_1\\n$$\\n")
    [Formula(tex='y = x_1', display=True), Formula(tex='x_1', display=False)]
    """
    text = _CODE.sub("", _FENCE.sub("", text))
    out = [Formula(m.group(1).strip(), True) for m in _DISPLAY.finditer(text)]
    rest = _DISPLAY.sub("", text)
    out += [Formula(m.group(1).strip(), False) for m in _INLINE.finditer(rest)]
    return out


@dataclass(frozen=True)
class LatexResult:
    """What ``pdflatex`` made of one document."""

    ok: bool
    log: str  # the first error and what follows it, or the end of the log
    pdf: Path
    overfull: tuple[float, ...]  # how far each overfull line runs into the margin, in points


def compile_latex(
    documents: Mapping[str, str] | Sequence[str], *, workdir: str | os.PathLike[str] | None = None
) -> dict[str, LatexResult]:
    """Compile each standalone LaTeX document with ``pdflatex``; return ``{name: LatexResult}``.

    Documents are compiled in one folder (``workdir`` or a new temporary one), one ``pdflatex`` run each,
    with ``-halt-on-error`` and no shell escape. Missing ``pdflatex`` raises ``FileNotFoundError``.
    """
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise FileNotFoundError("pdflatex is not installed (CI installs TeX Live from Debian; see .ci/run)")
    docs = dict(documents) if isinstance(documents, Mapping) else {f"doc{i}": d for i, d in enumerate(documents)}
    folder = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="symnn-latex-"))
    results: dict[str, LatexResult] = {}
    for name, tex in docs.items():
        src = folder / f"{name}.tex"
        src.write_text(tex, encoding="utf-8")
        r = subprocess.run(
            [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", src.name],
            cwd=folder,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=300,
        )
        log = r.stdout
        start = log.find("\n!")
        excerpt = log[start : start + 800] if start >= 0 else log[-800:]
        overfull = tuple(float(v) for v in re.findall(r"^Overfull \\hbox \((\d+\.\d+)pt too wide\)", log, re.M))
        ok = r.returncode == 0 and (folder / f"{name}.pdf").is_file()
        results[name] = LatexResult(ok, excerpt, folder / f"{name}.pdf", overfull)
    return results

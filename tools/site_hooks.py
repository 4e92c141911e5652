"""MkDocs hooks of the documentation site (``mkdocs.yml``, ``make docs-site``): the pages nobody writes by hand.

- ``reference/cli.md``: every ``symnn`` subcommand, read from the argument parser itself (``symnn.cli.build_parser``);
- ``reference/api/*.md``: one page a stage, a mkdocstrings entry for every name in ``symnn.__all__``;
- ``benchmarks.md``: what each script in ``benchmarks/`` measures and how to run it, from its docstring;
- ``notebooks/*.md``: each notebook of ``docs/notebooks/`` executed (nbclient) and written out as a page;
- ``assets/katex/``: the KaTeX that symnn vendors, so that the site typesets its maths with no network.

A notebook cell that raises fails the build, as a broken link does under ``--strict``.
"""

from __future__ import annotations

import argparse
import ast
import base64
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the checkout's symnn, also when mkdocs runs from elsewhere
    sys.path.insert(0, str(ROOT))

import griffe  # noqa: E402
import nbformat  # noqa: E402
from mkdocs.structure.files import File, Files  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

import symnn  # noqa: E402
from symnn.cli import build_parser  # noqa: E402

#: the API's pages: symnn's stage (its subpackage) -> the page's title
STAGES = {
    "model": "Networks, layers, activations, losses",
    "derive": "Deriving: backpropagation and the chain rule",
    "check": "Verifying identities",
    "codegen": "Compiling, and checking a backward pass",
    "training": "Training and datasets",
    "text": "Parsing text and LaTeX, Python activations",
    "version": "Version",
}
#: the site's pages that the hooks write
API_INDEX = "reference/api/index.md"
NOTEBOOKS = "notebooks"
NOTEBOOK_TIMEOUT = 120  # seconds a cell may take


def stage_of(package: griffe.Module, name: str) -> str:
    """The stage (``model``, ``derive``, ...) of the module that defines ``symnn.<name>``, as griffe reads it."""
    member = package.members[name]
    module = (member.target_path if member.is_alias else member.path).split(".")[1]
    if module not in STAGES:
        known = ", ".join(STAGES)
        raise ValueError(f"symnn.{name} is defined in symnn.{module}, of no stage the API pages know: {known}")
    return module


def api_pages() -> dict[str, str]:
    """Markdown of the API pages by path: the index, and one page a stage listing its public names."""
    package = griffe.load("symnn", search_paths=[str(ROOT)])
    by_stage: dict[str, list[str]] = {s: [] for s in STAGES}
    for name in symnn.__all__:
        by_stage[stage_of(package, name)].append(name)
    pages = {}
    index = ["# API reference", "", "Every public name of `symnn` (`symnn.__all__`), by the stage that defines it:", ""]
    for stage, names in by_stage.items():
        if not names:
            continue
        path = f"reference/api/{stage}.md"
        entries = "\n\n".join(f"::: symnn.{n}" for n in names)
        pages[path] = f"# {STAGES[stage]}\n\n{entries}\n"
        index.append(f"- [{STAGES[stage]}]({stage}.md): " + ", ".join(f"`{n}`" for n in names))
    pages[API_INDEX] = "\n".join(index) + "\n"
    return pages


def _usage(parser: argparse.ArgumentParser) -> str:
    formatter = parser.formatter_class(prog=parser.prog, width=80)  # the same text on every terminal
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups)
    return formatter.format_help().strip()


def _cell(text: str) -> str:
    # a dollar in help text is text ("$…$ and $$…$$" names the Markdown syntax), not maths for arithmatex
    return text.replace("|", r"\|").replace("\n", " ").replace("$", "&#36;")


def _options_table(parser: argparse.ArgumentParser) -> list[str]:
    formatter = parser._get_formatter()
    rows = ["| option | meaning | choices |", "| --- | --- | --- |"]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction) or action.help == argparse.SUPPRESS:
            continue
        names = ", ".join(action.option_strings) or action.dest
        metavar = "" if action.nargs == 0 else f" {formatter._metavar_formatter(action, action.dest.upper())(1)[0]}"
        choices = ", ".join(f"`{c}`" for c in action.choices) if action.choices else ""
        meaning = formatter._expand_help(action) if action.help else ""
        rows.append(f"| `{names}{metavar}` | {_cell(meaning)} | {_cell(choices)} |")
    return rows


def cli_page() -> str:
    """Markdown of the CLI reference: the command and each subcommand with its usage and options."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    lines = [
        "# The `symnn` command",
        "",
        parser.description,
        "",
        "This page is generated from the command's argument parser.",
        "",
        f"```text\n{_usage(parser)}\n```",
        "",
    ]
    for name, command in sub.choices.items():
        lines += [f"## symnn {name}", "", command.description, "", f"```text\n{_usage(command)}\n```", ""]
        lines += [*_options_table(command), ""]
    return "\n".join(lines)


def benchmarks_page() -> str:
    """Markdown of the benchmarks page: each script's docstring, which says what it measures and how to run it."""
    lines = [
        "# Benchmarks",
        "",
        "`make bench` runs every script below, each printing its own table, and keeps the whole run in "
        "`benchmarks/results.txt`, shown first here; the text under each script's name is its docstring.",
        "",
    ]
    results = ROOT / "benchmarks" / "results.txt"  # what the last `make bench` printed, committed with the code
    level = "###" if results.is_file() else "##"
    if results.is_file():
        lines += ["## The last run", "", f"```text\n{results.read_text(encoding='utf-8').rstrip()}\n```", ""]
        lines += ["## The scripts", ""]
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8")))
        if doc is None:
            continue
        lines += [f"{level} `benchmarks/{script.name}`", "", f"```text\n{doc}\n```", ""]
    return "\n".join(lines)


def execute_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` run top to bottom in a fresh kernel, in its own folder; a failing cell raises.

    The kernel imports this checkout's symnn (first on its ``PYTHONPATH``), whatever the environment has installed.
    """
    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": path.parent}}
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *([before] if before else [])])
    try:
        NotebookClient(nb, timeout=NOTEBOOK_TIMEOUT, kernel_name="python3", resources=resources).execute()
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before
    return nb


def _output_markdown(output: nbformat.NotebookNode) -> str:
    if output.output_type == "stream":
        return f"```text\n{output.text.rstrip()}\n```" if output.text.strip() else ""
    if output.output_type == "error":  # execute_notebook raises first; a stored error is shown as it is
        return f"```text\n{output.ename}: {output.evalue}\n```"
    data = output.get("data", {})
    if "text/markdown" in data:  # a derivation's _repr_markdown_: its $$ maths go through arithmatex
        return data["text/markdown"]
    if "text/latex" in data:  # a SymPy expression: $\\displaystyle ...$, shown as display maths
        tex = data["text/latex"].strip().strip("$").removeprefix(r"\displaystyle").strip()
        return f"$$\n{tex}\n$$"
    if "image/png" in data:
        return f"![output](data:image/png;base64,{data['image/png'].strip()})"
    if "image/svg+xml" in data:
        svg = base64.b64encode(data["image/svg+xml"].encode()).decode()
        return f"![output](data:image/svg+xml;base64,{svg})"
    return f"```text\n{data.get('text/plain', '').rstrip()}\n```"


def notebook_markdown(nb: nbformat.NotebookNode, download: str) -> str:
    """An executed notebook as a page: Markdown cells as they are, code in fences, each output after its cell."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        elif cell.cell_type == "code":
            parts.append(f"```python\n{cell.source}\n```")
            outputs = "\n\n".join(m for m in map(_output_markdown, cell.outputs) if m)
            if outputs:  # set apart from the code by the site's stylesheet
                parts.append(f'<div class="nb-output" markdown>\n\n{outputs}\n\n</div>')
    if parts and parts[0].startswith("# "):  # the download link under the notebook's title
        title, _, rest = parts[0].partition("\n")
        parts[0] = f"{title}\n\n[Download the notebook]({download})\n{rest}"
    return "\n\n".join(parts) + "\n"


def on_config(config):
    """Put the API pages, one a stage, into the navigation under Reference › API."""
    pages = [{"Index": API_INDEX}] + [{STAGES[p.split("/")[-1][:-3]]: p} for p in sorted(api_pages()) if p != API_INDEX]
    for section in config["nav"]:
        for entry in section.get("Reference", []) if isinstance(section, dict) else []:
            if "API" in entry:
                entry["API"] = pages
    return config


def on_files(files: Files, config) -> Files:
    """Add the generated pages and the KaTeX assets to the site's files."""
    generated = {**api_pages(), "reference/cli.md": cli_page(), "benchmarks.md": benchmarks_page()}
    for notebook in sorted((Path(config["docs_dir"]) / NOTEBOOKS).glob("*.ipynb")):
        page = notebook_markdown(execute_notebook(notebook), notebook.name)
        generated[f"{NOTEBOOKS}/{notebook.stem}.md"] = page
    for path, text in generated.items():
        files.append(File.generated(config, path, content=text))
    katex = ROOT / "symnn" / "render" / "assets" / "katex"
    for item in sorted(katex.rglob("*")):
        if item.is_file():
            path = f"assets/katex/{item.relative_to(katex).as_posix()}"
            files.append(File.generated(config, path, content=item.read_bytes()))
    return files


def on_post_page(output: str, page, config) -> str:
    """A Japanese page (``*.ja.md``) says so: ``<html lang="ja">``, so that browsers choose Japanese glyphs."""
    if page.file.src_uri.endswith(".ja.md"):
        return output.replace('<html lang="en"', '<html lang="ja"', 1)
    return output

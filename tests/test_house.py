"""The house by stage: each package imports only itself and earlier stages, and no modules import each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

#: the stages in pipeline order; a module may import its own stage and earlier ones. "base" holds the
#: top-level helpers every stage may use (symnn/io.py, symnn/errors.py).
STAGES = ("base", "kernels", "model", "derive", "check", "codegen", "training", "text", "render", "cli")
#: modules exempt from the order: the package's front door re-exports every stage but the cli, and ``python -m symnn``;
#: only the cli, the last stage, may import the front door
FRONT = ("symnn", "symnn.__main__")
ROOT = Path(__file__).resolve().parents[1] / "symnn"


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package at ``root``."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def stage_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or parts[1] in STAGES else "base"


def imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that ``module`` imports anywhere in its body (function-level imports count too,
    imports under ``if TYPE_CHECKING:`` do not)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):  # names only type checkers read do not run: ``if TYPE_CHECKING:`` blocks
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            node.body = []
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        found |= {n for n in names if n in known and n != module}
    return found


def violations(root: Path) -> list[str]:
    """Every import that runs from a stage to a later one, as ``importer -> imported``."""
    known = modules(root)
    out = []
    for module, path in known.items():
        if module in FRONT:
            continue
        here = STAGES.index(stage_of(module))
        for target in sorted(imports(module, path, known)):
            if target in FRONT:
                if stage_of(module) != "cli":
                    out.append(f"{module} ({stage_of(module)}) -> {target}")
            elif STAGES.index(stage_of(target)) > here:
                out.append(f"{module} ({stage_of(module)}) -> {target}")
    return out


def cycles(root: Path) -> list[list[str]]:
    """Groups of modules that import each other, directly or around a circle."""
    known = modules(root)
    graph = {m: imports(m, p, known) - set(FRONT) for m, p in known.items() if m not in FRONT}

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    reachable = {m: reach(m) for m in graph}
    groups = {
        tuple(sorted(m2 for m2 in graph if m2 == m or (m2 in reachable[m] and m in reachable[m2]))) for m in graph
    }
    return [list(g) for g in sorted(groups) if len(g) > 1]


def test_every_module_belongs_to_a_stage():
    unknown = [m for m in modules(ROOT) if m not in FRONT and stage_of(m) not in STAGES]
    assert unknown == []


def test_no_stage_imports_a_later_one():
    assert violations(ROOT) == []


def test_no_import_cycles():
    assert cycles(ROOT) == []


@pytest.fixture
def house(tmp_path: Path) -> Path:
    """A small package laid out by stage, to show that the checks above catch what they are for."""
    root = tmp_path / "symnn"
    for folder in ("model", "render"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "__init__.py").write_text("from symnn.render import page\n")
    (root / "model" / "net.py").write_text("import sympy\n")
    (root / "render" / "page.py").write_text("from symnn.model.net import sympy\n")
    return root


def test_the_checks_see_an_upward_import(house: Path):
    assert violations(house) == []
    (house / "model" / "net.py").write_text("def show():\n    from symnn.render import page\n")
    assert violations(house) == [
        "symnn.model.net (model) -> symnn.render",
        "symnn.model.net (model) -> symnn.render.page",
    ]


def test_the_checks_see_a_cycle(house: Path):
    (house / "render" / "other.py").write_text("from symnn.render import page\n")
    (house / "render" / "page.py").write_text("from .other import x\n")
    assert cycles(house) == [["symnn.render.other", "symnn.render.page"]]

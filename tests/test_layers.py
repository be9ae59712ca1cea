"""The package's layers point one way: a module may import its own layer and those below.

Every import is checked, function-local ones included (``ast`` walks whole modules), so a
lazy import cannot hide a cycle. The order is the one in ``mirscope/__init__.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mirscope

SRC = Path(mirscope.__file__).resolve().parent

#: Lowest first. The package root only holds the version.
LAYERS = (
    ("errors",),
    ("io", "params"),
    ("inputs",),
    ("fetch",),
    ("reads",),
    ("counts",),
    ("de",),
    ("stats",),
    ("survival",),
    ("companion",),
    ("plots",),
    ("report",),
    ("stages",),
    ("simulate",),
    ("cli",),
)
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}
#: Packages that compute; none of them may draw.
COMPUTE = ("inputs", "fetch", "reads", "counts", "de", "stats", "survival", "companion")


def _layer(module: str) -> str | None:
    """``mirscope.stats.models`` -> ``stats``; the bare package root -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "mirscope" else None


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every mirscope import in the file, at any depth."""
    tree = ast.parse(path.read_text(), filename=str(path))
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("mirscope")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if not module.startswith("mirscope"):
                continue
            if module == "mirscope":
                # ``from mirscope import stats`` imports the sub-package itself.
                found += [(node.lineno, f"mirscope.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, module))
    return found


def violations(root: Path = SRC) -> list[str]:
    """Every import that points up the layer list, or from a compute package to plots."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        own = _layer(_module_name(path, root))
        if own is None:
            continue
        assert own in RANK, f"{path}: package '{own}' is not in the layer list"
        for line, module in _imports(path, root):
            target = _layer(module)
            if target is None or target == "__version__":
                continue
            assert target in RANK, f"{path}:{line}: imports unknown layer '{target}'"
            where = f"{path.relative_to(root.parent)}:{line}: {own} imports {module}"
            if RANK[target] > RANK[own]:
                bad.append(where + " (upward)")
            elif own in COMPUTE and target == "plots":
                bad.append(where + " (compute code may not draw)")
    return bad


def test_no_import_points_up_the_layers():
    assert violations() == []


def test_every_package_is_in_the_layer_list():
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").is_file()}
    modules = {p.stem for p in SRC.glob("*.py") if p.stem != "__init__"}
    assert packages | modules == set(RANK)


def test_package_docstring_states_the_order():
    doc = mirscope.__doc__ or ""
    positions = [doc.find(f"``{names[0]}``") for names in LAYERS]
    assert all(p >= 0 for p in positions), "every layer is named in mirscope/__init__.py"
    assert positions == sorted(positions), "the docstring lists the layers lowest first"


@pytest.mark.parametrize(
    ("module", "source", "why"),
    [
        ("stats/models.py", "from mirscope.plots.models import plot_model\n", "upward"),
        ("reads/trim.py", "def f():\n    import mirscope.counts.umi\n", "upward"),
        ("de/normalize.py", "from mirscope import stages\n", "upward"),
    ],
)
def test_an_upward_import_is_caught(tmp_path, module, source, why):
    """A copy of the package with one planted import fails the check."""
    import shutil

    copy = tmp_path / "mirscope"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text() + "\n" + source)
    found = violations(copy)
    assert len(found) == 1 and module in found[0] and why in found[0], found

"""The package's layers point one way: a module may import its own layer and those below.

Every import is checked, function-local ones included (``ast`` walks whole modules), so a
lazy import cannot hide a cycle. The order is the one in ``mirscope/__init__.py``.

Compute packages neither draw nor write files: an ``ast`` walk flags every call that
writes (an ``open`` for writing, ``write_text``, ``to_csv`` to a path, ``write_tsv``,
``atomic_path``, ``json.dump``, ``np.save``, ``os.replace``, ``shutil.copy``...) outside
the few modules :data:`WRITERS` names with their reason. Only ``stages`` (and ``cli``,
``report``, ``plots``, ``simulate``) write.
"""

from __future__ import annotations

import ast
import re
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


#: Compute modules (or whole packages) that write files, each with the reason it must.
#: Nothing else in ``COMPUTE`` may; the list only shrinks (a test checks each entry still
#: writes, so a module that stops writing leaves it).
WRITERS = {
    "fetch": "downloading the inputs (FASTQ, miRBase) to disk is what the layer is for",
    "inputs/clinical.py": "write_clinical, the clinical table's one canonical writer, kept "
    "beside its one reader so the two cannot drift",
    "reads/molecules.py": "the molecules table and inserts FASTA format: the trim counter "
    "(reads/trim.py), in whichever process holds the molecules, streams them through it to "
    "the temporaries the trim stage opened, as they are too many to hand back",
    "counts/align.py": "bowtie and samtools write the BAM; write_inserts_fasta is bowtie's input",
}

#: Functions and methods that write whatever they are called on or with.
_WRITE_CALLS = {
    "write_tsv", "write_text", "write_bytes", "atomic_path", "open_gzip_out", "to_parquet",
    "to_excel", "to_pickle", "to_feather", "to_hdf", "savefig", "savetxt", "savez",
    "savez_compressed", "mkstemp", "NamedTemporaryFile",
}  # fmt: skip
#: ``module.function`` calls that write.
_MODULE_WRITES = {
    ("os", "replace"), ("os", "rename"), ("os", "link"), ("os", "symlink"), ("np", "save"),
    ("numpy", "save"), ("json", "dump"), ("pickle", "dump"), ("yaml", "dump"),
    ("yaml", "safe_dump"), ("shutil", "copy"), ("shutil", "copy2"), ("shutil", "copyfile"),
    ("shutil", "copyfileobj"), ("shutil", "copytree"), ("shutil", "move"),
}  # fmt: skip
#: Calls whose mode argument decides (``open``, ``gzip.open``, ``Path.open``,
#: ``pysam.AlignmentFile``, ``dnaio.open``, ``IGzipFile``...).
_MODE_CALLS = {"open", "AlignmentFile", "VariantFile", "IGzipFile", "GzipFile", "xopen"}
_WRITE_MODE = re.compile(r"^[rbt]*[wax+][rwaxbt+]*$")


def _call_name(func: ast.expr) -> tuple[str | None, str | None]:
    """(module or object name, called name) of a call's function."""
    if isinstance(func, ast.Name):
        return None, func.id
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        return owner, func.attr
    return None, None


def _writes(node: ast.Call) -> str | None:
    """What the call writes with, or None when it writes nothing."""
    owner, name = _call_name(node.func)
    if name is None:
        return None
    if (owner, name) in _MODULE_WRITES:
        return f"{owner}.{name}"
    if name in _WRITE_CALLS:
        return name
    if name == "to_csv" and (node.args or any(k.arg == "path_or_buf" for k in node.keywords)):
        return "to_csv to a file"
    if name in _MODE_CALLS:
        modes = [a for a in node.args[:3] if isinstance(a, ast.Constant)]
        modes += [k.value for k in node.keywords if k.arg == "mode"]
        for m in modes:
            if isinstance(m, ast.Constant) and isinstance(m.value, str):
                if _WRITE_MODE.match(m.value):
                    return f"{name}(..., {m.value!r})"
    return None


def file_writes_in(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, call) for every call in ``source`` that writes a file."""
    tree = ast.parse(source, filename=filename)
    found = [(n.lineno, _writes(n)) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    return sorted((line, what) for line, what in found if what)


def _allowed(rel: Path) -> bool:
    return rel.parts[0] in WRITERS or rel.as_posix() in WRITERS


def file_writes(root: Path = SRC) -> list[str]:
    """Every file-writing call in a compute package outside :data:`WRITERS`."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] not in COMPUTE or _allowed(rel):
            continue
        for line, what in file_writes_in(path.read_text(), str(path)):
            bad.append(f"{rel.as_posix()}:{line}: {what} (compute code may not write files)")
    return bad


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


def test_compute_packages_write_no_files():
    assert file_writes() == []


@pytest.mark.parametrize("entry", sorted(WRITERS))
def test_every_listed_writer_still_writes(entry):
    """An entry whose module stopped writing is taken off the list, so it cannot grow
    stale into a licence for new writes."""
    paths = sorted((SRC / entry).rglob("*.py")) if (SRC / entry).is_dir() else [SRC / entry]
    assert any(file_writes_in(p.read_text()) for p in paths), entry


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ('def f(df, p):\n    df.to_csv(p, sep="\\t")\n', "to_csv to a file"),
        ('def f(p):\n    with open(p, "w") as fh:\n        fh.write("x")\n', "open(..., 'w')"),
        ('def f(p):\n    return open(p, mode="ab")\n', "open(..., 'ab')"),
        ('import gzip\ndef f(p):\n    return gzip.open(p, "wt")\n', "open(..., 'wt')"),
        ('def f(p):\n    return p.open("x")\n', "open(..., 'x')"),
        ("from mirscope.io import write_tsv\ndef f(df, p):\n    write_tsv(df, p)\n", "write_tsv"),
        ("def f(p):\n    p.write_text('x')\n", "write_text"),
        ("def f(p):\n    p.write_bytes(b'x')\n", "write_bytes"),
        ("import numpy as np\ndef f(p, a):\n    np.save(p, a)\n", "np.save"),
        ("import json\ndef f(d, fh):\n    json.dump(d, fh)\n", "json.dump"),
        ("import os\ndef f(a, b):\n    os.replace(a, b)\n", "os.replace"),
        ("import shutil\ndef f(a, b):\n    shutil.copyfile(a, b)\n", "shutil.copyfile"),
        ("import pysam\ndef f(p):\n    return pysam.AlignmentFile(p, 'wb')\n", "'wb'"),
        ("from mirscope.io import atomic_path\ndef f(p):\n    with atomic_path(p):\n        pass\n",
         "atomic_path"),
    ],
)  # fmt: skip
def test_the_write_check_flags_each_kind_of_write(source, what):
    found = file_writes_in(source)
    assert len(found) == 1 and what in found[0][1], found


def test_the_write_check_passes_reads_and_lookalikes():
    source = (
        "import gzip, json, pysam\n"
        "def f(p, df, s):\n"
        "    open(p)\n"
        '    open(p, "rb")\n'
        '    gzip.open(p, "rt")\n'
        '    pysam.AlignmentFile(p, "rb")\n'
        '    text = df.to_csv(sep="\\t")\n'
        '    s.replace("a", "b")\n'
        "    json.dumps({})\n"
        '    return p.read_text(), df.replace({1: 2}), ":".join(s.split(":"))\n'
    )
    assert file_writes_in(source) == []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("counts/count.py", "def f(df, p):\n    write_tsv(df, p)\n"),
        ("reads/trim.py", "def f(p):\n    with open(p, 'w') as fh:\n        fh.write('x')\n"),
        ("stats/models.py", "def f(df, p):\n    df.to_csv(p, sep='\\t')\n"),
        ("inputs/outcomes.py", "def f(p):\n    p.write_text('x')\n"),
    ],
)
def test_a_planted_file_write_is_caught(tmp_path, module, source):
    """A copy of the package with one planted write in a compute module fails the check."""
    import shutil

    copy = tmp_path / "mirscope"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text() + "\n\n" + source)
    found = file_writes(copy)
    assert len(found) == 1 and found[0].startswith(module + ":"), found

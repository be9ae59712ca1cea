"""mirscope installed as a user gets it: a non-editable build in a fresh venv.

The editable install the other tests run from reads schemas and presets straight from
src/, so a data file missing from the package (pyproject's package-data) only shows in a
real build. The fresh venv sees this interpreter's site-packages through a ``.pth`` file,
so the dependencies are the ones already installed and the project builds offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"{' '.join(cmd)}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A venv with mirscope built from a copy of the project, and the env to run it in."""
    tmp = tmp_path_factory.mktemp("install")
    venv = tmp / "venv"
    base_python = getattr(sys, "_base_executable", sys.executable)
    res = subprocess.run(
        [base_python, "-m", "venv", "--without-pip", str(venv)], capture_output=True, text=True
    )
    if res.returncode != 0:
        pytest.skip(f"cannot create a venv with {base_python}: {res.stderr.strip()[-500:]}")
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "_mirscope_deps.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))
    # No PYTHONPATH: the tests themselves may run with src/ on it, which would hide the build.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"

    # Build from a copy: setuptools writes build/ and *.egg-info next to the sources.
    project = tmp / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, project / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(REPO / "src", project / "src", ignore=ignore)

    pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
    # The build backend at the version pyproject asks for: nothing is fetched when the
    # installed one satisfies it, else it comes from pip's configured sources into this venv.
    backend = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]["requires"]
    _run([*pip, "install", "--quiet", *backend], tmp, env)
    # --ignore-installed: pip leaves an editable mirscope seen through the .pth alone.
    _run(
        [*pip, "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index"]
        + ["--ignore-installed", str(project)],
        tmp,
        env,
    )
    return venv, env


def test_installed_package_is_the_built_one(installed, tmp_path):
    venv, env = installed
    code = (
        "import mirscope, mirscope.inputs.presets as p, mirscope.inputs.schemas as s;"
        "from pathlib import Path;"
        "print(mirscope.__file__);"
        "print(*sorted(f.name for d in (p, s) for f in Path(d.__file__).parent.glob('*.yaml')))"
    )
    out = _run([str(venv / "bin" / "python"), "-c", code], tmp_path, env).stdout.splitlines()
    init = Path(out[0])
    assert init.is_relative_to(venv) and "site-packages" in init.parts, init
    assert not init.is_relative_to(REPO)
    shipped = set(out[1].split())
    assert {"qiaseq.yaml", "illumina.yaml", "nextflex.yaml", "custom.yaml"} <= shipped
    assert {"config.schema.yaml", "samples.schema.yaml", "clinical.schema.yaml"} <= shipped


def test_installed_cli_simulates_and_validates(installed, tmp_path):
    venv, env = installed
    mirscope = str(venv / "bin" / "mirscope")
    assert "simulate" in _run([mirscope, "--help"], tmp_path, env).stdout
    cmd = [mirscope, "simulate", "--out", "cohort", "--seed", "1", "--patients", "4"]
    _run([*cmd, "--reads-per-sample", "100"], tmp_path, env)
    fastqs = sorted((tmp_path / "cohort" / "fastq").glob("*.fastq.gz"))
    assert len(fastqs) == 4 and all(f.stat().st_size > 0 for f in fastqs)
    # validate reads the config schema and the kit preset: the package data
    (tmp_path / "config.yaml").write_text(
        "samples: cohort/samples.tsv\nclinical: cohort/clinical.tsv\npreset: qiaseq\n"
    )
    res = _run([mirscope, "validate", "--config", "config.yaml"], tmp_path, env)
    assert "4 samples" in res.stdout + res.stderr

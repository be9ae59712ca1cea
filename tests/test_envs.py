"""The conda environment the `mirscope` rules use installs mirscope from this repository.

Conda itself is not needed: a stub answers the questions Snakemake asks it
(``conda info --json``, ``conda --version``, its channel priority), enough for ``snakemake --list-conda-envs`` to
resolve every rule's environment file, which is what is checked here. Creating the
environments needs the conda channels and is not exercised.
"""

from __future__ import annotations

import gzip
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
STUB = """#!/bin/sh
case "$*" in
  "info --json") echo '{"conda_prefix": "%s", "platform": "linux-64", "envs_dirs": []}' ;;
  "--version") echo "conda 24.11.3" ;;
  "config --get channel_priority --json") echo '{"get": {"channel_priority": "strict"}}' ;;
  *) echo "stub conda: $*" >&2; exit 1 ;;
esac
"""


def _pip_entries(env: dict) -> list[str]:
    return next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)


@pytest.fixture(scope="module")
def listed(tmp_path_factory) -> tuple[Path, str]:
    """`snakemake --list-conda-envs` on a one-sample run: (workdir, stdout)."""
    work = tmp_path_factory.mktemp("envs")
    with gzip.open(work / "S1.fastq.gz", "wt") as fh:
        fh.write("@r1\nACGTACGTACGTACGTACGTAACTGTAGGCACCATCAAT\n+\n" + "I" * 39 + "\n")
    (work / "samples.tsv").write_text(f"sample_id\tfastq\nS1\t{work / 'S1.fastq.gz'}\n")
    (work / "config.yaml").write_text("samples: samples.tsv\noutdir: out\n")
    bin_dir = work / "bin"
    bin_dir.mkdir()
    conda = bin_dir / "conda"
    conda.write_text(STUB % (work / "conda"))
    conda.chmod(conda.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH=f"{bin_dir}:{Path(sys.executable).parent}:{os.environ['PATH']}")
    res = subprocess.run(
        [
            str(Path(sys.executable).parent / "snakemake"),
            "-s",
            str(REPO / "Snakefile"),
            "--configfile",
            "config.yaml",
            "--sdm",
            "conda",
            "--list-conda-envs",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return work, res.stdout


def test_mirscope_rules_use_the_generated_env_file(listed):
    work, stdout = listed
    files = {line.split("\t")[0] for line in stdout.splitlines()[1:] if line.strip()}
    generated = work / ".snakemake/mirscope/envs/mirscope.yaml"
    assert any((work / f).resolve() == generated.resolve() for f in files), stdout
    # the repository file is not used directly by any rule (its `-e ../` would break)
    assert not any(Path(f).name == "mirscope.yaml" and "mirscope/envs" not in f for f in files)
    names = {Path(f).name for f in files}
    assert {"bowtie.yaml", "samtools.yaml", "multiqc.yaml"} <= names


def test_generated_env_installs_this_repository(listed):
    work, _ = listed
    generated = work / ".snakemake/mirscope/envs/mirscope.yaml"
    env = yaml.safe_load(generated.read_text())
    source = yaml.safe_load((REPO / "envs/mirscope.yaml").read_text())
    (entry,) = _pip_entries(env)
    flag, path = entry.split(" ", 1)
    assert flag == "-e"
    # conda runs pip from the env file's directory: resolve as it would, from a copy elsewhere
    resolved = Path(os.path.normpath(generated.parent / ".." / "conda" / path))
    assert Path(path).is_absolute()
    assert Path(os.path.normpath(os.path.join(generated.parent, path))) == REPO
    assert resolved == REPO
    assert 'name = "mirscope"' in (REPO / "pyproject.toml").read_text()
    # everything but the pip path is the repository file's
    strip = [d for d in env["dependencies"] if not isinstance(d, dict)]
    assert strip == [d for d in source["dependencies"] if not isinstance(d, dict)]
    assert env["channels"] == source["channels"]


def test_repository_env_file_points_at_the_repository_from_envs():
    source = yaml.safe_load((REPO / "envs/mirscope.yaml").read_text())
    (entry,) = _pip_entries(source)
    path = entry.split(" ", 1)[1]
    assert Path(os.path.normpath(REPO / "envs" / path)) == REPO

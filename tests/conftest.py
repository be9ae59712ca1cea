"""Shared fixtures: paths to the repository, the shared real reads, and R availability."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_REAL = REPO.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def real_reads_dir() -> Path:
    """The shared real reads; tests using them skip where ../shared is absent (a user's clone)."""
    if not SHARED_REAL.is_dir():
        pytest.skip(f"real reads not available: {SHARED_REAL} is absent (only in the dev/CI tree)")
    return SHARED_REAL


def r_has(*packages: str) -> bool:
    """True if Rscript exists and can load every named package."""
    if shutil.which("Rscript") is None:
        return False
    expr = ";".join(f"suppressMessages(library({p}))" for p in packages) or "invisible(0)"
    res = subprocess.run(["Rscript", "-e", expr], capture_output=True, timeout=120)
    return res.returncode == 0


def require_r(*packages: str) -> None:
    """Skip the calling test with a reason unless R and the packages are installed."""
    if not r_has(*packages):
        pytest.skip(f"R or R packages {packages} missing (make test installs them with apt)")


@pytest.fixture(scope="module")
def hsa(tmp_path_factory):
    """Human miRBase v22 (optimir), its hairpin FASTA, loci TSV and a bowtie index."""
    from mirscope.errors import InputError
    from mirscope.fetch.reference import load_reference

    try:
        ref = load_reference("hsa")
    except InputError as exc:
        pytest.skip(f"no local miRBase: {exc}")
    d = tmp_path_factory.mktemp("ref")
    fa = d / "hsa_hairpin.fa"
    fa.write_text("".join(f">{k}\n{v}\n" for k, v in sorted(ref.hairpin.items())))
    loci = d / "hsa_mature_loci.tsv"
    loci.write_text(
        "mature\tmature_id\thairpin\tstart\tend\n"
        + "".join(f"{x.mature}\t{x.mature_id}\t{x.hairpin}\t{x.start}\t{x.end}\n" for x in ref.loci)
    )
    subprocess.run(["bowtie-build", "-q", str(fa), str(d / "hsa_hairpin")], check=True)
    return ref, fa, loci, str(d / "hsa_hairpin")


def run_workflow(tmp_path: Path, sheet: list[str], targets: list[Path]) -> None:
    """Run the real workflow (qiaseq preset, outdir tmp_path/out) on a sample sheet given as
    lines, building only ``targets``; fail the test with snakemake's stderr if it fails."""
    import os
    import sys

    (tmp_path / "samples.tsv").write_text("\n".join(sheet) + "\n")
    (tmp_path / "config.yaml").write_text(
        f"samples: {tmp_path / 'samples.tsv'}\npreset: qiaseq\noutdir: {tmp_path / 'out'}\n"
    )
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    res = subprocess.run(
        [
            str(Path(sys.executable).parent / "snakemake"),
            "-s",
            str(REPO / "Snakefile"),
            "--configfile",
            str(tmp_path / "config.yaml"),
            "--cores",
            "2",
            "--directory",
            str(tmp_path),
            *map(str, targets),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert res.returncode == 0, res.stderr[-3000:]

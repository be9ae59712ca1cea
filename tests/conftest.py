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

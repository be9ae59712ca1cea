"""The numbers Naddeo et al. 2026 publish, and where a run's outputs hold the same quantity.

A reanalysis is judged side by side with the paper, so every published number is listed
here once, with its location in the paper, and looked up in the run's own output tables.
A number the run did not produce is reported as "not computed" and never filled in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

NOT_COMPUTED = "not computed"


@dataclass(frozen=True)
class Published:
    """One published number: what it is, where the paper gives it, and its value."""

    quantity: str
    location: str
    paper_value: str
    lookup: Callable[[Path], object]


def _read(outdir: Path, rel: str) -> pd.DataFrame | None:
    path = outdir / rel
    if not path.is_file():
        return None
    return pd.read_csv(path, sep="\t")


def _fmt(value: object) -> str:
    if value is None:
        return NOT_COMPUTED
    if isinstance(value, float):
        if math.isnan(value):
            return NOT_COMPUTED
        return f"{value:.4g}"
    return str(value)

"""Saving figures: PNG and PDF, written atomically, deterministic metadata."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from mirscope.io import atomic_path  # noqa: E402


def save_figure(fig, path: str | os.PathLike[str]) -> None:
    """Save ``fig`` to ``path`` (.png or .pdf) and its sibling of the other format.

    Metadata dates are dropped so the same data give the same bytes.
    """
    path = Path(path)
    stem = path.with_suffix("")
    for suffix, meta in ((".png", {"Software": None}), (".pdf", {"CreationDate": None})):
        target = stem.with_suffix(suffix)
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=suffix[1:], dpi=150, bbox_inches="tight", metadata=meta)
    plt.close(fig)

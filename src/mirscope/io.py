"""Small file helpers shared by every stage.

Outputs are written to a temporary file in the destination directory and renamed into
place, so an interrupted or failed step never leaves a partial file that Snakemake or a
user would take for a finished one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from mirscope.errors import InputError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_tsv(df: pd.DataFrame, path: str | os.PathLike[str], *, index: bool = False) -> None:
    """Write a TSV atomically with a fixed float format, so equal inputs give equal bytes."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, sep="\t", index=index, float_format="%.10g", lineterminator="\n")


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a TSV with a clear error when it is missing or empty."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=str(path))
    df = pd.read_csv(
        path, sep="\t", comment="#", na_values=["", "NA", "NaN", "nan"], keep_default_na=False
    )
    if df.empty:
        raise InputError("table has no rows", path=str(path))
    return df


def require_columns(
    df: pd.DataFrame,
    columns: Iterable[str],
    *,
    source: str,
    message: str = "column not found",
    allowed: str | None = None,
) -> None:
    """Raise InputError naming the first requested column the table lacks.

    Checked up front so a missing column is reported with the file and the columns it does
    have, not as a KeyError deep inside a computation. ``allowed`` defaults to the table's
    own columns; a reader that expects a fixed layout passes that layout instead.
    """
    for col in columns:
        if col not in df.columns:
            raise InputError(
                message,
                path=source,
                column=col,
                allowed=", ".join(map(str, df.columns)) if allowed is None else allowed,
            )

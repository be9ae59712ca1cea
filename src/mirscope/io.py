"""Small file helpers shared by every stage.

Outputs are written to a temporary file in the destination directory and renamed into
place, so an interrupted or failed step never leaves a partial file that Snakemake or a
user would take for a finished one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from isal import igzip

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


def open_gzip_out(tmp: Path):
    """A gzip writer with no file name or time stamp in its header (byte-identical output)."""
    raw = open(tmp, "wb")
    return raw, igzip.IGzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0)

"""The molecules table: its one writer (trimming) and its one reader (counting, tests).

A TSV.gz with columns ``insert``, ``umi``, ``reads``: the unique (insert, UMI) molecules of
a sample's valid reads before UMI error correction, sorted by insert then UMI (``umi``
empty for kits without UMIs). The gzip header carries no name or time, so equal molecules
give equal bytes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from xopen import xopen

from mirscope.errors import InputError
from mirscope.io import open_gzip_out

MOLECULE_COLUMNS = ("insert", "umi", "reads")


#: Rows parsed at a time: bounds the memory of the text parser.
CHUNK_ROWS = 500_000


def iter_molecule_chunks(path: str) -> Iterator[tuple[int, pd.DataFrame]]:
    """(first data row number, chunk) of a molecules table, checked column by column."""
    try:
        # xopen inflates gzip with ISA-L (several times faster than zlib)
        with xopen(path, "rb", threads=0) as fh:
            reader = pd.read_csv(
                fh,
                sep="\t",
                dtype={"insert": str, "umi": str},
                keep_default_na=False,
                na_values=[],
                engine="c",
                chunksize=CHUNK_ROWS,
            )
            row = 2
            first = True
            for df in reader:
                if first:
                    missing = [c for c in MOLECULE_COLUMNS if c not in df.columns]
                    if missing:
                        raise InputError(
                            f"missing column '{missing[0]}'",
                            path=path,
                            row=1,
                            value=list(df.columns),
                            allowed=", ".join(MOLECULE_COLUMNS),
                        )
                    first = False
                yield row, _check_chunk(df, path, row)
                row += len(df)
            if first:  # header only: pandas yields no chunk
                yield row, pd.DataFrame({"insert": [], "umi": [], "reads": []})
    except pd.errors.EmptyDataError as exc:
        raise InputError("empty file, expected a header line", path=path) from exc
    except (OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read molecules table: {exc}", path=path) from exc


def _check_chunk(df: pd.DataFrame, path: str, row0: int) -> pd.DataFrame:
    reads = pd.to_numeric(df["reads"], errors="coerce")
    bad = reads.isna() | (reads < 1) | (reads != reads.round())
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            "read count is not a positive integer",
            path=path,
            row=row0 + i,
            column="reads",
            value=df["reads"].iloc[i],
            allowed="integers >= 1",
        )
    empty = (df["insert"] == "").to_numpy()
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise InputError(
            "empty insert", path=path, row=row0 + i, column="insert", value="", allowed="A/C/G/T/N"
        )
    return pd.DataFrame({"insert": df["insert"], "umi": df["umi"], "reads": reads.astype(np.int64)})


def read_molecules(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and check a whole trimming molecules table (plain or gzip TSV) as a DataFrame."""
    chunks = [c for _row, c in iter_molecule_chunks(str(path))]
    return pd.concat(chunks, ignore_index=True)


def add_counts(total: np.ndarray, more: np.ndarray) -> np.ndarray:
    """Element-wise sum of two count-by-length arrays of any lengths (in place if it fits)."""
    if len(more) > len(total):
        more[: len(total)] += total
        return more
    total[: len(more)] += more
    return total


#: Sorted keys formatted at a time: the temporary lists stay small however deep the sample.
WRITE_CHUNK = 100_000


def write_molecules(
    molecules: dict[bytes, int],
    path: str | os.PathLike[str],
    inserts_fasta: str | os.PathLike[str] | None = None,
) -> tuple[int, dict[int, int]]:
    """Write the sorted molecule table as TSV.gz (deterministic bytes, no gzip time stamp).

    Also writes, when asked, the unique inserts as FASTA named by their sequence (what
    bowtie aligns: :mod:`mirscope.counts.align`), in sorted order, so the alignment stage need
    not read the table back. Returns the number of unique inserts and the reads per
    insert length, computed from the sorted keys (equal inserts are adjacent).

    This is the one step of trimming that cannot overlap the reading, so the per-key work
    is done by C-level ``map``/``join`` and numpy rather than a Python loop. (Not in a
    forked second process: copy-on-write copies of the keys would double the memory.)
    """
    keys = sorted(molecules)
    reads_by_length = np.zeros(1, dtype=np.int64)
    n_inserts = 0
    previous = None
    step = WRITE_CHUNK
    line = b"%s\t%d\n".__mod__
    raw, gz = open_gzip_out(Path(path))
    fasta = open(inserts_fasta, "wb") if inserts_fasta is not None else None
    with raw, gz, fasta or contextlib.nullcontext():
        gz.write(b"insert\tumi\treads\n")
        for start in range(0, len(keys), step):
            chunk = keys[start : start + step]
            counts = list(map(molecules.__getitem__, chunk))
            gz.write(b"".join(map(line, zip(chunk, counts, strict=True))))
            inserts = [k[: k.index(b"\t")] for k in chunk]
            lengths = np.fromiter(map(len, inserts), dtype=np.int64, count=len(inserts))
            hist = np.bincount(lengths, weights=counts).astype(np.int64)
            reads_by_length = add_counts(reads_by_length, hist)
            unique = list(dict.fromkeys(inserts))  # first occurrences: sorted order is kept
            if unique[0] == previous:  # the insert runs on from the previous chunk
                unique = unique[1:]
            previous = inserts[-1]
            n_inserts += len(unique)
            if fasta is not None:
                fasta.write(b"".join(b">%s\n%s\n" % (u, u) for u in unique))
    hist = {k: int(reads_by_length[k]) for k in np.flatnonzero(reads_by_length).tolist()}
    return n_inserts, hist

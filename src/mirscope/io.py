"""Small file helpers shared by every stage.

Outputs are written to a temporary file in the destination directory and renamed into
place, so an interrupted or failed step never leaves a partial file that Snakemake or a
user would take for a finished one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from isal import igzip

from mirscope.errors import InputError, MirscopeError


def say(text: str) -> None:
    """A step's one-line summary for the person running it, on stderr at any log level
    (the rules keep it in the job's log)."""
    print(text, file=sys.stderr, flush=True)


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


def write_tsv(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    index: bool = False,
    comments: Iterable[str] = (),
) -> None:
    """Write a TSV atomically with a fixed float format, so equal inputs give equal bytes.

    ``comments``: lines written first as ``# line`` (a summary a reader sees before the
    header); :func:`tsv_comments` reads them back and :func:`read_tsv_cells` and
    :func:`read_table` skip them.
    """
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        for line in comments:
            if "\n" in line or "\r" in line:
                raise ValueError(f"a TSV comment must be one line: {line!r}")
            fh.write(f"# {line}\n")
        df.to_csv(fh, sep="\t", index=index, float_format="%.10g", lineterminator="\n")


def tsv_comments(path: str | os.PathLike[str]) -> list[str]:
    """The leading ``#`` lines of a TSV (see :func:`write_tsv`), without the ``# ``."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            out.append(line[1:].strip())
    return out


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write a text file atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def read_table(path: str | os.PathLike[str], *, key: str | None = None) -> pd.DataFrame:
    """Read a TSV with a clear error when it is missing or empty.

    ``sample_id`` is always text, so ids such as ``001`` keep their leading zeros and still
    match the sample sheet. ``key``: a column the table must have (an InputError, not a
    KeyError deep in an analysis, when it does not).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=str(path))
    df = pd.read_csv(
        path,
        sep="\t",
        comment="#",
        na_values=["", "NA", "NaN", "nan"],
        keep_default_na=False,
        dtype={"sample_id": str},
    )
    if key is not None and key not in df.columns:
        raise InputError(
            f"the header has no '{key}' column",
            path=str(path),
            value="\t".join(map(str, df.columns)),
            allowed=f"a '{key}' column",
        )
    if df.empty:
        raise InputError("table has no rows", path=str(path))
    return df


def open_gzip_out(tmp: Path):
    """A gzip writer with no file name or time stamp in its header (byte-identical output)."""
    raw = open(tmp, "wb")
    return raw, igzip.IGzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0)


def read_tsv_cells(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A TSV's cells as written (strings, empty cells as ``""``), for showing a table
    rather than computing with it; a header-only table gives an empty frame. Leading
    ``#`` lines (:func:`tsv_comments`) are skipped; a ``#`` inside a cell is kept."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=str(path))
    try:
        return pd.read_csv(
            path,
            sep="\t",
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skiprows=len(tsv_comments(path)),
        )
    except pd.errors.EmptyDataError:
        raise InputError("table is empty (no header)", path=str(path)) from None


def read_count_matrix(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a count matrix (first column ``mirna``, one integer column per sample).

    Raises :class:`InputError` naming the file, row and column for anything that is not a
    non-negative integer count, a duplicated miRNA, or a matrix without samples.
    """
    try:
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except FileNotFoundError as exc:
        raise InputError("count matrix not found", path=str(path)) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError("count matrix is empty", path=str(path)) from exc
    if df.columns.size == 0 or df.columns[0] != "mirna":
        raise InputError(
            "first column must be 'mirna'",
            path=str(path),
            column=str(df.columns[0]) if df.columns.size else None,
            allowed="mirna, then one integer column per sample_id",
        )
    if df.columns.size < 2:
        raise InputError("count matrix has no sample columns", path=str(path))
    dup = df["mirna"][df["mirna"].duplicated()]
    if len(dup):
        raise InputError(
            "miRNA listed twice",
            path=str(path),
            row=int(dup.index[0]) + 2,
            column="mirna",
            value=dup.iloc[0],
        )
    df = df.set_index("mirna")
    out = {}
    for col in df.columns:
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.isna() | (values < 0) | (values != np.floor(values))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                "counts must be non-negative integers",
                path=str(path),
                row=i + 2,
                column=col,
                value=df[col].iloc[i],
                allowed="0, 1, 2, ...",
            )
        out[col] = values.astype(np.int64)
    return pd.DataFrame(out, index=df.index)


def read_value_matrix(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a normalised or log2 table (``mirna`` + one numeric column per sample)."""
    try:
        df = pd.read_csv(path, sep="\t", index_col=0)
    except FileNotFoundError as exc:
        raise InputError("table not found", path=str(path)) from exc
    if df.index.name != "mirna":
        raise InputError("first column must be 'mirna'", path=str(path), column=df.index.name)
    bad = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    if bad or df.isna().any().any():
        col = bad[0] if bad else str(df.columns[df.isna().any()][0])
        raise InputError("values must be numbers", path=str(path), column=col)
    df.columns = df.columns.astype(str)
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


# --- the output directory: one run at a time, no temporaries of a killed run ----------
#
# One run at a time per output directory, and no temporaries left from a killed one.
#
# Snakemake locks the working directory (``.snakemake/``), not the output directory: two
# runs started from two directories with one ``outdir`` both proceed, and one run's
# ``temp()`` clean-up deletes files the other is about to read, so both crash midway. The
# lock file here is taken when a run starts (``onstart`` in ``workflow/rules/common.smk``)
# and removed when it ends; a lock whose process is gone (``kill -9``, a crashed node on
# this host) is taken over, so a killed run never blocks the next one.
#
# A process killed with ``kill -9`` cannot remove the temporary a
# :func:`mirscope.io.atomic_path` writer had open (a hidden ``.<name>.*.part``): the run
# that holds the lock removes them all when it starts, since no other run can be writing.

LOCK_NAME = ".mirscope.lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def acquire_lock(outdir: str | os.PathLike[str], *, pid: int | None = None) -> Path:
    """Create ``outdir/.mirscope.lock`` holding pid, host and working directory, or raise
    :class:`MirscopeError` naming the run that holds it.

    A lock from another host cannot be checked for life, so it is refused with how to
    remove it; one from this host whose process has ended is replaced.

    Two runs starting together must not both win. The lock appears whole or not at all
    (its text is written to a temporary file, then hard-linked to the lock name, which
    fails if the name exists: atomic on local and network filesystems), so a reader never
    sees it empty. Taking over a stale lock is check-then-replace, so it runs under an
    exclusive ``flock`` of the output directory: without it two runs could both judge the
    dead run's lock stale, and the second would delete the lock the first had just made.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    lock = outdir / LOCK_NAME
    pid = os.getpid() if pid is None else pid
    text = f"{pid}\t{socket.gethostname()}\t{os.getcwd()}\n"
    with _directory_guard(outdir):
        for _ in range(2):
            if _link_new(lock, text, outdir):
                return lock
            holder = _holder(lock)
            if holder is None:
                continue  # removed meanwhile, or unreadable: try once more
            other_pid, host, cwd = holder
            if host == socket.gethostname() and not _alive(other_pid):
                lock.unlink(missing_ok=True)  # stale: its run was killed
                continue
            raise MirscopeError(
                f"{outdir}: another mirscope run is using this output directory (pid "
                f"{other_pid} on {host}, started in {cwd}); wait for it to finish, or use "
                f"another outdir. If no run is active, delete {lock}"
            )
    raise MirscopeError(f"{outdir}: could not take the run lock {lock}; delete it and retry")


@contextlib.contextmanager
def _directory_guard(outdir: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the directory while the lock is checked and taken.

    Where directories cannot be flocked (some network filesystems) the guard is skipped:
    the hard link still lets only one run create the lock.
    """
    try:
        fd = os.open(outdir, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _link_new(lock: Path, text: str, outdir: Path) -> bool:
    """Create ``lock`` with ``text`` whole, or return False if it exists."""
    fd, tmp = tempfile.mkstemp(prefix=f"{LOCK_NAME}.", suffix=".tmp", dir=outdir)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.link(tmp, lock)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp)


def _holder(lock: Path) -> tuple[int, str, str] | None:
    try:
        pid, host, cwd = lock.read_text().rstrip("\n").split("\t", 2)
        return int(pid), host, cwd
    except (OSError, ValueError):
        return None


def release_lock(outdir: str | os.PathLike[str], *, pid: int | None = None) -> None:
    """Remove the lock if this process holds it (a refused run must not free another's)."""
    lock = Path(outdir) / LOCK_NAME
    holder = _holder(lock)
    if holder is not None and holder[0] == (os.getpid() if pid is None else pid):
        if holder[1] == socket.gethostname():
            lock.unlink(missing_ok=True)


def clean_stale_temporaries(outdir: str | os.PathLike[str]) -> list[Path]:
    """Delete the hidden ``.*.part`` files :func:`mirscope.io.atomic_path` leaves behind
    when its process is killed; call only while holding the lock. Returns what was removed."""
    removed = []
    for root, _dirs, files in os.walk(outdir):
        for name in files:
            if name.startswith(".") and name.endswith(".part"):
                path = Path(root) / name
                path.unlink(missing_ok=True)
                removed.append(path)
    return sorted(removed)

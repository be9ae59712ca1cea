"""The molecules table: its one writer (trimming) and its one reader (counting, tests).

A TSV.gz with columns ``insert``, ``umi``, ``reads``: the unique (insert, UMI) molecules of
a sample's valid reads before UMI error correction, sorted by insert then UMI (``umi``
empty for kits without UMIs). The gzip header carries no name or time, so equal molecules
give equal bytes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from xopen import xopen

from mirscope.errors import InputError
from mirscope.io import open_gzip_out

MOLECULE_COLUMNS = ("insert", "umi", "reads")


#: Rows parsed at a time: bounds the memory of the text parser.
CHUNK_ROWS = 500_000


@dataclass
class LeftOut:
    """What :func:`iter_molecule_chunks` saw of the rows it did not yield (``keep``): their
    number, reads and distinct inserts; and whether the table's rows carry UMIs (``None``
    for a table without rows)."""

    rows: int = 0
    reads: int = 0
    inserts: int = 0
    has_umi: bool | None = None


def iter_molecule_chunks(
    path: str, keep: Collection[str] | None = None, left_out: LeftOut | None = None
) -> Iterator[tuple[int, pd.DataFrame]]:
    """(first data row number, chunk) of a molecules table, checked column by column.

    ``keep``: yield only the rows of these inserts, and count the others in ``left_out``.
    Why: in a real plasma library most molecules are fragments that reach no hairpin (82%
    in a public QIAseq plasma file), most with an insert of their own; the counting stage
    needs only their totals, and turning each into Python strings took most of its time.
    Such a read first goes through pyarrow's CSV reader, which filters before anything
    becomes a Python object; a table it finds anything wrong with (or that is not sorted
    by insert, where distinct inserts are not runs) is read again here, row by row, for
    the exact message or count.
    """
    left_out = left_out if left_out is not None else LeftOut()
    if keep is not None:
        fast = _arrow_filtered(path, keep, left_out)
        if fast is not None:
            yield from fast
            return
        left_out.rows = left_out.reads = left_out.inserts = 0
    runs = _Runs()
    kept_index = None if keep is None else pd.Index(list(keep), dtype=object)
    for row, df in _checked_chunks(path, left_out):
        if kept_index is None:
            yield row, df
            continue
        kept = kept_index.get_indexer(df["insert"]) >= 0
        dropped = df["insert"].to_numpy(dtype=object)[~kept]
        left_out.rows += len(dropped)
        left_out.reads += int(df["reads"].to_numpy()[~kept].sum())
        runs.add_numpy(dropped)
        yield row, df[kept]
    if kept_index is not None:
        left_out.inserts = runs.count if runs.sorted else _distinct_left_out(path, kept_index)


class _Runs:
    """Distinct values of a sorted sequence seen in pieces: its runs of equal values.

    A piece is given by its first and last value, whether it is in order and how often a
    value differs from the one before it, so that numpy and pyarrow arrays (each compared
    by its own library) are counted by this one rule."""

    def __init__(self) -> None:
        self.count = 0
        self.last = None
        self.sorted = True

    def add(self, first, last, ordered: bool, changes: int) -> None:
        self.sorted = self.sorted and ordered and (self.last is None or self.last <= first)
        self.count += 1 + changes - int(self.last == first)
        self.last = last

    def add_numpy(self, values: np.ndarray) -> None:
        if len(values) and self.sorted:
            head, tail = values[1:], values[:-1]
            ordered = bool((head >= tail).all())
            self.add(values[0], values[-1], ordered, int((head != tail).sum()))

    def add_arrow(self, values) -> None:
        import pyarrow.compute as pc

        if len(values) and self.sorted:
            head, tail = values.slice(1), values.slice(0, len(values) - 1)
            ordered = bool(pc.all(pc.greater_equal(head, tail)).as_py() in (True, None))
            changes = pc.sum(pc.not_equal(head, tail)).as_py() or 0
            self.add(values[0].as_py(), values[-1].as_py(), ordered, changes)


def _distinct_left_out(path: str, kept_index: pd.Index) -> int:
    """Distinct inserts not in ``kept_index``, for a table not sorted by insert."""
    seen: set[str] = set()
    for _row, df in _checked_chunks(path, LeftOut()):
        seen.update(df["insert"].to_numpy(dtype=object)[kept_index.get_indexer(df["insert"]) < 0])
    return len(seen)


def _checked_chunks(path: str, table: LeftOut) -> Iterator[tuple[int, pd.DataFrame]]:
    """Every chunk of the table, checked (:func:`_check_chunk`, UMIs on all rows or none);
    ``table.has_umi`` is set from the first row."""
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
                df = _check_chunk(df, path, row)
                _check_umis(df, path, row, table)
                yield row, df
                row += len(df)
            if first:  # header only: pandas yields no chunk
                yield row, pd.DataFrame({"insert": [], "umi": [], "reads": []})
    except pd.errors.EmptyDataError as exc:
        raise InputError("empty file, expected a header line", path=path) from exc
    except (OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read molecules table: {exc}", path=path) from exc


def _check_umis(df: pd.DataFrame, path: str, row0: int, table: LeftOut) -> None:
    if not len(df):
        return
    no_umi = (df["umi"] == "").to_numpy()
    if table.has_umi is None:
        table.has_umi = not bool(no_umi[0])
    if (table.has_umi and no_umi.any()) or (not table.has_umi and not no_umi.all()):
        i = int(np.flatnonzero(no_umi if table.has_umi else ~no_umi)[0])
        raise InputError(
            "some molecules have a UMI and others none",
            path=path,
            row=row0 + i,
            column="umi",
            value=df["umi"].iloc[i],
            allowed="a UMI on every row, or on none (kits without UMIs)",
        )


def _arrow_filtered(
    path: str, keep: Collection[str], left_out: LeftOut
) -> Iterator[tuple[int, pd.DataFrame]] | None:
    """The rows of ``keep``'s inserts as DataFrames, the others counted in ``left_out``;
    ``None`` where the row-by-row reader must decide (anything unexpected)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    value_set = pa.array(list(keep), type=pa.string())
    kept_parts = []
    runs = _Runs()
    try:
        with xopen(path, "rb", threads=0) as fh:
            reader = pacsv.open_csv(
                fh,
                read_options=pacsv.ReadOptions(block_size=1 << 20),
                parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False),
                convert_options=pacsv.ConvertOptions(
                    column_types={"insert": pa.string(), "umi": pa.string(), "reads": pa.int64()},
                    include_columns=list(MOLECULE_COLUMNS),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            for batch in reader:
                if not batch.num_rows:
                    continue
                insert, umi, reads = (batch.column(c) for c in MOLECULE_COLUMNS)
                if reads.null_count or pc.min(reads).as_py() < 1:
                    return None
                if pc.min(pc.binary_length(insert)).as_py() < 1:
                    return None
                with_umi = pc.greater(pc.binary_length(umi), 0)
                if left_out.has_umi is None:
                    left_out.has_umi = with_umi[0].as_py()
                if pc.any(pc.not_equal(with_umi, left_out.has_umi)).as_py():
                    return None
                kept = pc.is_in(insert, value_set=value_set)
                dropped = pc.invert(kept)
                left_out.rows += batch.num_rows - pc.sum(kept).as_py()
                left_out.reads += pc.sum(pc.filter(reads, dropped)).as_py() or 0
                runs.add_arrow(pc.filter(insert, dropped))
                if not runs.sorted:
                    return None
                kept_parts.append(batch.filter(kept))
    except (pa.ArrowException, OSError, EOFError, UnicodeDecodeError):
        return None
    left_out.inserts = runs.count
    return _as_frames(kept_parts)


def _as_frames(batches: list) -> Iterator[tuple[int, pd.DataFrame]]:
    """Arrow record batches as DataFrames of at most :data:`CHUNK_ROWS` rows, one at a time
    (Python strings for one chunk at a time, as the text parser makes them); each batch is
    dropped once handed on, so the caller's compact copy replaces it as it grows."""
    row = 2
    batches.reverse()
    while batches:
        batch = batches.pop()  # freed once its rows are handed on
        for first in range(0, batch.num_rows, CHUNK_ROWS):
            frame = batch.slice(first, CHUNK_ROWS).to_pandas()
            yield row, frame
            row += len(frame)
    if row == 2:
        yield row, pd.DataFrame({"insert": [], "umi": [], "reads": []})


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


#: Rows laid out as lines at a time (bounds the line matrices' memory however deep the
#: sample); also the lines per write to the gzip stream, whose bytes depend on how the
#: text is split into writes, so changing it changes the table's bytes (not its text).
WRITE_CHUNK = 100_000


def write_molecules(
    molecules: dict[bytes, int],
    path: str | os.PathLike[str],
    inserts_fasta: str | os.PathLike[str] | None = None,
) -> tuple[int, dict[int, int]]:
    """Write the sorted molecule table as TSV.gz (deterministic bytes, no gzip time stamp).

    ``molecules`` maps ``b"insert\\tumi"`` keys to read counts. Also writes, when asked,
    the unique inserts as FASTA named by their sequence (what bowtie aligns:
    :mod:`mirscope.counts.align`), in sorted order, so the alignment stage need not read
    the table back. Returns the number of unique inserts and the reads per insert length.
    """
    joined, counts = pack_molecules(dict(molecules))
    return write_packed_molecules(joined, counts, path, inserts_fasta)


def pack_molecules(molecules: dict[bytes, int]) -> tuple[bytearray, np.ndarray]:
    """The keys, each ended by a newline, in one buffer, and their counts, in the dict's
    order; empties ``molecules`` on the way. The buffer ends in zero bytes, more than the
    longest key has (what :func:`padded_rows` may read past the last key).

    Why it empties the dict: its hash table is about a third of its memory, and the
    buffer is filled after the table is freed. Why a preallocated buffer and not one
    ``bytes.join``: the join keeps a 80-byte buffer record per key while it runs, more
    than the keys themselves.
    """
    keys = list(molecules)
    counts = np.fromiter(molecules.values(), dtype=np.int64, count=len(keys))
    molecules.clear()
    widest = max(map(len, keys), default=0)
    joined = bytearray(sum(map(len, keys)) + len(keys) + widest + 8)
    at = 0
    for first in range(0, len(keys), WRITE_CHUNK):
        chunk = keys[first : first + WRITE_CHUNK]
        piece = b"\n".join(chunk) + b"\n"
        joined[at : at + len(piece)] = piece
        at += len(piece)
        keys[first : first + WRITE_CHUNK] = repeat(None, len(chunk))  # free the keys done
    return joined, counts


def write_packed_molecules(
    joined: bytes | bytearray,
    counts: np.ndarray,
    path: str | os.PathLike[str],
    inserts_fasta: str | os.PathLike[str] | None = None,
) -> tuple[int, dict[int, int]]:
    """:func:`write_molecules` on :func:`pack_molecules`' output.

    Why numpy and not ``sorted()`` on the keys: a real plasma library is mostly unique
    molecules (2.7 million at 6 million reads, most of them fragments with an insert of
    their own), and sorting that many bytes objects, then formatting them one by one, took
    longer than reading the whole FASTQ, on one core, after all reads were in. Here the
    keys are zero-padded rows of one byte matrix, sorted once as numpy ``S`` strings:
    that is the byte order of ``insert\tumi`` (no base is a zero byte, and the tab sorts
    before any base, so an insert comes before its extensions and a UMI before its
    extensions). The table's lines and the FASTA records are then cut out of the sorted
    rows by one boolean-mask selection per chunk; an insert starts a new record where its
    bytes differ from the row before.
    """
    n = len(counts)
    buf = np.frombuffer(joined, dtype=np.uint8)
    starts = np.zeros(n + 1, dtype=np.int64)
    ends = np.flatnonzero(buf == 10)
    if len(ends) != n:
        raise ValueError("molecule keys must not contain newlines")
    starts[1:] = ends + 1
    del ends
    key_len = (np.diff(starts) - 1).astype(np.int32)
    starts = starts[:-1]
    tabs = np.flatnonzero(buf == 9)
    if len(tabs) != n:
        raise ValueError("molecule keys must be insert<TAB>umi without other tabs")
    ins_len = (tabs - starts).astype(np.int32)
    del tabs
    if n and ins_len.min() < 1:
        raise ValueError("empty insert in a molecule key")
    hist = np.bincount(ins_len, weights=counts).astype(np.int64) if n else np.zeros(0, np.int64)
    width = int(key_len.max()) if n else 1
    keys = np.empty((n, width), dtype=np.uint8)
    for first in range(0, n, WRITE_CHUNK):
        part = slice(first, first + WRITE_CHUNK)
        keys[part] = padded_rows(buf, starts[part], key_len[part], width)
    del starts
    order = np.argsort(keys.view(f"S{width}").ravel())

    n_inserts = 0
    previous = np.zeros((1, width), dtype=np.uint8)  # no insert is empty: never equal
    raw, gz = open_gzip_out(Path(path))
    fasta = open(inserts_fasta, "wb") if inserts_fasta is not None else None
    with raw, gz, fasta or contextlib.nullcontext():
        gz.write(b"insert\tumi\treads\n")
        for first in range(0, n, WRITE_CHUNK):
            rows = order[first : first + WRITE_CHUNK]
            padded, lengths, inserts = keys[rows], key_len[rows], ins_len[rows]
            gz.write(_table_lines(padded, lengths, counts[rows]))
            padded *= np.arange(width, dtype=np.int32) < inserts[:, None]  # the inserts only
            new = np.any(padded != np.concatenate([previous, padded[:-1]]), axis=1)
            previous = padded[-1:].copy()
            n_inserts += int(new.sum())
            if fasta is not None:
                fasta.write(_fasta_lines(padded[new], inserts[new]))
    reads_by_length = {k: int(hist[k]) for k in np.flatnonzero(hist).tolist()}
    return n_inserts, reads_by_length


def padded_rows(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray, width: int) -> np.ndarray:
    """Rows ``buf[start:start + length]`` zero-padded to ``width`` bytes.

    A row is copied whole from a sliding-window view of ``buf`` (one index per row, not per
    byte); ``buf`` must end in at least ``width`` padding bytes.
    """
    rows = sliding_window_view(buf, width)[starts]
    rows *= np.arange(width, dtype=np.int32) < lengths[:, None]
    return rows


def _fasta_lines(seq: np.ndarray, lengths: np.ndarray) -> bytes:
    """``>seq\nseq\n`` records of zero-padded sequence rows, in their order (as
    :func:`_table_lines` does: one padded line per row, one masked selection)."""
    if not len(seq):
        return b""
    width = seq.shape[1]
    in_seq = np.arange(width) < lengths[:, None]
    line = np.empty((len(seq), 2 * width + 3), dtype=np.uint8)
    used = np.ones(line.shape, dtype=bool)
    line[:, 0] = ord(">")
    line[:, 1 : width + 1] = seq
    used[:, 1 : width + 1] = in_seq
    line[:, width + 1] = ord("\n")
    line[:, width + 2 : -1] = seq
    used[:, width + 2 : -1] = in_seq
    line[:, -1] = ord("\n")
    return line[used].tobytes()


def _table_lines(keys: np.ndarray, lengths: np.ndarray, counts: np.ndarray) -> bytes:
    """``key\tcount\n`` lines of zero-padded key rows, in their order.

    Each line is laid out in a padded row (key, tab, count right-aligned, newline) with a
    mask of the bytes in use; selecting the masked bytes row by row joins the lines.
    """
    if not len(keys):
        return b""
    width = keys.shape[1]
    n_digits = len(str(int(counts.max())))
    powers = 10 ** np.arange(n_digits - 1, -1, -1, dtype=np.int64)
    line = np.empty((len(keys), width + n_digits + 2), dtype=np.uint8)
    used = np.ones(line.shape, dtype=bool)
    line[:, :width] = keys
    used[:, :width] = np.arange(width) < lengths[:, None]
    line[:, width] = ord("\t")
    line[:, width + 1 : -1] = counts[:, None] // powers % 10 + ord("0")
    used[:, width + 1 : -2] = counts[:, None] >= powers[:-1]  # no leading zeros
    line[:, -1] = ord("\n")
    return line[used].tobytes()


def molecule_keys(
    seqs: list[str],
    rows: np.ndarray,
    lengths: np.ndarray,
    ins_start: int,
    ins_end: np.ndarray,
    umi_start: np.ndarray,
    umi_length: int,
) -> bytes:
    """``insert\\tumi`` keys of reads ``seqs[rows]``, newline-separated, as one buffer.

    ``lengths`` are the reads' lengths, the insert ``seq[ins_start:ins_end]`` and the UMI
    ``seq[umi_start:umi_start + umi_length]``. Why not a slice per read: this runs on every
    valid read on the trimming process's critical path, and two slices and a
    concatenation per read cost about as much as parsing the read; here the reads are
    joined once (FASTQ is ASCII, so characters are bytes) and the keys cut out of a padded
    byte matrix by one masked selection.
    """
    if not len(rows):
        return b""
    padding = b"\0" * (int(lengths.max()) + 8)  # what padded_rows may read past the last read
    buf = np.frombuffer(
        "\n".join(map(seqs.__getitem__, rows.tolist())).encode() + padding, np.uint8
    )
    starts = np.zeros(len(rows), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=starts[1:])
    ins_len = ins_end - ins_start
    width = int(ins_len.max())
    line = np.empty((len(rows), width + umi_length + 2), dtype=np.uint8)
    used = np.ones(line.shape, dtype=bool)
    line[:, :width] = padded_rows(buf, starts + ins_start, ins_len, width)
    used[:, :width] = np.arange(width) < ins_len[:, None]
    line[:, width] = ord("\t")
    if umi_length:
        umis = np.full(len(rows), umi_length, dtype=np.int64)
        line[:, width + 1 : -1] = padded_rows(buf, starts + umi_start, umis, umi_length)
    line[:, -1] = ord("\n")
    used[-1, -1] = False  # separators between keys only
    return line[used].tobytes()

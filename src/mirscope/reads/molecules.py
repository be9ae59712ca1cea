"""The molecules table: its one writer (trimming) and its one reader (counting, tests).

A TSV.gz with columns ``insert``, ``umi``, ``reads``: the unique (insert, UMI) molecules of
a sample's valid reads before UMI error correction, sorted by insert then UMI (``umi``
empty for kits without UMIs). The gzip header carries no name or time, so equal molecules
give equal bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
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


#: Molecules gathered into padded byte matrices at a time (bounds their memory however deep
#: the sample); also the lines per write to the gzip stream, whose bytes depend on how the
#: text is split into writes, so changing it changes the table's bytes (not its text).
WRITE_CHUNK = 100_000

#: Odd 64-bit multipliers of the insert hash (any fixed odd constants; equal inserts get
#: equal hashes, and :func:`_insert_ids` checks that unequal ones never share one).
_HASH_MULT = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F], dtype=np.uint64)


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

    Why numpy and not ``sorted()`` on the keys: a plasma library is mostly unique molecules
    (2.7 million at 6 million reads), and sorting that many bytes objects, then formatting
    them one by one, took longer than reading the whole FASTQ, on one core, after all reads
    were in. Here each molecule is one integer: the rank of its insert (the inserts sorted
    as fixed-width byte strings, :func:`_sorted_rows`) times the number of possible UMIs
    plus its UMI read as a number whose digits are the UMI's letters in byte order. Sorting
    those integers is the byte order of ``insert\\tumi``: the tab sorts before any base, so
    an insert comes before its extensions, as a shorter padded insert does here. The lines
    are then cut out of a padded byte matrix in one boolean-mask selection per chunk.
    Per-molecule arrays are kept to 4-byte positions and lengths where they can be.
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
    ins_id, first_of = _insert_ids(buf, starts, ins_len)
    by_insert = _sorted_rows(buf, starts[first_of], ins_len[first_of])
    n_inserts = len(first_of)
    ranks = np.empty(n_inserts, dtype=np.int64)
    ranks[by_insert] = np.arange(n_inserts)
    order = _molecule_order(buf, starts, ins_len, key_len, ranks, ins_id)
    del ins_id
    hist = np.bincount(ins_len, weights=counts).astype(np.int64) if n else np.zeros(0, np.int64)

    raw, gz = open_gzip_out(Path(path))
    with raw, gz:
        gz.write(b"insert\tumi\treads\n")
        for first in range(0, n, WRITE_CHUNK):
            rows = order[first : first + WRITE_CHUNK]
            gz.write(_table_lines(buf, starts[rows], key_len[rows], counts[rows]))
    if inserts_fasta is not None:
        rep_starts, rep_lengths = starts[first_of][by_insert], ins_len[first_of][by_insert]
        with open(inserts_fasta, "wb") as fasta:
            for first in range(0, n_inserts, WRITE_CHUNK):
                part = slice(first, first + WRITE_CHUNK)
                fasta.write(_fasta_lines(buf, rep_starts[part], rep_lengths[part]))
    reads_by_length = {k: int(hist[k]) for k in np.flatnonzero(hist).tolist()}
    return n_inserts, reads_by_length


def _sorted_rows(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The order that sorts the byte strings ``buf[start:start + length]`` as bytes do.

    Why fixed-width strings: a real plasma library has millions of unique inserts (most
    reads are non-miRNA fragments seen once), and sorting them as Python bytes objects
    took seconds on the trimming step's critical path. Zero-padded rows viewed as numpy
    ``S`` strings compare as the bytes themselves (no base is a zero byte, so a prefix
    sorts first), and the sort runs on the buffer, without an object per insert.
    """
    if not len(starts):
        return np.zeros(0, dtype=np.int64)
    width = int(lengths.max())
    rows = padded_rows(buf, starts, lengths, width)
    return np.argsort(rows.view(f"S{width}").ravel(), kind="stable")


def _fasta_lines(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> bytes:
    """``>seq\nseq\n`` records of the given inserts, in the given order (as
    :func:`_table_lines` does: padded rows, one masked selection)."""
    if not len(starts):
        return b""
    width = int(lengths.max())
    seq = padded_rows(buf, starts, lengths, width)
    in_seq = np.arange(width) < lengths[:, None]
    line = np.empty((len(starts), 2 * width + 3), dtype=np.uint8)
    used = np.ones(line.shape, dtype=bool)
    line[:, 0] = ord(">")
    line[:, 1 : width + 1] = seq
    used[:, 1 : width + 1] = in_seq
    line[:, width + 1] = ord("\n")
    line[:, width + 2 : -1] = seq
    used[:, width + 2 : -1] = in_seq
    line[:, -1] = ord("\n")
    return line[used].tobytes()


def padded_rows(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray, width: int) -> np.ndarray:
    """Rows ``buf[start:start + length]`` zero-padded to ``width`` bytes.

    A row is copied whole from a sliding-window view of ``buf`` (one index per row, not per
    byte); ``buf`` must end in at least ``width`` padding bytes.
    """
    rows = sliding_window_view(buf, width)[starts]
    rows *= np.arange(width, dtype=np.int32) < lengths[:, None]
    return rows


def _insert_ids(
    buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """An id per molecule for its insert, and per id the row of its first molecule (the
    inserts in no particular order).

    The inserts are hashed (their zero-padded bytes as 64-bit words, mixed by
    multiply-xor) and grouped by the hash; a second pass checks every insert against its
    group's first one byte for byte, so a hash collision cannot merge two inserts.
    """
    n = len(starts)
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    width = -(-int(lengths.max()) // 8) * 8
    hashes = np.empty(n, dtype=np.uint64)
    for first in range(0, n, WRITE_CHUNK):
        part = slice(first, first + WRITE_CHUNK)
        words = padded_rows(buf, starts[part], lengths[part], width).view("<u8")
        h = np.zeros(len(words), dtype=np.uint64)
        for j in range(words.shape[1]):
            h = (h ^ words[:, j]) * _HASH_MULT[0]
            h ^= h >> np.uint64(29)
        hashes[part] = (h ^ lengths[part].astype(np.uint64)) * _HASH_MULT[1]
    _, first_of, ins_id = np.unique(hashes, return_index=True, return_inverse=True)
    del hashes
    ins_id = ins_id.astype(np.int32)
    rep_rows = padded_rows(buf, starts[first_of], lengths[first_of], width)
    for first in range(0, n, WRITE_CHUNK):
        part = slice(first, first + WRITE_CHUNK)
        if not np.array_equal(
            padded_rows(buf, starts[part], lengths[part], width), rep_rows[ins_id[part]]
        ):  # two inserts share a hash (never seen): group by the bytes themselves
            rows = padded_rows(buf, starts, lengths, width)
            _, first_of, ins_id = np.unique(
                rows.view(f"V{width}").ravel(), return_index=True, return_inverse=True
            )
            ins_id = ins_id.ravel().astype(np.int32)
            break
    return ins_id, first_of


def _molecule_order(
    buf: np.ndarray,
    starts: np.ndarray,
    ins_len: np.ndarray,
    key_len: np.ndarray,
    ranks: np.ndarray,
    ins_id: np.ndarray,
) -> np.ndarray:
    """Row order sorting the molecules by insert rank, then UMI bytes.

    The UMI's digits: 0 for a position past its end (so a shorter UMI sorts before its
    extensions), then the byte values present in the buffer, in byte order. One integer
    key per molecule when it fits in 63 bits (UMIs of up to 24 bases over A/C/G/N/T with
    100,000 inserts); otherwise a ``lexsort`` over the UMI's byte columns.
    """
    n = len(ins_id)
    umi_len = key_len - ins_len - 1
    width = int(umi_len.max()) if n else 0
    umi_starts = starts + ins_len + 1
    if width == 0:  # kits without UMIs: one molecule per insert
        return np.argsort(ranks[ins_id])
    present = np.zeros(256, dtype=bool)
    for first in range(0, len(buf), 1 << 22):  # bincount widens bytes to 8-byte integers
        present |= np.bincount(buf[first : first + (1 << 22)], minlength=256) > 0
    present[[0, 9, 10]] = False
    base = int(present.sum()) + 1
    if len(ranks) * base**width >= 2**63:
        umis = padded_rows(buf, umi_starts, umi_len, width)
        return np.lexsort([umis[:, j] for j in reversed(range(width))] + [ranks[ins_id]])
    digit = np.zeros(256, dtype=np.uint64)
    digit[present] = np.arange(1, base, dtype=np.uint64)
    key = np.empty(n, dtype=np.uint64)
    for first in range(0, n, WRITE_CHUNK):
        part = slice(first, first + WRITE_CHUNK)
        umis = digit[padded_rows(buf, umi_starts[part], umi_len[part], width)]
        k = ranks[ins_id[part]].astype(np.uint64)
        for j in range(width):
            k = k * np.uint64(base) + umis[:, j]
        key[part] = k
    return np.argsort(key)


def _table_lines(
    buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray, counts: np.ndarray
) -> bytes:
    """``key\\tcount\\n`` lines of the given molecules, in the given order.

    Each line is laid out in a padded row (key, tab, count right-aligned, newline) with a
    mask of the bytes in use; selecting the masked bytes row by row joins the lines.
    """
    if not len(starts):
        return b""
    width = int(lengths.max())
    n_digits = len(str(int(counts.max())))
    powers = 10 ** np.arange(n_digits - 1, -1, -1, dtype=np.int64)
    line = np.empty((len(starts), width + n_digits + 2), dtype=np.uint8)
    used = np.ones(line.shape, dtype=bool)
    line[:, :width] = padded_rows(buf, starts, lengths, width)
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

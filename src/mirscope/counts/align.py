"""Align unique inserts to miRBase hairpins with bowtie v1, and read the hits back.

Why unique inserts and not reads: a QIAseq plasma library has millions of reads but only
tens of thousands of distinct inserts, so aligning each distinct sequence once (FASTA, the
sequence itself as the read name) makes alignment cost independent of depth, and every
molecule of an insert inherits the same assignment.

Why hairpins and not mature sequences: an isomiR whose 3' end runs on along the precursor
(templated extension) cannot align end-to-end to the mature sequence; on the hairpin it
aligns exactly, and :mod:`mirscope.counts.assign` then places it on a mature arm with a tolerance.

Two passes, both with the same parameters (:data:`BOWTIE_PARAMETERS`):

1. all inserts, untrimmed;
2. the inserts pass 1 could not align, with their last :data:`NONTEMPLATED_MAX` (2)
   3' nucleotides trimmed (``-3 2``): non-templated 3' additions (mostly A/U) do not match
   the hairpin, and one such base plus a sequencing error, or two such bases, exceed the
   one mismatch allowed. The assigner compares the trimmed bases with the hairpin to tell
   templated from non-templated ones.

Pass 1 already absorbs a single non-templated base as its one mismatch; the assigner labels
a mismatch in the last two positions as non-templated addition.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mirscope.errors import MirscopeError

#: Most non-templated 3' nucleotides recovered by the second pass.
NONTEMPLATED_MAX = 2

#: bowtie v1 parameters shared by both passes, each with the reason it is there.
BOWTIE_PARAMETERS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("-f",), "inputs are FASTA: one record per unique insert, named by its sequence"),
    (
        ("--norc",),
        (
            "miRNAs are stranded: a read never comes from the reverse complement of a hairpin. "
            "Without it ~5% of counts land on opposite-strand miRNAs (e.g. miR-3184-3p)."
        ),
    ),
    (
        ("-v", "1"),
        (
            "end-to-end alignment with at most 1 mismatch, qualities ignored (inserts are "
            "collapsed, so no single quality string applies): tolerates one sequencing error "
            "or SNP, or one non-templated 3' base, while 2 mismatches on 16-nt inserts would "
            "let random sequences hit the ~160 kb of hairpins"
        ),
    ),
    (
        ("-a", "--best", "--strata"),
        (
            "report every alignment in the best mismatch stratum only: all paralogous "
            "hairpins of an exact hit are seen (hsa-mir-16-1 and -2 both carry miR-16-5p), so "
            "the assigner can merge identical matures and flag true ambiguity, and a "
            "0-mismatch hit is never diluted by 1-mismatch hits elsewhere"
        ),
    ),
    (("-S",), "SAM output, read back with pysam (MD tag gives mismatch positions)"),
    (("--no-unal",), "unaligned inserts are not written to SAM; pass 1 lists them via --un"),
)


#: bowtie threads of every alignment. One on purpose: with -p 2 bowtie writes SAM and --un
#: in thread order, so the BAM differs between runs, and its --reorder fix hangs on some
#: inputs (bowtie 1.3.1). Unique inserts are few (tens of thousands), so one thread takes
#: about a second.
BOWTIE_THREADS = 1


def bowtie_args(trim3: int = 0) -> list[str]:
    """Bowtie arguments of one pass (without index, input and threads)."""
    args = [a for flags, _why in BOWTIE_PARAMETERS for a in flags]
    if trim3:
        args += ["-3", str(trim3)]
    return args


def bowtie_index_prefix(index_dir: str | os.PathLike[str], name: str) -> str:
    """The prefix bowtie's ``-x`` takes for ``<index_dir>/<name>.1.ebwt`` etc."""
    return str(Path(index_dir) / name)


def write_inserts_fasta(inserts: Iterable[str], path: str | os.PathLike[str]) -> int:
    """Write unique inserts as FASTA named by their sequence; return how many."""
    from mirscope.io import atomic_path

    seqs = sorted(set(inserts))
    with atomic_path(path) as tmp:
        with open(tmp, "w") as fh:
            fh.write("".join(f">{s}\n{s}\n" for s in seqs))
    return len(seqs)


#: Longest k-mer of the alignment prefilter (:func:`candidate_records`): a 4**12-entry
#: table (16 MB) over the ~160 kb of human hairpins holds about 1% of all 12-mers.
PREFILTER_K = 12
#: Shortest k-mer it tests; an insert whose halves are shorter is always aligned.
PREFILTER_MIN_K = 6


def _base_codes(letters: np.ndarray) -> np.ndarray:
    """2 bits per base from ASCII, by arithmetic: A 0, C 1, T 2, G 3 (bits 1-2 of the
    letter). Other letters get a code too; :func:`candidate_records` says why that is safe."""
    return (letters >> 1) & 3


def hairpin_kmers(hairpins: Iterable[str]) -> dict[int, np.ndarray]:
    """Per k (:data:`PREFILTER_MIN_K` to :data:`PREFILTER_K`), a table of the k-mers
    (:func:`_base_codes`) found on the forward strand of ``hairpins``; windows holding any
    other letter than A/C/G/T are left out, as bowtie counts them as mismatches."""
    letters = np.frombuffer("N".join(hairpins).upper().encode(), dtype=np.uint8)
    acgt = np.isin(letters, np.frombuffer(b"ACGT", dtype=np.uint8))
    codes = _base_codes(letters).astype(np.int64)
    tables = {}
    for k in range(PREFILTER_MIN_K, PREFILTER_K + 1):
        table = np.zeros(4**k, dtype=bool)
        if len(codes) >= k:
            windows = np.lib.stride_tricks.sliding_window_view(codes, k)
            valid = np.lib.stride_tricks.sliding_window_view(acgt, k).all(axis=1)
            table[windows[valid] @ (4 ** np.arange(k - 1, -1, -1))] = True
        tables[k] = table
    return tables


def candidate_records(data: bytes, tables: dict[int, np.ndarray]) -> bytes | None:
    """The records of a one-line-per-sequence FASTA (``data``) that bowtie could align with
    :func:`bowtie_args` in either pass, in their order; ``None`` for another layout.

    Why: most inserts of a real plasma library are fragments that reach no hairpin, each
    seen once, and aligning them twice (pass 2 retries every unaligned insert) was most of
    the alignment's time. The test is exact in one direction: an insert that could align
    is never left out. Pass 2 aligns the insert without its last :data:`NONTEMPLATED_MAX`
    bases with at most one mismatch, and pass 1 the whole insert, which implies the same
    of that prefix; so one of the prefix's two halves is on a hairpin without mismatch, and
    then its first and last k-mers are in ``tables``. Inserts failing that for both halves
    are left out. Inserts whose halves are shorter than :data:`PREFILTER_MIN_K` are kept.
    A half holding another letter than A/C/G/T (an ``N``) is never on a hairpin without
    mismatch, so whatever its letters are coded as cannot leave out an insert that aligns.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    if not len(ends):
        return data
    starts = np.concatenate([[0], ends[:-1] + 1])
    if len(ends) % 2 or ends[-1] != len(buf) - 1:
        return None
    heads, seq_starts, seq_ends = starts[0::2], starts[1::2], ends[1::2]
    if (buf[heads] != ord(">")).any() or (buf[seq_starts] == ord(">")).any():
        return None
    keep = np.zeros(len(heads), dtype=bool)
    for first in range(0, len(heads), 500_000):
        part = slice(first, first + 500_000)
        keep[part] = _maybe_on_hairpin(buf, seq_starts[part], seq_ends[part], tables)
    starts, lengths = heads[keep], seq_ends[keep] + 1 - heads[keep]
    if not len(starts):
        return b""
    offsets = np.cumsum(lengths) - lengths
    index = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - offsets, lengths)
    return buf[index].tobytes()


def _maybe_on_hairpin(
    buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, tables: dict[int, np.ndarray]
) -> np.ndarray:
    """Per sequence ``buf[start:end]``, whether a half of its pass-2 prefix may lie on a
    hairpin without mismatch (:func:`candidate_records`)."""
    prefix = ends - starts - NONTEMPLATED_MAX
    half = prefix // 2
    keep = half < PREFILTER_MIN_K
    for first_base, length in ((starts, half), (starts + half, prefix - half)):
        k = np.minimum(length, PREFILTER_K)
        for kk in np.unique(k[~keep]).tolist():
            rows = np.flatnonzero(~keep & (k == kk))
            if kk < PREFILTER_MIN_K or not len(rows):
                continue
            for at in (first_base, first_base + length - kk):  # the half's first k-mer, last
                kmer = np.zeros(len(rows), dtype=np.uint32)
                pos = at[rows]
                for _ in range(kk):
                    kmer <<= 2
                    kmer |= _base_codes(buf[pos])
                    pos += 1
                rows = rows[tables[kk][kmer]]
            keep[rows] = True
    return keep


def _hairpin_sequences(index: str) -> list[str]:
    """The hairpins as the bowtie index holds them (``bowtie-inspect``)."""
    res = subprocess.run(["bowtie-inspect", index], capture_output=True, text=True)
    if res.returncode != 0:
        raise MirscopeError(f"bowtie-inspect failed on {index}: {res.stderr.strip()}")
    seqs: list[str] = []
    for line in res.stdout.splitlines():
        if line.startswith(">"):
            seqs.append("")
        elif seqs:
            seqs[-1] += line.strip()
    return seqs


def _run_pass(index: str, fasta: str, bam: str, trim3: int, unaligned: str | None, log) -> None:
    cmd = ["bowtie", *bowtie_args(trim3), "-p", str(BOWTIE_THREADS), "-x", index, fasta]
    if unaligned is not None:
        cmd += ["--un", unaligned]
    bowtie = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log)
    view = subprocess.run(
        ["samtools", "view", "-b", "-o", bam, "-"], stdin=bowtie.stdout, stderr=log
    )
    bowtie.stdout.close()
    if bowtie.wait() != 0 or view.returncode != 0:
        raise MirscopeError(f"bowtie/samtools failed on {fasta} (see the log)")
    if unaligned is not None and not os.path.exists(unaligned):
        Path(unaligned).touch()  # bowtie writes no --un file when every insert aligned


def align_inserts(
    fasta: str | os.PathLike[str],
    index: str,
    bam: str | os.PathLike[str],
    *,
    unaligned: str | os.PathLike[str] | None = None,
    pass1: str | os.PathLike[str] | None = None,
    pass2: str | os.PathLike[str] | None = None,
    log_path: str | os.PathLike[str] | None = None,
) -> Path:
    """Run both bowtie passes on an insert FASTA and write one BAM (``samtools cat``).

    The BAM header records every command line (bowtie's and samtools' ``@PG`` lines), paths
    included, so the BAM is written under its final name and paths are passed on exactly as
    given: the same paths give the same bytes. A failed run removes the BAM instead.

    ``unaligned``, ``pass1`` and ``pass2`` keep pass 1's unaligned inserts and each pass's
    BAM where the caller wants them (the workflow's rule declares them as outputs); without
    them they live in a scratch directory next to the BAM and are removed. bowtie and
    samtools messages go to ``log_path``, else to this process's stderr.
    """
    bam_path = Path(bam)
    bam_path.parent.mkdir(parents=True, exist_ok=True)
    work = bam_path.with_name(bam_path.name + ".work")
    scratch = None in (unaligned, pass1, pass2)
    if scratch:
        work.mkdir(exist_ok=True)
    unal = os.fspath(unaligned) if unaligned is not None else str(work / "unaligned.fa")
    bam1 = os.fspath(pass1) if pass1 is not None else str(work / "pass1.bam")
    bam2 = os.fspath(pass2) if pass2 is not None else str(work / "pass2.bam")
    candidates = bam_path.with_name(bam_path.name + ".candidates.fa")
    log = open(log_path, "ab") if log_path else None
    ok = False
    try:
        # Inserts no pass could align are left out first (candidate_records); the records
        # that remain are aligned in their order, so the BAM holds the same alignments.
        data = Path(fasta).read_bytes()
        kept = candidate_records(data, hairpin_kmers(_hairpin_sequences(index)))
        pass1_input = os.fspath(fasta)
        if kept is not None and len(kept) < len(data):
            candidates.write_bytes(kept)
            pass1_input = str(candidates)
        del data, kept
        _run_pass(index, pass1_input, bam1, 0, unal, log)
        _run_pass(index, unal, bam2, NONTEMPLATED_MAX, None, log)
        res = subprocess.run(["samtools", "cat", "-o", os.fspath(bam), bam1, bam2], stderr=log)
        if res.returncode != 0:
            raise MirscopeError(f"samtools cat failed for {bam}")
        ok = True
    finally:
        if log is not None:
            log.close()
        candidates.unlink(missing_ok=True)
        if not ok:
            bam_path.unlink(missing_ok=True)
        if scratch:
            for p in work.iterdir():
                p.unlink()
            work.rmdir()
    return bam_path


@dataclass(frozen=True)
class Hit:
    """One alignment of an insert on a hairpin (best stratum only).

    ``start`` is 0-based on the hairpin; ``aligned`` the number of insert bases aligned
    (the insert minus ``trim3`` bases bowtie trimmed from its 3' end); ``mismatches`` the
    0-based insert positions that differ from the hairpin.
    """

    hairpin: str
    start: int
    aligned: int
    trim3: int
    mismatches: tuple[int, ...]


_MD = re.compile(r"(\d+)|([A-Z]|\^[A-Z]+)")


def md_mismatches(md: str) -> tuple[int, ...]:
    """0-based read positions of mismatches from an ungapped SAM MD tag (``10A9``)."""
    if md.isdigit():
        return ()  # no mismatch: the common case
    pos = 0
    out = []
    for num, base in _MD.findall(md):
        if num:
            pos += int(num)
        elif base.startswith("^"):
            continue  # deletions cannot occur with bowtie v1
        else:
            out.append(pos)
            pos += 1
    return tuple(out)


def read_hits(bam: str | os.PathLike[str]) -> Iterator[tuple[str, Hit]]:
    """Yield (insert, hit) for every mapped record of a bowtie BAM written by this module."""
    import pysam

    with pysam.AlignmentFile(str(bam), "rb", check_sq=False) as fh:
        for rec in fh:
            if rec.is_unmapped or rec.is_reverse:
                continue
            insert = rec.query_name
            aligned = rec.query_length
            md = rec.get_tag("MD") if rec.has_tag("MD") else str(aligned)
            yield (
                insert,
                Hit(
                    rec.reference_name,
                    rec.reference_start,
                    aligned,
                    len(insert) - aligned,
                    md_mismatches(md),
                ),
            )

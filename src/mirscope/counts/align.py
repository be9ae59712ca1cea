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
import shlex
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

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


def bowtie_args(trim3: int = 0) -> list[str]:
    """Bowtie arguments of one pass (without index, input and threads)."""
    args = [a for flags, _why in BOWTIE_PARAMETERS for a in flags]
    if trim3:
        args += ["-3", str(trim3)]
    return args


def bowtie_args_str(trim3: int = 0) -> str:
    """:func:`bowtie_args` as one shell-quoted string (for Snakemake rules)."""
    return shlex.join(bowtie_args(trim3))


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


def _run_pass(
    index: str, fasta: Path, bam: Path, threads: int, trim3: int, unaligned: Path | None, log
) -> None:
    cmd = ["bowtie", *bowtie_args(trim3), "-p", str(threads), "-x", index, str(fasta)]
    if unaligned is not None:
        cmd += ["--un", str(unaligned)]
    bowtie = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log)
    view = subprocess.run(
        ["samtools", "view", "-b", "-o", str(bam), "-"], stdin=bowtie.stdout, stderr=log
    )
    bowtie.stdout.close()
    if bowtie.wait() != 0 or view.returncode != 0:
        raise MirscopeError(f"bowtie/samtools failed on {fasta} (see the log)")
    if unaligned is not None and not unaligned.exists():
        unaligned.touch()  # bowtie writes no --un file when every insert aligned


def align_inserts(
    fasta: str | os.PathLike[str],
    index: str,
    bam: str | os.PathLike[str],
    *,
    threads: int = 1,
    log_path: str | os.PathLike[str] | None = None,
) -> Path:
    """Run both bowtie passes on an insert FASTA and write one BAM (``samtools cat``).

    The Snakemake rule ``bowtie_align_hairpin`` runs the same commands in its shell; this
    function is for the benchmark and the tests.
    """
    bam = Path(bam)
    bam.parent.mkdir(parents=True, exist_ok=True)
    work = bam.with_name(bam.name + ".work")
    work.mkdir(exist_ok=True)
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    try:
        unal = work / "unaligned.fa"
        _run_pass(index, Path(fasta), work / "pass1.bam", threads, 0, unal, log)
        _run_pass(index, unal, work / "pass2.bam", threads, NONTEMPLATED_MAX, None, log)
        tmp = bam.with_name(bam.name + ".part")
        res = subprocess.run(
            ["samtools", "cat", "-o", str(tmp), str(work / "pass1.bam"), str(work / "pass2.bam")],
            stderr=log,
        )
        if res.returncode != 0:
            raise MirscopeError(f"samtools cat failed for {bam}")
        os.replace(tmp, bam)
    finally:
        if log_path:
            log.close()
        for p in work.iterdir():
            p.unlink()
        work.rmdir()
    return bam


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

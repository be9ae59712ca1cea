"""Counting: unique inserts, their alignment, per-sample counts, the count matrices.

The count stage's files: one sample's unique inserts, their alignment and counts, and
the cohort's count matrices.

The compute (:mod:`mirscope.counts.count`, whose module docstring documents every
column) returns tables; this module writes them, each atomically. Each step is declared
once here (:mod:`mirscope.params`): the commands ``mirscope inserts``, ``align``,
``count`` and ``matrix`` and the align and count rules derive from the declarations.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mirscope.counts.assign import Assigner
from mirscope.counts.count import MATRIX_FILES, count_sample, merge_matrices
from mirscope.errors import InputError, MirscopeWarning
from mirscope.io import atomic_path, write_tsv
from mirscope.params import REQUIRED, param

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Inserts:
    molecules: str = param(
        REQUIRED, role="input", argument=True, help="The molecules table of `mirscope trim`."
    )
    out: str = param(REQUIRED, short="-o", role="output", help="FASTA.")


def run_inserts(step: Inserts) -> None:
    """Write the unique inserts of a MOLECULES table as FASTA (named by sequence) for bowtie."""
    from mirscope.counts.align import write_inserts_fasta
    from mirscope.counts.count import read_molecules_compact

    n = write_inserts_fasta(read_molecules_compact(step.molecules).inserts, step.out)
    log.info("%s: %d unique inserts -> %s", step.molecules, n, step.out)


@dataclass(frozen=True, kw_only=True)
class Align:
    fasta: str = param(
        REQUIRED,
        role="input",
        argument=True,
        exists=True,
        help="The unique inserts (FASTA named by sequence) of `mirscope trim --inserts`.",
    )
    index: str = param(REQUIRED, help="bowtie -x prefix of the hairpin index.")
    bam: str = param(REQUIRED, role="output", help="Output BAM.")
    unaligned: str | None = param(
        None,
        role="output",
        help="Keep pass 1's unaligned inserts (FASTA) here (without those no pass could align).",
    )
    pass1: str | None = param(None, role="output", help="Keep pass 1's BAM.")
    pass2: str | None = param(None, role="output", help="Keep pass 2's BAM.")


def run_align(step: Align) -> None:
    """Align the unique inserts of FASTA to the hairpins with bowtie, in two passes.

    One bowtie thread, always: the BAM is then the same bytes on every run.
    """
    from mirscope.counts.align import align_inserts

    align_inserts(
        step.fasta,
        step.index,
        step.bam,
        unaligned=step.unaligned,
        pass1=step.pass1,
        pass2=step.pass2,
    )
    log.info("%s -> %s", step.fasta, step.bam)


def _table_out(help_text: str) -> str:
    return param(REQUIRED, role="output", help=help_text)


@dataclass(frozen=True, kw_only=True)
class Count:
    sample_id: str = param(REQUIRED, help="Sample id written into the stats.")
    molecules: str = param(
        REQUIRED,
        role="input",
        help="The sample's molecules table from `mirscope trim` (TSV.gz).",
    )
    bam: str = param(REQUIRED, role="input", help="bowtie BAM.")
    hairpin: str = param(REQUIRED, role="input", help="Hairpin FASTA.")
    loci: str = param(REQUIRED, role="input", help="Mature loci TSV.")
    tol5: int = param(3, config="counting.isomir_5p_tolerance", help="5' end tolerance (nt).")
    tol3: int = param(
        3, config="counting.isomir_3p_tolerance", help="Templated 3' end tolerance (nt)."
    )
    umi_collision_correction: bool = param(
        True,
        config="counting.umi_collision_correction",
        help="Add back molecules merged only because their random UMIs are 1 substitution apart.",
    )
    resolve_ambiguous: bool = param(
        True,
        config="counting.resolve_ambiguous",
        help="Give inserts fitting several matures equally to a clearly dominant candidate.",
    )
    ambiguous_min_ratio: float = param(
        10.0,
        min=1.0,
        config="counting.ambiguous_min_ratio",
        help="How many times the runner-up's reads the dominant candidate needs.",
    )
    mature_out: str = _table_out("Output: reads and UMIs per mature miRNA (TSV).")
    hairpin_out: str = _table_out("Output: reads and UMIs per hairpin (TSV).")
    isomir_out: str = _table_out("Output: one row per aligned insert with its isomiR label (TSV).")
    stats_out: str = _table_out("Output: alignment and UMI statistics for QC (JSON).")


def run_count(step: Count) -> None:
    """Count reads and UMI-corrected molecules per mature miRNA, hairpin and isomiR."""
    assigner = Assigner.from_files(step.hairpin, step.loci, tol5=step.tol5, tol3=step.tol3)
    stats = write_sample_counts(
        step.molecules,
        step.bam,
        assigner,
        sample_id=step.sample_id,
        mature_out=step.mature_out,
        hairpin_out=step.hairpin_out,
        isomir_out=step.isomir_out,
        stats_out=step.stats_out,
        correct_collisions=step.umi_collision_correction,
        resolve_ambiguous=step.resolve_ambiguous,
        ambiguous_min_ratio=step.ambiguous_min_ratio,
    )
    log.info("%s: %s", step.sample_id, stats)


def _per_sample(name: str) -> tuple[str, ...]:
    return param(
        REQUIRED,
        role="input",
        help=f"A sample's <sample>.{name}.tsv (repeat, in --sample-id order).",
    )


@dataclass(frozen=True, kw_only=True)
class Matrix:
    sample_ids: tuple[str, ...] = param(REQUIRED, flag="--sample-id", help="In sheet order.")
    mature: tuple[str, ...] = _per_sample("mature")
    hairpin: tuple[str, ...] = _per_sample("hairpin")
    isomirs: tuple[str, ...] = _per_sample("isomirs")
    outdir: str = param(
        REQUIRED,
        role="output",
        directory=True,
        help="Directory for the four count matrices and isomir_counts.tsv.",
    )
    drop_empty: bool = param(
        False,
        config="trimming.allow_empty_samples",
        help="Leave samples without a counted read out of the matrices, with a warning naming "
        "them (the workflow's trimming.allow_empty_samples).",
    )

    def __post_init__(self) -> None:
        if not (len(self.sample_ids) == len(self.mature) == len(self.hairpin) == len(self.isomirs)):
            raise InputError(
                "give one --mature, --hairpin and --isomirs per --sample-id",
                value=f"{len(self.sample_ids)} ids, "
                f"{len(self.mature)}/{len(self.hairpin)}/{len(self.isomirs)} tables",
            )


def run_matrix(step: Matrix) -> None:
    """Merge per-sample count tables into count matrices (one column per sample id)."""
    rows = list(zip(step.sample_ids, step.mature, step.hairpin, step.isomirs, strict=True))
    if step.drop_empty:
        # An all-zero column would be analysed as a patient with no expression at all.
        empty = [r[0] for r in rows if pd.read_csv(r[1], sep="\t")["reads"].sum() == 0]
        if empty:
            message = (
                f"{len(empty)} sample(s) without counted reads left out of the count "
                f"matrices and statistics: {', '.join(empty)}"
            )
            log.warning(message)
            warnings.warn(message, MirscopeWarning, stacklevel=1)
        rows = [r for r in rows if r[0] not in empty]
        if not rows:
            raise InputError("no sample has counted reads", value=", ".join(step.sample_ids))
    ids, mat, hp, iso = (list(c) for c in zip(*rows, strict=True))
    write_matrices(ids, mat, hp, iso, step.outdir)


def write_sample_counts(
    molecules: str | os.PathLike[str],
    bam: str | os.PathLike[str],
    assigner: Assigner,
    *,
    sample_id: str,
    mature_out: str | os.PathLike[str],
    hairpin_out: str | os.PathLike[str],
    isomir_out: str | os.PathLike[str],
    stats_out: str | os.PathLike[str],
    correct_collisions: bool = True,
    resolve_ambiguous: bool = True,
    ambiguous_min_ratio: float = 10.0,
) -> dict:
    """Count one sample (:func:`mirscope.counts.count.count_sample`), write its four
    outputs and return its statistics."""
    counts = count_sample(
        molecules,
        bam,
        assigner,
        sample_id=sample_id,
        correct_collisions=correct_collisions,
        resolve_ambiguous=resolve_ambiguous,
        ambiguous_min_ratio=ambiguous_min_ratio,
    )
    write_tsv(counts.mature, mature_out)
    write_tsv(counts.hairpin, hairpin_out)
    write_tsv(counts.isomirs, isomir_out)
    with atomic_path(stats_out) as tmp:
        tmp.write_text(json.dumps(counts.stats, indent=2, sort_keys=True) + "\n")
    return counts.stats


def write_matrices(
    sample_ids: list[str],
    mature: list[str | os.PathLike[str]],
    hairpin: list[str | os.PathLike[str]],
    isomirs: list[str | os.PathLike[str]],
    outdir: str | os.PathLike[str],
) -> dict[str, Path]:
    """Merge the per-sample tables (:func:`mirscope.counts.count.merge_matrices`) and
    write the five matrices into ``outdir``; return their paths."""
    tables = merge_matrices(sample_ids, mature, hairpin, isomirs)
    paths = {key: Path(outdir) / name for key, name in MATRIX_FILES.items()}
    for key, table in tables.items():
        write_tsv(table, paths[key])
    return paths


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "inserts": (Inserts, run_inserts),
    "align": (Align, run_align),
    "count": (Count, run_count),
    "matrix": (Matrix, run_matrix),
}

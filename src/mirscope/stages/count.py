"""The count stage's files: one sample's counts, and the cohort's count matrices.

The compute (:mod:`mirscope.counts.count`, whose module docstring documents every
column) returns tables; this module writes them, each atomically.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from mirscope.counts.assign import Assigner
from mirscope.counts.count import MATRIX_FILES, count_sample, merge_matrices
from mirscope.io import atomic_path, write_tsv


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

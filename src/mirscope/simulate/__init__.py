"""The demo cohort: Naddeo et al. 2026's design, simulated from reads up.

``mirscope simulate --out DIR --seed S`` (:func:`simulate_cohort`) writes::

    DIR/samples.tsv          sample_id, fastq (paths as DIR was given, e.g. relative)
    DIR/clinical.tsv         the clinical table (docs/development.md "Clinical table")
    DIR/fastq/<id>.fastq.gz  one QIAseq (or TruSeq/NEXTflex) FASTQ per patient
    DIR/truth/               true molecules and reads per miRNA, planted effects,
                             reads per class, latent values (see mirscope.simulate.truth)
    DIR/{kinetics,covariates,secondary_events,evidence_studies}.tsv
                             companion-study demo tables (mirscope.simulate.companion)

Why: every later stage (trimming, counting, DE, models, survival) needs data whose truth is
known and whose design is the paper's, so their accuracy can be measured and the demo
finds something real. Pieces: :mod:`.clinical` (table with exact marginals and planted
associations), :mod:`.expression` (plasma profile and planted miRNA effects),
:mod:`.reads` (molecules to reads), :mod:`.truth` (truth tables).

Determinism: every random draw comes from ``numpy.random.default_rng([seed, part, ...])``,
so a given seed gives byte-identical files, whatever the order samples are written in.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from mirscope.errors import InputError
from mirscope.io import atomic_path
from mirscope.simulate.clinical import add_onset_days, simulate_clinical
from mirscope.simulate.expression import expected_abundance
from mirscope.simulate.reads import (
    CLASS_FRACTIONS,
    PRESETS,
    SampleTruth,
    draw_sample,
    render_reads,
)
from mirscope.simulate.sample import cohort_model, simulate_sample_reads
from mirscope.simulate.truth import write_truth

__all__ = [
    "PRESETS",
    "SampleTruth",
    "cohort_model",
    "simulate_cohort",
    "simulate_sample_reads",
]

log = logging.getLogger(__name__)

#: Seed-stream tags, so each part of the simulation has its own independent stream.
_CLINICAL, _EXPRESSION, _SAMPLE, _ONSET = 3, 4, 5, 6


def sample_ids_for(n: int) -> list[str]:
    """``P01``..``P53`` (wider numbers for larger cohorts)."""
    width = max(2, len(str(n)))
    return [f"P{i:0{width}d}" for i in range(1, n + 1)]


def _index_sequence(i: int) -> str:
    """A distinct 6-nt i7 index per sample (deterministic), shown in read names."""
    bases = "ACGT"
    return "".join(bases[(i * 2654435761 >> (2 * k)) & 3] for k in range(6))


def simulate_cohort(
    out: str | os.PathLike[str],
    seed: int,
    *,
    n_patients: int = 53,
    reads_per_sample: int = 20_000,
    read_length: int = 75,
    preset: str = "qiaseq",
    dup_mean: float = 4.0,
) -> pd.DataFrame:
    """Simulate the demo cohort into ``out``; return the sample sheet.

    ``reads_per_sample`` is the mean library size: each sample's depth varies
    log-normally (SD 0.25 on the log scale) around it, as real libraries do.
    """
    if n_patients < 4:
        raise InputError("--patients: too few patients", value=n_patients, allowed=">= 4")
    if reads_per_sample < 100:
        raise InputError(
            "--reads-per-sample: too few reads per sample", value=reads_per_sample, allowed=">= 100"
        )
    if seed < 0:
        raise InputError("--seed must not be negative", value=seed, allowed="an integer >= 0")
    out_str = str(out)
    out = Path(out)
    model, profile = cohort_model(seed, preset=preset, read_length=read_length, dup_mean=dup_mean)
    ids = sample_ids_for(n_patients)
    clin = simulate_clinical(np.random.default_rng([seed, _CLINICAL]), ids)
    groups = clin.latent.set_index("sample_id")
    props = expected_abundance(profile, groups, np.random.default_rng([seed, _EXPRESSION]))

    molecules, reads, classes, fastqs = [], [], [], []
    for j, sid in enumerate(ids):
        rng = np.random.default_rng([seed, _SAMPLE, j])
        n_reads = max(100, int(round(reads_per_sample * rng.lognormal(0.0, 0.25))))
        fr = {k: v * rng.lognormal(0.0, 0.3) for k, v in CLASS_FRACTIONS.items()}
        units, truth = draw_sample(model, props[:, j], n_reads, rng, fr)
        fq = out / "fastq" / f"{sid}.fastq.gz"
        render_reads(model, units, rng, fq, index_seq=_index_sequence(j + 1))
        molecules.append(truth.molecules)
        reads.append(truth.reads)
        classes.append(truth.classes)
        fastqs.append(Path(out_str, "fastq", f"{sid}.fastq.gz").as_posix())
        log.info("simulated %s: %d reads", sid, n_reads)

    write_truth(
        out / "truth", profile.names, ids, molecules, reads, classes, profile.effects, clin.latent
    )
    clin.table = add_onset_days(clin.table, np.random.default_rng([seed, _ONSET]))
    _write_table(clin.table, out / "clinical.tsv")
    _write_companion(clin.table, seed, out)
    sheet = pd.DataFrame({"sample_id": ids, "fastq": fastqs})
    _write_table(sheet, out / "samples.tsv")
    return sheet


def _write_companion(clinical: pd.DataFrame, seed: int, out: Path) -> None:
    """The companion-study demo tables (kinetics, covariates, secondary events, evidence).

    Built by :func:`mirscope.simulate.companion.simulate_companion` (owned by the survival
    stage) from this cohort's clinical table, written as ``DIR/<name>.tsv``.
    """
    from mirscope.simulate.companion import simulate_companion

    for name, table in sorted(simulate_companion(clinical, seed).items()):
        _write_table(table, out / f"{name}.tsv")


def refresh_companion(out: str | Path, seed: int) -> None:
    """Rewrite ``DIR``'s companion tables from its ``clinical.tsv`` (same seed, same bytes).

    The companion tables are cheap and derived from the clinical table, so a demo
    simulated by an older mirscope gets the current ones without re-simulating reads.
    """
    from mirscope.inputs.clinical import read_clinical

    out = Path(out)
    clinical = read_clinical(out / "clinical.tsv").reset_index()
    _write_companion(clinical, seed, out)


def _write_table(df: pd.DataFrame, path: Path) -> None:
    """TSV with empty cells for NA and fixed number formatting (byte-stable)."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, sep="\t", index=False, na_rep="", float_format="%.10g", lineterminator="\n")

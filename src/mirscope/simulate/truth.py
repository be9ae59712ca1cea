"""The simulator's truth tables, in the layouts the later stages produce and read.

``truth/`` holds:

``mature_molecules.tsv`` / ``mature_reads.tsv``
    count-matrix layout of ``counts/mature_umi_counts.tsv``: first column ``mirna``
    (miRBase mature name), one integer column per ``sample_id``, rows sorted by name, only
    miRNAs with a nonzero count somewhere. Molecules = distinct valid miRNA molecules
    (what UMI deduplication should recover); reads = all reads of those molecules (what a
    read count should recover), isomiRs counted under their mature name.
``effects.tsv``
    (its presence beside a clinical table is what marks that table as simulated, for
    :mod:`mirscope.report.paper`, whose rows the simulator fixes read ``input``)
    the planted effects, one row each: ``target`` (miRNA name or clinical variable, e.g.
    ``sex=F``, ``crp``), ``kind`` (``mirna`` or ``clinical``), ``contrast`` (``crs_ge2``,
    ``icans``, ``response_3m``, ``response_12m`` (responders vs non-responders among the
    evaluable), ``z542`` (continuous latent miR-542-5p score), ``cluster_1``/``cluster_2``
    (latent Figure-1 clusters), ``os``/``pfs``/``ttp``, ``ldh``/``ccfdna``/``pmn_mdsc``),
    ``direction`` (``up``/``down`` for group contrasts: higher/lower in the group with the
    outcome or the responders; ``worse`` for survival; ``positive`` for correlations),
    ``log2_effect`` (miRNA rows: the planted mean log2 fold change, or log2 change per SD of
    ``z542``; empty for clinical rows) and ``weight`` (clinical rows: the weight on the
    standardised liability score, for miR-542-5p rows the weight of the latent burden step
    of :func:`mirscope.simulate.clinical.high_burden` on the response liability, the
    late-relapse log-odds (PFS, TTP) or the post-progression log hazard (OS); empty for
    miRNA rows).
``read_classes.tsv``
    per ``sample_id`` the number of reads of each class generated: ``total``, ``valid``,
    ``adapter_dimer``, ``too_short``, ``non_mirna``, ``no_adapter``, ``umi_incomplete``.
``latent.tsv``
    per ``sample_id`` the latent values: ``z542`` and ``cluster`` (0/1/2).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from mirscope.io import write_tsv
from mirscope.simulate.clinical import CLINICAL_EFFECTS
from mirscope.simulate.reads import READ_CLASSES


def count_matrix(names: list[str], columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """miRNAs x samples integer matrix, sorted by name, all-zero rows dropped."""
    df = pd.DataFrame({k: np.asarray(v, dtype=np.int64) for k, v in columns.items()})
    df.insert(0, "mirna", names)
    df = df[df.drop(columns="mirna").sum(axis=1) > 0]
    return df.sort_values("mirna", kind="stable").reset_index(drop=True)


def effects_table(mirna_effects: pd.DataFrame) -> pd.DataFrame:
    """Planted miRNA and clinical effects in one documented table."""
    mir = mirna_effects.copy()
    mir["kind"] = "mirna"
    mir["direction"] = np.where(mir["log2_effect"] > 0, "up", "down")
    mir["weight"] = np.nan
    clin = pd.DataFrame(CLINICAL_EFFECTS, columns=["target", "contrast", "direction", "weight"])
    clin["kind"] = "clinical"
    clin["log2_effect"] = np.nan
    cols = ["target", "kind", "contrast", "direction", "log2_effect", "weight"]
    out = pd.concat([mir[cols], clin[cols]], ignore_index=True)
    return out.sort_values(["kind", "contrast", "target"], kind="stable").reset_index(drop=True)


def write_truth(
    out: str | os.PathLike[str],
    names: list[str],
    sample_ids: list[str],
    molecules: list[np.ndarray],
    reads: list[np.ndarray],
    classes: list[dict[str, int]],
    mirna_effects: pd.DataFrame,
    latent: pd.DataFrame,
) -> None:
    """Write every table of ``truth/`` (atomically, deterministic formatting)."""
    out = Path(out)
    write_tsv(
        count_matrix(names, dict(zip(sample_ids, molecules, strict=True))),
        out / "mature_molecules.tsv",
    )
    write_tsv(
        count_matrix(names, dict(zip(sample_ids, reads, strict=True))), out / "mature_reads.tsv"
    )
    write_tsv(effects_table(mirna_effects), out / "effects.tsv")
    rc = pd.DataFrame(classes, columns=list(READ_CLASSES))
    rc.insert(0, "total", rc.sum(axis=1))
    rc.insert(0, "sample_id", sample_ids)
    write_tsv(rc, out / "read_classes.tsv")
    write_tsv(latent[["sample_id", "z542", "cluster"]], out / "latent.tsv")

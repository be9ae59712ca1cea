"""mirGFF3 stage: per-sample isomiR files from the counting stage's outputs, and the cohort
file merged from them (format: :mod:`mirscope.counts.mirgff3`)."""

from __future__ import annotations

import logging
import os
from collections import defaultdict

import numpy as np
import pandas as pd

from mirscope import __version__
from mirscope.counts.align import read_hits
from mirscope.counts.assign import Assigner
from mirscope.counts.count import read_molecules_compact
from mirscope.counts.mirgff3 import isomir_molecules, read_features, render, sample_features
from mirscope.errors import InputError
from mirscope.io import write_text

log = logging.getLogger(__name__)

TOOL = f"mirscope {__version__}"
COUNTED = ("mature", "resolved")


def _read(path: str | os.PathLike[str], columns: tuple[str, ...]) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read table: {exc}", path=str(path)) from exc
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"missing column '{missing[0]}'", path=str(path), value=list(df.columns))
    return df


def sample_gff(
    sample_id: str,
    molecules: str | os.PathLike[str],
    bam: str | os.PathLike[str],
    isomirs: str | os.PathLike[str],
    mature: str | os.PathLike[str],
    assigner: Assigner,
    out: str | os.PathLike[str],
    *,
    database: str = "miRBase",
) -> pd.DataFrame:
    """Write one sample's mirGFF3; return its feature table."""
    mol = read_molecules_compact(molecules)
    iso = _read(isomirs, ("insert", "status", "mirna"))
    counted = iso[iso["status"].isin(COUNTED)]
    given = dict(zip(counted["insert"], counted["mirna"], strict=True))
    mirna_of_insert = np.array([given.get(s, "") for s in mol.inserts.tolist()], dtype=object)
    mt = _read(mature, ("mirna", "umis"))
    targets = dict(zip(mt["mirna"], mt["umis"].astype(np.int64).tolist(), strict=True))
    table = isomir_molecules(
        mol.insert_code,
        mol.umis,
        mol.reads,
        mol.inserts,
        mirna_of_insert,
        targets,
        has_umi=mol.has_umi,
        umi_length=mol.umi_length,
        umi_bits=mol.umi_bits,
    )
    wanted = set(table["insert"])
    hits: dict[str, list] = defaultdict(list)
    for insert, hit in read_hits(bam):
        if insert in wanted:
            hits[insert].append(hit)
    features = sample_features(table, hits, assigner)
    dropped = len(table) - len(features)
    if dropped:
        log.info(
            "%s: %d counted inserts with N have no UID and no mirGFF3 line", sample_id, dropped
        )
    write_text(out, render({sample_id: features}, database, TOOL))
    return features


def merge_gff(
    sample_ids: list[str], paths: list[str | os.PathLike[str]], out: str | os.PathLike[str],
    *, database: str = "miRBase",
) -> None:  # fmt: skip
    """Write the cohort mirGFF3 (one Expression value per sample, in ``sample_ids`` order)."""
    if len(sample_ids) != len(paths):
        raise InputError("need one mirGFF3 file per sample id")
    if len(set(sample_ids)) != len(sample_ids):
        raise InputError("duplicate sample id", allowed="unique sample ids")
    features = {sid: read_features(p) for sid, p in zip(sample_ids, paths, strict=True)}
    write_text(out, render(features, database, TOOL))

"""isomiRs as mirGFF3: one file per sample, and the cohort file.

mirGFF3 stage: per-sample isomiR files from the counting stage's outputs, and the cohort
file merged from them (format: :mod:`mirscope.counts.mirgff3`).

Each step is declared once here (:mod:`mirscope.params`); the commands ``mirscope mirgff3``
and ``mirgff3-merge`` and the isomiR QC rules both derive from the declarations.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mirscope import __version__
from mirscope.counts.align import read_hits
from mirscope.counts.assign import Assigner
from mirscope.counts.count import read_molecules_compact
from mirscope.counts.mirgff3 import isomir_molecules, read_features, render, sample_features
from mirscope.errors import InputError
from mirscope.io import write_text
from mirscope.params import REQUIRED, param

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


def _database() -> str:
    return param(
        "miRBase", help="Reference named in the header's source-ontology (e.g. miRBase22)."
    )


def _out() -> str:
    return param(REQUIRED, short="-o", role="output", help="mirGFF3.")


def _tolerance(end: str) -> int:
    return param(3, config=f"counting.isomir_{end}_tolerance", help="As given to `mirscope count`.")


def _file(help_text: str) -> str:
    return param(REQUIRED, role="input", help=help_text)


@dataclass(frozen=True, kw_only=True)  # kw_only: options in their --help order
class Mirgff3:
    sample_id: str = param(REQUIRED, help="Sample id written as the COLDATA column.")
    molecules: str = _file("The sample's molecules table from `mirscope trim`.")
    bam: str = _file("bowtie BAM.")
    hairpin: str = _file("Hairpin FASTA.")
    loci: str = _file("Mature loci TSV.")
    isomirs: str = _file("count's isomiRs.")
    mature: str = _file("count's matures.")
    tol5: int = _tolerance("5p")
    tol3: int = _tolerance("3p")
    database: str = _database()
    out: str = _out()


def run_mirgff3(step: Mirgff3) -> None:
    """Write one sample's counted isomiRs as mirGFF3 (Expression: UMI-deduplicated molecules)."""
    assigner = Assigner.from_files(step.hairpin, step.loci, tol5=step.tol5, tol3=step.tol3)
    features = sample_gff(
        step.sample_id,
        step.molecules,
        step.bam,
        step.isomirs,
        step.mature,
        assigner,
        step.out,
        database=step.database,
    )
    log.info("%s: %d mirGFF3 lines -> %s", step.sample_id, len(features), step.out)


@dataclass(frozen=True, kw_only=True)
class Mirgff3Merge:
    sample_ids: tuple[str, ...] = param(REQUIRED, flag="--sample-id", help="In sheet order.")
    gff: tuple[str, ...] = param(
        REQUIRED,
        role="input",
        help="A per-sample mirGFF3, once per --sample-id, in the same order.",
    )
    database: str = _database()
    out: str = _out()

    def __post_init__(self) -> None:
        if len(self.sample_ids) != len(self.gff):
            raise InputError(
                "give one --gff per --sample-id",
                value=f"{len(self.sample_ids)} ids, {len(self.gff)} files",
            )


def run_mirgff3_merge(step: Mirgff3Merge) -> None:
    """Merge per-sample mirGFF3 files into one with a column per sample id."""
    merge_gff(list(step.sample_ids), list(step.gff), step.out, database=step.database)


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "mirgff3": (Mirgff3, run_mirgff3),
    "mirgff3-merge": (Mirgff3Merge, run_mirgff3_merge),
}

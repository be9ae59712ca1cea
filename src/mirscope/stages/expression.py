"""Expression tables: CPM of the count matrices, VST of the mature UMI counts.

Expression stage: CPM tables of the four count matrices and the VST of mature UMIs.

Values are computed by :mod:`mirscope.de.vst`; table layouts are in ``docs/outputs.md``.
The step is declared once here (:mod:`mirscope.params`); the command ``mirscope expression``
and the expression rule both derive from the declaration.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mirscope.de.vst import cpm, vst
from mirscope.errors import InputError
from mirscope.io import write_tsv
from mirscope.params import REQUIRED, param

log = logging.getLogger(__name__)

#: Count matrix (``mirscope matrix``) -> CPM table written from it.
CPM_TABLES = {
    "mature_umi": "mature_umi_cpm.tsv",
    "mature_read": "mature_read_cpm.tsv",
    "hairpin_umi": "hairpin_umi_cpm.tsv",
    "hairpin_read": "hairpin_read_cpm.tsv",
}
VST_TABLE = "mature_umi_vst.tsv"


def read_count_matrix(path: str | Path) -> pd.DataFrame:
    """A count matrix as ``mirscope matrix`` writes it (first column the feature name)."""
    try:
        df = pd.read_csv(path, sep="\t", index_col=0)
    except FileNotFoundError as exc:
        raise InputError("count matrix not found", path=str(path)) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError("count matrix is empty", path=str(path)) from exc
    if df.shape[1] == 0:
        raise InputError("count matrix has no sample columns", path=str(path))
    values = df.to_numpy()
    if not np.issubdtype(values.dtype, np.integer) or (values < 0).any():
        raise InputError(
            "counts must be non-negative integers", path=str(path), allowed="0, 1, 2, ..."
        )
    df.columns = df.columns.astype(str)
    return df


def build_expression(matrices: dict[str, str | Path], outdir: str | Path) -> dict[str, Path]:
    """Write every CPM table and the mature UMI VST into ``outdir``; return their paths."""
    outdir = Path(outdir)
    written: dict[str, Path] = {}
    for kind, name in CPM_TABLES.items():
        counts = read_count_matrix(matrices[kind])
        path = outdir / name
        write_tsv(cpm(counts).reset_index(), path)
        written[f"{kind}_cpm"] = path
    mature = read_count_matrix(matrices["mature_umi"])
    path = outdir / VST_TABLE
    write_tsv(vst(mature).reset_index(), path)
    written["mature_umi_vst"] = path
    log.info("expression tables: %s", ", ".join(str(p) for p in written.values()))
    return written


def _matrix(name: str) -> str:
    return param(REQUIRED, role="input", help=f"{name}.tsv.")


@dataclass(frozen=True)
class Expression:
    mature_umi: str = _matrix("mature_umi_counts")
    mature_read: str = _matrix("mature_read_counts")
    hairpin_umi: str = _matrix("hairpin_umi_counts")
    hairpin_read: str = _matrix("hairpin_read_counts")
    outdir: str = param(
        REQUIRED,
        role="output",
        directory=True,
        help="Directory for the four *_cpm.tsv tables and mature_umi_vst.tsv.",
    )


def run_expression(step: Expression) -> None:
    """CPM of each count matrix and DESeq2's blind VST of the mature UMI counts."""
    build_expression({kind: getattr(step, kind) for kind in CPM_TABLES}, step.outdir)


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "expression": (Expression, run_expression),
}

"""Per-sample read QC for the run: one table, two figures and MultiQC custom content.

This module computes the table; :mod:`mirscope.plots.qc` draws the figures and
:mod:`mirscope.stages.qc` writes the files.

Inputs are the trimming stage's ``{sample}.trim.json`` files and, when the counting stage
has run, its ``{sample}.align_stats.json`` files (joined on the sample ID).

``qc_summary.tsv`` columns (one row per sample, in the order given):

``sample_id``; ``total_reads``; reads per trimming class ``valid``, ``no_adapter``,
``adapter_dimer``, ``too_short``, ``umi_incomplete`` (see :mod:`mirscope.reads.trim`);
``adapter_found_fraction`` (reads with an adapter / total); ``median_insert_length`` (valid
reads, nt); ``unique_molecules`` (unique insert+UMI pairs); ``umi_duplication_rate``
(1 - unique molecules / valid reads; empty without UMIs); from the counting stage when
given: ``reads_mature`` (assigned to one mature miRNA), ``reads_ambiguous`` (several
different miRNAs), ``reads_hairpin_only`` (on a hairpin, outside the mature arms),
``reads_unassigned`` (valid reads not aligned to any hairpin), ``aligned_hairpin_fraction``
(aligned reads / valid reads), ``mature_molecules`` (UMI-corrected); and ``warnings``
(`` | ``-joined, empty when none).

Figures (PNG and PDF): ``qc_read_classes`` (stacked bars of read classes per sample, as
fractions of total reads) and ``qc_insert_lengths`` (insert length distribution of reads
with an adapter, per sample).

MultiQC custom content in ``multiqc/``: ``mirscope_read_classes_mqc.tsv`` (bar graph),
``mirscope_insert_lengths_mqc.json`` (line graph) and ``mirscope_qc_summary_mqc.tsv``
(table), picked up by ``multiqc`` by their ``_mqc`` suffix.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from mirscope.errors import InputError
from mirscope.reads.trim import CLASSES, histogram_median

log = logging.getLogger(__name__)

PLOT_ORDER = ("valid", "too_short", "adapter_dimer", "umi_incomplete", "no_adapter")


def _read_json(path: Path, required: tuple[str, ...]) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read JSON statistics: {exc}", path=str(path)) from exc
    missing = [k for k in required if k not in data]
    if missing:
        raise InputError(
            "statistics file lacks required keys",
            path=str(path),
            value=missing,
            allowed=", ".join(required),
        )
    return data


def summarise(
    trim_stats: list[Path], align_stats: list[Path] | None = None
) -> tuple[pd.DataFrame, dict[str, dict[int, int]]]:
    """The QC table (see module docstring) and each sample's insert length histogram."""
    rows = []
    hists: dict[str, dict[int, int]] = {}
    for path in trim_stats:
        t = _read_json(path, ("sample", "total_reads", "classes", "insert_length_histogram"))
        sample = t["sample"]
        if sample in hists:
            raise InputError("sample appears twice", path=str(path), value=sample)
        total = int(t["total_reads"])
        classes = {c: int(t["classes"].get(c, 0)) for c in CLASSES}
        valid_hist = t.get("valid_insert_length_histogram", {})
        row = {"sample_id": sample, "total_reads": total, **classes}
        row["adapter_found_fraction"] = (
            round(1 - classes["no_adapter"] / total, 6) if total else None
        )
        row["median_insert_length"] = histogram_median(valid_hist)
        row["unique_molecules"] = int(t.get("unique_molecules", 0))
        row["umi_duplication_rate"] = t.get("umi_duplication_rate")
        row["warnings"] = list(t.get("warnings", []))
        if total == 0 and not row["warnings"]:
            row["warnings"].append(f"sample {sample}: no reads (zero counts)")
        rows.append(row)
        hists[sample] = {int(k): int(v) for k, v in t["insert_length_histogram"].items()}
    table = pd.DataFrame(rows)
    if align_stats:
        table = _join_alignment(table, align_stats)
    table["warnings"] = table["warnings"].map(" | ".join)
    table = table[[c for c in table.columns if c != "warnings"] + ["warnings"]]
    return table, hists


def _join_alignment(table: pd.DataFrame, align_stats: list[Path]) -> pd.DataFrame:
    extra = {}
    for path in align_stats:
        a = _read_json(path, ("sample_id", "reads"))
        reads = a["reads"]
        extra[a["sample_id"]] = {
            "reads_mature": int(reads.get("mature", 0)),
            "reads_ambiguous": int(reads.get("ambiguous", 0)),
            "reads_hairpin_only": int(reads.get("hairpin", 0)),
            "reads_unassigned": int(reads.get("unaligned", 0)),
            "mature_molecules": int(a.get("mature_molecules", 0)),
        }
    unknown = sorted(set(extra) - set(table["sample_id"]))
    if unknown:
        raise InputError(
            "alignment statistics for samples without trimming statistics",
            path=str(align_stats[0]),
            value=unknown,
        )
    cols = list(next(iter(extra.values())).keys()) if extra else []
    for col in cols:
        table[col] = [extra.get(s, {}).get(col) for s in table["sample_id"]]
        table[col] = table[col].astype("Int64")
    aligned = (
        table["reads_mature"] + table["reads_ambiguous"] + table["reads_hairpin_only"]
    ).astype("Float64")
    frac = (aligned / table["valid"].replace(0, pd.NA).astype("Float64")).round(6)
    pos = table.columns.get_loc("reads_unassigned") + 1
    table.insert(pos, "aligned_hairpin_fraction", frac)
    return table

"""Per-sample read QC for the run: one table, two figures and MultiQC custom content.

Inputs are the trimming stage's ``{sample}.trim.json`` files and, when the counting stage
has run, its ``{sample}.align_stats.json`` files (joined on the sample ID).

``qc_summary.tsv`` columns (one row per sample, in the order given):

``sample_id``; ``total_reads``; reads per trimming class ``valid``, ``no_adapter``,
``adapter_dimer``, ``too_short``, ``umi_incomplete`` (see :mod:`mirscope.trim`);
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
import os
import warnings
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from mirscope.errors import InputError, MirscopeWarning  # noqa: E402
from mirscope.io import atomic_path, write_tsv  # noqa: E402
from mirscope.trim import CLASSES, histogram_median  # noqa: E402

log = logging.getLogger(__name__)

CLASS_COLOURS = {
    "valid": "#1b9e77",
    "too_short": "#7570b3",
    "adapter_dimer": "#d95f02",
    "umi_incomplete": "#e6ab02",
    "no_adapter": "#666666",
}
CLASS_LABELS = {
    "valid": "valid",
    "too_short": "insert too short",
    "adapter_dimer": "adapter dimer",
    "umi_incomplete": "UMI incomplete",
    "no_adapter": "no adapter",
}
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


def plot_read_classes(table: pd.DataFrame, path_stem: Path) -> None:
    """Stacked horizontal bars: each sample's reads by class, as fractions of its total."""
    n = len(table)
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.22 * n + 1.2)))
    totals = table["total_reads"].where(table["total_reads"] > 0, 1)
    left = pd.Series(0.0, index=table.index)
    labels = table["sample_id"].astype(str)
    for cls in PLOT_ORDER:
        frac = table[cls] / totals
        ax.barh(labels, frac, left=left, color=CLASS_COLOURS[cls], label=CLASS_LABELS[cls])
        left = left + frac
    ax.set_xlim(0, 1)
    ax.set_ylim(n - 0.5, -0.5)  # first sample on top, no empty margins
    ax.set_xlabel("fraction of reads")
    ax.set_title("Read classes after adapter and UMI trimming")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    _save(fig, path_stem)


def plot_insert_lengths(
    hists: dict[str, dict[int, int]], path_stem: Path, min_length: int | None = None
) -> None:
    """Insert length distributions (reads with an adapter, fraction per length) per sample,
    with the shortest kept insert (``min_length``) marked."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    max_len = max((max(h) for h in hists.values() if h), default=40)
    xs = list(range(0, max_len + 1))
    many = len(hists) > 10
    for sample, hist in hists.items():
        total = sum(hist.values())
        if not total:
            continue
        ys = [hist.get(x, 0) / total for x in xs]
        ax.plot(
            xs,
            ys,
            lw=0.8 if many else 1.5,
            alpha=0.6 if many else 0.9,
            label=None if many else sample,
        )
    ax.axvspan(20, 24, color="#dddddd", zorder=0, label="miRNA range (20-24 nt)")
    if min_length:
        ax.axvline(
            min_length - 0.5,
            color="black",
            ls="--",
            lw=0.8,
            label=f"shorter than {min_length} nt: too short",
        )
    ax.set_xlabel("insert length (nt)")
    ax.set_ylabel("fraction of reads with an adapter")
    # Stop the axis where every sample's tail is below 0.1% of its reads (long reads
    # otherwise squeeze the informative 10-50 nt range).
    visible = [
        x
        for h in hists.values()
        for x, v in h.items()
        if sum(h.values()) and v / sum(h.values()) >= 1e-3
    ]
    ax.set_xlim(0, min(max_len, max(visible, default=max_len) + 5))
    ax.set_title("Insert length distribution" + (f" ({len(hists)} samples)" if many else ""))
    ax.legend(fontsize=8, frameon=False)
    _save(fig, path_stem)


def _save(fig, path_stem: Path) -> None:
    fig.tight_layout()
    for ext in ("png", "pdf"):
        target = path_stem.with_suffix(f".{ext}")
        with atomic_path(target) as tmp:
            meta = {"CreationDate": None} if ext == "pdf" else {"Software": None}
            fig.savefig(tmp, format=ext, dpi=150, metadata=meta)
    plt.close(fig)


def _mqc_header(fields: dict[str, Any]) -> str:
    lines = []
    for key, value in fields.items():
        if isinstance(value, dict):
            lines.append(f"# {key}:")
            lines += [f"#    {k}: {json.dumps(v)}" for k, v in value.items()]
        else:
            lines.append(f"# {key}: {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def write_multiqc_content(
    table: pd.DataFrame, hists: dict[str, dict[int, int]], outdir: Path
) -> list[Path]:
    """MultiQC custom-content files (``*_mqc.tsv``) for classes, lengths and the table."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    classes = outdir / "mirscope_read_classes_mqc.tsv"
    head = _mqc_header(
        {
            "id": "mirscope_read_classes",
            "section_name": "mirscope: read classes",
            "description": "Reads per trimming class (adapter + UMI trimming by mirscope trim).",
            "plot_type": "bargraph",
            "pconfig": {
                "id": "mirscope_read_classes_plot",
                "title": "mirscope: read classes",
                "ylab": "Reads",
            },
        }
    )
    body = table[["sample_id", *PLOT_ORDER]].rename(columns={"sample_id": "Sample"})
    _write_text(classes, head + body.to_csv(sep="\t", index=False, lineterminator="\n"))
    written.append(classes)

    # Line graphs go as JSON: MultiQC's TSV parser would take the x-value row for a sample.
    lengths = outdir / "mirscope_insert_lengths_mqc.json"
    content = {
        "id": "mirscope_insert_lengths",
        "section_name": "mirscope: insert lengths",
        "description": "Insert length distribution of reads with an adapter (% of reads).",
        "plot_type": "linegraph",
        "pconfig": {
            "id": "mirscope_insert_lengths_plot",
            "title": "mirscope: insert lengths",
            "xlab": "Insert length (nt)",
            "ylab": "% of reads",
        },
        "data": {
            sample: {
                str(x): round(100 * v / (sum(hist.values()) or 1), 4)
                for x, v in sorted(hist.items())
            }
            for sample, hist in hists.items()
        },
    }
    _write_text(lengths, json.dumps(content, indent=1, sort_keys=False) + "\n")
    written.append(lengths)

    summary = outdir / "mirscope_qc_summary_mqc.tsv"
    head = _mqc_header(
        {
            "id": "mirscope_qc_summary",
            "section_name": "mirscope: per-sample QC",
            "description": "mirscope qc_summary.tsv (see the mirscope docs for the columns).",
            "plot_type": "table",
        }
    )
    body = table.drop(columns=["warnings"]).rename(columns={"sample_id": "Sample"})
    _write_text(
        summary,
        head + body.to_csv(sep="\t", index=False, lineterminator="\n", float_format="%.6g"),
    )
    written.append(summary)
    return written


def _write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def build_qc(
    trim_stats: list[Path], align_stats: list[Path] | None, outdir: str | os.PathLike[str]
) -> pd.DataFrame:
    """Write ``qc_summary.tsv``, the two figures and the MultiQC content into ``outdir``.

    Samples with warnings from trimming (empty file, adapter in < 50% of reads with the
    preset it looks like) are repeated here as a :class:`MirscopeWarning` and in the
    ``warnings`` column, so they reach the run's QC report.
    """
    outdir = Path(outdir)
    table, hists = summarise(list(trim_stats), list(align_stats or []))
    write_tsv(table, outdir / "qc_summary.tsv")
    plot_read_classes(table, outdir / "qc_read_classes")
    min_lengths = {
        json.loads(Path(p).read_text()).get("settings", {}).get("min_length") for p in trim_stats
    }
    plot_insert_lengths(
        hists, outdir / "qc_insert_lengths", min_lengths.pop() if len(min_lengths) == 1 else None
    )
    write_multiqc_content(table, hists, outdir / "multiqc")
    for text in table["warnings"]:
        for message in filter(None, text.split(" | ")):
            log.warning("QC: %s", message)
            warnings.warn(f"QC: {message}", MirscopeWarning, stacklevel=2)
    return table

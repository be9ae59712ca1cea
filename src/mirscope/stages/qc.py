"""Read QC: the run's QC table, figures and MultiQC content.

QC stage: ``qc_summary.tsv``, the QC figures and MultiQC custom content from the trim
and count stages' JSON files (columns documented in :mod:`mirscope.reads.qc`).

The step is declared once here (:class:`QC`); ``mirscope qc`` and the qc rule derive from
it. The figures' matplotlib is imported when drawing, so reading the declaration is cheap.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mirscope.errors import MirscopeWarning
from mirscope.io import write_text, write_tsv
from mirscope.params import REQUIRED, param
from mirscope.reads.qc import PLOT_ORDER, summarise

log = logging.getLogger(__name__)


def mqc_header(fields: dict[str, Any]) -> str:
    """The commented YAML header MultiQC reads from a custom-content TSV."""
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
    head = mqc_header(
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
    write_text(classes, head + body.to_csv(sep="\t", index=False, lineterminator="\n"))
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
    write_text(lengths, json.dumps(content, indent=1, sort_keys=False) + "\n")
    written.append(lengths)

    summary = outdir / "mirscope_qc_summary_mqc.tsv"
    head = mqc_header(
        {
            "id": "mirscope_qc_summary",
            "section_name": "mirscope: per-sample QC",
            "description": "mirscope qc_summary.tsv (see the mirscope docs for the columns).",
            "plot_type": "table",
        }
    )
    body = table.drop(columns=["warnings"]).rename(columns={"sample_id": "Sample"})
    write_text(
        summary,
        head + body.to_csv(sep="\t", index=False, lineterminator="\n", float_format="%.6g"),
    )
    written.append(summary)
    return written


def build_qc(
    trim_stats: list[Path], align_stats: list[Path] | None, outdir: str | os.PathLike[str]
) -> pd.DataFrame:
    """Write ``qc_summary.tsv``, the two figures and the MultiQC content into ``outdir``.

    Samples with warnings from trimming (empty file, adapter in < 50% of reads with the
    preset it looks like) are repeated here as a :class:`MirscopeWarning` and in the
    ``warnings`` column, so they reach the run's QC report.
    """
    from mirscope.plots.qc import plot_insert_lengths, plot_read_classes

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


@dataclass(frozen=True, kw_only=True)
class QC:
    trim_stats: tuple[str, ...] = param(
        REQUIRED,
        role="input",
        exists=True,
        help="A sample's trim.json (repeat; order = table order).",
    )
    align_stats: tuple[str, ...] = param(
        (),
        role="input",
        exists=True,
        help="Counting stage's <sample>.align_stats.json (repeat; optional).",
    )
    outdir: str = param(
        REQUIRED,
        role="output",
        directory=True,
        help="Directory for qc_summary.tsv, plots and MultiQC custom content.",
    )


def run_qc(step: QC) -> None:
    """Per-sample QC table, plots and MultiQC custom-content files for the run."""
    build_qc([Path(p) for p in step.trim_stats], [Path(p) for p in step.align_stats], step.outdir)


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "qc": (QC, run_qc),
}

"""Unassigned inserts: what the reads that reach no miRNA are.

Unassigned-insert QC stage: per-sample top unassigned inserts and summaries, then the
cohort table, figure and MultiQC custom content (see :mod:`mirscope.counts.unassigned`).

Per sample: ``<sample>.top_unassigned.tsv`` (``rank``, ``insert``, ``length``, ``class``,
``reads``, ``molecules``, ``molecule_fraction``) and ``<sample>.unassigned.json`` (reads,
molecules and unique inserts per class, assigned fractions, molecules per insert length
of assigned and unassigned inserts).

Cohort (``outdir``): ``unassigned_summary.tsv`` (:data:`mirscope.counts.unassigned.
SUMMARY_COLUMNS`), ``unassigned_top.tsv`` (the per-sample tables with ``sample_id`` first),
``qc_unassigned.png``/``.pdf`` and in ``multiqc/``: ``mirscope_assignment_mqc.tsv``
(bar graph), ``mirscope_lengths_assigned_mqc.json`` and ``mirscope_lengths_unassigned_mqc.json``
(line graphs), ``mirscope_top_unassigned_mqc.tsv`` (table of each sample's first
:data:`MULTIQC_TOP` inserts).

Each step is declared once here (:mod:`mirscope.params`); the commands ``mirscope
unassigned`` and ``unassigned-qc`` and the isomiR QC rules both derive from the
declarations. The figure module (matplotlib) is imported where it draws, so the workflow
reads the declarations without it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mirscope.counts.count import read_molecules_compact
from mirscope.counts.unassigned import (
    CLASSES,
    SUMMARY_COLUMNS,
    insert_table,
    summarise_sample,
    summary_row,
)
from mirscope.errors import InputError
from mirscope.io import write_text, write_tsv
from mirscope.params import REQUIRED, param

log = logging.getLogger(__name__)

#: Unassigned inserts per sample in the MultiQC table (the TSVs keep ``--top``).
MULTIQC_TOP = 10


def sample_unassigned(
    sample_id: str,
    molecules: str | os.PathLike[str],
    isomirs: str | os.PathLike[str],
    top_out: str | os.PathLike[str],
    json_out: str | os.PathLike[str],
    *,
    top_n: int = 50,
) -> dict:
    """Write one sample's top unassigned inserts and summary JSON; return the summary."""
    mol = read_molecules_compact(molecules)
    try:
        iso = pd.read_csv(isomirs, sep="\t", dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read isomiR table: {exc}", path=str(isomirs)) from exc
    for col in ("insert", "status"):
        if col not in iso.columns:
            raise InputError(f"missing column '{col}'", path=str(isomirs), value=list(iso.columns))
    status = dict(zip(iso["insert"], iso["status"], strict=True))
    table = insert_table(mol.inserts, mol.insert_code, mol.reads, mol.has_umi, status)
    summary = summarise_sample(table, sample_id, mol.has_umi, top_n)
    top = summary.pop("top")
    write_tsv(top, top_out)
    write_text(json_out, json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary


def _read_json(path: str | os.PathLike[str]) -> dict:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read unassigned summary: {exc}", path=str(path)) from exc
    for key in ("sample_id", "classes", "lengths", "valid_molecules"):
        if key not in data:
            raise InputError(f"missing key '{key}'", path=str(path))
    return data


def build_unassigned_qc(
    summaries: list[str | os.PathLike[str]],
    tops: list[str | os.PathLike[str]],
    outdir: str | os.PathLike[str],
) -> pd.DataFrame:
    """Write the cohort table, long top table, figure and MultiQC files; return the table."""
    from mirscope.plots.unassigned import plot_unassigned

    if len(summaries) != len(tops):
        raise InputError("need one summary JSON and one top-inserts table per sample")
    outdir = Path(outdir)
    rows, longs, hists = [], [], {}
    for js, tp in zip(summaries, tops, strict=True):
        s = _read_json(js)
        top = pd.read_csv(tp, sep="\t", dtype={"insert": str}, keep_default_na=False)
        rows.append(summary_row(s, top))
        top.insert(0, "sample_id", s["sample_id"])
        longs.append(top)
        hists[s["sample_id"]] = {
            k: {int(x): int(v) for x, v in h.items()} for k, h in s["lengths"].items()
        }
    table = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    write_tsv(table, outdir / "unassigned_summary.tsv")
    long = pd.concat(longs, ignore_index=True) if longs else pd.DataFrame()
    write_tsv(long, outdir / "unassigned_top.tsv")
    plot_unassigned(table, hists, outdir / "qc_unassigned")
    write_multiqc(table, long, hists, outdir / "multiqc")
    return table


def write_multiqc(
    table: pd.DataFrame,
    long: pd.DataFrame,
    hists: dict[str, dict[str, dict[int, int]]],
    outdir: Path,
) -> list[Path]:
    """MultiQC custom content: molecules by class, the two length plots, the top table."""
    from mirscope.plots.unassigned import CLASS_LABELS
    from mirscope.stages.qc import mqc_header

    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    path = outdir / "mirscope_assignment_mqc.tsv"
    head = mqc_header(
        {
            "id": "mirscope_assignment",
            "section_name": "mirscope: assigned vs unassigned",
            "description": (
                "Valid molecules (distinct insert+UMI) by assignment: counted for a miRNA, "
                "ambiguous, on a hairpin only, or on no hairpin."
            ),
            "plot_type": "bargraph",
            "pconfig": {
                "id": "mirscope_assignment_plot",
                "title": "mirscope: assigned vs unassigned molecules",
                "ylab": "Molecules",
            },
        }
    )
    body = table[["sample_id", *(f"{k}_molecules" for k in CLASSES)]].rename(
        columns={"sample_id": "Sample", **{f"{k}_molecules": CLASS_LABELS[k] for k in CLASSES}}
    )
    write_text(path, head + body.to_csv(sep="\t", index=False, lineterminator="\n"))
    written.append(path)

    for kind in ("assigned", "unassigned"):
        path = outdir / f"mirscope_lengths_{kind}_mqc.json"
        content = {
            "id": f"mirscope_lengths_{kind}",
            "section_name": f"mirscope: {kind} insert lengths",
            "description": f"Length distribution of {kind} molecules (% of them).",
            "plot_type": "linegraph",
            "pconfig": {
                "id": f"mirscope_lengths_{kind}_plot",
                "title": f"mirscope: {kind} insert lengths",
                "xlab": "Insert length (nt)",
                "ylab": f"% of {kind} molecules",
            },
            "data": {
                sample: {
                    str(x): round(100 * v / (sum(h.get(kind, {}).values()) or 1), 4)
                    for x, v in sorted(h.get(kind, {}).items())
                }
                for sample, h in hists.items()
            },
        }
        write_text(path, json.dumps(content, indent=1) + "\n")
        written.append(path)

    path = outdir / "mirscope_top_unassigned_mqc.tsv"
    head = mqc_header(
        {
            "id": "mirscope_top_unassigned",
            "section_name": "mirscope: top unassigned inserts",
            "description": (
                f"Each sample's {MULTIQC_TOP} most frequent inserts that no miRNA counts "
                "(BLAST them to see what they are); all of them: unassigned_top.tsv."
            ),
            "plot_type": "table",
        }
    )
    top = long[long["rank"] <= MULTIQC_TOP] if len(long) else long
    body = pd.DataFrame(
        {
            "Sample": [f"{s} #{r}" for s, r in zip(top["sample_id"], top["rank"], strict=True)]
            if len(top)
            else [],
        }
    )
    for col in ("insert", "length", "class", "reads", "molecules", "molecule_fraction"):
        body[col] = top[col].to_numpy() if len(top) else []
    write_text(
        path,
        head + body.to_csv(sep="\t", index=False, lineterminator="\n", float_format="%.6g"),
    )
    written.append(path)
    return written


@dataclass(frozen=True, kw_only=True)  # kw_only: options in their --help order
class Unassigned:
    sample_id: str = param(REQUIRED, help="Sample id written into the outputs.")
    molecules: str = param(
        REQUIRED, role="input", help="The sample's molecules table from `mirscope trim`."
    )
    isomirs: str = param(REQUIRED, role="input", help="count's isomiRs.")
    top_n: int = param(
        50,
        flag="--top",
        min=1,
        help="How many of the most frequent unassigned inserts to list.",
    )
    top_out: str = param(REQUIRED, role="output", help="TSV of the top unassigned inserts.")
    json_out: str = param(
        REQUIRED,
        role="output",
        help="JSON summary: assigned fraction and length distributions.",
    )


def run_unassigned(step: Unassigned) -> None:
    """Most frequent unassigned inserts, lengths and assigned fraction of one sample."""
    s = sample_unassigned(
        step.sample_id,
        step.molecules,
        step.isomirs,
        step.top_out,
        step.json_out,
        top_n=step.top_n,
    )
    log.info("%s: assigned molecule fraction %s", step.sample_id, s["assigned_molecule_fraction"])


@dataclass(frozen=True)
class UnassignedQC:
    summaries: tuple[str, ...] = param(
        REQUIRED,
        flag="--summary",
        role="input",
        help="A per-sample unassigned JSON summary (repeat per sample).",
    )
    tops: tuple[str, ...] = param(
        REQUIRED,
        flag="--top",
        role="input",
        help="A per-sample top-inserts TSV (repeat per sample).",
    )
    outdir: str = param(
        REQUIRED,
        role="output",
        directory=True,
        help="Directory for the cohort tables, figure and MultiQC content.",
    )

    def __post_init__(self) -> None:
        if len(self.summaries) != len(self.tops):
            raise InputError(
                "give one --summary and one --top per sample",
                value=f"{len(self.summaries)} summaries, {len(self.tops)} tables",
            )


def run_unassigned_qc(step: UnassignedQC) -> None:
    """Cohort table, figure and MultiQC content from the per-sample outputs (sheet order)."""
    build_unassigned_qc(list(step.summaries), list(step.tops), step.outdir)


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "unassigned": (Unassigned, run_unassigned),
    "unassigned-qc": (UnassignedQC, run_unassigned_qc),
}

"""The report: the paper comparison, table pages, figure copies, MultiQC embed, landing page.

What the report shows, built from the run: the paper-vs-reanalysis table, table pages,
256-colour figure copies, the MultiQC embed and the landing page.

Each step is declared once here (its files and settings, :mod:`mirscope.params`); the
commands ``mirscope paper-compare``, ``report-tables``, ``report-figures``,
``report-embed`` and ``report-landing`` and the report rules both derive from the
declarations. The rendering lives in :mod:`mirscope.report`.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mirscope.errors import InputError
from mirscope.io import read_tsv_cells, tsv_comments, write_text, write_tsv
from mirscope.params import REQUIRED, param


@dataclass(frozen=True)
class ReportTable:
    """One table page: the TSV shown, the HTML page written, the page's title."""

    tsv: str
    page: str
    title: str

    @classmethod
    def from_config(cls, entry: Mapping[str, Any] | Sequence[str]) -> ReportTable:
        """From a mapping with ``tsv``, ``page`` and ``title`` (as the workflow passes it),
        or the three words of ``--table TSV HTML TITLE``."""
        if isinstance(entry, Mapping):
            missing = [k for k in ("tsv", "page", "title") if k not in entry]
            if missing:
                raise InputError("a report table needs tsv, page and title", value=missing[0])
            return cls(str(entry["tsv"]), str(entry["page"]), str(entry["title"]))
        words = [str(w) for w in entry]
        if len(words) != 3:
            raise InputError("a report table is TSV HTML TITLE", value=" ".join(words))
        return cls(*words)

    @classmethod
    def parse(cls, text: str) -> ReportTable:
        """A table written as one shell-quoted text: ``TSV HTML 'TITLE'``."""
        return cls.from_config(shlex.split(text))


def _need(path: str | None, flag: str) -> None:
    """A file given as an input must be there (one line, not a traceback)."""
    if path is not None and not Path(path).exists():
        raise InputError(f"{flag}: no such file or directory", path=path)


def _outdir(help_text: str, *, exists: bool = False) -> str:
    return param(REQUIRED, role="input", directory=True, exists=exists, help=help_text)


def _out(help_text: str) -> str:
    return param(REQUIRED, role="output", help=help_text)


@dataclass(frozen=True, kw_only=True)
class PaperCompare:
    outdir: str = _outdir("The run's output directory (config `outdir`).", exists=True)
    clinical: str | None = param(
        None, role="input", exists=True, help="The run's clinical table (cohort counts)."
    )
    source_clinical: str | None = param(
        None,
        role="input",
        exists=True,
        help="The clinical table as the config names it, if --clinical is a copy: the "
        "simulator's truth/ beside it marks the demo cohort, whose fixed rows read `input`.",
    )
    de_lfc: float = param(
        1.0,
        config="de.lfc_threshold",
        help="|log2FC| threshold of the DE rule (config de.lfc_threshold).",
    )
    de_p: float = param(
        0.05, config="de.p_threshold", help="Raw p cut of the DE rule (config de.p_threshold)."
    )
    out: str = _out(
        "Output TSV (tables/paper_vs_reanalysis.tsv), its first line the verdict counts."
    )


def run_paper_compare(step: PaperCompare) -> None:
    """Put the numbers Naddeo et al. 2026 and its companions publish beside this run's."""
    from mirscope.report.paper import compare, summary_line

    _need(step.outdir, "--outdir")
    _need(step.clinical, "--clinical")
    _need(step.source_clinical, "--source-clinical")
    table = compare(
        step.outdir,
        step.clinical,
        source_clinical=step.source_clinical,
        de_lfc=step.de_lfc,
        de_p=step.de_p,
    )
    write_tsv(table, step.out, comments=[summary_line(table)])


@dataclass(frozen=True, kw_only=True)
class ReportTables:
    tables: tuple[ReportTable, ...] = param(
        REQUIRED,
        flag="--table",
        nargs=3,
        metavar="TSV HTML TITLE",
        help="A table to render, the HTML page to write and the page's title; repeatable.",
    )
    outdir: str = _outdir(
        "The run's output directory: paths are shown, and looked up in the docs, relative to it."
    )
    docs: str | None = param(
        None,
        role="input",
        exists=True,
        help="docs/outputs.md, whose row for each table is shown as its column documentation.",
    )


def run_report_tables(step: ReportTables) -> None:
    """Render result TSVs as sortable, self-contained HTML pages (the TSVs are kept)."""
    from mirscope.report.tables import find_column_doc, render_table_page

    _need(step.docs, "--docs")
    outputs_md = Path(step.docs).read_text(encoding="utf-8") if step.docs else ""
    for table in step.tables:
        _need(table.tsv, "--table")
        relpath = Path(os.path.relpath(table.tsv, step.outdir)).as_posix()
        html = render_table_page(
            read_tsv_cells(table.tsv),
            summary=tsv_comments(table.tsv),
            title=table.title,
            relpath=relpath,
            tsv_bytes=Path(table.tsv).read_bytes(),
            doc=find_column_doc(outputs_md, relpath),
        )
        write_text(table.page, html)


@dataclass(frozen=True, kw_only=True)
class ReportFigures:
    outdir: str = _outdir(
        "The run's output directory: each copy goes to report/ under it, at the figure's path."
    )
    figures: tuple[str, ...] = param(
        REQUIRED,
        role="input",
        argument=True,
        exists=True,
        help="The figures (PNG) to copy.",
    )


def run_report_figures(step: ReportFigures) -> None:
    """Write the report's copies of figures as 256-colour PNGs of the same size."""
    from mirscope.report.embed import write_palette_png

    for source in step.figures:
        _need(source, "FIGURES")
        write_palette_png(source, Path(step.outdir, "report", os.path.relpath(source, step.outdir)))


@dataclass(frozen=True, kw_only=True)
class ReportEmbed:
    page: str = param(
        REQUIRED, role="input", exists=True, help="The HTML page to carry (MultiQC's)."
    )
    out: str = _out("The small page to write.")
    title: str = param(REQUIRED, help="What the page is, shown while it opens.")
    standalone: str = param(
        REQUIRED,
        help="The page's path under the output directory, named for a browser that cannot "
        "inflate it.",
    )


def run_report_embed(step: ReportEmbed) -> None:
    """Carry an HTML page too large for the report gzipped inside a small one."""
    from mirscope.report.embed import write_inflating_page

    _need(step.page, "--page")
    write_inflating_page(step.page, step.out, title=step.title, standalone=step.standalone)


@dataclass(frozen=True, kw_only=True)
class ReportLanding:
    intro: str = param(
        REQUIRED,
        role="input",
        exists=True,
        help="The introduction (reST, workflow/report/workflow.rst).",
    )
    title: str = param(REQUIRED, help="The report's title, for the browser tab.")
    sections: tuple[str, ...] = param(
        (), flag="--section", help="A report section, in reading order; repeatable."
    )
    compare: str | None = param(
        None,
        role="input",
        exists=True,
        help="tables/paper_vs_reanalysis.tsv, whose verdict counts the page shows.",
    )
    compare_section: str | None = param(
        None, help="The report section holding the paper comparison."
    )
    out: str = _out("The reST page to write.")


def run_report_landing(step: ReportLanding) -> None:
    """Write the report's landing page (its `report:` description) from this run."""
    from mirscope.report.landing import landing_rst

    _need(step.intro, "--intro")
    _need(step.compare, "--compare")
    text = landing_rst(
        Path(step.intro).read_text(encoding="utf-8"),
        title=step.title,
        sections=step.sections,
        summary=tsv_comments(step.compare) if step.compare else (),
        comparison_section=step.compare_section,
    )
    write_text(step.out, text)


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "paper-compare": (PaperCompare, run_paper_compare),
    "report-tables": (ReportTables, run_report_tables),
    "report-figures": (ReportFigures, run_report_figures),
    "report-embed": (ReportEmbed, run_report_embed),
    "report-landing": (ReportLanding, run_report_landing),
}

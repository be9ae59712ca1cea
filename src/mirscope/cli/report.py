"""`mirscope paper-compare`: the paper's published numbers beside this run's values;
`mirscope report-tables`: result tables as HTML pages for the Snakemake report."""

from __future__ import annotations

from pathlib import Path

import click

from mirscope.io import read_tsv_cells, write_text, write_tsv


@click.command("paper-compare")
@click.option(
    "--outdir",
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="The run's output directory (config `outdir`).",
)
@click.option(
    "--clinical",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The run's clinical table (cohort counts).",
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output TSV (tables/paper_vs_reanalysis.tsv).",
)
def paper_compare(outdir: str, clinical: str | None, out_path: str) -> None:
    """Put every number Naddeo et al. 2026 publish beside this run's value."""
    from mirscope.report.paper import compare

    write_tsv(compare(outdir, clinical), out_path)


@click.command("report-tables")
@click.option(
    "--table",
    "tables",
    multiple=True,
    required=True,
    nargs=3,
    type=(click.Path(exists=True, dir_okay=False), click.Path(dir_okay=False), str),
    metavar="TSV HTML TITLE",
    help="A table to render, the HTML page to write and the page's title; repeatable.",
)
@click.option(
    "--outdir",
    required=True,
    type=click.Path(file_okay=False),
    help="The run's output directory: paths are shown, and looked up in the docs, relative to it.",
)
@click.option(
    "--docs",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="docs/outputs.md, whose row for each table is shown as its column documentation.",
)
def report_tables(tables: tuple[tuple[str, str, str], ...], outdir: str, docs: str | None) -> None:
    """Render result TSVs as sortable, self-contained HTML pages (the TSVs are kept)."""
    import os

    from mirscope.report.tables import find_column_doc, render_table_page

    outputs_md = Path(docs).read_text(encoding="utf-8") if docs else ""
    for tsv, page, title in tables:
        relpath = Path(os.path.relpath(tsv, outdir)).as_posix()
        html = render_table_page(
            read_tsv_cells(tsv),
            title=title,
            relpath=relpath,
            tsv_bytes=Path(tsv).read_bytes(),
            doc=find_column_doc(outputs_md, relpath),
        )
        write_text(page, html)


COMMANDS = [paper_compare, report_tables]

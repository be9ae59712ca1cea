"""`mirscope paper-compare`: the paper's published numbers beside this run's values;
`mirscope report-tables`, `report-figures`, `report-embed` and `report-landing`: what the
Snakemake report embeds (table pages, figures, MultiQC) and the page it opens on."""

from __future__ import annotations

from pathlib import Path

import click

from mirscope.io import read_tsv_cells, tsv_comments, write_text, write_tsv


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
    "--source-clinical",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The clinical table as the config names it, if --clinical is a copy: the "
    "simulator's truth/ beside it marks the demo cohort, whose fixed rows read `input`.",
)
@click.option(
    "--de-lfc",
    default=1.0,
    show_default=True,
    type=float,
    help="|log2FC| threshold of the DE rule (config de.lfc_threshold).",
)
@click.option(
    "--de-p",
    default=0.05,
    show_default=True,
    type=float,
    help="Raw p cut of the DE rule (config de.p_threshold).",
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output TSV (tables/paper_vs_reanalysis.tsv), its first line the verdict counts.",
)
def paper_compare(
    outdir: str,
    clinical: str | None,
    source_clinical: str | None,
    de_lfc: float,
    de_p: float,
    out_path: str,
) -> None:
    """Put the numbers Naddeo et al. 2026 and its companions publish beside this run's."""
    from mirscope.report.paper import compare, summary_line

    table = compare(outdir, clinical, source_clinical=source_clinical, de_lfc=de_lfc, de_p=de_p)
    write_tsv(table, out_path, comments=[summary_line(table)])


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
            summary=tsv_comments(tsv),
            title=title,
            relpath=relpath,
            tsv_bytes=Path(tsv).read_bytes(),
            doc=find_column_doc(outputs_md, relpath),
        )
        write_text(page, html)


@click.command("report-figures")
@click.option(
    "--outdir",
    required=True,
    type=click.Path(file_okay=False),
    help="The run's output directory: each copy goes to report/ under it, at the figure's path.",
)
@click.argument("figures", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def report_figures(outdir: str, figures: tuple[str, ...]) -> None:
    """Write the report's copies of figures as 256-colour PNGs of the same size."""
    import os

    from mirscope.report.embed import write_palette_png

    for source in figures:
        write_palette_png(source, Path(outdir, "report", os.path.relpath(source, outdir)))


@click.command("report-embed")
@click.option(
    "--page",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The HTML page to carry (MultiQC's).",
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The small page to write.",
)
@click.option("--title", required=True, help="What the page is, shown while it opens.")
@click.option(
    "--standalone",
    required=True,
    help="The page's path under the output directory, named for a browser that cannot inflate it.",
)
def report_embed(page: str, out_path: str, title: str, standalone: str) -> None:
    """Carry an HTML page too large for the report gzipped inside a small one."""
    from mirscope.report.embed import write_inflating_page

    write_inflating_page(page, out_path, title=title, standalone=standalone)


@click.command("report-landing")
@click.option(
    "--intro",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The introduction (reST, workflow/report/workflow.rst).",
)
@click.option("--title", required=True, help="The report's title, for the browser tab.")
@click.option(
    "--section", "sections", multiple=True, help="A report section, in reading order; repeatable."
)
@click.option(
    "--compare",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="tables/paper_vs_reanalysis.tsv, whose verdict counts the page shows.",
)
@click.option(
    "--compare-section", default=None, help="The report section holding the paper comparison."
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The reST page to write.",
)
def report_landing(
    intro: str,
    title: str,
    sections: tuple[str, ...],
    compare: str | None,
    compare_section: str | None,
    out_path: str,
) -> None:
    """Write the report's landing page (its `report:` description) from this run."""
    from mirscope.report.landing import landing_rst

    text = landing_rst(
        Path(intro).read_text(encoding="utf-8"),
        title=title,
        sections=sections,
        summary=tsv_comments(compare) if compare else (),
        comparison_section=compare_section,
    )
    write_text(out_path, text)


COMMANDS = [paper_compare, report_tables, report_figures, report_embed, report_landing]

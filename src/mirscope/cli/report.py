"""`mirscope paper-compare`: the paper's published numbers beside this run's values."""

from __future__ import annotations

import click

from mirscope.io import write_tsv


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


COMMANDS = [paper_compare]

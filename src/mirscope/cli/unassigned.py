"""Unassigned-insert QC commands: per sample, then the cohort table, figure and MultiQC files."""

from __future__ import annotations

import logging

import click

from mirscope.errors import InputError

log = logging.getLogger(__name__)


@click.command("unassigned")
@click.option("--sample-id", required=True, help="Sample id written into the outputs.")
@click.option(
    "--molecules",
    required=True,
    type=click.Path(dir_okay=False),
    help="The sample's molecules table from `mirscope trim`.",
)
@click.option("--isomirs", required=True, type=click.Path(dir_okay=False), help="count's isomiRs.")
@click.option(
    "--top",
    "top_n",
    default=50,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many of the most frequent unassigned inserts to list.",
)
@click.option(
    "--top-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="TSV of the top unassigned inserts.",
)
@click.option(
    "--json-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="JSON summary: assigned fraction and length distributions.",
)
def unassigned_cmd(sample_id, molecules, isomirs, top_n, top_out, json_out) -> None:
    """Most frequent unassigned inserts, lengths and assigned fraction of one sample."""
    from mirscope.stages.unassigned import sample_unassigned

    s = sample_unassigned(sample_id, molecules, isomirs, top_out, json_out, top_n=top_n)
    log.info("%s: assigned molecule fraction %s", sample_id, s["assigned_molecule_fraction"])


@click.command("unassigned-qc")
@click.option(
    "--summary",
    "summaries",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="A per-sample unassigned JSON summary (repeat per sample).",
)
@click.option(
    "--top",
    "tops",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="A per-sample top-inserts TSV (repeat per sample).",
)
@click.option(
    "--outdir",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory for the cohort tables, figure and MultiQC content.",
)
def unassigned_qc_cmd(summaries, tops, outdir) -> None:
    """Cohort table, figure and MultiQC content from the per-sample outputs (sheet order)."""
    from mirscope.stages.unassigned import build_unassigned_qc

    if len(summaries) != len(tops):
        raise InputError(
            "give one --summary and one --top per sample",
            value=f"{len(summaries)} summaries, {len(tops)} tables",
        )
    build_unassigned_qc(list(summaries), list(tops), outdir)


COMMANDS = [unassigned_cmd, unassigned_qc_cmd]

"""`mirscope expression`: CPM and VST tables from the count matrices."""

from __future__ import annotations

from pathlib import Path

import click

_MATRIX = click.Path(dir_okay=False, exists=True, path_type=Path)


@click.command("expression")
@click.option("--mature-umi", required=True, type=_MATRIX, help="mature_umi_counts.tsv.")
@click.option("--mature-read", required=True, type=_MATRIX, help="mature_read_counts.tsv.")
@click.option("--hairpin-umi", required=True, type=_MATRIX, help="hairpin_umi_counts.tsv.")
@click.option("--hairpin-read", required=True, type=_MATRIX, help="hairpin_read_counts.tsv.")
@click.option(
    "--outdir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the four *_cpm.tsv tables and mature_umi_vst.tsv.",
)
def expression(
    mature_umi: Path, mature_read: Path, hairpin_umi: Path, hairpin_read: Path, outdir: Path
) -> None:
    """CPM of each count matrix and DESeq2's blind VST of the mature UMI counts."""
    from mirscope.stages.expression import build_expression

    build_expression(
        {
            "mature_umi": mature_umi,
            "mature_read": mature_read,
            "hairpin_umi": hairpin_umi,
            "hairpin_read": hairpin_read,
        },
        outdir,
    )


COMMANDS = [expression]

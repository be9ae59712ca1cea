"""`mirscope trim` (one sample) and `mirscope qc` (the run): parse options, call the package.

The package modules are imported inside the commands: `mirscope trim` runs once per sample
and its start-up time (pandas, matplotlib) would otherwise rival the trimming itself.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from mirscope.inputs.defaults import config_choices, config_default

log = logging.getLogger(__name__)


@click.command()
@click.argument(
    "fastq",
    nargs=-1,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
)
@click.option("--sample", required=True, help="Sample ID (used in messages and the stats).")
@click.option(
    "--preset",
    type=click.Choice(config_choices("preset")),
    default=config_default("preset"),
    show_default=True,
    help="Kit preset giving defaults for the options below (the workflow's `preset` default).",
)
@click.option("--adapter", default=None, help="3' adapter sequence (overrides the preset).")
@click.option("--umi-length", type=int, default=None, help="UMI length after the adapter.")
@click.option("--clip-5p", type=int, default=None, help="Bases clipped from the insert's 5' end.")
@click.option("--clip-3p", type=int, default=None, help="Bases clipped from the insert's 3' end.")
@click.option("--min-length", type=int, default=None, help="Shortest insert kept.")
@click.option("--max-error-rate", type=float, default=None, help="Adapter error rate (-e).")
@click.option("--min-overlap", type=int, default=None, help="Minimum adapter overlap (-O).")
@click.option(
    "--molecules",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output: unique (insert, umi) molecules with read counts (TSV.gz).",
)
@click.option(
    "--stats",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output: read classes and insert length histogram (JSON).",
)
@click.option(
    "--inserts",
    "inserts_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Optional output: the unique inserts as FASTA named by sequence (bowtie's input).",
)
@click.option(
    "--trimmed-fastq",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Optional output: valid inserts as FASTQ.gz, UMI in the read name (umi_tools style).",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="2 or more: count molecules in a second process while this one trims.",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Only warn (instead of failing) when the sample has no valid read or its adapter "
    "is in under 5% of reads.",
)
def trim(
    fastq: tuple[Path, ...],
    sample: str,
    preset: str,
    adapter: str | None,
    umi_length: int | None,
    clip_5p: int | None,
    clip_3p: int | None,
    min_length: int | None,
    max_error_rate: float | None,
    min_overlap: int | None,
    molecules: Path,
    stats: Path,
    inserts_out: Path | None,
    trimmed_fastq: Path | None,
    threads: int,
    allow_empty: bool,
) -> None:
    """Trim the 3' adapter, extract the UMI, classify reads and collapse to molecules.

    FASTQ: the sample's FASTQ or FASTQ.gz files (gzip recognised by content); several
    (lanes or runs of one library) are read in the order given, as one file.
    """
    from mirscope.reads.trim import TrimSettings
    from mirscope.stages.trim import trim_fastq

    settings = TrimSettings.from_preset(
        preset,
        adapter=adapter,
        umi_length=umi_length,
        clip_5p=clip_5p,
        clip_3p=clip_3p,
        min_length=min_length,
        max_error_rate=max_error_rate,
        min_overlap=min_overlap,
    )
    log.info("trimming %s (%s) with %s", sample, ", ".join(map(str, fastq)), settings)
    trim_fastq(
        list(fastq),
        settings,
        sample=sample,
        molecules_out=molecules,
        stats_out=stats,
        trimmed_fastq=trimmed_fastq,
        inserts_out=inserts_out,
        threads=threads,
        allow_empty=allow_empty,
    )


@click.command()
@click.option(
    "--trim-stats",
    "trim_stats",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A sample's trim.json (repeat; order = table order).",
)
@click.option(
    "--align-stats",
    "align_stats",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Counting stage's <sample>.align_stats.json (repeat; optional).",
)
@click.option(
    "--outdir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for qc_summary.tsv, plots and MultiQC custom content.",
)
def qc(trim_stats: tuple[Path, ...], align_stats: tuple[Path, ...], outdir: Path) -> None:
    """Per-sample QC table, plots and MultiQC custom-content files for the run."""
    from mirscope.stages.qc import build_qc

    build_qc(list(trim_stats), list(align_stats), outdir)


COMMANDS = [trim, qc]

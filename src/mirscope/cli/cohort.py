"""Cohort commands: ``mirscope simulate`` writes the demo cohort (see mirscope.simulate)."""

from __future__ import annotations

import click

from mirscope.simulate import PRESETS, refresh_companion, simulate_cohort


@click.command("simulate")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="Output directory; samples.tsv lists FASTQ paths under it exactly as given.",
)
@click.option(
    "--seed",
    required=True,
    type=click.IntRange(min=0),
    help="Random seed (same seed, same bytes).",
)
@click.option(
    "--reads-per-sample",
    default=20_000,
    show_default=True,
    type=click.IntRange(min=100),
    help="Mean reads per sample (each library's depth varies around it).",
)
@click.option(
    "--patients",
    default=53,
    show_default=True,
    type=click.IntRange(min=4),
    help="Number of patients (53 gives the paper's exact marginals; others are scaled).",
)
@click.option(
    "--read-length", default=75, show_default=True, type=click.IntRange(min=50), help="Read length."
)
@click.option(
    "--preset",
    default="qiaseq",
    show_default=True,
    type=click.Choice(PRESETS),
    help="Library kit: qiaseq (adapter + 12-nt UMI), illumina (TruSeq), nextflex (4N ends).",
)
@click.option(
    "--companion-only",
    is_flag=True,
    help="Only rewrite the companion-study tables from OUT/clinical.tsv (no reads).",
)
def simulate(
    out: str,
    seed: int,
    reads_per_sample: int,
    patients: int,
    read_length: int,
    preset: str,
    companion_only: bool,
) -> None:
    """Simulate a demo cohort with the design of Naddeo et al. 2026."""
    if companion_only:
        refresh_companion(out, seed)
        click.echo(f"rewrote the companion tables in {out}")
        return
    sheet = simulate_cohort(
        out,
        seed,
        n_patients=patients,
        reads_per_sample=reads_per_sample,
        read_length=read_length,
        preset=preset,
    )
    click.echo(f"simulated {len(sheet)} samples into {out}")


COMMANDS = [simulate]

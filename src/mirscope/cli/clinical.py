"""``mirscope clinical``: the canonical clinical table every statistics rule reads."""

from __future__ import annotations

import click

from mirscope.inputs.clinical import read_clinical, write_clinical
from mirscope.inputs.sheets import read_samples


@click.command("clinical")
@click.option(
    "--clinical",
    required=True,
    type=click.Path(dir_okay=False),
    help="The user's clinical table (TSV keyed by sample_id).",
)
@click.option(
    "--samples",
    required=True,
    type=click.Path(dir_okay=False),
    help="The sample sheet: one clinical row per sample, in its order.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Canonical clinical table to write (TSV).",
)
def clinical(clinical: str, samples: str, out: str) -> None:
    """Write the clinical table in canonical form, so every rule reads one meaning.

    Missing values (NA, NaN, empty, id-only rows), header and category case, comment
    lines, padded cells and column order are resolved here, once; the output has the
    schema's columns in schema order and one row per sample of the sheet.
    """
    sheet = read_samples(samples)
    write_clinical(read_clinical(clinical, list(sheet.index), samples_path=samples), out)


COMMANDS = [clinical]

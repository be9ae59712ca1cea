"""``mirscope validate``: check the config, the sample sheet and the clinical table, write nothing."""

from __future__ import annotations

import click

from mirscope.inputs.validate import validate_inputs


@click.command("validate")
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Workflow config (YAML); its `samples` and `clinical` tables are checked too.",
)
def validate(config_path: str) -> None:
    """Validate a config, its sample sheet and its clinical table before any work.

    Prints one summary line on success; the first problem found is reported as one line
    naming the file, row, column, bad value and what is allowed (exit code 1). Relative
    paths in the config are taken relative to the current directory, as Snakemake does.
    """
    from mirscope.fetch.reference import configured_mature_names

    summary = validate_inputs(config_path, reference_names=configured_mature_names)
    click.echo(summary.line())
    for note in summary.notes():
        click.echo(note, err=True)


COMMANDS = [validate]

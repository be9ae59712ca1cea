"""`mirscope provenance`: software versions, reference digests and the resolved config."""

from __future__ import annotations

import json
from pathlib import Path

import click

_FILE = click.Path(dir_okay=False, exists=True, path_type=Path)


def _tool_file(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]):
    out = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise click.BadParameter(f"expected NAME=FILE, got {value!r}", ctx, param)
        if not Path(path).is_file():
            raise click.BadParameter(f"file not found: {path}", ctx, param)
        out[name] = Path(path)
    return out


@click.command("provenance")
@click.option(
    "--config-json",
    required=True,
    help="The workflow's config mapping as JSON (defaults are filled in here).",
)
@click.option(
    "--config-source",
    default="config",
    show_default=True,
    help="Where the config came from (named in validation messages).",
)
@click.option(
    "--tool-version",
    "tools",
    multiple=True,
    callback=_tool_file,
    metavar="NAME=FILE",
    help="A tool's saved `--version` output, e.g. bowtie=bowtie.txt (repeat).",
)
@click.option(
    "--snakemake-version",
    required=True,
    help="Version of the Snakemake that runs the workflow.",
)
@click.option("--species", required=True, help="miRBase species code of the reference (hsa).")
@click.option(
    "--manifest", required=True, type=_FILE, help="<species>_manifest.tsv of `mirscope reference`."
)
@click.option(
    "--reference",
    "reference_files",
    multiple=True,
    type=_FILE,
    help="A prepared reference file to fingerprint with SHA-256 (repeat).",
)
@click.option(
    "--gff3", type=_FILE, default=None, help="Reference GFF3 whose header names the release."
)
@click.option(
    "--outdir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for software_versions.yml and config_resolved.yaml.",
)
@click.option(
    "--multiqc-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory for the MultiQC custom-content files (none written without it).",
)
def provenance(
    config_json, config_source, tools, snakemake_version, species, manifest, reference_files,
    gff3, outdir, multiqc_dir,
) -> None:  # fmt: skip
    """Record software versions, miRBase release and digests, and the resolved config."""
    from mirscope.errors import InputError
    from mirscope.stages.provenance import write_provenance

    try:
        config = json.loads(config_json)
    except json.JSONDecodeError as exc:
        raise InputError(f"--config-json is not valid JSON: {exc}") from exc
    write_provenance(
        config=config,
        config_source=config_source,
        tool_outputs={n: p.read_text(errors="replace") for n, p in tools.items()},
        snakemake_version=snakemake_version,
        species=species,
        manifest=manifest,
        reference_files=list(reference_files),
        gff3=gff3,
        outdir=outdir,
        multiqc_dir=multiqc_dir,
    )


COMMANDS = [provenance]

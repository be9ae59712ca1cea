"""mirGFF3 commands: one sample's isomiRs, and the cohort file merged from them."""

from __future__ import annotations

import logging

import click

from mirscope.errors import InputError

log = logging.getLogger(__name__)

_DATABASE = click.option(
    "--database",
    default="miRBase",
    show_default=True,
    help="Reference named in the header's source-ontology (e.g. miRBase22).",
)


@click.command("mirgff3")
@click.option("--sample-id", required=True, help="Sample id written as the COLDATA column.")
@click.option(
    "--molecules",
    required=True,
    type=click.Path(dir_okay=False),
    help="The sample's molecules table from `mirscope trim`.",
)
@click.option("--bam", required=True, type=click.Path(dir_okay=False), help="bowtie BAM.")
@click.option("--hairpin", required=True, type=click.Path(dir_okay=False), help="Hairpin FASTA.")
@click.option("--loci", required=True, type=click.Path(dir_okay=False), help="Mature loci TSV.")
@click.option("--isomirs", required=True, type=click.Path(dir_okay=False), help="count's isomiRs.")
@click.option("--mature", required=True, type=click.Path(dir_okay=False), help="count's matures.")
@click.option("--tol5", default=3, show_default=True, help="As given to `mirscope count`.")
@click.option("--tol3", default=3, show_default=True, help="As given to `mirscope count`.")
@_DATABASE
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="mirGFF3.")
def mirgff3_cmd(
    sample_id, molecules, bam, hairpin, loci, isomirs, mature, tol5, tol3, database, out
) -> None:  # fmt: skip
    """Write one sample's counted isomiRs as mirGFF3 (Expression: UMI-deduplicated molecules)."""
    from mirscope.counts.assign import Assigner
    from mirscope.stages.mirgff3 import sample_gff

    assigner = Assigner.from_files(hairpin, loci, tol5=tol5, tol3=tol3)
    features = sample_gff(
        sample_id, molecules, bam, isomirs, mature, assigner, out, database=database
    )
    log.info("%s: %d mirGFF3 lines -> %s", sample_id, len(features), out)


@click.command("mirgff3-merge")
@click.option("--sample-id", "sample_ids", multiple=True, required=True, help="In sheet order.")
@click.option(
    "--gff",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="A per-sample mirGFF3, once per --sample-id, in the same order.",
)
@_DATABASE
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="mirGFF3.")
def mirgff3_merge_cmd(sample_ids, gff, database, out) -> None:
    """Merge per-sample mirGFF3 files into one with a column per sample id."""
    from mirscope.stages.mirgff3 import merge_gff

    if len(sample_ids) != len(gff):
        raise InputError(
            "give one --gff per --sample-id", value=f"{len(sample_ids)} ids, {len(gff)} files"
        )
    merge_gff(list(sample_ids), list(gff), out, database=database)


COMMANDS = [mirgff3_cmd, mirgff3_merge_cmd]

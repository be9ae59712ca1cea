"""Counting commands: unique inserts, their alignment, per-sample counts, merged matrices."""

from __future__ import annotations

import logging

import click

from mirscope.errors import InputError

log = logging.getLogger(__name__)


@click.command("inserts")
@click.argument("molecules", type=click.Path(dir_okay=False))
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="FASTA.")
def inserts_cmd(molecules: str, out: str) -> None:
    """Write the unique inserts of a MOLECULES table as FASTA (named by sequence) for bowtie."""
    from mirscope.counts.align import write_inserts_fasta
    from mirscope.counts.count import read_molecules_compact

    n = write_inserts_fasta(read_molecules_compact(molecules).inserts, out)
    log.info("%s: %d unique inserts -> %s", molecules, n, out)


@click.command("align")
@click.argument("fasta", type=click.Path(exists=True, dir_okay=False))
@click.option("--index", required=True, help="bowtie -x prefix of the hairpin index.")
@click.option("--bam", required=True, type=click.Path(dir_okay=False), help="Output BAM.")
@click.option(
    "--unaligned",
    type=click.Path(dir_okay=False),
    default=None,
    help="Keep pass 1's unaligned inserts (FASTA) here.",
)
@click.option("--pass1", type=click.Path(dir_okay=False), default=None, help="Keep pass 1's BAM.")
@click.option("--pass2", type=click.Path(dir_okay=False), default=None, help="Keep pass 2's BAM.")
def align_cmd(fasta, index, bam, unaligned, pass1, pass2) -> None:
    """Align the unique inserts of FASTA to the hairpins with bowtie, in two passes.

    One bowtie thread, always: the BAM is then the same bytes on every run.
    """
    from mirscope.counts.align import align_inserts

    align_inserts(fasta, index, bam, unaligned=unaligned, pass1=pass1, pass2=pass2)
    log.info("%s -> %s", fasta, bam)


@click.command("count")
@click.option("--sample-id", required=True, help="Sample id written into the stats.")
@click.option(
    "--molecules",
    required=True,
    type=click.Path(dir_okay=False),
    help="The sample's molecules table from `mirscope trim` (TSV.gz).",
)
@click.option("--bam", required=True, type=click.Path(dir_okay=False), help="bowtie BAM.")
@click.option("--hairpin", required=True, type=click.Path(dir_okay=False), help="Hairpin FASTA.")
@click.option("--loci", required=True, type=click.Path(dir_okay=False), help="Mature loci TSV.")
@click.option("--tol5", default=3, show_default=True, help="5' end tolerance (nt).")
@click.option("--tol3", default=3, show_default=True, help="Templated 3' end tolerance (nt).")
@click.option(
    "--umi-collision-correction/--no-umi-collision-correction",
    default=True,
    show_default=True,
    help="Add back molecules merged only because their random UMIs are 1 substitution apart.",
)
@click.option(
    "--resolve-ambiguous/--no-resolve-ambiguous",
    default=True,
    show_default=True,
    help="Give inserts fitting several matures equally to a clearly dominant candidate.",
)
@click.option(
    "--ambiguous-min-ratio",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=1.0),
    help="How many times the runner-up's reads the dominant candidate needs.",
)
@click.option(
    "--mature-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: reads and UMIs per mature miRNA (TSV).",
)
@click.option(
    "--hairpin-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: reads and UMIs per hairpin (TSV).",
)
@click.option(
    "--isomir-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: one row per aligned insert with its isomiR label (TSV).",
)
@click.option(
    "--stats-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: alignment and UMI statistics for QC (JSON).",
)
def count_cmd(
    sample_id, molecules, bam, hairpin, loci, tol5, tol3, umi_collision_correction,
    resolve_ambiguous, ambiguous_min_ratio, mature_out, hairpin_out, isomir_out, stats_out,
) -> None:  # fmt: skip
    """Count reads and UMI-corrected molecules per mature miRNA, hairpin and isomiR."""
    from mirscope.counts.assign import Assigner
    from mirscope.stages.count import write_sample_counts

    assigner = Assigner.from_files(hairpin, loci, tol5=tol5, tol3=tol3)
    stats = write_sample_counts(
        molecules,
        bam,
        assigner,
        sample_id=sample_id,
        mature_out=mature_out,
        hairpin_out=hairpin_out,
        isomir_out=isomir_out,
        stats_out=stats_out,
        correct_collisions=umi_collision_correction,
        resolve_ambiguous=resolve_ambiguous,
        ambiguous_min_ratio=ambiguous_min_ratio,
    )
    log.info("%s: %s", sample_id, stats)


@click.command("matrix")
@click.option("--sample-id", "sample_ids", multiple=True, required=True, help="In sheet order.")
@click.option(
    "--mature",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="A sample's <sample>.mature.tsv (repeat, in --sample-id order).",
)
@click.option(
    "--hairpin",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="A sample's <sample>.hairpin.tsv (repeat, in --sample-id order).",
)
@click.option(
    "--isomirs",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="A sample's <sample>.isomirs.tsv (repeat, in --sample-id order).",
)
@click.option(
    "--outdir",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory for the four count matrices and isomir_counts.tsv.",
)
@click.option(
    "--drop-empty",
    is_flag=True,
    help="Leave samples without a counted read out of the matrices, with a warning naming "
    "them (the workflow's trimming.allow_empty_samples).",
)
def matrix_cmd(sample_ids, mature, hairpin, isomirs, outdir, drop_empty) -> None:
    """Merge per-sample count tables into count matrices (one column per sample id)."""
    import warnings

    import pandas as pd

    from mirscope.errors import MirscopeWarning
    from mirscope.stages.count import write_matrices

    if not (len(sample_ids) == len(mature) == len(hairpin) == len(isomirs)):
        raise InputError(
            "give one --mature, --hairpin and --isomirs per --sample-id",
            value=f"{len(sample_ids)} ids, {len(mature)}/{len(hairpin)}/{len(isomirs)} tables",
        )
    rows = list(zip(sample_ids, mature, hairpin, isomirs, strict=True))
    if drop_empty:
        # An all-zero column would be analysed as a patient with no expression at all.
        empty = [r[0] for r in rows if pd.read_csv(r[1], sep="\t")["reads"].sum() == 0]
        if empty:
            message = (
                f"{len(empty)} sample(s) without counted reads left out of the count "
                f"matrices and statistics: {', '.join(empty)}"
            )
            log.warning(message)
            warnings.warn(message, MirscopeWarning, stacklevel=1)
        rows = [r for r in rows if r[0] not in empty]
        if not rows:
            raise InputError("no sample has counted reads", value=", ".join(sample_ids))
    ids, mat, hp, iso = (list(c) for c in zip(*rows, strict=True))
    write_matrices(ids, mat, hp, iso, outdir)


COMMANDS = [inserts_cmd, align_cmd, count_cmd, matrix_cmd]

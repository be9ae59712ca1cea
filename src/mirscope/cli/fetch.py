"""Commands that fetch inputs: reads from SRA/ENA (``download``) and miRBase (``reference``)."""

from __future__ import annotations

import logging

import click

from mirscope.fetch.download import download_accession
from mirscope.fetch.reference import MIRBASE_URL, prepare_reference


def _log_progress() -> None:
    """Progress lines are the point of these commands: log INFO even without -v."""
    logger = logging.getLogger("mirscope")
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)


@click.command()
@click.option(
    "--accession", required=True, help="Run (SRR/ERR/DRR) or BioSample (SAMN/SAMEA/SAMD)."
)
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False), help="Output FASTQ.gz."
)
@click.option(
    "--backend",
    type=click.Choice(["ena", "sra-tools"]),
    default="ena",
    show_default=True,
    help="ENA portal + HTTPS with MD5 check, or NCBI prefetch + fasterq-dump.",
)
@click.option(
    "--ena-portal",
    default="https://www.ebi.ac.uk/ena/portal/api",
    show_default=True,
    help="ENA portal API base URL.",
)
@click.option(
    "--scheme",
    type=click.Choice(["https", "http", "ftp"]),
    default="https",
    show_default=True,
    help="Protocol put in front of ENA's scheme-less fastq_ftp paths.",
)
@click.option(
    "--retries",
    type=click.IntRange(0),
    default=5,
    show_default=True,
    help="Attempts per file after the first failure.",
)
@click.option(
    "--backoff",
    type=click.FloatRange(0),
    default=2.0,
    show_default=True,
    help="Seconds before the first retry; doubles each retry.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(1),
    default=60.0,
    show_default=True,
    help="Seconds without data before a connection is retried.",
)
@click.option(
    "--progress-every",
    type=click.FloatRange(0),
    default=10.0,
    show_default=True,
    help="Seconds between progress lines.",
)
@click.option(
    "--threads",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Threads for fasterq-dump and pigz (sra-tools backend).",
)
def download(
    accession: str,
    out: str,
    backend: str,
    ena_portal: str,
    scheme: str,
    retries: int,
    backoff: float,
    timeout: float,
    progress_every: float,
    threads: int,
) -> None:
    """Download one accession's reads (all its runs, read 1) into one FASTQ.gz."""
    _log_progress()
    download_accession(
        accession,
        out,
        backend=backend,
        portal=ena_portal,
        scheme=scheme,
        threads=threads,
        retries=retries,
        backoff=backoff,
        timeout=timeout,
        progress_every=progress_every,
    )


@click.command()
@click.option("--species", default="hsa", show_default=True, help="miRBase species prefix.")
@click.option("--mature", default="auto", show_default=True, help="Mature FASTA or 'auto'.")
@click.option("--hairpin", default="auto", show_default=True, help="Hairpin FASTA or 'auto'.")
@click.option("--gff3", default="auto", show_default=True, help="miRBase GFF3 or 'auto'.")
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output directory."
)
@click.option(
    "--mirbase-url",
    default=MIRBASE_URL,
    show_default=True,
    help="Where 'auto' downloads from when optimir lacks the species.",
)
@click.option(
    "--download-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Cache for downloaded miRBase files [default: OUT/mirbase_download].",
)
@click.option("--sha256-mature", default=None, help="Expected SHA-256 of the mature download.")
@click.option("--sha256-hairpin", default=None, help="Expected SHA-256 of the hairpin download.")
@click.option("--sha256-gff3", default=None, help="Expected SHA-256 of the GFF3 download.")
@click.option(
    "--retries",
    type=click.IntRange(0),
    default=5,
    show_default=True,
    help="Download attempts per miRBase file after the first failure.",
)
@click.option(
    "--backoff",
    type=click.FloatRange(0),
    default=2.0,
    show_default=True,
    help="Seconds before the first retry, doubled at each further one.",
)
def reference(
    species: str,
    mature: str,
    hairpin: str,
    gff3: str,
    out_dir: str,
    mirbase_url: str,
    download_dir: str | None,
    sha256_mature: str | None,
    sha256_hairpin: str | None,
    sha256_gff3: str | None,
    retries: int,
    backoff: float,
) -> None:
    """Write a species' miRBase reference: FASTA (U->T), mature loci, GFF3, manifest."""
    _log_progress()
    prepare_reference(
        out_dir,
        species,
        mature,
        hairpin,
        gff3,
        download_dir=download_dir,
        mirbase_url=mirbase_url,
        sha256={"mature": sha256_mature, "hairpin": sha256_hairpin, "gff3": sha256_gff3},
        retries=retries,
        backoff=backoff,
    )


COMMANDS = [download, reference]

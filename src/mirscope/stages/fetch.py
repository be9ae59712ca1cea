"""Fetching inputs: reads from SRA/ENA, the miRBase reference.

Fetch stage: one accession's reads from SRA/ENA (``download``) and a species' miRBase
reference (``reference``).

Each step is declared once here (:mod:`mirscope.params`); the commands ``mirscope download``
and ``mirscope reference`` and the download and reference rules both derive from the
declarations. The transfers themselves are :mod:`mirscope.fetch.download` and
:mod:`mirscope.fetch.reference`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mirscope.fetch.download import download_accession
from mirscope.fetch.reference import MIRBASE_URL, prepare_reference
from mirscope.params import REQUIRED, param


def _log_progress() -> None:
    """Progress lines are the point of these commands: log INFO even without -v."""
    logger = logging.getLogger("mirscope")
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)


def _retries(help_text: str, config: str | None = None) -> int:
    return param(5, min=0, config=config, help=help_text)


def _backoff(help_text: str, config: str | None = None) -> float:
    return param(2.0, min=0, config=config, help=help_text)


@dataclass(frozen=True)
class Download:
    accession: str = param(REQUIRED, help="Run (SRR/ERR/DRR) or BioSample (SAMN/SAMEA/SAMD).")
    out: str = param(REQUIRED, role="output", help="Output FASTQ.gz.")
    backend: str = param(
        "ena",
        choices=("ena", "sra-tools"),
        config="download.backend",
        help="ENA portal + HTTPS with MD5 check, or NCBI prefetch + fasterq-dump.",
    )
    ena_portal: str = param(
        "https://www.ebi.ac.uk/ena/portal/api",
        config="download.ena_portal",
        help="ENA portal API base URL.",
    )
    scheme: str = param(
        "https",
        choices=("https", "http", "ftp"),
        config="download.scheme",
        help="Protocol put in front of ENA's scheme-less fastq_ftp paths.",
    )
    retries: int = _retries("Attempts per file after the first failure.", "download.retries")
    backoff: float = _backoff(
        "Seconds before the first retry; doubles each retry.", "download.backoff"
    )
    timeout: float = param(
        60.0,
        min=1,
        config="download.timeout",
        help="Seconds without data before a connection is retried.",
    )
    progress_every: float = param(10.0, min=0, help="Seconds between progress lines.")
    threads: int = param(1, min=1, help="Threads for fasterq-dump and pigz (sra-tools backend).")


def run_download(step: Download) -> None:
    """Download one accession's reads (all its runs, read 1) into one FASTQ.gz."""
    _log_progress()
    download_accession(
        step.accession,
        step.out,
        backend=step.backend,
        portal=step.ena_portal,
        scheme=step.scheme,
        threads=step.threads,
        retries=step.retries,
        backoff=step.backoff,
        timeout=step.timeout,
        progress_every=step.progress_every,
    )


def _source(kind: str, what: str) -> str:
    return param("auto", config=f"reference.{kind}", help=f"{what} or 'auto'.")


def _sha256(kind: str, what: str) -> str | None:
    return param(
        None,
        flag=f"--sha256-{kind}",
        config=f"reference.sha256.{kind}",
        help=f"Expected SHA-256 of the {what} download.",
    )


@dataclass(frozen=True, kw_only=True)  # kw_only: options in their --help order
class Reference:
    species: str = param("hsa", config="reference.species", help="miRBase species prefix.")
    mature: str = _source("mature", "Mature FASTA")
    hairpin: str = _source("hairpin", "Hairpin FASTA")
    gff3: str = _source("gff3", "miRBase GFF3")
    out_dir: str = param(
        REQUIRED, flag="--out", role="output", directory=True, help="Output directory."
    )
    mirbase_url: str = param(
        MIRBASE_URL,
        config="reference.mirbase_url",
        help="Where 'auto' downloads from when optimir lacks the species.",
    )
    download_dir: str | None = param(
        None,
        directory=True,
        role="output",
        help="Cache for downloaded miRBase files [default: OUT/mirbase_download].",
    )
    sha256_mature: str | None = _sha256("mature", "mature")
    sha256_hairpin: str | None = _sha256("hairpin", "hairpin")
    sha256_gff3: str | None = _sha256("gff3", "GFF3")
    retries: int = _retries("Download attempts per miRBase file after the first failure.")
    backoff: float = _backoff("Seconds before the first retry, doubled at each further one.")


def run_reference(step: Reference) -> None:
    """Write a species' miRBase reference: FASTA (U->T), mature loci, GFF3, manifest."""
    _log_progress()
    prepare_reference(
        step.out_dir,
        step.species,
        step.mature,
        step.hairpin,
        step.gff3,
        download_dir=step.download_dir,
        mirbase_url=step.mirbase_url,
        sha256={
            "mature": step.sha256_mature,
            "hairpin": step.sha256_hairpin,
            "gff3": step.sha256_gff3,
        },
        retries=step.retries,
        backoff=step.backoff,
    )


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "download": (Download, run_download),
    "reference": (Reference, run_reference),
}

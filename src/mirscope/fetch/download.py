"""Fetch a sample's reads from the public archives into one FASTQ.gz.

Two backends, chosen by ``download.backend`` in the config:

``ena`` (default)
    The ENA portal API resolves an accession to its runs and FASTQ URLs::

        {portal}/filereport?accession=X&result=read_run
            &fields=run_accession,fastq_ftp,fastq_md5,fastq_bytes&format=tsv

    Each file is fetched over HTTPS with :func:`mirscope.fetch.http.fetch` (retries with backoff,
    ``Range`` resume of truncated transfers, progress in the log, MD5 from ENA verified,
    atomic write).

``sra-tools``
    NCBI's ``prefetch`` then ``fasterq-dump`` (then gzip), for sites where the SRA is
    reachable and ENA is not. Run accessions are used as given; a BioSample is first
    resolved to its runs through the ENA portal (metadata only, a few hundred bytes).
    The FASTQ is compressed with ISA-L (``isal``), the same gzip format, much faster.

Accessions: a run (SRR/ERR/DRR) or a BioSample (SAMN/SAMEA/SAMD). A BioSample sequenced in
several runs (several lanes or flow cells) gives one FASTQ.gz holding all its runs in run
accession order: gzip members are concatenated, which is itself a valid gzip file, and
reads of one library are counted together downstream. Paired-end runs: only read 1 is
kept (``*_1.fastq.gz``), because QIAseq miRNA is single-end and read 1 holds insert,
adapter and UMI; read 2 adds nothing to the counts.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from isal import igzip

from mirscope.errors import InputError, MirscopeError
from mirscope.fetch.http import DownloadError, fetch, get_text
from mirscope.io import atomic_path

log = logging.getLogger(__name__)

RUN_RE = re.compile(r"^[SED]RR\d+$")
SAMPLE_RE = re.compile(r"^(SAMN|SAMEA|SAMD)\d+$")
ACCESSION_ALLOWED = "a run (SRR/ERR/DRR + digits) or a BioSample (SAMN/SAMEA/SAMD + digits)"
FILEREPORT_FIELDS = "run_accession,fastq_ftp,fastq_md5,fastq_bytes"
SRA_TOOLS = ("prefetch", "fasterq-dump")


@dataclass(frozen=True)
class RunFile:
    """One run's read-1 FASTQ.gz as listed by ENA."""

    run: str
    url: str
    md5: str | None
    size: int | None


def check_accession(accession: str) -> str:
    """Return the accession stripped, or raise if it is neither a run nor a BioSample."""
    acc = accession.strip()
    if not (RUN_RE.match(acc) or SAMPLE_RE.match(acc)):
        raise InputError("not an SRA/ENA accession", value=accession, allowed=ACCESSION_ALLOWED)
    return acc


def filereport_url(portal: str, accession: str) -> str:
    """The ENA portal ``filereport`` URL listing the runs and FASTQ files of ``accession``."""
    query = urllib.parse.urlencode(
        {
            "accession": accession,
            "result": "read_run",
            "fields": FILEREPORT_FIELDS,
            "format": "tsv",
        },
        safe=",",
    )
    return f"{portal.rstrip('/')}/filereport?{query}"


def _pick_read1(names: list[str]) -> int:
    """Index of the read-1 file among a run's FASTQ files (see module docstring)."""
    if len(names) == 1:
        return 0
    for i, name in enumerate(names):
        if name.endswith("_1.fastq.gz"):
            return i
    # ENA lists the unpaired file first when a run has no _1/_2 split.
    return 0


def parse_filereport(text: str, accession: str, *, scheme: str = "https") -> list[RunFile]:
    """Runs and read-1 URLs from a filereport TSV answer, sorted by run accession.

    ``fastq_ftp`` entries have no scheme (``ftp.sra.ebi.ac.uk/vol1/...``); ``scheme`` is
    prepended (ENA serves the same paths over HTTPS). Entries with a scheme are kept.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise MirscopeError(f"{accession}: ENA returned no runs (is the accession public?)")
    header = lines[0].split("\t")
    missing = [f for f in FILEREPORT_FIELDS.split(",") if f not in header]
    if missing:
        raise MirscopeError(
            f"{accession}: unexpected ENA filereport header {header!r}; missing {missing}"
        )
    col = {name: i for i, name in enumerate(header)}
    runs: list[RunFile] = []
    for line in lines[1:]:
        cells = line.split("\t")
        cells += [""] * (len(header) - len(cells))
        run = cells[col["run_accession"]]
        urls = [u for u in cells[col["fastq_ftp"]].split(";") if u]
        if not urls:
            raise MirscopeError(
                f"{accession}: run {run} has no FASTQ files at ENA (not yet processed?); "
                "try download.backend: sra-tools"
            )
        md5s = cells[col["fastq_md5"]].split(";")
        sizes = cells[col["fastq_bytes"]].split(";")
        i = _pick_read1(urls)
        url = urls[i] if "://" in urls[i] else f"{scheme}://{urls[i]}"
        md5 = md5s[i] if i < len(md5s) and md5s[i] else None
        size = int(sizes[i]) if i < len(sizes) and sizes[i].isdigit() else None
        runs.append(RunFile(run, url, md5, size))
    if not runs:
        raise MirscopeError(f"{accession}: ENA returned no runs (is the accession public?)")
    return sorted(runs, key=lambda r: r.run)


def resolve_runs(
    accession: str,
    *,
    portal: str,
    scheme: str = "https",
    retries: int = 5,
    backoff: float = 2.0,
    timeout: float = 60.0,
) -> list[RunFile]:
    """Ask the ENA portal for the runs (and read-1 FASTQ URLs) of a run or BioSample."""
    acc = check_accession(accession)
    url = filereport_url(portal, acc)
    log.info("%s: resolving runs via %s", acc, url)
    text = get_text(url, retries=retries, backoff=backoff, timeout=timeout)
    runs = parse_filereport(text, acc, scheme=scheme)
    log.info("%s: %d run(s): %s", acc, len(runs), ", ".join(r.run for r in runs))
    return runs


def _concatenate(parts: list[Path], out: Path) -> None:
    """Concatenate gzip files byte-wise into ``out`` atomically (a multi-member gzip)."""
    with atomic_path(out) as tmp, open(tmp, "wb") as dst:
        for part in parts:
            with open(part, "rb") as src:
                shutil.copyfileobj(src, dst, 1 << 20)


def download_ena(
    accession: str,
    out: str | os.PathLike[str],
    *,
    portal: str,
    scheme: str = "https",
    retries: int = 5,
    backoff: float = 2.0,
    timeout: float = 60.0,
    progress_every: float = 10.0,
) -> list[RunFile]:
    """Download every run of ``accession`` from ENA into one FASTQ.gz at ``out``.

    Run files are collected in a hidden ``.<out>.parts/`` directory beside ``out``. If the
    job is killed (Snakemake timeout, Ctrl-C), the next attempt keeps run files whose MD5
    is already verified and resumes a partial one; any error instead removes the directory,
    so a failure leaves nothing behind.
    """
    out = Path(out)
    runs = resolve_runs(
        accession, portal=portal, scheme=scheme, retries=retries, backoff=backoff, timeout=timeout
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.parent / f".{out.name}.parts"
    work.mkdir(exist_ok=True)
    try:
        parts = []
        for run in runs:
            dest = work / f"{run.run}.fastq.gz"
            if dest.is_file() and run.md5 and _md5(dest) == run.md5.lower():
                log.info("%s/%s: already downloaded and verified", accession, run.run)
            else:
                fetch(
                    run.url,
                    dest,
                    md5=run.md5,
                    size=run.size,
                    retries=retries,
                    backoff=backoff,
                    timeout=timeout,
                    progress_every=progress_every,
                    label=f"{accession}/{run.run}",
                )
            parts.append(dest)
        if len(parts) == 1:
            with atomic_path(out) as final:
                os.replace(parts[0], final)
        else:
            _concatenate(parts, out)
    except Exception:
        shutil.rmtree(work, ignore_errors=True)
        raise
    shutil.rmtree(work, ignore_errors=True)
    log.info("%s: wrote %s (%d run(s))", accession, out, len(runs))
    return runs


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def require_sra_tools() -> dict[str, str]:
    """Paths of ``prefetch`` and ``fasterq-dump``; a clear error naming what is missing."""
    found = {tool: shutil.which(tool) for tool in SRA_TOOLS}
    missing = [tool for tool, path in found.items() if path is None]
    if missing:
        raise MirscopeError(
            f"sra-tools not found on PATH: {', '.join(missing)}. Install them "
            "(apt-get install sra-toolkit, or conda install -c bioconda sra-tools) "
            "or set download.backend: ena"
        )
    return found  # type: ignore[return-value]


def prefetch_command(run: str, workdir: Path) -> list[str]:
    """``prefetch`` fetches the run's .sra container into ``workdir/<run>/``.

    ``--max-size u`` lifts the 20 GB default cap (large runs otherwise fail silently).
    """
    return ["prefetch", "--max-size", "u", "--output-directory", str(workdir), run]


def fasterq_dump_command(sra: Path, workdir: Path, threads: int) -> list[str]:
    """``fasterq-dump`` converts the container to FASTQ.

    ``--split-files`` writes ``<run>_1.fastq``/``_2.fastq`` for paired runs (we keep read 1)
    and ``<run>.fastq`` for single-end runs; ``--skip-technical`` drops technical reads
    (barcodes); ``--temp`` keeps its scratch files in our temporary directory.
    """
    return [
        "fasterq-dump",
        "--split-files",
        "--skip-technical",
        "--threads",
        str(threads),
        "--outdir",
        str(workdir),
        "--temp",
        str(workdir),
        str(sra),
    ]


def _run_tool(cmd: list[str], what: str) -> None:
    log.info("running: %s", " ".join(cmd))
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise MirscopeError(f"{what}: {cmd[0]} not found ({exc})") from exc
    for line in (res.stdout + res.stderr).splitlines():
        log.info("%s: %s", cmd[0], line)
    if res.returncode != 0:
        tail = (res.stderr or res.stdout).strip().splitlines()[-3:]
        raise MirscopeError(
            f"{what}: {cmd[0]} exited with code {res.returncode}: {' | '.join(tail)}"
        )


def _find_one(directory: Path, patterns: tuple[str, ...], what: str) -> Path:
    for pattern in patterns:
        hits = sorted(directory.glob(pattern))
        if hits:
            return hits[0]
    raise MirscopeError(f"{what}: expected {' or '.join(patterns)} in {directory}, found none")


def download_sra_tools(
    accession: str,
    out: str | os.PathLike[str],
    *,
    portal: str,
    threads: int = 1,
    retries: int = 5,
    backoff: float = 2.0,
    timeout: float = 60.0,
) -> list[str]:
    """Fetch ``accession`` with prefetch + fasterq-dump and gzip the read-1 FASTQ(s)."""
    acc = check_accession(accession)
    require_sra_tools()
    if RUN_RE.match(acc):
        runs = [acc]
    else:
        runs = [
            r.run
            for r in resolve_runs(
                acc, portal=portal, retries=retries, backoff=backoff, timeout=timeout
            )
        ]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        work = Path(tmp)
        # ISA-L gzip: several times faster than zlib at a similar ratio; output is plain gzip.
        with atomic_path(out) as final, igzip.open(final, "wb", compresslevel=2) as gz:
            for run in runs:
                _run_tool(prefetch_command(run, work), f"{acc}/{run}")
                sra = _find_one(work / run, (f"{run}.sra", f"{run}.sralite", "*.sra*"), run)
                _run_tool(fasterq_dump_command(sra, work, threads), f"{acc}/{run}")
                fq = _find_one(work, (f"{run}_1.fastq", f"{run}.fastq"), f"{acc}/{run}")
                with open(fq, "rb") as src:
                    shutil.copyfileobj(src, gz, 1 << 20)
                for leftover in work.glob(f"{run}*.fastq"):
                    leftover.unlink()
                shutil.rmtree(work / run, ignore_errors=True)
    log.info("%s: wrote %s (%d run(s), sra-tools)", acc, out, len(runs))
    return runs


def download_accession(
    accession: str,
    out: str | os.PathLike[str],
    *,
    backend: str = "ena",
    portal: str = "https://www.ebi.ac.uk/ena/portal/api",
    scheme: str = "https",
    threads: int = 1,
    retries: int = 5,
    backoff: float = 2.0,
    timeout: float = 60.0,
    progress_every: float = 10.0,
) -> None:
    """Download one sample-sheet accession to ``out`` with the configured backend."""
    try:
        if backend == "ena":
            download_ena(
                accession,
                out,
                portal=portal,
                scheme=scheme,
                retries=retries,
                backoff=backoff,
                timeout=timeout,
                progress_every=progress_every,
            )
        elif backend == "sra-tools":
            download_sra_tools(
                accession,
                out,
                portal=portal,
                threads=threads,
                retries=retries,
                backoff=backoff,
                timeout=timeout,
            )
        else:
            raise InputError("unknown download.backend", value=backend, allowed="ena, sra-tools")
    except DownloadError as exc:
        raise DownloadError(f"{accession}: {exc}") from exc

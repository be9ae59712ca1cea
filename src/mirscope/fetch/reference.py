"""miRBase reference: find it, filter it to one species, and place mature arms on hairpins.

``auto`` resolves in this order (:func:`resolve_reference_files`):

1. miRBase v22 from Debian's ``optimir`` package (human only), which ships the mature and
   hairpin FASTA and the GFF3 (``MIRSCOPE_OPTIMIR_DIR`` overrides where it is looked for;
   set it to an empty string to ignore optimir);
2. a download from miRBase (``reference.mirbase_url``: ``mature.fa.gz``, ``hairpin.fa.gz``,
   ``genomes/<species>.gff3``) with :mod:`mirscope.fetch.http` (retries, resume), verified
   against ``reference.sha256`` when given; the SHA-256 of every downloaded file is always
   recorded in ``mirbase_manifest.tsv`` next to it, so a run says which miRBase it used;
3. otherwise an error saying how to supply the files.

Sequences are upper-cased and U->T so that bowtie and the trimmed DNA reads compare
directly. Inputs may be plain or gzip-compressed.

Mature positions on the hairpin come from the GFF3 genomic coordinates (strand-aware), and
are checked against the sequences: a mature arm whose sequence is not at that position is
an inconsistent reference and is reported, not silently counted elsewhere.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import io
import logging
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mirscope.errors import InputError, MirscopeError, MirscopeWarning
from mirscope.io import atomic_path

log = logging.getLogger(__name__)

OPTIMIR_GLOBS = (
    "/usr/lib/python3/dist-packages/optimir/resources",
    "/usr/lib/python3*/site-packages/optimir/resources",
    "/usr/local/lib/python3*/dist-packages/optimir/resources",
)
OPTIMIR_FILES = {
    "mature": "fasta/{species}_matures_miRBase_v22.fa",
    "hairpin": "fasta/{species}_hairpins_miRBase_v22.fa",
    "gff3": "coordinates/{species}_miRBase_v22.gff3",
}


#: Default miRBase download site and the file layout under it ({species} is filled in).
MIRBASE_URL = "https://mirbase.org/download/CURRENT"
MIRBASE_FILES = {
    "mature": "mature.fa.gz",
    "hairpin": "hairpin.fa.gz",
    "gff3": "genomes/{species}.gff3",
}
REFERENCE_KINDS = ("mature", "hairpin", "gff3")
HOW_TO_SUPPLY = (
    "install optimir (apt-get install optimir; miRBase v22, human only), make "
    "reference.mirbase_url reachable (or point it at a mirror holding mature.fa.gz, "
    "hairpin.fa.gz and genomes/<species>.gff3), or set reference.mature, reference.hairpin "
    "and reference.gff3 to local miRBase files"
)


def optimir_dir() -> Path | None:
    """The optimir resources directory, if Debian's optimir package is installed.

    ``MIRSCOPE_OPTIMIR_DIR``, when set, is the only place looked at (an empty value means
    "no optimir"), so a user or a test can force the download path.
    """
    env = os.environ.get("MIRSCOPE_OPTIMIR_DIR")
    if env is not None:
        candidates = [env]
    else:
        candidates = []
        for pattern in OPTIMIR_GLOBS:
            candidates.extend(sorted(glob.glob(pattern)))
    for cand in candidates:
        if cand and Path(cand, "fasta").is_dir():
            return Path(cand)
    return None


def optimir_files(species: str) -> dict[str, Path] | None:
    """miRBase v22 file paths from optimir for ``species``, or None if not all are there."""
    base = optimir_dir()
    if base is None:
        return None
    files = {k: base / v.format(species=species) for k, v in OPTIMIR_FILES.items()}
    return files if all(p.is_file() for p in files.values()) else None


def configured_mature_names(cfg: dict) -> set[str] | None:
    """Mature miRNA names of the reference a completed config resolves to, if cheap to
    know before any job: an explicit ``reference.mature``, the FASTA an earlier run
    prepared in the outdir, or optimir's miRBase v22; None when only a download would
    tell (the jobs then check names against the count matrix).

    Names only: reading headers of a few thousand records takes milliseconds, so
    ``mirscope validate`` and the parse step can check the config's miRNAs against them.
    """
    ref = cfg["reference"]
    species = ref["species"]
    if ref["mature"] != "auto":
        path: Path | None = Path(ref["mature"])
    else:
        prepared = prepared_paths(Path(cfg["outdir"]) / "reference", species)["mature"]
        found = optimir_files(species)
        path = prepared if prepared.is_file() else (found["mature"] if found else None)
    if path is None or not path.is_file():
        return None
    prefix = f">{species}-"
    try:
        with open_text(path) as fh:
            names = {line[1:].split(None, 1)[0] for line in fh if line.startswith(prefix)}
    except OSError:
        return None
    return names or None


def open_text(path: str | os.PathLike[str]) -> io.TextIOBase:
    """Open a text file that may be gzip-compressed (detected by its magic bytes)."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def read_fasta(path: str | os.PathLike[str]) -> Iterator[tuple[str, str, str]]:
    """Yield (name, description, sequence) from a FASTA file (plain or gzip)."""
    name = desc = None
    seq: list[str] = []
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line:
                continue
            if line.startswith(">"):
                if name is not None:
                    yield name, desc, "".join(seq)
                header = line[1:].split(None, 1)
                if not header:
                    raise InputError("FASTA header without a name", path=str(path), row=lineno)
                name = header[0]
                desc = header[1] if len(header) > 1 else ""
                seq = []
            else:
                if name is None:
                    raise InputError(
                        "sequence before the first '>' header", path=str(path), row=lineno
                    )
                seq.append(line.strip())
    if name is not None:
        yield name, desc, "".join(seq)


def to_dna(seq: str) -> str:
    """Upper-case and U->T."""
    return seq.upper().replace("U", "T")


def read_species_fasta(path: str | os.PathLike[str], species: str) -> dict[str, str]:
    """Sequences (DNA letters) of one species' records, keyed by miRBase name."""
    prefix = f"{species}-"
    out = {name: to_dna(seq) for name, _d, seq in read_fasta(path) if name.startswith(prefix)}
    if not out:
        raise InputError(
            f"no records for species '{species}' (names starting with '{prefix}')",
            path=str(path),
            allowed="a miRBase FASTA containing that species, or another reference.species",
        )
    return out


@dataclass(frozen=True)
class MatureLocus:
    """One mature arm on one hairpin, 0-based half-open coordinates on the hairpin."""

    mature: str
    mature_id: str
    hairpin: str
    start: int
    end: int


@dataclass
class Reference:
    """A species' miRBase: mature and hairpin sequences and where each mature arm sits."""

    species: str
    mature: dict[str, str]
    hairpin: dict[str, str]
    loci: list[MatureLocus] = field(default_factory=list)

    def loci_by_hairpin(self) -> dict[str, list[MatureLocus]]:
        out: dict[str, list[MatureLocus]] = {}
        for locus in self.loci:
            out.setdefault(locus.hairpin, []).append(locus)
        return out


_ATTR = re.compile(r"([^=;]+)=([^;]*)")


def parse_gff3(path: str | os.PathLike[str]) -> tuple[dict, list[dict]]:
    """Return (primary transcripts by ID, mature features) from a miRBase GFF3."""
    primaries: dict[str, dict] = {}
    matures: list[dict] = []
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, 1):
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 9:
                raise InputError(
                    "GFF3 line without 9 tab-separated columns", path=str(path), row=lineno
                )
            attrs = dict(_ATTR.findall(cols[8]))
            rec = {
                "start": int(cols[3]),
                "end": int(cols[4]),
                "strand": cols[6],
                "id": attrs.get("ID", ""),
                # miRBase suffixes IDs of a mature arm on its 2nd, 3rd... hairpin
                # (MIMAT0000069_1); the Alias is the accession users know.
                "accession": attrs.get("Alias", "").split(",")[0] or attrs.get("ID", ""),
                "name": attrs.get("Name", ""),
                "line": lineno,
                "parent": attrs.get("Derives_from", ""),
            }
            if cols[2] == "miRNA_primary_transcript":
                primaries[rec["id"]] = rec
            elif cols[2] == "miRNA":
                matures.append(rec)
    return primaries, matures


def place_matures(
    mature: dict[str, str], hairpin: dict[str, str], gff3: str | os.PathLike[str]
) -> tuple[list[MatureLocus], list[str]]:
    """Mature loci on hairpins from GFF3 coordinates; also the names that did not check out."""
    primaries, features = parse_gff3(gff3)
    loci: list[MatureLocus] = []
    problems: list[str] = []
    for feat in features:
        parent = primaries.get(feat["parent"])
        name = feat["name"]
        if parent is None or name not in mature or parent["name"] not in hairpin:
            continue
        if parent["strand"] == "-":
            start = parent["end"] - feat["end"]
        else:
            start = feat["start"] - parent["start"]
        end = start + (feat["end"] - feat["start"] + 1)
        hp_seq = hairpin[parent["name"]]
        if hp_seq[start:end] != mature[name]:
            # miRBase occasionally disagrees with itself; fall back to the sequence.
            pos = hp_seq.find(mature[name])
            if pos < 0:
                problems.append(f"{name} on {parent['name']}")
                continue
            start, end = pos, pos + len(mature[name])
        loci.append(MatureLocus(name, feat["accession"], parent["name"], start, end))
    loci.sort(key=lambda x: (x.hairpin, x.start, x.mature))
    return loci, problems


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mirbase_urls(species: str, base_url: str = MIRBASE_URL) -> dict[str, str]:
    """The download URL of each reference file for ``species`` under ``base_url``."""
    base = base_url.rstrip("/")
    return {k: f"{base}/{v.format(species=species)}" for k, v in MIRBASE_FILES.items()}


def _read_manifest(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        return {}
    rows = [line.rstrip("\n").split("\t") for line in path.read_text().splitlines()]
    if not rows:
        return {}
    header = rows[0]
    return {r[0]: dict(zip(header, r, strict=False)) for r in rows[1:] if r and r[0]}


def download_mirbase(
    species: str,
    dest_dir: str | os.PathLike[str],
    *,
    base_url: str = MIRBASE_URL,
    sha256: dict[str, str | None] | None = None,
    kinds: tuple[str, ...] = REFERENCE_KINDS,
    retries: int = 5,
    backoff: float = 2.0,
    timeout: float = 60.0,
) -> dict[str, Path]:
    """Download miRBase files into ``dest_dir`` (reused when already there and verified).

    ``sha256`` maps a kind (mature/hairpin/gff3) to the expected hex digest (optional);
    a mismatch is retried, then fails. ``dest_dir/mirbase_manifest.tsv`` records kind,
    file, URL, bytes and SHA-256 of every file, whether or not a digest was configured.
    """
    from mirscope.fetch.http import DownloadError, fetch

    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / "mirbase_manifest.tsv"
    manifest = _read_manifest(manifest_path)
    expected = {k: (v.lower() if v else None) for k, v in (sha256 or {}).items()}
    urls = mirbase_urls(species, base_url)
    paths: dict[str, Path] = {}
    for kind in kinds:
        url = urls[kind]
        target = dest / Path(MIRBASE_FILES[kind].format(species=species)).name
        want = expected.get(kind)
        known = manifest.get(kind)
        if (
            target.is_file()
            and known
            and known.get("url") == url
            and known.get("sha256") == sha256_file(target)
            and (want is None or want == known.get("sha256"))
        ):
            log.info("miRBase %s: reusing %s (sha256 %s)", kind, target, known["sha256"])
            paths[kind] = target
            continue
        try:
            res = fetch(
                url,
                target,
                sha256=want,
                retries=retries,
                backoff=backoff,
                timeout=timeout,
                label=f"miRBase {kind}",
            )
        except DownloadError as exc:
            raise MirscopeError(
                f"miRBase {kind} for species '{species}' could not be downloaded ({exc}). "
                f"To supply the files: {HOW_TO_SUPPLY}"
            ) from exc
        manifest[kind] = {
            "kind": kind,
            "file": target.name,
            "url": url,
            "bytes": str(res.size),
            "sha256": res.sha256,
        }
        paths[kind] = target
        _write_manifest(manifest_path, manifest)
    return paths


def _write_manifest(path: Path, manifest: dict[str, dict[str, str]]) -> None:
    cols = ("kind", "file", "url", "bytes", "sha256")
    lines = ["\t".join(cols)]
    for kind in sorted(manifest):
        lines.append("\t".join(manifest[kind].get(c, "") for c in cols))
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")


def resolve_reference_files(
    species: str = "hsa",
    mature: str | os.PathLike[str] = "auto",
    hairpin: str | os.PathLike[str] = "auto",
    gff3: str | os.PathLike[str] = "auto",
    *,
    download_dir: str | os.PathLike[str] | None = None,
    mirbase_url: str = MIRBASE_URL,
    sha256: dict[str, str | None] | None = None,
    retries: int = 5,
    backoff: float = 2.0,
    timeout: float = 60.0,
) -> tuple[dict[str, Path], dict[str, str]]:
    """Paths of the three reference files, and where each came from.

    Explicit paths are used as given. ``auto`` entries take optimir's miRBase v22 when it
    has the species, else are downloaded into ``download_dir`` (when given), else raise
    an :class:`InputError` saying how to supply the files. The second mapping gives each
    kind's source: ``file``, ``optimir`` or the download URL.
    """
    given = {"mature": mature, "hairpin": hairpin, "gff3": gff3}
    paths: dict[str, Path] = {}
    sources: dict[str, str] = {}
    auto = [k for k, v in given.items() if str(v) == "auto"]
    for kind, value in given.items():
        if kind not in auto:
            paths[kind] = Path(value)
            sources[kind] = "file"
    if auto:
        found = optimir_files(species)
        if found is not None:
            for kind in auto:
                paths[kind] = found[kind]
                sources[kind] = "optimir (miRBase v22)"
        elif download_dir is not None:
            log.info("no optimir miRBase for '%s'; downloading from %s", species, mirbase_url)
            got = download_mirbase(
                species,
                download_dir,
                base_url=mirbase_url,
                sha256=sha256,
                kinds=tuple(auto),
                retries=retries,
                backoff=backoff,
                timeout=timeout,
            )
            urls = mirbase_urls(species, mirbase_url)
            for kind in auto:
                paths[kind] = got[kind]
                sources[kind] = urls[kind]
        else:
            raise InputError(
                f"no local miRBase for species '{species}' (Debian package optimir)",
                allowed=HOW_TO_SUPPLY + ", or run `mirscope reference` which downloads them",
            )
    for kind in REFERENCE_KINDS:
        if not paths[kind].is_file():
            raise InputError(
                f"reference {kind} file not found", path=str(paths[kind]), allowed=HOW_TO_SUPPLY
            )
        if sha256 and sha256.get(kind) and sources[kind] != "optimir (miRBase v22)":
            got_sha = sha256_file(paths[kind])
            if got_sha != str(sha256[kind]).lower():
                raise InputError(
                    f"reference {kind} does not match reference.sha256.{kind}",
                    path=str(paths[kind]),
                    value=got_sha,
                    allowed=f"a file with SHA-256 {sha256[kind]}",
                )
    return paths, sources


def load_reference(
    species: str = "hsa",
    mature: str | os.PathLike[str] = "auto",
    hairpin: str | os.PathLike[str] = "auto",
    gff3: str | os.PathLike[str] = "auto",
    **resolve_options,
) -> Reference:
    """Load a species' reference from explicit paths or ``auto``.

    ``resolve_options`` go to :func:`resolve_reference_files` (e.g. ``download_dir`` to
    allow a miRBase download when optimir lacks the species).
    """
    paths, _sources = resolve_reference_files(species, mature, hairpin, gff3, **resolve_options)
    mature_seqs = read_species_fasta(paths["mature"], species)
    hairpin_seqs = read_species_fasta(paths["hairpin"], species)
    loci, _problems = place_matures(mature_seqs, hairpin_seqs, paths["gff3"])
    return Reference(species, mature_seqs, hairpin_seqs, loci)


#: Output names of :func:`prepare_reference` under its ``out_dir``.
PREPARED_FILES = {
    "mature": "{species}_mature.fa",
    "hairpin": "{species}_hairpin.fa",
    "loci": "{species}_mature_loci.tsv",
    "gff3": "{species}_mirbase.gff3",
    "manifest": "{species}_manifest.tsv",
}


def prepared_paths(out_dir: str | os.PathLike[str], species: str) -> dict[str, Path]:
    """Where :func:`prepare_reference` writes each file."""
    return {k: Path(out_dir) / v.format(species=species) for k, v in PREPARED_FILES.items()}


def _fasta_text(seqs: dict[str, str]) -> str:
    return "".join(f">{name}\n{seqs[name]}\n" for name in sorted(seqs))


def _filtered_gff3(path: Path, hairpin: dict[str, str], loci: list[MatureLocus]) -> str:
    """The GFF3 restricted to the species' hairpins and the mature arms that were placed."""
    primaries, features = parse_gff3(path)
    placed = {(loc.mature, loc.hairpin) for loc in loci}
    keep_ids = {pid for pid, p in primaries.items() if p["name"] in hairpin}
    keep_lines = {p["line"] for pid, p in primaries.items() if pid in keep_ids}
    for feat in features:
        parent = primaries.get(feat["parent"])
        if parent is not None and (feat["name"], parent["name"]) in placed:
            keep_lines.add(feat["line"])
    out: list[str] = []
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, 1):
            if line.startswith("#") or lineno in keep_lines:
                out.append(line.rstrip("\r\n") + "\n")
    return "".join(out)


def prepare_reference(
    out_dir: str | os.PathLike[str],
    species: str = "hsa",
    mature: str | os.PathLike[str] = "auto",
    hairpin: str | os.PathLike[str] = "auto",
    gff3: str | os.PathLike[str] = "auto",
    *,
    download_dir: str | os.PathLike[str] | None = None,
    mirbase_url: str = MIRBASE_URL,
    sha256: dict[str, str | None] | None = None,
    retries: int = 5,
    backoff: float = 2.0,
    timeout: float = 60.0,
) -> dict[str, Path]:
    """Write the species' reference as the alignment stage reads it; return the paths.

    Files (see :data:`PREPARED_FILES`), all sorted so equal inputs give equal bytes:

    * ``<species>_mature.fa`` / ``<species>_hairpin.fa``: that species' records only, one
      line per sequence, upper case, U->T, names only (bowtie keeps the first word anyway);
    * ``<species>_mature_loci.tsv``: columns ``mature`` (miRBase name), ``mature_id``
      (MIMAT accession), ``hairpin``, ``start``, ``end`` (0-based half-open on the hairpin);
      one row per (mature, hairpin), so hsa-miR-16-5p has two rows (mir-16-1 and -2);
    * ``<species>_mirbase.gff3``: the GFF3 restricted to those hairpins and placed arms;
    * ``<species>_manifest.tsv``: ``kind``, ``source``, ``path``, ``sha256`` of each input
      and output, so results can be traced to the exact miRBase files.

    Mature arms whose GFF3 position does not match their sequence, and mature sequences
    with no locus, are reported with a :class:`MirscopeWarning` (they cannot be counted).
    """
    if download_dir is None:
        download_dir = Path(out_dir) / "mirbase_download"
    paths, sources = resolve_reference_files(
        species,
        mature,
        hairpin,
        gff3,
        download_dir=download_dir,
        mirbase_url=mirbase_url,
        sha256=sha256,
        retries=retries,
        backoff=backoff,
        timeout=timeout,
    )
    mature_seqs = read_species_fasta(paths["mature"], species)
    hairpin_seqs = read_species_fasta(paths["hairpin"], species)
    loci, problems = place_matures(mature_seqs, hairpin_seqs, paths["gff3"])
    if not loci:
        raise InputError(
            f"no mature arm of species '{species}' could be placed on a hairpin",
            path=str(paths["gff3"]),
            allowed="the miRBase GFF3 of the same release as the FASTA files",
        )
    if problems:
        warnings.warn(
            f"{len(problems)} mature arm(s) not found on their hairpin and left out: "
            + ", ".join(problems[:5])
            + (" ..." if len(problems) > 5 else ""),
            MirscopeWarning,
            stacklevel=2,
        )
    unplaced = sorted(set(mature_seqs) - {loc.mature for loc in loci})
    if unplaced:
        warnings.warn(
            f"{len(unplaced)} mature sequence(s) have no hairpin locus in the GFF3 and "
            "cannot be counted: " + ", ".join(unplaced[:5]) + (" ..." if len(unplaced) > 5 else ""),
            MirscopeWarning,
            stacklevel=2,
        )
    texts = {
        "mature": _fasta_text(mature_seqs),
        "hairpin": _fasta_text(hairpin_seqs),
        "loci": "mature\tmature_id\thairpin\tstart\tend\n"
        + "".join(
            f"{loc.mature}\t{loc.mature_id}\t{loc.hairpin}\t{loc.start}\t{loc.end}\n"
            for loc in loci
        ),
        "gff3": _filtered_gff3(paths["gff3"], hairpin_seqs, loci),
    }
    out = prepared_paths(out_dir, species)
    manifest = ["kind\tsource\tpath\tsha256"]
    for kind in REFERENCE_KINDS:
        manifest.append(f"input_{kind}\t{sources[kind]}\t{paths[kind]}\t{sha256_file(paths[kind])}")
    for kind, text in texts.items():
        digest = hashlib.sha256(text.encode()).hexdigest()
        manifest.append(f"output_{kind}\tmirscope\t{out[kind].name}\t{digest}")
    texts["manifest"] = "\n".join(manifest) + "\n"
    for kind, text in texts.items():
        with atomic_path(out[kind]) as tmp:
            tmp.write_text(text)
    log.info(
        "reference %s: %d mature, %d hairpins, %d loci -> %s",
        species,
        len(mature_seqs),
        len(hairpin_seqs),
        len(loci),
        out_dir,
    )
    return out


def read_loci(path: str | os.PathLike[str]) -> list[MatureLocus]:
    """Read a ``<species>_mature_loci.tsv`` written by :func:`prepare_reference`."""
    loci = []
    with open(path) as fh:
        header = fh.readline().rstrip("\n").split("\t")
        expected = ["mature", "mature_id", "hairpin", "start", "end"]
        if header != expected:
            raise InputError(
                "unexpected header", path=str(path), row=1, value=header, allowed=str(expected)
            )
        for lineno, line in enumerate(fh, 2):
            cells = line.rstrip("\n").split("\t")
            try:
                loci.append(MatureLocus(cells[0], cells[1], cells[2], int(cells[3]), int(cells[4])))
            except (IndexError, ValueError) as exc:
                raise InputError(
                    "malformed locus line", path=str(path), row=lineno, value=line.strip()
                ) from exc
    return loci

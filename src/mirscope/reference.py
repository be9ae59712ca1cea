"""miRBase reference: find it, filter it to one species, and place mature arms on hairpins.

``auto`` takes miRBase v22 from Debian's ``optimir`` package (human only), which ships the
mature and hairpin FASTA and the GFF3; other species or machines without it download from
miRBase (see :mod:`mirscope.download`). Sequences are upper-cased and U->T so that bowtie
and the trimmed DNA reads compare directly.

Mature positions on the hairpin come from the GFF3 genomic coordinates (strand-aware), and
are checked against the sequences: a mature arm whose sequence is not at that position is
an inconsistent reference and is reported, not silently counted elsewhere.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mirscope.errors import InputError

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


def optimir_dir() -> Path | None:
    """The optimir resources directory, if Debian's optimir package is installed."""
    env = os.environ.get("MIRSCOPE_OPTIMIR_DIR")
    candidates = [env] if env else []
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


def read_fasta(path: str | os.PathLike[str]) -> Iterator[tuple[str, str, str]]:
    """Yield (name, description, sequence) from a FASTA file (plain text)."""
    name = desc = None
    seq: list[str] = []
    with open(path) as fh:
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
                    raise InputError("sequence before the first '>' header", path=str(path), row=lineno)
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
    with open(path) as fh:
        for lineno, line in enumerate(fh, 1):
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 9:
                raise InputError("GFF3 line without 9 tab-separated columns", path=str(path), row=lineno)
            attrs = dict(_ATTR.findall(cols[8]))
            rec = {
                "start": int(cols[3]),
                "end": int(cols[4]),
                "strand": cols[6],
                "id": attrs.get("ID", ""),
                "name": attrs.get("Name", ""),
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
        loci.append(MatureLocus(name, feat["id"], parent["name"], start, end))
    loci.sort(key=lambda x: (x.hairpin, x.start, x.mature))
    return loci, problems


def load_reference(
    species: str = "hsa",
    mature: str | os.PathLike[str] = "auto",
    hairpin: str | os.PathLike[str] = "auto",
    gff3: str | os.PathLike[str] = "auto",
) -> Reference:
    """Load a species' reference from explicit paths or ``auto`` (optimir's miRBase v22)."""
    paths = {"mature": mature, "hairpin": hairpin, "gff3": gff3}
    if any(str(v) == "auto" for v in paths.values()):
        found = optimir_files(species)
        if found is None:
            raise InputError(
                f"no local miRBase v22 for species '{species}' (Debian package optimir)",
                allowed=(
                    "install optimir (apt-get install optimir, human only), run "
                    "`mirscope reference --download`, or set reference.mature, "
                    "reference.hairpin and reference.gff3 to miRBase files"
                ),
            )
        paths = {k: (found[k] if str(v) == "auto" else v) for k, v in paths.items()}
    for key, value in paths.items():
        if not Path(value).is_file():
            raise InputError(f"reference {key} file not found", path=str(value))
    mature_seqs = read_species_fasta(paths["mature"], species)
    hairpin_seqs = read_species_fasta(paths["hairpin"], species)
    loci, _problems = place_matures(mature_seqs, hairpin_seqs, paths["gff3"])
    return Reference(species, mature_seqs, hairpin_seqs, loci)

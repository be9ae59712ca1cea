"""Read and validate the sample sheet and the clinical table before any work is scheduled.

``workflow/rules/common.smk`` calls :func:`read_samples` and :func:`read_clinical` while
Snakemake parses the workflow, and ``mirscope validate`` calls them from the command line,
so a bad sheet stops everything before a single job runs. Each problem raises one
:class:`~mirscope.errors.InputError` naming the file, the row, the column, the bad value and
what is allowed. Rows are numbered two ways in every message, ``row 3 (line 4)``: the
1-based data row (the header, blank lines and ``#`` comment lines are not counted) and the
1-based line of the file, for editors.

What a row may hold is written down once, in ``schemas/samples.schema.yaml`` and
``schemas/clinical.schema.yaml``; this module turns text cells into typed values, checks
them against those schemas and phrases the errors. Reading rules shared by both tables:

* Tab-separated, UTF-8 (a byte-order mark is ignored), header line first; cells are
  stripped of surrounding spaces; blank lines and lines starting with ``#`` are skipped.
* Empty cells and the tokens ``NA``, ``NaN`` and ``nan`` are missing values.
* Header names of known columns match case-insensitively (``CRP`` is ``crp``) and come
  back in the spelling of the schema; categorical values do too (``f`` is ``F``).
* A row shorter than the header is padded with missing values (editors drop trailing
  tabs); a row with more non-empty cells than the header has columns is an error.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import math
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd

from mirscope.errors import InputError
from mirscope.inputs.config import load_schema

NA_TOKENS = frozenset({"", "NA", "NaN", "nan"})
SAMPLES_SCHEMA = "samples.schema.yaml"
CLINICAL_SCHEMA = "clinical.schema.yaml"
FASTQ_ALLOWED = "a gzip-compressed FASTQ file (4 lines per read, the first starting with '@')"
# How many header bytes and characters per line the FASTQ probe reads at most: enough for
# any real read, small enough that a binary file given by mistake is not read whole.
_PROBE_LINE_BYTES = 1_000_000


@dataclass(frozen=True)
class _Row:
    """One data row of a TSV: its numbers for messages and its cells by column name."""

    number: int
    line: int
    cells: dict[str, str]

    @property
    def label(self) -> str:
        """``3 (line 4)``: what follows ``row`` in a message."""
        return f"{self.number} (line {self.line})"

    @property
    def where(self) -> str:
        """``row 3, line 4``: a row named inside a message."""
        return f"row {self.number}, line {self.line}"


class _CellError(Exception):
    """A cell failed a check; the caller adds file, row, column, value and allowed."""


# --------------------------------------------------------------------------------------
# Reading a TSV


def _read_tsv(path: Path, *, kind: str, known: list[str]) -> tuple[list[str], list[_Row]]:
    """Return the header (known names in schema spelling) and the non-empty data rows."""
    if not path.is_file():
        what = "not a file" if path.exists() else "not found"
        raise InputError(
            f"{kind} {what}",
            path=str(path),
            allowed=f"an existing tab-separated {kind} (see config/README.md)",
        )
    by_lower = {name.lower(): name for name in known}
    header: list[str] | None = None
    header_line = 0
    rows: list[_Row] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t")
            for fields in reader:
                cells = [f.strip() for f in fields]
                if not any(cells) or cells[0].startswith("#"):
                    continue
                if header is None:
                    header_line = reader.line_num
                    header = _check_header(cells, path=path, line=header_line, known=by_lower)
                    continue
                rows.append(
                    _make_row(cells, header, path=path, number=len(rows) + 1, line=reader.line_num)
                )
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text ({exc.reason}: {exc.object[exc.start : exc.end]!r})",
            path=str(path),
            allowed=f"a tab-separated UTF-8 text {kind}",
        ) from exc
    except csv.Error as exc:
        raise InputError(f"cannot be parsed as TSV: {exc}", path=str(path)) from exc
    if header is None:
        raise InputError(
            f"{kind} is empty (no header line)",
            path=str(path),
            allowed=f"a header line naming the columns, e.g. {', '.join(known[:3])}",
        )
    return header, rows


def _check_header(cells: list[str], *, path: Path, line: int, known: dict[str, str]) -> list[str]:
    """Canonicalise column names; reject empty and duplicate names."""
    while cells and not cells[-1]:
        cells = cells[:-1]
    if len(cells) == 1 and ("," in cells[0] or ";" in cells[0]):
        raise InputError(
            f"header (line {line}) is one column holding commas or semicolons: the file is "
            "not tab-separated",
            path=str(path),
            value=cells[0],
            allowed="columns separated by tabs (save as 'Text (Tab delimited)' / .tsv)",
        )
    header: list[str] = []
    for position, name in enumerate(cells, start=1):
        if not name:
            raise InputError(
                f"header (line {line}): column {position} has no name",
                path=str(path),
                allowed="a name for every column",
            )
        canonical = known.get(name.lower(), name)
        if canonical in header:
            raise InputError(
                f"header (line {line}): duplicate column name",
                path=str(path),
                column=canonical,
                value=name,
                allowed="each column once",
            )
        header.append(canonical)
    return header


def _make_row(cells: list[str], header: list[str], *, path: Path, number: int, line: int) -> _Row:
    row = _Row(number, line, {})
    if len(cells) > len(header) and any(cells[len(header) :]):
        raise InputError(
            f"has {len(cells)} fields but the header has {len(header)} columns",
            path=str(path),
            row=row.label,
            value=cells[len(header)],
            allowed="one tab-separated field per header column",
        )
    cells = cells + [""] * (len(header) - len(cells))
    return _Row(number, line, dict(zip(header, cells, strict=False)))


# --------------------------------------------------------------------------------------
# Checking one cell against its schema property


def _types(prop: dict[str, Any]) -> list[str]:
    kind = prop.get("type", "string")
    return [kind] if isinstance(kind, str) else list(kind)


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def allowed_text(prop: dict[str, Any], *, nullable: bool = True) -> str:
    """Describe what a column allows, from its schema property (used in every message)."""
    types = _types(prop)
    unit = f" ({prop['x-unit']})" if prop.get("x-unit") else ""
    if "enum" in prop:
        text = " or ".join(", ".join(_fmt(v) for v in prop["enum"]).rsplit(", ", 1))
    else:
        lo, hi = prop.get("minimum"), prop.get("maximum")
        if "integer" in types:
            text = "a whole number"
        elif "number" in types:
            text = "a number"
        elif "pattern" in prop:
            text = f"text matching {prop['pattern']}"
        else:
            text = "text"
        if lo is not None and hi is not None:
            text += f" from {_fmt(lo)} to {_fmt(hi)}"
        elif lo is not None:
            text += f" >= {_fmt(lo)}"
        elif hi is not None:
            text += f" <= {_fmt(hi)}"
    text += unit
    if nullable:
        text += ", or empty for NA"
    description = " ".join(str(prop.get("description", "")).split()).rstrip(".")
    if description:
        text += f" [{description}]"
    return text


def _parse_cell(raw: str, prop: dict[str, Any]) -> Any:
    """Turn a non-missing text cell into the schema's type, or raise :class:`_CellError`."""
    types = _types(prop)
    if "integer" in types or "number" in types:
        try:
            number = float(raw)
        except ValueError:
            raise _CellError("not a number") from None
        if not math.isfinite(number):
            raise _CellError("not a finite number")
        if "integer" in types:
            if not number.is_integer():
                raise _CellError("not a whole number")
            return int(number)
        return number
    if "enum" in prop:
        by_lower = {str(v).lower(): v for v in prop["enum"]}
        if raw.lower() in by_lower:
            return by_lower[raw.lower()]
    return raw


def _check_value(value: Any, prop: dict[str, Any], column: str) -> None:
    """Raise :class:`_CellError` when a typed value breaks its property's constraints."""
    if "enum" in prop and value not in prop["enum"]:
        raise _CellError("unknown value" if isinstance(value, str) else "not an allowed value")
    lo, hi = prop.get("minimum"), prop.get("maximum")
    if lo is not None and value < lo:
        raise _CellError("negative time" if column.endswith("_days") else "below the minimum")
    if hi is not None and value > hi:
        raise _CellError("above the maximum")
    errors = list(jsonschema.Draft202012Validator(prop).iter_errors(value))
    if errors:
        if errors[0].validator == "pattern":
            raise _CellError(f"invalid {column.replace('_', ' ')}")
        raise _CellError(f"invalid value ({errors[0].message})")


def _typed_row(
    row: _Row, props: dict[str, Any], *, path: Path, columns: list[str] | None = None
) -> dict[str, Any]:
    """Parse and check every known, non-missing cell of a row (in header order)."""
    typed: dict[str, Any] = {}
    for column, raw in row.cells.items():
        if raw in NA_TOKENS or column not in props or (columns and column not in columns):
            continue
        prop = props[column]
        try:
            value = _parse_cell(raw, prop)
            _check_value(value, prop, column)
        except _CellError as exc:
            raise InputError(
                str(exc),
                path=str(path),
                row=row.label,
                column=column,
                value=raw,
                allowed=allowed_text(prop, nullable=column != "sample_id"),
            ) from None
        typed[column] = value
    return typed


def _check_row_schema(typed: dict[str, Any], schema: dict[str, Any], *, path: Path, row: _Row):
    """Whole-row rules (required, dependentRequired, oneOf) after the per-cell checks."""
    for column, needs in schema.get("dependentRequired", {}).items():
        for other in needs:
            if column in typed and other not in typed:
                raise InputError(
                    f"'{column}' is given but '{other}' is empty",
                    path=str(path),
                    row=row.label,
                    column=other,
                    value=row.cells.get(other, ""),
                    allowed=f"'{column}' and '{other}' both given or both empty",
                )
    validator = jsonschema.Draft202012Validator(schema)
    error = next(iter(sorted(validator.iter_errors(typed), key=lambda e: e.message)), None)
    if error is not None:
        raise InputError(f"invalid row: {error.message}", path=str(path), row=row.label)


def _check_sample_id(row: _Row, props: dict[str, Any], *, path: Path, seen: dict[str, _Row]):
    sample_id = row.cells.get("sample_id", "")
    if sample_id in NA_TOKENS:
        raise InputError(
            "sample id is missing",
            path=str(path),
            row=row.label,
            column="sample_id",
            value=sample_id,
            allowed=allowed_text(props["sample_id"], nullable=False),
        )
    if sample_id.lower() in RESERVED_SAMPLE_IDS:
        raise InputError(
            "sample id is reserved: a cohort-level output file has the name a sample's "
            "output would take, so one would overwrite the other",
            path=str(path),
            row=row.label,
            column="sample_id",
            value=sample_id,
            allowed="any other id (not " + ", ".join(RESERVED_SAMPLE_IDS) + ")",
        )
    if sample_id in seen:
        raise InputError(
            f"duplicate sample id (first in {seen[sample_id].where})",
            path=str(path),
            row=row.label,
            column="sample_id",
            value=sample_id,
            allowed="each sample id once",
        )
    seen[sample_id] = row


# --------------------------------------------------------------------------------------
# FASTQ probe


def fastq_gz_problem(path: str | os.PathLike[str]) -> str | None:
    """Say what is wrong with a gzip-compressed FASTQ, or return None if it looks right.

    Checks the gzip magic bytes and the first record (4 lines: ``@`` header, sequence,
    ``+`` line, quality of the sequence's length). Reads at most the first record, so it
    costs milliseconds per file; damage further into the file is found by the trimming
    step. A gzip stream holding no data is a valid sample with zero reads; a 0-byte file is
    not gzip at all (``gzip < /dev/null > empty.fastq.gz`` makes a valid empty one).
    """
    path = Path(path)
    try:
        with open(path, "rb") as raw:
            magic = raw.read(2)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if not magic:
        return "is an empty file (0 bytes), not gzip-compressed"
    if magic != b"\x1f\x8b":
        return f"is not gzip-compressed (starts with {magic!r}, gzip starts with b'\\x1f\\x8b')"
    try:
        with gzip.open(path, "rb") as handle:
            lines = [handle.readline(_PROBE_LINE_BYTES) for _ in range(4)]
    except (OSError, EOFError, zlib.error) as exc:
        return f"is a damaged gzip file ({exc})"
    if not lines[0]:
        return None
    if not lines[0].startswith(b"@"):
        kind = " (looks like FASTA)" if lines[0].startswith(b">") else ""
        return f"is gzip but not FASTQ{kind}: the first line does not start with '@'"
    if not lines[3] or not all(line.endswith(b"\n") for line in lines[:3]):
        return "is gzip but not FASTQ: the first record has fewer than 4 lines"
    if not lines[2].startswith(b"+"):
        return "is gzip but not FASTQ: line 3 of the first record does not start with '+'"
    if len(lines[1].rstrip(b"\r\n")) != len(lines[3].rstrip(b"\r\n")):
        return "is gzip but not FASTQ: the first read's sequence and quality differ in length"
    return None


# --------------------------------------------------------------------------------------
# Sample sheet


#: Sample ids that would name a cohort-level output: ``mirgff3/cohort.gff3`` (the merged
#: miRNA GFF3) sits beside the per-sample ``mirgff3/{sample}.gff3``. Compared without case,
#: since a case-insensitive filesystem (macOS, Windows shares) maps both to one file.
#: ``tests/test_bad_inputs.py`` checks the rules for any other such directory.
RESERVED_SAMPLE_IDS = ("cohort",)

#: Bytes read from each end of a FASTQ for its fingerprint.
FINGERPRINT_BLOCK = 1 << 16


def fastq_fingerprint(path: str | os.PathLike[str]) -> str:
    """Size and a hash of the first and last 64 KiB of a file.

    Snakemake decides what to re-run by modification times, and ``cp -p``, ``rsync -a`` or
    ``tar x`` give a replaced FASTQ the old file's (older) time, so new reads would never be
    trimmed. As a rule parameter this fingerprint changes with the content and Snakemake's
    parameter trigger re-runs the sample. Reading two blocks keeps it cheap on large files;
    two gzip files of the same size with equal ends and different middles are not told
    apart, which for a replaced FASTQ (another sample, another run) does not happen.
    """
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        digest.update(fh.read(FINGERPRINT_BLOCK))
        if size > FINGERPRINT_BLOCK:
            fh.seek(max(FINGERPRINT_BLOCK, size - FINGERPRINT_BLOCK))
            digest.update(fh.read(FINGERPRINT_BLOCK))
    return f"{size}:{digest.hexdigest()[:16]}"


def _has_reads(path: str) -> bool:
    """Whether a gzip FASTQ holds anything (empty ones of two samples may be equal bytes)."""
    import gzip

    with gzip.open(path, "rb") as fh:
        return bool(fh.read(1))


def read_samples(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate the sample sheet; return it indexed by ``sample_id``.

    Columns of the result: ``fastq`` (a tuple of paths: several when the sample's
    ``sample_id`` is repeated, one row per lane or run, in the sheet's order, as nf-core
    merges them) and ``accession`` (str), None where absent, in the order samples first
    appear. Exactly one of them is set per sample. Checks, in order, stopping at the
    first problem: the file exists; the header has ``sample_id`` and ``fastq`` and/or
    ``accession`` and no other column (per-sample variables belong in the clinical table,
    and a misspelt column would otherwise be silently ignored); per row a valid, unique
    sample id, exactly one of fastq/accession, a valid accession (SRR/ERR/DRR run or
    SAMN/SAMEA/SAMD BioSample), no FASTQ or accession used twice, and an existing FASTQ
    that :func:`fastq_gz_problem` accepts. Relative FASTQ paths are relative to the current
    working directory (where Snakemake runs, its ``--directory``), not to the sheet; the
    paths are returned as written.
    """
    path = Path(path)
    schema = load_schema(SAMPLES_SCHEMA)
    props = schema["properties"]
    known = list(props)
    header, rows = _read_tsv(path, kind="sample sheet", known=known)
    _check_samples_header(header, path=path, known=known)
    if not rows:
        raise InputError(
            "sample sheet has a header but no samples", path=str(path), allowed="one row per sample"
        )
    seen: dict[str, _Row] = {}
    seen_source: dict[tuple[str, str], _Row] = {}
    records: dict[str, dict[str, Any]] = {}
    for row in rows:
        first = seen.pop(row.cells.get("sample_id", ""), None)
        _check_sample_id(row, props, path=path, seen=seen)
        typed = _typed_row(row, props, path=path)
        given = [c for c in ("fastq", "accession") if c in typed]
        if len(given) != 1:
            if given:
                message, column = "has both a FASTQ path and an accession", "accession"
            else:
                message = "has neither a FASTQ path nor an accession"
                column = "fastq" if "fastq" in header else "accession"
            raise InputError(
                message,
                path=str(path),
                row=row.label,
                column=column,
                value=row.cells.get(column, ""),
                allowed="a FASTQ path or an accession, exactly one per sample",
            )
        _check_row_schema(typed, schema, path=path, row=row)
        column = given[0]
        if first is not None:
            seen[typed["sample_id"]] = first
            if column != "fastq" or records[typed["sample_id"]]["fastq"] is None:
                raise InputError(
                    f"sample id repeated ({first.where}): repeated rows list the FASTQ files "
                    "of one library (lanes or runs), and these rows are not both FASTQ rows",
                    path=str(path),
                    row=row.label,
                    column="sample_id",
                    value=typed["sample_id"],
                    allowed="repeated rows with a fastq path each, or one accession per sample",
                )
        # A FASTQ is one file however its path is spelled (./x, an absolute path, a
        # symbolic link), so paths are compared resolved.
        value = typed[column]
        key = (column, os.path.realpath(value) if column == "fastq" else value)
        if key in seen_source:
            raise InputError(
                f"{column} already used by sample '{seen_source[key].cells['sample_id']}' "
                f"({seen_source[key].where}"
                + (f", as '{seen_source[key].cells['fastq']}'" if column == "fastq" else "")
                + ")",
                path=str(path),
                row=row.label,
                column=column,
                value=value,
                allowed=f"a different {column} for each sample",
            )
        seen_source[key] = row
        if column == "fastq":
            _check_fastq(value, path=path, row=row)
            if _has_reads(value):
                same = ("content", fastq_fingerprint(value))
                if same in seen_source:
                    first_row = seen_source[same]
                    raise InputError(
                        f"FASTQ has the same content as '{first_row.cells['fastq']}' of sample "
                        f"'{first_row.cells['sample_id']}' ({first_row.where}): a copy of one "
                        "library under two names",
                        path=str(path),
                        row=row.label,
                        column=column,
                        value=value,
                        allowed="a different FASTQ file for each sample and lane",
                    )
                seen_source[same] = row
        if first is not None:
            records[typed["sample_id"]]["fastq"] += (typed["fastq"],)
            continue
        records[typed["sample_id"]] = {
            "sample_id": typed["sample_id"],
            "fastq": (typed["fastq"],) if column == "fastq" else None,
            "accession": typed.get("accession"),
        }
    frame = pd.DataFrame.from_records(
        list(records.values()), columns=["sample_id", "fastq", "accession"]
    )
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.set_index("sample_id")


def _check_samples_header(header: list[str], *, path: Path, known: list[str]) -> None:
    allowed = "sample_id, and fastq and/or accession"
    if "sample_id" not in header:
        raise InputError(
            "the header has no 'sample_id' column",
            path=str(path),
            value="\t".join(header),
            allowed=allowed,
        )
    if "fastq" not in header and "accession" not in header:
        raise InputError(
            "the header has neither a 'fastq' nor an 'accession' column",
            path=str(path),
            value="\t".join(header),
            allowed=allowed,
        )
    for column in header:
        if column not in known:
            hint = _did_you_mean(column, known)
            raise InputError(
                "unknown column in the header"
                + (f" (did you mean '{hint}'?)" if hint else "")
                + "; per-sample variables belong in the clinical table",
                path=str(path),
                column=column,
                allowed=", ".join(known),
            )


def _check_fastq(fastq: str, *, path: Path, row: _Row) -> None:
    file = Path(fastq)
    if not file.is_file():
        where = "" if file.is_absolute() else f"; relative paths are relative to {Path.cwd()}"
        raise InputError(
            f"FASTQ file {'is not a file' if file.exists() else 'not found'}{where}",
            path=str(path),
            row=row.label,
            column="fastq",
            value=fastq,
            allowed=f"an existing path to {FASTQ_ALLOWED}",
        )
    problem = fastq_gz_problem(file)
    if problem is not None:
        raise InputError(
            f"FASTQ file {problem}",
            path=str(path),
            row=row.label,
            column="fastq",
            value=fastq,
            allowed=FASTQ_ALLOWED,
        )


def preview(items: list[str], limit: int = 5) -> str:
    """The first few items of a list for a message, with the total when cut."""
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def _did_you_mean(name: str, known: list[str]) -> str | None:
    close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.8)
    return close[0] if close else None

"""The clinical table: its one reader and its one writer.

Every command that uses clinical variables reads the table with :func:`read_clinical`, and
the workflow's first clinical step writes the canonical copy with :func:`write_clinical`,
so a user's hand-made table (``NA`` and empty cells, ``#`` comment lines, header and
category case, padded cells, any column order) means the same thing in every rule. The
reading rules shared with the sample sheet are in :mod:`mirscope.inputs.sheets`.

Typed frame (the contract): index ``sample_id`` (str); known text columns hold str or
None; integer columns (``ecog``, grades, event flags, ``prior_lines``) hold ``int64``
when complete, else Python ints and None (object); measurement and time columns are
``float64`` with NaN. Unknown columns follow after the known ones: ``float64`` if every
non-missing cell is a number, else str or None, with spellings that differ only in case
read as the one most cells use (``Yes``, ``yes``: one category).

Extra columns the config names (:func:`config_columns`: a covariate, a correlation
variable, a companion marker...) are typed strictly, since an analysis uses them: every
non-missing cell a number makes a numeric column; a cell written with a decimal comma
(``1,5``), a censored value (``<10``, ``>2000``), or text among numbers stops the run
with one line naming the file, row, sample, column and the fix, instead of silently
becoming missing or turning the column into one category per patient. A column an
analysis needs as numbers (a correlation, a kinetics marker) must be numeric.

Canonical file: the known columns in schema order, then the others in the user's order;
one row per sample in sample-sheet order; missing values as empty cells; categories in
the schema's spelling; numbers in their shortest round-trip form. Reading a canonical file
gives back the same frame.
"""

from __future__ import annotations

import logging
import math
import os
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from mirscope.errors import InputError, MirscopeWarning
from mirscope.inputs.config import load_schema
from mirscope.inputs.sheets import (
    CLINICAL_SCHEMA,
    NA_TOKENS,
    _check_row_schema,
    _check_sample_id,
    _did_you_mean,
    _read_tsv,
    _Row,
    _typed_row,
    _types,
    preview,
)
from mirscope.io import write_text

#: Onset columns and the grade that says whether the event happened: an onset day for a
#: patient whose grade is 0 contradicts the grade, and which of the two is wrong only the
#: user can tell, so it stops the run instead of counting toward a median onset.
ONSET_OF_GRADE = {"crs_onset_days": "crs_grade", "icans_onset_days": "icans_grade"}


def clinical_columns() -> list[str]:
    """The known clinical columns, in schema order (``sample_id`` first)."""
    return list(load_schema(CLINICAL_SCHEMA)["properties"])


def missing_clinical_columns(clinical: pd.DataFrame) -> list[str]:
    """Known clinical columns a table lacks (the analyses needing them will be skipped)."""
    return [c for c in clinical_columns()[1:] if c not in clinical.columns]


#: A decimal comma (``1,5``, ``-0,25``): rejected, not guessed, since ``1,500`` may be a
#: thousands separator.
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
#: A value censored at a detection limit (``<10``, ``> 2000``, ``<=0.5``).
_CENSORED = re.compile(r"^(<=?|>=?|≤|≥)\s*[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def config_columns(cfg: Mapping[str, Any]) -> dict[str, tuple[str, bool]]:
    """The clinical columns a completed config names: column -> (the first key naming it,
    whether that use needs numbers).

    Covers the DE contrasts and covariates, the clustering variables, the models'
    covariates, correlations and published predictors, and the companion analyses'
    response, markers and model covariates when their table is given. A miRNA or a
    contrast name in these keys is no clinical column and is simply never found.
    """
    named: list[tuple[str, str, bool]] = []
    de = cfg.get("de") or {}
    for i, entry in enumerate(de.get("contrasts") or []):
        named.append((entry["variable"], f"de.contrasts[{i}].variable", False))
    for i, column in enumerate(de.get("covariates") or []):
        named.append((column, f"de.covariates[{i}]", False))
    for i, spec in enumerate((cfg.get("clustering") or {}).get("variables") or []):
        named.append((spec.partition("=")[0], f"clustering.variables[{i}]", False))
    models = cfg.get("models") or {}
    for group in ("crs_covariates", "icans_covariates", "response_covariates"):
        for i, column in enumerate(models.get(group) or []):
            named.append((column, f"models.{group}[{i}]", False))
    for i, entry in enumerate(models.get("correlations") or []):
        named.append((entry.partition(":")[2], f"models.correlations[{i}]", True))
    for model, predictors in (models.get("published") or {}).items():
        for i, column in enumerate(predictors or []):
            named.append((column, f"models.published.{model}[{i}]", False))
    comp = cfg.get("companion") or {}
    if comp.get("kinetics") or comp.get("covariates"):
        named.append((comp.get("response", ""), "companion.response", False))
    if comp.get("kinetics"):
        named.append((comp.get("marker", ""), "companion.marker", True))
        for group in ("inflammation_markers", "combined_markers"):
            for i, column in enumerate(comp.get(group) or []):
                named.append((column, f"companion.{group}[{i}]", True))
        for i, column in enumerate(comp.get("cox_covariates") or []):
            named.append((column, f"companion.cox_covariates[{i}]", False))
        for i, term in enumerate(comp.get("cox_interactions") or []):
            for column in term.split(":"):
                named.append((column, f"companion.cox_interactions[{i}]", False))
    out: dict[str, tuple[str, bool]] = {}
    for column, key, number in named:
        if column and (column not in out or (number and not out[column][1])):
            out[column] = (key, number)
    return out


def read_clinical(
    path: str | os.PathLike[str],
    sample_ids: list[str] | None = None,
    *,
    samples_path: str | os.PathLike[str] | None = None,
    named: Mapping[str, tuple[str, bool]] | None = None,
) -> pd.DataFrame:
    """Read and validate the clinical table; return it indexed by ``sample_id``.

    Only ``sample_id`` is required. Known columns (``schemas/clinical.schema.yaml``) are
    typed as the module docstring says. Unknown columns are kept after the known ones: ``float64``
    if every non-missing cell is a number, else str; a name close to a known one (``os_day``)
    gives a :class:`MirscopeWarning`. Rows come back in the order of ``sample_ids``.

    Every sample of the sample sheet needs exactly one row (a row holding only the
    ``sample_id`` is a sample without clinical data) and every row needs a sample, so a
    mistyped id cannot silently drop a patient. ``samples_path`` only names the sheet in
    messages. Without ``sample_ids`` (a statistics command given the canonical table) the
    rows are taken as they are, in file order.

    ``named`` (:func:`config_columns`): the extra columns the config uses, typed by the
    strict rule of the module docstring (validation and the parse step pass it; the
    canonical table the statistics read has passed it already).
    """
    path = Path(path)
    schema = load_schema(CLINICAL_SCHEMA)
    props = schema["properties"]
    known = list(props)
    header, rows = _read_tsv(path, kind="clinical table", known=known)
    if "sample_id" not in header:
        raise InputError(
            "the header has no 'sample_id' column",
            path=str(path),
            value="\t".join(header),
            allowed="a 'sample_id' column naming the samples of the sample sheet",
        )
    extras = [c for c in header if c not in props]
    for column in extras:
        hint = _did_you_mean(column, known)
        if hint and hint not in header:
            warnings.warn(
                f"{path}: column '{column}' is not a known clinical column (did you mean "
                f"'{hint}'?); it is kept as an extra variable",
                MirscopeWarning,
                stacklevel=2,
            )
    sheet = str(samples_path) if samples_path is not None else "the sample sheet"
    wanted = None if sample_ids is None else set(sample_ids)
    seen: dict[str, _Row] = {}
    records: list[dict[str, Any]] = []
    for row in rows:
        _check_sample_id(row, props, path=path, seen=seen)
        typed = _typed_row(row, props, path=path, columns=["sample_id"])
        if wanted is not None and typed["sample_id"] not in wanted:
            raise InputError(
                f"no such sample in {sheet}",
                path=str(path),
                row=row.label,
                column="sample_id",
                value=typed["sample_id"],
                allowed=f"a sample_id of {sheet} ({preview(sample_ids)})",
            )
        typed = _typed_row(row, props, path=path)
        _check_row_schema(typed, schema, path=path, row=row)
        _check_onset(typed, path=path, row=row)
        for column in extras:
            raw = row.cells[column]
            typed[column] = None if raw in NA_TOKENS else raw
        records.append(typed)
    for column in extras:
        if named and column in named:
            key, number = named[column]
            _check_named_column(column, rows, path=path, key=key, number=number)
    if sample_ids is None:
        sample_ids = list(seen)
    missing = [s for s in sample_ids if s not in seen]
    if missing:
        raise InputError(
            f"{len(missing)} sample(s) of {sheet} have no clinical row: {preview(missing)}",
            path=str(path),
            column="sample_id",
            value=missing[0],
            allowed="one row per sample; a row with only the sample_id marks a sample "
            "without clinical data (or remove the sample from the sample sheet)",
        )
    return _clinical_frame(records, header, props, sample_ids)


def _check_named_column(
    column: str, rows: list[_Row], *, path: Path, key: str, number: bool
) -> None:
    """Type an extra column the config names (module docstring), or raise one
    :class:`InputError` at the first cell that breaks the rule."""
    cells = [(row, row.cells[column]) for row in rows if row.cells[column] not in NA_TOKENS]
    missing = "empty or NA for a missing value"
    use = f"column '{column}' is used by key '{key}'"

    def fail(row: _Row, raw: str, why: str, allowed: str) -> InputError:
        sample = row.cells.get("sample_id", "")
        return InputError(
            f"sample {sample}: {why} ({use})",
            path=str(path),
            row=row.label,
            column=column,
            value=raw,
            allowed=allowed,
        )

    for row, raw in cells:
        if _DECIMAL_COMMA.match(raw):
            raise fail(
                row,
                raw,
                "a decimal comma",
                f"a decimal point ({raw.replace(',', '.')}); {missing}",
            )
        if _CENSORED.match(raw):
            raise fail(
                row,
                raw,
                "a value censored at a detection limit, which would be read as missing",
                "a number: the value your protocol uses for it (e.g. the limit, or half of "
                f"it), or {missing} (the patient is left out of analyses using it)",
            )
    numbers = [(row, raw) for row, raw in cells if _is_number(raw)]
    texts = [(row, raw) for row, raw in cells if not _is_number(raw)]
    if texts and (numbers or number):
        row, raw = texts[0]
        why = (
            f"text in a column of numbers ({len(numbers)} of {len(cells)} cells are numbers)"
            if numbers
            else "text where a number is needed"
        )
        raise fail(
            row,
            raw,
            why,
            f"a number in every cell, {missing}"
            + ("" if number else "; or text in every cell for a category"),
        )


def _is_number(raw: str) -> bool:
    try:
        return math.isfinite(float(raw))
    except ValueError:
        return False


def _check_onset(typed: dict[str, Any], *, path: Path, row: _Row) -> None:
    for onset, grade in ONSET_OF_GRADE.items():
        if typed.get(onset) is not None and typed.get(grade) == 0:
            raise InputError(
                f"an onset day is given but {grade} is 0 (no event)",
                path=str(path),
                row=row.label,
                column=onset,
                value=row.cells.get(onset, ""),
                allowed=f"empty when {grade} is 0; a day >= 0 when {grade} is 1-5",
            )


def _clinical_frame(
    records: list[dict[str, Any]], header: list[str], props: dict[str, Any], order: list[str]
) -> pd.DataFrame:
    known = [c for c in props if c in header]
    extras = [c for c in header if c not in props]
    frame = pd.DataFrame.from_records(records, columns=known + extras)
    for column in known[1:]:
        types = _types(props[column])
        if "integer" in types:
            values = frame[column].tolist()
            complete = all(v is not None and not _is_nan(v) for v in values)
            frame[column] = pd.Series(
                [None if v is None or _is_nan(v) else int(v) for v in values],
                index=frame.index,
                dtype="int64" if complete else object,
            )
        elif "number" in types:
            frame[column] = pd.to_numeric(frame[column]).astype("float64")
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    for column in extras:
        values = frame[column]
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().sum() == values.notna().sum():
            frame[column] = numeric.astype("float64")
        else:
            frame[column] = pd.Series(
                _one_spelling(values.tolist()), index=frame.index, dtype=object
            )
    frame = frame.set_index("sample_id")
    return frame.loc[[s for s in order if s in frame.index]]


def _one_spelling(values: list[Any]) -> list[str | None]:
    """Text cells with spellings that differ only in case read as one: the spelling most
    cells use (the first seen among equals), so a few cells typed in capitals do not
    rename the category."""
    texts = [None if v is None or _is_nan(v) else str(v) for v in values]
    tally: dict[str, dict[str, int]] = {}
    for text in texts:
        if text is not None:
            spellings = tally.setdefault(text.lower(), {})
            spellings[text] = spellings.get(text, 0) + 1
    chosen = {low: max(sp, key=sp.__getitem__) for low, sp in tally.items()}
    return [None if t is None else chosen[t.lower()] for t in texts]


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _cell(value: Any) -> str:
    """One canonical cell: empty for missing, shortest round-trip text for numbers."""
    if value is None or _is_nan(value) or value is pd.NA:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def canonical_text(frame: pd.DataFrame) -> str:
    """The canonical TSV text of a typed clinical frame (see the module docstring)."""
    lines = ["\t".join(["sample_id", *map(str, frame.columns)])]
    for sample, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        lines.append("\t".join([str(sample), *(_cell(v) for v in row)]))
    return "\n".join(lines) + "\n"


def write_clinical(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write the canonical clinical table atomically (the only writer of this contract)."""
    write_text(path, canonical_text(frame))


def log_patients_used(
    patients: pd.DataFrame | Iterable[object],
    columns: Sequence[str] = (),
    *,
    what: str,
    logger: logging.Logger,
    samples: Sequence[str] | None = None,
    used: Iterable[bool] | None = None,
    why: str = "left out",
) -> None:
    """One log line: how many patients an analysis has, and who is left out where.

    A missing value means the patient is left out of the tests using that variable, never
    a category of its own; the line makes the numbers behind each p-value checkable. The
    one logger of every stage, in two forms:

    * per variable: ``patients`` is a table indexed by sample_id, ``columns`` the
      variables the analysis uses; each is named with the patients it lacks. ``samples``
      are the count matrix's columns, where the analysis uses counts: a patient whose
      sample was dropped for yielding no reads is named as left out for that reason.
    * one selection (``used``, one flag per patient): ``patients`` are the sample ids (or
      a table indexed by them) and ``why`` says what the left-out patients lack. The
      companion analyses join tables and drop patients with a missing endpoint this way.
    """
    if used is not None:
        ids = patients.index if isinstance(patients, pd.DataFrame) else patients
        ids = [str(i) for i in ids]
        flags = [bool(u) for u in used]
        if len(flags) != len(ids):
            raise ValueError(f"{what}: {len(flags)} flags for {len(ids)} patients")
        out = [i for i, u in zip(ids, flags, strict=True) if not u]
        if out:
            logger.warning(
                "%s: %d of %d patients used; %d left out (%s: %s)",
                what,
                len(ids) - len(out),
                len(ids),
                len(out),
                why,
                _shown(out, 10),
            )
        else:
            logger.info("%s: all %d patients used", what, len(ids))
        return
    frame = patients
    parts = []
    total = len(frame)
    if samples is not None:
        present = set(map(str, samples))
        lacking = [str(s) for s in frame.index if str(s) not in present]
        if lacking:
            parts.append(f"counts {len(frame) - len(lacking)} ({_named(lacking, 'no counts')})")
            frame = frame.loc[[str(s) in present for s in frame.index]]
    for column in dict.fromkeys(c for c in columns if c in frame.columns):
        missing = frame.index[frame[column].isna()].astype(str).tolist()
        if missing:
            parts.append(f"{column} {len(frame) - len(missing)} ({_named(missing, 'missing')})")
    if parts:
        logger.warning(
            "%s: %d patients; used per variable, the others left out: %s",
            what,
            total,
            "; ".join(parts),
        )
    else:
        logger.info("%s: all %d patients used (no missing values)", what, len(frame))


def _shown(ids: list[str], most: int) -> str:
    return ", ".join(ids[:most]) + (", ..." if len(ids) > most else "")


def _named(ids: list[str], why: str) -> str:
    return f"{len(ids)} {why}: {_shown(ids, 5)}"

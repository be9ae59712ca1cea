"""Two-group comparisons of patients, declared in config by name, variable and rule.

The paper compares patients by toxicity (CRS grade >= 2 vs < 2; any ICANS vs none; ICANS
grade >= 2 vs < 2) and response (responders CR/PR vs non-responders SD/PD, not-evaluable
patients excluded). A contrast turns one clinical column into the groups ``case`` (the
patients with the outcome; the log2 fold change numerator) and ``control`` (the
reference), and refuses to test groups too small for DESeq2's dispersion and outlier
machinery.

Rules:

* ``ge2``: numeric grade >= 2 is ``case``, < 2 ``control``;
* ``gt0``: numeric grade > 0 is ``case``, 0 ``control``;
* ``responder``: CR or PR is ``case``, SD or PD ``control``, NE excluded.

Patients with the variable missing (empty) or NE are excluded and counted, with a warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from mirscope.errors import InputError, MirscopeWarning
from mirscope.inputs.outcomes import CASE, CONTROL, MIN_GROUP, RULES, outcome_class

#: The paper's comparisons (also the schema default of ``de.contrasts``).
DEFAULT_CONTRASTS = (
    {"name": "crs_ge2", "variable": "crs_grade", "rule": "ge2"},
    {"name": "icans", "variable": "icans_grade", "rule": "gt0"},
    {"name": "icans_ge2", "variable": "icans_grade", "rule": "ge2"},
    {"name": "response_3m", "variable": "response_3m", "rule": "responder"},
    {"name": "response_12m", "variable": "response_12m", "rule": "responder"},
)


@dataclass(frozen=True)
class Contrast:
    """One comparison: ``name`` (used in file names), clinical ``variable``, ``rule``."""

    name: str
    variable: str
    rule: str

    @classmethod
    def from_config(cls, entry: Mapping[str, str]) -> Contrast:
        if entry.get("rule") not in RULES:
            raise InputError(
                f"contrast '{entry.get('name')}': unknown rule",
                column="de.contrasts.rule",
                value=entry.get("rule"),
                allowed=", ".join(RULES),
            )
        return cls(str(entry["name"]), str(entry["variable"]), str(entry["rule"]))

    @classmethod
    def parse(cls, text: str) -> Contrast:
        """A contrast typed on the command line as ``NAME:VARIABLE:RULE``."""
        parts = text.split(":")
        if len(parts) != 3:
            raise InputError(
                "contrast must be NAME:VARIABLE:RULE",
                value=text,
                allowed="e.g. crs_ge2:crs_grade:ge2",
            )
        return cls.from_config(dict(zip(("name", "variable", "rule"), parts)))


def contrasts_from_config(entries: Iterable[Mapping[str, str]]) -> list[Contrast]:
    """Parse ``de.contrasts``; names must be unique (they name output files)."""
    out = [Contrast.from_config(e) for e in entries]
    names = [c.name for c in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise InputError("contrast names must be unique", value=sorted(dup)[0])
    return out


def find_contrast(contrasts: Iterable[Contrast], name: str) -> Contrast:
    """The contrast called ``name`` (error lists the configured names)."""
    contrasts = list(contrasts)
    for c in contrasts:
        if c.name == name:
            return c
    raise InputError("unknown contrast", value=name, allowed=", ".join(c.name for c in contrasts))


def classify(
    clinical: pd.DataFrame, contrast: Contrast, *, source: str = "clinical table"
) -> pd.Series:
    """``case``/``control``/None per sample (index of ``clinical``), no size checks.

    Raises :class:`InputError` for a missing column or a value the rule cannot read.
    """
    if contrast.variable not in clinical.columns:
        raise InputError(
            f"contrast '{contrast.name}' needs a column that is missing",
            path=source,
            column=contrast.variable,
            allowed=", ".join(map(str, clinical.columns)),
        )
    labels: dict[str, str | None] = {}
    for sample, value in clinical[contrast.variable].items():
        try:
            labels[str(sample)] = outcome_class(value, contrast.rule)
        except ValueError:
            allowed = (
                "CR, PR, SD, PD, NE or empty"
                if contrast.rule == "responder"
                else "a numeric grade or empty"
            )
            raise InputError(
                f"contrast '{contrast.name}': value not readable by rule '{contrast.rule}'",
                path=source,
                row=str(sample),
                column=contrast.variable,
                value=value,
                allowed=allowed,
            ) from None
    return pd.Series(labels, name=contrast.name, dtype=object)


def assign_groups(
    clinical: pd.DataFrame, contrast: Contrast, *, source: str = "clinical table"
) -> pd.Series:
    """``case``/``control`` per sample_id (index of ``clinical``); excluded samples dropped.

    Raises :class:`InputError` for a missing column, a value the rule cannot read, or a
    group with fewer than 3 patients; warns (:class:`MirscopeWarning`) with the number of
    patients excluded for a missing/NE value.
    """
    labels = classify(clinical, contrast, source=source)
    excluded = int(labels.isna().sum())
    if excluded:
        warnings.warn(
            f"contrast '{contrast.name}': {excluded} of {len(clinical)} patients excluded "
            f"(column '{contrast.variable}' empty or NE)",
            MirscopeWarning,
            stacklevel=2,
        )
    series = labels.dropna()
    n_case = int((series == CASE).sum())
    n_control = int((series == CONTROL).sum())
    if min(n_case, n_control) < MIN_GROUP:
        raise InputError(
            f"contrast '{contrast.name}' has {n_case} case and {n_control} control patients; "
            f"each group needs at least {MIN_GROUP}",
            path=source,
            column=contrast.variable,
            allowed=f">= {MIN_GROUP} patients per group",
        )
    return series


def group_sizes(groups: pd.Series) -> dict[str, int]:
    """Number of ``case`` and ``control`` patients."""
    return {CASE: int((groups == CASE).sum()), CONTROL: int((groups == CONTROL).sum())}


def align_samples(
    counts_samples: list[str], table: pd.DataFrame, *, source: str = "table"
) -> pd.DataFrame:
    """Rows of ``table`` for the count matrix's samples, in its order; all must be present."""
    missing = [s for s in counts_samples if s not in table.index]
    if missing:
        raise InputError(
            f"{len(missing)} sample(s) of the count matrix have no row",
            path=source,
            row=missing[0],
            column="sample_id",
            allowed="one row per sample of the count matrix",
        )
    return table.loc[counts_samples]

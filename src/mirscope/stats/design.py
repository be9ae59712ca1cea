"""Patient-level model tables: encoded clinical covariates, 0/1 outcomes and miRNA levels.

Encodings (documented so coefficients can be read):

* ``sex`` -> ``sex_female`` (F = 1, M = 0); ``histology`` -> ``histology_pmbcl`` (PMBCL = 1);
  ``product`` -> ``product_tisa_cel`` (tisa-cel = 1, axi-cel = 0); ``ecog`` ->
  ``ecog_ge1`` (ECOG >= 1 = 1, as the paper reports ECOG >= 1); ``bridging`` ->
  ``bridging_failure`` (failure = 1); any other clinical column is used as a number.
* Outcomes follow :mod:`mirscope.inputs.outcomes` (``crs_ge2``: CRS grade >= 2; ``icans``: any
  ICANS; ``icans_ge2``; ``response_3m``/``response_12m``: CR/PR = 1, SD/PD = 0, NE left out).
* miRNAs: ``log2`` (default) uses log2(normalized + 1), so an odds ratio is per doubling;
  ``raw`` uses the normalized counts as the paper's Table 1 apparently did (coefficients
  per normalized count).
* Any other table (the companion studies' covariates, :func:`code_column`): a column whose
  values all read as numbers enters as it is; a text column is treatment-coded against its
  first level in sorted order (R's factor default), one 0/1 column ``column[level]`` per
  other level, NaN where the value is missing. The Cox/logistic tables and the forest
  importance both code through it, so a covariate means the same in every model.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mirscope.errors import InputError
from mirscope.inputs.outcomes import CASE, DEFAULT_CONTRASTS, Contrast, classify
from mirscope.io import require_columns

ENCODINGS = {
    "sex": ("sex_female", {"F": 1.0, "M": 0.0}),
    "histology": ("histology_pmbcl", {"PMBCL": 1.0, "LBCL": 0.0}),
    "product": ("product_tisa_cel", {"tisa-cel": 1.0, "axi-cel": 0.0}),
    "bridging": ("bridging_failure", {"failure": 1.0, "response": 0.0, "none": 0.0}),
}
MIRNA_SCALES = ("log2", "raw")


def covariate_name(column: str) -> str:
    """Model term name of a clinical column (``sex`` -> ``sex_female``)."""
    if column in ENCODINGS:
        return ENCODINGS[column][0]
    if column == "ecog":
        return "ecog_ge1"
    return column


def code_column(
    series: pd.Series, column: str, *, source: str, two_levels: bool = False
) -> dict[str, pd.Series]:
    """``{term name: float series}`` for one column (see the module docstring).

    ``two_levels`` is for a model that needs one column per covariate (the forests rank
    covariates, not dummies): a text column must then have exactly two levels.
    """
    numeric = pd.to_numeric(series, errors="coerce")
    if numeric.notna().sum() == series.notna().sum():
        return {column: numeric.astype(float)}
    levels = sorted(series.dropna().astype(str).unique())
    if two_levels and len(levels) != 2:
        raise InputError(
            "text covariate must have two levels", path=source, column=column, value=levels
        )
    if len(levels) < 2:
        raise InputError(
            "a text covariate needs at least two levels", path=source, column=column, value=levels
        )
    text = series.astype(str)
    return {
        f"{column}[{level}]": (text == level).astype(float).where(series.notna())
        for level in levels[1:]
    }


def encode_covariate(clinical: pd.DataFrame, column: str, *, source: str) -> pd.Series:
    """One clinical column as a float series (NaN = missing), see module docstring."""
    require_columns(
        clinical, [column], source=source, message="covariate column not in the clinical table"
    )
    mapping = ENCODINGS[column][1] if column in ENCODINGS else None
    return encode_values(
        clinical[column],
        column=column,
        source=source,
        levels=mapping,
        at_least=1.0 if column == "ecog" else None,
        what="covariate",
    ).rename(covariate_name(column))


def encode_values(
    raw: pd.Series,
    *,
    column: str,
    source: str,
    levels: Mapping[str, float] | None = None,
    at_least: float | None = None,
    what: str = "value",
) -> pd.Series:
    """A clinical column's cells as floats (NaN = missing): through ``levels`` for a
    category, ``value >= at_least`` as 0/1 for a threshold, else the number itself. The
    one encoding both the model fit and the scoring of a new cohort with a model file use,
    so a patient gets the same value in both."""
    out = pd.Series(np.nan, index=raw.index, dtype=float)
    for sample, value in raw.items():
        if value is None or pd.isna(value) or str(value).strip() == "":
            continue
        text = str(value).strip()
        if levels is not None:
            if text not in levels:
                raise InputError(
                    "unexpected category",
                    path=source,
                    row=str(sample),
                    column=column,
                    value=text,
                    allowed=", ".join(levels),
                )
            out[sample] = float(levels[text])
            continue
        try:
            number = float(text)
        except ValueError:
            raise InputError(
                f"{what} must be numeric", path=source, row=str(sample), column=column, value=text
            ) from None
        out[sample] = float(number >= at_least) if at_least is not None else number
    return out


def outcome_series(clinical: pd.DataFrame, outcome: str, *, source: str) -> pd.Series:
    """0/1/NaN per patient for a named outcome (one of the paper's contrasts)."""
    contrasts = {c["name"]: c for c in DEFAULT_CONTRASTS}
    if outcome not in contrasts:
        raise InputError("unknown outcome", value=outcome, allowed=", ".join(contrasts))
    labels = classify(clinical, Contrast.from_config(contrasts[outcome]), source=source)
    return labels.map(lambda v: np.nan if v is None else float(v == CASE)).astype(float)


def scale_mirnas(counts: pd.DataFrame, scale: str) -> pd.DataFrame:
    """Samples x miRNAs on the documented scale (``counts``: miRNA rows, sample columns)."""
    if scale not in MIRNA_SCALES:
        raise InputError("unknown miRNA scale", value=scale, allowed=", ".join(MIRNA_SCALES))
    values = counts.T.astype(float)
    return np.log2(values + 1.0) if scale == "log2" else values


def model_frame(
    clinical: pd.DataFrame,
    mirnas: pd.DataFrame,
    outcome: str,
    covariates: list[str],
    *,
    source: str = "clinical table",
) -> tuple[pd.DataFrame, list[str]]:
    """Patients with a known outcome: column ``y``, encoded covariates, then miRNAs.

    Returns the frame (index = sample_id, sorted) and the covariate term names. Patients
    present in only one of the two tables are left out.
    """
    common = sorted(set(clinical.index) & set(mirnas.index))
    if not common:
        raise InputError(
            "no sample_id is shared by the clinical table and the count matrix", path=source
        )
    clin = clinical.loc[common]
    y = outcome_series(clin, outcome, source=source)
    parts = [y.rename("y")]
    names = []
    for col in covariates:
        series = encode_covariate(clin, col, source=source)
        parts.append(series)
        names.append(series.name)
    parts.append(mirnas.loc[common])
    frame = pd.concat(parts, axis=1)
    frame = frame[frame["y"].notna()]
    return frame, names

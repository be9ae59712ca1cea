"""Scoring a cohort with a model file: size factors, predictor values, linear predictor,
probability and class, per patient. Compute only (:mod:`mirscope.stages.predict` writes).

The steps reproduce the training fit exactly for a training patient: the size factor
against the stored reference is the training factor (:func:`~mirscope.de.normalize.
reference_size_factors` with the training constant), the miRNA scale and the clinical
encodings are the ones the fit used (stored in the file), and the linear predictor is
``intercept + sum(coefficient * value)``, as :meth:`~mirscope.stats.logistic.LogisticFit.
predict_proba` computes it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from mirscope.de.normalize import filter_detected, reference_size_factors, size_factors
from mirscope.errors import InputError
from mirscope.stats.design import encode_values
from mirscope.stats.modelfile import reference_of

SCORE_COLUMNS = ("sample_id", "size_factor", "linear_predictor", "probability", "predicted_class")


def cohort_size_factors(model: dict, counts: pd.DataFrame) -> pd.Series:
    """Each sample's size factor as the model file says: against the training reference,
    or the scored cohort's own DESeq2 factors."""
    ref = reference_of(model)
    if ref is not None:
        return reference_size_factors(counts, ref)
    norm = model["normalization"]
    kept = filter_detected(counts, int(norm.get("min_samples", 1)))
    return size_factors(kept, norm.get("size_factors", "auto"))


def _clinical_value(column: str, encoding: dict, clinical: pd.DataFrame, source: str) -> pd.Series:
    if column not in clinical.columns:
        raise InputError(
            "the model needs a clinical column the table lacks", path=source, column=column
        )
    kind = encoding["type"]
    return encode_values(
        clinical[column],
        column=column,
        source=source,
        levels={str(k): float(v) for k, v in encoding["levels"].items()}
        if kind == "levels"
        else None,
        at_least=float(encoding["value"]) if kind == "at_least" else None,
    )


def predictor_values(
    model: dict,
    normalized: pd.DataFrame,
    clinical: pd.DataFrame | None,
    *,
    source: str = "count matrix",
    clinical_source: str = "clinical table",
) -> pd.DataFrame:
    """Samples x the model's terms, each on the model's scale (``normalized``: miRNAs x
    samples). A miRNA the cohort lacks is an error naming it, unless the model file lists
    it under ``allow_missing`` (then it counts as not detected, 0)."""
    samples = list(normalized.columns)
    values = {}
    for pred in model["predictors"]:
        term = pred["term"]
        if pred["type"] == "mirna":
            mirna = pred["mirna"]
            if mirna in normalized.index:
                level = normalized.loc[mirna, samples].astype(float)
            elif mirna in model.get("allow_missing", []):
                level = pd.Series(0.0, index=samples)
            else:
                raise InputError(
                    f"the cohort lacks a miRNA of model {model['name']}",
                    path=source,
                    value=mirna,
                )
            values[term] = np.log2(level + 1.0) if pred["scale"] == "log2" else level
        else:
            if clinical is None:
                raise InputError(
                    f"model {model['name']} needs clinical column '{pred['column']}'; give "
                    "--clinical",
                    path=source,
                )
            col = _clinical_value(pred["column"], pred["encoding"], clinical, clinical_source)
            values[term] = col.reindex(samples)
    return pd.DataFrame(values, index=pd.Index(samples, name="sample_id"))


def score_cohort(
    model: dict,
    counts: pd.DataFrame,
    clinical: pd.DataFrame | None = None,
    *,
    source: str = "count matrix",
    clinical_source: str = "clinical table",
) -> pd.DataFrame:
    """One row per sample: size factor, each predictor's value (``value:<term>``), linear
    predictor, probability and class (1 at or above the threshold).

    A ``cutoff`` model's linear predictor is its one predictor's value and its class is
    value >= threshold; it has no probability. A logistic model without a known
    intercept (the paper's Table 1) gets the linear predictor without it, and no
    probability or class: its discrimination can be measured, its calibration cannot.
    """
    sf = cohort_size_factors(model, counts)
    normalized = counts.reindex(columns=sf.index).astype(float).div(sf, axis=1)
    values = predictor_values(
        model, normalized, clinical, source=source, clinical_source=clinical_source
    )
    coef = np.array([p["coefficient"] for p in model["predictors"]], dtype=float)
    x = values.to_numpy(dtype=float)
    threshold = float(model["threshold"])
    if model["kind"] == "cutoff":
        lp = x[:, 0]
        prob = np.full(len(lp), np.nan)
        cls = np.where(np.isnan(lp), np.nan, (lp >= threshold).astype(float))
    else:
        intercept = model["intercept"]
        lp = x @ coef + (0.0 if intercept is None else float(intercept))
        if intercept is None:
            prob = np.full(len(lp), np.nan)
            cls = np.full(len(lp), np.nan)
        else:
            prob = special.expit(lp)
            cls = np.where(np.isnan(prob), np.nan, (prob >= threshold).astype(float))
    out = pd.DataFrame({"sample_id": values.index, "size_factor": sf.to_numpy()})
    for term in values.columns:
        out[f"value:{term}"] = values[term].to_numpy()
    out["linear_predictor"] = lp
    out["probability"] = prob
    out["predicted_class"] = pd.array(
        [pd.NA if np.isnan(c) else int(c) for c in cls], dtype="Int64"
    )
    return out

"""The configured toxicity and response models (config section ``models``): compute only;
:mod:`mirscope.stages.models` writes the tables and draws the figures.

For each toxicity outcome (``crs_ge2``, ``icans``, ``icans_ge2``) and response outcome
(``response_3m``, ``response_12m``) the candidate miRNAs are that contrast's DE miRNAs
(|log2FoldChange| > ``de.lfc_threshold`` and raw p < ``de.p_threshold``, the DE stage's
rule; at most ``models.max_mirnas`` by p-value; if none pass, the ``max_mirnas`` smallest
p-values, with a warning) on the configured scale, plus the
configured clinical covariates; :func:`mirscope.stats.validation.build_model` then selects,
fits and validates. Outputs, under ``tables/``:

* ``models/<model>_selection.tsv``: variable, frequency, mean_coefficient;
* ``models/<model>_coefficients.tsv``: term, estimate, std_error, z, p_value, odds_ratio,
  ci_low, ci_high, method;
* ``models/<model>_predictions.tsv``: sample_id, outcome, loocv_probability,
  nested_probability, nested_predictors;
* ``toxicity_models.tsv`` / ``response_models_summary.tsv``: one row per model with the
  final predictors and paper-style and nested LOOCV accuracy, sensitivity, specificity,
  precision and AUC (:func:`~mirscope.stats.validation.summary_row`);
* ``table1_response_models.tsv``: the paper's Table 1 layout — model, predictor,
  coefficient, p_value, accuracy (paper-style LOOCV, on the model's first row), plus
  nested_accuracy beside it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from mirscope.errors import InputError, MirscopeWarning
from mirscope.io import require_columns
from mirscope.stats.design import model_frame
from mirscope.stats.validation import METRICS, ModelResult, ModelSpec, build_model, summary_row

TOXICITY = ("crs_ge2", "icans", "icans_ge2")
RESPONSE = ("response_3m", "response_12m")
DE_COLUMNS = ("mirna", "log2FoldChange", "pvalue")


def candidate_mirnas(
    de_path: str | Path, available: list[str], lfc: float, p: float, cap: int
) -> list[str]:
    """DE miRNAs of one contrast present in the count matrix (see module docstring)."""
    try:
        de = pd.read_csv(de_path, sep="\t")
    except FileNotFoundError as exc:
        raise InputError("DE result table not found", path=str(de_path)) from exc
    require_columns(de, DE_COLUMNS, source=str(de_path), message="column missing")
    de = de[de["mirna"].isin(available) & de["pvalue"].notna()]
    de = de.sort_values(["pvalue", "mirna"], kind="stable")
    hits = de[(de["log2FoldChange"].abs() > lfc) & (de["pvalue"] < p)]
    if hits.empty:
        warnings.warn(
            f"{de_path}: no DE miRNA (|log2FC| > {lfc}, p < {p}); using the {cap} smallest "
            "p-values",
            MirscopeWarning,
            stacklevel=2,
        )
        hits = de
    return list(hits["mirna"].head(cap))


def spec_for(name: str, settings: dict, seed: int) -> ModelSpec:
    """The :class:`ModelSpec` of one named model from the ``models`` config section."""
    if name in TOXICITY:
        covs = settings["crs_covariates"] if name == "crs_ge2" else settings["icans_covariates"]
        mode = "toxicity"
    elif name in RESPONSE:
        covs, mode = settings["response_covariates"], "response"
    else:
        raise InputError("unknown model", value=name, allowed=", ".join(TOXICITY + RESPONSE))
    return ModelSpec(
        name=name,
        mode=mode,
        covariates=list(covs),
        top_mirnas=settings["top_mirnas"],
        top_predictors=settings["top_predictors"],
        covariate_alpha=settings["covariate_alpha"],
        resamples=settings["resamples"],
        fraction=settings["resample_fraction"],
        lambda_ratio=settings["lambda_ratio"],
        nested_resamples=settings["nested_resamples"],
        seed=seed,
    )


def run_one(
    name: str,
    clinical: pd.DataFrame,
    mirnas: pd.DataFrame,
    de_path: str | Path,
    settings: dict,
    seed: int,
    *,
    de_rule: dict | None = None,
    source: str = "clinical table",
) -> ModelResult:
    """Build one configured model (``de_rule``: the config ``de`` section's thresholds)."""
    de_rule = de_rule or {}
    spec = spec_for(name, settings, seed)
    cands = candidate_mirnas(
        de_path,
        list(mirnas.columns),
        de_rule.get("lfc_threshold", 1.0),
        de_rule.get("p_threshold", 0.05),
        settings["max_mirnas"],
    )
    frame, cov_names = model_frame(clinical, mirnas[cands], name, spec.covariates, source=source)
    spec = ModelSpec(**{**spec.__dict__, "covariates": cov_names})
    return build_model(frame, cands, cov_names, spec)


def table1(results: list[ModelResult]) -> pd.DataFrame:
    """The paper's Table 1 layout for the response models."""
    rows = []
    for res in results:
        row = summary_row(res)
        coef = res.fit.table()
        coef = coef[coef["term"] != "(Intercept)"]
        if coef.empty:
            coef = pd.DataFrame({"term": ["(none)"], "estimate": [np.nan], "p_value": [np.nan]})
        for i, (_, c) in enumerate(coef.iterrows()):
            rows.append(
                {
                    "model": res.spec.name,
                    "predictor": c["term"],
                    "coefficient": c["estimate"],
                    "p_value": c["p_value"],
                    "accuracy": row["loocv_accuracy"] if i == 0 else np.nan,
                    "nested_accuracy": row["nested_accuracy"] if i == 0 else np.nan,
                }
            )
    return pd.DataFrame(rows)


def summary_columns() -> list[str]:
    """Columns of the one-row-per-model summaries (:func:`summary_row`)."""
    return [
        "model",
        "n",
        "events",
        "predictors",
        "method",
        *[f"loocv_{m}" for m in METRICS],
        "loocv_auc",
        *[f"nested_{m}" for m in METRICS],
        "nested_auc",
        "notes",
    ]

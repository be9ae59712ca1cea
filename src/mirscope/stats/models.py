"""The configured toxicity and response models (config section ``models``) and the
paper's published Table 1 models refitted (``models.published``): compute only;
:mod:`mirscope.stages.models` writes the tables and draws the figures.

Candidates follow the paper's procedure per model family. Toxicity (``crs_ge2``,
``icans``, ``icans_ge2``): the contrast's DE miRNAs (|log2FoldChange| >
``de.lfc_threshold`` and raw p < ``de.p_threshold``, the DE stage's rule; at most
``models.max_mirnas`` by p-value; if none pass, the ``max_mirnas`` smallest p-values),
since the paper selects from its 25 and 33 DE miRNAs. Response (``response_3m``,
``response_12m``): every expressed miRNA beside the clinical variables, since the paper
"applied weighted LASSO to miRNA and clinical variables" and describes no pre-filter;
a |log2FC| > 1 rule would also shut out the response effects the paper reports, whose
fold changes are far below 2. ``models.toxicity_candidates`` / ``response_candidates``
switch either family to the other rule.

Expressed (:func:`expressed_mirnas`): a normalised count of at least
``models.min_normalized`` in at least ``models.min_share`` of the patients, as edgeR's
``filterByExpr``. The paper keeps every miRNA detected in a sample; the filter sees no
outcome, so it runs once on all patients, and docs/development.md gives the measurement
behind its default. :func:`~mirscope.stats.validation.build_model` then selects, fits,
validates and measures each predictor's stability.

Two LOOCV estimates are reported side by side, and they differ in what they let see the
left-out patient's outcome:

* **paper-style** (``loocv_*``): the candidates come from the DE stage's table, a DESeq2
  run on *all* patients, and selection too is done once on all patients; only the final
  logistic fit is repeated without the left-out patient. This is the paper's procedure,
  and optimistic: both the DE pre-filter and the selection saw every outcome.
* **nested** (``nested_*``): every step that sees the outcome is redone without the
  left-out patient: the DESeq2 Wald test of the contrast (:class:`FoldDE`: size factors,
  dispersions, trend and prior re-estimated on the n - 1 patients, the vectorised
  dispersion path of :func:`mirscope.de.deseq.fast_dispersions`), the DE rule and cap,
  the LASSO selection frequencies, the covariate tests and the final fit. What is reused
  never sees an outcome: the detection filter of the count matrix and the normalised
  counts the models read (size factors from all samples' counts alone).

Outputs, under ``tables/``:

* ``models/<model>_selection.tsv``: variable, frequency, mean_coefficient (LASSO over
  resamples of all patients), resample_frequency, loocv_frequency (the whole procedure
  redone; :mod:`mirscope.stats.validation`);
* ``models/<model>_coefficients.tsv``: term, estimate, std_error, z, p_value, odds_ratio,
  ci_low, ci_high, method, resample_frequency, loocv_frequency, stable;
* ``models/<model>_predictions.tsv``: sample_id, outcome, loocv_probability,
  nested_probability, nested_predictors, nested_candidates (DE miRNAs of that fold);
* ``toxicity_models.tsv`` / ``response_models_summary.tsv``: one row per model with the
  final predictors and paper-style and nested LOOCV accuracy, sensitivity, specificity,
  precision and AUC, each predictor's resample and LOOCV frequency and the unstable ones
  (:func:`~mirscope.stats.validation.summary_row`);
* ``table1_response_models.tsv``: the paper's Table 1 layout for the data-driven response
  models — model, predictor, coefficient, p_value, accuracy (paper-style LOOCV, on the
  model's first row), plus nested_accuracy, resample_frequency, loocv_frequency and
  stable beside it;
* ``models_methods.tsv``: each step as run, its settings and the paper's sentence
  (:func:`methods_table`);
* ``published_models.tsv``: the published models refitted (:func:`published_model`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mirscope.de.deseq import compare_groups, results_frame
from mirscope.errors import InputError, MirscopeWarning, NotEstimable
from mirscope.inputs.outcomes import CASE, CONTROL, RESPONSE, TOXICITY
from mirscope.io import require_columns
from mirscope.stats.design import encode_covariate, model_frame, outcome_series
from mirscope.stats.logistic import fit_logistic
from mirscope.stats.validation import (
    METRICS,
    ModelResult,
    ModelSpec,
    build_model,
    classification_metrics,
    loocv_probabilities,
    roc_curve,
    summary_row,
)

DE_COLUMNS = ("mirna", "log2FoldChange", "pvalue")


def pick_de(de: pd.DataFrame, available: list[str], lfc: float, p: float, cap: int) -> list[str]:
    """The DE rule on one results table (``mirna``, ``log2FoldChange``, ``pvalue``): at
    most ``cap`` miRNAs passing it, by p-value; if none passes, the ``cap`` smallest
    p-values (an empty list returned beside would leave the LASSO nothing to choose)."""
    de = de[de["mirna"].isin(available) & de["pvalue"].notna()]
    de = de.sort_values(["pvalue", "mirna"], kind="stable")
    hits = de[(de["log2FoldChange"].abs() > lfc) & (de["pvalue"] < p)]
    return list((hits if len(hits) else de)["mirna"].head(cap))


def candidate_mirnas(
    de_path: str | Path, available: list[str], lfc: float, p: float, cap: int
) -> list[str]:
    """DE miRNAs of one contrast from the DE stage's table (all patients: paper-style)."""
    try:
        de = pd.read_csv(de_path, sep="\t")
    except FileNotFoundError as exc:
        raise InputError("DE result table not found", path=str(de_path)) from exc
    require_columns(de, DE_COLUMNS, source=str(de_path), message="column missing")
    ok = de[de["mirna"].isin(available) & de["pvalue"].notna()]
    if not ((ok["log2FoldChange"].abs() > lfc) & (ok["pvalue"] < p)).any():
        warnings.warn(
            f"{de_path}: no DE miRNA (|log2FC| > {lfc}, p < {p}); using the {cap} smallest "
            "p-values",
            MirscopeWarning,
            stacklevel=2,
        )
    return pick_de(de, available, lfc, p, cap)


@dataclass(frozen=True)
class FoldDE:
    """The DE pre-filter as the DE stage runs it, for one training set at a time.

    ``counts``: integer counts, miRNAs x samples, after the detection filter (which sees
    no outcome); ``covariates``: the DE design's clinical covariates (``de.covariates``).
    """

    counts: pd.DataFrame
    lfc: float = 1.0
    p: float = 0.05
    cap: int = 30
    covariates: tuple[str, ...] = ()
    sf_type: str = "auto"

    def candidates(
        self, labels: pd.Series, clinical: pd.DataFrame, available: list[str]
    ) -> list[str]:
        """DE miRNAs of the samples in ``labels`` (1 = case, 0 = control), re-estimating
        size factors and dispersions on them alone."""
        ids = [s for s in labels.index if s in self.counts.columns]
        meta = clinical.loc[ids, list(self.covariates)].copy()
        meta["_group"] = np.where(labels.loc[ids] == 1, CASE, CONTROL)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = compare_groups(
                self.counts[ids],
                meta,
                "_group",
                CONTROL,
                covariates=self.covariates,
                sf_type=self.sf_type,
                dispersions="fast",
            )
        return pick_de(results_frame(res), available, self.lfc, self.p, self.cap)


def expressed_mirnas(
    normalized: pd.DataFrame, min_normalized: float, min_share: float
) -> list[str]:
    """miRNAs (rows of ``normalized``) with a normalised count >= ``min_normalized`` in at
    least ``min_share`` of the samples; all of them when ``min_normalized`` is 0."""
    if min_normalized <= 0:
        return list(normalized.index)
    share = (normalized.to_numpy(dtype=float) >= min_normalized).mean(axis=1)
    return [m for m, s in zip(normalized.index, share, strict=True) if s >= min_share]


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
        stability_resamples=settings["stability_resamples"],
        stability_threshold=settings["stability_threshold"],
        mirna_scale=settings["mirna_scale"],
        seed=seed,
    )


def candidate_rule(name: str, settings: dict) -> str:
    """``de`` or ``all``: where the model's candidate miRNAs come from."""
    key = "toxicity_candidates" if name in TOXICITY else "response_candidates"
    return settings[key]


def run_one(
    name: str,
    clinical: pd.DataFrame,
    mirnas: pd.DataFrame,
    de_path: str | Path,
    settings: dict,
    seed: int,
    *,
    de_rule: dict | None = None,
    fold_de: FoldDE | None = None,
    source: str = "clinical table",
) -> ModelResult:
    """Build one configured model (``de_rule``: the config ``de`` section's thresholds;
    ``mirnas``: samples x the expressed miRNAs on the model scale).

    With DE candidates and ``fold_de`` the nested LOOCV and the stability resamples redo
    the DE pre-filter on their own patients (see the module docstring); with DE
    candidates and no ``fold_de`` they start from the candidates of all patients and
    redo selection only, the pre-filtered procedure whose optimism the tests measure.
    """
    de_rule = de_rule or {}
    spec = spec_for(name, settings, seed)
    available = list(mirnas.columns)
    use_de = candidate_rule(name, settings) == "de"
    if use_de:
        cands = candidate_mirnas(
            de_path,
            available,
            de_rule.get("lfc_threshold", 1.0),
            de_rule.get("p_threshold", 0.05),
            settings["max_mirnas"],
        )
    else:
        cands = available
    use = available if (use_de and fold_de is not None) else cands
    frame, cov_names = model_frame(clinical, mirnas[use], name, spec.covariates, source=source)
    spec = ModelSpec(**{**spec.__dict__, "covariates": cov_names})
    fold_candidates = None
    if use_de and fold_de is not None:
        samples = [s for s in clinical.index if s in set(fold_de.counts.columns)]
        labels = outcome_series(clinical.loc[samples], name, source=source).dropna()
        fold_candidates = training_candidates(fold_de, labels, clinical, available)
    return build_model(frame, cands, cov_names, spec, fold_candidates=fold_candidates)


def training_candidates(
    fold_de: FoldDE, labels: pd.Series, clinical: pd.DataFrame, available: list[str]
) -> Callable[[list[str]], list[str]]:
    """For :func:`~mirscope.stats.validation.build_model`: the DE candidates of the
    training patients alone (``labels``: 1 = case, for every patient with an outcome)."""

    def candidates(train_ids: list[str]) -> list[str]:
        ids = [s for s in train_ids if s in labels.index]
        return fold_de.candidates(labels.loc[ids], clinical, available)

    return candidates


def predictor_stability(result: ModelResult, term: str) -> dict:
    """``resample_frequency``, ``loocv_frequency`` and ``stable`` of one final term."""
    freq = result.stability.set_index("variable") if len(result.stability) else None
    if freq is None or term not in freq.index:
        return {"resample_frequency": np.nan, "loocv_frequency": np.nan, "stable": ""}
    return {
        "resample_frequency": freq.at[term, "resample_frequency"],
        "loocv_frequency": freq.at[term, "loocv_frequency"],
        "stable": "no" if term in result.unstable() else "yes",
    }


def coefficient_table(result: ModelResult) -> pd.DataFrame:
    """The final fit's coefficients with each term's stability (intercept: empty)."""
    coef = result.fit.table()
    coef["method"] = result.fit.method
    extra = [predictor_stability(result, t) if t != "(Intercept)" else {} for t in coef["term"]]
    cols = ("resample_frequency", "loocv_frequency", "stable")
    for col in cols:
        coef[col] = [e.get(col, np.nan if col != "stable" else "") for e in extra]
    return coef


def table1(results: list[ModelResult | NotEstimable]) -> pd.DataFrame:
    """The paper's Table 1 layout for the response models (a model the cohort cannot
    support gets one row whose predictor says so)."""
    rows = []
    for res in results:
        if isinstance(res, NotEstimable):
            rows.append({"model": res.model, "predictor": f"({NOT_ESTIMABLE}: {res.reason})"})
            continue
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
                    **predictor_stability(res, c["term"]),
                }
            )
    columns = ["model", "predictor", "coefficient", "p_value", "accuracy", "nested_accuracy"]
    columns += ["resample_frequency", "loocv_frequency", "stable"]
    return pd.DataFrame(rows, columns=columns)


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
        "resample_frequency",
        "loocv_frequency",
        "unstable",
        "notes",
    ]


#: Columns of the per-model tables (``models/<model>_<kind>.tsv``) when a model is not
#: estimable: the same headers as an estimated model's, so readers need no special case.
MODEL_TABLE_COLUMNS = {
    "selection": [
        "variable",
        "frequency",
        "mean_coefficient",
        "mean_abs_std_coefficient",
        "resample_frequency",
        "loocv_frequency",
    ],
    "coefficients": [
        "term",
        "estimate",
        "std_error",
        "z",
        "p_value",
        "odds_ratio",
        "ci_low",
        "ci_high",
        "method",
        "resample_frequency",
        "loocv_frequency",
        "stable",
    ],
    "predictions": [
        "sample_id",
        "outcome",
        "loocv_probability",
        "nested_probability",
        "nested_predictors",
        "nested_candidates",
    ],
}

NOT_ESTIMABLE = "not estimable"


def not_estimable_row(exc: NotEstimable) -> dict:
    """The summary row of a model the cohort cannot support: counts, no metrics, the
    reason in ``notes`` (``method`` says ``not estimable``)."""
    row = {c: np.nan for c in summary_columns()}
    row.update(
        model=exc.model,
        n=exc.n,
        events=exc.events,
        predictors="",
        method=NOT_ESTIMABLE,
        resample_frequency="",
        loocv_frequency="",
        unstable="",
        notes=f"{NOT_ESTIMABLE}: {exc.reason}",
    )
    return row


PUBLISHED_COLUMNS = [
    "model",
    "outcome",
    "n",
    "events",
    "predictor",
    "term",
    "coefficient",
    "std_error",
    "p_value",
    "odds_ratio",
    "method",
    "loocv_accuracy",
    "loocv_sensitivity",
    "loocv_specificity",
    "loocv_auc",
    "nested_accuracy",
    "notes",
]


def published_model(
    name: str,
    clinical: pd.DataFrame,
    normalized: pd.DataFrame,
    predictors: list[str],
    *,
    outcome: str = "nonresponse",
    source: str = "clinical table",
) -> pd.DataFrame:
    """The paper's fixed-predictor response model refitted on this cohort, in its coding.

    Outcome: Table 1 gives no coding, but its signs fix it. miR-542-5p has a positive
    coefficient in both models, and the paper calls it the most consistent *adverse*
    biomarker (high levels: inferior response, PFS and OS); under responder = 1 that sign
    would say the opposite. So the published models predict non-response (SD/PD = 1, CR/PR
    = 0, NE left out), our default ``outcome: nonresponse``. Predictors: miRNAs on the
    normalised-count scale (coefficients of 0.0009 to 0.7 per unit, and the S1 cut-off of
    5.5 normalised counts, are on that scale, not log2); clinical columns as
    :mod:`mirscope.stats.design` encodes them (``product`` -> tisa-cel = 1, R's default
    factor coding with axi-cel first). LOOCV refits the fixed predictors without each
    patient: with nothing selected, paper-style and nested LOOCV are the same procedure,
    so ``nested_accuracy`` equals ``loocv_accuracy`` by construction.

    Returns one row per term (intercept first), see :data:`PUBLISHED_COLUMNS`.
    """
    if outcome not in ("nonresponse", "response"):
        raise InputError("unknown outcome coding", value=outcome, allowed="nonresponse, response")
    notes: list[str] = []
    common = sorted(set(clinical.index) & set(normalized.columns))
    y = outcome_series(clinical.loc[common], name, source=source)
    if outcome == "nonresponse":
        y = 1.0 - y
    parts, terms, labels = [y.rename("y")], [], {}
    for pred in predictors:
        if pred in clinical.columns:
            col = encode_covariate(clinical.loc[common], pred, source=source)
        elif pred in normalized.index:
            col = normalized.loc[pred, common].astype(float).rename(pred)
        else:
            notes.append(f"{pred} not in the clinical table or the normalised counts")
            continue
        parts.append(col)
        terms.append(str(col.name))
        labels[str(col.name)] = pred
    data = pd.concat(parts, axis=1).dropna()
    rows = []
    base = {"model": name, "outcome": outcome, "n": len(data), "events": int(data["y"].sum())}
    if data["y"].nunique() < 2:
        notes.append("outcome has a single class")
        return pd.DataFrame(
            [{**base, "predictor": ",".join(predictors), "notes": "; ".join(notes)}],
            columns=PUBLISHED_COLUMNS,
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_logistic(data, "y", terms, source=f"published model {name}")
    notes += [str(w.message) for w in caught if issubclass(w.category, MirscopeWarning)]
    prob, flagged = loocv_probabilities(data, fit.terms[1:])
    if flagged:
        notes.append(f"LOOCV: {flagged} folds needed a fallback (Firth/dropped)")
    y_arr = data["y"].to_numpy(dtype=float)
    metrics = classification_metrics(y_arr, prob)
    auc = roc_curve(y_arr, prob)[2]
    table = fit.table()
    for _, c in table.iterrows():
        rows.append(
            {
                **base,
                "predictor": labels.get(c["term"], c["term"]),
                "term": c["term"],
                "coefficient": c["estimate"],
                "std_error": c["std_error"],
                "p_value": c["p_value"],
                "odds_ratio": c["odds_ratio"],
                "method": fit.method,
                "loocv_accuracy": metrics["accuracy"],
                "loocv_sensitivity": metrics["sensitivity"],
                "loocv_specificity": metrics["specificity"],
                "loocv_auc": auc,
                "nested_accuracy": metrics["accuracy"],
                "notes": "; ".join(notes),
            }
        )
    return pd.DataFrame(rows, columns=PUBLISHED_COLUMNS)


def published_models(
    clinical: pd.DataFrame,
    normalized: pd.DataFrame,
    settings: dict,
    *,
    source: str = "clinical table",
) -> pd.DataFrame:
    """:func:`published_model` for each model of the ``models.published`` section."""
    frames = [
        published_model(
            name,
            clinical,
            normalized,
            list(settings[name]),
            outcome=settings["outcome"],
            source=source,
        )
        for name in RESPONSE
        if settings.get(name)
    ]
    return (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PUBLISHED_COLUMNS)
    )


#: The paper's sentences behind each step (000_c2a2785a7673eb59.txt, Methods and Results).
PAPER_SENTENCES = {
    "toxicity_candidates": (
        "Twenty-five miRNAs were differentially expressed ... After weighted LASSO "
        "selection and multivariable logistic regression including sex and PLD CRP "
        "(Results, CRS; likewise 33 DE miRNAs for ICANS)"
    ),
    "response_candidates": (
        "Weighted LASSO was applied to miRNA and clinical variables (Results, response)"
    ),
    "expression_filter": (
        "not in the paper (it keeps every miRNA detected in a sample: 573 circulating "
        "miRNAs detected across samples, Figure 1 legend)"
    ),
    "scale": "not in the paper (it does not state the scale of the model's miRNAs)",
    "lasso": (
        "To reduce dimensionality and account for class imbalance, weighted LASSO "
        "regression was applied for variable selection (Methods)"
    ),
    "toxicity_final": (
        "Variables most frequently selected were included in multivariable logistic "
        "regression models together with significant clinical covariates (Methods)"
    ),
    "response_final": (
        "LASSO-based variable selection and repeated training-validation splits were used "
        "to identify the most stable predictors, which were then tested in a final model "
        "(Methods)"
    ),
    "loocv": (
        "Model performance was evaluated by accuracy, sensitivity, specificity, and "
        "precision, using leave-one-out cross-validation (LOOCV) (Methods)"
    ),
    "nested": "not in the paper",
    "stability": "not in the paper",
    "threshold": "not in the paper (it does not state the probability cut of its accuracies)",
}

METHODS_COLUMNS = ["step", "models", "as_run", "paper"]


def methods_table(settings: dict, de_rule: dict, n_detected: int, n_expressed: int) -> pd.DataFrame:
    """Each step of the models as this run ran it, beside the paper's sentence for it, so
    a reader sees where the reanalysis follows the paper and where it adds a step."""
    tox = [m for m in settings["toxicity_models"]]
    resp = [m for m in settings["response_models"]]
    lfc, p = de_rule.get("lfc_threshold", 1.0), de_rule.get("p_threshold", 0.05)

    def candidates(rule: str, covs: str) -> str:
        if rule == "de":
            mirnas = (
                f"the contrast's DE miRNAs (|log2FC| > {lfc:g}, Wald p < {p:g}; at most "
                f"{settings['max_mirnas']} by p), redone on the training patients in every "
                "nested fold and stability resample"
            )
        else:
            mirnas = f"all {n_expressed} expressed miRNAs"
        return f"{mirnas}; clinical: {covs}"

    minimum = settings["min_normalized"]
    rows = [
        (
            "candidates",
            ", ".join(tox),
            candidates(
                settings["toxicity_candidates"],
                "CRS: "
                + ", ".join(settings["crs_covariates"])
                + "; ICANS: "
                + ", ".join(settings["icans_covariates"]),
            ),
            PAPER_SENTENCES["toxicity_candidates"],
        ),
        (
            "candidates",
            ", ".join(resp),
            candidates(settings["response_candidates"], ", ".join(settings["response_covariates"])),
            PAPER_SENTENCES["response_candidates"],
        ),
        (
            "expression filter",
            "all",
            (
                f"normalised count >= {minimum:g} in >= {settings['min_share']:.0%} of "
                f"patients: {n_expressed} of {n_detected} detected miRNAs kept"
                if minimum > 0
                else f"off: all {n_detected} detected miRNAs"
            ),
            PAPER_SENTENCES["expression_filter"],
        ),
        (
            "miRNA scale",
            "all",
            "log2(normalised count + 1)"
            if settings["mirna_scale"] == "log2"
            else "normalised counts",
            PAPER_SENTENCES["scale"],
        ),
        (
            "weighted LASSO",
            "all",
            (
                f"class weights inverse to class frequency; lambda = {settings['lambda_ratio']:g} "
                f"x lambda_max; {settings['resamples']} stratified training splits of "
                f"{settings['resample_fraction']:.0%} of each class"
            ),
            PAPER_SENTENCES["lasso"],
        ),
        (
            "final model",
            ", ".join(tox),
            (
                f"the {settings['top_mirnas']} most frequently selected miRNAs plus covariates "
                f"with univariable Wald p < {settings['covariate_alpha']:g}; logistic regression "
                "(Firth where separated)"
            ),
            PAPER_SENTENCES["toxicity_final"],
        ),
        (
            "final model",
            ", ".join(resp),
            (
                f"the {settings['top_predictors']} most frequently selected variables (miRNAs or "
                "clinical); logistic regression (Firth where separated)"
            ),
            PAPER_SENTENCES["response_final"],
        ),
        (
            "validation",
            "all",
            "paper-style LOOCV: the final predictors refitted without each patient",
            PAPER_SENTENCES["loocv"],
        ),
        (
            "classification threshold",
            "all",
            "predicted probability >= 0.5",
            PAPER_SENTENCES["threshold"],
        ),
        (
            "nested validation",
            "all",
            (
                f"nested LOOCV: pre-filter, selection ({settings['nested_resamples']} splits) "
                "and fit redone without each patient"
            ),
            PAPER_SENTENCES["nested"],
        ),
        (
            "stability",
            "all",
            (
                f"the whole selection redone in {settings['stability_resamples']} stratified "
                f"subsamples and in every nested fold; a predictor chosen in fewer than "
                f"{settings['stability_threshold']:.0%} of either is flagged unstable"
            ),
            PAPER_SENTENCES["stability"],
        ),
    ]
    return pd.DataFrame(rows, columns=METHODS_COLUMNS)

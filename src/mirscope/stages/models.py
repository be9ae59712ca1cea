"""Models and clinical statistics: Table 1, Supplementary Table 1, toxicity and response models.

Clinical statistics: single logistic and LASSO fits, Supplementary Table 1, the
configured toxicity and response models with their tables and figures, association tests.

Each step is declared once here (its files and settings, :mod:`mirscope.params`); the
commands ``mirscope logistic``, ``lasso``, ``clinical-tables``, ``models`` and
``associations`` and the models rules both derive from the declarations. Table contents
are documented in :mod:`mirscope.stats.models`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mirscope.de import normalize as normalize_mod
from mirscope.de.normalize import filter_detected
from mirscope.errors import InputError, NotEstimable
from mirscope.inputs.clinical import log_patients_used, read_clinical
from mirscope.inputs.config import complete_config
from mirscope.io import read_count_matrix, read_table, read_value_matrix, write_tsv
from mirscope.params import REQUIRED, param
from mirscope.stats.design import scale_mirnas
from mirscope.stats.models import (
    MODEL_TABLE_COLUMNS,
    FoldDE,
    coefficient_table,
    expressed_mirnas,
    methods_table,
    not_estimable_row,
    published_models,
    run_one,
    summary_columns,
    table1,
)
from mirscope.stats.validation import ModelResult, summary_row

log = logging.getLogger(__name__)


def write_model_tables(result: ModelResult, outdir: str | Path) -> None:
    """The three per-model tables (columns in :mod:`mirscope.stats.models`)."""
    outdir = Path(outdir)
    name = result.spec.name
    write_tsv(result.selection, outdir / f"{name}_selection.tsv")
    write_tsv(coefficient_table(result), outdir / f"{name}_coefficients.tsv")
    pred = pd.DataFrame(
        {
            "sample_id": result.sample_ids,
            "outcome": result.y.astype(int),
            "loocv_probability": result.loocv_prob,
            "nested_probability": result.nested_prob,
            "nested_predictors": [",".join(p) for p in result.nested_predictors],
            # a fold's own candidates exist only where a pre-filter is redone per fold;
            # otherwise every fold offers the model's candidates (its selection table)
            "nested_candidates": [
                ",".join(c) if result.nested_scope == "de+selection" else ""
                for c in result.nested_candidates
            ],
        }
    )
    write_tsv(pred, outdir / f"{name}_predictions.tsv")


def run_models(
    clinical: pd.DataFrame,
    normalized_path: str | Path,
    de_dir: str | Path,
    settings: dict,
    seed: int,
    outdir: str | Path,
    figdir: str | Path | None = None,
    *,
    counts_path: str | Path,
    de_rule: dict | None = None,
    min_samples: int = 1,
    source: str = "clinical table",
) -> dict[str, ModelResult]:
    """Run every configured model and the published ones, write tables (and figures when
    ``figdir`` is given).

    ``counts_path``: the integer count matrix the DE stage tests (``min_samples``: its
    detection filter), refitted inside each nested fold; ``de_rule``: the config ``de``
    section (thresholds, ``covariates``; ``size_factors`` from ``normalization``).
    """
    de_rule = de_rule or {}
    normalized = read_value_matrix(str(normalized_path))
    expressed = expressed_mirnas(normalized, settings["min_normalized"], settings["min_share"])
    left_out = [m for m in normalized.index if m not in set(expressed)]
    if left_out:
        log.info(
            "expression filter (normalised count >= %g in >= %.0f%% of patients): %d of %d "
            "miRNAs are no model candidates: %s",
            settings["min_normalized"],
            100 * settings["min_share"],
            len(left_out),
            len(normalized),
            ", ".join(left_out),
        )
    mirnas = scale_mirnas(normalized.loc[expressed], settings["mirna_scale"])
    fold_de = FoldDE(
        counts=filter_detected(read_count_matrix(str(counts_path)), min_samples),
        lfc=de_rule.get("lfc_threshold", 1.0),
        p=de_rule.get("p_threshold", 0.05),
        cap=settings["max_mirnas"],
        covariates=tuple(de_rule.get("covariates", ())),
        sf_type=de_rule.get("size_factors", "auto"),
    )
    outdir = Path(outdir)
    results: dict[str, ModelResult] = {}
    outcomes: dict[str, ModelResult | NotEstimable] = {}
    for name in [*settings["toxicity_models"], *settings["response_models"]]:
        try:
            res = run_one(
                name,
                clinical,
                mirnas,
                Path(de_dir) / f"{name}.tsv",
                settings,
                seed,
                de_rule=de_rule,
                fold_de=fold_de,
                source=source,
            )
        except NotEstimable as exc:
            log.warning("%s", exc)
            outcomes[name] = exc
            for kind, columns in MODEL_TABLE_COLUMNS.items():
                write_tsv(pd.DataFrame(columns=columns), outdir / "models" / f"{name}_{kind}.tsv")
            if figdir is not None:
                from mirscope.plots.models import plot_not_estimable

                plot_not_estimable(name, exc.reason, figdir)
            continue
        write_model_tables(res, outdir / "models")
        results[name] = outcomes[name] = res
        if figdir is not None:
            from mirscope.plots.models import plot_model

            plot_model(res, figdir)

    def summary(names: list[str]) -> pd.DataFrame:
        rows = [
            not_estimable_row(o) if isinstance(o, NotEstimable) else summary_row(o)
            for o in (outcomes[n] for n in names)
        ]
        return pd.DataFrame(rows, columns=summary_columns())

    write_tsv(summary(settings["toxicity_models"]), outdir / "toxicity_models.tsv")
    write_tsv(summary(settings["response_models"]), outdir / "response_models_summary.tsv")
    resp = [outcomes[n] for n in settings["response_models"]]
    write_tsv(table1(resp), outdir / "table1_response_models.tsv")
    write_tsv(
        methods_table(settings, de_rule, len(normalized), len(expressed)),
        outdir / "models_methods.tsv",
    )
    write_tsv(
        published_models(clinical, normalized, settings["published"], source=source),
        outdir / "published_models.tsv",
    )
    return results


# --- the steps --------------------------------------------------------------------------

# The clinical column each model outcome is read from, for the patients-used log.
_OUTCOME_COLUMNS = {"crs_ge2": "crs_grade", "icans": "icans_grade", "icans_ge2": "icans_grade"}


class ModelSettings(dict):
    """The config's ``models`` section, completed with the schema's defaults: the models'
    many settings (resamples, candidates, the published models...) travel as the one
    mapping the config holds, checked against the schema whichever way they come."""

    @classmethod
    def from_config(
        cls, section: Mapping[str, Any], *, source: str = "--settings"
    ) -> ModelSettings:
        cfg = complete_config(
            {"samples": "-", "models": dict(section)}, source=source, check_outdir=False
        )
        return cls(cfg["models"])

    @classmethod
    def parse(cls, text: str) -> ModelSettings:
        """The section typed on the command line as JSON."""
        try:
            given = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as exc:
            raise InputError(f"--settings is not valid JSON: {exc}") from exc
        if not isinstance(given, dict):
            raise InputError("--settings must be a JSON object")
        return cls.from_config(given)


def _settings(step: Any) -> ModelSettings:
    return step.settings if step.settings is not None else ModelSettings.from_config({})


def _settings_field() -> ModelSettings | None:
    return param(
        None,
        config="models",
        metavar="JSON",
        help="The config 'models' section as JSON (default: the schema's defaults).",
    )


def _clinical() -> str:
    return param(REQUIRED, role="input", help="Clinical table (TSV keyed by sample_id).")


def _normalized() -> str:
    return param(REQUIRED, role="input", help="Normalised counts of `mirscope normalize`.")


def _patient_table() -> str:
    return param(REQUIRED, role="input", help="TSV, one row per patient.")


def _outcome() -> str:
    return param(REQUIRED, help="0/1 outcome column.")


def _predictors() -> str:
    return param(REQUIRED, help="Comma-separated numeric predictor columns.")


def _coefficients_out() -> str:
    return param(REQUIRED, role="output", help="Coefficient TSV.")


def _numbered(data: pd.DataFrame) -> pd.DataFrame:
    """Rows labelled 1, 2, ... so a model's message names the row as validation does."""
    return data.set_axis(pd.RangeIndex(1, len(data) + 1), axis=0)


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


@dataclass(frozen=True, kw_only=True)
class Logistic:
    table: str = _patient_table()
    outcome: str = _outcome()
    predictors: str = _predictors()
    firth: bool | None = param(None, help="Force (or forbid) Firth; default: fallback.")
    out: str = _coefficients_out()


def run_logistic(step: Logistic) -> None:
    """Logistic regression (R glm binomial) with LOOCV metrics in OUT.loocv.tsv."""
    from mirscope.stats.logistic import fit_logistic
    from mirscope.stats.validation import classification_metrics, loocv_probabilities

    data = _numbered(read_table(step.table))
    fit = fit_logistic(
        data, step.outcome, _split(step.predictors), source=step.table, firth=step.firth
    )
    write_tsv(fit.table(), step.out)
    used = data[[step.outcome, *fit.terms[1:]]].dropna().rename(columns={step.outcome: "y"})
    probs, _ = loocv_probabilities(used, fit.terms[1:])
    m = classification_metrics(used["y"].to_numpy(), probs)
    keys = ["n", "accuracy", "sensitivity", "specificity", "precision", "tp", "fp", "tn", "fn"]
    loocv = pd.DataFrame([{k: m[k] for k in keys}])
    write_tsv(loocv, str(Path(step.out).with_suffix("")) + ".loocv.tsv")


@dataclass(frozen=True, kw_only=True)
class Lasso:
    table: str = _patient_table()
    outcome: str = _outcome()
    predictors: str = _predictors()
    lam: float = param(REQUIRED, flag="--lambda", min=0, help="Penalty (glmnet scale).")
    weights: str = param(
        "balanced",
        choices=("balanced", "none"),
        help="Observation weights: balanced (inverse class frequency) or none.",
    )
    out: str = _coefficients_out()


def run_lasso(step: Lasso) -> None:
    """Weighted LASSO logistic regression at one lambda (glmnet objective); columns term,
    estimate, selected."""
    from mirscope.stats.lasso import balanced_weights, fit_lasso
    from mirscope.stats.logistic import prepare

    data = _numbered(read_table(step.table))
    x, y, cols, _ = prepare(data, step.outcome, _split(step.predictors), source=step.table)
    if len(set(np.asarray(y).tolist())) < 2:
        # A one-class outcome has no finite intercept: glmnet's would be log(0).
        raise InputError(
            f"outcome has {int(np.sum(y))} events in {len(y)} complete rows; "
            "a LASSO model needs both classes",
            path=step.table,
            column=step.outcome,
            allowed="a 0/1 outcome with at least one 0 and one 1",
        )
    w = balanced_weights(y) if step.weights == "balanced" else np.ones(len(y))
    b0, coef = fit_lasso(x[:, 1:], y, step.lam, w)
    result = pd.DataFrame(
        {"term": ["(Intercept)", *cols], "estimate": [b0, *coef], "selected": [True, *(coef != 0)]}
    )
    write_tsv(result, step.out)


@dataclass(frozen=True, kw_only=True)
class ClinicalTables:
    clinical: str = _clinical()
    out_overall: str = param(
        REQUIRED, role="output", help="Output: Supplementary Table 1A, the whole cohort (TSV)."
    )
    out_crs: str = param(
        REQUIRED, role="output", help="Output: Supplementary Table 1B, by CRS grade (TSV)."
    )
    out_icans: str = param(
        REQUIRED, role="output", help="Output: Supplementary Table 1C, by ICANS (TSV)."
    )


def run_clinical_tables(step: ClinicalTables) -> None:
    """Supplementary Table 1 A (overall), B (by CRS grade) and C (by ICANS)."""
    from mirscope.stats.tables import grouped_table, overall_table

    table = read_clinical(step.clinical)
    log_patients_used(table, list(table.columns), what="Supplementary Table 1", logger=log)
    write_tsv(overall_table(table), step.out_overall)
    write_tsv(grouped_table(table, "crs"), step.out_crs)
    write_tsv(grouped_table(table, "icans"), step.out_icans)


@dataclass(frozen=True, kw_only=True)
class Models:
    clinical: str = _clinical()
    normalized: str = _normalized()
    counts: str = param(
        REQUIRED,
        role="input",
        help="Integer count matrix the DE stage tests (refitted inside each nested fold).",
    )
    de_dir: str = param(REQUIRED, role="input", directory=True, help="Holds <contrast>.tsv.")
    settings: ModelSettings | None = _settings_field()
    seed: int = param(7, config="seed", help="Seed for resampling and cross-validation.")
    de_lfc: float = param(1.0, config="de.lfc_threshold", help="DE |log2FC| cut.")
    de_p: float = param(0.05, config="de.p_threshold", help="DE raw p cut.")
    de_covariates: tuple[str, ...] = param(
        (), flag="--de-covariate", config="de.covariates", help="DE design covariate (repeatable)."
    )
    min_samples: int = param(
        1,
        min=1,
        config="normalization.min_samples",
        help="Keep miRNAs counted in at least this many samples (as the DE stage).",
    )
    size_factors: str = param(
        "auto",
        choices=normalize_mod.SIZE_FACTOR_TYPES,
        config="normalization.size_factors",
        help="Size-factor method of the per-fold DE refits (as the DE stage).",
    )
    outdir: str = param(REQUIRED, role="output", directory=True, help="Tables dir.")
    figdir: str | None = param(None, role="output", directory=True, help="Figures dir.")


def run_models_step(step: Models) -> None:
    """The configured toxicity and response models (selection, fit, paper-style LOOCV and
    nested LOOCV with the DE pre-filter refitted per fold) and the published Table 1
    models refitted, with tables and figures. DE options: as for ``mirscope de``."""
    table = read_clinical(step.clinical)
    cfg = _settings(step)
    used = [c for k, v in cfg.items() if k.endswith("_covariates") for c in v]
    for name in [*cfg.get("toxicity_models", []), *cfg.get("response_models", [])]:
        used.append(_OUTCOME_COLUMNS.get(name, name))
    log_patients_used(
        table,
        used,
        what="models",
        logger=log,
        samples=list(read_value_matrix(step.normalized).columns),
    )
    run_models(
        table,
        step.normalized,
        step.de_dir,
        dict(cfg),
        step.seed,
        step.outdir,
        step.figdir,
        counts_path=step.counts,
        de_rule={
            "lfc_threshold": step.de_lfc,
            "p_threshold": step.de_p,
            "covariates": list(step.de_covariates),
            "size_factors": step.size_factors,
        },
        min_samples=step.min_samples,
        source=step.clinical,
    )


@dataclass(frozen=True, kw_only=True)
class Associations:
    clinical: str = _clinical()
    normalized: str = _normalized()
    settings: ModelSettings | None = _settings_field()
    out_groups: str = param(
        REQUIRED,
        role="output",
        help="Output: Kruskal-Wallis tests of each miRNA by outcome (TSV).",
    )
    out_correlations: str = param(
        REQUIRED, role="output", help="Output: Spearman correlations with clinical variables (TSV)."
    )


def run_associations(step: Associations) -> None:
    """Kruskal-Wallis (miRNA by outcome) and Spearman (miRNA vs clinical) tests."""
    from mirscope.stats.association import correlations, group_tests

    cfg = _settings(step)
    table = read_clinical(step.clinical)
    used = [e.partition(":")[2] for e in cfg["correlations"]]
    used += [_OUTCOME_COLUMNS.get(o, o) for o in (e.partition(":")[2] for e in cfg["group_tests"])]
    counts = read_value_matrix(step.normalized)
    log_patients_used(table, used, what="associations", logger=log, samples=list(counts.columns))
    write_tsv(group_tests(table, counts, cfg["group_tests"], source=step.clinical), step.out_groups)
    write_tsv(
        correlations(table, counts, cfg["correlations"], source=step.clinical),
        step.out_correlations,
    )


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "logistic": (Logistic, run_logistic),
    "lasso": (Lasso, run_lasso),
    "clinical-tables": (ClinicalTables, run_clinical_tables),
    "models": (Models, run_models_step),
    "associations": (Associations, run_associations),
}

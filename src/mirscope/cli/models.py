"""Commands of the clinical-statistics stage: single logistic / LASSO fits, the
Supplementary Table 1, the configured toxicity and response models, association tests.

Commands only parse options and call :mod:`mirscope.stats`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click
import numpy as np
import pandas as pd

from mirscope.errors import InputError
from mirscope.inputs.clinical import log_patients_used, read_clinical
from mirscope.inputs.config import complete_config
from mirscope.io import read_table, write_tsv

log = logging.getLogger(__name__)


def _numbered(data: pd.DataFrame) -> pd.DataFrame:
    """Rows labelled 1, 2, ... so a model's message names the row as validation does."""
    return data.set_axis(pd.RangeIndex(1, len(data) + 1), axis=0)


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _models_settings(text: str | None) -> dict:
    """The ``models`` config section from JSON, completed with the schema defaults."""
    try:
        given = json.loads(text) if text else {}
    except json.JSONDecodeError as exc:
        raise InputError(f"--settings is not valid JSON: {exc}") from exc
    return complete_config(
        {"samples": "-", "models": given}, source="--settings", check_outdir=False
    )["models"]


@click.command("logistic")
@click.option(
    "--table", required=True, type=click.Path(dir_okay=False), help="TSV, one row per patient."
)
@click.option("--outcome", required=True, help="0/1 outcome column.")
@click.option("--predictors", required=True, help="Comma-separated numeric predictor columns.")
@click.option(
    "--firth/--no-firth", default=None, help="Force (or forbid) Firth; default: fallback."
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Coefficient TSV.")
def logistic_cmd(table, outcome, predictors, firth, out):
    """Logistic regression (R glm binomial) with LOOCV metrics in OUT.loocv.tsv."""
    from mirscope.stats.logistic import fit_logistic
    from mirscope.stats.validation import classification_metrics, loocv_probabilities

    data = _numbered(read_table(table))
    preds = _split(predictors)
    fit = fit_logistic(data, outcome, preds, source=table, firth=firth)
    coef = fit.table()
    write_tsv(coef, out)
    used = data[[outcome, *fit.terms[1:]]].dropna().rename(columns={outcome: "y"})
    probs, _ = loocv_probabilities(used, fit.terms[1:])
    m = classification_metrics(used["y"].to_numpy(), probs)
    keys = ["n", "accuracy", "sensitivity", "specificity", "precision", "tp", "fp", "tn", "fn"]
    loocv = pd.DataFrame([{k: m[k] for k in keys}])
    write_tsv(loocv, str(Path(out).with_suffix("")) + ".loocv.tsv")


@click.command("lasso")
@click.option(
    "--table", required=True, type=click.Path(dir_okay=False), help="TSV, one row per patient."
)
@click.option("--outcome", required=True, help="0/1 outcome column.")
@click.option("--predictors", required=True, help="Comma-separated numeric predictor columns.")
@click.option(
    "--lambda", "lam", required=True, type=click.FloatRange(min=0), help="Penalty (glmnet scale)."
)
@click.option(
    "--weights",
    type=click.Choice(["balanced", "none"]),
    default="balanced",
    show_default=True,
    help="Observation weights: balanced (inverse class frequency) or none.",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Coefficient TSV.")
def lasso_cmd(table, outcome, predictors, lam, weights, out):
    """Weighted LASSO logistic regression at one lambda (glmnet objective); columns term,
    estimate, selected."""
    from mirscope.stats.lasso import balanced_weights, fit_lasso
    from mirscope.stats.logistic import prepare

    data = _numbered(read_table(table))
    x, y, cols, _ = prepare(data, outcome, _split(predictors), source=table)
    if len(set(np.asarray(y).tolist())) < 2:
        # A one-class outcome has no finite intercept: glmnet's would be log(0).
        raise InputError(
            f"outcome has {int(np.sum(y))} events in {len(y)} complete rows; "
            "a LASSO model needs both classes",
            path=table,
            column=outcome,
            allowed="a 0/1 outcome with at least one 0 and one 1",
        )
    w = balanced_weights(y) if weights == "balanced" else np.ones(len(y))
    b0, coef = fit_lasso(x[:, 1:], y, lam, w)
    result = pd.DataFrame(
        {"term": ["(Intercept)", *cols], "estimate": [b0, *coef], "selected": [True, *(coef != 0)]}
    )
    write_tsv(result, out)


@click.command("clinical-tables")
@click.option(
    "--clinical",
    required=True,
    type=click.Path(dir_okay=False),
    help="Clinical table (TSV keyed by sample_id).",
)
@click.option(
    "--out-overall",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Supplementary Table 1A, the whole cohort (TSV).",
)
@click.option(
    "--out-crs",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Supplementary Table 1B, by CRS grade (TSV).",
)
@click.option(
    "--out-icans",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Supplementary Table 1C, by ICANS (TSV).",
)
def clinical_tables_cmd(clinical, out_overall, out_crs, out_icans):
    """Supplementary Table 1 A (overall), B (by CRS grade) and C (by ICANS)."""
    from mirscope.stats.tables import grouped_table, overall_table

    table = read_clinical(clinical)
    log_patients_used(table, list(table.columns), what="Supplementary Table 1", logger=log)
    write_tsv(overall_table(table), out_overall)
    write_tsv(grouped_table(table, "crs"), out_crs)
    write_tsv(grouped_table(table, "icans"), out_icans)


@click.command("models")
@click.option(
    "--clinical",
    required=True,
    type=click.Path(dir_okay=False),
    help="Clinical table (TSV keyed by sample_id).",
)
@click.option(
    "--normalized",
    required=True,
    type=click.Path(dir_okay=False),
    help="Normalised counts of `mirscope normalize`.",
)
@click.option(
    "--counts",
    required=True,
    type=click.Path(dir_okay=False),
    help="Integer count matrix the DE stage tests (refitted inside each nested fold).",
)
@click.option(
    "--de-dir", required=True, type=click.Path(file_okay=False), help="Holds <contrast>.tsv."
)
@click.option("--settings", default=None, help="The config 'models' section as JSON.")
@click.option(
    "--seed",
    type=int,
    default=7,
    show_default=True,
    help="Seed for resampling and cross-validation.",
)
@click.option("--de-lfc", type=float, default=1.0, show_default=True, help="DE |log2FC| cut.")
@click.option("--de-p", type=float, default=0.05, show_default=True, help="DE raw p cut.")
@click.option("--de-covariate", multiple=True, help="DE design covariate (repeatable).")
@click.option(
    "--min-samples",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Keep miRNAs counted in at least this many samples (as the DE stage).",
)
@click.option(
    "--size-factors",
    "sf_type",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", "ratio", "poscounts"]),
    help="Size-factor method of the per-fold DE refits (as the DE stage).",
)
@click.option("--outdir", required=True, type=click.Path(file_okay=False), help="Tables dir.")
@click.option("--figdir", default=None, type=click.Path(file_okay=False), help="Figures dir.")
def models_cmd(
    clinical,
    normalized,
    counts,
    de_dir,
    settings,
    seed,
    de_lfc,
    de_p,
    de_covariate,
    min_samples,
    sf_type,
    outdir,
    figdir,
):
    """The configured toxicity and response models (selection, fit, paper-style LOOCV and
    nested LOOCV with the DE pre-filter refitted per fold) and the published Table 1
    models refitted, with tables and figures. DE options: as for ``mirscope de``."""
    from mirscope.stages.models import run_models

    table = read_clinical(clinical)
    cfg = _models_settings(settings)
    used = [c for k, v in cfg.items() if k.endswith("_covariates") for c in v]
    outcomes = {"crs_ge2": "crs_grade", "icans": "icans_grade", "icans_ge2": "icans_grade"}
    for name in [*cfg.get("toxicity_models", []), *cfg.get("response_models", [])]:
        used.append(outcomes.get(name, name))
    from mirscope.io import read_value_matrix

    log_patients_used(
        table, used, what="models", logger=log, samples=list(read_value_matrix(normalized).columns)
    )
    run_models(
        table,
        normalized,
        de_dir,
        _models_settings(settings),
        seed,
        outdir,
        figdir,
        counts_path=counts,
        de_rule={
            "lfc_threshold": de_lfc,
            "p_threshold": de_p,
            "covariates": list(de_covariate),
            "size_factors": sf_type,
        },
        min_samples=min_samples,
        source=clinical,
    )


@click.command("associations")
@click.option(
    "--clinical",
    required=True,
    type=click.Path(dir_okay=False),
    help="Clinical table (TSV keyed by sample_id).",
)
@click.option(
    "--normalized",
    required=True,
    type=click.Path(dir_okay=False),
    help="Normalised counts of `mirscope normalize`.",
)
@click.option("--settings", default=None, help="The config 'models' section as JSON.")
@click.option(
    "--out-groups",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Kruskal-Wallis tests of each miRNA by outcome (TSV).",
)
@click.option(
    "--out-correlations",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Spearman correlations with clinical variables (TSV).",
)
def associations_cmd(clinical, normalized, settings, out_groups, out_correlations):
    """Kruskal-Wallis (miRNA by outcome) and Spearman (miRNA vs clinical) tests."""
    from mirscope.io import read_value_matrix
    from mirscope.stats.association import correlations, group_tests

    cfg = _models_settings(settings)
    table = read_clinical(clinical)
    outcomes = {"crs_ge2": "crs_grade", "icans": "icans_grade", "icans_ge2": "icans_grade"}
    used = [e.partition(":")[2] for e in cfg["correlations"]]
    used += [outcomes.get(o, o) for o in (e.partition(":")[2] for e in cfg["group_tests"])]
    counts = read_value_matrix(normalized)
    log_patients_used(table, used, what="associations", logger=log, samples=list(counts.columns))
    write_tsv(group_tests(table, counts, cfg["group_tests"], source=clinical), out_groups)
    write_tsv(correlations(table, counts, cfg["correlations"], source=clinical), out_correlations)


COMMANDS = [logistic_cmd, lasso_cmd, clinical_tables_cmd, models_cmd, associations_cmd]

"""Models stage: fit every configured model and write its tables and figures.

Table contents are documented in :mod:`mirscope.stats.models`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from mirscope.de.normalize import filter_detected
from mirscope.errors import NotEstimable
from mirscope.io import read_count_matrix, read_value_matrix, write_tsv
from mirscope.plots.models import plot_model, plot_not_estimable
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
                plot_not_estimable(name, exc.reason, figdir)
            continue
        write_model_tables(res, outdir / "models")
        results[name] = outcomes[name] = res
        if figdir is not None:
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

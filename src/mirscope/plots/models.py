"""Figures of the clinical models: selection frequencies, LOOCV ROC curves (paper-style and
nested) and forest plots of the final models' odds ratios.

Each figure is written as ``<figdir>/<model>_<kind>.png`` and ``.pdf``
(:func:`mirscope.plots.common.save_figure`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mirscope.inputs.labels import label as human_label
from mirscope.inputs.labels import term_label
from mirscope.plots.common import plt, save_figure
from mirscope.plots.survival import forest_plot as ratio_forest
from mirscope.stats.validation import ModelResult, classification_metrics, roc_curve

TOP_BARS = 15


def added_covariates(result: ModelResult) -> list[str]:
    """Final predictors that entered by their univariable p, not by LASSO frequency.

    In ``toxicity`` mode every configured covariate with univariable Wald p below
    ``covariate_alpha`` is added to the LASSO's miRNAs
    (:func:`mirscope.stats.validation.select_predictors`), whatever its selection
    frequency; a bar for it must not read as a LASSO choice.
    """
    if result.spec.mode != "toxicity":
        return []
    return [v for v in result.predictors if v in result.spec.covariates]


def selection_bars(result: ModelResult, path: str | Path) -> None:
    """Horizontal bars of the most frequently selected variables; final predictors dark.

    Final predictors are always shown, even below the top :data:`TOP_BARS`; covariates
    added by their univariable p are hatched and labelled "added".
    """
    sel = result.selection
    shown = sel[(sel["frequency"] > 0) | sel["variable"].isin(result.predictors)]
    top = shown.head(TOP_BARS)
    extra = shown[shown["variable"].isin(result.predictors) & ~shown.index.isin(top.index)]
    table = pd.concat([top, extra]).iloc[::-1]
    added = set(added_covariates(result))
    fig, ax = plt.subplots(figsize=(6.5, 0.3 * max(len(table), 1) + 1.4))
    colors = ["#1f4e79" if v in result.predictors else "#9dbbd6" for v in table["variable"]]
    alpha = result.spec.covariate_alpha
    labels = [
        f"{term_label(v)} (added: univariable p < {alpha:g})" if v in added else term_label(v)
        for v in table["variable"]
    ]
    bars = ax.barh(labels, table["frequency"], color=colors)
    for bar, v in zip(bars, table["variable"], strict=True):
        if v in added:
            bar.set_hatch("///")
            bar.set_edgecolor("white")
    ax.set_xlim(0, 1)
    ax.set_xlabel("selection frequency (weighted LASSO over resamples)")
    ax.set_title(f"{human_label(result.spec.name)}: variable selection (dark = in final model)")
    ax.grid(axis="x", alpha=0.3)
    save_figure(fig, path)


def roc_plot(result: ModelResult, path: str | Path) -> None:
    """LOOCV ROC curves: paper-style (DE pre-filter and selection on all patients) and
    nested (DE test, selection and fit redone without each left-out patient)."""
    fig, ax = plt.subplots(figsize=(5, 5))
    for prob, label, color in (
        (result.loocv_prob, "paper-style LOOCV", "#c0392b"),
        (result.nested_prob, "nested LOOCV", "#2c3e50"),
    ):
        fpr, tpr, auc = roc_curve(result.y, prob)
        acc = classification_metrics(result.y, prob)["accuracy"]
        ax.step(fpr, tpr, where="post", color=color, label=f"{label}: AUC {auc:.2f}, acc {acc:.0%}")
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
    ax.set_xlabel("1 - specificity")
    ax.set_ylabel("sensitivity")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    n, ev = len(result.y), int(result.y.sum())
    ax.set_title(f"{human_label(result.spec.name)} (n = {n}, events = {ev})")
    ax.legend(loc="lower right", fontsize=8)
    save_figure(fig, path)


def forest_plot(result: ModelResult, path: str | Path) -> None:
    """Odds ratios with Wald 95% CI of the final model (log scale), drawn by
    :func:`mirscope.plots.survival.forest_plot` so clipped intervals look the same in
    every forest plot."""
    coef = result.fit.table()
    coef = coef[coef["term"] != "(Intercept)"]
    method = " (Firth)" if result.fit.method == "firth" else ""
    title = f"{human_label(result.spec.name)}: final logistic model{method}"
    if coef.empty:
        fig, ax = plt.subplots(figsize=(6.5, 1.8))
        ax.text(0.5, 0.5, "no predictor selected", ha="center", va="center")
        ax.set_axis_off()
        ax.set_title(title)
        save_figure(fig, path)
        return
    ratio_forest(
        coef,
        path,
        estimate="odds_ratio",
        title=title,
        label_col="term",
        lower="ci_low",
        upper="ci_high",
        p_col="p_value",
        xlabel="Odds ratio (95% CI, log scale)",
    )


def plot_model(result: ModelResult, figdir: str | Path) -> None:
    """All three figures of one model."""
    figdir = Path(figdir)
    name = result.spec.name
    selection_bars(result, figdir / f"{name}_selection.png")
    roc_plot(result, figdir / f"{name}_roc.png")
    forest_plot(result, figdir / f"{name}_forest.png")

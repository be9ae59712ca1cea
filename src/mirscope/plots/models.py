"""Figures of the clinical models: selection frequencies, LOOCV ROC curves (paper-style and
nested) and forest plots of the final models' odds ratios.

Each figure is written as ``<figdir>/<model>_<kind>.png`` and ``.pdf``
(:func:`mirscope.plots.common.save_figure`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mirscope.plots.common import plt, save_figure
from mirscope.stats.validation import ModelResult, classification_metrics, roc_curve

TOP_BARS = 15


def selection_bars(result: ModelResult, path: str | Path) -> None:
    """Horizontal bars of the most frequently selected variables; final predictors dark."""
    sel = result.selection
    shown = sel[(sel["frequency"] > 0) | sel["variable"].isin(result.predictors)]
    table = shown.head(TOP_BARS).iloc[::-1]
    fig, ax = plt.subplots(figsize=(6.5, 0.3 * max(len(table), 1) + 1.4))
    colors = ["#1f4e79" if v in result.predictors else "#9dbbd6" for v in table["variable"]]
    labels = [
        f"{v} (added: univariable p)" if v in result.predictors and f == 0 else v
        for v, f in zip(table["variable"], table["frequency"], strict=True)
    ]
    ax.barh(labels, table["frequency"], color=colors)
    ax.set_xlim(0, 1)
    ax.set_xlabel("selection frequency (weighted LASSO over resamples)")
    ax.set_title(f"{result.spec.name}: variable selection (dark = in final model)")
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
    ax.set_title(f"{result.spec.name} (n = {n}, events = {ev})")
    ax.legend(loc="lower right", fontsize=8)
    save_figure(fig, path)


def forest_plot(result: ModelResult, path: str | Path) -> None:
    """Odds ratios with Wald 95% CI of the final model (log scale)."""
    coef = result.fit.table()
    coef = coef[coef["term"] != "(Intercept)"].iloc[::-1]
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * max(len(coef), 1) + 1.4))
    if coef.empty:
        ax.text(0.5, 0.5, "no predictor selected", ha="center", va="center")
        ax.set_axis_off()
    else:
        ypos = np.arange(len(coef))
        lo, hi = coef["ci_low"].clip(1e-6, 1e6), coef["ci_high"].clip(1e-6, 1e6)
        ax.errorbar(
            coef["odds_ratio"],
            ypos,
            xerr=[coef["odds_ratio"] - lo, hi - coef["odds_ratio"]],
            fmt="s",
            color="#1f4e79",
            capsize=3,
        )
        ax.axvline(1.0, color="grey", lw=0.8, ls="--")
        ax.set_xscale("log")
        labels = [f"{t}  (p = {p:.2g})" for t, p in zip(coef["term"], coef["p_value"], strict=True)]
        ax.set_yticks(ypos, labels)
        ax.set_xlabel("odds ratio (95% CI)")
    method = " (Firth)" if result.fit.method == "firth" else ""
    ax.set_title(f"{result.spec.name}: final logistic model{method}")
    save_figure(fig, path)


def plot_model(result: ModelResult, figdir: str | Path) -> None:
    """All three figures of one model."""
    figdir = Path(figdir)
    name = result.spec.name
    selection_bars(result, figdir / f"{name}_selection.png")
    roc_plot(result, figdir / f"{name}_roc.png")
    forest_plot(result, figdir / f"{name}_forest.png")

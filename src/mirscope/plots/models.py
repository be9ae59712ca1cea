"""Figures of the clinical models: selection frequencies, LOOCV ROC curves (paper-style and
nested) and forest plots of the final models' odds ratios.

Each figure is written as ``<figdir>/<model>_<kind>.png`` and ``.pdf``
(:func:`mirscope.plots.common.save_figure`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mirscope.inputs.labels import label as human_label
from mirscope.inputs.labels import outcome_coding, term_label
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


def stability_text(result: ModelResult, term: str) -> str:
    """The share of resamples and of LOOCV folds choosing a final term ("" if none)."""
    freq = result.stability.set_index("variable") if len(result.stability) else None
    if freq is None or term not in freq.index:
        return ""
    res, loo = freq.at[term, "resample_frequency"], freq.at[term, "loocv_frequency"]
    parts = [f"{res:.0%} of resamples"] if pd.notna(res) else []
    parts.append(f"{loo:.0%} of LOOCV folds")
    flag = "; unstable" if term in result.unstable() else ""
    return ", ".join(parts) + flag


def selection_bars(result: ModelResult, path: str | Path) -> None:
    """Two frequencies per variable: the LASSO's over resamples of all patients (what the
    paper ranks by) and the whole procedure's, pre-filter included, redone in each
    stability resample; LOOCV-fold frequencies as ticks. Final predictors dark.

    Final predictors are always shown, even below the top :data:`TOP_BARS`; covariates
    added by their univariable p are hatched and labelled "added". The dashed line is the
    stability threshold: a final predictor left of it in either measure is flagged.
    """
    sel = result.selection.copy()
    sel["frequency"] = sel["frequency"].fillna(0.0)
    sel = sel.sort_values(
        ["frequency", "resample_frequency"], ascending=False, kind="stable", na_position="last"
    )
    keep = (sel["frequency"] > 0) | (sel["resample_frequency"].fillna(0) > 0)
    shown = sel[keep | sel["variable"].isin(result.predictors)]
    top = shown.head(TOP_BARS)
    extra = shown[shown["variable"].isin(result.predictors) & ~shown.index.isin(top.index)]
    table = pd.concat([top, extra]).iloc[::-1].reset_index(drop=True)
    added = set(added_covariates(result))
    unstable = set(result.unstable())
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * max(len(table), 1) + 1.9))
    alpha = result.spec.covariate_alpha
    labels = []
    for v in table["variable"]:
        text = term_label(v)
        if v in added:
            text += f" (added: univariable p < {alpha:g})"
        if v in unstable:
            text += " [unstable]"
        labels.append(text)
    ys = np.arange(len(table))
    h = 0.38
    final = table["variable"].isin(result.predictors).to_numpy()
    lasso = ax.barh(
        ys + h / 2,
        table["frequency"],
        height=h,
        color=np.where(final, "#1f4e79", "#9dbbd6"),
        label="LASSO, resamples of all patients",
    )
    ax.barh(
        ys - h / 2,
        table["resample_frequency"].fillna(0.0),
        height=h,
        color=np.where(final, "#b35806", "#f1a340"),
        label="whole selection redone per subsample (any pre-filter too)",
    )
    ax.plot(
        table["loocv_frequency"],
        ys - h / 2,
        "|",
        color="black",
        ms=9,
        mew=1.6,
        label="whole selection, share of LOOCV folds",
    )
    for bar, v in zip(lasso, table["variable"], strict=True):
        if v in added:
            bar.set_hatch("///")
            bar.set_edgecolor("white")
    cut = result.spec.stability_threshold
    ax.axvline(cut, color="grey", ls="--", lw=1, label=f"stability threshold ({cut:.0%})")
    ax.set_yticks(ys)
    ax.set_yticklabels(labels, fontsize=8)
    for tick, is_final in zip(ax.get_yticklabels(), final, strict=True):
        tick.set_fontweight("bold" if is_final else "normal")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.7, len(table) - 0.3)
    ax.set_xlabel("selection frequency")
    ax.set_title(
        f"{human_label(result.spec.name)}: variable selection (bold, dark = in final model)",
        fontsize=10,
        pad=34,
    )
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, frameon=False)
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
    # The positive class, in words: sensitivity is the share of these found.
    n, ev = len(result.y), int(result.y.sum())
    name = human_label(result.spec.name)
    positive = "responders" if result.spec.mode == "response" else f"with {name}"
    ax.set_title(f"{name} (n = {n}; {ev} {positive})")
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
    outcome = (
        outcome_coding("responder")
        if result.spec.mode == "response"
        else f"{human_label(result.spec.name)} = 1"
    )
    per = (
        "per doubling of normalised count (log2 scale)"
        if getattr(result.spec, "mirna_scale", "log2") == "log2"
        else "per normalised count"
    )
    # the labels' parentheses (share of resamples and of LOOCV folds choosing each
    # predictor) are explained in the report caption, to keep this to one line
    subtitle = f"miRNAs: OR {per}; outcome: {outcome}"
    if coef.empty:
        fig, ax = plt.subplots(figsize=(6.5, 1.8))
        ax.text(0.5, 0.5, "no predictor selected", ha="center", va="center")
        ax.set_axis_off()
        ax.set_title(title)
        save_figure(fig, path)
        return
    coef = coef.assign(
        label=[
            f"{term_label(t)} ({text})" if (text := stability_text(result, t)) else t
            for t in coef["term"]
        ]
    )
    ratio_forest(
        coef,
        path,
        estimate="odds_ratio",
        title=title,
        label_col="label",
        lower="ci_low",
        upper="ci_high",
        p_col="p_value",
        xlabel="Odds ratio (95% CI, log scale)",
        subtitle=subtitle,
    )


def plot_model(result: ModelResult, figdir: str | Path) -> None:
    """All three figures of one model."""
    figdir = Path(figdir)
    name = result.spec.name
    selection_bars(result, figdir / f"{name}_selection.png")
    roc_plot(result, figdir / f"{name}_roc.png")
    forest_plot(result, figdir / f"{name}_forest.png")


def plot_not_estimable(name: str, reason: str, figdir: str | Path) -> None:
    """The three figure files of a model the cohort cannot support, each saying why: the
    run and the report keep one figure per configured model, and an empty frame would
    look like a drawing error."""
    figdir = Path(figdir)
    for kind in ("selection", "roc", "forest"):
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.axis("off")
        text = f"{human_label(name)}: not estimable on this cohort\n{reason}"
        ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=9)
        save_figure(fig, figdir / f"{name}_{kind}.png")

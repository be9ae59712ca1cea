"""Calibration plot of the external validation: observed event rate against mean
predicted probability, per model, in groups of patients of equal size."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mirscope.plots.common import plt, save_figure


def plot_calibration(groups: pd.DataFrame, path: Path) -> None:
    """One line per model (``groups``: model, mean_predicted, observed, n; the rows of
    :func:`mirscope.stats.external.calibration_groups`), the diagonal as perfect
    calibration; a model without probabilities has no line, and without any the figure is
    a one-line placeholder."""
    if not len(groups):
        # a small placeholder (the paper's models have no intercept, so no probability):
        # the report embeds it, and an empty plot would cost its size budget for nothing
        fig, ax = plt.subplots(figsize=(4.0, 1.2))
        ax.axis("off")
        ax.text(0.5, 0.5, "calibration: no model with probabilities\n(no intercept)", ha="center")
        save_figure(fig, path)
        return
    fig, ax = plt.subplots(figsize=(5.5, 5.0))
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="perfect")
    for name, rows in groups.groupby("model", sort=True):
        ax.plot(rows["mean_predicted"], rows["observed"], marker="o", label=str(name))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed event rate")
    ax.set_title("External validation: calibration")
    ax.legend(loc="upper left", fontsize=7, frameon=False)
    save_figure(fig, path)


def plot_cutoff_km(
    fits: dict, path: Path, *, variable: str, cutoff: float, at_risk_times: list[float]
) -> None:
    """Kaplan–Meier panels (one per endpoint) of a cut-off transferred from another cohort:
    ``fits`` maps endpoint -> (groups, log-rank, title), as
    :func:`mirscope.survival.prognostic.transferred_cutoff` returns them; without any
    (no survival endpoint in the clinical table) the figure says so."""
    from mirscope.plots.survival import KMPanel, high_low_colors, km_panels

    if not fits:
        fig, ax = plt.subplots(figsize=(4.0, 1.5))
        ax.axis("off")
        ax.text(0.5, 0.5, "no survival endpoint (OS, PFS, TTP) in the clinical table", ha="center")
        save_figure(fig, path)
        return

    name = variable.removeprefix("hsa-")
    low, high = f"{name} < {cutoff:.3g}", f"{name} \u2265 {cutoff:.3g}"
    panels = [KMPanel(groups, test, title, title) for groups, test, title in fits.values()]
    km_panels(
        panels,
        path,
        suptitle=f"External validation: {name} at the transferred cut-off {cutoff:.3g} "
        "(normalised counts, fixed, not re-optimised)",
        at_risk_times=at_risk_times,
        labels={low: f"low, < {cutoff:.3g}", high: f"high, \u2265 {cutoff:.3g}"},
        legend_title=name,
        colors=high_low_colors(low, high),
    )

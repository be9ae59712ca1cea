"""Calibration plot of the external validation: observed event rate against mean
predicted probability, per model, in groups of patients of equal size."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mirscope.plots.common import plt, save_figure


def plot_calibration(groups: pd.DataFrame, path: Path) -> None:
    """One line per model (``groups``: model, mean_predicted, observed, n; the rows of
    :func:`mirscope.stats.external.calibration_groups`), the diagonal as perfect
    calibration; a model without probabilities has no line."""
    fig, ax = plt.subplots(figsize=(5.5, 5.0))
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="perfect")
    if len(groups):
        for name, rows in groups.groupby("model", sort=True):
            ax.plot(rows["mean_predicted"], rows["observed"], marker="o", label=str(name))
    else:
        ax.text(0.5, 0.5, "no model with probabilities and outcomes", ha="center")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed event rate")
    ax.set_title("External validation: calibration")
    ax.legend(loc="upper left", fontsize=7, frameon=False)
    save_figure(fig, path)

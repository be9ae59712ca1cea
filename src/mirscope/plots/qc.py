"""Read QC figures: read classes per sample and insert length distributions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mirscope.plots.common import plt, save_figure
from mirscope.reads.qc import PLOT_ORDER

CLASS_COLOURS = {
    "valid": "#1b9e77",
    "too_short": "#7570b3",
    "adapter_dimer": "#d95f02",
    "umi_incomplete": "#e6ab02",
    "no_adapter": "#666666",
}
CLASS_LABELS = {
    "valid": "valid",
    "too_short": "insert too short",
    "adapter_dimer": "adapter dimer",
    "umi_incomplete": "UMI incomplete",
    "no_adapter": "no adapter",
}


def plot_read_classes(table: pd.DataFrame, path_stem: Path) -> None:
    """Stacked horizontal bars: each sample's reads by class, as fractions of its total."""
    n = len(table)
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.22 * n + 1.2)))
    totals = table["total_reads"].where(table["total_reads"] > 0, 1)
    left = pd.Series(0.0, index=table.index)
    labels = table["sample_id"].astype(str)
    for cls in PLOT_ORDER:
        frac = table[cls] / totals
        ax.barh(labels, frac, left=left, color=CLASS_COLOURS[cls], label=CLASS_LABELS[cls])
        left = left + frac
    ax.set_xlim(0, 1)
    ax.set_ylim(n - 0.5, -0.5)  # first sample on top, no empty margins
    ax.set_xlabel("fraction of reads")
    ax.set_title("Read classes after adapter and UMI trimming")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    fig.tight_layout()
    save_figure(fig, path_stem.with_suffix(".png"))


def plot_insert_lengths(
    hists: dict[str, dict[int, int]], path_stem: Path, min_length: int | None = None
) -> None:
    """Insert length distributions (reads with an adapter, fraction per length) per sample,
    with the shortest kept insert (``min_length``) marked."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    max_len = max((max(h) for h in hists.values() if h), default=40)
    xs = list(range(0, max_len + 1))
    many = len(hists) > 10
    for sample, hist in hists.items():
        total = sum(hist.values())
        if not total:
            continue
        ys = [hist.get(x, 0) / total for x in xs]
        ax.plot(
            xs,
            ys,
            lw=0.8 if many else 1.5,
            alpha=0.6 if many else 0.9,
            label=None if many else sample,
        )
    ax.axvspan(20, 24, color="#dddddd", zorder=0, label="miRNA range (20-24 nt)")
    if min_length:
        ax.axvline(
            min_length - 0.5,
            color="black",
            ls="--",
            lw=0.8,
            label=f"shorter than {min_length} nt: too short",
        )
    ax.set_xlabel("insert length (nt)")
    ax.set_ylabel("fraction of reads with an adapter")
    # Stop the axis where every sample's tail is below 0.1% of its reads (long reads
    # otherwise squeeze the informative 10-50 nt range).
    visible = [
        x
        for h in hists.values()
        for x, v in h.items()
        if sum(h.values()) and v / sum(h.values()) >= 1e-3
    ]
    ax.set_xlim(0, min(max_len, max(visible, default=max_len) + 5))
    ax.set_title("Insert length distribution" + (f" ({len(hists)} samples)" if many else ""))
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    save_figure(fig, path_stem.with_suffix(".png"))

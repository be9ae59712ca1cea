"""Assigned-vs-unassigned QC figure: where each sample's valid molecules go, and the
insert lengths of assigned and unassigned molecules."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mirscope.plots.common import plt, save_figure

CLASS_COLOURS = {
    "assigned": "#1b9e77",
    "ambiguous": "#e6ab02",
    "hairpin": "#7570b3",
    "unaligned": "#999999",
}
CLASS_LABELS = {
    "assigned": "assigned to a miRNA",
    "ambiguous": "ambiguous (several miRNAs)",
    "hairpin": "hairpin only",
    "unaligned": "not on a hairpin",
}
LENGTH_COLOURS = {"assigned": "#1b9e77", "unassigned": "#d95f02"}


def plot_unassigned(
    summary: pd.DataFrame, hists: dict[str, dict[str, dict[int, int]]], path_stem: Path
) -> None:
    """Left: molecules by class per sample (fractions); right: length distributions of
    assigned and unassigned molecules, one thin line per sample and the pooled one bold."""
    n = len(summary)
    fig, (ax, bx) = plt.subplots(
        1, 2, figsize=(13, max(3.5, 0.22 * n + 1.5)), gridspec_kw={"width_ratios": [1, 1.2]}
    )
    labels = summary["sample_id"].astype(str)
    totals = summary["valid_molecules"].where(summary["valid_molecules"] > 0, 1)
    left = pd.Series(0.0, index=summary.index)
    for cls, colour in CLASS_COLOURS.items():
        frac = summary[f"{cls}_molecules"] / totals
        ax.barh(labels, frac, left=left, color=colour, label=CLASS_LABELS[cls])
        left = left + frac
    ax.set_xlim(0, 1)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlabel("fraction of valid molecules")
    # The class legend sits between the title and the bars, anchored to the axes' top:
    # below the x-axis an axes-fraction offset grows with the number of samples and left
    # a blank band under the taller right panel.
    ax.set_title("Valid molecules by assignment", pad=34)
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=2,
        fontsize=8,
        frameon=False,
        borderaxespad=0.3,
    )

    max_len = max((max(h) for s in hists.values() for h in s.values() if h), default=40)
    xs = list(range(0, max_len + 1))
    pooled: dict[str, dict[int, int]] = {"assigned": {}, "unassigned": {}}
    for sample_hists in hists.values():
        for kind, colour in LENGTH_COLOURS.items():
            h = sample_hists.get(kind, {})
            total = sum(h.values())
            for x, v in h.items():
                pooled[kind][x] = pooled[kind].get(x, 0) + v
            if total and len(hists) > 1:
                bx.plot(xs, [h.get(x, 0) / total for x in xs], color=colour, lw=0.5, alpha=0.3)
    for kind, colour in LENGTH_COLOURS.items():
        total = sum(pooled[kind].values())
        if total:
            bx.plot(
                xs,
                [pooled[kind].get(x, 0) / total for x in xs],
                color=colour,
                lw=2,
                label=f"{kind} (all samples)",
            )
    bx.axvspan(20, 24, color="#dddddd", zorder=0, label="miRNA range (20-24 nt)")
    min_len = min((min(h) for s in hists.values() for h in s.values() if h), default=0)
    bx.set_xlim(max(0, min_len - 1), max_len + 1)
    bx.set_xlabel("insert length (nt)")
    bx.set_ylabel("fraction of the class's molecules")
    bx.set_title("Insert lengths: assigned vs unassigned", pad=34)
    bx.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    save_figure(fig, path_stem.with_suffix(".png"))

"""Figures 1 and 2 of the paper and a volcano plot per contrast.

* Figure 1: mean-centred log2 expression, patients (rows, in dendrogram order, as the
  paper's legend has them) x every detected miRNA (columns, clustered), blue-white-red,
  patient dendrogram on the left and annotation columns for cluster (the paper's
  cluster_1 red, cluster_0 grey, cluster_2 blue), CRS >= 2, ICANS and bridging, with the
  enriched cluster and the Fisher p of each annotation written underneath.
* Figure 2A/B: the DE miRNAs of a contrast (rows, labelled, clustered) x patients ordered by group,
  with the group bar in the paper's colours (CRS: dark blue = grade >= 2, light blue =
  0-1; ICANS: dark green = ICANS, light green = none).
* Volcano: log2 fold change vs -log10 p, the |log2FC| and p thresholds as dashed lines,
  DE miRNAs coloured and the strongest ones labelled; the legend where it covers no
  point or label.

Titles come from the callers in human words (:mod:`mirscope.inputs.labels`), never ids.

Colour limits are symmetric (+-3 log2 units by default) so white always means "the
miRNA's mean".
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import matplotlib
import numpy as np
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import gridspec  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from scipy.cluster import hierarchy  # noqa: E402

from mirscope.inputs.labels import label  # noqa: E402
from mirscope.plots.common import place_legend, save_figure, titled  # noqa: E402

HEAT_CMAP = "bwr"
CLUSTER_COLOURS = ("#9e9e9e", "#d62728", "#1f5fbf", "#2ca02c", "#9467bd", "#8c564b")
GROUP_COLOURS = {
    "crs": {"case": "#08306b", "control": "#9ecae1"},
    "icans": {"case": "#00441b", "control": "#a1d99b"},
    "default": {"case": "#4d4d4d", "control": "#d9d9d9"},
}
YES_NO = {"yes": "#333333", "no": "#e0e0e0"}
#: Bridging therapy: "none" must not share the light grey of every "no" beside it (a
#: reader would read a patient without bridging as one without CRS), so it is purple.
BRIDGING = {"none": "#9e9ac8", "response": "#74c476", "failure": "#e6550d"}
#: Annotation column -> its palette; columns not listed are yes/no (:data:`YES_NO`).
ANNOTATION_PALETTES = {"bridging": BRIDGING}
MISSING = "#ffffff"


def group_palette(contrast: str) -> dict[str, str]:
    """The paper's group colours: CRS blues, ICANS greens, greys otherwise."""
    for key in ("crs", "icans"):
        if contrast.startswith(key):
            return GROUP_COLOURS[key]
    return GROUP_COLOURS["default"]


def _annotation_bar(
    ax, values: pd.Series, palette: Mapping[str, str], label: str, *, vertical: bool = False
) -> None:
    """One coloured bar of a categorical variable: a row (``vertical=False``, label on the
    left) or a column beside patient rows (``vertical=True``, label below)."""
    colours = [palette.get(str(v), MISSING) if pd.notna(v) else MISSING for v in values]
    keys = list(dict.fromkeys(colours))
    idx = np.array([[keys.index(c) for c in colours]])
    ax.imshow(
        idx.T if vertical else idx,
        aspect="auto",
        cmap=ListedColormap(keys),
        interpolation="nearest",
    )
    if vertical:
        ax.set_yticks([])
        ax.set_xticks([0])
        ax.set_xticklabels([label], fontsize=8, rotation=90)
    else:
        ax.set_xticks([])
        ax.set_yticks([0])
        ax.set_yticklabels([label], fontsize=8)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _heat(ax, data: pd.DataFrame, limit: float):
    return ax.imshow(
        data.to_numpy(),
        aspect="auto",
        cmap=HEAT_CMAP,
        vmin=-limit,
        vmax=limit,
        interpolation="nearest",
    )


def cluster_palette(names) -> dict[str, str]:
    """cluster_i -> colour (cluster_0 grey, cluster_1 red, cluster_2 blue, as the paper)."""
    return {n: CLUSTER_COLOURS[int(n.split("_")[-1]) % len(CLUSTER_COLOURS)] for n in names}


def enrichment_lines(enrichment: pd.DataFrame) -> list[str]:
    """Figure 1's enrichment note, one line per annotation variable (bold-free text)."""
    lines = []
    for _, r in enrichment.iterrows():
        share = r["count"] / r["size"] if r["size"] else float("nan")
        p = r["p_value"]
        ptxt = "p = NA" if not np.isfinite(p) else ("p < 0.0001" if p < 1e-4 else f"p = {p:.2g}")
        what = r["variable"].replace("=", " ") if "=" in r["variable"] else r["annotation"]
        lines.append(
            f"{what}: highest in {r['cluster']}, {r['count']}/{r['size']} "
            f"({share:.0%}); Fisher {ptxt}"
        )
    return lines


def figure1(
    centred: pd.DataFrame,
    row_order: list[str],
    linkage: np.ndarray,
    patient_order: list[str],
    annotations: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    enrichment: pd.DataFrame | None = None,
    limit: float = 3.0,
) -> None:
    """Clustering heatmap as the paper draws it: patients as rows (dendrogram on the left,
    in dendrogram order), miRNAs as columns; annotation columns for cluster, CRS >= 2,
    ICANS and bridging.

    ``enrichment`` (:func:`mirscope.stats.cluster.cluster_enrichment`, read off the
    association table) is written under the heatmap: for each annotation the cluster with
    the highest share and the cluster x variable Fisher p.
    """
    data = centred.loc[row_order, patient_order].T
    n_pat, n_ann = len(patient_order), annotations.shape[1]
    fig = plt.figure(figsize=(11.0, max(8.0, 0.15 * n_pat + 2.5)))
    gs = gridspec.GridSpec(
        1,
        4 + n_ann,
        width_ratios=[2.2] + [0.32] * n_ann + [14, 1.6, 0.35],
        wspace=0.04,
    )
    ax_d = fig.add_subplot(gs[0, 0])
    hierarchy.dendrogram(
        linkage,
        ax=ax_d,
        orientation="left",
        color_threshold=0,
        above_threshold_color="#444444",
        no_labels=True,
    )
    # scipy draws leaf i at y = 10 i + 5 from the bottom; the heatmap's first row is on top.
    ax_d.set_ylim(10 * n_pat, 0)
    ax_d.set_axis_off()
    legends = []
    for i, col in enumerate(annotations.columns):
        ax = fig.add_subplot(gs[0, 1 + i])
        values = annotations.loc[patient_order, col]
        palette = (
            cluster_palette(sorted(values.dropna().unique()))
            if col == "cluster"
            else ANNOTATION_PALETTES.get(col, YES_NO)
        )
        _annotation_bar(ax, values, palette, label(col), vertical=True)
        present = [k for k in palette if k in set(values.dropna().astype(str))]
        counts = values.astype("string").value_counts()
        legends.append(
            (label(col), [Patch(color=palette[k], label=f"{k} (n = {counts[k]})") for k in present])
        )
    ax_h = fig.add_subplot(gs[0, 1 + n_ann])
    im = _heat(ax_h, data, limit)
    ax_h.set_xticks([])
    ax_h.set_xlabel(f"{len(row_order)} miRNAs (clustered)", fontsize=9)
    ax_h.yaxis.tick_right()
    ax_h.set_yticks(range(n_pat))
    ax_h.set_yticklabels(patient_order, fontsize=6)
    ax_h.tick_params(axis="y", length=0, pad=2)
    titled(
        ax_h,
        "Figure 1. Clustering of patients by circulating miRNAs",
        f"{n_pat} patients (rows) × {len(row_order)} miRNAs (columns); "
        "Pearson centred correlation, complete linkage",
        fontsize=12,
    )
    cax = fig.add_subplot(gs[0, 3 + n_ann])
    cb = fig.colorbar(im, cax=cax)
    cb.set_label("log2 expression - miRNA mean", fontsize=8)
    cb.ax.tick_params(labelsize=7)
    # Legends stacked right of the colour bar from the heatmap's top, spaced in inches so
    # they neither overlap nor drift with the figure's height.
    top = ax_h.get_position().y1
    line = 0.17 / fig.get_figheight()
    y = top
    for title, handles in legends:
        leg = fig.legend(
            handles=handles,
            title=title,
            loc="upper left",
            bbox_to_anchor=(0.93, y),
            fontsize=7,
            title_fontsize=8,
            frameon=False,
        )
        fig.add_artist(leg)
        y -= line * (len(handles) + 2.2)
    if enrichment is not None and len(enrichment):
        note = "\n".join(
            ["Cluster enrichment (Fisher's exact test, clusters x variable):"]
            + enrichment_lines(enrichment)
        )
        ax_h.text(
            0.0,
            -0.04,
            note,
            transform=ax_h.transAxes,
            va="top",
            ha="left",
            fontsize=8,
            gid="enrichment",
        )
    save_figure(fig, path)


def figure2(
    centred: pd.DataFrame,
    mirnas: list[str],
    groups: pd.Series,
    contrast: str,
    path: str | os.PathLike[str],
    *,
    title: str,
    group_labels: Mapping[str, str] | None = None,
    limit: float = 3.0,
    panel: str | None = None,
) -> None:
    """DE heatmap: rows ``mirnas`` (in the given order: the caller clusters them),
    patients by group (control first), the panel letter of the paper's Figure 2 on top.

    Sized for the report's width: a fixed 8-inch width whatever the cohort size, rows of
    0.28 inch with 9-point names without the species prefix, so a name stays legible
    when the figure is scaled down to the page.
    """
    palette = group_palette(contrast)
    labels = group_labels or {"case": "case", "control": "control"}
    order = list(groups[groups == "control"].index) + list(groups[groups == "case"].index)
    n_rows = max(len(mirnas), 1)
    fig = plt.figure(figsize=(8.0, 2.2 + 0.28 * n_rows))
    gs = gridspec.GridSpec(
        2,
        2,
        height_ratios=[0.3, max(0.28 * n_rows, 1.0)],
        width_ratios=[40, 1],
        hspace=0.04,
        wspace=0.03,
    )
    ax_g = fig.add_subplot(gs[0, 0])
    _annotation_bar(ax_g, groups.loc[order], palette, "group")
    ax_g.set_title(title, fontsize=11, loc="left", pad=22)
    if panel:
        ax_g.annotate(
            panel,
            xy=(0.0, 1.0),
            xycoords="axes fraction",
            xytext=(-60, 20),
            textcoords="offset points",
            fontsize=16,
            fontweight="bold",
            va="bottom",
            gid="panel_letter",
        )
    ax_h = fig.add_subplot(gs[1, 0])
    if mirnas:
        im = _heat(ax_h, centred.loc[mirnas, order], limit)
        ax_h.set_yticks(range(len(mirnas)))
        ax_h.set_yticklabels([str(m).removeprefix("hsa-") for m in mirnas], fontsize=9)
        cax = fig.add_subplot(gs[1, 1])
        cb = fig.colorbar(im, cax=cax)
        cb.set_label("log2 expression - miRNA mean", fontsize=9)
        cb.ax.tick_params(labelsize=8)
    else:
        ax_h.text(0.5, 0.5, "no miRNA passes the thresholds", ha="center", va="center")
        ax_h.set_yticks([])
    ax_h.set_xticks(range(len(order)))
    ax_h.set_xticklabels(order, rotation=90, fontsize=6)
    ax_h.set_xlabel("Patients", fontsize=10)
    handles = [
        Patch(color=palette["case"], label=f"{labels['case']} (n={int((groups == 'case').sum())})"),
        Patch(
            color=palette["control"],
            label=f"{labels['control']} (n={int((groups == 'control').sum())})",
        ),
    ]
    ax_g.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=2,
        fontsize=9,
        frameon=False,
        borderaxespad=0.1,
    )
    save_figure(fig, path)


def volcano(
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    title: str,
    lfc: float = 1.0,
    p: float = 0.05,
    n_labels: int = 10,
    groups: Mapping[str, str] | None = None,
) -> None:
    """Volcano plot of a DE table (index miRNA; log2FoldChange, pvalue).

    ``groups`` names the case (the fold change's numerator) and the control in words
    (:func:`mirscope.stats.cluster.group_labels`): without them "up" and "case / control"
    do not say higher in whom.
    """
    case, control = (groups or {}).get("case", "case"), (groups or {}).get("control", "control")
    # the legend names the group only; the axis label keeps its definition ("(CR/PR)")
    short_case, short_control = case.split(" (")[0], control.split(" (")[0]
    df = table.dropna(subset=["log2FoldChange", "pvalue"])
    x = df["log2FoldChange"].to_numpy()
    y = -np.log10(np.maximum(df["pvalue"].to_numpy(), 1e-300))
    up = (x > lfc) & (df["pvalue"].to_numpy() < p)
    down = (x < -lfc) & (df["pvalue"].to_numpy() < p)
    other = ~(up | down)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.scatter(x[other], y[other], s=8, c="#b0b0b0", label="not DE", linewidths=0)
    ax.scatter(
        x[up],
        y[up],
        s=14,
        c="#d62728",
        label=f"higher in {short_case} (n={int(up.sum())})",
        linewidths=0,
    )
    ax.scatter(
        x[down],
        y[down],
        s=14,
        c="#1f5fbf",
        label=f"higher in {short_control} (n={int(down.sum())})",
        linewidths=0,
    )
    ax.axhline(-np.log10(p), ls="--", lw=0.8, c="#555555")
    for v in (-lfc, lfc):
        ax.axvline(v, ls="--", lw=0.8, c="#555555")
    sig = np.flatnonzero(up | down)
    top = sig[np.argsort(-y[sig], kind="stable")][:n_labels]
    placed: list[tuple[float, float]] = []
    yr = (y.max() if y.size else 1.0) or 1.0
    xr = (np.abs(x).max() if x.size else 1.0) or 1.0
    texts = []
    for i in top:
        tx, ty = x[i], y[i]
        # Nudge labels that would sit on an earlier one (simple, deterministic).
        while any(abs(ty - py) < 0.04 * yr and abs(tx - px) < 0.35 * xr for px, py in placed):
            ty += 0.045 * yr
        placed.append((tx, ty))
        ann = ax.annotate(
            str(df.index[i]).removeprefix("hsa-"),
            (x[i], y[i]),
            xytext=(tx, ty),
            fontsize=7,
            ha="left" if x[i] >= 0 else "right",
            arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "#777777"} if ty != y[i] else None,
        )
        texts.append(ann)
    # Symmetric x range with room for the labels of the outermost points.
    half = max(float(np.abs(x).max()) if x.size else 0.0, lfc) * 1.5
    ax.set_xlim(-half, half)
    ax.set_xlabel(f"log2 fold change ({case} / {control})")
    ax.set_ylabel("-log10 Wald p-value")
    titled(
        ax,
        title,
        f"DESeq2 Wald test, all {len(df)} miRNAs tested; dashed: |log2FC| = {lfc:g}, p = {p:g}",
        fontsize=10.5,
    )
    ax.spines[["top", "right"]].set_visible(False)
    # Placed last, clear of the points, the threshold lines and the miRNA labels.
    place_legend(ax, [*ax.collections, *ax.lines, *texts], fontsize=8, frameon=False)
    save_figure(fig, path)

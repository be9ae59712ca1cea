"""Figures of the companion analyses: kinetics, importance with spread, probability curves,
evidence bar chart."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from mirscope.inputs.labels import label as human_label
from mirscope.inputs.labels import term_label
from mirscope.plots.common import plt, save_figure
from mirscope.plots.survival import COLORS, format_p

#: The y-axis of the AUC panel: the trapezoid area under CAR T cells/µL over days 0–30
#: (:mod:`mirscope.companion.kinetics`), so its unit is cells/µL × days.
AUC_LABEL = "AUC day 0–30 (CAR T cells/µL × days)"

LEVEL_COLORS = {"A+": "#08306b", "A": "#2171b5", "B": "#6baed6", "C": "#fdae6b", "D": "#d94801"}


def kinetics_plot(
    kinetics: pd.DataFrame,
    groups: pd.Series,
    tests: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    title: str,
) -> None:
    """Median CAR T count over time per group (IQR band) and AUC0–30 per group."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4.2), width_ratios=(2, 1))
    data = kinetics.merge(groups.rename("group"), left_on="sample_id", right_index=True)
    labels = sorted(data["group"].dropna().unique(), key=str)
    for i, label in enumerate(labels):
        d = data[data["group"] == label].groupby("day")["car_t_per_ul"]
        med, q1, q3 = d.median(), d.quantile(0.25), d.quantile(0.75)
        color = COLORS[i % len(COLORS)]
        ax.plot(med.index, med.to_numpy(), "-o", color=color, ms=4, label=str(label))
        ax.fill_between(med.index, q1.to_numpy(), q3.to_numpy(), color=color, alpha=0.15)
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xlabel("Days from infusion")
    ax.set_ylabel("CAR T cells/µL (median, IQR)")
    ax.set_title(title)
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    auc = tests.attrs.get("auc_by_group", {})
    values = [np.asarray(auc.get(lbl, []), float) for lbl in labels]
    bx.boxplot(values, tick_labels=[str(lbl) for lbl in labels], showfliers=False)
    for i, v in enumerate(values):
        jitter = np.linspace(-0.12, 0.12, v.size) if v.size > 1 else np.zeros(v.size)
        bx.plot(
            np.full(v.size, i + 1) + jitter, v, "o", color=COLORS[i % len(COLORS)], ms=3, alpha=0.7
        )
    row = tests[tests.parameter == "auc0_30"]
    p = float(row.p_mannwhitney.iloc[0]) if len(row) else float("nan")
    bx.set_title(f"AUC day 0–30, Mann–Whitney {format_p(p)}", fontsize=10)
    bx.set_ylabel(AUC_LABEL)
    everything = np.concatenate(values) if values else np.array([])
    locator = LogLocator(subs=(1.0, 2.0, 5.0))
    if everything.size and (everything > 0).all():
        lo, hi = everything.min(), everything.max()
        inside = [t for t in locator.tick_values(lo, hi) if lo <= t <= hi]
    else:
        inside = []
    if len(inside) >= 3:
        # AUCs span a decade or more; a log axis with 1-2-5 ticks keeps several labelled
        # values on it (matplotlib's default log axis labels only the powers of ten).
        bx.set_yscale("log")
        bx.yaxis.set_major_locator(locator)
        bx.yaxis.set_minor_locator(NullLocator())
        bx.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    else:
        bx.yaxis.set_major_locator(MaxNLocator(5))
    bx.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    save_figure(fig, path)


def importance_plot(
    summary: pd.DataFrame,
    long: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    title: str,
    top: int = 15,
) -> None:
    """Mean permutation importance per covariate with each seed's value and the 5–95% range."""
    s = summary.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(6.8, 0.9 + 0.32 * len(s)))
    ys = np.arange(len(s))
    ax.barh(ys, s["mean"], color="#6baed6", height=0.6)
    ax.errorbar(
        s["mean"],
        ys,
        xerr=[s["mean"] - s["q05"], s["q95"] - s["mean"]],
        fmt="none",
        ecolor="black",
        capsize=2,
        lw=1,
    )
    for y, cov in zip(ys, s["covariate"], strict=True):
        v = long.loc[long.covariate == cov, "importance"].to_numpy()
        ax.plot(v, np.full(v.size, y), "o", color="#08306b", ms=2.5, alpha=0.6)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(ys)
    ax.set_yticklabels([term_label(c) for c in s["covariate"]], fontsize=9)
    n_seeds = int(summary["n_seeds"].max()) if len(summary) else 0
    ax.set_xlabel(f"Permutation importance (mean, 5–95% over {n_seeds} seeds)")
    ax.set_title(title, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    save_figure(fig, path)


def probability_plot(
    curve: pd.DataFrame,
    values: np.ndarray,
    outcome: np.ndarray,
    path: str | os.PathLike[str],
    *,
    title: str,
    ylabel: str,
) -> None:
    """Predicted probability with 95% CI band and the observed outcomes as a rug."""
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    ax.plot(curve["value"], curve["probability"], color="#08519c", lw=2)
    ax.fill_between(
        curve["value"],
        curve["lower_95"],
        curve["upper_95"],
        color="#6baed6",
        alpha=0.3,
        label="95% CI",
    )
    ok = np.isfinite(values) & np.isfinite(outcome)
    ax.plot(values[ok], outcome[ok] * 1.0, "|", color="black", ms=10, alpha=0.6)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel(term_label(str(curve["covariate"].iloc[0])))
    ax.set_ylabel(ylabel)
    ax.set_title(f"{title} (Wald {format_p(float(curve['p_wald'].iloc[0]))})", fontsize=10)
    ax.legend(frameon=False, loc="center right")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    save_figure(fig, path)


def evidence_plot(scores: pd.DataFrame, path: str | os.PathLike[str], *, title: str) -> None:
    """Ranked horizontal bars of the evidence score coloured by level, thresholds marked."""
    s = scores.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.0, 1.0 + 0.36 * len(s)))
    ys = np.arange(len(s))
    ax.barh(ys, s["score"], color=[LEVEL_COLORS[v] for v in s["level"]], height=0.65)
    for y, (score, lvl) in zip(ys, zip(s["score"], s["level"], strict=True), strict=True):
        ax.text(score + 0.08, y, f"{score:.1f} ({lvl})", va="center", fontsize=8)
    for thr in (1, 2, 4, 6):
        ax.axvline(thr, color="grey", ls=":", lw=0.8)
    ax.set_yticks(ys)
    ax.set_yticklabels(s["biomarker"], fontsize=9)
    ax.set_xlim(0, max(7.0, float(s["score"].max()) * 1.15 if len(s) else 7.0))
    ax.set_xlabel("Weighted evidence score (levels: D < 1 ≤ C < 2 ≤ B < 4 ≤ A < 6 ≤ A+)")
    ax.set_title(title, fontsize=11)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in LEVEL_COLORS.values()]
    ax.legend(
        handles, list(LEVEL_COLORS), title="Level", frameon=False, loc="lower right", fontsize=8
    )
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    save_figure(fig, path)


def inflammation_plot(
    table: pd.DataFrame,
    tests: pd.DataFrame,
    markers: list[str],
    path: str | os.PathLike[str],
    *,
    title: str,
) -> None:
    """One panel per marker: expanders who responded vs those who did not (CART SIE 4A–C).

    Boxes with every patient's value on a log axis (ferritin and CRP span orders of
    magnitude), the group medians and the Mann–Whitney p from ``tests``.
    """
    fig, axes = plt.subplots(1, len(markers), figsize=(3.0 * len(markers), 4.0), squeeze=False)
    exp = table[table["expansion"] == "expander"]
    resp = pd.to_numeric(exp["responder"], errors="coerce")
    groups = (("exp-RE", resp == 1), ("exp-NR", resp == 0))
    rows = tests[tests["comparison"] == "expanders_by_response"].set_index("parameter")
    for ax, marker in zip(axes[0], markers, strict=True):
        vals = pd.to_numeric(exp[marker], errors="coerce")
        data = [vals[mask].dropna().to_numpy(float) for _, mask in groups]
        ax.boxplot(data, tick_labels=[g for g, _ in groups], showfliers=False, widths=0.5)
        for i, v in enumerate(data):
            jitter = np.linspace(-0.12, 0.12, v.size) if v.size > 1 else np.zeros(v.size)
            ax.plot(np.full(v.size, i + 1) + jitter, v, "o", color=COLORS[i], ms=3, alpha=0.7)
            if v.size:
                ax.annotate(
                    f"n = {v.size}\nmedian {np.median(v):.3g}",
                    xy=(i + 1, 1.0),
                    xycoords=("data", "axes fraction"),
                    ha="center",
                    va="top",
                    fontsize=7,
                )
        positive = np.concatenate(data) if data else np.array([])
        if positive.size and (positive > 0).all():
            ax.set_yscale("log")
        p = float(rows.loc[marker, "p_mannwhitney"]) if marker in rows.index else float("nan")
        ax.set_title(f"{human_label(marker)}\nMann–Whitney {format_p(p)}", fontsize=10)
        ax.margins(y=0.15)
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    save_figure(fig, path)


# qualitative, so designs are not read as evidence levels (LEVEL_COLORS is a ramp)
DESIGN_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")


def evidence_panels_plot(
    scores: pd.DataFrame,
    levels: pd.DataFrame,
    contributions: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    title: str,
    top: int = 12,
) -> None:
    """Panels B, C and D of the review's Figure 3 (panel A is :func:`evidence_plot`).

    B: biomarkers per level with their share; C: score against the biomarker's rank
    index, the level thresholds as horizontal lines; D: each study design's contribution
    to the score of the ``top`` highest-ranked biomarkers, stacked.
    """
    from mirscope.companion.evidence import DESIGN_COEFFICIENTS

    fig = plt.figure(figsize=(13.0, 5.2))
    grid = fig.add_gridspec(1, 3, width_ratios=(1.2, 1.2, 1.8), wspace=0.45)
    bx, cx, dx = (fig.add_subplot(grid[i]) for i in range(3))

    names = levels["level"].tolist()
    bars = bx.bar(names, levels["n_biomarkers"], color=[LEVEL_COLORS[v] for v in names], width=0.65)
    for bar, n, pct in zip(bars, levels["n_biomarkers"], levels["percent"], strict=True):
        bx.annotate(
            f"{n}\n{pct:.1f}%",
            xy=(bar.get_x() + bar.get_width() / 2, bar.get_height()),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7,
        )
    bx.set_ylim(0, max(1, int(levels["n_biomarkers"].max())) * 1.35)
    bx.yaxis.set_major_locator(MaxNLocator(integer=True))
    bx.set_xlabel("Evidence level")
    bx.set_ylabel("Biomarkers")
    bx.set_title("B  Biomarkers per evidence level", loc="left", fontsize=10)

    idx = np.arange(1, len(scores) + 1)
    cx.plot(idx, scores["score"], "-", color="grey", lw=0.8, zorder=1)
    cx.scatter(idx, scores["score"], c=[LEVEL_COLORS[v] for v in scores["level"]], s=28, zorder=2)
    for thr, name in ((6, "A+"), (4, "A"), (2, "B"), (1, "C")):
        cx.axhline(thr, color="grey", ls="--", lw=0.8)
        cx.annotate(
            f"{name} ≥ {thr}",
            xy=(1.0, thr),
            xycoords=("axes fraction", "data"),
            xytext=(-2, 2),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=7,
            color="dimgrey",
        )
    cx.set_xlabel("Biomarker index (rank by score)")
    cx.set_ylabel("Weighted evidence score")
    cx.set_ylim(0, max(7.0, float(scores["score"].max()) * 1.1 if len(scores) else 7.0))
    cx.set_xticks(idx if len(idx) <= 30 else idx[::5])
    cx.set_title("C  Score by biomarker index", loc="left", fontsize=10)

    head = scores.head(top)
    order = list(head["biomarker"])[::-1]
    ys = np.arange(len(order))
    left = np.zeros(len(order))
    for j, design in enumerate(DESIGN_COEFFICIENTS):
        part = contributions[contributions["design"] == design].set_index("biomarker")
        widths = np.array([float(part["contribution"].get(m, 0.0)) for m in order])
        if not widths.any():
            continue
        dx.barh(
            ys,
            widths,
            left=left,
            color=DESIGN_COLORS[j % len(DESIGN_COLORS)],
            height=0.65,
            label=f"{design} ({DESIGN_COEFFICIENTS[design]:g})",
        )
        left += widths
    dx.set_yticks(ys)
    dx.set_yticklabels(order, fontsize=8)
    dx.set_xlabel("Contribution to the evidence score")
    dx.set_title(f"D  Study designs behind the top {len(order)} scores", loc="left", fontsize=10)
    dx.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    for ax in (bx, cx, dx):
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title, fontsize=11)
    save_figure(fig, path)


CLASS_TITLES = {
    "dual-predictive": "Dual-predictive\n(efficacy and toxicity)",
    "favourable": "Favourable\n(efficacy only)",
    "unfavourable": "Unfavourable\n(toxicity only)",
}


def evidence_class_plot(classes: pd.DataFrame, path: str | os.PathLike[str], *, title: str) -> None:
    """The review's three biomarker classes side by side (its Figure 2), each biomarker's
    evidence score as a bar coloured by level, so class and strength read together."""
    from mirscope.companion.evidence import CLASSES

    groups = [(c, classes[classes["class"] == c]) for c in CLASSES]
    unclassed = classes[classes["class"].fillna("") == ""]
    tallest = max([len(g) for _, g in groups] + [1])
    fig, axes = plt.subplots(
        1, len(groups), figsize=(4.0 * len(groups), 1.6 + 0.36 * tallest), sharex=True
    )
    xmax = max(7.0, float(classes["score"].max()) * 1.25 if len(classes) else 7.0)
    for ax, (cls, g) in zip(axes, groups, strict=True):
        g = g.iloc[::-1]
        ys = np.arange(len(g))
        ax.barh(ys, g["score"], color=[LEVEL_COLORS[v] for v in g["level"]], height=0.6)
        for y, (score, lvl) in zip(ys, zip(g["score"], g["level"], strict=True), strict=True):
            ax.text(score + 0.1, y, f"{score:.1f} ({lvl})", va="center", fontsize=8)
        ax.set_yticks(ys)
        ax.set_yticklabels(g["biomarker"], fontsize=9)
        ax.set_ylim(-0.6, tallest - 0.4)
        ax.set_xlim(0, xmax)
        ax.set_title(f"{CLASS_TITLES[cls]}\nn = {len(g)}", fontsize=10)
        ax.set_xlabel("Evidence score")
        ax.spines[["top", "right"]].set_visible(False)
        if g.empty:
            ax.text(0.5, 0.5, "none", transform=ax.transAxes, ha="center", color="grey")
    note = (
        f"  Not classed (no outcome given): {', '.join(unclassed['biomarker'])}"
        if len(unclassed)
        else ""
    )
    fig.suptitle(title + note, fontsize=11)
    fig.tight_layout()
    save_figure(fig, path)


def spearman_map_plot(
    pairs: pd.DataFrame,
    covariates: list[str],
    reference: str | None,
    path: str | os.PathLike[str],
    *,
    title: str,
    threshold: float = 0.9,
) -> None:
    """Spearman map of the top-ranked covariates, * where p < 0.05 (ZUMA-5 Figure 3D), and,
    with a ``reference`` covariate, every covariate's correlation with it (Figure 2B).

    Covariates that are one measurement (:func:`same_measurement`) are never shown as a
    pair: the map keeps the first of them, the bars leave out the reference's partners
    and name them underneath."""
    from matplotlib.colors import TwoSlopeNorm

    index = {
        (a, b): (r, p)
        for a, b, r, p in pairs[["covariate_a", "covariate_b", "rho", "p_value"]].itertuples(
            index=False
        )
    }

    def look(a, b):
        if a == b:
            return 1.0, 0.0
        return index.get((a, b)) or index.get((b, a)) or (np.nan, np.nan)

    same = same_measurement(pairs, threshold)
    covariates = [
        c
        for i, c in enumerate(covariates)
        if not any(same.get(c, c) == same.get(d, d) for d in covariates[:i])
    ]
    k = len(covariates)
    ref_rows = []
    left_out = []
    if reference is not None:
        root = same.get(reference, reference)
        left_out = sorted(c for c in {*same, root} - {reference} if same.get(c, c) == root)
        others = sorted({*pairs["covariate_a"], *pairs["covariate_b"]} - {reference, *left_out})
        ref_rows = sorted(
            ((c, *look(c, reference)) for c in others),
            key=lambda t: (-(t[1] if np.isfinite(t[1]) else -2), t[0]),
        )
    width = 0.45 * k + 3.0 + (4.2 if ref_rows else 0)
    height = max(4.0, 0.45 * max(k, len(ref_rows) * 0.75) + 1.8)
    if ref_rows:
        fig, (ax, bx) = plt.subplots(
            1, 2, figsize=(width, height), width_ratios=(0.45 * k + 1.5, 3.2)
        )
    else:
        fig, ax = plt.subplots(figsize=(width, height))
    rho = np.array([[look(a, b)[0] for b in covariates] for a in covariates])
    pv = np.array([[look(a, b)[1] for b in covariates] for a in covariates])
    image = ax.imshow(rho, cmap="RdBu_r", norm=TwoSlopeNorm(0, -1, 1))
    for i in range(k):
        for j in range(k):
            if i != j and np.isfinite(pv[i, j]) and pv[i, j] < 0.05:
                ax.text(j, i, "*", ha="center", va="center", fontsize=11, color="black")
    ax.set_xticks(range(k))
    words = [term_label(c) for c in covariates]
    ax.set_xticklabels(words, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(k))
    ax.set_yticklabels(words, fontsize=8)
    ax.set_title(f"{title}\n(* p < 0.05)", fontsize=10)
    fig.colorbar(image, ax=ax, shrink=0.7, label="Spearman ρ")
    if ref_rows:
        names = [r[0] for r in ref_rows][::-1]
        vals = np.array([r[1] for r in ref_rows][::-1], float)
        ps = np.array([r[2] for r in ref_rows][::-1], float)
        ys = np.arange(len(names))
        bx.barh(ys, vals, color=np.where(vals > 0, "#d6604d", "#4393c3"), height=0.6)
        for y, v, p in zip(ys, vals, ps, strict=True):
            if np.isfinite(p) and p < 0.05:
                bx.text(v + np.sign(v) * 0.03, y, "*", va="center", ha="center", fontsize=10)
        bx.axvline(0, color="grey", lw=0.8)
        bx.set_xlim(-1.05, 1.05)
        bx.set_yticks(ys)
        bx.set_yticklabels([term_label(c) for c in names], fontsize=8)
        bx.set_xlabel(f"Spearman ρ with {term_label(reference)}")
        bx.set_title(f"Correlation with {term_label(reference)} (* p < 0.05)", fontsize=10)
        bx.spines[["top", "right"]].set_visible(False)
        if left_out:
            bx.annotate(
                "Not shown: "
                + ", ".join(term_label(c) for c in left_out)
                + f" (|ρ| > {threshold:g} with {term_label(reference)}: the same measurement)",
                xy=(0.0, -0.1),
                xycoords="axes fraction",
                va="top",
                fontsize=7,
                gid="left_out",
            )
    fig.tight_layout()
    save_figure(fig, path)


def same_measurement(pairs: pd.DataFrame, threshold: float = 0.9) -> dict[str, str]:
    """Covariates correlated beyond ``threshold`` (|ρ|) with an earlier one, each mapped to
    that earlier covariate.

    A covariate and its own transform (TMTV and log TMTV, LDH and LDH / ULN) rank the
    patients alike: their ρ is 1, or just under it where the transform was rounded, and
    says nothing about the patients; drawn as a bar beside the real correlations it reads
    as a finding. ZUMA-5 treats covariates with Spearman R > 0.9 as carrying the same
    information and keeps one (the importance stage prunes them with the same
    threshold, :func:`mirscope.companion.importance.prune_collinear`). Pairs are in
    column order (``a`` before ``b``, :func:`mirscope.companion.importance.spearman_pairs`),
    so the later column is the one set aside.
    """
    rho = pairs["rho"].abs().to_numpy(float)
    close = pairs[np.isfinite(rho) & (rho > threshold)]
    out: dict[str, str] = {}
    for a, b in close[["covariate_a", "covariate_b"]].itertuples(index=False):
        out.setdefault(b, out.get(a, a))
    return out

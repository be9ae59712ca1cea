"""Kaplan–Meier plots with an at-risk table, cumulative incidence curves and forest plots.

The KM layout follows the paper's Supplementary Figure S1: step curves with censoring
marks, the log-rank p and group sizes in the panel, and a numbers-at-risk table under the
x-axis at fixed times.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from mirscope.plots.common import plt, save_figure
from mirscope.survival.km import KMGroup, LogRank, at_risk

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def format_p(p: float) -> str:
    """p for a figure: 2 significant digits, '< 0.0001' below that."""
    if not np.isfinite(p):
        return "p = NA"
    return "p < 0.0001" if p < 1e-4 else f"p = {p:.2g}"


def km_plot(
    groups: list[KMGroup],
    test: LogRank,
    path: str | os.PathLike[str],
    *,
    title: str,
    xlabel: str = "Days from infusion",
    ylabel: str = "Survival probability",
    at_risk_times: list[float] = (0, 500, 1000, 1500),
) -> None:
    """KM curves + censor marks + log-rank p + at-risk table; saves PNG and PDF."""
    fig = plt.figure(figsize=(6.4, 5.2))
    grid = fig.add_gridspec(2, 1, height_ratios=(4, 0.35 + 0.3 * len(groups)), hspace=0.35)
    ax = fig.add_subplot(grid[0])
    xmax = max(max(at_risk_times), max(float(g.fitter.durations.max()) for g in groups))
    for i, g in enumerate(groups):
        color = COLORS[i % len(COLORS)]
        sf = g.fitter.survival_function_
        ax.step(
            sf.index,
            sf.iloc[:, 0],
            where="post",
            color=color,
            lw=1.8,
            label=f"{g.label} (n = {g.n})",
        )
        cens = g.fitter.durations[g.fitter.event_observed == 0]
        if len(cens):
            ax.plot(
                cens,
                g.fitter.survival_function_at_times(cens).to_numpy(),
                "|",
                color=color,
                ms=9,
                mew=1.4,
            )
    ax.set_xlim(-0.03 * xmax, xmax * 1.03)
    ax.set_ylim(0, 1.03)
    ax.set_xticks(list(at_risk_times))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    legend = ax.legend(
        loc="upper right",
        frameon=False,
        fontsize=9,
        title=f"Log-rank {format_p(test.p)}",
        title_fontsize=10,
    )
    legend._legend_box.align = "right"
    ax.spines[["top", "right"]].set_visible(False)

    tab = fig.add_subplot(grid[1], sharex=ax)
    tab.set_ylim(-0.5, len(groups) - 0.5)
    for i, g in enumerate(groups):
        y = len(groups) - 1 - i
        counts = at_risk(np.asarray(g.fitter.durations), list(at_risk_times))
        for t, c in zip(at_risk_times, counts, strict=True):
            tab.text(
                t, y, str(c), ha="center", va="center", fontsize=9, color=COLORS[i % len(COLORS)]
            )
    tab.set_yticks(range(len(groups)))
    tab.set_yticklabels([g.label for g in reversed(groups)], fontsize=9)
    for lbl, i in zip(tab.get_yticklabels(), reversed(range(len(groups))), strict=True):
        lbl.set_color(COLORS[i % len(COLORS)])
    tab.set_title("Number at risk", fontsize=9, loc="left")
    tab.tick_params(axis="x", labelbottom=False, length=0)
    tab.tick_params(axis="y", length=0, pad=14)
    for side in ("top", "right", "bottom", "left"):
        tab.spines[side].set_visible(False)
    save_figure(fig, path)


def forest_plot(
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    estimate: str,
    title: str,
    label_col: str = "term",
    lower: str = "lower_95",
    upper: str = "upper_95",
    p_col: str = "p",
) -> None:
    """Forest plot of ratios (HR or OR) with 95% CI on a log axis; one row per term."""
    table = table.reset_index(drop=True)
    n = len(table)
    fig, ax = plt.subplots(figsize=(7.0, 0.9 + 0.42 * n))
    ys = np.arange(n)[::-1]
    est = table[estimate].to_numpy(float)
    lo = table[lower].to_numpy(float)
    hi = table[upper].to_numpy(float)
    ok = np.isfinite(est) & np.isfinite(lo) & np.isfinite(hi) & (lo > 0)
    ax.errorbar(
        est[ok],
        ys[ok],
        xerr=[est[ok] - lo[ok], hi[ok] - est[ok]],
        fmt="s",
        color="black",
        ecolor="black",
        capsize=3,
        ms=5,
    )
    ax.axvline(1.0, color="grey", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_yticks(ys)
    ax.set_yticklabels(table[label_col].astype(str), fontsize=9)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel(f"{estimate} (95% CI, log scale)")
    ax.set_title(title, fontsize=11)
    finite = np.concatenate([lo[ok], hi[ok]]) if ok.any() else np.array([0.5, 2.0])
    left, right = finite.min() / 1.5, finite.max() * 1.5
    xlo, xhi = min(left, 0.5), max(right, 2.0)
    ax.set_xlim(xlo, xhi)
    nice = [v * 10.0**k for k in range(-4, 5) for v in (1, 2, 5)]
    ticks = [v for v in nice if xlo <= v <= xhi]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    for y, (_, row) in zip(ys, table.iterrows(), strict=True):
        txt = (
            (
                f"{row[estimate]:.2f} ({row[lower]:.2f}–{row[upper]:.2f})  "
                f"{format_p(float(row[p_col]))}"
            )
            if np.isfinite(row[estimate])
            else "NA"
        )
        ax.annotate(txt, xy=(1.01, y), xycoords=("axes fraction", "data"), va="center", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    save_figure(fig, path)


def cif_plot(
    curves: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    title: str,
    p_gray: float | None = None,
    xlabel: str = "Days from infusion",
) -> None:
    """Cumulative incidence step curves with 95% CI bands, one per group.

    ``curves``: columns group, time, estimate, lower_95, upper_95 (step corners).
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for i, (label, d) in enumerate(curves.groupby("group", sort=True)):
        color = COLORS[i % len(COLORS)]
        ax.step(d["time"], d["estimate"], where="post", color=color, lw=1.8, label=str(label))
        ax.fill_between(
            d["time"], d["lower_95"], d["upper_95"], step="post", color=color, alpha=0.15, lw=0
        )
    top = float(np.nanmax(curves["upper_95"])) if len(curves) else 1.0
    ax.set_ylim(0, min(1.0, max(0.1, math.ceil(top * 10 + 0.5) / 10)))
    ax.set_xlim(left=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Cumulative incidence")
    ax.set_title(title)
    if p_gray is not None:
        ax.text(0.04, 0.92, f"Gray's test {format_p(p_gray)}", transform=ax.transAxes)
    ax.legend(frameon=False, loc="upper right", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    save_figure(fig, path)


def time_label(days: float) -> str:
    """'6 months', '1 year', '4 years' for the usual landmarks, else the days."""
    for unit, length in (("year", 365.25), ("month", 365.25 / 12)):
        n = days / length
        if n >= 1 and abs(n - round(n)) < 1e-6:
            n = int(round(n))
            return f"{n} {unit}{'s' if n > 1 else ''}"
    return f"{days:g} days"


def cif_overall_plot(
    curve: pd.DataFrame,
    estimates: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    title: str,
    event_name: str = "the event",
    xlabel: str = "Days from infusion",
) -> None:
    """One cumulative incidence curve with its 95% band and the landmark estimates.

    ClonHema's Figure 1a: the whole cohort's incidence with the 6-month, 1-year and 4-year
    values read off it. A landmark beyond the longest follow-up is listed with the table's
    note rather than silently left out, so the figure and the table say the same thing.
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    color = COLORS[0]
    ax.step(curve["time"], curve["estimate"], where="post", color=color, lw=1.8)
    ax.fill_between(
        curve["time"],
        curve["lower_95"],
        curve["upper_95"],
        step="post",
        color=color,
        alpha=0.15,
        lw=0,
        label="95% CI",
    )
    lines = []
    for _, row in estimates.iterrows():
        name = time_label(float(row["time"]))
        if np.isfinite(row["estimate"]):
            ax.plot(row["time"], row["estimate"], "o", color="black", ms=4, zorder=3)
            lines.append(
                f"{name}: {100 * row['estimate']:.1f}% "
                f"({100 * row['lower_95']:.1f}–{100 * row['upper_95']:.1f})"
            )
        else:
            lines.append(f"{name}: not estimable, {row['note'] or 'no estimate'}")
    top = float(np.nanmax(curve["upper_95"])) if len(curve) else 1.0
    ax.set_ylim(0, min(1.0, max(0.1, math.ceil(top * 10 + 0.5) / 10)))
    ax.set_xlim(left=0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:g}%"))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Cumulative incidence")
    ax.set_title(title, fontsize=11)
    n, events = int(estimates["n"].iloc[0]), int(estimates["events"].iloc[0])
    competing = int(estimates["competing"].iloc[0])
    header = f"n = {n}, events = {events}, competing deaths = {competing}"
    ax.text(
        0.03,
        0.97,
        "\n".join([header, *lines]),
        transform=ax.transAxes,
        va="top",
        fontsize=8,
        wrap=True,
    )
    ax.legend(frameon=False, loc="lower right", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    save_figure(fig, path)


def km_single_plot(
    group: KMGroup,
    path: str | os.PathLike[str],
    *,
    title: str,
    xlabel: str = "Days",
    ylabel: str = "Overall survival probability",
    at_risk_times: list[float] = (0, 500, 1000, 1500),
) -> None:
    """One KM curve with its 95% band, the median and its CI, and the numbers at risk.

    ClonHema's Figure 1b: a single cohort has nothing to compare, so the panel carries the
    median (95% CI) where a grouped plot carries the log-rank p.
    """
    fig = plt.figure(figsize=(6.4, 5.0))
    grid = fig.add_gridspec(2, 1, height_ratios=(4, 0.65), hspace=0.35)
    ax = fig.add_subplot(grid[0])
    color = COLORS[0]
    sf = group.fitter.survival_function_
    ci = group.fitter.confidence_interval_
    ax.step(sf.index, sf.iloc[:, 0], where="post", color=color, lw=1.8, label=f"n = {group.n}")
    ax.fill_between(
        ci.index, ci.iloc[:, 0], ci.iloc[:, 1], step="post", color=color, alpha=0.15, lw=0
    )
    cens = group.fitter.durations[group.fitter.event_observed == 0]
    if len(cens):
        ax.plot(
            cens,
            group.fitter.survival_function_at_times(cens).to_numpy(),
            "|",
            color=color,
            ms=9,
            mew=1.4,
        )

    def fmt(v: float) -> str:
        return "not reached" if not np.isfinite(v) else f"{v:g}"

    if np.isfinite(group.median):
        ax.plot([0, group.median], [0.5, 0.5], ls=":", color="grey", lw=1)
        ax.plot([group.median, group.median], [0, 0.5], ls=":", color="grey", lw=1)
    text = (
        f"Median {fmt(group.median)} (95% CI {fmt(group.median_lower)}–"
        f"{fmt(group.median_upper)})\nevents = {group.events} of {group.n}"
    )
    ax.text(0.97, 0.97, text, transform=ax.transAxes, ha="right", va="top", fontsize=9)
    xmax = max(max(at_risk_times), float(group.fitter.durations.max()))
    ax.set_xlim(-0.03 * xmax, xmax * 1.03)
    ax.set_ylim(0, 1.03)
    ax.set_xticks(list(at_risk_times))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    tab = fig.add_subplot(grid[1], sharex=ax)
    tab.set_ylim(-0.5, 0.5)
    counts = at_risk(np.asarray(group.fitter.durations), list(at_risk_times))
    for t, c in zip(at_risk_times, counts, strict=True):
        tab.text(t, 0, str(c), ha="center", va="center", fontsize=9, color=color)
    tab.set_yticks([0])
    tab.set_yticklabels(["at risk"], fontsize=9)
    tab.tick_params(axis="x", labelbottom=False, length=0)
    tab.tick_params(axis="y", length=0, pad=14)
    for side in ("top", "right", "bottom", "left"):
        tab.spines[side].set_visible(False)
    save_figure(fig, path)

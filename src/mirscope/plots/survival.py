"""Kaplan–Meier plots with an at-risk table, cumulative incidence curves and forest plots.

The KM layout follows the paper's Supplementary Figure S1: step curves with censoring
marks, the log-rank p and group sizes in the panel, and a numbers-at-risk table under the
x-axis at fixed times.
"""

from __future__ import annotations

import math
import os
import string
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from mirscope.inputs.labels import label, term_label
from mirscope.plots.common import place_legend, plt, save_figure, titled
from mirscope.survival.km import KMGroup, LogRank, at_risk

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")

#: A marker's high and low groups, the same in every figure that splits one (the paper's
#: Supplementary Figure S1, ZUMA-5's median splits): a reader who learnt "red = high" on
#: one figure must not find it reversed on the next.
HIGH_COLOR, LOW_COLOR = COLORS[1], COLORS[0]


def high_low_colors(low: str, high: str) -> dict[str, str]:
    """Group label -> colour for a two-way split of a marker."""
    return {low: LOW_COLOR, high: HIGH_COLOR}


def format_p(p: float) -> str:
    """p for a figure: 2 significant digits, '< 0.0001' below that."""
    if not np.isfinite(p):
        return "p = NA"
    return "p < 0.0001" if p < 1e-4 else f"p = {p:.2g}"


def _km_axes(
    fig,
    cell,
    groups: list[KMGroup],
    test: LogRank,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    at_risk_times,
    labels,
    legend_title: str | None = None,
    letter: str | None = None,
    colors: Mapping[str, str] | None = None,
    row_labels: Mapping[str, str] | None = None,
):
    """Draw one KM panel (curves above, at-risk table below) into a gridspec cell.

    ``labels`` name the groups in the legend, ``row_labels`` in the at-risk rows (default:
    ``labels``); the two differ when the legend's title names the marker and its entries
    need only the side of the cut-off, while the rows stand apart and must name it.
    """
    labels = labels or {}
    names = [labels.get(g.label, g.label) for g in groups]
    rows = [(labels if row_labels is None else row_labels).get(g.label, g.label) for g in groups]
    palette = [(colors or {}).get(g.label, COLORS[i % len(COLORS)]) for i, g in enumerate(groups)]
    grid = cell.subgridspec(2, 1, height_ratios=(4, 0.35 + 0.3 * len(groups)), hspace=0.35)
    ax = fig.add_subplot(grid[0])
    xmax = max(max(at_risk_times), max(float(g.fitter.durations.max()) for g in groups))
    drawn = []
    for g, name, color in zip(groups, names, palette, strict=True):
        sf = g.fitter.survival_function_
        (line,) = ax.step(
            sf.index,
            sf.iloc[:, 0],
            where="post",
            color=color,
            lw=1.8,
            label=f"{name} (n = {g.n})",
        )
        drawn.append(line)
        cens = g.fitter.durations[g.fitter.event_observed == 0]
        if len(cens):
            (marks,) = ax.plot(
                cens,
                g.fitter.survival_function_at_times(cens).to_numpy(),
                "|",
                color=color,
                ms=9,
                mew=1.4,
            )
            drawn.append(marks)
    ax.set_xlim(-0.03 * xmax, xmax * 1.03)
    ax.set_ylim(0, 1.03)
    ax.set_xticks(list(at_risk_times))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if letter:
        ax.text(
            -0.14, 1.04, letter, transform=ax.transAxes, fontsize=15, fontweight="bold", va="bottom"
        )
    legend = place_legend(
        ax,
        drawn,
        frameon=False,
        fontsize=9,
        title="\n".join(filter(None, [legend_title, f"Log-rank {format_p(test.p)}"])),
        title_fontsize=9,
    )
    legend._legend_box.align = "left"
    ax.spines[["top", "right"]].set_visible(False)

    tab = fig.add_subplot(grid[1], sharex=ax)
    tab.set_ylim(-0.5, len(groups) - 0.5)
    for i, g in enumerate(groups):
        y = len(groups) - 1 - i
        counts = at_risk(np.asarray(g.fitter.durations), list(at_risk_times))
        for t, c in zip(at_risk_times, counts, strict=True):
            tab.text(t, y, str(c), ha="center", va="center", fontsize=9, color=palette[i])
    tab.set_yticks(range(len(groups)))
    tab.set_yticklabels(list(reversed(rows)), fontsize=9)
    for lbl, i in zip(tab.get_yticklabels(), reversed(range(len(groups))), strict=True):
        lbl.set_color(palette[i])
    tab.set_title("Number at risk", fontsize=9, loc="left")
    tab.tick_params(axis="x", labelbottom=False, length=0)
    tab.tick_params(axis="y", length=0, pad=14)
    for side in ("top", "right", "bottom", "left"):
        tab.spines[side].set_visible(False)
    return ax, tab


def km_plot(
    groups: list[KMGroup],
    test: LogRank,
    path: str | os.PathLike[str],
    *,
    title: str,
    xlabel: str = "Days from infusion",
    ylabel: str = "Survival probability",
    at_risk_times: list[float] = (0, 500, 1000, 1500),
    labels: Mapping[str, str] | None = None,
    legend_title: str | None = None,
    colors: Mapping[str, str] | None = None,
    note: str | None = None,
    row_labels: Mapping[str, str] | None = None,
) -> None:
    """KM curves + censor marks + log-rank p + at-risk table; saves PNG and PDF.

    ``labels`` renames groups for display (words for ids, a cut-off with its unit) without
    changing the group names the tables use; ``row_labels`` renames them in the at-risk
    rows where those must differ from the legend (default ``labels``); ``legend_title`` heads the legend
    (above the log-rank p). The legend goes where it hides no curve. ``colors`` fixes a
    group's colour (:func:`high_low_colors`); ``note`` is written under the figure (how
    patients were assigned to the groups).
    """
    fig = plt.figure(figsize=(6.4, 5.2))
    _km_axes(
        fig,
        fig.add_gridspec(1, 1)[0],
        groups,
        test,
        title=title,
        xlabel=xlabel,
        ylabel=ylabel,
        at_risk_times=at_risk_times,
        labels=labels,
        legend_title=legend_title,
        colors=colors,
        row_labels=row_labels,
    )
    _footnote(fig, note)
    save_figure(fig, path)


def _footnote(fig, note: str | None) -> None:
    """``note`` in small type under everything else of ``fig``."""
    if note:
        fig.text(0.01, 0.03, note, ha="left", va="top", fontsize=8, gid="footnote", wrap=True)


@dataclass(frozen=True)
class KMPanel:
    """One panel of a multi-panel KM figure."""

    groups: list[KMGroup]
    test: LogRank
    title: str
    ylabel: str


def km_panels(
    panels: list[KMPanel],
    path: str | os.PathLike[str],
    *,
    suptitle: str | None = None,
    xlabel: str = "Days from infusion",
    at_risk_times: list[float] = (0, 500, 1000, 1500),
    labels: Mapping[str, str] | None = None,
    legend_title: str | None = None,
    colors: Mapping[str, str] | None = None,
    note: str | None = None,
    row_labels: Mapping[str, str] | None = None,
) -> None:
    """Side-by-side KM panels lettered A, B, C, ... (the paper's Supplementary Figure S1);
    ``colors``, ``note`` and ``row_labels`` as in :func:`km_plot`."""
    fig = plt.figure(figsize=(6.4 * len(panels), 5.6))
    cells = fig.add_gridspec(1, len(panels), wspace=0.42)
    for i, panel in enumerate(panels):
        _km_axes(
            fig,
            cells[i],
            panel.groups,
            panel.test,
            title=panel.title,
            xlabel=xlabel,
            ylabel=panel.ylabel,
            at_risk_times=at_risk_times,
            labels=labels,
            legend_title=legend_title,
            letter=string.ascii_uppercase[i],
            colors=colors,
            row_labels=row_labels,
        )
    if suptitle:
        fig.suptitle(suptitle, fontsize=13, y=1.0)
    _footnote(fig, note)
    save_figure(fig, path)


#: How far (in decades) a CI may reach beyond the outermost estimate before the axis stops
#: following it: a separation-driven limit of 1e7 would otherwise squash every other row.
FOREST_REACH = 2.0


def _ratio_text(v: float) -> str:
    """A ratio for a label: 3 significant digits, powers of ten as 1.2e7."""
    if not np.isfinite(v):
        return "∞" if v > 0 else "NA"
    if v != 0 and (abs(v) >= 1e4 or abs(v) < 1e-3):
        # Always the exponent form (".2g" drops it for 1e-4 <= |v| < 1e-3).
        mant, exp = f"{v:.1e}".split("e")
        return f"{mant.rstrip('0').rstrip('.')}e{int(exp)}"
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.3g}"


def forest_limits(est: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[float, float]:
    """Log-axis limits from the data: every estimate and 1, and each CI end unless it lies
    more than :data:`FOREST_REACH` decades beyond the outermost estimate (then it is drawn
    clipped, with an arrow and its value)."""
    e = est[np.isfinite(est) & (est > 0)]
    core = np.concatenate([e, [1.0]])
    reach = 10.0**FOREST_REACH
    floor, ceil = core.min() / reach, core.max() * reach
    ends = np.concatenate([lo, hi])
    ends = ends[np.isfinite(ends) & (ends > 0)]
    inside = ends[(ends >= floor) & (ends <= ceil)]
    low = min(core.min(), inside.min() if inside.size else core.min())
    high = max(core.max(), inside.max() if inside.size else core.max())
    clipped_low = bool(((lo < floor) | (lo <= 0)).any())
    clipped_high = bool((hi > ceil).any() | np.isposinf(hi).any())
    left = floor if clipped_low else low / 1.5
    right = ceil if clipped_high else high * 1.5
    return min(left, 0.5), max(right, 2.0)


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
    xlabel: str | None = None,
    subtitle: str | None = None,
) -> None:
    """Forest plot of ratios (HR or OR) with 95% CI on a log axis; one row per term.

    ``subtitle``, in smaller type under the title, says what a ratio is of and per what:
    the outcome's coding ("outcome: CRS grade ≥ 2 = 1") and the scale of a continuous
    term ("OR per doubling of normalised count (log2 scale)"); an OR of 6 means nothing
    until a reader knows both.

    Axis limits follow the data (:func:`forest_limits`); a CI end beyond them is drawn to
    the axis edge with an arrowhead instead of an end cap, its value written beside it, so
    a clipped interval never looks like a measured one. Terms are named in words
    (:func:`mirscope.inputs.labels.term_label`).
    """
    table = table.reset_index(drop=True)
    n = len(table)
    fig, ax = plt.subplots(figsize=(7.0, 0.9 + 0.42 * max(n, 1)))
    ys = np.arange(n)[::-1]
    est = table[estimate].to_numpy(float)
    lo = table[lower].to_numpy(float)
    hi = table[upper].to_numpy(float)
    ok = np.isfinite(est) & (est > 0) & ~np.isnan(lo) & ~np.isnan(hi)
    xlo, xhi = forest_limits(est[ok], lo[ok], hi[ok]) if ok.any() else (0.5, 2.0)
    ax.set_xscale("log")
    ax.set_xlim(xlo, xhi)
    for y, e, a, b in zip(ys[ok], est[ok], lo[ok], hi[ok], strict=True):
        left, right = max(a, xlo) if a > 0 else xlo, min(b, xhi)
        ax.plot([left, right], [y, y], color="black", lw=1.2, solid_capstyle="butt")
        for end, value, clipped, arrow, ha in (
            (left, a, a < xlo or a <= 0, "<", "left"),
            (right, b, b > xhi, ">", "right"),
        ):
            ax.plot(
                [end],
                [y],
                marker=arrow if clipped else "|",
                ms=7 if clipped else 6,
                color="black",
                gid="clipped_ci" if clipped else "ci_cap",
            )
            if clipped:
                ax.annotate(
                    _ratio_text(value),
                    xy=(end, y),
                    xytext=(0, 5),
                    textcoords="offset points",
                    ha=ha,
                    va="bottom",
                    fontsize=7,
                )
        ax.plot([e], [y], "s", color="black", ms=5)
    ax.axvline(1.0, color="grey", ls="--", lw=1)
    ax.set_yticks(ys)
    ax.set_yticklabels([term_label(str(t)) for t in table[label_col]], fontsize=9)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel(xlabel or f"{estimate} (95% CI, log scale)")
    titled(ax, title, subtitle)
    nice = [v * 10.0**k for k in range(-12, 13) for v in (1, 2, 5)]
    ticks = [v for v in nice if xlo <= v <= xhi]
    if len(ticks) > 9:
        ticks = [v for v in ticks if f"{v:g}".lstrip("0.").startswith("1")]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _ratio_text(v)))
    for y, (_, row) in zip(ys, table.iterrows(), strict=True):
        txt = (
            (
                f"{_ratio_text(row[estimate])} ({_ratio_text(row[lower])}–"
                f"{_ratio_text(row[upper])})  {format_p(float(row[p_col]))}"
            )
            if np.isfinite(row[estimate])
            else "NA"
        )
        ax.annotate(txt, xy=(1.01, y), xycoords=("axes fraction", "data"), va="center", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    save_figure(fig, path)


def percent_axis(ax) -> None:
    """y ticks as percentages, as ClonHema reports its incidences (and as both of our
    cumulative incidence figures draw them)."""
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:g}%"))


def _time_ticks(longest: float) -> list[float]:
    """0 and round steps up to ``longest`` (the at-risk times when none are given)."""
    return [
        float(t)
        for t in MaxNLocator(5, steps=[1, 2, 5, 10]).tick_values(0, longest)
        if 0 <= t <= longest
    ]


def cif_plot(
    curves: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    event: str,
    competing: str = "death",
    title: str | None = None,
    p_gray: float | None = None,
    xlabel: str = "Days from infusion",
    durations: Mapping[str, np.ndarray] | None = None,
    at_risk_times: list[float] | None = None,
) -> None:
    """Cumulative incidence step curves with 95% CI bands, one per group, and the numbers
    at risk under them.

    ``curves``: columns group, time, estimate, lower_95, upper_95 (step corners).
    ``event`` and ``competing`` name what the curve counts and what competes with it (a
    curve of "cumulative incidence" alone does not say of what). ``durations``: each
    group's follow-up times (any event or censoring), for the at-risk rows; a patient is
    at risk at ``t`` while no event of either kind has happened before it. Groups are
    named in words (:func:`mirscope.inputs.labels.label`).
    """
    names = {g: label(str(g)) for g in curves["group"].unique()}
    fig = plt.figure(figsize=(6.4, 5.2 if durations else 4.4))
    if durations:
        n_rows = len(durations)
        grid = fig.add_gridspec(2, 1, height_ratios=(4, 0.35 + 0.3 * n_rows), hspace=0.35)
        ax = fig.add_subplot(grid[0])
    else:
        ax = fig.add_subplot()
    drawn = []
    colors = {}
    for i, (group, d) in enumerate(curves.groupby("group", sort=True)):
        color = colors[group] = COLORS[i % len(COLORS)]
        (line,) = ax.step(
            d["time"], d["estimate"], where="post", color=color, lw=1.8, label=names[group]
        )
        drawn += [line]
        ax.fill_between(
            d["time"], d["lower_95"], d["upper_95"], step="post", color=color, alpha=0.15, lw=0
        )
    top = float(np.nanmax(curves["upper_95"])) if len(curves) else 1.0
    ax.set_ylim(0, min(1.0, max(0.1, math.ceil(top * 10 + 0.5) / 10)))
    ax.set_xlim(left=0)
    percent_axis(ax)
    ax.set_xlabel(xlabel)
    # Two lines: the event's name (ClonHema's "secondary myeloid neoplasm") is too long for
    # one line of the axis' height.
    ax.set_ylabel(f"Cumulative incidence of\n{event.lower()}")
    titled(
        ax,
        title or f"Cumulative incidence of {event.lower()}",
        None if title else f"{competing} as competing risk",
    )
    note = f"Competing event: {competing}"
    if p_gray is not None:
        note += f"\nGray's test {format_p(p_gray)}"
    drawn.append(ax.text(0.03, 0.97, note, transform=ax.transAxes, va="top", fontsize=9))
    if curves["group"].nunique() > 1:
        place_legend(ax, drawn, frameon=False, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    if durations:
        longest = max(float(np.max(t)) for t in durations.values() if len(t))
        times = list(at_risk_times or _time_ticks(longest))
        ax.set_xticks(times)
        ax.set_xlim(-0.03 * max(times[-1], longest), max(times[-1], longest) * 1.03)
        tab = fig.add_subplot(grid[1], sharex=ax)
        groups = sorted(durations, key=str)
        tab.set_ylim(-0.5, len(groups) - 0.5)
        for i, group in enumerate(groups):
            y = len(groups) - 1 - i
            color = colors.get(group, COLORS[i % len(COLORS)])
            for t, c in zip(times, at_risk(np.asarray(durations[group]), times), strict=True):
                tab.text(t, y, str(c), ha="center", va="center", fontsize=9, color=color)
        tab.set_yticks(range(len(groups)))
        tab.set_yticklabels([label(str(g)) for g in reversed(groups)], fontsize=9)
        for lbl, group in zip(tab.get_yticklabels(), reversed(groups), strict=True):
            lbl.set_color(colors.get(group, "black"))
        tab.set_title("Number at risk", fontsize=9, loc="left")
        tab.tick_params(axis="x", labelbottom=False, length=0)
        tab.tick_params(axis="y", length=0, pad=14)
        for side in ("top", "right", "bottom", "left"):
            tab.spines[side].set_visible(False)
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
    percent_axis(ax)
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


#: Days per month, the unit ClonHema's survival figures use (365.25 / 12).
DAYS_PER_MONTH = 365.25 / 12


def km_single_plot(
    group: KMGroup,
    path: str | os.PathLike[str],
    *,
    title: str,
    xlabel: str = "Days",
    ylabel: str = "Overall survival probability",
    at_risk_times: list[float] = (0, 500, 1000, 1500),
    days_per_unit: float = 1.0,
    unit: str = "days",
) -> None:
    """One KM curve with its 95% band, the median and its CI, and the numbers at risk.

    ClonHema's Figure 1b: a single cohort has nothing to compare, so the panel carries the
    median (95% CI) where a grouped plot carries the log-rank p. The fit is in days; with
    ``days_per_unit`` (e.g. :data:`DAYS_PER_MONTH`) the axis, the median and
    ``at_risk_times`` are in ``unit`` instead, as the paper draws it.
    """
    k = float(days_per_unit)
    fig = plt.figure(figsize=(6.4, 5.0))
    grid = fig.add_gridspec(2, 1, height_ratios=(4, 0.65), hspace=0.35)
    ax = fig.add_subplot(grid[0])
    color = COLORS[0]
    sf = group.fitter.survival_function_
    ci = group.fitter.confidence_interval_
    ax.step(sf.index / k, sf.iloc[:, 0], where="post", color=color, lw=1.8, label=f"n = {group.n}")
    ax.fill_between(
        ci.index / k, ci.iloc[:, 0], ci.iloc[:, 1], step="post", color=color, alpha=0.15, lw=0
    )
    cens = group.fitter.durations[group.fitter.event_observed == 0]
    if len(cens):
        ax.plot(
            cens / k,
            group.fitter.survival_function_at_times(cens).to_numpy(),
            "|",
            color=color,
            ms=9,
            mew=1.4,
        )

    def fmt(v: float) -> str:
        if not np.isfinite(v):
            return "not reached"
        return f"{v / k:.1f}" if k != 1 else f"{v:g}"

    median = group.median / k
    if np.isfinite(median):
        ax.plot([0, median], [0.5, 0.5], ls=":", color="grey", lw=1)
        ax.plot([median, median], [0, 0.5], ls=":", color="grey", lw=1)
    text = (
        f"Median {fmt(group.median)} {unit} (95% CI {fmt(group.median_lower)}–"
        f"{fmt(group.median_upper)})\nevents = {group.events} of {group.n}"
    )
    ax.text(0.97, 0.97, text, transform=ax.transAxes, ha="right", va="top", fontsize=9)
    durations = np.asarray(group.fitter.durations, float) / k
    xmax = max(max(at_risk_times), float(durations.max()))
    ax.set_xlim(-0.03 * xmax, xmax * 1.03)
    ax.set_ylim(0, 1.03)
    ax.set_xticks(list(at_risk_times))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    tab = fig.add_subplot(grid[1], sharex=ax)
    tab.set_ylim(-0.5, 0.5)
    counts = at_risk(durations, list(at_risk_times))
    for t, c in zip(at_risk_times, counts, strict=True):
        tab.text(t, 0, str(c), ha="center", va="center", fontsize=9, color=color)
    tab.set_yticks([0])
    tab.set_yticklabels(["at risk"], fontsize=9)
    tab.tick_params(axis="x", labelbottom=False, length=0)
    tab.tick_params(axis="y", length=0, pad=14)
    for side in ("top", "right", "bottom", "left"):
        tab.spines[side].set_visible(False)
    save_figure(fig, path)

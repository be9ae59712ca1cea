"""CAR T expansion kinetics from longitudinal blood counts (CART SIE, ``003_…``).

Input: a long table ``sample_id, day, car_t_per_ul`` (days from infusion, CAR T cells/µL).
Per patient:

* ``cmax`` – the highest count; ``tmax`` – the first day it is reached.
* ``c10`` – the count on day 10. **Rule when day 10 was not measured:** linear
  interpolation between the nearest measurements before and after day 10, provided both
  lie within ``c10_window`` days (default 4, i.e. days 6–14); otherwise ``c10`` is missing
  and ``c10_rule`` says why. ``c10_rule`` is ``measured``, ``interpolated`` or ``missing``.
* ``auc0_30`` – area under the count curve from day 0 to day 30 by the trapezoid rule.
  Day 0 counts as 0 cells/µL when not measured (infused cells are not yet detectable in
  blood); the curve is linearly interpolated at day 30 when a later measurement exists,
  otherwise it ends at the last measurement and ``auc_complete`` is false.
* ``n_measurements`` – measurements used.

Expanders vs poor expanders: a patient is an ``expander`` for a parameter when the value is
at or above the cohort median (CART SIE split by the median of C10, Cmax and AUC0–30).
Group comparisons use the two-sided Mann–Whitney U test (scipy, exact for small samples
without ties, as R's ``wilcox.test``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

from mirscope.errors import InputError
from mirscope.io import require_columns
from mirscope.survival.data import numeric_column

PARAMETERS = ("tmax", "cmax", "c10", "auc0_30")
KINETIC_COLUMNS = (
    "sample_id",
    "tmax",
    "cmax",
    "c10",
    "c10_rule",
    "auc0_30",
    "auc_complete",
    "n_measurements",
)


def validate_kinetics(df: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """Typed copy of a kinetics table; negative/missing days or counts are InputErrors."""
    require_columns(df, ["sample_id", "day", "car_t_per_ul"], source=source)
    out = pd.DataFrame(
        {
            "sample_id": df["sample_id"].astype(str),
            "day": numeric_column(df, "day", source=source),
            "car_t_per_ul": numeric_column(df, "car_t_per_ul", source=source),
        }
    )
    for col in ("day", "car_t_per_ul"):
        bad = np.flatnonzero(out[col].to_numpy() < 0)
        if bad.size:
            i = int(bad[0])
            raise InputError(
                "negative value",
                path=source,
                row=f"{i + 1} (sample {out.sample_id.iloc[i]})",
                column=col,
                value=df[col].iloc[i],
                allowed=">= 0",
            )
    dup = out.duplicated(["sample_id", "day"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(
            "two counts for the same patient and day",
            path=source,
            row=f"{i + 1} (sample {out.sample_id.iloc[i]})",
            column="day",
            value=df["day"].iloc[i],
            allowed="one row per sample_id and day",
        )
    return out.sort_values(["sample_id", "day"], kind="stable").reset_index(drop=True)


def _c10(days: np.ndarray, counts: np.ndarray, window: float) -> tuple[float, str]:
    hit = np.flatnonzero(days == 10)
    if hit.size:
        return float(counts[hit[0]]), "measured"
    before = np.flatnonzero((days < 10) & (days >= 10 - window))
    after = np.flatnonzero((days > 10) & (days <= 10 + window))
    if before.size and after.size:
        i, j = before[-1], after[0]
        return float(np.interp(10, [days[i], days[j]], [counts[i], counts[j]])), "interpolated"
    return float("nan"), "missing"


def _auc(days: np.ndarray, counts: np.ndarray) -> tuple[float, bool]:
    if days.size == 0 or days[0] > 0:
        days, counts = np.r_[0.0, days], np.r_[0.0, counts]
    complete = bool(days[-1] >= 30)
    if complete:
        c30 = float(np.interp(30, days, counts))
        keep = days < 30
        days, counts = np.r_[days[keep], 30.0], np.r_[counts[keep], c30]
    return float(np.trapezoid(counts, days)), complete


def kinetic_parameters(
    kinetics: pd.DataFrame, *, c10_window: float = 4.0, source: str = "kinetics table"
) -> pd.DataFrame:
    """One row per patient with :data:`KINETIC_COLUMNS` (see module docstring)."""
    data = validate_kinetics(kinetics, source=source)
    rows = []
    for sample, d in data.groupby("sample_id", sort=True):
        days, counts = d["day"].to_numpy(), d["car_t_per_ul"].to_numpy()
        imax = int(np.argmax(counts))
        c10, rule = _c10(days, counts, c10_window)
        auc, complete = _auc(days, counts)
        rows.append(
            {
                "sample_id": sample,
                "tmax": float(days[imax]),
                "cmax": float(counts[imax]),
                "c10": c10,
                "c10_rule": rule,
                "auc0_30": auc,
                "auc_complete": complete,
                "n_measurements": len(d),
            }
        )
    return pd.DataFrame(rows, columns=list(KINETIC_COLUMNS))


def expander_groups(params: pd.DataFrame, parameter: str = "auc0_30") -> pd.Series:
    """``expander`` (>= cohort median) / ``poor expander``; NA where the value is missing."""
    values = params[parameter]
    med = values.median()
    out = pd.Series(
        np.where(values >= med, "expander", "poor expander"), index=params.index, dtype=object
    )
    return out.where(values.notna())


def compare_groups(
    params: pd.DataFrame, groups: pd.Series, parameters: tuple[str, ...] = PARAMETERS
) -> pd.DataFrame:
    """Median per group and two-sided Mann–Whitney p for each kinetic parameter.

    ``groups`` (aligned with ``params``) must have exactly two labels.
    """
    labels = sorted(groups.dropna().unique().tolist(), key=str)
    if len(labels) != 2:
        raise InputError("Mann–Whitney comparison needs exactly two groups", value=labels)
    rows = []
    for p in parameters:
        a = params.loc[groups == labels[0], p].dropna().to_numpy(float)
        b = params.loc[groups == labels[1], p].dropna().to_numpy(float)
        stat, pval = (
            mannwhitneyu(a, b, alternative="two-sided") if a.size and b.size else (np.nan, np.nan)
        )
        rows.append(
            {
                "parameter": p,
                "group_a": labels[0],
                "group_b": labels[1],
                "n_a": a.size,
                "n_b": b.size,
                "median_a": np.median(a) if a.size else np.nan,
                "median_b": np.median(b) if b.size else np.nan,
                "u_statistic": float(stat),
                "p_mannwhitney": float(pval),
            }
        )
    return pd.DataFrame(rows)


def combined_strata(expansion: pd.Series, marker: pd.Series, marker_name: str) -> pd.Series:
    """Labels such as ``expander / ferritin high`` (marker above its median = high)."""
    med = marker.median()
    level = np.where(marker > med, f"{marker_name} high", f"{marker_name} low")
    out = expansion.astype(str) + " / " + pd.Series(level, index=marker.index)
    return out.where(expansion.notna() & marker.notna())


# Columns of the inflammation-marker tests (CART SIE Figure 4A-C, Online Figure S22).
INFLAMMATION_TEST_COLUMNS = (
    "comparison",  # expanders_by_response (exp-NR vs exp-RE) or responders_by_expansion
    "parameter",  # the marker
    "group_a",
    "group_b",
    "n_a",
    "n_b",
    "median_a",
    "median_b",
    "u_statistic",
    "p_mannwhitney",
)


def inflammation_tests(
    table: pd.DataFrame, markers: tuple[str, ...], *, source: str = "table"
) -> pd.DataFrame:
    """Mann–Whitney tests of the markers where CART SIE tests them.

    The study does not compare expanders with poor expanders on inflammation; it asks why
    some expanders fail, so it compares expanders who did not respond (exp-NR) with those
    who did (exp-RE) (Figure 4A–C), and checks that among responders the markers do not
    differ by expansion (Online Figure S22). ``table`` needs ``expansion`` (expander /
    poor expander), ``responder`` (1/0, NA = not evaluable) and the marker columns.
    """
    require_columns(table, ["expansion", "responder", *markers], source=source)
    data = table.assign(**{m: pd.to_numeric(table[m], errors="coerce") for m in markers})
    resp = pd.to_numeric(data["responder"], errors="coerce")
    label = resp.map({1.0: "responder", 0.0: "non-responder"})
    parts = []
    expanders = data["expansion"] == "expander"
    if label[expanders].nunique() == 2:
        parts.append(
            compare_groups(data[expanders], label[expanders], markers).assign(
                comparison="expanders_by_response"
            )
        )
    responders = resp == 1
    if data.loc[responders, "expansion"].nunique() == 2:
        parts.append(
            compare_groups(data[responders], data.loc[responders, "expansion"], markers).assign(
                comparison="responders_by_expansion"
            )
        )
    if not parts:
        raise InputError(
            "no two groups to compare: the expanders all share one response and the "
            "responders one expansion group",
            path=source,
            column="responder",
        )
    return pd.concat(parts, ignore_index=True)[list(INFLAMMATION_TEST_COLUMNS)]


def combined_marker_strata(expansion: pd.Series, markers: pd.DataFrame) -> pd.Series:
    """CART SIE Figure 4G: poor expanders, and expanders split by every marker's median.

    Expanders are labelled ``expander / <m1> low, <m2> low`` when all markers are at or
    below their cohort medians, ``... high`` when all are above, and ``expander / mixed``
    otherwise; the medians are the whole cohort's (as the study's 406 ng/mL and 9 mg/L).
    A patient with a missing expansion value, or an expander with a missing marker, is NA.
    """
    vals = markers.apply(pd.to_numeric, errors="coerce")
    high = vals.gt(vals.median())
    known = vals.notna().all(axis=1)
    names = list(vals.columns)
    all_low = "expander / " + ", ".join(f"{m} low" for m in names)
    all_high = "expander / " + ", ".join(f"{m} high" for m in names)
    label = np.where(
        high.all(axis=1), all_high, np.where((~high).all(axis=1), all_low, "expander / mixed")
    )
    out = pd.Series(label, index=expansion.index, dtype=object).where(known)
    out[expansion == "poor expander"] = "poor expander"
    return out.where(expansion.notna())

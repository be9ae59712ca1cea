"""Kaplan–Meier curves, the log-rank test, numbers at risk and median survival (lifelines).

The log-rank statistic is lifelines' ``multivariate_logrank_test`` (the hypergeometric
variance of ``survival::survdiff``, rho = 0), so chi-square and p equal R's. Medians and
their 95% CI are read off the KM curve and lifelines' pointwise CI (exponential Greenwood,
i.e. a log(-log) transform; R's ``survfit`` default is ``conf.type = "log"``, so CI limits
may differ from R's printout while the median itself is the same). A median or limit that
the curve never reaches is reported as missing (``NA``, "not reached").

Numbers at risk at time ``t`` count patients whose follow-up time is ``>= t``, the
convention of the at-risk tables under KM plots (lifelines, survminer).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from lifelines.utils import median_survival_times

from mirscope.errors import InputError
from mirscope.io import require_columns
from mirscope.survival.data import time_event

# Columns of the KM summary table (one row per group), documented for users.
KM_COLUMNS = (
    "endpoint",  # name of the endpoint (e.g. os) or the time column
    "group",  # group label
    "n",  # patients in the group
    "events",  # events in the group
    "median",  # KM median time (NA = not reached)
    "median_lower",  # 95% CI of the median (NA = not reached)
    "median_upper",
    "chisq",  # log-rank chi-square across groups (same on every row)
    "df",  # degrees of freedom (groups - 1)
    "p_logrank",  # log-rank p
)


@dataclass(frozen=True)
class LogRank:
    """Log-rank test across groups."""

    chisq: float
    df: int
    p: float


@dataclass
class KMGroup:
    """One group's fitted curve and summary numbers."""

    label: str
    fitter: KaplanMeierFitter
    n: int
    events: int
    median: float
    median_lower: float
    median_upper: float


def logrank(times: np.ndarray, events: np.ndarray, groups: np.ndarray) -> LogRank:
    """Log-rank chi-square and p across all groups (equal to ``survival::survdiff``)."""
    res = multivariate_logrank_test(times, groups, events)
    return LogRank(float(res.test_statistic), int(res.degrees_of_freedom), float(res.p_value))


def _finite_or_nan(value: float) -> float:
    value = float(value)
    return value if np.isfinite(value) else float("nan")


def fit_groups(
    times: np.ndarray, events: np.ndarray, groups: np.ndarray, order: list[str] | None = None
) -> list[KMGroup]:
    """Fit one KM curve per group (in ``order`` or sorted label order)."""
    labels = order if order is not None else sorted(pd.unique(groups).tolist(), key=str)
    fitted = []
    for label in labels:
        mask = groups == label
        if not mask.any():
            continue
        kmf = KaplanMeierFitter(label=str(label))
        kmf.fit(times[mask], events[mask])
        ci = median_survival_times(kmf.confidence_interval_)
        fitted.append(
            KMGroup(
                label=str(label),
                fitter=kmf,
                n=int(mask.sum()),
                events=int(events[mask].sum()),
                median=_finite_or_nan(kmf.median_survival_time_),
                median_lower=_finite_or_nan(ci.iloc[0, 0]),
                median_upper=_finite_or_nan(ci.iloc[0, 1]),
            )
        )
    return fitted


def at_risk(times: np.ndarray, at: list[float]) -> list[int]:
    """Patients still followed (time >= t) at each time in ``at``."""
    return [int(np.sum(times >= t)) for t in at]


def km_table(
    df: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str,
    at_risk_times: list[float] = (0, 500, 1000, 1500),
    endpoint: str | None = None,
    source: str = "table",
    order: list[str] | None = None,
) -> tuple[pd.DataFrame, list[KMGroup], LogRank]:
    """KM summary per group with numbers at risk (``at_risk_<t>`` columns) and log-rank p.

    Errors (InputError): missing/negative times, event codes other than 0/1, a missing group
    label, fewer than two groups, or no events at all (the log-rank test is undefined). A
    group without events is allowed: its curve stays at 1 and its median is not reached.
    """
    times, events = time_event(df, time, event, source=source)
    require_columns(df, [group], source=source)
    labels = df[group]
    if labels.isna().any():
        i = int(np.flatnonzero(labels.isna().to_numpy())[0])
        raise InputError(
            "missing group label", path=source, row=i + 1, column=group, allowed="a group label"
        )
    groups = labels.astype(str).to_numpy()
    if pd.unique(groups).size < 2:
        raise InputError(
            "need at least two groups for a log-rank test",
            path=source,
            column=group,
            value=sorted(set(groups)),
        )
    if events.sum() == 0:
        raise InputError(
            f"no events in column '{event}': every patient is censored, so KM curves are flat "
            "and the log-rank test is undefined",
            path=source,
            column=event,
        )
    fitted = fit_groups(times, events, groups, order)
    test = logrank(times, events, groups)
    rows = []
    for g in fitted:
        mask = groups == g.label
        row = {
            "endpoint": endpoint or time,
            "group": g.label,
            "n": g.n,
            "events": g.events,
            "median": g.median,
            "median_lower": g.median_lower,
            "median_upper": g.median_upper,
            "chisq": test.chisq,
            "df": test.df,
            "p_logrank": test.p,
        }
        for t, count in zip(at_risk_times, at_risk(times[mask], list(at_risk_times)), strict=True):
            row[f"at_risk_{t:g}"] = count
        rows.append(row)
    return pd.DataFrame(rows), fitted, test


def km_overall(
    df: pd.DataFrame,
    *,
    time: str,
    event: str,
    at_risk_times: list[float] = (0, 500, 1000, 1500),
    endpoint: str | None = None,
    source: str = "table",
) -> tuple[pd.DataFrame, KMGroup]:
    """Whole-cohort KM median with 95% CI and numbers at risk (ClonHema's median OS).

    One row with :data:`KM_COLUMNS` (group ``all``); the log-rank columns are NA because
    there is nothing to compare. A cohort without events has its median not reached (NA).
    """
    times, events = time_event(df, time, event, source=source)
    groups = np.full(times.shape, "all", dtype=object)
    (fitted,) = fit_groups(times, events, groups, ["all"])
    row = {
        "endpoint": endpoint or time,
        "group": "all",
        "n": fitted.n,
        "events": fitted.events,
        "median": fitted.median,
        "median_lower": fitted.median_lower,
        "median_upper": fitted.median_upper,
        "chisq": float("nan"),
        "df": float("nan"),
        "p_logrank": float("nan"),
    }
    for t, count in zip(at_risk_times, at_risk(times, list(at_risk_times)), strict=True):
        row[f"at_risk_{t:g}"] = count
    return pd.DataFrame([row]), fitted

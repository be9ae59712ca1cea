"""Optimised cut-off by maximally selected log-rank statistics, as ``survminer::surv_cutpoint``.

``surv_cutpoint`` calls ``maxstat::maxstat.test(Surv(time, event) ~ x, smethod="LogRank",
pmethod="none", minprop=minprop, maxprop=1 - minprop)``. That procedure, reproduced here
step by step so the cut-off is identical to R's:

1. **Log-rank scores** (``exactRankTests::cscores``): with ``r_i`` the rank of ``t_i`` where
   ties share the *maximum* rank, ``a_i = d_i - sum_{j: r_j <= r_i} d_j / (N - r_j + 1)``.
2. Sort the scores by ``x`` (stable). For every distinct value of ``x``, ``m`` = the number of
   observations strictly below it; the candidate cut is the largest value below, i.e. the
   low group is ``x <= cut`` with ``m`` patients. Keep ``m`` with
   ``max(1, floor(N*minprop)) <= m <= floor(N*(1-minprop))``.
3. ``S = sum of the low group's scores``, ``E = m/N * sum(a)``,
   ``V = m(N-m)/(N^2 (N-1)) * (N sum(a^2) - (sum a)^2)``; statistic ``|S - E| / sqrt(V)``.
4. The cut-off is the *smallest* candidate reaching the maximum statistic.

R accumulates ``sum`` and ``cumsum`` in long double; so do we, so that cuts whose
statistics tie in exact arithmetic also tie here and the same (smallest) one wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mirscope.errors import InputError
from mirscope.io import require_columns
from mirscope.survival.data import numeric_column, time_event


@dataclass(frozen=True)
class Cutpoint:
    """The chosen cut-off (low group = ``x <= cutpoint``) and every candidate examined."""

    cutpoint: float
    statistic: float
    n_low: int
    n_high: int
    candidates: pd.DataFrame  # columns cut, n_low, statistic


def _rsum(values: np.ndarray) -> float:
    """Sequential long-double sum rounded to double, as R's ``sum`` on doubles."""
    return float(np.cumsum(values.astype(np.longdouble))[-1]) if values.size else 0.0


def _rcumsum(values: np.ndarray) -> np.ndarray:
    """Cumulative sum accumulated in long double, each step stored as double (R's cumsum)."""
    return np.cumsum(values.astype(np.longdouble)).astype(np.float64)


def logrank_scores(times: np.ndarray, events: np.ndarray) -> np.ndarray:
    """Log-rank scores of ``exactRankTests::cscores(Surv(time, event), "LogRank")``."""
    times = np.asarray(times, dtype=float)
    events = np.asarray(events, dtype=float)
    n = times.size
    order = np.argsort(times, kind="stable")
    # rank with ties at the maximum rank (1-based), as exactRankTests' irank
    sorted_t = times[order]
    max_rank = np.searchsorted(sorted_t, times, side="right")
    fact = events / (n - max_rank + 1)
    cum = _rcumsum(fact[order])
    return events - cum[max_rank - 1]


def maxstat_logrank(
    times: np.ndarray,
    events: np.ndarray,
    x: np.ndarray,
    *,
    minprop: float = 0.1,
    source: str = "table",
    variable: str = "variable",
) -> Cutpoint:
    """Maximally selected log-rank statistic of ``x`` for the survival data (see module doc)."""
    if not 0 <= minprop < 0.5:
        raise InputError("minprop must be in [0, 0.5)", value=minprop, allowed="0 <= minprop < 0.5")
    x = np.asarray(x, dtype=float)
    n = x.size
    if n < 2:
        raise InputError(f"need at least 2 patients to choose a cut-off of {variable}", path=source)
    if not np.any(np.asarray(events) == 1):
        raise InputError(
            f"no events: every patient is censored, so no cut-off of {variable} can be chosen",
            path=source,
        )
    scores = logrank_scores(times, events)
    order = np.argsort(x, kind="stable")
    y = scores[order]
    xs = x[order]
    first = np.ones(n, dtype=bool)
    first[1:] = xs[1:] != xs[:-1]
    m = (np.flatnonzero(first)).astype(np.float64)  # observations strictly below each value
    maxprop = 1 - minprop
    lo, hi = math.floor(n * minprop), math.floor(n * maxprop)
    if minprop == 0:
        m = m[1:-1] if m.size > 2 else m[:0]
    else:
        m = m[(m >= max(1, lo)) & (m <= hi)]
    if m.size < 1:
        raise InputError(
            f"no cut-off of {variable} leaves at least minprop = {minprop} of the {n} patients "
            f"in each group ({np.unique(x).size} distinct values)",
            path=source,
            allowed="a variable with more distinct values, or a smaller --minprop",
        )
    nf = float(n)
    ss = _rsum(y)
    e = m / nf * ss
    v = m * (nf - m) / (nf**2 * (nf - 1)) * (nf * _rsum(y * y) - ss**2)
    mi = m.astype(int)
    s = _rcumsum(y)[mi - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        test = np.abs((s - e) / np.sqrt(v))
    if not np.isfinite(test).any():
        raise InputError(
            f"the log-rank statistic of {variable} is undefined (all scores equal)", path=source
        )
    stat = float(np.nanmax(test))
    best = int(np.flatnonzero(test == stat)[0])
    cut = float(xs[mi[best] - 1])
    n_low = int(np.sum(x <= cut))
    candidates = pd.DataFrame({"cut": xs[mi - 1], "n_low": mi, "statistic": test})
    return Cutpoint(cut, stat, n_low, n - n_low, candidates)


def cutpoint_table(
    df: pd.DataFrame,
    *,
    time: str,
    event: str,
    variable: str,
    minprop: float = 0.1,
    source: str = "table",
) -> Cutpoint:
    """Validate the three columns of ``df`` and run :func:`maxstat_logrank`."""
    times, events = time_event(df, time, event, source=source)
    require_columns(df, [variable], source=source)
    x = numeric_column(df, variable, source=source)
    return maxstat_logrank(times, events, x, minprop=minprop, source=source, variable=variable)


def cutpoint_frame(result: Cutpoint) -> pd.DataFrame:
    """One-row table with the documented columns ``cutpoint, statistic, n_low, n_high``.

    The cut-off is written with full precision (``repr``), not the 10 significant digits of
    other floats: it is an observed value, and ``x <= cutpoint`` must reproduce ``n_low``.
    """
    return pd.DataFrame(
        {
            "cutpoint": [repr(result.cutpoint)],
            "statistic": [result.statistic],
            "n_low": [result.n_low],
            "n_high": [result.n_high],
        }
    )

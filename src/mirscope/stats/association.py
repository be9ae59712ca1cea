"""Kruskal-Wallis and Spearman tests equal to R's ``kruskal.test`` and ``cor.test``.

The paper reports miR-1290 between ICANS grade >= 2 and < 2 (KW, both medians) and
Spearman correlations of miR-542-5p with LDH, ccfDNA and PMN-MDSC. Kruskal-Wallis uses
scipy (average ranks, tie correction, chi-square reference: R's method). Spearman's p-value
follows R exactly: without ties and n <= 1290 R uses algorithm AS 89 (exact enumeration for
n <= 9, an Edgeworth series above) on S = (n^3 - n)(1 - rho) / 6; with ties it uses the t
approximation. scipy always uses the t approximation, which differs from R for untied data,
so AS 89 is ported here (R's ``prho.c``).
"""

from __future__ import annotations

import itertools
import math
import warnings
from functools import cache

import numpy as np
import pandas as pd
from scipy import stats

from mirscope.errors import InputError, MirscopeWarning
from mirscope.io import require_columns

_C = (
    0.2274,
    0.2531,
    0.1745,
    0.0758,
    0.1033,
    0.3932,
    0.0879,
    0.0151,
    0.0072,
    0.0831,
    0.0131,
    4.6e-4,
)


@cache
def _exact_s_values(n: int) -> np.ndarray:
    base = np.arange(1, n + 1)
    return np.array([int(np.sum((base - np.array(p)) ** 2)) for p in itertools.permutations(base)])


def _prho(n: int, s: float, lower_tail: bool) -> float:
    """P[S >= s] (upper) or P[S < s] (lower) for Spearman's S under independence (AS 89)."""
    pv = 0.0 if lower_tail else 1.0
    if n <= 1 or s <= 0:
        return pv
    n3 = n * (n * n - 1) / 3
    if s > n3:
        return 1.0 - pv
    if n <= 9:
        values = _exact_s_values(n)
        ifr = int(np.sum(values >= s))
        total = len(values)
        return (total - ifr) / total if lower_tail else ifr / total
    c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12 = _C
    b = 1.0 / n
    x = (6.0 * (s - 1) * b / (n * n - 1) - 1) * math.sqrt(n - 1)
    y = x * x
    u = (
        x
        * b
        * (
            c1
            + b * (c2 + c3 * b)
            + y
            * (
                -c4
                + b * (c5 + c6 * b)
                - y * b * (c7 + c8 * b - y * (c9 - c10 * b + y * b * (c11 - c12 * y)))
            )
        )
    )
    corr = u / math.exp(y / 2)
    pv = (-corr + stats.norm.cdf(x)) if lower_tail else (corr + stats.norm.sf(x))
    return min(1.0, max(0.0, float(pv)))


def spearman_test(x: np.ndarray, y: np.ndarray) -> tuple[float, float, int]:
    """(rho, two-sided p, n) on complete pairs, as R ``cor.test(method = "spearman")``."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = len(x)
    if n < 3:
        return math.nan, math.nan, n
    rx, ry = stats.rankdata(x), stats.rankdata(y)
    if np.ptp(rx) == 0 or np.ptp(ry) == 0:
        return math.nan, math.nan, n
    rho = float(np.corrcoef(rx, ry)[0, 1])
    ties = len(np.unique(x)) < n or len(np.unique(y)) < n
    q = (n**3 - n) * (1 - rho) / 6

    def pspearman(qq: float, lower: bool) -> float:
        if n <= 1290 and not ties:
            return _prho(n, round(qq) + 2 * lower, lower)
        den = n * (n * n - 1) / 6
        r = 1 - qq / den
        t = r / math.sqrt((1 - r * r) / (n - 2)) if abs(r) < 1 else math.copysign(math.inf, r)
        return float(stats.t.cdf(t, n - 2) if not lower else stats.t.sf(t, n - 2))

    p = pspearman(q - 1, False) if q > (n**3 - n) / 6 else pspearman(q, True)
    return rho, min(2 * p, 1.0), n


def kruskal_test(values: np.ndarray, groups: np.ndarray) -> tuple[float, float, int]:
    """(statistic, p, df) as R ``kruskal.test(values ~ groups)`` (complete cases)."""
    values = np.asarray(values, dtype=float)
    groups = pd.Series(groups)
    ok = np.isfinite(values) & groups.notna().to_numpy()
    values, groups = values[ok], groups[ok].to_numpy()
    levels = sorted(set(groups))
    samples = [values[groups == g] for g in levels]
    if len(samples) < 2 or np.ptp(values) == 0:
        return math.nan, math.nan, len(levels) - 1
    stat, p = stats.kruskal(*samples)
    return float(stat), float(p), len(levels) - 1


def _warn_absent(mirna: str, counts: pd.DataFrame, key: str) -> None:
    """An empty row for a miRNA the matrix lacks says why, in the log (validation has
    checked the name against the reference when it could read it: here it was either
    never detected in this cohort or the reference was unknown before the run)."""
    if mirna in counts.index:
        return
    from mirscope.inputs.validate import ABSENT, mirna_problem

    warnings.warn(
        f"{key}: '{mirna}' is not a row of the normalised counts, its row stays empty: "
        f"{mirna_problem(mirna, list(map(str, counts.index)), absent=ABSENT)}",
        MirscopeWarning,
        stacklevel=3,
    )


def _split_pairs(entries: list[str]) -> list[tuple[str, str]]:
    return [tuple(e.split(":", 1)) for e in entries]  # type: ignore[misc]


def group_tests(
    clinical: pd.DataFrame, counts: pd.DataFrame, entries: list[str], *, source: str
) -> pd.DataFrame:
    """Kruskal-Wallis of each ``mirna:outcome`` pair (outcome = a contrast name).

    Columns: mirna, outcome, n_control, n_case, median_control, median_case (normalized
    counts), statistic, df, p_value. A miRNA absent from the matrix gives NaN (and is kept,
    so the user sees it was asked for).
    """
    from mirscope.stats.design import outcome_series

    rows = []
    for mirna, outcome in _split_pairs(entries):
        y = outcome_series(clinical, outcome, source=source)
        common = [s for s in y.index if s in counts.columns and not np.isnan(y[s])]
        row = {"mirna": mirna, "outcome": outcome}
        _warn_absent(mirna, counts, "models.group_tests")
        if mirna in counts.index and common:
            v = counts.loc[mirna, common].to_numpy(dtype=float)
            g = y[common].to_numpy()
            stat, p, df = kruskal_test(v, g)
            row.update(
                n_control=int((g == 0).sum()),
                n_case=int((g == 1).sum()),
                median_control=float(np.median(v[g == 0])) if (g == 0).any() else math.nan,
                median_case=float(np.median(v[g == 1])) if (g == 1).any() else math.nan,
                statistic=stat,
                df=df,
                p_value=p,
            )
        rows.append(row)
    cols = ["mirna", "outcome", "n_control", "n_case", "median_control", "median_case"]
    return pd.DataFrame(rows, columns=[*cols, "statistic", "df", "p_value"])


def correlations(
    clinical: pd.DataFrame, counts: pd.DataFrame, entries: list[str], *, source: str
) -> pd.DataFrame:
    """Spearman correlation of each ``mirna:column`` pair. Columns: mirna, variable, n,
    rho, p_value (complete pairs; rank-based, so the miRNA scale does not matter)."""
    rows = []
    for mirna, column in _split_pairs(entries):
        require_columns(
            clinical,
            [column],
            source=source,
            message="correlation variable not in the clinical table",
        )
        values = pd.to_numeric(clinical[column], errors="coerce")
        text = clinical[column].notna() & values.isna()
        if text.any():
            # Validation types the columns the config names; a text cell here would
            # otherwise become a missing value and shrink n without a word.
            sample = text.index[text.to_numpy()][0]
            raise InputError(
                "a correlation variable must be numeric (a text cell would be read as missing)",
                path=source,
                row=f"sample {sample}",
                column=column,
                value=clinical.loc[sample, column],
                allowed="numbers, empty or NA for a missing value",
            )
        row = {"mirna": mirna, "variable": column}
        _warn_absent(mirna, counts, "models.correlations")
        common = [s for s in clinical.index if s in counts.columns]
        if mirna in counts.index and common:
            x = counts.loc[mirna, common].to_numpy(dtype=float)
            y = values.loc[common].to_numpy(dtype=float)
            rho, p, n = spearman_test(x, y)
            row.update(n=n, rho=rho, p_value=p)
        rows.append(row)
    return pd.DataFrame(rows, columns=["mirna", "variable", "n", "rho", "p_value"])

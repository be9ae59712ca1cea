"""Cumulative incidence with a competing risk (Aalen–Johansen) and Gray's test, as cmprsk.

ClonHema (``004_…``) reports the cumulative incidence of an event with death as a competing
risk at 6 months, 1 and 4 years, and compares groups. This module reproduces
``cmprsk::cuminc`` (Gray 1988; the Fortran routines ``cinc`` and ``crstm`` of cmprsk, whose
published algorithm is re-implemented here operation by operation, so estimates, variances
and the test statistic agree with R to rounding):

* :func:`cuminc_curve` – the estimate as step-function corners ``(time, est, var)``, exactly
  the ``time``/``est``/``var`` vectors of ``cuminc`` (first corner (0, 0), two corners per
  event time of the cause, the last one carried to the largest follow-up time).
* :func:`gray_test` – Gray's k-sample test (rho = 0, one stratum): score vector and
  covariance, statistic ``s' V^-1 s`` on ``groups - 1`` degrees of freedom.
* 95% CI: cmprsk gives only the variance; the interval uses the log(-log) transform
  ``est ** exp(± 1.96 sqrt(var) / (est log est))`` (as tidycmprsk), which stays in (0, 1).

Event codes: 0 censored, 1 the event of interest, 2 death without the event (competing).

Licence: cmprsk is GPL (>= 2); this port is one reason mirscope is GPL-3.0-or-later.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import chi2

from mirscope.errors import InputError
from mirscope.io import require_columns
from mirscope.survival.data import time_event

Z95 = 1.959963984540054
EVENT_CODES = (0, 1, 2)

# Columns of the cumulative-incidence table at chosen times, documented for users.
CUMINC_COLUMNS = (
    "group",  # group label ("all" without a group column)
    "time",  # time point (days)
    "estimate",  # cumulative incidence of the event (code 1) at that time
    "variance",  # cmprsk's variance estimate
    "lower_95",  # 95% CI, log(-log) transform
    "upper_95",
    "n",  # patients in the group
    "events",  # events of interest (code 1) in the group
    "competing",  # competing events (code 2) in the group
    "gray_stat",  # Gray's test across groups (NA with one group)
    "gray_df",
    "gray_p",
    "note",  # why an estimate is missing (time beyond the longest follow-up), else empty
)


def cuminc_curve(times: np.ndarray, codes: np.ndarray, cause: int = 1) -> pd.DataFrame:
    """Corners of the cumulative incidence step function of ``cause`` (cmprsk ``cinc``)."""
    order = np.argsort(times, kind="stable")
    y = np.asarray(times, float)[order]
    ic = (np.asarray(codes)[order] != 0).astype(int)
    icc = (np.asarray(codes)[order] == cause).astype(int)
    n = y.size
    xs, fs, vs = [0.0], [0.0], [0.0]
    fk, v1, v2, v3 = 1.0, 0.0, 0.0, 0.0
    rs = float(n)
    start = 0
    while start < n:
        end = start
        while end + 1 < n and y[end + 1] == y[start]:
            end += 1
        nd1 = int(icc[start : end + 1].sum())
        nd2 = int((ic[start : end + 1] - icc[start : end + 1]).sum())
        nd = nd1 + nd2
        if nd > 0:
            fkn = fk * (rs - nd) / rs
            if nd1 > 0:
                fs.append(fs[-1])
                fs.append(fs[-1] + fk * nd1 / rs)
            if nd2 > 0 and fkn > 0:
                t5 = 1.0
                if nd2 > 1:
                    t5 = 1 - (nd2 - 1.0) / (rs - 1.0)
                t6 = fk * fk * t5 * nd2 / (rs * rs)
                t3 = 1.0 / fkn
                t4 = fs[-1] / fkn
                v1 += t4 * t4 * t6
                v2 += t3 * t4 * t6
                v3 += t3 * t3 * t6
            if nd1 > 0:
                t5 = 1.0
                if nd1 > 1:
                    t5 = 1 - (nd1 - 1.0) / (rs - 1.0)
                t6 = fk * fk * t5 * nd1 / (rs * rs)
                t3 = 1 / fkn if fkn > 0 else 0.0
                t4 = 1 + t3 * fs[-1]
                v1 += t4 * t4 * t6
                v2 += t3 * t4 * t6
                v3 += t3 * t3 * t6
                t2 = fs[-1]
                xs += [y[end], y[end]]
                vs.append(vs[-1])
                vs.append(v1 + t2 * t2 * v3 - 2 * t2 * v2)
            fk = fkn
        rs = float(n - (end + 1))
        start = end + 1
    xs.append(float(y[-1]))
    fs.append(fs[-1])
    vs.append(vs[-1])
    return pd.DataFrame({"time": xs, "estimate": fs, "variance": vs})


def beyond_follow_up_note(t: float, longest: float) -> str:
    """Why no estimate exists at ``t``: the table says so instead of leaving a bare blank.

    ClonHema reports 4-year incidence on a cohort followed for up to ~5 years; a cohort
    followed for less cannot say anything about 4 years, and the reader must see that the
    blank is a fact about follow-up, not a failed computation.
    """
    if t <= longest:
        return ""
    return (
        f"follow-up shorter than {t:g} days ({t / 365.25:.1f} years; "
        f"longest {longest:g} days = {longest / 365.25:.1f} years)"
    )


def value_at(curve: pd.DataFrame, t: float) -> tuple[float, float]:
    """(estimate, variance) at time ``t``: the last corner with time <= t (cmprsk timepoints).

    Beyond the largest follow-up time the value is unknown (NaN), as in ``timepoints``.
    """
    x = curve["time"].to_numpy()
    if t > x[-1]:
        return float("nan"), float("nan")
    i = int(np.searchsorted(x, t, side="right")) - 1
    return float(curve["estimate"].iloc[i]), float(curve["variance"].iloc[i])


def log_log_ci(est: float, var: float) -> tuple[float, float]:
    """95% CI of a cumulative incidence by the log(-log) transform (0 or 1 stay degenerate)."""
    if not np.isfinite(est):
        return float("nan"), float("nan")
    if est <= 0 or est >= 1 or var <= 0:
        return est, est
    a = Z95 * math.sqrt(var) / (est * math.log(est))
    lo, hi = est ** math.exp(a), est ** math.exp(-a)
    return min(lo, hi), max(lo, hi)


def gray_test(
    times: np.ndarray, codes: np.ndarray, groups: np.ndarray, cause: int = 1, rho: float = 0.0
) -> tuple[float, int, float]:
    """Gray's test that the cumulative incidence of ``cause`` is equal across groups.

    Returns (statistic, df, p). Groups are numbered in sorted label order (R factor levels).
    """
    labels = sorted(pd.unique(groups).tolist(), key=str)
    ng = len(labels)
    order = np.argsort(times, kind="stable")
    y = np.asarray(times, float)[order]
    raw = np.asarray(codes)[order]
    m = np.where(raw == cause, 1, np.where(raw == 0, 0, 2))
    g = np.array([labels.index(v) for v in np.asarray(groups)[order]])
    s, v = _crst(y, m, g, ng, rho)
    vs = np.zeros((ng - 1, ng - 1))
    k = 0
    for i in range(ng - 1):
        for j in range(i + 1):
            vs[i, j] = vs[j, i] = v[k]
            k += 1
    if np.linalg.matrix_rank(vs) < ng - 1:
        return float("nan"), ng - 1, float("nan")
    stat = float(s @ np.linalg.solve(vs, s))
    return stat, ng - 1, float(chi2.sf(stat, ng - 1))


def _crst(y, m, ig, ng, rho):
    """Score and packed covariance of Gray's test for one stratum (cmprsk ``crst``)."""
    n = y.size
    ng1 = ng - 1
    rs = np.bincount(ig, minlength=ng).astype(float)
    s = np.zeros(ng1)
    v = np.zeros(ng * ng1 // 2)
    f1m, f1 = np.zeros(ng), np.zeros(ng)
    skmm, skm = np.ones(ng), np.ones(ng)
    v3 = np.zeros(ng)
    v2 = np.zeros((ng1, ng))
    c = np.zeros((ng, ng))
    a = np.zeros((ng, ng))
    fm = f = 0.0
    ll = 0
    while True:
        lu = ll
        while lu + 1 < n and not (y[lu + 1] > y[ll]):
            lu += 1
        d = np.zeros((3, ng), dtype=int)
        for i in range(ll, lu + 1):
            d[m[i], ig[i]] += 1
        nd1, nd2 = int(d[1].sum()), int(d[2].sum())
        if nd1 or nd2:
            tr = tq = 0.0
            for i in range(ng):
                if rs[i] <= 0:
                    continue
                td = d[1, i] + d[2, i]
                skm[i] = skmm[i] * (rs[i] - td) / rs[i]
                f1[i] = f1m[i] + (skmm[i] * d[1, i]) / rs[i]
                tr += rs[i] / skmm[i]
                tq += rs[i] * (1 - f1m[i]) / skmm[i]
            f = fm + nd1 / tr
            fb = (1 - fm) ** rho
            for i in range(ng):
                a[i, i:] = 0.0
                if rs[i] <= 0:
                    continue
                t1 = rs[i] / skmm[i]
                a[i, i] = fb * t1 * (1 - t1 / tr)
                c[i, i] += a[i, i] * nd1 / (tr * (1 - fm))
                for j in range(i + 1, ng):
                    if rs[j] <= 0:
                        continue
                    a[i, j] = -fb * t1 * rs[j] / (skmm[j] * tr)
                    c[i, j] += a[i, j] * nd1 / (tr * (1 - fm))
            for i in range(1, ng):
                for j in range(i):
                    a[i, j] = a[j, i]
                    c[i, j] = c[j, i]
            for i in range(ng1):
                if rs[i] <= 0:
                    continue
                s[i] += fb * (d[1, i] - nd1 * rs[i] * (1 - f1m[i]) / (skmm[i] * tq))
            if nd1 > 0:
                for k in range(ng):
                    if rs[k] <= 0:
                        continue
                    t4 = 1.0
                    if skm[k] > 0:
                        t4 = 1 - (1 - f) / skm[k]
                    t5 = 1.0
                    if nd1 > 1:
                        t5 = 1 - (nd1 - 1) / (tr * skmm[k] - 1)
                    t3 = t5 * skmm[k] * nd1 / (tr * rs[k])
                    v3[k] += t4 * t4 * t3
                    for i in range(ng1):
                        t1 = a[i, k] - t4 * c[i, k]
                        v2[i, k] += t1 * t4 * t3
                        for j in range(i + 1):
                            t2 = a[j, k] - t4 * c[j, k]
                            v[i * (i + 1) // 2 + j] += t1 * t2 * t3
            if nd2 > 0:
                for k in range(ng):
                    if skm[k] <= 0 or d[2, k] <= 0:
                        continue
                    t4 = (1 - f) / skm[k]
                    t5 = 1.0
                    if d[2, k] > 1:
                        t5 = 1 - (d[2, k] - 1.0) / (rs[k] - 1.0)
                    t3 = t5 * ((skmm[k] ** 2) * d[2, k]) / (rs[k] ** 2)
                    v3[k] += t4 * t4 * t3
                    for i in range(ng1):
                        t1 = t4 * c[i, k]
                        v2[i, k] -= t1 * t4 * t3
                        for j in range(i + 1):
                            t2 = t4 * c[j, k]
                            v[i * (i + 1) // 2 + j] += t1 * t2 * t3
        if lu + 1 >= n:
            break
        for i in range(ll, lu + 1):
            rs[ig[i]] -= 1
        fm = f
        f1m[:] = f1
        skmm[:] = skm
        ll = lu + 1
    k = 0
    for i in range(ng1):
        for j in range(i + 1):
            for kk in range(ng):
                v[k] += c[i, kk] * c[j, kk] * v3[kk]
                v[k] += c[i, kk] * v2[j, kk]
                v[k] += c[j, kk] * v2[i, kk]
            k += 1
    return s, v


def cuminc_table(
    df: pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str | None = None,
    at: list[float] = (182.625, 365.25, 1461.0),
    source: str = "table",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cumulative incidence at ``at`` (default 6 months, 1 and 4 years in days) per group,
    with Gray's test when there are groups; also the curve corners with CI for plotting.

    Event codes must be 0 (censored), 1 (event) or 2 (competing death).
    """
    times, codes = time_event(df, time, event, source=source, allowed_events=EVENT_CODES)
    if group is None:
        groups = np.array(["all"] * len(df), dtype=object)
    else:
        require_columns(df, [group], source=source)
        if df[group].isna().any():
            i = int(np.flatnonzero(df[group].isna().to_numpy())[0])
            raise InputError("missing group label", path=source, row=i + 1, column=group)
        groups = df[group].astype(str).to_numpy()
    if not (codes == 1).any():
        raise InputError(
            f"no events of interest (code 1) in column '{event}': the cumulative "
            "incidence is 0 throughout",
            path=source,
            column=event,
            allowed="0 censored, 1 event, 2 competing death",
        )
    labels = sorted(pd.unique(groups).tolist(), key=str)
    stat, dof, p = (float("nan"), 0, float("nan"))
    if len(labels) > 1:
        stat, dof, p = gray_test(times, codes, groups)
    rows, corners = [], []
    for label in labels:
        mask = groups == label
        curve = cuminc_curve(times[mask], codes[mask])
        ci = [log_log_ci(e, v) for e, v in zip(curve.estimate, curve.variance, strict=True)]
        corners.append(
            curve.assign(group=label, lower_95=[c[0] for c in ci], upper_95=[c[1] for c in ci])
        )
        for t in at:
            est, var = value_at(curve, t)
            lo, hi = log_log_ci(est, var)
            rows.append(
                {
                    "group": label,
                    "time": t,
                    "estimate": est,
                    "variance": var,
                    "lower_95": lo,
                    "upper_95": hi,
                    "n": int(mask.sum()),
                    "events": int((codes[mask] == 1).sum()),
                    "competing": int((codes[mask] == 2).sum()),
                    "gray_stat": stat,
                    "gray_df": dof if len(labels) > 1 else np.nan,
                    "gray_p": p,
                    "note": beyond_follow_up_note(t, float(times[mask].max())),
                }
            )
    return pd.DataFrame(rows, columns=list(CUMINC_COLUMNS)), pd.concat(corners, ignore_index=True)


def survival_after_event(
    events: pd.DataFrame,
    clinical: pd.DataFrame,
    *,
    time: str = "time_days",
    event: str = "event",
    os_time: str = "os_days",
    os_event: str = "os_event",
    source: str = "table",
) -> pd.DataFrame:
    """Overall survival counted from the event of interest, for the patients who had it.

    ClonHema's Figure 1b is the survival of the patients who developed the secondary
    neoplasm, from its diagnosis (the clock restarts at the event). Both tables count days
    from infusion, so the time is ``os_days - time_days``; a death or last contact before
    the event is a data error, named with the patient. Columns ``sample_id, time, event``.
    """
    require_columns(events, ["sample_id", time, event], source=source)
    require_columns(clinical, ["sample_id", os_time, os_event], source="clinical table")
    times, codes = time_event(events, time, event, source=source, allowed_events=EVENT_CODES)
    had = events.loc[codes == 1, ["sample_id"]].assign(_t=times[codes == 1])
    had["sample_id"] = had["sample_id"].astype(str)
    clin = clinical[["sample_id", os_time, os_event]].assign(
        sample_id=clinical["sample_id"].astype(str)
    )
    data = had.merge(clin, on="sample_id", how="left")
    lacking = data[[os_time, os_event]].isna().any(axis=1)
    if lacking.any():
        sid = data.loc[lacking, "sample_id"].iloc[0]
        raise InputError(
            "no overall survival for a patient with the event",
            path="clinical table",
            row=f"sample {sid}",
            column=f"{os_time}/{os_event}",
            allowed="every patient with event 1 needs os_days and os_event",
        )
    after = data[os_time].to_numpy(float) - data["_t"].to_numpy(float)
    if (after < 0).any():
        i = int(np.flatnonzero(after < 0)[0])
        raise InputError(
            "overall survival ends before the event",
            path=source,
            row=f"sample {data.sample_id.iloc[i]}",
            column=time,
            value=data["_t"].iloc[i],
            allowed=f"<= {os_time} ({data[os_time].iloc[i]:g})",
        )
    return pd.DataFrame(
        {
            "sample_id": data["sample_id"].to_numpy(),
            "time": after,
            "event": data[os_event].to_numpy(int),
        }
    ).sort_values("sample_id", kind="stable", ignore_index=True)

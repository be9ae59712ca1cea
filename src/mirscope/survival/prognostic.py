"""Supplementary Figure S1: one variable split at its optimised cut-off, KM for OS/PFS/TTP.

The paper chose one cut-off of miR-542-5p (5.5 normalized counts) with ``surv_cutpoint``
and applied it to all three endpoints. It does not say which endpoint chose it; mirscope
uses the config key ``survival.cutpoint_endpoint`` (default ``pfs``: the primary endpoint
of CAR T studies, complete for all 53 patients where TTP is not, and first in the paper's
results sentence). Patients missing the variable or the chosen endpoint are left out of the
cut-off search; each KM panel uses the patients with that endpoint recorded.

Groups are labelled ``<name> <= cut`` and ``<name> > cut`` (low = x <= cut, as maxstat).

Time to progression (TTP), as applied here: days from infusion to lymphoma progression
(``ttp_days``/``ttp_event``); a patient who died without progression is left out of the
TTP analysis, not censored (:func:`ttp_exclusions`; config
``survival.ttp_death_without_progression: censor`` keeps them, censored at death), and so
is a patient without a recorded TTP. The paper does not define TTP in words, so the rule
is inferred from its numbers. Supplementary Figure S1 has 53 patients at day 0 for OS and
PFS but 50 (19 + 31) for TTP: three patients are missing from TTP only, and PFS and TTP
differ only in how a death without progression counts (an event for PFS). Censoring those
deaths at the day of death (the Cheson 2007 convention) would keep all 53 at day 0;
excluding them removes them, and the paper reports two grade 5 ICANS deaths, plausibly
two of the three. The other candidate rule, leaving out patients without a response
assessment, would give 49 (the paper's 49 evaluable), not 50. The PFS and TTP numbers at
risk at 500 days and later are equal in the paper (9 / 8 and 4 / 3), as they must be when
the patients taken out died early without progression.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mirscope.errors import InputError
from mirscope.survival.cutpoint import cutpoint_frame, cutpoint_table
from mirscope.survival.km import KM_COLUMNS, km_table

ENDPOINTS = {
    "os": ("os_days", "os_event", "Overall survival"),
    "pfs": ("pfs_days", "pfs_event", "Progression-free survival"),
    "ttp": ("ttp_days", "ttp_event", "Time to progression"),
}


def variable_by_sample(normalized: pd.DataFrame, variable: str, *, source: str) -> pd.Series:
    """One row of a count matrix (first column ``mirna``) as a Series indexed by sample_id."""
    key = normalized.columns[0]
    hit = normalized[normalized[key] == variable]
    if hit.empty:
        from mirscope.inputs.validate import ABSENT, mirna_problem

        raise InputError(
            f"variable '{variable}' (config key survival.variable) is not a row of the "
            f"matrix: {mirna_problem(variable, list(map(str, normalized[key])), absent=ABSENT)}",
            path=source,
            column=key,
            allowed="a miRNA name of the first column, e.g. hsa-miR-542-5p",
        )
    series = hit.iloc[0, 1:].astype(float)
    series.index = series.index.astype(str)
    return series


def merge_variable(clinical: pd.DataFrame, values: pd.Series, column: str) -> pd.DataFrame:
    """Clinical rows with the variable as a column (samples absent from the matrix are NA)."""
    out = clinical.copy()
    out["sample_id"] = out["sample_id"].astype(str)
    out[column] = out["sample_id"].map(values)
    return out


def short_name(variable: str) -> str:
    """A miRNA name without the species prefix, for labels."""
    return variable.removeprefix("hsa-")


def group_labels(x: np.ndarray, cut: float, name: str, *, high_at_cut: bool = False) -> np.ndarray:
    """Low/high labels: low = x <= cut (maxstat's split), or x < cut with ``high_at_cut``
    (the paper's transferred rule, high = x >= 5.5)."""
    if high_at_cut:
        return np.where(x < cut, f"{name} < {cut:.3g}", f"{name} \u2265 {cut:.3g}")
    return np.where(x <= cut, f"{name} \u2264 {cut:.3g}", f"{name} > {cut:.3g}")


def ttp_exclusions(clinical: pd.DataFrame, deaths: str = "exclude") -> pd.Series:
    """Why each patient is left out of the TTP analysis (empty string: used), by sample_id.

    A death without progression is a TTP without event ending in death: ``ttp_event`` 0
    and a recorded death (``os_event`` 1, or ``pfs_event`` 1) no later than ``ttp_days``.
    See the module docstring for why these patients are excluded rather than censored
    (``deaths="exclude"``, the default); ``deaths="censor"`` keeps them, censored.
    """
    if deaths not in ("exclude", "censor"):
        raise ValueError(f"deaths must be 'exclude' or 'censor', not {deaths!r}")
    reasons = pd.Series("", index=clinical["sample_id"].astype(str).to_numpy(), dtype=object)
    if "ttp_days" not in clinical.columns or "ttp_event" not in clinical.columns:
        reasons[:] = "no TTP recorded"
        return reasons

    def col(name: str) -> np.ndarray:
        if name not in clinical.columns:
            return np.full(len(clinical), np.nan)
        return pd.to_numeric(clinical[name], errors="coerce").to_numpy(float)

    ttp_days, ttp_event = col("ttp_days"), col("ttp_event")
    died_first = np.zeros(len(clinical), dtype=bool)
    for days, event in (("os_days", "os_event"), ("pfs_days", "pfs_event")):
        d, e = col(days), col(event)
        with np.errstate(invalid="ignore"):
            died_first |= (e == 1) & (d <= ttp_days)
    missing = np.isnan(ttp_days) | np.isnan(ttp_event)
    reasons[missing] = "no TTP recorded"
    if deaths == "exclude":
        reasons[~missing & (ttp_event == 0) & died_first] = "died without progression"
    return reasons


def _endpoint_rows(data: pd.DataFrame, endpoint: str, ttp_death: str) -> pd.DataFrame:
    """The patients one endpoint analyses: variable and endpoint recorded (TTP: its rule)."""
    t_col, e_col, _ = ENDPOINTS[endpoint]
    keep = data[["value", t_col, e_col]].notna().all(axis=1).to_numpy()
    if endpoint == "ttp":
        keep &= (ttp_exclusions(data, ttp_death) == "").to_numpy()
    return data[keep].reset_index(drop=True)


def suppfig_s1(
    clinical: pd.DataFrame,
    values: pd.Series,
    *,
    variable: str,
    cutpoint_endpoint: str = "pfs",
    ttp_death: str = "exclude",
    minprop: float = 0.1,
    at_risk_times: list[float] = (0, 500, 1000, 1500),
    endpoints: tuple[str, ...] = ("os", "pfs", "ttp"),
    source: str = "clinical table",
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Cut-off table, KM table (all endpoints) and the per-endpoint fits for plotting."""
    data = merge_variable(clinical, values, "value")
    time_col, event_col, _ = ENDPOINTS[cutpoint_endpoint]
    usable = _endpoint_rows(data, cutpoint_endpoint, ttp_death)
    cut = cutpoint_table(
        usable, time=time_col, event=event_col, variable="value", minprop=minprop, source=source
    )
    cut_df = cutpoint_frame(cut)
    cut_df.insert(0, "variable", variable)
    cut_df.insert(1, "endpoint", cutpoint_endpoint)
    table, fits = km_at_cut(
        data,
        cut.cutpoint,
        variable=variable,
        endpoints=endpoints,
        ttp_death=ttp_death,
        at_risk_times=at_risk_times,
        source=source,
    )
    return cut_df, table, fits


def km_at_cut(
    data: pd.DataFrame,
    cut: float,
    *,
    variable: str,
    endpoints: tuple[str, ...] = ("os", "pfs", "ttp"),
    ttp_death: str = "exclude",
    at_risk_times: list[float] = (0, 500, 1000, 1500),
    source: str = "clinical table",
    high_at_cut: bool = False,
) -> tuple[pd.DataFrame, dict]:
    """KM table and fits of each endpoint the table has (``data``: clinical rows with the
    variable as column ``value``), split at ``cut`` (see :func:`group_labels`). Used for
    the optimised cut-off and for a cut-off transferred from another cohort."""
    name = short_name(variable)
    order = list(group_labels(np.array([cut - 1.0, cut + 1.0]), cut, name, high_at_cut=high_at_cut))
    tables, fits = [], {}
    for ep in endpoints:
        t_col, e_col, title = ENDPOINTS[ep]
        if t_col not in data.columns or e_col not in data.columns:
            continue
        d = _endpoint_rows(data, ep, ttp_death)
        values = d["value"].to_numpy(float)
        d["group"] = group_labels(values, cut, name, high_at_cut=high_at_cut)
        if d["group"].nunique() < 2:
            # a transferred cut-off may put every patient on one side: no test, said so
            tables.append(one_group_rows(d, ep, e_col))
            continue
        table, fitted, test = km_table(
            d,
            time=t_col,
            event=e_col,
            group="group",
            at_risk_times=list(at_risk_times),
            endpoint=ep,
            source=source,
            order=order,
        )
        tables.append(table)
        fits[ep] = (fitted, test, title)
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(), fits


def one_group_rows(d: pd.DataFrame, endpoint: str, event: str) -> pd.DataFrame:
    """The KM table's rows when a cut-off leaves one group: its size and events, no
    median and no log-rank test (NA)."""
    rows = [
        {"endpoint": endpoint, "group": g, "n": len(rows), "events": int(rows[event].sum())}
        for g, rows in d.groupby("group", sort=True)
    ]
    return pd.DataFrame(rows).reindex(columns=list(KM_COLUMNS))


def transferred_cutoff(
    clinical: pd.DataFrame,
    values: pd.Series,
    *,
    variable: str,
    cutoff: float,
    endpoints: tuple[str, ...] = ("os", "pfs", "ttp"),
    ttp_death: str = "exclude",
    at_risk_times: list[float] = (0, 500, 1000, 1500),
    source: str = "clinical table",
) -> tuple[pd.DataFrame, dict]:
    """A cut-off fixed on another cohort (the paper's S1: high = ``values >= cutoff``)
    tested on this one: KM and log-rank of each endpoint the clinical table records.

    Nothing is optimised here, so the log-rank p is an honest test of the transferred
    rule (the training cohort's optimised p is not). A cohort on another scale may have
    every patient on one side: that endpoint gets one row and no test. Every patient with the variable and
    the endpoint is used; TTP follows :func:`ttp_exclusions`, as for the optimised cut-off.
    """
    data = merge_variable(clinical, values, "value")
    return km_at_cut(
        data,
        cutoff,
        variable=variable,
        endpoints=endpoints,
        ttp_death=ttp_death,
        at_risk_times=at_risk_times,
        source=source,
        high_at_cut=True,
    )

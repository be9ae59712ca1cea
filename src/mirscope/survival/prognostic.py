"""Supplementary Figure S1: one variable split at its optimised cut-off, KM for OS/PFS/TTP.

The paper chose one cut-off of miR-542-5p (5.5 normalized counts) with ``surv_cutpoint``
and applied it to all three endpoints. It does not say which endpoint chose it; mirscope
uses the config key ``survival.cutpoint_endpoint`` (default ``pfs``: the primary endpoint
of CAR T studies, complete for all 53 patients where TTP is not, and first in the paper's
results sentence). Patients missing the variable or the chosen endpoint are left out of the
cut-off search; each KM panel uses the patients with that endpoint recorded.

Groups are labelled ``<name> <= cut`` and ``<name> > cut`` (low = x <= cut, as maxstat).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from mirscope.errors import InputError
from mirscope.io import write_tsv
from mirscope.survival.cutpoint import cutpoint_frame, cutpoint_table
from mirscope.survival.km import km_table

ENDPOINTS = {
    "os": ("os_days", "os_event", "Overall survival"),
    "pfs": ("pfs_days", "pfs_event", "Progression-free survival"),
    "ttp": ("ttp_days", "ttp_event", "Time to progression"),
}


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a TSV with a clear error when it is missing or empty."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=str(path))
    df = pd.read_csv(
        path, sep="\t", comment="#", na_values=["", "NA", "NaN", "nan"], keep_default_na=False
    )
    if df.empty:
        raise InputError("table has no rows", path=str(path))
    return df


def variable_by_sample(normalized: pd.DataFrame, variable: str, *, source: str) -> pd.Series:
    """One row of a count matrix (first column ``mirna``) as a Series indexed by sample_id."""
    key = normalized.columns[0]
    hit = normalized[normalized[key] == variable]
    if hit.empty:
        raise InputError(
            f"variable '{variable}' is not a row of the matrix",
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


def group_labels(x: np.ndarray, cut: float, name: str) -> np.ndarray:
    return np.where(x <= cut, f"{name} \u2264 {cut:.3g}", f"{name} > {cut:.3g}")


def suppfig_s1(
    clinical: pd.DataFrame,
    values: pd.Series,
    *,
    variable: str,
    cutpoint_endpoint: str = "pfs",
    minprop: float = 0.1,
    at_risk_times: list[float] = (0, 500, 1000, 1500),
    endpoints: tuple[str, ...] = ("os", "pfs", "ttp"),
    source: str = "clinical table",
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Cut-off table, KM table (all endpoints) and the per-endpoint fits for plotting."""
    data = merge_variable(clinical, values, "value")
    time_col, event_col, _ = ENDPOINTS[cutpoint_endpoint]
    usable = data.dropna(subset=["value", time_col, event_col]).reset_index(drop=True)
    cut = cutpoint_table(
        usable, time=time_col, event=event_col, variable="value", minprop=minprop, source=source
    )
    cut_df = cutpoint_frame(cut)
    cut_df.insert(0, "variable", variable)
    cut_df.insert(1, "endpoint", cutpoint_endpoint)
    low_label = f"{_short(variable)} \u2264 {cut.cutpoint:.3g}"
    high_label = f"{_short(variable)} > {cut.cutpoint:.3g}"
    tables, fits = [], {}
    for ep in endpoints:
        t_col, e_col, title = ENDPOINTS[ep]
        if t_col not in data.columns:
            continue
        d = data.dropna(subset=["value", t_col, e_col]).reset_index(drop=True)
        d["group"] = group_labels(d["value"].to_numpy(float), cut.cutpoint, _short(variable))
        table, fitted, test = km_table(
            d,
            time=t_col,
            event=e_col,
            group="group",
            at_risk_times=list(at_risk_times),
            endpoint=ep,
            source=source,
            order=[low_label, high_label],
        )
        tables.append(table)
        fits[ep] = (fitted, test, title)
    return cut_df, pd.concat(tables, ignore_index=True), fits


def _short(variable: str) -> str:
    return variable.removeprefix("hsa-")


def run_suppfig_s1(
    clinical_path: str | os.PathLike[str],
    normalized_path: str | os.PathLike[str],
    *,
    variable: str,
    cutpoint_endpoint: str,
    minprop: float,
    at_risk_times: list[float],
    cutpoint_out: str | os.PathLike[str],
    km_out: str | os.PathLike[str],
    figure_prefix: str | os.PathLike[str],
) -> pd.DataFrame:
    """Files in, files out: the cut-off TSV, the KM TSV and figures ``<prefix>_{os,pfs,ttp}``."""
    from mirscope.plots.survival import km_plot

    clinical = read_table(clinical_path)
    normalized = read_table(normalized_path)
    values = variable_by_sample(normalized, variable, source=str(normalized_path))
    cut_df, km_df, fits = suppfig_s1(
        clinical,
        values,
        variable=variable,
        cutpoint_endpoint=cutpoint_endpoint,
        minprop=minprop,
        at_risk_times=at_risk_times,
        source=str(clinical_path),
    )
    for ep, (fitted, test, title) in fits.items():
        km_plot(
            fitted,
            test,
            f"{figure_prefix}_{ep}.png",
            title=f"{title} by {_short(variable)}",
            at_risk_times=at_risk_times,
        )
    write_tsv(cut_df, cutpoint_out)
    write_tsv(km_df, km_out)
    return km_df

"""Survival stage: Supplementary Figure S1 from files (cut-off search, KM tables, figures).

The analysis itself is :func:`mirscope.survival.prognostic.suppfig_s1`.
"""

from __future__ import annotations

import logging
import os

import pandas as pd

from mirscope.inputs.clinical import log_patients_used, read_clinical
from mirscope.io import read_value_matrix, write_tsv
from mirscope.plots.survival import km_plot
from mirscope.survival.prognostic import short_name, suppfig_s1, variable_by_sample

log = logging.getLogger(__name__)


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
    table = read_clinical(clinical_path)
    endpoints = [f"{e}_{k}" for e in ("os", "pfs", "ttp") for k in ("days", "event")]
    normalized = read_value_matrix(normalized_path)
    log_patients_used(
        table,
        endpoints,
        what="Supplementary Figure S1",
        logger=log,
        samples=list(normalized.columns),
    )
    clinical = table.reset_index()
    normalized = normalized.reset_index()
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
            title=f"{title} by {short_name(variable)}",
            at_risk_times=at_risk_times,
        )
    write_tsv(cut_df, cutpoint_out)
    write_tsv(km_df, km_out)
    return km_df

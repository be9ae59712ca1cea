"""Survival stage: Supplementary Figure S1 from files (cut-off search, KM tables, figures).

The analysis itself is :func:`mirscope.survival.prognostic.suppfig_s1`. Figures: one file
per endpoint and the paper's composite (A = OS, B = PFS, C = TTP) at ``<prefix>.png``.
"""

from __future__ import annotations

import logging
import os
import string

import pandas as pd

from mirscope.inputs.clinical import log_patients_used, read_clinical
from mirscope.inputs.labels import ENDPOINTS
from mirscope.io import read_value_matrix, write_tsv
from mirscope.plots.survival import KMPanel, high_low_colors, km_panels, km_plot
from mirscope.survival.prognostic import (
    short_name,
    suppfig_s1,
    ttp_exclusions,
    variable_by_sample,
)

log = logging.getLogger(__name__)

#: The unit of the miRNA level the cut-off applies to.
SCALE = "normalised counts"

#: The paper item these figures reproduce, written on them so a figure saved on its own
#: still says what it is.
FIGURE = "Supplementary Figure S1"


def boundary_note(name: str, cut: float) -> str:
    """How patients at the cut-off are assigned, in words under the figure.

    ``surv_cutpoint`` returns an observed value and ``surv_categorize`` puts ``x <= cut``
    in "low" (:mod:`mirscope.survival.cutpoint`), so at least one patient sits exactly on
    the cut-off, in the low group. The paper's legend writes its split as "< 5.5 / ≥ 5.5",
    which would move that patient; ours is labelled the way it is computed.
    """
    return (
        f"Groups as survminer's surv_categorize assigns them: low = {name} \u2264 {cut:.3g}, "
        f"high = {name} > {cut:.3g} {SCALE}. The cut-off is an observed value; the "
        "patients at it are in the low group (the paper's legend writes the boundary "
        "as < cut-off / \u2265 cut-off)."
    )


def run_suppfig_s1(
    clinical_path: str | os.PathLike[str],
    normalized_path: str | os.PathLike[str],
    *,
    variable: str,
    cutpoint_endpoint: str,
    ttp_death: str = "exclude",
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
    _log_ttp_patients(clinical, ttp_death)
    normalized = normalized.reset_index()
    values = variable_by_sample(normalized, variable, source=str(normalized_path))
    cut_df, km_df, fits = suppfig_s1(
        clinical,
        values,
        variable=variable,
        cutpoint_endpoint=cutpoint_endpoint,
        ttp_death=ttp_death,
        minprop=minprop,
        at_risk_times=at_risk_times,
        source=str(clinical_path),
    )
    # The cut-off is on DESeq2-normalised counts (the paper's "normalized counts"); the
    # legend says so, since a bare 5.5 could be any scale. Legend entries are the side of
    # the cut-off under a title naming the miRNA and the unit; the at-risk rows keep the
    # miRNA's name, as the paper's do.
    name = short_name(variable)
    cut = float(cut_df["cutpoint"].iloc[0])
    low, high = (f"{name} {side} {cut:.3g}" for side in ("\u2264", ">"))
    labels = {low: f"low, \u2264 {cut:.3g}", high: f"high, > {cut:.3g}"}
    colors = high_low_colors(low, high)
    rows = {low: low, high: high}
    legend_title = f"{name} ({SCALE})"
    note = boundary_note(name, cut)
    panels = []
    for i, (ep, (fitted, test, _)) in enumerate(fits.items()):
        letter = string.ascii_uppercase[i]
        panel, ylabel = ENDPOINTS[ep]
        km_plot(
            fitted,
            test,
            f"{figure_prefix}_{ep}.png",
            title=f"{FIGURE}{letter}. {panel} by {name}",
            ylabel=ylabel,
            at_risk_times=at_risk_times,
            labels=labels,
            legend_title=legend_title,
            colors=colors,
            note=note,
            row_labels=rows,
        )
        panels.append(KMPanel(fitted, test, panel, ylabel))
    km_panels(
        panels,
        f"{figure_prefix}.png",
        suptitle=(
            f"{FIGURE}. Kaplan–Meier analysis by {name}: cut-off {cut:.3g} {SCALE} "
            f"(DESeq2 size factors), optimised for {cutpoint_endpoint.upper()} "
            "by maximally selected log-rank statistic"
        ),
        at_risk_times=at_risk_times,
        labels=labels,
        legend_title=legend_title,
        colors=colors,
        note=note,
        row_labels=rows,
    )
    write_tsv(cut_df, cutpoint_out)
    write_tsv(km_df, km_out)
    return km_df


def _log_ttp_patients(clinical: pd.DataFrame, ttp_death: str) -> None:
    """One line: how many patients the TTP panel has, and who is left out and why.

    The paper's TTP panel has 50 of 53 patients; this line is what shows a reader which of
    ours the TTP rule (:func:`mirscope.survival.prognostic.ttp_exclusions`) took out.
    """
    reasons = ttp_exclusions(clinical, ttp_death)
    left = reasons[reasons != ""]
    rule = (
        "deaths without progression are excluded, not censored"
        if ttp_death == "exclude"
        else "deaths without progression are censored at death"
    )
    if left.empty:
        log.info("TTP: all %d patients used (%s)", len(reasons), rule)
        return
    by_reason = "; ".join(
        f"{reason}: {len(ids)} ({', '.join(ids)})"
        for reason, ids in sorted(left.groupby(left).groups.items())
        for ids in [list(map(str, ids))]
    )
    log.info(
        "TTP: %d of %d patients used (%s); left out: %s",
        len(reasons) - len(left),
        len(reasons),
        rule,
        by_reason,
    )

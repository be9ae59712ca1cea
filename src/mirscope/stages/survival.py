"""Survival: optimised cut-offs, Kaplan-Meier, Cox and logistic models, Supplementary Figure S1.

Survival stage: cut-offs, Kaplan-Meier tables, Cox and logistic models, and
Supplementary Figure S1 (cut-off search, KM tables, figures).

Each step is declared once here (:mod:`mirscope.params`); the commands ``mirscope
cutpoint``, ``km``, ``survival``, ``cox`` and ``logistic-or`` and the survival rules derive
from the declarations. The field factories below (tables, time and event columns, at-risk
times, outputs) are shared with the companion stage modules, so an option that means the
same thing is declared once. The S1 analysis itself is
:func:`mirscope.survival.prognostic.suppfig_s1`. Figures: one file per endpoint and the
paper's composite (A = OS, B = PFS, C = TTP) at ``<prefix>.png``.
"""

from __future__ import annotations

import logging
import string
from dataclasses import dataclass

import pandas as pd

from mirscope.errors import UsageError
from mirscope.inputs.clinical import log_patients_used, read_clinical
from mirscope.inputs.labels import ENDPOINTS
from mirscope.io import read_table, read_value_matrix, write_tsv
from mirscope.params import REQUIRED, param
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

#: Days at which numbers at risk are shown, unless the config or --at-risk says otherwise.
AT_RISK_TIMES = (0.0, 500.0, 1000.0, 1500.0)


# --- fields shared by the survival and companion steps ---------------------------------


def table_field(help_text: str) -> str:
    return param(REQUIRED, flag="--table", role="input", help=help_text)


def clinical_field(help_text: str) -> str:
    return param(REQUIRED, role="input", help=help_text)


def time_field(help_text: str = "Column of follow-up times.") -> str:
    return param(REQUIRED, help=help_text)


def event_field(
    help_text: str = "Column of event indicators (1 = event, 0 = censored).",
) -> str:
    return param(REQUIRED, help=help_text)


def at_risk_field(
    help_text: str = "Comma-separated times at which numbers at risk are reported.",
) -> tuple[float, ...]:
    return param(
        AT_RISK_TIMES,
        flag="--at-risk",
        sep=",",
        config="survival.at_risk_times",
        help=help_text,
    )


def out_field(help_text: str) -> str:
    return param(REQUIRED, role="output", help=help_text)


def figure_field(help_text: str, *, required: bool = False) -> str | None:
    return param(REQUIRED if required else None, role="output", help=help_text)


def prefix_field(
    help_text: str = "Path prefix of the figures (PNG and PDF).",
) -> str:
    return param(REQUIRED, role="output", metavar="PREFIX", help=help_text)


def _known(df, columns: list[str], *, what: str):
    """Rows with every one of ``columns`` known; logs how many patients the analysis uses.

    Missing means missing (an empty cell, ``NA``, a row with only the sample_id): such a
    patient is left out of this analysis, not an error, and the log names them.
    """
    present = [c for c in columns if c in df.columns]
    known = df[present].notna().all(axis=1) if present else df.index.notna()
    ids = df["sample_id"] if "sample_id" in df else [f"line {i + 2}" for i in range(len(df))]
    log_patients_used(ids, what=what, logger=log, used=known, why=f"{'/'.join(present)} missing")
    return df.loc[known].reset_index(drop=True)


# --- cutpoint, km ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Cutpoint:
    table: str = table_field("Table with the time, event and variable columns (TSV).")
    time: str = time_field("Column of follow-up times (days).")
    event: str = event_field("Column of event indicators (1/0).")
    variable: str = param(REQUIRED, help="Numeric column to cut.")
    minprop: float = param(0.1, help="Smallest share of patients in either group.")
    out: str = out_field("Output: the cut-off and its statistic (TSV).")


def run_cutpoint(step: Cutpoint) -> None:
    """Optimised cut-off (maximally selected log-rank statistic, as surv_cutpoint).

    Writes one row: cutpoint, statistic, n_low, n_high (low group = variable <= cutpoint).
    """
    from mirscope.survival.cutpoint import cutpoint_frame, cutpoint_table

    table, time, event, variable = step.table, step.time, step.event, step.variable
    df = _known(read_table(table), [time, event, variable], what="cutpoint")
    res = cutpoint_table(
        df, time=time, event=event, variable=variable, minprop=step.minprop, source=table
    )
    write_tsv(cutpoint_frame(res), step.out)


@dataclass(frozen=True, kw_only=True)
class KM:
    clinical: str | None = param(
        None,
        role="input",
        help="The clinical table (read as the workflow reads it: NA, comments, case). "
        "Give this or --table.",
    )
    table: str | None = param(
        None,
        role="input",
        help="Any other table with the time, event and group columns (TSV). "
        "Give this or --clinical.",
    )
    time: str = time_field()
    event: str = event_field()
    group: str | None = param(
        None,
        help="Column with the group labels; without it, the whole cohort's median (no test).",
    )
    at_risk: tuple[float, ...] = at_risk_field(
        "Times for the numbers at risk (comma-separated days)."
    )
    out: str = out_field("Output: medians, numbers at risk and log-rank p per group (TSV).")
    figure: str | None = figure_field(
        "Also draw the KM plot (PNG path; a PDF is written beside it)."
    )

    def __post_init__(self) -> None:
        if (self.clinical is None) == (self.table is None):
            raise UsageError("give exactly one of --clinical and --table")


def run_km(step: KM) -> None:
    """Kaplan–Meier medians (95% CI), numbers at risk and log-rank p per group.

    The clinical table has one reader, so ``--clinical`` goes through it and a hand-made
    table gives the numbers of a clean one; ``--table`` is for other tables.
    """
    from mirscope.survival.km import km_overall, km_table

    time, event, group = step.time, step.event, step.group
    if step.clinical is not None:
        frame = read_clinical(step.clinical).reset_index()
        table = step.clinical
    else:
        frame = read_table(step.table)
        table = step.table
    times = list(step.at_risk)
    columns = [time, event] + ([group] if group else [])
    df = _known(frame, columns, what=f"km {time}")
    if group is None:
        res, _fitted = km_overall(df, time=time, event=event, at_risk_times=times, source=table)
        write_tsv(res, step.out)
        return
    res, fitted, test = km_table(
        df, time=time, event=event, group=group, at_risk_times=times, source=table
    )
    if step.figure:
        from mirscope.inputs.labels import endpoint_ylabel, label
        from mirscope.plots.survival import km_plot

        km_plot(
            fitted,
            test,
            step.figure,
            title=f"{label(time)} by {label(group)}",
            ylabel=endpoint_ylabel(time),
            at_risk_times=times,
        )
    write_tsv(res, step.out)


# --- Supplementary Figure S1 -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SuppFigS1:
    clinical: str = clinical_field(
        "Clinical table with the survival endpoints (TSV keyed by sample_id)."
    )
    normalized: str = param(
        REQUIRED, role="input", help="Normalized count matrix (first column mirna)."
    )
    variable: str = param(
        "hsa-miR-542-5p",
        config="survival.variable",
        help="miRNA (a row of --normalized) split at its optimised cut-off.",
    )
    cutpoint_endpoint: str = param(
        "pfs",
        flag="--endpoint",
        choices=("os", "pfs", "ttp"),
        config="survival.cutpoint_endpoint",
        help="Endpoint that chooses the cut.",
    )
    ttp_death: str = param(
        "exclude",
        choices=("exclude", "censor"),
        config="survival.ttp_death_without_progression",
        help="A death without progression in the TTP panel: left out (the paper's rule) "
        "or censored.",
    )
    minprop: float = param(
        0.1,
        config="survival.minprop",
        help="Smallest fraction of patients in either group (surv_cutpoint minprop).",
    )
    at_risk: tuple[float, ...] = at_risk_field()
    cutpoint_out: str = out_field("Output: the cut-off per endpoint (TSV).")
    km_out: str = out_field("Output: Kaplan-Meier summaries per endpoint and group (TSV).")
    figure_prefix: str = prefix_field("Figures are <prefix>_{os,pfs,ttp}.png and .pdf.")


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


def run_suppfig_s1(step: SuppFigS1) -> pd.DataFrame:
    """Supplementary Figure S1: KM of OS/PFS/TTP split at the variable's optimised cut-off.

    Writes the cut-off TSV, the KM TSV and the figures ``<prefix>_{os,pfs,ttp}`` and the
    composite ``<prefix>``.
    """
    from mirscope.plots.survival import KMPanel, high_low_colors, km_panels, km_plot

    clinical_path, normalized_path = step.clinical, step.normalized
    variable, cutpoint_endpoint, ttp_death = step.variable, step.cutpoint_endpoint, step.ttp_death
    at_risk_times, prefix = list(step.at_risk), step.figure_prefix
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
        minprop=step.minprop,
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
            f"{prefix}_{ep}.png",
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
        f"{prefix}.png",
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
    write_tsv(cut_df, step.cutpoint_out)
    write_tsv(km_df, step.km_out)
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


# --- Cox and logistic models -------------------------------------------------------------


def _covariates() -> tuple[str, ...]:
    return param(
        REQUIRED,
        sep=",",
        config="companion.cox_covariates",
        help="Comma-separated covariate columns.",
    )


def _interactions(help_text: str) -> tuple[str, ...]:
    return param((), flag="--interaction", help=help_text)


def _endpoint(column: str) -> str | None:
    return param(
        None,
        help=f"Id or name of the endpoint for the forest plot's title (default: the {column} "
        "column).",
    )


@dataclass(frozen=True, kw_only=True)
class Cox:
    table: str = table_field("Table with time, event and covariate columns (TSV).")
    time: str = time_field()
    event: str = event_field()
    covariates: tuple[str, ...] = _covariates()
    interactions: tuple[str, ...] = _interactions(
        "Interaction term a:b of two covariates (repeatable)."
    )
    out: str = out_field("Output: hazard ratios, 95% CI, p and PH test per term (TSV).")
    figure: str | None = figure_field(
        "Forest plot of the multivariable model (PNG; PDF beside it)."
    )
    endpoint: str | None = _endpoint("--time")


def run_cox(step: Cox) -> None:
    """Univariable and multivariable Cox models (HR, 95% CI, p, PH check)."""
    _regression(
        step,
        "cox",
        "Hazard ratio",
        "Cox",
        step.time,
        "Event",
        step.event,
        time=step.time,
        event=step.event,
    )


def _regression(step, kind, axis, name, column, coded, coded_column, **columns) -> None:
    """The regression table of a Cox or logistic step, and its forest plot if asked."""
    from mirscope.survival.cox import regression_table

    res = regression_table(
        read_table(step.table),
        list(step.covariates),
        kind=kind,
        interactions=step.interactions,
        source=step.table,
        **columns,
    )
    if step.figure:
        from mirscope.inputs.labels import outcome_coding

        subtitle = f"{coded}: {outcome_coding(coded_column)}"
        _forest(res, step.figure, axis, step.endpoint or column, name, subtitle)
    write_tsv(res, step.out)


@dataclass(frozen=True, kw_only=True)
class LogisticOR:
    table: str = table_field("Table with the outcome and covariate columns (TSV).")
    outcome: str = param(REQUIRED, help="Binary outcome column (1/0).")
    covariates: tuple[str, ...] = _covariates()
    interactions: tuple[str, ...] = _interactions(
        "Interaction term a:b added to the multivariable model (repeat)."
    )
    out: str = out_field("Output: odds ratios, 95% CI and p per term (TSV).")
    figure: str | None = figure_field(
        "Optional output: forest plot (PNG; a PDF is written beside it)."
    )
    endpoint: str | None = _endpoint("--outcome")


def run_logistic_or(step: LogisticOR) -> None:
    """Univariable and multivariable logistic models (OR, 95% CI, p) with a forest plot."""
    _regression(
        step,
        "logistic",
        "Odds ratio",
        "logistic",
        step.outcome,
        "Outcome",
        step.outcome,
        outcome=step.outcome,
    )


def _forest(res, figure, label, endpoint, kind, subtitle=None):
    from mirscope.inputs.labels import label as human
    from mirscope.plots.survival import forest_plot

    multi = res[res.model == "multivariable"]
    table = multi if len(multi) else res
    model = "multivariable" if len(multi) else "univariable"
    forest_plot(
        table.rename(columns={"ratio": label}),
        figure,
        estimate=label,
        title=f"{human(endpoint)}: {model} {kind} model",
        subtitle=subtitle,
    )


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "cutpoint": (Cutpoint, run_cutpoint),
    "km": (KM, run_km),
    "survival": (SuppFigS1, run_suppfig_s1),
    "cox": (Cox, run_cox),
    "logistic-or": (LogisticOR, run_logistic_or),
}

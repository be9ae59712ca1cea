"""Competing risks: cumulative incidence of secondary events, survival after them.

Competing risks: cumulative incidence with death as a competing risk (by group with
Gray's test, and for the whole cohort) and overall survival after the event (ClonHema).

Each step is declared once here (:mod:`mirscope.params`); the commands ``mirscope
cuminc``, ``cuminc-overall`` and ``km-after-event`` and their rules derive from the
declarations.

Output tables (TSV):

* cumulative incidence: :data:`mirscope.survival.competing.CUMINC_COLUMNS` per group,
  with Gray's test; overall: the same with group ``all`` (``note`` says why a landmark
  beyond the follow-up has no estimate).
* survival after the event: :data:`mirscope.survival.km.KM_COLUMNS` + ``at_risk_<t>``,
  group ``all``, for the patients with the event, days counted from it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from mirscope.errors import InputError
from mirscope.inputs.clinical import log_patients_used, read_clinical
from mirscope.io import read_table, write_tsv
from mirscope.params import param
from mirscope.stages.survival import (
    clinical_field,
    event_field,
    figure_field,
    out_field,
    table_field,
    time_field,
)
from mirscope.survival.competing import cuminc_table, survival_after_event
from mirscope.survival.km import km_overall

log = logging.getLogger(__name__)

#: 6 months, 1 and 4 years, in days.
CUMINC_TIMES = (182.625, 365.25, 1461.0)


def _at() -> tuple[float, ...]:
    return param(
        CUMINC_TIMES,
        sep=",",
        config="companion.cuminc_times",
        help="Times (days) to report; default 6 months, 1 and 4 years.",
    )


def _event_name(help_text: str) -> str:
    return param("secondary myeloid neoplasm", config="companion.event_name", help=help_text)


def _events_table() -> str:
    return table_field("Competing-risk table sample_id, time_days, event (0/1/2) (TSV).")


@dataclass(frozen=True, kw_only=True)
class Cuminc:
    table: str = table_field("Table with time, event and group columns (TSV).")
    time: str = time_field()
    event: str = event_field("Event codes: 0 censored, 1 event, 2 competing death.")
    group: str | None = param(None, help="Group column for Gray's test.")
    at: tuple[float, ...] = _at()
    out: str = out_field("Output: cumulative incidence with 95% CI and Gray's test (TSV).")
    figure: str | None = figure_field("Optional output: cumulative incidence plot (PNG).")
    event_name: str = _event_name("What event code 1 is, for the figure.")
    competing_name: str = param("death", help="What event code 2 is, for the figure.")


def run_cuminc(step: Cuminc) -> None:
    """Cumulative incidence with death as competing risk (95% CI) and Gray's test."""
    time, group = step.time, step.group
    data = read_table(step.table)
    res, corners = cuminc_table(
        data, time=time, event=step.event, group=group, at=list(step.at), source=step.table
    )
    if step.figure:
        from mirscope.plots.survival import cif_plot

        p = res.gray_p.iloc[0] if group else None
        by = data[group].astype(str) if group else pd.Series("all", index=data.index)
        durations = {
            g: pd.to_numeric(d, errors="coerce").dropna().to_numpy(float)
            for g, d in data[time].groupby(by, sort=True)
        }
        cif_plot(
            corners,
            step.figure,
            event=step.event_name,
            competing=step.competing_name,
            p_gray=p,
            durations=durations,
        )
    write_tsv(res, step.out)


@dataclass(frozen=True, kw_only=True)
class CumincOverall:
    table: str = _events_table()
    at: tuple[float, ...] = _at()
    event_name: str = _event_name("What event code 1 is, for the figure's labels.")
    out: str = out_field(
        "Output: whole-cohort cumulative incidence at the times, with notes (TSV)."
    )
    figure: str = figure_field(
        "Output: cumulative incidence curve (PNG; a PDF is written beside it).", required=True
    )


def run_cuminc_overall(step: CumincOverall) -> pd.DataFrame:
    """Whole-cohort cumulative incidence with death as competing risk (ClonHema Fig. 1a)."""
    from mirscope.plots.survival import cif_overall_plot

    event_name = step.event_name
    table = read_table(step.table)
    res, corners = cuminc_table(
        table, time="time_days", event="event", at=list(step.at), source=str(step.table)
    )
    cif_overall_plot(
        corners,
        res,
        step.figure,
        title=f"Cumulative incidence of {event_name} (death as competing risk)",
        event_name=event_name,
    )
    write_tsv(res, step.out)
    return res


def landmark_times(longest: float, steps=(30, 60, 90, 180, 365, 500, 730, 1000)) -> list[float]:
    """0 and multiples of the smallest step that covers ``longest`` in at most 6 ticks.

    Survival after the event spans weeks to a few years, so the study's fixed at-risk
    times (0, 500, 1000, 1500 days from infusion) would leave the curve in one corner.
    """
    step = next((s for s in steps if longest / s <= 5), steps[-1])
    return [float(step * k) for k in range(int(longest // step) + 1)]


@dataclass(frozen=True, kw_only=True)
class KMAfterEvent:
    table: str = _events_table()
    clinical: str = clinical_field("Clinical table with os_days and os_event (days from infusion).")
    event_name: str = _event_name("What event code 1 is, for the figure's labels.")
    out: str = out_field("Output: median overall survival after the event with 95% CI (TSV).")
    figure: str = figure_field(
        "Output: Kaplan-Meier curve (PNG; a PDF is written beside it).", required=True
    )


def run_km_after_event(step: KMAfterEvent) -> pd.DataFrame:
    """Overall survival from the event for the patients who had it (ClonHema Fig. 1b).

    Overall survival comes from the events table itself when it has ``os_days`` and
    ``os_event``: a registry cohort such as ClonHema's (the demo's, see
    :func:`mirscope.simulate.companion.simulate_secondary_events`) is not the patients of
    the clinical table. Otherwise the events are our patients' and their survival is the
    clinical table's.
    """
    from mirscope.plots.survival import DAYS_PER_MONTH, km_single_plot

    table_path, event_name = step.table, step.event_name
    events = read_table(table_path)
    if {"os_days", "os_event"} <= set(events.columns):
        clinical = events[["sample_id", "os_days", "os_event"]]
    else:
        clinical = read_clinical(step.clinical).reset_index()
    data = survival_after_event(events, clinical, source=str(table_path))
    log_patients_used(
        clinical["sample_id"],
        what=f"survival after {event_name}",
        logger=log,
        used=clinical["sample_id"].astype(str).isin(data["sample_id"].astype(str)),
        why="no event",
    )
    if data.empty:
        raise InputError(
            "no patient had the event (code 1): no survival after it to estimate",
            path=str(table_path),
            column="event",
        )
    ticks = landmark_times(float(data["time"].max()))
    res, fitted = km_overall(
        data,
        time="time",
        event="event",
        at_risk_times=ticks,
        endpoint="os_after_event",
        source=str(table_path),
    )
    # ClonHema's Figure 1b and its text give survival after the event in months.
    longest = float(data["time"].max()) / DAYS_PER_MONTH
    tick = next((s for s in (1, 3, 6, 12, 24) if longest / s <= 5), 24)
    km_single_plot(
        fitted,
        step.figure,
        title=f"Overall survival after {event_name}",
        xlabel=f"Months from {event_name}",
        at_risk_times=[float(tick * k) for k in range(int(longest // tick) + 1)],
        days_per_unit=DAYS_PER_MONTH,
        unit="months",
    )
    write_tsv(res, step.out)
    return res


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "cuminc": (Cuminc, run_cuminc),
    "cuminc-overall": (CumincOverall, run_cuminc_overall),
    "km-after-event": (KMAfterEvent, run_km_after_event),
}

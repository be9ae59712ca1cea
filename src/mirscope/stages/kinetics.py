"""CAR T kinetics: expansion parameters, their tests and Kaplan-Meier by expansion and markers.

CAR T kinetics (CART SIE): kinetic parameters, tests by response, PFS by expansion and
an inflammation marker, and the inflammation of expanders by response.

Each step is declared once here (:mod:`mirscope.params`); the commands ``mirscope
kinetics`` and ``kinetics-inflammation`` and their rules derive from the declarations.

Output tables (TSV):

* kinetics parameters: :data:`mirscope.companion.kinetics.KINETIC_COLUMNS` + ``expansion``
  (expander / poor expander by the median of ``parameter``) + ``response``.
* kinetics tests: ``parameter, group_a, group_b, n_a, n_b, median_a, median_b,
  u_statistic, p_mannwhitney`` – responders vs non-responders, and expanders vs poor
  expanders on the inflammation marker (``parameter`` = marker name).
* kinetics KM: :data:`mirscope.survival.km.KM_COLUMNS` + ``at_risk_<t>`` for PFS by
  expansion × marker (above/below median).
* kinetics by expansion: KM columns + ``at_risk_<t>`` for PFS by expander / poor
  expander; inflammation tests:
  :data:`mirscope.companion.kinetics.INFLAMMATION_TEST_COLUMNS`; combined KM: PFS by
  poor expanders and expanders split by every combined marker's median.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import pandas as pd

from mirscope.companion import kinetics
from mirscope.errors import InputError
from mirscope.inputs.clinical import log_patients_used, read_clinical
from mirscope.inputs.labels import endpoint_ylabel
from mirscope.inputs.labels import label as human_label
from mirscope.io import read_table, write_tsv
from mirscope.params import REQUIRED, param
from mirscope.stages.companion import binary_endpoint
from mirscope.stages.survival import at_risk_field, clinical_field, out_field, prefix_field
from mirscope.survival.km import km_table

log = logging.getLogger(__name__)


def _parameter(help_text: str, **choices) -> str:
    return param("auc0_30", config="companion.expansion_parameter", help=help_text, **choices)


@dataclass(frozen=True, kw_only=True)
class Kinetics:
    kinetics: str = param(REQUIRED, role="input", help="Long table sample_id, day, car_t_per_ul.")
    clinical: str = clinical_field("Clinical table (TSV keyed by sample_id).")
    covariates: str | None = param(
        None,
        role="input",
        help="Covariate table holding the inflammation marker (else the clinical table).",
    )
    marker: str = param(
        "ferritin",
        config="companion.marker",
        help="Inflammation marker column crossed with CAR T expansion.",
    )
    parameter: str = _parameter(
        "Kinetic parameter whose median splits expanders.",
        choices=("tmax", "cmax", "c10", "auc0_30"),
    )
    response: str = param(
        "response_3m", config="companion.response", help="Response column of the clinical table."
    )
    positive: tuple[str, ...] = param(
        ("CR", "PR"), sep=",", help="Response values counted as responders."
    )
    c10_window: float = param(
        4.0,
        config="companion.c10_window",
        help="Days either side of day 10 within which C10 may be interpolated.",
    )
    at_risk: tuple[float, ...] = at_risk_field()
    params_out: str = out_field("Output: kinetic parameters per patient (TSV).")
    tests_out: str = out_field("Output: Mann-Whitney tests of each parameter by response (TSV).")
    km_out: str = out_field("Output: Kaplan-Meier of PFS by expansion and marker (TSV).")
    merged_out: str | None = param(
        None,
        role="output",
        help="Per-patient table (clinical + kinetics + expander/marker flags) for models.",
    )
    figure_prefix: str = prefix_field()


def run_kinetics(step: Kinetics) -> None:
    """CAR T kinetics (Tmax, Cmax, C10, AUC0-30), Mann-Whitney tests, KM by strata.

    Writes the kinetic parameters, the Mann–Whitney tests, the KM of PFS by expansion ×
    marker and the figures. ``--merged-out`` (optional): one row per patient with the
    clinical columns, the kinetic parameters, ``expander`` (1/0), the marker,
    ``<marker>_high`` (1/0, above the median) and ``responder`` (1/0, NA for NE) – the
    input of the Cox/logistic models.
    """
    kinetics_path, clinical_path, covariates_path = step.kinetics, step.clinical, step.covariates
    marker, parameter, response_col = step.marker, step.parameter, step.response
    positive, c10_window = list(step.positive), step.c10_window
    at_risk_times, figure_prefix = list(step.at_risk), step.figure_prefix

    from mirscope.plots.companion import kinetics_plot
    from mirscope.plots.survival import km_plot

    kin = read_table(kinetics_path, key="sample_id")
    clinical = read_clinical(clinical_path).reset_index()
    clinical["sample_id"] = clinical["sample_id"].astype(str)
    params = kinetics.kinetic_parameters(kin, c10_window=c10_window, source=str(kinetics_path))
    params["expansion"] = kinetics.expander_groups(params, parameter)
    resp = binary_endpoint(clinical, response_col, list(positive), source=str(clinical_path))
    resp_map = dict(zip(clinical["sample_id"], resp, strict=True))
    log_patients_used(
        params["sample_id"],
        what="kinetics (kinetics table)",
        logger=log,
        used=params["sample_id"].astype(str).isin(clinical["sample_id"]),
        why="no clinical row",
    )
    log_patients_used(
        params["sample_id"],
        what=f"kinetics {response_col}",
        logger=log,
        used=params["sample_id"].astype(str).map(resp_map).notna(),
        why=f"{response_col} missing or NE, or no clinical row",
    )
    params["response"] = (
        params["sample_id"].map(resp_map).map({1.0: "responder", 0.0: "non-responder"})
    )
    tests = kinetics.compare_groups(params, params["response"])
    tests.attrs["auc_by_group"] = {
        g: params.loc[params.response == g, "auc0_30"].to_numpy()
        for g in params["response"].dropna().unique()
    }
    table = clinical.merge(params[["sample_id", "expansion"]], on="sample_id", how="inner")
    if covariates_path:
        cov = read_table(covariates_path, key="sample_id")
        cov["sample_id"] = cov["sample_id"].astype(str)
        if marker in table.columns:
            table = table.drop(columns=[marker])
        table = table.merge(
            cov[["sample_id", marker]] if marker in cov.columns else cov, on="sample_id", how="left"
        )
    if marker not in table.columns:
        raise InputError(
            "inflammation marker not found in the clinical or covariate table", column=marker
        )
    mvals = pd.to_numeric(table[marker], errors="coerce")
    table["stratum"] = kinetics.combined_strata(table["expansion"], mvals, marker)
    table[f"{marker}_high"] = (mvals > mvals.median()).astype(float).where(mvals.notna())
    table["expander"] = (
        (table["expansion"] == "expander").astype(float).where(table["expansion"].notna())
    )
    table["responder"] = table["sample_id"].map(resp_map)
    marker_test = kinetics.compare_groups(
        table.assign(**{marker: mvals}), table["expansion"], parameters=(marker,)
    )
    tests_all = pd.concat([tests, marker_test], ignore_index=True)
    log_patients_used(
        table["sample_id"],
        what="kinetics PFS by expansion and marker",
        logger=log,
        used=table[["stratum", "pfs_days", "pfs_event"]].notna().all(axis=1),
        why=f"{marker}, pfs_days or pfs_event missing",
    )
    km_in = table.dropna(subset=["stratum", "pfs_days", "pfs_event"]).reset_index(drop=True)
    km, fitted, test = km_table(
        km_in,
        time="pfs_days",
        event="pfs_event",
        group="stratum",
        at_risk_times=list(at_risk_times),
        endpoint="pfs",
        source=str(clinical_path),
    )
    kinetics_plot(
        kin.assign(sample_id=kin["sample_id"].astype(str)),
        params.set_index("sample_id")["response"],
        tests,
        f"{figure_prefix}_curves.png",
        title="CAR T expansion by 3-month response",
    )
    km_plot(
        fitted,
        test,
        f"{figure_prefix}_km_pfs.png",
        title=f"PFS by expansion ({human_label(parameter)}) and {human_label(marker)}",
        ylabel=endpoint_ylabel("pfs"),
        at_risk_times=at_risk_times,
        labels=_marker_words([g.label for g in fitted], [marker]),
    )
    if step.merged_out:
        kin_cols = ["sample_id", "tmax", "cmax", "c10", "auc0_30"]
        write_tsv(
            table.drop(columns=["stratum"]).merge(params[kin_cols], on="sample_id"),
            step.merged_out,
        )
    write_tsv(params, step.params_out)
    write_tsv(tests_all, step.tests_out)
    write_tsv(km, step.km_out)


def _marker_words(groups: list[str], markers: list[str]) -> dict[str, str]:
    """Group names of the strata (``expander / ferritin high``) with each marker's column id
    in words, for the figure only: the tables keep the ids."""
    out = {}
    for g in groups:
        text = g
        for m in markers:
            text = re.sub(rf"\b{re.escape(m)}\b", human_label(m), text)
        out[g] = text
    return out


@dataclass(frozen=True, kw_only=True)
class KineticsInflammation:
    patients: str = param(
        REQUIRED,
        role="input",
        help="Per-patient kinetics table written by `mirscope kinetics --merged-out` (TSV).",
    )
    markers: tuple[str, ...] = param(
        ("ferritin", "crp", "ldh"),
        sep=",",
        config="companion.inflammation_markers",
        help="Inflammation markers compared between exp-RE and exp-NR (comma list).",
    )
    combined: tuple[str, ...] = param(
        ("ferritin", "crp"),
        sep=",",
        config="companion.combined_markers",
        help="Markers whose medians split the expanders for the combined KM (comma list).",
    )
    parameter: str = _parameter("Kinetic parameter that defined the expanders (figure title only).")
    at_risk: tuple[float, ...] = at_risk_field()
    km_expansion_out: str = out_field(
        "Output: Kaplan-Meier of PFS by expander / poor expander (TSV)."
    )
    tests_out: str = out_field("Output: Mann-Whitney tests of the markers (TSV).")
    km_combined_out: str = out_field(
        "Output: Kaplan-Meier of PFS by expansion and the combined markers (TSV)."
    )
    figure_prefix: str = prefix_field()


def run_kinetics_inflammation(step: KineticsInflammation) -> None:
    """PFS by expansion, inflammation in expanders by response, combined KM (CART SIE).

    CART SIE Figures 3B, 4A–C and 4G. Reads the table `mirscope kinetics --merged-out`
    writes (clinical columns, ``expansion``, ``responder`` and the marker), so the expander
    split and the response coding are the ones the forest plots use.
    """
    patients_path, markers, combined = step.patients, step.markers, step.combined
    parameter, figure_prefix = step.parameter, step.figure_prefix
    at_risk_times = list(step.at_risk)

    from mirscope.plots.companion import inflammation_plot
    from mirscope.plots.survival import km_plot

    source = str(patients_path)
    table = read_table(patients_path, key="sample_id")
    missing = [m for m in (*markers, *combined) if m not in table.columns]
    if missing:
        raise InputError(
            "inflammation marker not in the per-patient kinetics table (clinical columns, "
            "or the covariate table's marker)",
            path=source,
            column=", ".join(missing),
            allowed=", ".join(table.columns),
        )
    surv = table.dropna(subset=["expansion", "pfs_days", "pfs_event"]).reset_index(drop=True)
    km_exp, fit_exp, test_exp = km_table(
        surv,
        time="pfs_days",
        event="pfs_event",
        group="expansion",
        at_risk_times=list(at_risk_times),
        endpoint="pfs",
        source=source,
        order=["expander", "poor expander"],
    )
    tests = kinetics.inflammation_tests(table, tuple(markers), source=source)
    strata = kinetics.combined_marker_strata(table["expansion"], table[list(combined)])
    comb = table.assign(stratum=strata).dropna(subset=["stratum", "pfs_days", "pfs_event"])
    names = list(combined)
    order = [
        "expander / " + ", ".join(f"{m} low" for m in names),
        "expander / mixed",
        "expander / " + ", ".join(f"{m} high" for m in names),
        "poor expander",
    ]
    km_comb, fit_comb, test_comb = km_table(
        comb.reset_index(drop=True),
        time="pfs_days",
        event="pfs_event",
        group="stratum",
        at_risk_times=list(at_risk_times),
        endpoint="pfs",
        source=source,
        order=[o for o in order if (comb["stratum"] == o).any()],
    )
    km_plot(
        fit_exp,
        test_exp,
        f"{figure_prefix}_km_expansion.png",
        title=f"PFS by CAR T expansion ({human_label(parameter)} median)",
        ylabel=endpoint_ylabel("pfs"),
        at_risk_times=at_risk_times,
    )
    inflammation_plot(
        table,
        tests,
        list(markers),
        f"{figure_prefix}_inflammation.png",
        title="Pre-infusion inflammation in expanders by response",
    )
    km_plot(
        fit_comb,
        test_comb,
        f"{figure_prefix}_km_combined.png",
        title=f"PFS by expansion and {' + '.join(human_label(n) for n in names)}",
        ylabel=endpoint_ylabel("pfs"),
        at_risk_times=at_risk_times,
        labels=_marker_words([g.label for g in fit_comb], names),
    )
    write_tsv(km_exp, step.km_expansion_out)
    write_tsv(tests, step.tests_out)
    write_tsv(km_comb, step.km_combined_out)


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "kinetics": (Kinetics, run_kinetics),
    "kinetics-inflammation": (KineticsInflammation, run_kinetics_inflammation),
}

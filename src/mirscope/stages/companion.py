"""Files in, files out: the companion analyses as the CLI and the workflow call them.

Output tables (TSV):

* kinetics parameters: :data:`mirscope.companion.kinetics.KINETIC_COLUMNS` + ``expansion``
  (expander / poor expander by the median of ``parameter``) + ``response``.
* kinetics tests: ``parameter, group_a, group_b, n_a, n_b, median_a, median_b,
  u_statistic, p_mannwhitney`` – responders vs non-responders, and expanders vs poor
  expanders on the inflammation marker (``parameter`` = marker name).
* kinetics KM: :data:`mirscope.survival.km.KM_COLUMNS` + ``at_risk_<t>`` for PFS by
  expansion × marker (above/below median).
* importance summary: ``endpoint, rank, covariate, mean, sd, q05, q95, n_seeds``;
  importance long: ``endpoint, covariate, seed, importance``; pruned:
  ``dropped, kept_instead, spearman_r``; probability: ``covariate, value, probability,
  lower_95, upper_95, p_wald``; importance KM: PFS by the top PFS covariate's median split.
* toxicity importance: summary and long tables as the response ones, ``endpoint`` = the
  contrast name (e.g. ``crs_ge2``).
* Spearman map: :data:`mirscope.companion.importance.SPEARMAN_COLUMNS` for every pair of
  covariates.
* evidence: :data:`mirscope.companion.evidence.EVIDENCE_COLUMNS`; levels:
  ``level, n_biomarkers, percent``; contributions: ``rank, biomarker, design, n_studies,
  coefficient, contribution``; classes: ``class, biomarker, score, level, n_studies,
  outcomes, direction``.
* kinetics by expansion: KM columns + ``at_risk_<t>`` for PFS by expander / poor
  expander; inflammation tests:
  :data:`mirscope.companion.kinetics.INFLAMMATION_TEST_COLUMNS`; combined KM: PFS by
  poor expanders and expanders split by every combined marker's median.
* overall cumulative incidence: :data:`mirscope.survival.competing.CUMINC_COLUMNS` with
  group ``all`` (``note`` says why a landmark beyond the follow-up has no estimate).
* survival after the event: :data:`mirscope.survival.km.KM_COLUMNS` + ``at_risk_<t>``,
  group ``all``, for the patients with the event, days counted from it.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from mirscope.companion import evidence, importance, kinetics
from mirscope.errors import InputError
from mirscope.inputs.clinical import log_patients_used, read_clinical
from mirscope.inputs.labels import endpoint_ylabel, term_label
from mirscope.inputs.labels import label as human_label
from mirscope.inputs.outcomes import CASE, Contrast, classify
from mirscope.io import read_table, write_tsv
from mirscope.survival.competing import cuminc_table, survival_after_event
from mirscope.survival.km import km_overall, km_table

log = logging.getLogger(__name__)


def binary_endpoint(
    clinical: pd.DataFrame, column: str, positive: list[str], *, source: str
) -> pd.Series:
    """1 for values in ``positive``, 0 for other values, NA for missing or ``NE``.

    A numeric 0/1 column is used as it is.
    """
    if column not in clinical.columns:
        raise InputError(
            "column not found", path=source, column=column, allowed=", ".join(clinical.columns)
        )
    raw = clinical[column]
    num = pd.to_numeric(raw, errors="coerce")
    if num.notna().sum() == raw.notna().sum() and set(num.dropna().unique()) <= {0, 1}:
        return num
    text = raw.astype("string")
    out = pd.Series(np.where(text.isin(positive), 1.0, 0.0), index=raw.index)
    return out.where(raw.notna() & (text != "NE"))


def run_kinetics(
    kinetics_path,
    clinical_path,
    *,
    covariates_path=None,
    marker="ferritin",
    parameter="auc0_30",
    response_col="response_3m",
    positive=("CR", "PR"),
    c10_window=4.0,
    at_risk_times=(0, 500, 1000, 1500),
    params_out,
    tests_out,
    km_out,
    figure_prefix,
    merged_out=None,
) -> None:
    """Kinetic parameters, Mann–Whitney tests, KM of PFS by expansion × marker, figures.

    ``merged_out`` (optional): one row per patient with the clinical columns, the kinetic
    parameters, ``expander`` (1/0), the marker, ``<marker>_high`` (1/0, above the median)
    and ``responder`` (1/0, NA for NE) – the input of the Cox/logistic models.
    """
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
    if merged_out:
        kin_cols = ["sample_id", "tmax", "cmax", "c10", "auc0_30"]
        write_tsv(
            table.drop(columns=["stratum"]).merge(params[kin_cols], on="sample_id"), merged_out
        )
    write_tsv(params, params_out)
    write_tsv(tests_all, tests_out)
    write_tsv(km, km_out)


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


def _importance_data(covariates_path, clinical_path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Covariates joined to the clinical table, and the covariates coded as numbers.

    Every importance analysis starts here, so the response, PFS and toxicity forests see
    the same patients and the same coding.
    """
    cov = read_table(covariates_path, key="sample_id")
    clinical = read_clinical(clinical_path).reset_index()
    cov["sample_id"] = cov["sample_id"].astype(str)
    clinical["sample_id"] = clinical["sample_id"].astype(str)
    data = cov.merge(clinical, on="sample_id", how="inner", suffixes=("", "_clinical"))
    log_patients_used(
        cov["sample_id"],
        what="importance (covariate table)",
        logger=log,
        used=cov["sample_id"].isin(clinical["sample_id"]),
        why="no clinical row",
    )
    log_patients_used(
        clinical["sample_id"],
        what="importance (clinical table)",
        logger=log,
        used=clinical["sample_id"].isin(cov["sample_id"]),
        why="no covariate row",
    )
    if data.empty:
        raise InputError(
            "no sample_id in common between the covariate and clinical tables",
            path=str(covariates_path),
        )
    names = [c for c in cov.columns if c != "sample_id"]
    return data, importance.numeric_covariates(data, names, source=str(covariates_path))


def run_importance(
    covariates_path,
    clinical_path,
    *,
    binary_col="response_3m",
    positive=("CR", "PR"),
    threshold=0.9,
    prefer=(),
    seed=7,
    n_seeds=10,
    n_trees=200,
    n_folds=3,
    n_repeats=3,
    at_risk_times=(0, 500, 1000, 1500),
    summary_out,
    long_out,
    pruned_out,
    probability_out,
    km_out,
    figure_prefix,
) -> None:
    """Pruning, RF (binary) and RSF (PFS) importance, probability curve and KM, figures."""
    from mirscope.plots.companion import importance_plot, probability_plot
    from mirscope.plots.survival import high_low_colors, km_plot

    data, x = _importance_data(covariates_path, clinical_path)
    kept, pruned = importance.prune_collinear(x, threshold, tuple(prefer))
    x = x[kept]
    y = binary_endpoint(data, binary_col, list(positive), source=str(clinical_path))
    ok = y.notna().to_numpy()
    log_patients_used(
        data["sample_id"],
        what=f"importance {binary_col}",
        logger=log,
        used=ok,
        why=f"{binary_col} missing or NE",
    )
    log_patients_used(
        data["sample_id"],
        what="importance pfs",
        logger=log,
        used=data[["pfs_days", "pfs_event"]].notna().all(axis=1),
        why="pfs_days/pfs_event missing",
    )
    long_bin = importance.rf_importance(
        x[ok],
        outcome=y[ok].to_numpy(int),
        seed=seed,
        n_seeds=n_seeds,
        n_trees=n_trees,
        n_folds=n_folds,
        n_repeats=n_repeats,
    ).assign(endpoint=binary_col)
    surv = data.dropna(subset=["pfs_days", "pfs_event"]).index
    long_pfs = importance.rf_importance(
        x.loc[surv],
        time=data.loc[surv, "pfs_days"].to_numpy(),
        event=data.loc[surv, "pfs_event"].to_numpy(int),
        seed=seed,
        n_seeds=n_seeds,
        n_trees=n_trees,
        n_folds=n_folds,
        n_repeats=n_repeats,
    ).assign(endpoint="pfs")
    sum_bin = importance.summarise_importance(long_bin, binary_col)
    sum_pfs = importance.summarise_importance(long_pfs, "pfs")
    top_bin = sum_bin["covariate"].iloc[0]
    curve = importance.predicted_probability(
        x[top_bin].to_numpy(float), y.to_numpy(float), covariate=top_bin
    )
    top_pfs = sum_pfs["covariate"].iloc[0]
    low, high = (f"{top_pfs} {side} median" for side in ("\u2264", ">"))
    split = np.where(x[top_pfs] > x[top_pfs].median(), high, low)
    km_in = data.assign(split=split).loc[surv].reset_index(drop=True)
    km, fitted, test = km_table(
        km_in,
        time="pfs_days",
        event="pfs_event",
        group="split",
        at_risk_times=list(at_risk_times),
        endpoint="pfs",
        source=str(clinical_path),
        order=[g for g in (low, high) if (km_in["split"] == g).any()],
    )
    importance_plot(
        sum_bin,
        long_bin,
        f"{figure_prefix}_{binary_col}.png",
        title=f"Random forest importance: {human_label(binary_col)}",
    )
    importance_plot(
        sum_pfs,
        long_pfs,
        f"{figure_prefix}_pfs.png",
        title="Random survival forest importance: PFS",
    )
    probability_plot(
        curve,
        x[top_bin].to_numpy(float),
        y.to_numpy(float),
        f"{figure_prefix}_probability.png",
        title=f"{human_label(binary_col)} by {term_label(top_bin)}",
        ylabel=(
            f"Predicted probability of {human_label(binary_col).lower()} ({'/'.join(positive)})"
        ),
    )
    km_plot(
        fitted,
        test,
        f"{figure_prefix}_km_pfs.png",
        title=f"PFS by {human_label(top_pfs)} (median split)",
        ylabel=endpoint_ylabel("pfs"),
        at_risk_times=at_risk_times,
        colors=high_low_colors(low, high),
        labels={g: g.replace(top_pfs, human_label(top_pfs), 1) for g in (low, high)},
    )
    cols = ["endpoint", "covariate", "seed", "importance"]
    write_tsv(pd.concat([sum_bin, sum_pfs], ignore_index=True), summary_out)
    write_tsv(pd.concat([long_bin, long_pfs], ignore_index=True)[cols], long_out)
    write_tsv(pruned, pruned_out)
    write_tsv(curve, probability_out)
    write_tsv(km, km_out)


def run_evidence(studies_path, *, out, figure) -> pd.DataFrame:
    """Evidence score table and ranked bar chart."""
    from mirscope.plots.companion import evidence_plot

    scores = evidence.evidence_scores(read_table(studies_path), source=str(studies_path))
    evidence_plot(scores, figure, title="Biomarker evidence levels")
    write_tsv(scores, out)
    return scores


def run_cuminc_overall(
    table_path, *, at=(182.625, 365.25, 1461.0), event_name="the event", out, figure
) -> pd.DataFrame:
    """The whole cohort's cumulative incidence at the landmarks, and its curve."""
    from mirscope.plots.survival import cif_overall_plot

    table = read_table(table_path)
    res, corners = cuminc_table(
        table, time="time_days", event="event", at=list(at), source=str(table_path)
    )
    cif_overall_plot(
        corners,
        res,
        figure,
        title=f"Cumulative incidence of {event_name} (death as competing risk)",
        event_name=event_name,
    )
    write_tsv(res, out)
    return res


def landmark_times(longest: float, steps=(30, 60, 90, 180, 365, 500, 730, 1000)) -> list[float]:
    """0 and multiples of the smallest step that covers ``longest`` in at most 6 ticks.

    Survival after the event spans weeks to a few years, so the study's fixed at-risk
    times (0, 500, 1000, 1500 days from infusion) would leave the curve in one corner.
    """
    step = next((s for s in steps if longest / s <= 5), steps[-1])
    return [float(step * k) for k in range(int(longest // step) + 1)]


def run_survival_after_event(
    table_path, clinical_path, *, event_name="the event", out, figure
) -> pd.DataFrame:
    """Overall survival from the event for the patients who had it (ClonHema Fig. 1b).

    Overall survival comes from the events table itself when it has ``os_days`` and
    ``os_event``: a registry cohort such as ClonHema's (the demo's, see
    :func:`mirscope.simulate.companion.simulate_secondary_events`) is not the patients of
    the clinical table. Otherwise the events are our patients' and their survival is the
    clinical table's.
    """
    from mirscope.plots.survival import DAYS_PER_MONTH, km_single_plot

    events = read_table(table_path)
    if {"os_days", "os_event"} <= set(events.columns):
        clinical = events[["sample_id", "os_days", "os_event"]]
    else:
        clinical = read_clinical(clinical_path).reset_index()
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
    step = next((s for s in (1, 3, 6, 12, 24) if longest / s <= 5), 24)
    km_single_plot(
        fitted,
        figure,
        title=f"Overall survival after {event_name}",
        xlabel=f"Months from {event_name}",
        at_risk_times=[float(step * k) for k in range(int(longest // step) + 1)],
        days_per_unit=DAYS_PER_MONTH,
        unit="months",
    )
    write_tsv(res, out)
    return res


def run_kinetics_inflammation(
    patients_path,
    *,
    markers=("ferritin", "crp", "ldh"),
    combined=("ferritin", "crp"),
    parameter="auc0_30",
    at_risk_times=(0, 500, 1000, 1500),
    km_expansion_out,
    tests_out,
    km_combined_out,
    figure_prefix,
) -> None:
    """CART SIE Figures 3B, 4A–C and 4G from the per-patient kinetics table.

    Reads the table :func:`run_kinetics` writes (clinical columns, ``expansion``,
    ``responder`` and the marker), so the expander split and the response coding are the
    ones the forest plots use.
    """
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
    write_tsv(km_exp, km_expansion_out)
    write_tsv(tests, tests_out)
    write_tsv(km_comb, km_combined_out)


def run_evidence_figures(
    studies_path, *, levels_out, contributions_out, classes_out, panels_figure, classes_figure
) -> None:
    """The review's Figure 3B–D and its biomarker classes (Figure 2), tables and figures."""
    import warnings

    from mirscope.errors import MirscopeWarning
    from mirscope.plots.companion import evidence_class_plot, evidence_panels_plot

    source = str(studies_path)
    studies = read_table(studies_path)
    scores = evidence.evidence_scores(studies, source=source)
    levels = evidence.level_distribution(scores)
    contributions = evidence.design_contributions(studies, scores, source=source)
    if "outcome" not in studies.columns:
        warnings.warn(
            f"{source}: no 'outcome' column (efficacy/toxicity per study), so no biomarker "
            "has a class",
            MirscopeWarning,
            stacklevel=2,
        )
        studies = studies.assign(outcome=pd.NA)
    classes = evidence.biomarker_classes(studies, scores, source=source)
    evidence_panels_plot(scores, levels, contributions, panels_figure, title="Evidence scores")
    evidence_class_plot(classes, classes_figure, title="Biomarker classes")
    write_tsv(levels, levels_out)
    write_tsv(contributions, contributions_out)
    write_tsv(classes, classes_out)


def run_importance_toxicity(
    covariates_path,
    clinical_path,
    *,
    endpoints: list[Contrast],
    threshold=0.9,
    prefer=(),
    seed=7,
    n_seeds=10,
    n_trees=200,
    n_folds=3,
    n_repeats=3,
    summary_out,
    long_out,
    figure_prefix,
) -> None:
    """Random-forest importance for each toxicity endpoint (ZUMA-5 Figure 8).

    ``endpoints``: the DE contrasts that define each endpoint (a graded rule: ``ge2``
    grade >= 2, ``gt0`` any grade), so "CRS" here
    is the CRS of the rest of the pipeline. Pruning, seeds, trees and folds are the
    response forest's; one figure per endpoint, ``<prefix>_<name>.png``.
    """
    from mirscope.plots.companion import importance_plot

    data, x = _importance_data(covariates_path, clinical_path)
    kept, _pruned = importance.prune_collinear(x, threshold, tuple(prefer))
    x = x[kept]
    longs, sums = [], []
    for contrast in endpoints:
        name, variable = contrast.name, contrast.variable
        if not contrast.graded:
            raise InputError(
                f"toxicity endpoint '{name}': not a grade rule",
                column=variable,
                value=contrast.rule,
                allowed="ge2 (grade >= 2), gt0 (any grade)",
            )
        groups = classify(data.set_index("sample_id"), contrast, source=str(clinical_path))
        y = groups.map(lambda g: np.nan if g is None else float(g == CASE)).to_numpy(float)
        ok = np.isfinite(y)
        log_patients_used(
            data["sample_id"],
            what=f"importance {name}",
            logger=log,
            used=ok,
            why=f"{variable} missing",
        )
        long = importance.rf_importance(
            x[ok],
            outcome=y[ok].astype(int),
            seed=seed,
            n_seeds=n_seeds,
            n_trees=n_trees,
            n_folds=n_folds,
            n_repeats=n_repeats,
        ).assign(endpoint=name)
        summary = importance.summarise_importance(long, name)
        importance_plot(
            summary,
            long,
            f"{figure_prefix}_{name}.png",
            title=(
                f"Random forest importance: {human_label(name)} "
                f"({int(y[ok].sum())} of {int(ok.sum())} patients)"
            ),
        )
        longs.append(long)
        sums.append(summary)
    cols = ["endpoint", "covariate", "seed", "importance"]
    write_tsv(pd.concat(sums, ignore_index=True), summary_out)
    write_tsv(pd.concat(longs, ignore_index=True)[cols], long_out)


def run_importance_spearman(
    covariates_path, summary_path, *, reference=None, top=10, threshold=0.9, table_out, figure
) -> pd.DataFrame:
    """Spearman correlations of the covariates (ZUMA-5 Figures 2B and 3D).

    The table has every pair of covariates (before pruning, so the pruned partners show
    how close they were); the map shows the ``top`` covariates of each endpoint in the
    importance summary, and the bars every covariate against ``reference`` (e.g. TMTV).
    """
    from mirscope.plots.companion import spearman_map_plot

    cov = read_table(covariates_path, key="sample_id")
    names = [c for c in cov.columns if c != "sample_id"]
    x = importance.numeric_covariates(cov, names, source=str(covariates_path))
    if reference is not None and reference not in x.columns:
        raise InputError(
            "Spearman reference covariate not in the covariate table",
            path=str(covariates_path),
            value=reference,
            allowed=", ".join(names),
        )
    pairs = importance.spearman_pairs(x)
    summary = read_table(summary_path)
    shown = [c for c in importance.top_covariates(summary, top) if c in x.columns]
    spearman_map_plot(
        pairs,
        shown,
        reference,
        figure,
        title=f"Spearman correlation of the top {top} covariates per endpoint",
        threshold=threshold,
    )
    write_tsv(pairs, table_out)
    return pairs

"""Commands of the survival and companion-study stage: parse options, call the package.

``cutpoint``, ``cox``, ``cuminc`` work on any TSV with time/event columns, ``km`` on the
clinical table (``--clinical``) or any such TSV (``--table``);
``kinetics``, ``importance`` and ``evidence`` run the companion-study analyses; ``survival``
produces Supplementary Figure S1 from the clinical table and the normalized counts.
"""

from __future__ import annotations

import logging

import click

from mirscope.inputs.clinical import log_patients_used, read_clinical
from mirscope.inputs.outcomes import Contrast
from mirscope.io import write_tsv

log = logging.getLogger(__name__)

_TIMES = "0,500,1000,1500"


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


def _floats(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise click.BadParameter(f"expected comma-separated numbers, got {text!r}") from exc


@click.command("cutpoint")
@click.option(
    "--table",
    "table",
    required=True,
    type=click.Path(dir_okay=False),
    help="Table with the time, event and variable columns (TSV).",
)
@click.option("--time", "time", required=True, help="Column of follow-up times (days).")
@click.option("--event", "event", required=True, help="Column of event indicators (1/0).")
@click.option("--variable", required=True, help="Numeric column to cut.")
@click.option(
    "--minprop",
    default=0.1,
    show_default=True,
    type=float,
    help="Smallest share of patients in either group.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: the cut-off and its statistic (TSV).",
)
def cutpoint_cmd(table, time, event, variable, minprop, out):
    """Optimised cut-off (maximally selected log-rank statistic, as surv_cutpoint).

    Writes one row: cutpoint, statistic, n_low, n_high (low group = variable <= cutpoint).
    """
    from mirscope.io import read_table
    from mirscope.survival.cutpoint import cutpoint_frame, cutpoint_table

    df = _known(read_table(table), [time, event, variable], what="cutpoint")
    res = cutpoint_table(
        df, time=time, event=event, variable=variable, minprop=minprop, source=table
    )
    write_tsv(cutpoint_frame(res), out)


@click.command("km")
@click.option(
    "--clinical",
    "clinical",
    default=None,
    type=click.Path(dir_okay=False),
    help="The clinical table (read as the workflow reads it: NA, comments, case). "
    "Give this or --table.",
)
@click.option(
    "--table",
    "table",
    default=None,
    type=click.Path(dir_okay=False),
    help="Any other table with the time, event and group columns (TSV). Give this or --clinical.",
)
@click.option("--time", "time", required=True, help="Column of follow-up times.")
@click.option(
    "--event", "event", required=True, help="Column of event indicators (1 = event, 0 = censored)."
)
@click.option(
    "--group",
    "group",
    default=None,
    help="Column with the group labels; without it, the whole cohort's median (no test).",
)
@click.option(
    "--at-risk",
    "at_risk",
    default=_TIMES,
    show_default=True,
    help="Times for the numbers at risk (comma-separated days).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: medians, numbers at risk and log-rank p per group (TSV).",
)
@click.option(
    "--figure",
    default=None,
    type=click.Path(dir_okay=False),
    help="Also draw the KM plot (PNG path; a PDF is written beside it).",
)
def km_cmd(clinical, table, time, event, group, at_risk, out, figure):
    """Kaplan–Meier medians (95% CI), numbers at risk and log-rank p per group.

    The clinical table has one reader, so ``--clinical`` goes through it and a hand-made
    table gives the numbers of a clean one; ``--table`` is for other tables.
    """
    from mirscope.io import read_table
    from mirscope.survival.km import km_overall, km_table

    if (clinical is None) == (table is None):
        raise click.UsageError("give exactly one of --clinical and --table")
    if clinical is not None:
        frame = read_clinical(clinical).reset_index()
        table = clinical
    else:
        frame = read_table(table)
    times = _floats(at_risk)
    columns = [time, event] + ([group] if group else [])
    df = _known(frame, columns, what=f"km {time}")
    if group is None:
        res, _fitted = km_overall(df, time=time, event=event, at_risk_times=times, source=table)
        write_tsv(res, out)
        return
    res, fitted, test = km_table(
        df, time=time, event=event, group=group, at_risk_times=times, source=table
    )
    if figure:
        from mirscope.inputs.labels import endpoint_ylabel, label
        from mirscope.plots.survival import km_plot

        km_plot(
            fitted,
            test,
            figure,
            title=f"{label(time)} by {label(group)}",
            ylabel=endpoint_ylabel(time),
            at_risk_times=times,
        )
    write_tsv(res, out)


@click.command("survival")
@click.option(
    "--clinical",
    required=True,
    type=click.Path(dir_okay=False),
    help="Clinical table with the survival endpoints (TSV keyed by sample_id).",
)
@click.option(
    "--normalized",
    required=True,
    type=click.Path(dir_okay=False),
    help="Normalized count matrix (first column mirna).",
)
@click.option(
    "--variable",
    default="hsa-miR-542-5p",
    show_default=True,
    help="miRNA (a row of --normalized) split at its optimised cut-off.",
)
@click.option(
    "--endpoint",
    "cutpoint_endpoint",
    default="pfs",
    show_default=True,
    type=click.Choice(["os", "pfs", "ttp"]),
    help="Endpoint that chooses the cut.",
)
@click.option(
    "--ttp-death",
    "ttp_death",
    default="exclude",
    show_default=True,
    type=click.Choice(["exclude", "censor"]),
    help="A death without progression in the TTP panel: left out (the paper's rule) or censored.",
)
@click.option(
    "--minprop",
    default=0.1,
    show_default=True,
    type=float,
    help="Smallest fraction of patients in either group (surv_cutpoint minprop).",
)
@click.option(
    "--at-risk",
    "at_risk",
    default=_TIMES,
    show_default=True,
    help="Comma-separated times at which numbers at risk are reported.",
)
@click.option(
    "--cutpoint-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: the cut-off per endpoint (TSV).",
)
@click.option(
    "--km-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Kaplan-Meier summaries per endpoint and group (TSV).",
)
@click.option(
    "--figure-prefix", required=True, help="Figures are <prefix>_{os,pfs,ttp}.png and .pdf."
)
def survival_cmd(
    clinical,
    normalized,
    variable,
    cutpoint_endpoint,
    ttp_death,
    minprop,
    at_risk,
    cutpoint_out,
    km_out,
    figure_prefix,
):
    """Supplementary Figure S1: KM of OS/PFS/TTP split at the variable's optimised cut-off."""
    from mirscope.stages.survival import run_suppfig_s1

    run_suppfig_s1(
        clinical,
        normalized,
        variable=variable,
        cutpoint_endpoint=cutpoint_endpoint,
        ttp_death=ttp_death,
        minprop=minprop,
        at_risk_times=_floats(at_risk),
        cutpoint_out=cutpoint_out,
        km_out=km_out,
        figure_prefix=figure_prefix,
    )


def _names(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


@click.command("cox")
@click.option(
    "--table",
    "table",
    required=True,
    type=click.Path(dir_okay=False),
    help="Table with time, event and covariate columns (TSV).",
)
@click.option("--time", "time", required=True, help="Column of follow-up times.")
@click.option(
    "--event", "event", required=True, help="Column of event indicators (1 = event, 0 = censored)."
)
@click.option("--covariates", required=True, help="Comma-separated covariate columns.")
@click.option(
    "--interaction",
    "interactions",
    multiple=True,
    help="Interaction term a:b of two covariates (repeatable).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: hazard ratios, 95% CI, p and PH test per term (TSV).",
)
@click.option(
    "--figure",
    default=None,
    type=click.Path(dir_okay=False),
    help="Forest plot of the multivariable model (PNG; PDF beside it).",
)
@click.option(
    "--endpoint",
    "endpoint",
    default=None,
    help="Id or name of the endpoint for the forest plot's title (default: the --time column).",
)
def cox_cmd(table, time, event, covariates, interactions, out, figure, endpoint):
    """Univariable and multivariable Cox models (HR, 95% CI, p, PH check)."""
    from mirscope.io import read_table
    from mirscope.survival.cox import regression_table

    res = regression_table(
        read_table(table),
        _names(covariates),
        kind="cox",
        time=time,
        event=event,
        interactions=interactions,
        source=table,
    )
    if figure:
        from mirscope.inputs.labels import outcome_coding

        _forest(
            res, figure, "Hazard ratio", endpoint or time, "Cox", f"Event: {outcome_coding(event)}"
        )
    write_tsv(res, out)


@click.command("logistic-or")
@click.option(
    "--table",
    "table",
    required=True,
    type=click.Path(dir_okay=False),
    help="Table with the outcome and covariate columns (TSV).",
)
@click.option("--outcome", required=True, help="Binary outcome column (1/0).")
@click.option("--covariates", required=True, help="Comma-separated covariate columns.")
@click.option(
    "--interaction",
    "interactions",
    multiple=True,
    help="Interaction term a:b added to the multivariable model (repeat).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: odds ratios, 95% CI and p per term (TSV).",
)
@click.option(
    "--figure",
    default=None,
    type=click.Path(dir_okay=False),
    help="Optional output: forest plot (PNG; a PDF is written beside it).",
)
@click.option(
    "--endpoint",
    "endpoint",
    default=None,
    help="Id or name of the endpoint for the forest plot's title (default: the --outcome column).",
)
def logistic_cmd(table, outcome, covariates, interactions, out, figure, endpoint):
    """Univariable and multivariable logistic models (OR, 95% CI, p) with a forest plot."""
    from mirscope.io import read_table
    from mirscope.survival.cox import regression_table

    res = regression_table(
        read_table(table),
        _names(covariates),
        kind="logistic",
        outcome=outcome,
        interactions=interactions,
        source=table,
    )
    if figure:
        from mirscope.inputs.labels import outcome_coding

        _forest(
            res,
            figure,
            "Odds ratio",
            endpoint or outcome,
            "logistic",
            f"Outcome: {outcome_coding(outcome)}",
        )
    write_tsv(res, out)


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


@click.command("cuminc")
@click.option(
    "--table",
    "table",
    required=True,
    type=click.Path(dir_okay=False),
    help="Table with time, event and group columns (TSV).",
)
@click.option("--time", "time", required=True, help="Column of follow-up times.")
@click.option(
    "--event", "event", required=True, help="Event codes: 0 censored, 1 event, 2 competing death."
)
@click.option("--group", "group", default=None, help="Group column for Gray's test.")
@click.option(
    "--at",
    "at",
    default="182.625,365.25,1461",
    show_default=True,
    help="Times (days) to report; default 6 months, 1 and 4 years.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: cumulative incidence with 95% CI and Gray's test (TSV).",
)
@click.option(
    "--figure",
    default=None,
    type=click.Path(dir_okay=False),
    help="Optional output: cumulative incidence plot (PNG).",
)
@click.option(
    "--event-name",
    default="event",
    show_default=True,
    help="What event code 1 is (e.g. 'secondary myeloid neoplasm'), for the figure.",
)
@click.option(
    "--competing-name",
    default="death",
    show_default=True,
    help="What event code 2 is, for the figure.",
)
def cuminc_cmd(table, time, event, group, at, out, figure, event_name, competing_name):
    """Cumulative incidence with death as competing risk (95% CI) and Gray's test."""
    from mirscope.io import read_table
    from mirscope.survival.competing import cuminc_table

    data = read_table(table)
    res, corners = cuminc_table(
        data, time=time, event=event, group=group, at=_floats(at), source=table
    )
    if figure:
        import pandas as pd

        from mirscope.plots.survival import cif_plot

        p = res.gray_p.iloc[0] if group else None
        by = data[group].astype(str) if group else pd.Series("all", index=data.index)
        durations = {
            g: pd.to_numeric(d, errors="coerce").dropna().to_numpy(float)
            for g, d in data[time].groupby(by, sort=True)
        }
        cif_plot(
            corners,
            figure,
            event=event_name,
            competing=competing_name,
            p_gray=p,
            durations=durations,
        )
    write_tsv(res, out)


@click.command("kinetics")
@click.option(
    "--kinetics",
    "kinetics_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Long table sample_id, day, car_t_per_ul.",
)
@click.option(
    "--clinical",
    required=True,
    type=click.Path(dir_okay=False),
    help="Clinical table (TSV keyed by sample_id).",
)
@click.option(
    "--covariates",
    default=None,
    type=click.Path(dir_okay=False),
    help="Covariate table holding the inflammation marker (else the clinical table).",
)
@click.option(
    "--marker",
    default="ferritin",
    show_default=True,
    help="Inflammation marker column crossed with CAR T expansion.",
)
@click.option(
    "--parameter",
    default="auc0_30",
    show_default=True,
    type=click.Choice(["tmax", "cmax", "c10", "auc0_30"]),
    help="Kinetic parameter whose median splits expanders.",
)
@click.option(
    "--response",
    "response_col",
    default="response_3m",
    show_default=True,
    help="Response column of the clinical table.",
)
@click.option(
    "--positive", default="CR,PR", show_default=True, help="Response values counted as responders."
)
@click.option(
    "--c10-window",
    default=4.0,
    show_default=True,
    type=float,
    help="Days either side of day 10 within which C10 may be interpolated.",
)
@click.option(
    "--at-risk",
    "at_risk",
    default=_TIMES,
    show_default=True,
    help="Comma-separated times at which numbers at risk are reported.",
)
@click.option(
    "--params-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: kinetic parameters per patient (TSV).",
)
@click.option(
    "--tests-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Mann-Whitney tests of each parameter by response (TSV).",
)
@click.option(
    "--km-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Kaplan-Meier of PFS by expansion and marker (TSV).",
)
@click.option(
    "--merged-out",
    default=None,
    type=click.Path(dir_okay=False),
    help="Per-patient table (clinical + kinetics + expander/marker flags) for models.",
)
@click.option("--figure-prefix", required=True, help="Path prefix of the figures (PNG and PDF).")
def kinetics_cmd(
    kinetics_path,
    clinical,
    covariates,
    marker,
    parameter,
    response_col,
    positive,
    c10_window,
    at_risk,
    params_out,
    tests_out,
    km_out,
    merged_out,
    figure_prefix,
):
    """CAR T kinetics (Tmax, Cmax, C10, AUC0-30), Mann-Whitney tests, KM by strata."""
    from mirscope.stages.companion import run_kinetics

    run_kinetics(
        kinetics_path,
        clinical,
        covariates_path=covariates,
        marker=marker,
        parameter=parameter,
        response_col=response_col,
        positive=_names(positive),
        c10_window=c10_window,
        at_risk_times=_floats(at_risk),
        params_out=params_out,
        tests_out=tests_out,
        km_out=km_out,
        figure_prefix=figure_prefix,
        merged_out=merged_out,
    )


def _forest_options(command):
    """The pruning and forest options, shared so that the response, PFS and toxicity
    forests are configured alike."""
    options = [
        click.option(
            "--threshold",
            default=0.9,
            show_default=True,
            type=float,
            help="Spearman |R| above which a covariate is pruned.",
        ),
        click.option(
            "--prefer", default="", help="Covariates kept first when collinear (comma list)."
        ),
        click.option(
            "--seed",
            default=7,
            show_default=True,
            type=int,
            help="First random seed; seeds seed .. seed + n-seeds - 1 are used.",
        ),
        click.option(
            "--n-seeds",
            default=10,
            show_default=True,
            type=int,
            help="Number of forests (seeds) importances are averaged over.",
        ),
        click.option(
            "--n-trees", default=200, show_default=True, type=int, help="Trees per forest."
        ),
        click.option(
            "--n-folds",
            default=3,
            show_default=True,
            type=int,
            help="Cross-validation folds for permutation importance.",
        ),
        click.option(
            "--n-repeats",
            default=3,
            show_default=True,
            type=int,
            help="Permutations per covariate and fold.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.command("importance")
@click.option(
    "--covariates",
    required=True,
    type=click.Path(dir_okay=False),
    help="Covariate table (TSV keyed by sample_id).",
)
@click.option(
    "--clinical",
    required=True,
    type=click.Path(dir_okay=False),
    help="Clinical table with the endpoints (TSV keyed by sample_id).",
)
@click.option(
    "--binary",
    "binary_col",
    default="response_3m",
    show_default=True,
    help="Binary endpoint column (clinical or covariate table).",
)
@click.option(
    "--positive",
    default="CR,PR",
    show_default=True,
    help="Comma-separated response values counted as the positive class.",
)
@_forest_options
@click.option(
    "--at-risk",
    "at_risk",
    default=_TIMES,
    show_default=True,
    help="Comma-separated times at which numbers at risk are reported.",
)
@click.option(
    "--summary-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: mean importance per covariate and endpoint (TSV).",
)
@click.option(
    "--long-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: importance per covariate, endpoint and seed (TSV).",
)
@click.option(
    "--pruned-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: covariates dropped as collinear (TSV).",
)
@click.option(
    "--probability-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: predicted response probability curve (TSV).",
)
@click.option(
    "--km-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Kaplan-Meier of PFS by predicted group (TSV).",
)
@click.option("--figure-prefix", required=True, help="Path prefix of the figures (PNG and PDF).")
def importance_cmd(
    covariates,
    clinical,
    binary_col,
    positive,
    threshold,
    prefer,
    seed,
    n_seeds,
    n_trees,
    n_folds,
    n_repeats,
    at_risk,
    summary_out,
    long_out,
    pruned_out,
    probability_out,
    km_out,
    figure_prefix,
):
    """Random-forest importance (binary endpoint and PFS) over repeated seeds."""
    from mirscope.stages.companion import run_importance

    run_importance(
        covariates,
        clinical,
        binary_col=binary_col,
        positive=_names(positive),
        threshold=threshold,
        prefer=_names(prefer),
        seed=seed,
        n_seeds=n_seeds,
        n_trees=n_trees,
        n_folds=n_folds,
        n_repeats=n_repeats,
        at_risk_times=_floats(at_risk),
        summary_out=summary_out,
        long_out=long_out,
        pruned_out=pruned_out,
        probability_out=probability_out,
        km_out=km_out,
        figure_prefix=figure_prefix,
    )


@click.command("evidence")
@click.option(
    "--studies",
    required=True,
    type=click.Path(dir_okay=False),
    help="Table biomarker, design[, direction].",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: evidence score and level per biomarker (TSV).",
)
@click.option(
    "--figure",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: ranked bar chart of the scores (PNG; a PDF is written beside it).",
)
def evidence_cmd(studies, out, figure):
    """Weighted evidence score and level (A+ to D) per biomarker, with a ranked bar chart."""
    from mirscope.stages.companion import run_evidence

    run_evidence(studies, out=out, figure=figure)


@click.command("cuminc-overall")
@click.option(
    "--table",
    "table",
    required=True,
    type=click.Path(dir_okay=False),
    help="Competing-risk table sample_id, time_days, event (0/1/2) (TSV).",
)
@click.option(
    "--at",
    "at",
    default="182.625,365.25,1461",
    show_default=True,
    help="Times (days) to report; default 6 months, 1 and 4 years.",
)
@click.option(
    "--event-name",
    default="secondary myeloid neoplasm",
    show_default=True,
    help="What event code 1 is, for the figure's labels.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: whole-cohort cumulative incidence at the times, with notes (TSV).",
)
@click.option(
    "--figure",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: cumulative incidence curve (PNG; a PDF is written beside it).",
)
def cuminc_overall_cmd(table, at, event_name, out, figure):
    """Whole-cohort cumulative incidence with death as competing risk (ClonHema Fig. 1a)."""
    from mirscope.stages.companion import run_cuminc_overall

    run_cuminc_overall(table, at=_floats(at), event_name=event_name, out=out, figure=figure)


@click.command("km-after-event")
@click.option(
    "--table",
    "table",
    required=True,
    type=click.Path(dir_okay=False),
    help="Competing-risk table sample_id, time_days, event (0/1/2) (TSV).",
)
@click.option(
    "--clinical",
    required=True,
    type=click.Path(dir_okay=False),
    help="Clinical table with os_days and os_event (days from infusion).",
)
@click.option(
    "--event-name",
    default="secondary myeloid neoplasm",
    show_default=True,
    help="What event code 1 is, for the figure's labels.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: median overall survival after the event with 95% CI (TSV).",
)
@click.option(
    "--figure",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Kaplan-Meier curve (PNG; a PDF is written beside it).",
)
def km_after_event_cmd(table, clinical, event_name, out, figure):
    """Overall survival from the event for the patients who had it (ClonHema Fig. 1b)."""
    from mirscope.stages.companion import run_survival_after_event

    run_survival_after_event(table, clinical, event_name=event_name, out=out, figure=figure)


@click.command("kinetics-inflammation")
@click.option(
    "--patients",
    required=True,
    type=click.Path(dir_okay=False),
    help="Per-patient kinetics table written by `mirscope kinetics --merged-out` (TSV).",
)
@click.option(
    "--markers",
    default="ferritin,crp,ldh",
    show_default=True,
    help="Inflammation markers compared between exp-RE and exp-NR (comma list).",
)
@click.option(
    "--combined",
    default="ferritin,crp",
    show_default=True,
    help="Markers whose medians split the expanders for the combined KM (comma list).",
)
@click.option(
    "--parameter",
    default="auc0_30",
    show_default=True,
    help="Kinetic parameter that defined the expanders (figure title only).",
)
@click.option(
    "--at-risk",
    "at_risk",
    default=_TIMES,
    show_default=True,
    help="Comma-separated times at which numbers at risk are reported.",
)
@click.option(
    "--km-expansion-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Kaplan-Meier of PFS by expander / poor expander (TSV).",
)
@click.option(
    "--tests-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Mann-Whitney tests of the markers (TSV).",
)
@click.option(
    "--km-combined-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Kaplan-Meier of PFS by expansion and the combined markers (TSV).",
)
@click.option("--figure-prefix", required=True, help="Path prefix of the figures (PNG and PDF).")
def kinetics_inflammation_cmd(
    patients,
    markers,
    combined,
    parameter,
    at_risk,
    km_expansion_out,
    tests_out,
    km_combined_out,
    figure_prefix,
):
    """PFS by expansion, inflammation in expanders by response, combined KM (CART SIE)."""
    from mirscope.stages.companion import run_kinetics_inflammation

    run_kinetics_inflammation(
        patients,
        markers=tuple(_names(markers)),
        combined=tuple(_names(combined)),
        parameter=parameter,
        at_risk_times=_floats(at_risk),
        km_expansion_out=km_expansion_out,
        tests_out=tests_out,
        km_combined_out=km_combined_out,
        figure_prefix=figure_prefix,
    )


@click.command("evidence-figures")
@click.option(
    "--studies",
    required=True,
    type=click.Path(dir_okay=False),
    help="Table biomarker, design[, direction][, outcome (efficacy/toxicity)].",
)
@click.option(
    "--levels-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: biomarkers per evidence level and their share (TSV).",
)
@click.option(
    "--contributions-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: each study design's contribution to each score (TSV).",
)
@click.option(
    "--classes-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: class of each biomarker (dual-predictive/favourable/unfavourable) (TSV).",
)
@click.option(
    "--panels-figure",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: panels B-D of the evidence figure (PNG; a PDF is written beside it).",
)
@click.option(
    "--classes-figure",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: biomarkers by class with their scores (PNG; a PDF is written beside it).",
)
def evidence_figures_cmd(
    studies, levels_out, contributions_out, classes_out, panels_figure, classes_figure
):
    """Evidence levels, design contributions and biomarker classes (systematic review)."""
    from mirscope.stages.companion import run_evidence_figures

    run_evidence_figures(
        studies,
        levels_out=levels_out,
        contributions_out=contributions_out,
        classes_out=classes_out,
        panels_figure=panels_figure,
        classes_figure=classes_figure,
    )


@click.command("importance-toxicity")
@click.option(
    "--covariates",
    required=True,
    type=click.Path(dir_okay=False),
    help="Covariate table (TSV keyed by sample_id).",
)
@click.option(
    "--clinical",
    required=True,
    type=click.Path(dir_okay=False),
    help="Clinical table with the toxicity grades (TSV keyed by sample_id).",
)
@click.option(
    "--endpoint",
    "endpoints",
    multiple=True,
    required=True,
    help="name:variable:rule, a DE contrast (rule ge2 or gt0), e.g. crs_ge2:crs_grade:ge2;"
    " repeat for each endpoint.",
)
@_forest_options
@click.option(
    "--summary-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: mean importance per covariate and toxicity endpoint (TSV).",
)
@click.option(
    "--long-out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: importance per covariate, endpoint and seed (TSV).",
)
@click.option(
    "--figure-prefix",
    required=True,
    help="Path prefix of the figures, one per endpoint: <prefix>_<name>.png and .pdf.",
)
def importance_toxicity_cmd(
    covariates,
    clinical,
    endpoints,
    threshold,
    prefer,
    seed,
    n_seeds,
    n_trees,
    n_folds,
    n_repeats,
    summary_out,
    long_out,
    figure_prefix,
):
    """Random-forest importance for toxicity endpoints (ZUMA-5 Figure 8)."""
    from mirscope.stages.companion import run_importance_toxicity

    run_importance_toxicity(
        covariates,
        clinical,
        endpoints=[Contrast.parse(text) for text in endpoints],
        threshold=threshold,
        prefer=_names(prefer),
        seed=seed,
        n_seeds=n_seeds,
        n_trees=n_trees,
        n_folds=n_folds,
        n_repeats=n_repeats,
        summary_out=summary_out,
        long_out=long_out,
        figure_prefix=figure_prefix,
    )


@click.command("importance-spearman")
@click.option(
    "--covariates",
    required=True,
    type=click.Path(dir_okay=False),
    help="Covariate table (TSV keyed by sample_id).",
)
@click.option(
    "--summary",
    required=True,
    type=click.Path(dir_okay=False),
    help="Importance summary (`mirscope importance --summary-out`) that picks the map's covariates.",
)
@click.option(
    "--reference",
    default=None,
    help="Covariate every other one is correlated with in a bar panel (e.g. tmtv).",
)
@click.option(
    "--top",
    default=10,
    show_default=True,
    type=int,
    help="Covariates per endpoint shown in the map (highest importance).",
)
@click.option(
    "--threshold",
    default=0.9,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="|rho| above which two covariates are one measurement (the importance pruning's "
    "threshold): such a partner of the reference is not drawn as a bar.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Spearman rho, p and n of every pair of covariates (TSV).",
)
@click.option(
    "--figure",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: correlation map (PNG; a PDF is written beside it).",
)
def importance_spearman_cmd(covariates, summary, reference, top, threshold, out, figure):
    """Spearman correlation map of the top-ranked covariates (ZUMA-5 Figures 2B, 3D)."""
    from mirscope.stages.companion import run_importance_spearman

    run_importance_spearman(
        covariates,
        summary,
        reference=reference,
        top=top,
        threshold=threshold,
        table_out=out,
        figure=figure,
    )


COMMANDS = [
    cutpoint_cmd,
    km_cmd,
    survival_cmd,
    cox_cmd,
    logistic_cmd,
    cuminc_cmd,
    kinetics_cmd,
    importance_cmd,
    evidence_cmd,
    cuminc_overall_cmd,
    km_after_event_cmd,
    kinetics_inflammation_cmd,
    evidence_figures_cmd,
    importance_toxicity_cmd,
    importance_spearman_cmd,
]

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
* evidence: :data:`mirscope.companion.evidence.EVIDENCE_COLUMNS`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mirscope.companion import evidence, importance, kinetics
from mirscope.errors import InputError
from mirscope.inputs.clinical import read_clinical
from mirscope.inputs.labels import endpoint_ylabel
from mirscope.io import read_table, write_tsv
from mirscope.survival.km import km_table


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
        title=f"PFS by expansion ({parameter}) and {marker}",
        ylabel=endpoint_ylabel("pfs"),
        at_risk_times=at_risk_times,
    )
    if merged_out:
        kin_cols = ["sample_id", "tmax", "cmax", "c10", "auc0_30"]
        write_tsv(
            table.drop(columns=["stratum"]).merge(params[kin_cols], on="sample_id"), merged_out
        )
    write_tsv(params, params_out)
    write_tsv(tests_all, tests_out)
    write_tsv(km, km_out)


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
    from mirscope.plots.survival import km_plot

    cov = read_table(covariates_path, key="sample_id")
    clinical = read_clinical(clinical_path).reset_index()
    cov["sample_id"] = cov["sample_id"].astype(str)
    clinical["sample_id"] = clinical["sample_id"].astype(str)
    data = cov.merge(clinical, on="sample_id", how="inner", suffixes=("", "_clinical"))
    if data.empty:
        raise InputError(
            "no sample_id in common between the covariate and clinical tables",
            path=str(covariates_path),
        )
    names = [c for c in cov.columns if c != "sample_id"]
    x = importance.numeric_covariates(data, names, source=str(covariates_path))
    kept, pruned = importance.prune_collinear(x, threshold, tuple(prefer))
    x = x[kept]
    y = binary_endpoint(data, binary_col, list(positive), source=str(clinical_path))
    ok = y.notna().to_numpy()
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
    split = np.where(
        x[top_pfs] > x[top_pfs].median(), f"{top_pfs} > median", f"{top_pfs} \u2264 median"
    )
    km_in = data.assign(split=split).loc[surv].reset_index(drop=True)
    km, fitted, test = km_table(
        km_in,
        time="pfs_days",
        event="pfs_event",
        group="split",
        at_risk_times=list(at_risk_times),
        endpoint="pfs",
        source=str(clinical_path),
    )
    importance_plot(
        sum_bin,
        long_bin,
        f"{figure_prefix}_{binary_col}.png",
        title=f"Random forest importance: {binary_col}",
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
        title=f"P({binary_col}) by {top_bin}",
        ylabel=f"Predicted probability of {binary_col}",
    )
    km_plot(
        fitted,
        test,
        f"{figure_prefix}_km_pfs.png",
        title=f"PFS by {top_pfs}",
        ylabel=endpoint_ylabel("pfs"),
        at_risk_times=at_risk_times,
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

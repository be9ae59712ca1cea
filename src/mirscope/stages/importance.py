"""Variable importance: random-forest importance for response, PFS and toxicity.

Random-forest importance of pre-treatment covariates (ZUMA-5): response and PFS,
toxicity endpoints, and the Spearman map of the top-ranked covariates.

Each step is declared once here (:mod:`mirscope.params`); the commands ``mirscope
importance``, ``importance-toxicity`` and ``importance-spearman`` and their rules derive
from the declarations. The response, PFS and toxicity forests share their pruning and
forest fields, so they are configured alike.

Output tables (TSV):

* importance summary: ``endpoint, rank, covariate, mean, sd, q05, q95, n_seeds``;
  importance long: ``endpoint, covariate, seed, importance``; pruned:
  ``dropped, kept_instead, spearman_r``; probability: ``covariate, value, probability,
  lower_95, upper_95, p_wald``; importance KM: PFS by the top PFS covariate's median split.
* toxicity importance: summary and long tables as the response ones, ``endpoint`` = the
  contrast name (e.g. ``crs_ge2``).
* Spearman map: :data:`mirscope.companion.importance.SPEARMAN_COLUMNS` for every pair of
  covariates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mirscope.companion import importance
from mirscope.errors import InputError
from mirscope.inputs.clinical import log_patients_used, read_clinical
from mirscope.inputs.labels import endpoint_ylabel, term_label
from mirscope.inputs.labels import label as human_label
from mirscope.inputs.outcomes import CASE, Contrast, classify
from mirscope.io import read_table, write_tsv
from mirscope.params import REQUIRED, param
from mirscope.stages.companion import binary_endpoint
from mirscope.stages.survival import at_risk_field, clinical_field, out_field, prefix_field
from mirscope.survival.km import km_table

log = logging.getLogger(__name__)


def _covariates() -> str:
    return param(REQUIRED, role="input", help="Covariate table (TSV keyed by sample_id).")


def _threshold() -> float:
    return param(
        0.9,
        config="companion.collinearity_threshold",
        help="Spearman |R| above which a covariate is pruned.",
    )


def _prefer() -> tuple[str, ...]:
    return param(
        (),
        sep=",",
        config="companion.prefer",
        help="Covariates kept first when collinear (comma list).",
    )


def _seed() -> int:
    return param(
        7, config="seed", help="First random seed; seeds seed .. seed + n-seeds - 1 are used."
    )


def _n_seeds() -> int:
    return param(
        10,
        config="companion.n_seeds",
        help="Number of forests (seeds) importances are averaged over.",
    )


def _n_trees() -> int:
    return param(200, config="companion.n_trees", help="Trees per forest.")


def _n_folds() -> int:
    return param(3, help="Cross-validation folds for permutation importance.")


def _n_repeats() -> int:
    return param(3, help="Permutations per covariate and fold.")


def _long_out() -> str:
    return out_field("Output: importance per covariate, endpoint and seed (TSV).")


@dataclass(frozen=True, kw_only=True)
class Importance:
    covariates: str = _covariates()
    clinical: str = clinical_field("Clinical table with the endpoints (TSV keyed by sample_id).")
    binary: str = param(
        "response_3m",
        config="companion.response",
        help="Binary endpoint column (clinical or covariate table).",
    )
    positive: tuple[str, ...] = param(
        ("CR", "PR"),
        sep=",",
        help="Comma-separated response values counted as the positive class.",
    )
    threshold: float = _threshold()
    prefer: tuple[str, ...] = _prefer()
    seed: int = _seed()
    n_seeds: int = _n_seeds()
    n_trees: int = _n_trees()
    n_folds: int = _n_folds()
    n_repeats: int = _n_repeats()
    at_risk: tuple[float, ...] = at_risk_field()
    summary_out: str = out_field("Output: mean importance per covariate and endpoint (TSV).")
    long_out: str = _long_out()
    pruned_out: str = out_field("Output: covariates dropped as collinear (TSV).")
    probability_out: str = out_field("Output: predicted response probability curve (TSV).")
    km_out: str = out_field("Output: Kaplan-Meier of PFS by predicted group (TSV).")
    figure_prefix: str = prefix_field()


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


def run_importance(step: Importance) -> None:
    """Random-forest importance (binary endpoint and PFS) over repeated seeds.

    Pruning, RF (binary) and RSF (PFS) importance, the probability curve of the top
    binary covariate and the KM of PFS by the top PFS covariate's median split, figures.
    """
    covariates_path, clinical_path = step.covariates, step.clinical
    binary_col, positive = step.binary, list(step.positive)
    threshold, prefer = step.threshold, step.prefer
    seed, n_seeds, n_trees = step.seed, step.n_seeds, step.n_trees
    n_folds, n_repeats = step.n_folds, step.n_repeats
    at_risk_times, figure_prefix = list(step.at_risk), step.figure_prefix

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
    write_tsv(pd.concat([sum_bin, sum_pfs], ignore_index=True), step.summary_out)
    write_tsv(pd.concat([long_bin, long_pfs], ignore_index=True)[cols], step.long_out)
    write_tsv(pruned, step.pruned_out)
    write_tsv(curve, step.probability_out)
    write_tsv(km, step.km_out)


@dataclass(frozen=True, kw_only=True)
class ImportanceToxicity:
    covariates: str = _covariates()
    clinical: str = clinical_field(
        "Clinical table with the toxicity grades (TSV keyed by sample_id)."
    )
    endpoints: tuple[Contrast, ...] = param(
        REQUIRED,
        flag="--endpoint",
        metavar="NAME:VARIABLE:RULE",
        help="name:variable:rule, a DE contrast (rule ge2 or gt0), e.g. crs_ge2:crs_grade:ge2;"
        " repeat for each endpoint.",
    )
    threshold: float = _threshold()
    prefer: tuple[str, ...] = _prefer()
    seed: int = _seed()
    n_seeds: int = _n_seeds()
    n_trees: int = _n_trees()
    n_folds: int = _n_folds()
    n_repeats: int = _n_repeats()
    summary_out: str = out_field(
        "Output: mean importance per covariate and toxicity endpoint (TSV)."
    )
    long_out: str = _long_out()
    figure_prefix: str = prefix_field(
        "Path prefix of the figures, one per endpoint: <prefix>_<name>.png and .pdf."
    )


def run_importance_toxicity(step: ImportanceToxicity) -> None:
    """Random-forest importance for toxicity endpoints (ZUMA-5 Figure 8).

    Each endpoint is a DE contrast (rule ge2: grade >= 2, gt0: any grade), so "CRS" here
    is the CRS of the rest of the pipeline. Pruning, seeds, trees and folds are the
    response forest's; one figure per endpoint, <prefix>_<name>.png.
    """
    from mirscope.plots.companion import importance_plot

    covariates_path, clinical_path = step.covariates, step.clinical
    threshold, prefer = step.threshold, step.prefer
    seed, n_seeds, n_trees = step.seed, step.n_seeds, step.n_trees
    n_folds, n_repeats, figure_prefix = step.n_folds, step.n_repeats, step.figure_prefix
    data, x = _importance_data(covariates_path, clinical_path)
    kept, _pruned = importance.prune_collinear(x, threshold, tuple(prefer))
    x = x[kept]
    longs, sums = [], []
    for contrast in step.endpoints:
        name, variable, rule = contrast.name, contrast.variable, contrast.rule
        if rule not in ("ge2", "gt0"):
            raise InputError(
                f"toxicity endpoint '{name}': not a grade rule",
                column=variable,
                value=rule,
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
    write_tsv(pd.concat(sums, ignore_index=True), step.summary_out)
    write_tsv(pd.concat(longs, ignore_index=True)[cols], step.long_out)


@dataclass(frozen=True, kw_only=True)
class ImportanceSpearman:
    covariates: str = _covariates()
    summary: str = param(
        REQUIRED,
        role="input",
        help="Importance summary (`mirscope importance --summary-out`) that picks the map's "
        "covariates.",
    )
    reference: str | None = param(
        None,
        config="companion.spearman_reference",
        help="Covariate every other one is correlated with in a bar panel (e.g. tmtv).",
    )
    top: int = param(
        10,
        config="companion.spearman_top",
        help="Covariates per endpoint shown in the map (highest importance).",
    )
    threshold: float = param(
        0.9,
        min=0,
        max=1,
        config="companion.collinearity_threshold",
        help="|rho| above which two covariates are one measurement (the importance pruning's "
        "threshold): such a partner of the reference is not drawn as a bar.",
    )
    out: str = out_field("Output: Spearman rho, p and n of every pair of covariates (TSV).")
    figure: str = param(
        REQUIRED, role="output", help="Output: correlation map (PNG; a PDF is written beside it)."
    )


def run_importance_spearman(step: ImportanceSpearman) -> pd.DataFrame:
    """Spearman correlation map of the top-ranked covariates (ZUMA-5 Figures 2B, 3D).

    The table has every pair of covariates (before pruning, so the pruned partners show
    how close they were); the map shows the ``top`` covariates of each endpoint in the
    importance summary, and the bars every covariate against ``reference`` (e.g. TMTV).
    """
    covariates_path, summary_path = step.covariates, step.summary
    reference, top, threshold = step.reference, step.top, step.threshold
    figure, table_out = step.figure, step.out

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


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "importance": (Importance, run_importance),
    "importance-toxicity": (ImportanceToxicity, run_importance_toxicity),
    "importance-spearman": (ImportanceSpearman, run_importance_spearman),
}

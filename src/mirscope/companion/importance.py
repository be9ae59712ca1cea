"""Random-forest variable importance with collinearity pruning (ZUMA-5, ``002_…``).

1. **Pruning**: pairs of covariates with Spearman |R| > 0.9 are redundant (ZUMA-5 dropped
   the peak of analytes whose peak and AUC correlated, keeping the AUC). Covariates are
   visited in the order given (put the preferred one first, or list it in ``prefer``);
   a covariate correlated above the threshold with one already kept is dropped, and the
   table says which one it was dropped for and the R.
2. **Importance**: permutation importance on held-out folds (stratified k-fold for a
   binary endpoint, k-fold for PFS), repeated over ``n_seeds`` seeds ``seed, seed+1, …``,
   so the spread over seeds is shown, not one lucky forest. Binary endpoint:
   ``RandomForestClassifier`` scored by ROC AUC; PFS: scikit-survival
   ``RandomSurvivalForest`` scored by Harrell's concordance. Importance = mean drop of the
   score when the covariate is permuted in the held-out fold.
3. **Predicted probability**: a univariable logistic model of the endpoint on one
   covariate, with the 95% CI from the delta method on the logit scale.

Missing covariate values are imputed with the column median (forests need complete data);
the count imputed is reported per covariate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from mirscope.errors import InputError
from mirscope.io import require_columns
from mirscope.stats.design import code_column
from mirscope.stats.logistic import fit_logistic

Z95 = 1.959963984540054


def prune_collinear(
    x: pd.DataFrame, threshold: float = 0.9, prefer: tuple[str, ...] = ()
) -> tuple[list[str], pd.DataFrame]:
    """Keep covariates (``prefer`` first, then column order) not correlated > threshold.

    Returns the kept names (in column order) and a table of dropped ones:
    ``dropped, kept_instead, spearman_r``.
    """
    order = [c for c in prefer if c in x.columns] + [c for c in x.columns if c not in prefer]
    rho = x.corr(method="spearman")
    kept, dropped = [], []
    for col in order:
        partner = next((k for k in kept if abs(rho.loc[col, k]) > threshold), None)
        if partner is None:
            kept.append(col)
        else:
            dropped.append(
                {
                    "dropped": col,
                    "kept_instead": partner,
                    "spearman_r": float(rho.loc[col, partner]),
                }
            )
    kept = [c for c in x.columns if c in kept]
    return kept, pd.DataFrame(dropped, columns=["dropped", "kept_instead", "spearman_r"])


def numeric_covariates(df: pd.DataFrame, columns: list[str], *, source: str) -> pd.DataFrame:
    """Covariates as floats, coded as every companion model codes them
    (:func:`mirscope.stats.design.code_column`); a text column must have two levels."""
    require_columns(df, columns, source=source, message="covariate column not found")
    out = {}
    for col in columns:
        # a forest ranks covariates, so a two-level text column keeps its own name
        (coded,) = code_column(df[col], col, source=source, two_levels=True).values()
        out[col] = coded
    return pd.DataFrame(out, index=df.index)


def _impute(x: pd.DataFrame) -> pd.DataFrame:
    return x.fillna(x.median())


def _cv_importance(
    make_model, x: np.ndarray, y, splitter, score, seed: int, n_repeats: int, usable=None
) -> np.ndarray:
    """Mean score drop per column when it is permuted in the held-out fold, over folds.

    One loop for the classifier and the survival forest so both draw the permutations from
    the same generator in the same order. ``usable(train, test)`` skips a fold (a survival
    fold without events has no concordance); the generator is not advanced for it.
    """
    rng = np.random.default_rng(seed)
    imp = np.zeros(x.shape[1])
    folds = 0
    for train, test in splitter.split(x, y):
        if usable is not None and not usable(train, test):
            continue
        model = make_model(seed).fit(x[train], y[train])
        base = score(model, x[test], y[test])
        for j in range(x.shape[1]):
            drops = []
            for _ in range(n_repeats):
                xp = x[test].copy()
                xp[:, j] = rng.permutation(xp[:, j])
                drops.append(base - score(model, xp, y[test]))
            imp[j] += np.mean(drops)
        folds += 1
    if folds == 0:
        raise InputError("too few events to cross-validate the survival forest")
    return imp / folds


def rf_importance(
    x: pd.DataFrame,
    *,
    outcome: np.ndarray | None = None,
    time: np.ndarray | None = None,
    event: np.ndarray | None = None,
    seed: int = 7,
    n_seeds: int = 10,
    n_trees: int = 200,
    n_folds: int = 3,
    n_repeats: int = 3,
) -> pd.DataFrame:
    """Permutation importance per covariate and seed (long table: covariate, seed, importance).

    Give ``outcome`` (0/1) for a random forest classifier, or ``time`` and ``event`` for a
    random survival forest.
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import KFold, StratifiedKFold

    xv = _impute(x).to_numpy(float)
    rows = []
    for s in range(seed, seed + n_seeds):
        if outcome is not None:
            y = np.asarray(outcome, int)
            if min(np.bincount(y, minlength=2)) < n_folds:
                raise InputError(
                    f"the binary endpoint needs at least {n_folds} patients in "
                    "each class for cross-validated importance",
                    value=np.bincount(y, minlength=2).tolist(),
                )

            def make(sd):
                return RandomForestClassifier(
                    n_estimators=n_trees, random_state=sd, min_samples_leaf=2, n_jobs=1
                )

            def score(m, xx, yy):
                return roc_auc_score(yy, m.predict_proba(xx)[:, 1])

            splitter = StratifiedKFold(n_folds, shuffle=True, random_state=s)
            imp = _cv_importance(make, xv, y, splitter, score, s, n_repeats)
        else:
            from sksurv.ensemble import RandomSurvivalForest
            from sksurv.util import Surv

            if np.sum(event) == 0:
                raise InputError("no events: a survival forest cannot rank covariates")
            y = Surv.from_arrays(np.asarray(event, bool), np.asarray(time, float))

            def make(sd):
                return RandomSurvivalForest(
                    n_estimators=n_trees, random_state=sd, min_samples_leaf=3, n_jobs=1
                )

            def score(m, xx, yy):
                return m.score(xx, yy)

            splitter = KFold(n_folds, shuffle=True, random_state=s)

            def usable(train, test, yy=y):
                return yy["event"][test].any() and yy["event"][train].any()

            imp = _cv_importance(make, xv, y, splitter, score, s, n_repeats, usable)
        rows += [
            {"covariate": c, "seed": s, "importance": float(v)}
            for c, v in zip(x.columns, imp, strict=True)
        ]
    return pd.DataFrame(rows)


def summarise_importance(long: pd.DataFrame, endpoint: str) -> pd.DataFrame:
    """Mean, SD and 5–95% range over seeds per covariate, ranked by mean importance."""
    g = long.groupby("covariate")["importance"]
    out = pd.DataFrame(
        {
            "mean": g.mean(),
            "sd": g.std(ddof=1),
            "q05": g.quantile(0.05),
            "q95": g.quantile(0.95),
            "n_seeds": g.size(),
        }
    ).reset_index()
    out = out.sort_values(["mean", "covariate"], ascending=[False, True], kind="stable")
    out.insert(0, "rank", range(1, len(out) + 1))
    out.insert(0, "endpoint", endpoint)
    return out.reset_index(drop=True)


def predicted_probability(
    values: np.ndarray, outcome: np.ndarray, *, points: int = 50, covariate: str = "covariate"
) -> pd.DataFrame:
    """Logistic P(outcome = 1 | covariate) over a grid with a 95% CI (delta method).

    Fitted by :func:`mirscope.stats.logistic.fit_logistic`, the package's one logistic
    fitter, so a covariate that separates the outcome gets its Firth estimate (with a
    warning) rather than a curve jumping from 0 to 1.
    """
    ok = np.isfinite(values) & np.isfinite(outcome)
    v, y = values[ok], outcome[ok]
    if np.unique(y).size < 2:
        raise InputError("the outcome has one value only; no probability curve", column=covariate)
    fit = fit_logistic(
        pd.DataFrame({"value": v, "outcome": y}), "outcome", ["value"], source=covariate
    )
    if len(fit.terms) < 2:
        raise InputError("the covariate is constant; no probability curve", column=covariate)
    grid = np.linspace(v.min(), v.max(), points)
    design = np.column_stack([np.ones_like(grid), grid])
    eta = design @ fit.coef
    se = np.sqrt(np.einsum("ij,jk,ik->i", design, fit.cov, design))
    return pd.DataFrame(
        {
            "covariate": covariate,
            "value": grid,
            "probability": special.expit(eta),
            "lower_95": special.expit(eta - Z95 * se),
            "upper_95": special.expit(eta + Z95 * se),
            "p_wald": float(fit.table()["p_value"].iloc[1]),
        }
    )


# Columns of the Spearman correlation table, documented for users.
SPEARMAN_COLUMNS = (
    "covariate_a",
    "covariate_b",
    "rho",  # Spearman correlation on the patients with both values
    "p_value",  # two-sided, as R's cor.test(method = "spearman")
    "n",  # patients with both values
)


def spearman_pairs(x: pd.DataFrame) -> pd.DataFrame:
    """Spearman rho and p of every pair of columns (a before b in column order).

    ZUMA-5 marks the correlations of its map with P < 0.05 (Figure 3D), so each pair gets
    its test, :func:`mirscope.stats.association.spearman_test` (R's ``cor.test``: exact p
    for small samples without ties), on the patients with both values (no imputation).
    """
    from mirscope.stats.association import spearman_test

    rows = []
    cols = list(x.columns)
    for i, a in enumerate(cols):
        for b in cols[i + 1 :]:
            rho, p, n = spearman_test(x[a].to_numpy(float), x[b].to_numpy(float))
            rows.append({"covariate_a": a, "covariate_b": b, "rho": rho, "p_value": p, "n": n})
    return pd.DataFrame(rows, columns=list(SPEARMAN_COLUMNS))


def top_covariates(summary: pd.DataFrame, top: int) -> list[str]:
    """The ``top`` highest-ranked covariates of each endpoint, in order of their best rank.

    ZUMA-5's correlation map shows the covariates its multivariate analyses ranked, not
    all 230, so the map stays readable and about what the forests found.
    """
    best = summary[summary["rank"] <= top].groupby("covariate")["rank"].min()
    return sorted(best.index, key=lambda c: (best[c], c))

"""DESeq2 Wald tests on miRNA counts, with pydeseq2 for dispersions and R's rules elsewhere.

The paper's differentially expressed miRNAs come from R DESeq2 with defaults
(``DESeq(dds)`` then ``results(dds)``). pydeseq2 0.5.4 estimates dispersions the same way
but departs from DESeq2 in places that matter for sparse, low-count plasma miRNAs, so
this module keeps pydeseq2 for what it gets right and does the rest as DESeq2 does:

* **Size factors**: ours (:mod:`mirscope.de.normalize`), injected into pydeseq2; ``ratio``
  as R's default, ``poscounts`` when every miRNA has a zero (R's default would stop).
* **Dispersions**: pydeseq2 for the gene-wise Cox-Reid and MAP estimates and the prior
  variance; the **parametric trend** is ours, as R fits it (only gene-wise estimates above
  100 x the minimum, the residual filter applied before each Gamma-identity GLM, R's
  ``glm.fit`` IRLS). pydeseq2 fits all genes first and on sparse data often fails and
  falls back to a mean trend where R succeeds. Where R's parametric fit fails too, R
  substitutes its local (locfit) trend, and so do we (:mod:`mirscope.de.locfit`), with a
  warning naming the trend, as R's message does.
* **Cook's outlier replacement and refit** as ``DESeq()``: Cook's distances from our fit
  (unfloored means, IRLS hat diagonals, robust moments dispersion), counts with
  distance > F(0.99; p, m - p) in cells with >= 7 replicates replaced by
  ``as.integer(trimmed mean x size factor)``, those miRNAs' dispersions re-estimated
  against the original trend and prior, and refitted.
* **Coefficients and Wald standard errors**: our IRLS mirrors DESeq2's ``fitBeta``: start
  from the least-squares fit of log(normalised + 0.1), ridge ``1e-6 / log(2)^2``, fitted
  means floored at 0.5 inside the iterations *and when the covariance is computed*,
  relative deviance tolerance 1e-8, at most 100 iterations, and R's L-BFGS-B fallback
  (bounds +-30 on the log2 scale) for rows that diverge. pydeseq2 computes the Wald
  standard error from unfloored means, which inflates the SE (and p) of miRNAs with a
  group of zeros -- the very low-count miRNAs plasma data is full of.
* **Cook's filtering in results()**: maximum Cook's distance over samples in design cells
  with >= 3 replicates; after a refit the replaceable samples' distances are zeroed for
  *every* miRNA (all replaceable -> no filtering), and DESeq2's two-group heuristic (keep
  the p-value if >= 3 counts exceed the outlier count) applies only to a design with a
  single two-level factor. miRNAs whose counts became all zero after replacement are
  reported as log2FC 0, SE 0, stat 0, p 1, as ``results()`` does.
* **Independent filtering** at ``alpha`` (default 0.1) on baseMean, as ``results()`` does
  with genefilter's ``filtered_p``, R's ``lowess(f = 1/5)`` and the 50-quantile grid.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from mirscope.de import normalize
from mirscope.de.locfit import local_dispersion_trend
from mirscope.errors import InputError, MirscopeError, MirscopeWarning
from mirscope.io import require_columns

log = logging.getLogger(__name__)

RESULT_COLUMNS = ["baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj"]
MIN_MU = 0.5
LAMBDA = 1e-6
BETA_TOL = 1e-8
MAXIT = 100
LARGE = 30.0


@dataclass
class DeseqResult:
    """Wald test results (index: miRNA) and the size factors they were computed with."""

    table: pd.DataFrame
    size_factors: pd.Series
    size_factor_type: str
    n_refit: int
    design: pd.DataFrame


def design_matrix(
    metadata: pd.DataFrame,
    condition: str,
    reference: str,
    covariates: Sequence[str] = (),
) -> pd.DataFrame:
    """R's ``model.matrix(~ covariates + condition)`` for a two-level condition.

    Numeric covariates enter as they are; text covariates as treatment dummies against
    their first level in sorted order (R's factor default). The condition column is last,
    named ``<condition>_<level>_vs_<reference>``.
    """
    levels = sorted(pd.unique(metadata[condition].astype(str)))
    if reference not in levels:
        raise InputError(
            "reference level not present",
            column=condition,
            value=reference,
            allowed=", ".join(levels),
        )
    others = [lv for lv in levels if lv != reference]
    if len(others) != 1:
        raise InputError(
            "the condition must have exactly two levels",
            column=condition,
            value=levels,
            allowed=f"{reference} and one other level",
        )
    cols: dict[str, np.ndarray] = {"Intercept": np.ones(len(metadata))}
    for cov in covariates:
        values = metadata[cov]
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().all():
            cols[cov] = numeric.to_numpy(dtype=float)
        else:
            cov_levels = sorted(pd.unique(values.astype(str)))
            for lv in cov_levels[1:]:
                cols[f"{cov}_{lv}"] = (values.astype(str) == lv).to_numpy(dtype=float)
    cols[f"{condition}_{others[0]}_vs_{reference}"] = (
        metadata[condition].astype(str) == others[0]
    ).to_numpy(dtype=float)
    X = pd.DataFrame(cols, index=metadata.index)
    if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        raise InputError(
            "design matrix is not full rank (a covariate is constant or confounded with "
            "the condition)",
            column=condition,
            value=list(X.columns),
        )
    return X


def n_or_more_in_cell(X: np.ndarray, n: int) -> np.ndarray:
    """DESeq2's ``nOrMoreInCell``: samples whose design row occurs at least n times."""
    _, inverse, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    return counts[inverse.ravel()] >= n


def _nb_logpmf(y: np.ndarray, log_mu: np.ndarray, size: np.ndarray) -> np.ndarray:
    """NB log density from log means, stable for huge means (R's ``dnbinom(mu=)``)."""
    log_size = np.log(size)
    log_sum = np.logaddexp(log_size, log_mu)
    return (
        special.gammaln(y + size)
        - special.gammaln(size)
        - special.gammaln(y + 1.0)
        + size * (log_size - log_sum)
        + y * (log_mu - log_sum)
    )


def _nb_loglik(y: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Row sums of the NB log density (R's ``dnbinom(mu=, size=1/alpha, log=TRUE)``)."""
    size = np.broadcast_to(1.0 / alpha[:, None], y.shape)
    return _nb_logpmf(y, np.log(mu), size).sum(axis=1)


def fit_beta(
    y: np.ndarray, sf: np.ndarray, X: np.ndarray, alpha: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """DESeq2's IRLS (``fitBeta``) for every row at once, natural-log scale.

    Returns (beta, beta_var, hat_diagonals, iterations); ``iterations == MAXIT`` marks rows
    that did not converge or left [-30, 30] (DESeq2 then refits them with L-BFGS-B).
    """
    g, m = y.shape
    p = X.shape[1]
    q, r = np.linalg.qr(X)
    beta = np.linalg.solve(r, q.T @ np.log(y / sf + 0.1).T).T
    ridge = np.diag(np.full(p, LAMBDA / np.log(2) ** 2))
    mu = np.maximum(sf * np.exp(beta @ X.T), MIN_MU)
    dev_old = np.zeros(g)
    iters = np.zeros(g, dtype=int)
    active = np.ones(g, dtype=bool)
    for t in range(MAXIT):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        iters[idx] += 1
        mu_a = mu[idx]
        w = mu_a / (1.0 + alpha[idx, None] * mu_a)
        z = np.log(mu_a / sf) + (y[idx] - mu_a) / mu_a
        xtwx = np.einsum("gm,mi,mj->gij", w, X, X) + ridge
        xtwz = np.einsum("gm,mi->gi", w * z, X)
        b_new = np.linalg.solve(xtwx, xtwz[..., None])[..., 0]
        blown = (np.abs(b_new) > LARGE).any(axis=1)
        beta[idx] = b_new
        iters[idx[blown]] = MAXIT
        active[idx[blown]] = False
        ok = idx[~blown]
        mu[ok] = np.maximum(sf * np.exp(beta[ok] @ X.T), MIN_MU)
        dev = -2.0 * _nb_loglik(y[ok], mu[ok], alpha[ok])
        conv = np.abs(dev - dev_old[ok]) / (np.abs(dev) + 0.1)
        bad = np.isnan(conv)
        iters[ok[bad]] = MAXIT
        active[ok[bad]] = False
        done = (conv < BETA_TOL) & (t > 0)
        active[ok[done]] = False
        dev_old[ok] = dev
    iters[active] = MAXIT
    # Covariance and hat diagonals from the (floored) means of the last iteration.
    mu = np.maximum(sf * np.exp(beta @ X.T), MIN_MU)
    w = mu / (1.0 + alpha[:, None] * mu)
    xtwx = np.einsum("gm,mi,mj->gij", w, X, X)
    inv = np.linalg.inv(xtwx + ridge)
    sigma = inv @ xtwx @ inv
    beta_var = np.einsum("gii->gi", sigma)
    hat = np.einsum("gm,mi,gij,mj->gm", w, X, inv, X)
    return beta, beta_var, hat, iters


def _optim_row(
    k: np.ndarray, sf: np.ndarray, X: np.ndarray, alpha: float, start: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """DESeq2's ``fitNbinomGLMsOptim`` for one row: log2-scale L-BFGS-B within +-30."""
    size = 1.0 / alpha
    log_sf = np.log(sf)
    ln2 = np.log(2.0)

    def negpost(b: np.ndarray) -> tuple[float, np.ndarray]:
        log_mu = log_sf + ln2 * (X @ b)
        ll = _nb_logpmf(k, log_mu, size).sum()
        # d ll / d log(mu) = y - (y + size) * mu / (size + mu)
        frac = special.expit(log_mu - np.log(size))
        grad_ll = ln2 * (X.T @ (k - (k + size) * frac))
        val = -(ll - 0.5 * LAMBDA * float(b @ b))
        if not np.isfinite(val):
            return 1e300, np.zeros_like(b)
        return float(val), -(grad_ll - LAMBDA * b)

    # Analytic gradient (R differentiates numerically). Where a group is all zeros the
    # likelihood is nearly flat far out and the optimum (|log2FC| > 20) is ill-defined:
    # there R and we stop at different points; their p-values still agree.
    res = optimize.minimize(
        negpost,
        np.clip(start, -LARGE, LARGE),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LARGE, LARGE)] * X.shape[1],
        options={"ftol": 1e-12, "gtol": 1e-10, "maxiter": 1000},
    )
    b = res.x
    mu_row = np.maximum(sf * 2.0 ** (X @ b), MIN_MU)
    w = 1.0 / (1.0 / mu_row + alpha)
    xtwx = (X.T * w) @ X
    inv = np.linalg.inv(xtwx + np.diag(np.full(X.shape[1], LAMBDA / np.log(2) ** 2)))
    sigma = inv @ xtwx @ inv
    se = np.log2(np.e) * np.sqrt(np.maximum(np.diag(sigma), 0.0))
    return b, se


def wald(
    y: np.ndarray, sf: np.ndarray, X: np.ndarray, alpha: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log2 coefficients, their standard errors and the hat diagonals (``nbinomWaldTest``).

    Rows refitted with L-BFGS-B keep the IRLS hat diagonals, as DESeq2 does.
    """
    beta, beta_var, hat, iters = fit_beta(y, sf, X, alpha)
    lfc = np.log2(np.e) * beta
    se = np.log2(np.e) * np.sqrt(np.maximum(beta_var, 0.0))
    stable = ~np.isnan(beta).any(axis=1)
    redo = np.flatnonzero((iters >= MAXIT) | ~stable | ~(beta_var > 0).all(axis=1))
    for i in redo:
        start = lfc[i] if stable[i] and (np.abs(lfc[i]) < LARGE).all() else beta[i]
        lfc[i], se[i] = _optim_row(y[i], sf, X, float(alpha[i]), start)
    if redo.size:
        log.info("%d rows refitted with L-BFGS-B (IRLS did not converge)", redo.size)
    return lfc, se, hat


def r_lowess(x: np.ndarray, y: np.ndarray, f: float = 0.2) -> np.ndarray:
    """R's ``lowess(x, y, f)`` (3 robustness iterations, delta = 1% of the x range)."""
    from statsmodels.nonparametric.smoothers_lowess import lowess

    delta = 0.01 * (x.max() - x.min())
    return lowess(y, x, frac=f, it=3, delta=delta, return_sorted=False)


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """R's ``p.adjust(p, "BH")`` with NA kept as NA (n = number of non-NA values)."""
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    pv = p[ok]
    n = pv.size
    if n == 0:
        return out
    order = np.argsort(-pv, kind="stable")
    ranks = n - np.arange(n)
    adj = np.minimum.accumulate(pv[order] * n / ranks)
    res = np.empty(n)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out


def independent_filtering(base_mean: np.ndarray, pvalue: np.ndarray, alpha: float) -> np.ndarray:
    """padj after DESeq2's independent filtering on baseMean (``results(alpha=)``)."""
    filt = base_mean
    lower = float(np.mean(filt == 0))
    upper = 0.95 if lower < 0.95 else 1.0
    theta = np.linspace(lower, upper, 50)
    cutoffs = np.quantile(filt, theta)
    padj_all = np.full((filt.size, theta.size), np.nan)
    for i, c in enumerate(cutoffs):
        use = filt >= c
        if use.any():
            padj_all[use, i] = bh_adjust(pvalue[use])
    num_rej = np.nansum(padj_all < alpha, axis=0)
    fit = r_lowess(theta, num_rej.astype(float), f=1 / 5)
    if num_rej.max() <= 10:
        j = 0
    else:
        pos = num_rej > 0
        residual = num_rej[pos] - fit[pos] if pos.any() else np.array([0.0])
        thresh = fit.max() - np.sqrt(np.mean(residual**2))
        above = np.flatnonzero(num_rej > thresh)
        j = int(above[0]) if above.size else 0
    return padj_all[:, j]


def _r_trimmed_mean(x: np.ndarray, trim: float) -> np.ndarray:
    """Row means after R's ``mean(x, trim=)``: drop floor(n * trim) values at each end."""
    n = x.shape[1]
    k = int(np.floor(n * trim))
    s = np.sort(x, axis=1)
    return s[:, k : n - k].mean(axis=1)


def cooks_distance(
    y: np.ndarray, normed: np.ndarray, mu: np.ndarray, hat: np.ndarray, X: np.ndarray
) -> np.ndarray:
    """DESeq2's ``calculateCooksDistance`` (robust moments dispersion), genes x samples."""
    from pydeseq2.utils import robust_method_of_moments_disp

    p = X.shape[1]
    disp = robust_method_of_moments_disp(normed.T, pd.DataFrame(X))
    v = mu + np.asarray(disp)[:, None] * mu**2
    with np.errstate(divide="ignore", invalid="ignore"):
        return (y - mu) ** 2 / v / p * hat / (1.0 - hat) ** 2


def _gamma_identity_glm(y: np.ndarray, x: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, bool]:
    """R's ``glm(y ~ x, family = Gamma(link = "identity"), start = start)`` (IRLS)."""
    X = np.c_[np.ones_like(x), x]
    beta = start.astype(float).copy()
    coefold = beta.copy()

    def deviance(mu: np.ndarray) -> float:
        ratio = np.where(y == 0, 1.0, y / mu)
        return float(np.sum(-2.0 * (np.log(ratio) - (y - mu) / mu)))

    mu = X @ beta
    if not (np.isfinite(mu).all() and (mu > 0).all()):
        return beta, False
    devold = deviance(mu)
    for _ in range(25):
        w = 1.0 / mu  # sqrt(1 / variance) with variance mu^2, mu.eta = 1
        z = mu + (y - mu)
        beta = np.linalg.lstsq(X * w[:, None], z * w, rcond=None)[0]
        mu = X @ beta
        halvings = 0
        while not (np.isfinite(mu).all() and (mu > 0).all()):
            halvings += 1
            if halvings > 25:
                return beta, False
            beta = (beta + coefold) / 2.0
            mu = X @ beta
        dev = deviance(mu)
        if abs(dev - devold) / (abs(dev) + 0.1) < 1e-8:
            return beta, True
        devold = dev
        coefold = beta.copy()
    return beta, False


def parametric_trend(means: np.ndarray, disps: np.ndarray) -> np.ndarray | None:
    """DESeq2's ``parametricDispersionFit``: disp = a0 + a1 / mean, or None if it fails.

    As in ``estimateDispersionsFit``, only gene-wise estimates above 100 x the minimum
    dispersion enter, and genes whose residual ratio is outside (1e-4, 15) are dropped
    *before* each fit (pydeseq2 fits all genes first, so it converges elsewhere or falls
    back to a mean trend where R succeeds).
    """
    use = disps > 100 * 1e-8
    means, disps = means[use], disps[use]
    coefs = np.array([0.1, 1.0])
    for _ in range(11):
        residuals = disps / (coefs[0] + coefs[1] / means)
        good = (residuals > 1e-4) & (residuals < 15)
        if good.sum() < 2:
            return None
        old = coefs
        coefs, converged = _gamma_identity_glm(disps[good], 1.0 / means[good], coefs)
        if not (coefs > 0).all():
            return None
        if np.sum(np.log(coefs / old) ** 2) < 1e-6 and converged:
            return coefs
    return None


@dataclass(frozen=True)
class Trend:
    """The dispersion trend ``estimateDispersionsFit`` settles on with its default
    ``fitType = "parametric"``: disp = a0 + a1 / mean, or, where that fit fails, the
    local (locfit) regression R substitutes."""

    kind: str  # "parametric", "local", or "mean" where the local fit fails too
    coefs: np.ndarray | None = None
    local: Callable[[np.ndarray], np.ndarray] | None = None
    mean: float | None = None

    def __call__(self, means: np.ndarray) -> np.ndarray:
        means = np.asarray(means, dtype=float)
        if self.coefs is not None:
            a0, a1 = self.coefs
            return a0 + a1 / means
        if self.mean is not None:
            return np.full_like(means, self.mean)
        return self.local(means)


def fit_trend(means: np.ndarray, disps: np.ndarray) -> Trend:
    """DESeq2's ``estimateDispersionsFit`` (default fit type) on the non-zero rows' mean
    normalised counts and gene-wise dispersions; warns when the local trend is used."""
    use = disps > 100 * MIN_DISP
    if not use.any():
        raise InputError(
            "every gene-wise dispersion is within 2 orders of magnitude of the minimum: "
            "no dispersion trend can be fitted"
        )
    coefs = parametric_trend(means, disps)
    if coefs is not None:
        return Trend("parametric", coefs=coefs)
    warnings.warn(
        "the parametric dispersion trend did not converge; a local (locfit) regression "
        "trend is used instead, as R's DESeq2 does",
        MirscopeWarning,
        stacklevel=3,
    )
    try:
        local = local_dispersion_trend(means[use], disps[use], MIN_DISP)
    except MirscopeError as exc:
        # R stops here (locfit's error ends DESeq()); one fold of a cross-validation or
        # one odd matrix should not end a whole run, so the documented fallback is
        # DESeq2's own fitType = "mean".
        big = disps[disps > 10 * MIN_DISP]
        mean_disp = float(_r_trimmed_mean(big[None, :], 0.001)[0])
        warnings.warn(
            f"the local dispersion trend failed too ({exc}); where R's DESeq2 would stop, "
            f"the mean dispersion {mean_disp:.4g} is used (R's fitType = 'mean')",
            MirscopeWarning,
            stacklevel=3,
        )
        return Trend("mean", mean=mean_disp)
    return Trend("local", local=local)


def _map_dispersions(
    y: np.ndarray,
    meta: pd.DataFrame,
    X: pd.DataFrame,
    sf: np.ndarray,
    parent: object = None,
) -> tuple[np.ndarray, object]:
    """Gene-wise, trend and MAP dispersions with pydeseq2 (DESeq2's algorithm).

    Returns the dispersions and the fitted pydeseq2 data set. With ``parent`` (for rows
    refitted after outlier replacement) the trend curve and prior variance are the
    parent's, as in DESeq2's refitWithoutOutliers.
    """
    from pydeseq2.dds import DeseqDataSet
    from pydeseq2.default_inference import DefaultInference

    def build(counts: np.ndarray) -> DeseqDataSet:
        dds = DeseqDataSet(
            counts=pd.DataFrame(
                counts.T.astype(np.int64),
                index=X.index,
                columns=[f"g{i}" for i in range(counts.shape[0])],
            ),
            metadata=meta,
            design=X,
            refit_cooks=False,
            quiet=True,
            inference=DefaultInference(n_cpus=1),
        )
        dds.obs["size_factors"] = sf
        dds.layers["normed_counts"] = dds.X / sf[:, None]
        dds.var["_normed_means"] = dds.layers["normed_counts"].mean(axis=0)
        return dds

    if parent is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sub = build(y)
            sub.fit_genewise_dispersions()
            _search_bound_rows_again(sub, y, X.to_numpy(dtype=float))
            sub.var["fitted_dispersions"] = parent.uns["trend"](sub.var["_normed_means"])
            sub.uns["_squared_logres"] = parent.uns["_squared_logres"]
            sub.uns["prior_disp_var"] = parent.uns["prior_disp_var"]
            sub.fit_MAP_dispersions()
            _search_bound_rows_again(sub, y, X.to_numpy(dtype=float), prior=True)
        return sub.var["dispersions"].to_numpy(dtype=float), parent

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dds = build(y)
        dds.fit_genewise_dispersions()
    _search_bound_rows_again(dds, y, X.to_numpy(dtype=float))
    nz = dds.var["non_zero"].to_numpy(dtype=bool)
    means = dds.var["_normed_means"].to_numpy()[nz]
    trend = fit_trend(means, dds.var["genewise_dispersions"].to_numpy()[nz])
    fitted = np.full(dds.n_vars, np.nan)
    fitted[nz] = trend(means)
    dds.var["fitted_dispersions"] = fitted
    dds.uns["disp_function_type"] = trend.kind
    dds.uns["trend"] = trend
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dds.fit_dispersion_prior()
        dds.fit_MAP_dispersions()
    _search_bound_rows_again(dds, y, X.to_numpy(dtype=float), prior=True)
    return dds.var["dispersions"].to_numpy(dtype=float), dds


def _search_bound_rows_again(
    dds: object, y: np.ndarray, X: np.ndarray, prior: bool = False
) -> None:
    """Rows pydeseq2 put on the upper dispersion bound, searched again as DESeq2 does.

    For a miRNA counted once or twice the Cox-Reid likelihood is nearly flat near its
    start and rises slowly towards large dispersions. pydeseq2's L-BFGS-B runs to the
    bound, while DESeq2's line search stops close to the start. One such row at the bound
    moves a local (locfit) trend fitted to ~100 miRNAs by orders of magnitude, so those
    rows take :func:`dispersion_search` from pydeseq2's own start: the method-of-moments
    estimate for the gene-wise fit, the trend for the MAP fit (where the rows above the
    trend keep their gene-wise value, as DESeq2 does).
    """
    var = dds.var
    nz = var["non_zero"].to_numpy(dtype=bool)
    column, start = (
        ("MAP_dispersions", "fitted_dispersions")
        if prior
        else ("genewise_dispersions", "_MoM_dispersions")
    )
    est = var[column].to_numpy(dtype=float)
    rows = np.flatnonzero(nz & (est >= dds.max_disp * (1 - 1e-6)))
    if rows.size == 0:
        return
    lo, hi = np.log(dds.min_disp), np.log(dds.max_disp)
    mu = np.asarray(dds.layers["_mu_hat"])[:, rows].T
    loglik = cox_reid_loglik(y[rows].astype(float), mu, X)
    x0 = np.log(np.clip(var[start].to_numpy(dtype=float)[rows], dds.min_disp, dds.max_disp))
    objective = loglik
    if prior:
        center, var_prior = x0[:, None], float(np.asarray(dds.uns["prior_disp_var"]).item())

        def objective(a: np.ndarray, subset: np.ndarray | None = None) -> np.ndarray:
            c = center if subset is None else center[subset]
            return loglik(a, subset) - (a - c) ** 2 / (2.0 * var_prior)

    est[rows] = np.clip(
        np.exp(dispersion_search(objective, x0, lo, hi, prior=prior)), dds.min_disp, dds.max_disp
    )
    var[column] = est
    if prior:
        final = est.copy()
        outlier = var["_outlier_genes"].to_numpy(dtype=bool)
        final[outlier] = var["genewise_dispersions"].to_numpy(dtype=float)[outlier]
        var["dispersions"] = np.where(nz, final, np.nan)


MIN_DISP = 1e-8
GRID_POINTS = 20


@dataclass
class DispersionFit:
    """What a refit after outlier replacement reuses: the trend and the prior."""

    trend: Trend
    squared_logres: float
    prior_var: float

    def fitted(self, means: np.ndarray) -> np.ndarray:
        return self.trend(means)


def _linear_mu(y: np.ndarray, sf: np.ndarray, X: np.ndarray) -> np.ndarray:
    """DESeq2's ``linearModelMu`` (least squares on normalised counts, floored at 0.5)."""
    normed = y / sf
    hat = X @ np.linalg.pinv(X)
    return np.maximum((normed @ hat.T) * sf, MIN_MU)


def _start_mu(
    y: np.ndarray, sf: np.ndarray, X: np.ndarray, max_disp: float
) -> tuple[np.ndarray, np.ndarray]:
    """The means the gene-wise dispersions are estimated at, and the rough dispersions
    their search starts from, as pydeseq2 chooses them: the linear model when each design
    row is one group, else pydeseq2's own GLM fit at the rough method-of-moments
    dispersions (one solver run per miRNA, the slow part when there are covariates)."""
    m, p = X.shape
    normed = y / sf
    # pydeseq2's fit_rough_dispersions and fit_moments_dispersions, for all rows at once.
    fitted = np.maximum(normed @ (X @ np.linalg.pinv(X)).T, 1.0)
    rde = np.maximum((((normed - fitted) ** 2 - fitted) / ((m - p) * fitted**2)).sum(axis=1), 0)
    mean = normed.mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mde = np.nan_to_num((normed.var(axis=1, ddof=1) - (1 / sf).mean() * mean) / mean**2)
    rough = np.clip(np.minimum(rde, mde), MIN_DISP, max_disp)
    if len(np.unique(X, axis=0)) == p:
        return _linear_mu(y, sf, X), rough
    from pydeseq2.default_inference import DefaultInference

    _, mu_hat, _, _ = DefaultInference(n_cpus=1).irls(
        counts=y.T, size_factors=sf, design_matrix=X, disp=rough, min_mu=MIN_MU, beta_tol=BETA_TOL
    )
    return mu_hat.T, rough


#: DESeq2's fitDisp line search: first step, Armijo constant, stop at a log-posterior
#: change below ``LS_TOL``, at most ``LS_MAXIT`` tries, proposals kept in [-30, 10].
LS_KAPPA0, LS_EPSILON, LS_TOL, LS_MAXIT = 1.0, 1e-4, 1e-6, 100
LS_BOUNDS = (-30.0, 10.0)


def _line_search(
    objective, start: np.ndarray, stop_below: float, gradient=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """DESeq2's gradient ascent with backtracking (``fitDisp`` in DESeq2.cpp), for all rows
    at once, each iteration evaluating only the rows still searching (``objective`` and
    ``gradient`` take a ``rows`` index). ``gradient`` defaults to central differences of
    ``objective``. Returns the log dispersions, DESeq2's number of tries per row, and
    the first and last log posterior.

    Why DESeq2's own search and not the maximum: for a miRNA counted once or twice at the
    floor mean the likelihood is nearly flat near the start and rises slowly towards the
    upper bound. DESeq2's step halves every five accepted steps, so it stops after a few
    hundredths of a log unit (R reports such rows near their start), while a maximiser
    runs to the bound; one such row at the bound moves a local trend by orders of
    magnitude."""
    h = 1e-4

    def f(x: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
        return objective(x[:, None], rows)[:, 0]

    if gradient is None:

        def gradient(x: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
            return (f(x + h, rows) - f(x - h, rows)) / (2 * h)

    a = start.astype(float).copy()
    n = a.size
    tries = np.zeros(n, dtype=int)
    accepts = np.zeros(n, dtype=int)
    kappa = np.full(n, LS_KAPPA0)
    lp = f(a, None)
    initial = lp.copy()
    dlp = gradient(a, None)
    idx = np.arange(n)  # the rows still searching
    for _ in range(LS_MAXIT):
        if idx.size == 0:
            break
        tries[idx] += 1
        ai, di, ki, lpi = a[idx], dlp[idx], kappa[idx], lp[idx]
        prop = ai + ki * di
        safe = np.where(di == 0, 1.0, di)
        ki = np.where(prop < LS_BOUNDS[0], (LS_BOUNDS[0] - ai) / safe, ki)
        ki = np.where(prop > LS_BOUNDS[1], (LS_BOUNDS[1] - ai) / safe, ki)
        trial = ai + ki * di
        lp_trial = f(trial, idx)
        accept = -lp_trial <= -lpi - ki * LS_EPSILON * di**2
        ki = np.where(accept, ki, ki / 2.0)
        done = accept & ((lp_trial - lpi < LS_TOL) | (trial < stop_below))
        a[idx] = np.where(accept, trial, ai)
        lp[idx] = np.where(accept, lp_trial, lpi)
        go = accept & ~done
        moved = idx[go]
        if moved.size:
            dlp[moved] = gradient(a[moved], moved)
            accepts[moved] += 1
            k_go = np.minimum(ki[go] * 1.1, LS_KAPPA0)
            ki[go] = np.where(accepts[moved] % 5 == 0, k_go / 2.0, k_go)
        kappa[idx] = ki
        idx = idx[~done]
    return a, tries, initial, lp


def dispersion_search(
    objective, start: np.ndarray, lo: float, hi: float, *, prior: bool = False, gradient=None
) -> np.ndarray:
    """Per row, the log dispersion DESeq2 reports (``estimateDispersionsGeneEst``, or
    ``estimateDispersionsMAP`` with ``prior``): its line search from ``start``
    (:func:`_line_search`); for the gene-wise fit, the start again where the search raised
    the log posterior by no more than a millionth; then DESeq2's grid search
    (:func:`_grid_search`) for the rows it refits: those that used every try and, for the
    gene-wise fit, those that stopped after one try with an estimate above 10x the
    minimum."""
    start = np.clip(start, lo, hi)
    searched, tries, initial, last = _line_search(objective, start, lo - np.log(10.0), gradient)
    searched = np.clip(searched, lo, hi)
    refit = tries >= LS_MAXIT
    if not prior:
        no_increase = last < initial + np.abs(initial) / 1e6
        searched = np.where(no_increase, start, searched)
        refit |= tries == 1
        refit &= searched > lo + np.log(10.0)
    if not refit.any():
        return searched
    searched[refit] = _grid_search(objective, start.size, lo, hi)[refit]
    return searched


def _grid_search(objective, n: int, lo: float, hi: float) -> np.ndarray:
    """DESeq2's ``fitDispGrid`` for all rows at once: the best of a 20-point grid over the
    whole range of log dispersions, then the best of a 20-point grid one coarse step
    either side of it. R's refit of the rows its line search did not settle, so their
    values carry R's grid resolution (about 0.14 in log)."""
    grid = np.linspace(lo, hi, GRID_POINTS)
    delta = grid[1] - grid[0]
    best = grid[np.argmax(objective(np.broadcast_to(grid, (n, GRID_POINTS))), axis=1)]
    fine = best[:, None] + np.linspace(-delta, delta, GRID_POINTS)[None, :]
    return fine[np.arange(n), np.argmax(objective(fine), axis=1)]


def cox_reid_loglik(y: np.ndarray, mu: np.ndarray, X: np.ndarray):
    """The Cox-Reid adjusted NB log likelihood of each row as a function of candidate log
    dispersions (rows x k), up to a constant. With t = alpha mu the NB log density is
    log Gamma(y + 1/alpha) - log Gamma(1/alpha) - (y + 1/alpha) log(1 + t) + y log t,
    minus log y!: the Gamma terms are summed over the non-zero counts only (they vanish
    at zero) and y log mu is dropped, which keeps the cost low on sparse data. ``rows``
    evaluates a subset only (the rows a line search has not settled yet)."""
    p = X.shape[1]
    outer = np.einsum("mi,mj->mij", X, X).reshape(len(X), p * p)

    def parts(yy: np.ndarray, mm: np.ndarray) -> tuple:
        nz_rows, nz_cols = np.nonzero(yy)
        has = np.flatnonzero(np.bincount(nz_rows, minlength=yy.shape[0]))
        return (
            nz_rows,
            yy[nz_rows, nz_cols][:, None],
            has,
            np.searchsorted(nz_rows, has),
            yy.sum(axis=1)[:, None],
            mm[:, None, :],
            yy[:, None, :],
        )

    everything = parts(y, mu)

    def objective(log_alpha: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        nz_rows, y_nz, has, starts, y_sum, mu3, y3 = (
            everything if rows is None else parts(y[rows], mu[rows])
        )
        alpha = np.exp(log_alpha)
        size = 1.0 / alpha
        ll = y_sum * log_alpha
        if nz_rows.size:
            s_nz = size[nz_rows]
            terms = special.gammaln(y_nz + s_nz) - special.gammaln(s_nz)
            ll[has] += np.add.reduceat(terms, starts, axis=0)
        one_t = 1.0 + alpha[:, :, None] * mu3
        ll -= ((size[:, :, None] + y3) * np.log(one_t)).sum(axis=2)
        xtwx = (mu3 / one_t) @ outer
        if p == 1:
            logdet = np.log(xtwx[..., 0])
        elif p == 2:
            logdet = np.log(xtwx[..., 0] * xtwx[..., 3] - xtwx[..., 1] * xtwx[..., 2])
        else:
            logdet = np.linalg.slogdet(xtwx.reshape(*xtwx.shape[:-1], p, p))[1]
        return ll - 0.5 * logdet

    return objective


def fast_dispersions(
    y: np.ndarray, sf: np.ndarray, X: np.ndarray, parent: DispersionFit | None = None
) -> tuple[np.ndarray, DispersionFit]:
    """DESeq2's dispersion estimates, vectorised over miRNAs for refits in a loop.

    The same estimator as :func:`_map_dispersions` (gene-wise Cox-Reid maximum
    likelihood at the linear-model means, the trend of :func:`fit_trend`, the prior
    variance from the MAD of the log residuals minus trigamma((m - p) / 2) floored at
    0.25, MAP shrinkage, gene-wise estimates kept for genes more than two residual SDs
    above the trend), but each maximisation is DESeq2's own line search and grid refit
    (:func:`dispersion_search`) run over all miRNAs at once instead of one L-BFGS-B run per miRNA:
    much faster than pydeseq2, and it lands where R lands, including the miRNAs counted
    once or twice whose nearly flat likelihoods send a maximiser to the bound. With
    ``parent``, the trend and the prior are the parent's (DESeq2's refit after outlier
    replacement).
    """
    m, p = X.shape
    max_disp = max(10.0, float(m))
    lo, hi = np.log(MIN_DISP), np.log(max_disp)
    mu, rough = _start_mu(y, sf, X, max_disp)
    loglik = cox_reid_loglik(y, mu, X)
    gene = np.exp(dispersion_search(loglik, np.log(rough), lo, hi))
    gene = np.clip(gene, MIN_DISP, max_disp)
    means = (y / sf).mean(axis=1)
    if parent is None:
        trend = fit_trend(means, gene)
        fitted = trend(means)
        above = gene >= 100 * MIN_DISP
        resid = np.log(gene[above]) - np.log(fitted[above])
        mad = np.median(np.abs(resid - np.median(resid))) / stats.norm.ppf(0.75)
        squared = float(mad**2)
        prior_var = max(squared - float(special.polygamma(1, (m - p) / 2)), 0.25)
        parent = DispersionFit(trend, squared, prior_var)
    fitted = parent.fitted(means)
    log_trend = np.log(fitted)[:, None]

    def posterior(a: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        center = log_trend if rows is None else log_trend[rows]
        return loglik(a, rows) - (a - center) ** 2 / (2.0 * parent.prior_var)

    disp = np.clip(
        np.exp(dispersion_search(posterior, log_trend[:, 0], lo, hi, prior=True)),
        MIN_DISP,
        max_disp,
    )
    outlier = np.log(gene) > np.log(fitted) + 2.0 * np.sqrt(parent.squared_logres)
    disp[outlier] = gene[outlier]
    return disp, parent


def run_deseq(
    counts: pd.DataFrame,
    metadata: pd.DataFrame,
    condition: str,
    reference: str,
    *,
    covariates: Sequence[str] = (),
    sf_type: normalize.SizeFactorType = "auto",
    alpha: float = 0.1,
    dispersions: str = "pydeseq2",
) -> DeseqResult:
    """``DESeq(dds); results(dds, alpha=alpha)`` for design ``~ covariates + condition``.

    ``counts``: miRNAs x samples (integers); ``metadata`` indexed by sample with the
    condition (two levels, ``reference`` the denominator) and covariates, no NA.
    ``dispersions``: ``pydeseq2`` (the DE stage) or ``fast`` (:func:`fast_dispersions`,
    the same estimator vectorised, for the refits inside cross-validation folds).
    """
    if dispersions not in ("pydeseq2", "fast"):
        raise InputError("unknown dispersion method", value=dispersions, allowed="pydeseq2, fast")
    samples = list(counts.columns)
    meta = metadata.loc[samples]
    X = design_matrix(meta, condition, reference, covariates)
    m, p = X.shape
    if m <= p:
        raise InputError(
            f"{m} samples cannot fit a design with {p} coefficients",
            column=condition,
            allowed="more samples than coefficients",
        )
    sf = normalize.size_factors(counts, sf_type)
    kind = normalize.resolve_size_factor_type(counts, sf_type)
    y_all = counts.to_numpy(dtype=np.int64)
    all_zero = (y_all == 0).all(axis=1)
    table = pd.DataFrame(np.nan, index=counts.index, columns=RESULT_COLUMNS)
    table["baseMean"] = (y_all / sf.to_numpy()).mean(axis=1)
    n_refit = 0
    if (~all_zero).sum() == 0:
        warnings.warn("every miRNA is zero in every sample", MirscopeWarning, stacklevel=2)
        return DeseqResult(table, sf, kind, 0, X)

    genes = counts.index[~all_zero]
    Xv = X.to_numpy()
    sfv = sf.to_numpy()
    y = y_all[~all_zero].astype(float)
    if dispersions == "fast":
        disp, parent = fast_dispersions(y, sfv, Xv)
    else:
        disp, parent = _map_dispersions(y, meta, X, sfv)
    lfc, se, hat = wald(y, sfv, Xv, disp)
    mu = sfv * np.exp(lfc @ Xv.T * np.log(2.0))  # DESeq2: unfloored means for Cook's
    cooks = cooks_distance(y, y / sfv, mu, hat, Xv)
    base_mean = (y / sfv).mean(axis=1)
    cutoff = stats.f.ppf(0.99, p, m - p)

    # DESeq() replaces outliers in samples with >= 7 replicates and refits those rows.
    replace = (cooks > cutoff).any(axis=1)
    replaceable = n_or_more_in_cell(Xv, 7)
    y_fit = y.copy()
    new_zero = np.zeros(len(genes), dtype=bool)
    refitted = False
    if replace.any() and replaceable.any():
        trim = _r_trimmed_mean(y / sfv, 0.2)
        replacement = np.trunc(np.outer(trim, sfv))
        cells = (cooks > cutoff) & replaceable[None, :]
        y_fit[cells] = replacement[cells]
        new_zero = replace & (y_fit == 0).all(axis=1)
        rows = np.flatnonzero(replace & ~new_zero)
        if rows.size:
            refitted = True
            n_refit = int(rows.size)
            if dispersions == "fast":
                disp[rows], _ = fast_dispersions(y_fit[rows], sfv, Xv, parent=parent)
            else:
                disp[rows], _ = _map_dispersions(y_fit[rows], meta, X, sfv, parent=parent)
            lfc[rows], se[rows], _ = wald(y_fit[rows], sfv, Xv, disp[rows])
        base_mean[replace] = (y_fit[replace] / sfv).mean(axis=1)
    stat = lfc[:, -1] / se[:, -1]
    pval = 2.0 * stats.norm.sf(np.abs(stat))
    lfc_c, se_c = lfc[:, -1].copy(), se[:, -1].copy()
    for arr in (lfc_c, se_c, stat, pval):
        arr[new_zero] = np.nan

    # Cook's filtering as results() does it (recordMaxCooks after the refit).
    for_max = n_or_more_in_cell(Xv, 3)
    max_cooks = np.full(len(genes), np.nan)
    if for_max.any() and not (refitted and replaceable.all()):
        use = cooks.copy()
        if refitted:
            use[:, replaceable] = 0.0
        max_cooks = use[:, for_max].max(axis=1)
    with np.errstate(invalid="ignore"):
        outlier = max_cooks > cutoff
    if outlier.any() and not covariates:
        for gi in np.flatnonzero(outlier):
            out_count = y[gi, int(np.argmax(cooks[gi]))]
            if (y[gi] > out_count).sum() >= 3:
                outlier[gi] = False
    pval[outlier] = np.nan
    if new_zero.any():
        # results(): miRNAs whose counts became all zero after replacement are reported
        # as no change (log2FC 0, SE 0, stat 0, p 1), after Cook's filtering.
        lfc_c[new_zero], se_c[new_zero], stat[new_zero], pval[new_zero] = 0.0, 0.0, 0.0, 1.0

    table.loc[genes, "baseMean"] = base_mean
    table.loc[genes, "log2FoldChange"] = lfc_c
    table.loc[genes, "lfcSE"] = se_c
    table.loc[genes, "stat"] = stat
    table.loc[genes, "pvalue"] = pval
    table["padj"] = independent_filtering(
        table["baseMean"].to_numpy(), table["pvalue"].to_numpy(), alpha
    )
    log.info(
        "%s vs %s: %d miRNAs, %d Cook's outliers, %d refitted",
        condition,
        reference,
        len(table),
        int(outlier.sum()),
        n_refit,
    )
    return DeseqResult(table, sf, kind, n_refit, X)


def compare_groups(
    counts: pd.DataFrame,
    table: pd.DataFrame,
    condition: str,
    reference: str,
    *,
    covariates: Sequence[str] = (),
    sf_type: normalize.SizeFactorType = "auto",
    alpha: float = 0.1,
    source: str = "table",
    dispersions: str = "pydeseq2",
) -> DeseqResult:
    """Run :func:`run_deseq` on the samples with the condition and covariates present.

    ``table`` is indexed by sample and must hold every sample of ``counts``; samples with
    an empty condition or covariate are excluded and counted (warning), and each group
    needs at least 3 samples (:class:`InputError` otherwise).
    """
    require_columns(
        table, [condition, *covariates], source=source, message="column not in the table"
    )
    table = table.loc[[str(s) for s in counts.columns]]
    present = table[[condition, *covariates]].notna().all(axis=1)
    if (~present).any():
        warnings.warn(
            f"{int((~present).sum())} of {len(table)} samples excluded: "
            f"'{condition}' or a covariate is empty",
            MirscopeWarning,
            stacklevel=2,
        )
    table = table.loc[present]
    sizes = table[condition].astype(str).value_counts()
    if reference not in sizes.index:
        raise InputError(
            "reference level has no samples",
            path=source,
            column=condition,
            value=reference,
            allowed=", ".join(sorted(sizes.index)) or "(no non-empty values)",
        )
    small = sizes[sizes < 3]
    if len(sizes) != 2 or len(small):
        raise InputError(
            "a Wald test needs two groups of at least 3 samples each",
            path=source,
            column=condition,
            value=dict(sizes.sort_index()),
            allowed="exactly two levels with >= 3 samples each",
        )
    sub = counts[list(table.index)]
    zero = (sub.to_numpy() == 0).all(axis=1)
    if zero.any():
        log.info("%d miRNAs are zero in every tested sample (reported with NA)", zero.sum())
    return run_deseq(
        sub,
        table,
        condition,
        reference,
        covariates=covariates,
        sf_type=sf_type,
        alpha=alpha,
        dispersions=dispersions,
    )


def results_frame(result: DeseqResult) -> pd.DataFrame:
    """The results table with a ``mirna`` column first (the ``mirscope de`` output)."""
    df = result.table.reset_index()
    df.columns = ["mirna", *RESULT_COLUMNS]
    return df


def select_de(results: pd.DataFrame, *, lfc: float = 1.0, p: float = 0.05) -> pd.DataFrame:
    """Rows with |log2FoldChange| > lfc and raw p < p (the paper's rule), by p-value.

    Adds ``direction`` (``up``: higher in the case group). Input: a ``mirscope de``
    table (``mirna`` + :data:`RESULT_COLUMNS`).
    """
    keep = (results["log2FoldChange"].abs() > lfc) & (results["pvalue"] < p)
    out = results.loc[keep].copy()
    out["direction"] = np.where(out["log2FoldChange"] > 0, "up", "down")
    return out.sort_values(["pvalue", "mirna"], kind="stable").reset_index(drop=True)


def read_results(path: str) -> pd.DataFrame:
    """Read a ``mirscope de`` table, checking its columns."""
    try:
        df = pd.read_csv(path, sep="\t")
    except FileNotFoundError as exc:
        raise InputError("DE table not found", path=str(path)) from exc
    require_columns(
        df,
        ["mirna", *RESULT_COLUMNS],
        source=str(path),
        message="not a mirscope de table",
        allowed="mirna, " + ", ".join(RESULT_COLUMNS),
    )
    return df

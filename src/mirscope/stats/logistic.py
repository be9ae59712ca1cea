"""Maximum-likelihood logistic regression equal to R's ``glm(family = binomial)``.

The paper's toxicity and response models are small multivariable logistic regressions on
53 patients (16 CRS grade >= 2 events), exactly where maximum likelihood breaks: complete
separation sends coefficients to infinity, a constant column is not estimable, and too few
events per variable give unstable estimates. R prints a warning and returns nonsense
coefficients; here every such case warns (:class:`~mirscope.errors.MirscopeWarning`) and
takes a documented fallback:

* rows with a missing outcome or predictor are dropped (complete cases), with a warning
  naming how many; a predictor missing for every row is dropped;
* a constant (zero-variance) predictor, or one collinear with earlier ones, is dropped;
* fewer than 5 events per predictor (min of events and non-events / predictors) warns;
* separation (IRLS does not converge, or fitted probabilities reach 0/1) switches to
  Firth's penalised likelihood (Firth 1993, as R's ``logistf``), whose estimates are
  finite; its SEs come from the penalised information, p-values are Wald, and the result
  has ``method = "firth"``.

Estimation is Newton-Raphson (= IRLS for the canonical link) run to convergence; SEs come
from the inverse Fisher information at the estimate, as ``summary.glm``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from mirscope.errors import InputError, MirscopeWarning
from mirscope.io import require_columns

MIN_EVENTS_PER_VARIABLE = 5
_MAX_ITER = 100
_TOL = 1e-12
_SEPARATION_PROB = 1e-10


@dataclass
class LogisticFit:
    """A fitted model. ``coef`` etc. are indexed by term (``(Intercept)`` first)."""

    terms: list[str]
    coef: np.ndarray
    se: np.ndarray
    method: str = "ml"
    n: int = 0
    events: int = 0
    dropped: list[str] = field(default_factory=list)
    converged: bool = True
    #: Covariance of ``coef`` (inverse information), for confidence bands of predictions.
    cov: np.ndarray | None = None

    def predict_proba(self, x: pd.DataFrame | np.ndarray) -> np.ndarray:
        """P(outcome = 1) for rows of ``x`` (columns = the non-intercept terms)."""
        if isinstance(x, pd.DataFrame):
            x = x[self.terms[1:]].to_numpy(dtype=float)
        x = np.atleast_2d(np.asarray(x, dtype=float))
        eta = self.coef[0] + x @ self.coef[1:]
        return special.expit(eta)

    def table(self) -> pd.DataFrame:
        """Coefficient table: term, estimate, std_error, z, p_value, odds_ratio, ci_low,
        ci_high (Wald 95% CI of the odds ratio)."""
        z = self.coef / self.se
        p = 2.0 * stats.norm.sf(np.abs(z))
        q = stats.norm.ppf(0.975)
        return pd.DataFrame(
            {
                "term": self.terms,
                "estimate": self.coef,
                "std_error": self.se,
                "z": z,
                "p_value": p,
                "odds_ratio": np.exp(self.coef),
                "ci_low": np.exp(self.coef - q * self.se),
                "ci_high": np.exp(self.coef + q * self.se),
            }
        )


def _newton(x: np.ndarray, y: np.ndarray, firth: bool) -> tuple[np.ndarray, np.ndarray, bool]:
    """Return (beta, covariance, converged) by Newton-Raphson, Firth-penalised if asked."""
    n, k = x.shape
    beta = np.zeros(k)
    if not firth:
        # glm's start: eta = logit((y + 0.5) / 2) -> one weighted LS step; zeros work too.
        pass
    converged = False
    for _ in range(_MAX_ITER):
        eta = x @ beta
        p = special.expit(eta)
        w = p * (1.0 - p)
        info = x.T @ (x * w[:, None])
        try:
            cov = np.linalg.inv(info)
        except np.linalg.LinAlgError:
            return beta, np.full((k, k), np.nan), False
        resid = y - p
        if firth:
            # Hat diagonal of W^1/2 X (X'WX)^-1 X' W^1/2; modified score adds h (1/2 - p).
            h = np.einsum("ij,jk,ik->i", x, cov, x) * w
            resid = resid + h * (0.5 - p)
        step = cov @ (x.T @ resid)
        if firth:
            # Step-halving on the penalised log-likelihood keeps Firth iterations stable.
            def pen_ll(b: np.ndarray) -> float:
                e = x @ b
                ll = float(np.sum(y * e - np.logaddexp(0.0, e)))
                pp = special.expit(e)
                sign, logdet = np.linalg.slogdet(x.T @ (x * (pp * (1 - pp))[:, None]))
                return ll + 0.5 * logdet

            current = pen_ll(beta)
            t = 1.0
            while t > 1e-8 and pen_ll(beta + t * step) < current - 1e-12:
                t /= 2
            step = t * step
        beta = beta + step
        if np.max(np.abs(step)) < _TOL * (1.0 + np.max(np.abs(beta))):
            converged = True
            break
        if not np.all(np.isfinite(beta)) or np.max(np.abs(beta)) > 1e6:
            break
    eta = x @ beta
    p = special.expit(eta)
    w = p * (1.0 - p)
    try:
        cov = np.linalg.inv(x.T @ (x * w[:, None]))
    except np.linalg.LinAlgError:
        cov = np.full((k, k), np.nan)
    return beta, cov, converged


def prepare(
    data: pd.DataFrame, outcome: str, predictors: list[str], *, source: str = "table"
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Complete cases, 0/1 outcome and usable predictors (see module docstring)."""
    require_columns(data, [outcome, *predictors], source=source)
    dropped: list[str] = []
    usable = []
    for col in predictors:
        if data[col].isna().all():
            warnings.warn(
                f"{source}: predictor '{col}' is missing for every row; dropped",
                MirscopeWarning,
                stacklevel=3,
            )
            dropped.append(col)
        else:
            usable.append(col)
    sub = data[[outcome, *usable]]
    complete = sub.notna().all(axis=1)
    if not complete.all():
        warnings.warn(
            f"{source}: {int((~complete).sum())} of {len(sub)} rows have a missing outcome or "
            f"predictor and are left out (complete-case analysis)",
            MirscopeWarning,
            stacklevel=3,
        )
    sub = sub[complete]
    y = pd.to_numeric(sub[outcome], errors="coerce")
    bad = ~y.isin([0, 1])
    if bad.any():
        idx = bad.idxmax()
        raise InputError(
            "outcome must be coded 0/1",
            path=source,
            row=idx,
            column=outcome,
            value=sub.at[idx, outcome],
            allowed="0, 1",
        )
    cols: list[str] = []
    mats: list[np.ndarray] = [np.ones((len(sub), 1))]
    for col in usable:
        values = pd.to_numeric(sub[col], errors="coerce")
        if values.isna().any():
            idx = values.isna().idxmax()
            raise InputError(
                "predictor must be numeric (encode categories as 0/1 first)",
                path=source,
                row=idx,
                column=col,
                value=sub.at[idx, col],
            )
        v = values.to_numpy(dtype=float)
        if len(v) == 0 or np.ptp(v) == 0:
            warnings.warn(
                f"{source}: predictor '{col}' is constant; dropped", MirscopeWarning, stacklevel=3
            )
            dropped.append(col)
            continue
        candidate = np.hstack([*mats, v[:, None]])
        if np.linalg.matrix_rank(candidate) < candidate.shape[1]:
            warnings.warn(
                f"{source}: predictor '{col}' is collinear with earlier terms; dropped",
                MirscopeWarning,
                stacklevel=3,
            )
            dropped.append(col)
            continue
        mats.append(v[:, None])
        cols.append(col)
    return np.hstack(mats), y.to_numpy(dtype=float), cols, dropped


def fit_logistic(
    data: pd.DataFrame,
    outcome: str,
    predictors: list[str],
    *,
    source: str = "table",
    firth: bool | None = None,
) -> LogisticFit:
    """Fit ``outcome ~ predictors`` by maximum likelihood (R ``glm(binomial)``).

    ``firth=None`` (default) uses maximum likelihood and falls back to Firth on separation;
    ``True`` forces Firth, ``False`` forbids the fallback (separation then only warns).
    """
    x, y, cols, dropped = prepare(data, outcome, predictors, source=source)
    n = len(y)
    events = int(y.sum())
    if n == 0 or events == 0 or events == n:
        raise InputError(
            f"outcome has {events} events in {n} complete rows; a logistic model needs both "
            "classes",
            path=source,
            column=outcome,
        )
    if cols and min(events, n - events) / len(cols) < MIN_EVENTS_PER_VARIABLE:
        warnings.warn(
            f"{source}: {min(events, n - events)} events (minority class) for {len(cols)} "
            f"predictors, fewer than {MIN_EVENTS_PER_VARIABLE} per predictor; estimates are "
            "unstable",
            MirscopeWarning,
            stacklevel=2,
        )
    terms = ["(Intercept)", *cols]
    method = "firth" if firth else "ml"
    beta, cov, converged = _newton(x, y, firth=bool(firth))
    if not firth:
        p = special.expit(x @ beta)
        separated = (not converged) or bool(
            np.any((p < _SEPARATION_PROB) | (p > 1 - _SEPARATION_PROB))
        )
        if separated:
            if firth is None:
                warnings.warn(
                    f"{source}: outcome '{outcome}' is (quasi-)separated by "
                    f"{', '.join(cols) or 'the intercept'}; maximum likelihood has no finite "
                    "estimate, using Firth's penalised likelihood instead",
                    MirscopeWarning,
                    stacklevel=2,
                )
                beta, cov, converged = _newton(x, y, firth=True)
                method = "firth"
            else:
                warnings.warn(
                    f"{source}: outcome '{outcome}' is separated; coefficients are not finite",
                    MirscopeWarning,
                    stacklevel=2,
                )
    se = np.sqrt(np.diag(cov))
    return LogisticFit(
        terms=terms,
        coef=beta,
        se=se,
        method=method,
        n=n,
        events=events,
        dropped=dropped,
        converged=converged,
        cov=cov,
    )


def wald_p(fit: LogisticFit) -> dict[str, float]:
    """Two-sided Wald p-value per term."""
    return {
        t: float(2.0 * stats.norm.sf(abs(c / s))) if s > 0 else math.nan
        for t, c, s in zip(fit.terms, fit.coef, fit.se, strict=True)
    }

"""DESeq2's default variance-stabilising transformation (``blind = TRUE``), and CPM.

Why not pydeseq2's ``dds.vst(use_design=False)``: its gene-wise dispersions are the exact
likelihood maxima (L-BFGS-B), whereas R stops its Armijo line search at a log-posterior
change below 1e-6 and falls back to a grid for rows that did not converge. The trend is
fitted to those estimates, so pydeseq2's VST differs from R's by ~1e-5 relative on a
demo-like matrix, and on sparse plasma matrices its parametric trend fit fails and it
switches to a mean trend where R's succeeds. Here the gene-wise step follows
``DESeq2::estimateDispersionsGeneEst`` for the intercept-only design (moments/rough start,
means from the normalised row mean floored at 0.5, the line search with its step rules,
"no increase" reset, 20+20-point grid refit: :func:`mirscope.de.deseq.dispersion_search`, the
search the DE dispersions use, here with the analytic gradient), and the trend is
:func:`mirscope.de.deseq.fit_trend` (R's ``estimateDispersionsFit`` with its default fit
type), so the result equals ``varianceStabilizingTransformation(dds, blind = TRUE)`` to
rounding.

Size factors are :func:`mirscope.de.normalize.size_factors` (``auto``): ``ratio`` as R's
default, ``poscounts`` when every miRNA has a zero, where R's default would stop.

Where the parametric trend fails, R's default substitutes the local (locfit) trend
(:mod:`mirscope.de.locfit`) and ``getVarianceStabilizedData`` integrates 1 / sqrt(variance) numerically on an asinh grid, interpolated with
``splinefun``; both are reproduced, so the VST equals R's default on every matrix, and we
warn which trend was used, as R's message does. Plasma data at low depth gets there: the
demo cohort at 1,500 reads per sample (80% zeros) does, in R too.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import special

from mirscope.de import normalize
from mirscope.de.deseq import cox_reid_loglik, dispersion_search, fit_trend
from mirscope.errors import InputError

log = logging.getLogger(__name__)

MIN_DISP = 1e-8
MIN_MU = 0.5


def _dlog_posterior(y: np.ndarray, mu: np.ndarray):
    """The analytic derivative in log(alpha) of the intercept-only Cox-Reid log likelihood
    (DESeq2's ``dlog_posterior``), one value per row, so the line search takes the steps
    R takes to rounding rather than to a finite difference's error."""

    def gradient(a: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        yy, mm = (y, mu) if rows is None else (y[rows], mu[rows])
        alpha = np.exp(a)[:, None]
        w = 1.0 / (1.0 / mm + alpha)
        dw = -(w**2)
        cr = -0.5 * dw.sum(axis=1) / w.sum(axis=1)
        inv = 1.0 / alpha
        ll = inv[:, 0] ** 2 * np.sum(
            special.digamma(inv)
            + np.log(1.0 + mm * alpha)
            - mm * alpha / (1.0 + mm * alpha)
            - special.digamma(yy + inv)
            + yy / (mm + inv),
            axis=1,
        )
        return (ll + cr) * alpha[:, 0]

    return gradient


def gene_dispersions(counts: np.ndarray, sf: np.ndarray) -> np.ndarray:
    """Gene-wise dispersions of the intercept-only model (NaN for all-zero rows).

    ``counts`` is miRNAs x samples; see the module docstring for what is reproduced.
    """
    y_all = np.asarray(counts, dtype=float)
    m = y_all.shape[1]
    if m < 2:
        raise InputError("a dispersion needs at least 2 samples", value=m, allowed=">= 2")
    out = np.full(y_all.shape[0], np.nan)
    nz = y_all.sum(axis=1) > 0
    y = y_all[nz]
    norm = y / sf
    base_mean = norm.mean(axis=1)
    base_var = norm.var(axis=1, ddof=1)
    mu_rough = np.maximum(1.0, np.repeat(base_mean[:, None], m, axis=1))
    rough = np.maximum(
        np.sum(((norm - mu_rough) ** 2 - mu_rough) / mu_rough**2, axis=1) / (m - 1), 0
    )
    moments = (base_var - np.mean(1.0 / sf) * base_mean) / base_mean**2
    max_disp = max(10.0, float(m))
    alpha_init = np.clip(np.minimum(rough, moments), MIN_DISP, max_disp)
    mu = np.maximum(base_mean[:, None] * sf[None, :], MIN_MU)
    lo, hi = np.log(MIN_DISP), np.log(max_disp)
    loglik = cox_reid_loglik(y, mu, np.ones((m, 1)))
    disp = np.exp(
        dispersion_search(loglik, np.log(alpha_init), lo, hi, gradient=_dlog_posterior(y, mu))
    )
    out[nz] = np.clip(disp, MIN_DISP, max_disp)
    return out


def vst(counts: pd.DataFrame, sf_type: normalize.SizeFactorType = "auto") -> pd.DataFrame:
    """``varianceStabilizingTransformation(dds, blind = TRUE)`` of a count matrix.

    Every row is kept, all-zero rows included (they get the transform of 0), as R does.
    """
    x = counts.to_numpy(dtype=float)
    sf = normalize.size_factors(counts.loc[(x > 0).any(axis=1)], sf_type).to_numpy()
    disp = gene_dispersions(x, sf)
    nz = np.isfinite(disp)
    base_mean = (x / sf).mean(axis=1)
    trend = fit_trend(base_mean[nz], disp[nz])
    q = x / sf
    if trend.kind == "parametric":
        a0, a1 = trend.coefs
        log.info("VST: parametric trend asymptDisp %.6g extraPois %.6g", a0, a1)
        values = np.log(
            (1 + a1 + 2 * a0 * q + 2 * np.sqrt(a0 * q * (1 + a1 + a0 * q))) / (4 * a0)
        ) / np.log(2)
    elif trend.kind == "mean":
        d = trend.mean
        values = (2 * np.arcsinh(np.sqrt(d * q)) - np.log(d) - np.log(4)) / np.log(2)
    else:
        values = _local_vst(q, sf, trend)
    return pd.DataFrame(values, index=counts.index, columns=counts.columns)


def _r_quantile(x: np.ndarray, prob: float) -> float:
    """R's ``quantile(x, prob)`` (type 7), in R's arithmetic."""
    x = np.sort(x)
    index = (x.size - 1) * prob
    lo, hi = int(np.floor(index)), int(np.ceil(index))
    q = x[lo]
    if index > lo and x[hi] != q:
        h = index - lo
        q = (1 - h) * q + h * x[hi]
    return float(q)


def _fmm_spline(x: np.ndarray, y: np.ndarray):
    """R's ``splinefun(x, y)`` (method ``fmm``: end conditions from cubics through the
    first and last four points), for increasing ``x``; beyond the knots each end cubic
    is extended, as R's ``spline_eval`` does."""
    n = x.size
    if n < 3:
        raise InputError("a spline needs at least 3 knots", value=n, allowed=">= 3")
    b = np.zeros(n)
    c = np.zeros(n)
    d = np.zeros(n)
    d[:-1] = np.diff(x)
    c[1:] = np.diff(y) / d[:-1]
    b[1:-1] = 2.0 * (d[:-2] + d[1:-1])
    c[1:-1] = c[2:] - c[1:-1]
    b[0], b[-1] = -d[0], -d[-2]
    c[0] = c[-1] = 0.0
    if n > 3:
        c0 = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        cn = c[-2] / (x[-1] - x[-3]) - c[-3] / (x[-2] - x[-4])
        c[0] = c0 * d[0] * d[0] / (x[3] - x[0])
        c[-1] = -cn * d[-2] * d[-2] / (x[-1] - x[-4])
    for i in range(1, n):  # Gaussian elimination, as in R's loop
        t = d[i - 1] / b[i - 1]
        b[i] = b[i] - t * d[i - 1]
        c[i] = c[i] - t * c[i - 1]
    c[-1] = c[-1] / b[-1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[-1] = (y[-1] - y[-2]) / d[-2] + d[-2] * (c[-2] + 2.0 * c[-1])
    b[:-1] = (y[1:] - y[:-1]) / d[:-1] - d[:-1] * (c[1:] + 2.0 * c[:-1])
    d[:-1] = (c[1:] - c[:-1]) / d[:-1]
    c = 3.0 * c
    d[-1] = d[-2]

    def evaluate(u: np.ndarray) -> np.ndarray:
        i = np.clip(np.searchsorted(x, u, side="right") - 1, 0, n - 1)
        dx = u - x[i]
        return y[i] + dx * (b[i] + dx * (c[i] + dx * d[i]))

    return evaluate


def _local_vst(q: np.ndarray, sf: np.ndarray, trend) -> np.ndarray:
    """``getVarianceStabilizedData`` for a non-parametric trend: the integral of
    1 / sqrt(trend(mu) mu^2 + mean(1 / sf) mu) by the trapezoid rule on a 1,000-point
    asinh grid, interpolated with R's ``splinefun``, then scaled so that the rows' mean
    normalised counts at the 95% and 99.9% quantiles map to their log2."""
    xg = np.sinh(np.linspace(np.arcsinh(0.0), np.arcsinh(q.max()), 1000))[1:]
    xim = np.mean(1.0 / sf)
    base_vars = trend(xg) * xg**2 + xim * xg
    integrand = 1.0 / np.sqrt(base_vars)
    splf = _fmm_spline(
        np.arcsinh((xg[1:] + xg[:-1]) / 2),
        np.cumsum((xg[1:] - xg[:-1]) * (integrand[1:] + integrand[:-1]) / 2),
    )
    row_means = q.mean(axis=1)
    h1, h2 = _r_quantile(row_means, 0.95), _r_quantile(row_means, 0.999)
    s1, s2 = splf(np.array([np.arcsinh(h1), np.arcsinh(h2)]))
    eta = (np.log2(h2) - np.log2(h1)) / (s2 - s1)
    xi = np.log2(h1) - eta * s1
    return eta * splf(np.arcsinh(q)) + xi


def cpm(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts per million of each sample's total (NaN for a sample without counts)."""
    x = counts.to_numpy(dtype=float)
    totals = x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(totals > 0, x / totals * 1e6, np.nan)
    return pd.DataFrame(values, index=counts.index, columns=counts.columns)

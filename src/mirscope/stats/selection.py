"""Stability of weighted-LASSO selection over repeated stratified subsamples.

One LASSO fit on 53 patients picks an unstable set; the paper ranks variables by how often
weighted LASSO selects them over repeated resamples (toxicity) or training-validation
splits (response). Each resample draws ``fraction`` of the patients *within each class*
(stratified, without replacement), fits the class-balanced weighted LASSO
(:mod:`mirscope.stats.lasso`) at ``lambda = lambda_ratio x lambda_max`` of that resample
(a fixed point of the path, as in stability selection; lambda_max is the smallest lambda
selecting nothing), and records which variables have a non-zero coefficient. Resamples
are drawn from a generator seeded by the caller, so frequencies are reproducible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mirscope.stats.lasso import balanced_weights, fit_lasso, lambda_max


def stratified_subsample(y: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted row indices: ``fraction`` of each class (at least one per class)."""
    chosen = []
    for cls in (0.0, 1.0):
        idx = np.flatnonzero(y == cls)
        k = max(1, int(round(fraction * len(idx))))
        chosen.append(rng.choice(idx, size=min(k, len(idx)), replace=False))
    return np.sort(np.concatenate(chosen))


def selection_frequencies(
    frame: pd.DataFrame,
    candidates: list[str],
    *,
    resamples: int,
    fraction: float,
    lambda_ratio: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Per candidate: ``variable``, ``frequency`` (share of resamples selecting it),
    ``mean_coefficient`` (mean coefficient on the original scale over the resamples that
    selected it), ``mean_abs_std_coefficient`` (mean |coefficient x SD| over all resamples,
    the tie-breaker), sorted by frequency, then strength (both descending), then name.

    Rows with a missing candidate value are left out (complete cases).
    """
    data = frame[["y", *candidates]].dropna()
    x = data[candidates].to_numpy(dtype=float)
    y = data["y"].to_numpy(dtype=float)
    counts = np.zeros(len(candidates))
    coef_sum = np.zeros(len(candidates))
    std_sum = np.zeros(len(candidates))
    sd = x.std(axis=0)
    done = 0
    for _ in range(resamples):
        rows = stratified_subsample(y, fraction, rng)
        xs, ys = x[rows], y[rows]
        if ys.min() == ys.max():
            continue
        w = balanced_weights(ys)
        lam = lambda_ratio * lambda_max(xs, ys, w)
        _, coef = fit_lasso(xs, ys, lam, w, tol=1e-9)
        nz = coef != 0
        counts += nz
        coef_sum += np.where(nz, coef, 0.0)
        std_sum += np.abs(coef) * sd
        done += 1
    freq = counts / max(done, 1)
    mean_coef = np.divide(coef_sum, counts, out=np.zeros_like(coef_sum), where=counts > 0)
    table = pd.DataFrame(
        {
            "variable": candidates,
            "frequency": freq,
            "mean_coefficient": mean_coef,
            "mean_abs_std_coefficient": std_sum / max(done, 1),
        }
    )
    # Ties in frequency are common (several miRNAs selected in every resample), and the
    # top-k cut must not fall by name: the stronger standardised effect ranks first.
    table = table.sort_values(
        ["frequency", "mean_abs_std_coefficient", "variable"],
        ascending=[False, False, True],
        kind="stable",
    )
    return table.reset_index(drop=True)


def top_selected(table: pd.DataFrame, among: list[str], n: int) -> list[str]:
    """The ``n`` most frequently selected variables of ``among`` (frequency > 0)."""
    sub = table[table["variable"].isin(among) & (table["frequency"] > 0)]
    return list(sub["variable"].head(n))

"""Weighted LASSO: agreement with R glmnet (same weights, standardisation, lambda), CLI."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import require_r
from mirscope.cli import main
from mirscope.stats.lasso import balanced_weights, fit_lasso, lambda_max
from mirscope.stats.selection import selection_frequencies, stratified_subsample


def _data(seed: int = 2, n: int = 53, k: int = 12):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, k)) * rng.uniform(0.5, 5, k) + rng.uniform(-2, 2, k)
    eta = -1 + 0.8 * x[:, 0] / x[:, 0].std() - 0.9 * x[:, 3] / x[:, 3].std()
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return x, y


def test_balanced_weights_give_equal_class_mass():
    y = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0], dtype=float)
    w = balanced_weights(y)
    assert w[y == 1].sum() == pytest.approx(w[y == 0].sum())
    assert w.sum() == pytest.approx(len(y))


def test_lambda_max_zeroes_everything_and_small_lambda_selects():
    x, y = _data()
    w = balanced_weights(y)
    lm = lambda_max(x, y, w)
    _, coef = fit_lasso(x, y, lm * 1.0001, w)
    assert np.all(coef == 0)
    _, coef = fit_lasso(x, y, lm * 0.5, w)
    assert np.any(coef != 0)


@pytest.mark.r
@pytest.mark.parametrize(("seed", "ratio"), [(2, 0.3), (5, 0.1), (8, 0.6)])
def test_matches_glmnet_at_fixed_lambda(tmp_path, seed, ratio):
    require_r("glmnet")
    x, y = _data(seed)
    w = balanced_weights(y)
    lam = ratio * lambda_max(x, y, w)
    path = tmp_path / "d.tsv"
    cols = [f"v{i}" for i in range(x.shape[1])]
    pd.DataFrame(x, columns=cols).assign(y=y, w=w).to_csv(path, sep="\t", index=False)
    script = (
        "suppressMessages(library(glmnet)); "
        f"d <- read.delim('{path}'); x <- as.matrix(d[, 1:{x.shape[1]}]); "
        "f0 <- glmnet(x, d$y, family = 'binomial', weights = d$w); "
        f"f <- glmnet(x, d$y, family = 'binomial', weights = d$w, alpha = 1, lambda = {lam!r},"
        " standardize = TRUE, thresh = 1e-14, maxit = 1e6); "
        "cat(sprintf('%.15g', f0$lambda[1]), '\\n'); cat(sprintf('%.15g', as.numeric(coef(f))))"
    )
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    r_lambda_max = float(lines[0])
    r_coef = np.array([float(v) for v in lines[1].split()])
    b0, coef = fit_lasso(x, y, lam, w)
    ours = np.r_[b0, coef]
    assert lambda_max(x, y, w) == pytest.approx(r_lambda_max, rel=1e-6)
    assert list(ours[1:] != 0) == list(r_coef[1:] != 0)  # same variables selected
    np.testing.assert_allclose(ours, r_coef, atol=1e-3)
    np.testing.assert_allclose(ours, r_coef, atol=1e-6)  # in fact much closer


def test_cli_lasso(tmp_path):
    x, y = _data()
    cols = [f"v{i}" for i in range(x.shape[1])]
    table = tmp_path / "t.tsv"
    pd.DataFrame(x, columns=cols).assign(y=y.astype(int)).to_csv(table, sep="\t", index=False)
    out = tmp_path / "l.tsv"
    args = ["lasso", "--table", str(table), "--outcome", "y", "--predictors", ",".join(cols)]
    assert main([*args, "--lambda", "0.05", "--weights", "balanced", "--out", str(out)]) == 0
    res = pd.read_csv(out, sep="\t")
    assert list(res.columns) == ["term", "estimate", "selected"]
    b0, coef = fit_lasso(x, y, 0.05, balanced_weights(y))
    np.testing.assert_allclose(res["estimate"], np.r_[b0, coef], rtol=1e-8, atol=1e-12)


def test_selection_is_seeded_and_stratified():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(60, 10))
    y = (rng.random(60) < 1 / (1 + np.exp(-(2.0 * x[:, 0] - 2.0 * x[:, 3])))).astype(float)
    frame = pd.DataFrame(x, columns=[f"v{i}" for i in range(x.shape[1])]).assign(y=y)
    cands = list(frame.columns[:-1])
    kw = {"resamples": 15, "fraction": 0.8, "lambda_ratio": 0.3}
    a = selection_frequencies(frame, cands, rng=np.random.default_rng(3), **kw)
    b = selection_frequencies(frame, cands, rng=np.random.default_rng(3), **kw)
    pd.testing.assert_frame_equal(a, b)
    # The two planted predictors are the most stable.
    assert set(a["variable"].head(2)) == {"v0", "v3"}
    rows = stratified_subsample(y, 0.8, np.random.default_rng(1))
    assert y[rows].sum() == round(0.8 * y.sum())


def test_equal_frequencies_rank_by_strength_not_name():
    """Two predictors selected in every resample: the stronger one ranks first whatever
    their names, so a top-k cut inside a tie keeps the stronger effect."""
    rng = np.random.default_rng(5)
    n = 200
    strong, weak = rng.normal(size=n), rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(3.0 * strong + 1.2 * weak)))).astype(float)
    frame = pd.DataFrame({"a_weak": weak, "z_strong": strong, "y": y})
    table = selection_frequencies(
        frame, ["a_weak", "z_strong"], resamples=10, fraction=0.8, lambda_ratio=0.05,
        rng=np.random.default_rng(1),
    )  # fmt: skip
    assert (table["frequency"] == 1.0).all()
    assert list(table["variable"]) == ["z_strong", "a_weak"]
    assert table["mean_abs_std_coefficient"].is_monotonic_decreasing

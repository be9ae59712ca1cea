"""The locfit port (mirscope.de.locfit) against R's ``predict(locfit(...))``.

Synthetic (x, y, weights) sets shaped like DESeq2's (log mean, log dispersion, mean) with
the awkward cases: unsorted and sorted x (locfit takes a different neighbourhood search
for sorted data), ties, a handful of points, weights spanning four orders of magnitude;
predictions on a grid reaching 3 units beyond the data (locfit's linear extrapolation).
DESeq2's own ``localDispersionFit`` is called once too, for the minDisp filter and the
exp/log wrapping.
"""

from __future__ import annotations

import subprocess
import warnings

import numpy as np
import pytest

from conftest import require_r
from mirscope.de import locfit
from mirscope.errors import MirscopeError

R_LOCFIT = r"""
suppressMessages(library(locfit))
for (name in commandArgs(TRUE)) {
  d <- read.delim(paste0(name, ".tsv"), header = FALSE, col.names = c("x", "y", "w"))
  grid <- scan(paste0(name, "_grid.txt"), quiet = TRUE)
  fit <- suppressWarnings(locfit(y ~ x, data = d, weights = d$w))
  writeLines(format(predict(fit, data.frame(x = grid)), digits = 17), paste0(name, "_fit.txt"))
}
"""

R_DESEQ_LOCAL = r"""
suppressMessages(library(DESeq2))
d <- read.delim("disp.tsv", header = FALSE, col.names = c("means", "disps"))
f <- DESeq2:::localDispersionFit(d$means, d$disps, 1e-8)
grid <- scan("disp_grid.txt", quiet = TRUE)
writeLines(format(f(grid), digits = 17), "disp_fit.txt")
"""


def _dataset(seed: int, n: int, *, ties: bool = False, ordered: bool = False):
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0, 2.0, n)
    if ties:
        x = np.round(x)
    if ordered:
        x = np.sort(x)
    y = -1.0 + 1.5 / np.exp(x) + rng.normal(0.0, 0.8, n)
    return x, y, np.exp(x)


SETS = {
    "many": {"seed": 1, "n": 300},
    "twenty": {"seed": 2, "n": 20},
    "ties": {"seed": 3, "n": 200, "ties": True},
    "sorted": {"seed": 9, "n": 150, "ordered": True},
    "five": {"seed": 4, "n": 5},
    "three": {"seed": 5, "n": 3},
}


@pytest.fixture(scope="module")
def r_fits(tmp_path_factory):
    require_r("locfit")
    d = tmp_path_factory.mktemp("locfit")
    data = {}
    for name, kw in SETS.items():
        x, y, w = _dataset(**kw)
        grid = np.linspace(x.min() - 3, x.max() + 3, 301)
        np.savetxt(d / f"{name}.tsv", np.c_[x, y, w], delimiter="\t", fmt="%.17g")
        np.savetxt(d / f"{name}_grid.txt", grid, fmt="%.17g")
        data[name] = (x, y, w, grid)
    (d / "fit.R").write_text(R_LOCFIT)
    proc = subprocess.run(
        ["Rscript", "fit.R", *SETS], cwd=d, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {n: (*data[n], np.loadtxt(d / f"{n}_fit.txt")) for n in SETS}


@pytest.mark.r
@pytest.mark.parametrize("name", list(SETS))
def test_predictions_equal_r(r_fits, name):
    x, y, w, grid, expected = r_fits[name]
    ours = locfit.locfit(x, y, w).predict(grid)
    rel = np.max(np.abs(ours - expected) / np.abs(expected))
    print(f"{name}: max relative difference to R {rel:.3g}")
    assert rel < 1e-6


@pytest.mark.r
def test_local_dispersion_fit_equals_deseq2(tmp_path):
    require_r("DESeq2")
    rng = np.random.default_rng(12)
    means = np.exp(rng.uniform(-1, 8, 400))
    disps = np.exp(np.log(0.05 + 2.0 / means) + rng.normal(0, 0.7, 400))
    disps[:15] = 5e-8  # below 10 x minDisp: left out of the fit, predicted all the same
    grid = np.exp(np.linspace(-3, 10, 200))
    np.savetxt(tmp_path / "disp.tsv", np.c_[means, disps], delimiter="\t", fmt="%.17g")
    np.savetxt(tmp_path / "disp_grid.txt", grid, fmt="%.17g")
    (tmp_path / "local.R").write_text(R_DESEQ_LOCAL)
    proc = subprocess.run(
        ["Rscript", "local.R"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    expected = np.loadtxt(tmp_path / "disp_fit.txt")
    ours = locfit.local_dispersion_trend(means, disps)(grid)
    rel = np.max(np.abs(ours - expected) / expected)
    print(f"localDispersionFit: max relative difference to R {rel:.3g}")
    assert rel < 1e-6


def test_a_quadratic_is_reproduced_everywhere():
    # A local quadratic fits a quadratic exactly, so the interpolated residual from the
    # global quadratic is zero and the prediction is the quadratic, beyond the data too
    # (to ~1e-8: locfit's Jacobi rotations stop at off-diagonals of 1e-15 relative squared).
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 5, 60)
    y = 0.3 - 1.2 * x + 0.25 * x**2
    grid = np.linspace(-6, 9, 50)
    pred = locfit.locfit(x, y, rng.uniform(0.5, 2, 60)).predict(grid)
    np.testing.assert_allclose(pred, 0.3 - 1.2 * grid + 0.25 * grid**2, rtol=1e-6, atol=1e-9)


def test_tree_vertices_bracket_the_data_and_stay_within_locfits_budget():
    x, y, w = _dataset(1, 300)
    fit = locfit.locfit(x, y, w)
    assert fit.vertices[0] == x.min() and fit.vertices[-1] == x.max()
    assert 2 < fit.vertices.size <= 19
    assert np.all(np.diff(fit.vertices) > 0)


def test_every_dispersion_near_the_minimum_gives_the_minimum():
    trend = locfit.local_dispersion_trend(np.array([1.0, 10.0]), np.array([2e-8, 5e-8]))
    np.testing.assert_array_equal(trend(np.array([0.5, 3.0, 100.0])), 1e-8)


def _clustered():
    # 80% of the points within 0.01 of zero, the rest spread to 100: the bandwidths in the
    # cluster are tiny next to the range, so the tree needs more than 19 vertices.
    rng = np.random.default_rng(1)
    x = np.r_[rng.normal(0, 0.01, 80), rng.uniform(0, 100, 20)]
    return x, rng.normal(0, 1, 100), np.ones(100)


def test_out_of_vertex_space_is_an_error():
    with pytest.raises(MirscopeError, match="out of vertex space"):
        locfit.locfit(*_clustered())


@pytest.mark.r
def test_r_stops_out_of_vertex_space_too(tmp_path):
    require_r("locfit")
    x, y, w = _clustered()
    np.savetxt(tmp_path / "clustered.tsv", np.c_[x, y, w], delimiter="\t", fmt="%.17g")
    np.savetxt(tmp_path / "clustered_grid.txt", x[:5], fmt="%.17g")
    (tmp_path / "fit.R").write_text(R_LOCFIT)
    proc = subprocess.run(
        ["Rscript", "fit.R", "clustered"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode != 0 and "out of vertex space" in proc.stderr


def test_a_failed_local_trend_falls_back_to_the_mean_with_a_warning(monkeypatch):
    """Where R would stop (locfit out of vertex space), the trend is DESeq2's fitType =
    "mean": the 0.1%-trimmed mean of the dispersions above 10 x the minimum."""
    from mirscope.de import deseq
    from mirscope.errors import MirscopeWarning

    def fails(*_args):
        raise MirscopeError("out of vertex space")

    monkeypatch.setattr(deseq, "parametric_trend", lambda *_a: None)
    monkeypatch.setattr(deseq, "local_dispersion_trend", fails)
    disps = np.r_[np.linspace(0.05, 2.0, 40), 5e-8]
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        trend = deseq.fit_trend(np.linspace(1, 400, 41), disps)
    texts = [str(w.message) for w in said if issubclass(w.category, MirscopeWarning)]
    assert any("R's DESeq2 would stop" in t for t in texts), texts
    assert trend.kind == "mean"
    np.testing.assert_allclose(trend(np.array([2.0, 300.0])), np.mean(disps[:40]))

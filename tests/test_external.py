"""External validation metrics (stats.external) against R: pROC's DeLong AUC interval,
glm's calibration intercept and slope; decision-curve net benefit by hand."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from conftest import require_r
from mirscope.stats import external


def _cases():
    rng = np.random.default_rng(3)
    y1 = rng.integers(0, 2, 40).astype(float)
    s1 = y1 * 0.8 + rng.normal(size=40)
    y2 = np.array([1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0], dtype=float)
    s2 = np.array([3, 2, 2, 1, 2, 1, 3, 3, 0, 1, 1, 2], dtype=float)  # many ties
    y3 = rng.integers(0, 2, 30).astype(float)
    s3 = -y3 + rng.normal(size=30)  # predicts backwards: AUC < 0.5 must stay so
    y4 = np.array([1, 0, 0, 1, 1, 1], dtype=float)
    s4 = np.array([0.9, 0.1, 0.2, 0.8, 0.7, 0.95])  # perfect separation: CI truncated
    return [(y1, s1), (y2, s2), (y3, s3), (y4, s4)]


@pytest.mark.r
def test_auc_delong_equals_proc(tmp_path):
    require_r("pROC")
    cases = _cases()
    lines = []
    for i, (y, s) in enumerate(cases):
        np.savetxt(tmp_path / f"c{i}.txt", np.column_stack([y, s]), fmt="%.17g")
        lines.append(
            f'd <- read.table("c{i}.txt"); r <- roc(d$V1, d$V2, levels = c(0, 1), '
            'direction = "<", quiet = TRUE); ci <- ci.auc(r, method = "delong"); '
            f'writeLines(sprintf("%.17g", as.numeric(ci)), "o{i}.txt")'
        )
    (tmp_path / "a.R").write_text("suppressMessages(library(pROC))\n" + "\n".join(lines) + "\n")
    proc = subprocess.run(["Rscript", "a.R"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for i, (y, s) in enumerate(cases):
        lo, auc, hi = np.loadtxt(tmp_path / f"o{i}.txt")
        ours = external.auc_delong(y, s)
        assert ours["auc"] == pytest.approx(auc, abs=1e-6)
        assert ours["ci_low"] == pytest.approx(lo, abs=1e-6)
        assert ours["ci_high"] == pytest.approx(hi, abs=1e-6)
    assert external.auc_delong(*cases[2])["auc"] < 0.5


@pytest.mark.r
def test_calibration_equals_glm(tmp_path):
    require_r()
    rng = np.random.default_rng(5)
    p = special_expit(rng.normal(0, 1.5, 60))
    y = (rng.random(60) < special_expit(0.3 + 0.6 * np.log(p / (1 - p)))).astype(float)
    np.savetxt(tmp_path / "d.txt", np.column_stack([y, p]), fmt="%.17g")
    (tmp_path / "c.R").write_text(
        'd <- read.table("d.txt"); lp <- qlogis(d$V2)\n'
        "a <- coef(glm(d$V1 ~ 1 + offset(lp), family = binomial))[1]\n"
        "b <- coef(glm(d$V1 ~ lp, family = binomial))[2]\n"
        'writeLines(sprintf("%.17g", c(a, b)), "o.txt")\n'
    )
    proc = subprocess.run(["Rscript", "c.R"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    a, b = np.loadtxt(tmp_path / "o.txt")
    cal = external.calibration(y, p)
    assert cal["intercept"] == pytest.approx(a, abs=1e-8)
    assert cal["slope"] == pytest.approx(b, abs=1e-8)


def special_expit(x):
    return 1 / (1 + np.exp(-x))


def test_decision_curve_by_hand():
    y = np.array([1, 1, 0, 0, 0])
    p = np.array([0.9, 0.4, 0.6, 0.1, 0.2])
    dc = external.decision_curve(y, p, thresholds=[0.5])
    row = dc.iloc[0]
    # TP 1 (0.9), FP 1 (0.6): 1/5 - 1/5 * 1 = 0; treat all: 0.4 - 0.6 = -0.2
    assert row["net_benefit_model"] == pytest.approx(0.0)
    assert row["net_benefit_all"] == pytest.approx(-0.2)
    assert row["net_benefit_none"] == 0.0


def test_auc_single_class_is_nan():
    out = external.auc_delong(np.ones(4), np.arange(4.0))
    assert np.isnan(out["auc"]) and np.isnan(out["ci_low"])

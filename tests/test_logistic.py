"""Logistic regression: agreement with R glm, documented fallbacks, CLI, LOOCV vs an R loop."""

from __future__ import annotations

import math
import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import require_r
from mirscope.cli import main
from mirscope.errors import InputError, MirscopeWarning
from mirscope.stats.logistic import fit_logistic
from mirscope.stats.validation import classification_metrics, loocv_probabilities


def _data(seed: int = 1, n: int = 53) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame(
        {
            "mir_a": rng.normal(5, 2, n),
            "crp": rng.lognormal(0, 1, n),
            "sex_female": rng.integers(0, 2, n).astype(float),
        }
    )
    eta = -1 + 0.6 * (d.mir_a - 5) + 0.4 * d.crp + 0.9 * d.sex_female
    d["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return d


def _r(script: str) -> str:
    return subprocess.run(
        ["Rscript", "-e", script], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.r
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_r_glm(tmp_path, seed):
    require_r("stats")
    d = _data(seed)
    path = tmp_path / "d.tsv"
    d.to_csv(path, sep="\t", index=False)
    out = _r(
        f"d <- read.delim('{path}'); s <- summary(glm(y ~ mir_a + crp + sex_female, "
        "family = binomial, data = d))$coefficients; "
        "write.table(format(s, digits = 17), sep = '\\t', quote = FALSE, col.names = FALSE)"
    )
    r = pd.read_csv(
        pd.io.common.StringIO(out), sep="\t", header=None, names=["term", "b", "se", "z", "p"]
    )
    fit = fit_logistic(d, "y", ["mir_a", "crp", "sex_female"]).table()
    assert list(fit["term"]) == list(r["term"])
    np.testing.assert_allclose(fit["estimate"], r["b"], rtol=1e-6)
    np.testing.assert_allclose(fit["std_error"], r["se"], rtol=1e-3)
    np.testing.assert_allclose(fit["p_value"], r["p"], rtol=1e-3, atol=1e-12)


def test_separation_falls_back_to_firth_with_known_value():
    # One binary predictor: Firth's estimate is the log odds ratio with 0.5 added to
    # every cell (a closed form independent of the implementation).
    a, b, c, d = 6, 0, 3, 9  # x=1: 6 events, 0 non-events; x=0: 3 events, 9 non-events
    rows = [(1, 1)] * a + [(1, 0)] * b + [(0, 1)] * c + [(0, 0)] * d
    data = pd.DataFrame(rows, columns=["x", "y"])
    with pytest.warns(MirscopeWarning, match="separated.*Firth"):
        fit = fit_logistic(data, "y", ["x"])
    assert fit.method == "firth"
    expected = math.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))
    assert fit.coef[1] == pytest.approx(expected, rel=1e-8)
    assert np.all(np.isfinite(fit.se))


def test_constant_and_all_missing_predictors_are_dropped():
    d = _data()
    d["const"] = 3.0
    d["empty"] = np.nan
    with pytest.warns(MirscopeWarning) as record:
        fit = fit_logistic(d, "y", ["mir_a", "const", "empty"])
    messages = " ".join(str(w.message) for w in record)
    assert "'const' is constant" in messages and "'empty' is missing" in messages
    assert fit.terms == ["(Intercept)", "mir_a"]
    assert fit.dropped == ["empty", "const"]


def test_missing_rows_use_complete_cases():
    d = _data()
    d.loc[[0, 5, 9], "crp"] = np.nan
    with pytest.warns(MirscopeWarning, match="3 of 53 rows"):
        fit = fit_logistic(d, "y", ["mir_a", "crp"])
    ref = fit_logistic(d.dropna(), "y", ["mir_a", "crp"])
    assert fit.n == 50
    np.testing.assert_allclose(fit.coef, ref.coef)


def test_too_few_events_warns():
    d = _data().head(20).copy()
    d["y"] = [1, 1, 1] + [0] * 17
    with pytest.warns(MirscopeWarning, match="fewer than 5 per predictor"):
        fit_logistic(d, "y", ["mir_a", "crp"])


def test_bad_outcome_and_single_class_raise():
    d = _data()
    d.loc[3, "y"] = 2
    with pytest.raises(InputError, match="0/1"):
        fit_logistic(d, "y", ["mir_a"])
    d["y"] = 0
    with pytest.raises(InputError, match="both"):
        fit_logistic(d, "y", ["mir_a"])


def test_metrics_by_hand():
    y = np.array([1, 1, 0, 0, 0, 1])
    prob = np.array([0.9, 0.4, 0.6, 0.1, 0.5, 0.5])
    m = classification_metrics(y, prob)
    # predictions at >= 0.5: 1,0,1,0,1,1 -> tp 2, fn 1, fp 2, tn 1
    assert (m["tp"], m["fn"], m["fp"], m["tn"]) == (2, 1, 2, 1)
    assert m["accuracy"] == pytest.approx(3 / 6)
    assert m["precision"] == pytest.approx(2 / 4)


@pytest.mark.r
def test_cli_and_loocv_match_an_r_loop(tmp_path):
    require_r("stats")
    d = _data(4)
    table = tmp_path / "t.tsv"
    d.to_csv(table, sep="\t", index=False)
    out = tmp_path / "fit.tsv"
    code = main(
        ["logistic", "--table", str(table), "--outcome", "y", "--predictors",
         "mir_a,crp,sex_female", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    coef = pd.read_csv(out, sep="\t")
    assert list(coef.columns) == [
        "term", "estimate", "std_error", "z", "p_value", "odds_ratio", "ci_low", "ci_high"
    ]  # fmt: skip
    loocv = pd.read_csv(tmp_path / "fit.loocv.tsv", sep="\t")
    r = _r(
        f"d <- read.delim('{table}'); p <- numeric(nrow(d)); for (i in seq_len(nrow(d))) {{"
        " f <- glm(y ~ mir_a + crp + sex_female, family = binomial, data = d[-i, ]);"
        " p[i] <- predict(f, d[i, ], type = 'response') }; pred <- as.integer(p >= 0.5);"
        " tp <- sum(pred == 1 & d$y == 1); tn <- sum(pred == 0 & d$y == 0);"
        " fp <- sum(pred == 1 & d$y == 0); fn <- sum(pred == 0 & d$y == 1);"
        " cat(sprintf('%.15g', c((tp + tn) / nrow(d), tp / (tp + fn), tn / (tn + fp),"
        " tp / (tp + fp))), '\\n'); cat(sprintf('%.15g', p))"
    )
    lines = r.strip().splitlines()
    r_metrics = [float(x) for x in lines[0].split()]
    r_probs = np.array([float(x) for x in lines[1].split()])
    ours = [loocv.loc[0, k] for k in ("accuracy", "sensitivity", "specificity", "precision")]
    # Same confusion matrix as R (the TSV keeps 10 significant digits).
    assert ours == pytest.approx(r_metrics, rel=1e-9)
    assert loocv.loc[0, "n"] == len(d)
    probs, _ = loocv_probabilities(d, ["mir_a", "crp", "sex_female"])
    np.testing.assert_allclose(probs, r_probs, rtol=1e-6)

"""Cox and logistic models: agreement with survival::coxph / glm, interactions, edge cases."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import require_r
from mirscope.cli import main
from mirscope.errors import InputError, MirscopeWarning
from mirscope.survival.cox import regression_table


def _cohort(seed: int, n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame(
        {
            "age": rng.normal(60, 10, n).round(),
            "ferritin": rng.lognormal(6, 1, n).round(1),
            "product": rng.choice(["axi-cel", "tisa-cel"], n),
            "expansion": rng.integers(0, 2, n),
        }
    )
    lp = 0.03 * (d.age - 60) + 0.4 * np.log(d.ferritin) - 0.5 * d.expansion
    t = rng.exponential(500 * np.exp(-lp + 2.4))
    c = rng.uniform(100, 1500, n)
    d["time"] = np.round(np.minimum(t, c) / 10) * 10  # tied times exercise Efron's method
    d["event"] = (t <= c).astype(int)
    d["response"] = (rng.random(n) < 1 / (1 + np.exp(lp - 2.5))).astype(int)
    return d


R_COX = """
d <- read.delim(commandArgs(TRUE)[1])
d$int <- (d$product == "tisa-cel") * d$expansion
f <- survival::coxph(survival::Surv(time, event) ~ age + ferritin + product + expansion + int,
                     data = d, ties = "efron")
u <- survival::coxph(survival::Surv(time, event) ~ ferritin, data = d, ties = "efron")
g <- glm(response ~ age + ferritin + product + expansion, data = d, family = binomial)
w <- function(x) cat(sprintf("%.15g", x), "\\n")
w(coef(f)); w(sqrt(diag(vcov(f)))); w(coef(u)); w(sqrt(diag(vcov(u))))
w(coef(g)[-1]); w(sqrt(diag(vcov(g)))[-1])
"""


@pytest.mark.r
@pytest.mark.parametrize("seed", [1, 2])
def test_cox_and_logistic_equal_r(tmp_path, seed):
    require_r("survival")
    d = _cohort(seed)
    f = tmp_path / "d.tsv"
    d.to_csv(f, sep="\t", index=False)
    out = (
        subprocess.run(
            ["Rscript", "-e", R_COX, str(f)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        .stdout.strip()
        .splitlines()
    )
    r = [np.array(line.split(), dtype=float) for line in out]
    cov = ["age", "ferritin", "product", "expansion"]
    cox = regression_table(
        d, cov, kind="cox", time="time", event="event", interactions=("product:expansion",)
    )
    multi = cox[cox.model == "multivariable"]
    assert list(multi.term) == [
        "age",
        "ferritin",
        "product[tisa-cel]",
        "expansion",
        "product:expansion",
    ]
    np.testing.assert_allclose(multi.coef, r[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(multi.se, r[1], rtol=0, atol=1e-6)
    uni = cox[(cox.model == "univariable") & (cox.term == "ferritin")]
    np.testing.assert_allclose(uni.coef, r[2], rtol=0, atol=1e-6)
    np.testing.assert_allclose(uni.se, r[3], rtol=0, atol=1e-6)
    logit = regression_table(d, cov, kind="logistic", outcome="response")
    lm = logit[logit.model == "multivariable"]
    np.testing.assert_allclose(lm.coef, r[4], rtol=0, atol=1e-6)
    np.testing.assert_allclose(lm.se, r[5], rtol=0, atol=1e-6)


def test_ratios_and_ci_follow_from_coef():
    cox = regression_table(_cohort(3), ["age", "expansion"], kind="cox", time="time", event="event")
    np.testing.assert_allclose(cox.ratio, np.exp(cox.coef))
    assert (cox.lower_95 < cox.ratio).all() and (cox.ratio < cox.upper_95).all()
    # the planted protective effect of expansion is found
    assert cox.loc[(cox.model == "multivariable") & (cox.term == "expansion"), "ratio"].item() < 1
    assert cox.loc[cox.model == "multivariable", "ph_p"].between(0, 1).all()


def test_group_without_events_is_a_clear_error():
    d = _cohort(4)
    d.loc[d.expansion == 1, "event"] = 0
    with pytest.raises(InputError, match="(converge|infinite)"):
        regression_table(d, ["expansion"], kind="cox", time="time", event="event")


def test_all_censored_and_bad_codes():
    d = _cohort(5)
    with pytest.raises(InputError, match="censored"):
        regression_table(d.assign(event=0), ["age"], kind="cox", time="time", event="event")
    d.loc[4, "event"] = 3
    with pytest.raises(InputError, match="event code"):
        regression_table(d, ["age"], kind="cox", time="time", event="event")


def test_cli_cox_and_forest(tmp_path):
    d = _cohort(6)
    f = tmp_path / "d.tsv"
    d.to_csv(f, sep="\t", index=False)
    out, fig = tmp_path / "cox.tsv", tmp_path / "forest.png"
    assert (
        main(
            [
                "cox",
                "--table",
                str(f),
                "--time",
                "time",
                "--event",
                "event",
                "--covariates",
                "age,ferritin,product,expansion",
                "--interaction",
                "product:expansion",
                "--out",
                str(out),
                "--figure",
                str(fig),
            ]
        )
        == 0
    )
    t = pd.read_csv(out, sep="\t")
    assert "product:expansion" in set(t.term) and fig.exists()
    assert fig.with_suffix(".pdf").exists()
    out2 = tmp_path / "logit.tsv"
    assert (
        main(
            [
                "logistic-or",
                "--table",
                str(f),
                "--outcome",
                "response",
                "--covariates",
                "age,expansion",
                "--out",
                str(out2),
            ]
        )
        == 0
    )
    assert set(pd.read_csv(out2, sep="\t").model) == {"univariable", "multivariable"}


def test_one_coding_for_cox_logistic_and_forest_covariates():
    from mirscope.companion.importance import numeric_covariates
    from mirscope.survival.cox import design

    d = pd.DataFrame(
        {
            "age": ["61", "70", None, "55"],
            "product": ["tisa-cel", "axi-cel", "tisa-cel", None],
            "stage": ["III", "I", "II", "I"],
        }
    )
    x = design(d, ["age", "product", "stage"], ["age:product"], source="t.tsv")
    assert list(x.columns) == [
        "age",
        "product[tisa-cel]",
        "stage[II]",
        "stage[III]",
        "age:product",
    ]
    np.testing.assert_array_equal(x["age"], [61, 70, np.nan, 55])
    # the first level in sorted order is the reference; a missing value stays missing
    np.testing.assert_array_equal(x["product[tisa-cel]"], [1, 0, 1, np.nan])
    np.testing.assert_array_equal(x["stage[III]"], [1, 0, 0, 0])
    forest = numeric_covariates(d, ["age", "product"], source="t.tsv")
    np.testing.assert_array_equal(forest["product"], x["product[tisa-cel]"])
    np.testing.assert_array_equal(forest["age"], x["age"])
    with pytest.raises(InputError, match="t.tsv, column 'stage': text covariate must have two"):
        numeric_covariates(d, ["stage"], source="t.tsv")
    with pytest.raises(InputError, match="needs at least two levels"):
        design(d.assign(stage="I"), ["stage"], [], source="t.tsv")


def test_logistic_or_equals_statsmodels_on_ordinary_data():
    import statsmodels.api as sm

    d = _cohort(7)
    cov = ["age", "ferritin", "product", "expansion"]
    res = regression_table(
        d, cov, kind="logistic", outcome="response", interactions=("product:expansion",)
    )
    multi = res[res.model == "multivariable"]
    x = pd.DataFrame(
        {
            "age": d.age,
            "ferritin": d.ferritin,
            "product[tisa-cel]": (d["product"] == "tisa-cel").astype(float),
            "expansion": d.expansion.astype(float),
        }
    )
    x["product:expansion"] = x["product[tisa-cel]"] * x["expansion"]
    ref = sm.Logit(d.response.to_numpy(float), sm.add_constant(x)).fit(disp=0, tol=1e-12)
    assert list(multi.term) == list(x.columns)
    np.testing.assert_allclose(multi.coef, ref.params[1:], rtol=0, atol=1e-6)
    np.testing.assert_allclose(multi.se, ref.bse[1:], rtol=0, atol=1e-6)
    np.testing.assert_allclose(multi.p, ref.pvalues[1:], rtol=0, atol=1e-6)
    assert (multi.n == len(d)).all() and (multi.events == d.response.sum()).all()


def _separated() -> pd.DataFrame:
    """x = 1 always responds (12/12); x = 0 responds 6 times in 24: maximum likelihood has
    no finite odds ratio for x."""
    rows = [(1, 1)] * 12 + [(0, 1)] * 6 + [(0, 0)] * 18
    d = pd.DataFrame(rows, columns=["x", "y"])
    d["age"] = np.linspace(40, 80, len(d)) % 17
    return d


def test_separation_gives_the_models_firth_estimate_in_both_paths(tmp_path):
    import math

    from mirscope.stats.logistic import fit_logistic

    d = _separated()
    firth_closed_form = math.log(12.5 * 18.5 / (0.5 * 6.5))  # 0.5 added to every cell
    with pytest.warns(MirscopeWarning, match="Firth"):
        models = fit_logistic(d, "y", ["x"])
    with pytest.warns(MirscopeWarning, match="Firth"):
        uni = regression_table(d, ["x"], kind="logistic", outcome="y")
    assert models.method == "firth"
    assert uni.coef.item() == models.coef[1] == pytest.approx(firth_closed_form, rel=1e-8)
    assert uni.se.item() == models.se[1] and np.isfinite(uni.se.item())
    # multivariable, and through both command lines as the workflow runs them
    with pytest.warns(MirscopeWarning, match="Firth"):
        both = fit_logistic(d, "y", ["x", "age"])
    with pytest.warns(MirscopeWarning, match="Firth"):
        multi = regression_table(d, ["x", "age"], kind="logistic", outcome="y")
    multi = multi[multi.model == "multivariable"]
    np.testing.assert_array_equal(multi.coef, both.coef[1:])
    np.testing.assert_array_equal(multi.se, both.se[1:])
    table = tmp_path / "d.tsv"
    d.to_csv(table, sep="\t", index=False)
    cli_models, cli_or = tmp_path / "models.tsv", tmp_path / "or.tsv"
    with pytest.warns(MirscopeWarning, match="Firth"):
        assert main(["logistic", "--table", str(table), "--outcome", "y",
                     "--predictors", "x", "--out", str(cli_models)]) == 0  # fmt: skip
        assert main(["logistic-or", "--table", str(table), "--outcome", "y",
                     "--covariates", "x", "--out", str(cli_or)]) == 0  # fmt: skip
    a = pd.read_csv(cli_models, sep="\t").set_index("term")
    b = pd.read_csv(cli_or, sep="\t").set_index("term")
    assert b.at["x", "coef"] == a.at["x", "estimate"]
    assert b.at["x", "coef"] == pytest.approx(firth_closed_form, rel=1e-8)
    assert list(b.columns) == ["model", "coef", "se", "ratio", "lower_95", "upper_95", "p",
                               "n", "events", "ph_p"]  # fmt: skip


def test_logistic_or_drops_a_constant_or_collinear_covariate_with_a_warning():
    d = _cohort(8).assign(site=1.0)
    d["age_months"] = d.age * 12
    with pytest.warns(MirscopeWarning) as record:
        res = regression_table(
            d, ["age", "site", "age_months"], kind="logistic", outcome="response"
        )
    messages = " ".join(str(w.message) for w in record)
    assert "'site' is constant; dropped" in messages
    assert "'age_months' is collinear with earlier terms; dropped" in messages
    assert list(res[res.model == "multivariable"].term) == ["age"]

"""Random-forest importance: collinearity pruning, planted signal found, determinism, CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mirscope.cli import main
from mirscope.companion.importance import (
    predicted_probability,
    prune_collinear,
    rf_importance,
    summarise_importance,
)


def test_prune_keeps_first_or_preferred():
    rng = np.random.default_rng(0)
    a = rng.normal(size=50)
    x = pd.DataFrame(
        {"peak": a * 2 + 0.01 * rng.normal(size=50), "auc": a, "other": rng.normal(size=50)}
    )
    kept, dropped = prune_collinear(x)
    assert kept == ["peak", "other"] and dropped.dropped.tolist() == ["auc"]
    kept, dropped = prune_collinear(x, prefer=("auc",))
    assert kept == ["auc", "other"] and dropped.kept_instead.tolist() == ["auc"]
    assert dropped.spearman_r[0] > 0.9


def _signal(n=80, seed=1):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.normal(size=(n, 5)), columns=[f"v{i}" for i in range(5)])
    y = (x.v2 + 0.3 * rng.normal(size=n) > 0).astype(int).to_numpy()
    t = np.round(rng.exponential(500 * np.exp(-1.2 * x.v3)))
    e = (rng.random(n) < 0.8).astype(int)
    return x, y, t, e


def test_planted_binary_and_survival_signal_ranked_first():
    x, y, t, e = _signal()
    kw = {"seed": 3, "n_seeds": 2, "n_trees": 40, "n_folds": 3, "n_repeats": 2}
    long_b = rf_importance(x, outcome=y, **kw)
    assert summarise_importance(long_b, "bin").covariate[0] == "v2"
    long_s = rf_importance(x, time=t, event=e, **kw)
    s = summarise_importance(long_s, "pfs")
    assert s.covariate[0] == "v3" and s.n_seeds[0] == 2 and (s.q05 <= s.q95).all()
    again = rf_importance(x, outcome=y, **kw)
    pd.testing.assert_frame_equal(long_b, again)  # same seed, same numbers


def test_probability_curve_ci():
    x, y, _, _ = _signal()
    curve = predicted_probability(x.v2.to_numpy(), y.astype(float), covariate="v2")
    assert (curve.lower_95 <= curve.probability).all()
    assert (curve.probability <= curve.upper_95).all()
    assert curve.probability.iloc[-1] > 0.9 > 0.1 > curve.probability.iloc[0]


def test_cli_importance(tmp_path):
    x, y, t, e = _signal(n=60)
    ids = [f"P{i:02d}" for i in range(60)]
    x = x.assign(v2_copy=x.v2 * 3)
    x.insert(0, "sample_id", ids)
    x.to_csv(tmp_path / "cov.tsv", sep="\t", index=False)
    resp = np.where(y == 1, "CR", "PD").astype(object)
    resp[0] = "NE"
    pd.DataFrame({"sample_id": ids, "response_3m": resp, "pfs_days": t, "pfs_event": e}).to_csv(
        tmp_path / "c.tsv", sep="\t", index=False
    )
    outs = {k: tmp_path / f"{k}.tsv" for k in ("s", "l", "p", "pp", "km")}
    args = [
        "importance",
        "--covariates",
        str(tmp_path / "cov.tsv"),
        "--clinical",
        str(tmp_path / "c.tsv"),
        "--n-seeds",
        "2",
        "--n-trees",
        "30",
        "--n-repeats",
        "1",
        "--summary-out",
        str(outs["s"]),
        "--long-out",
        str(outs["l"]),
        "--pruned-out",
        str(outs["p"]),
        "--probability-out",
        str(outs["pp"]),
        "--km-out",
        str(outs["km"]),
        "--figure-prefix",
        str(tmp_path / "imp"),
    ]
    assert main(args) == 0
    pruned = pd.read_csv(outs["p"], sep="\t")
    assert pruned.dropped.tolist() == ["v2_copy"]
    summary = pd.read_csv(outs["s"], sep="\t")
    assert set(summary.endpoint) == {"response_3m", "pfs"}
    assert "v2_copy" not in set(summary.covariate)
    first = outs["l"].read_bytes()
    assert main(args) == 0 and outs["l"].read_bytes() == first
    for name in ("response_3m", "pfs", "probability", "km_pfs"):
        assert (tmp_path / f"imp_{name}.png").exists()


@pytest.mark.parametrize("bad", ["all_one_class"])
def test_one_class_endpoint_is_clear(bad):
    from mirscope.errors import InputError

    x, y, _, _ = _signal(n=30)
    with pytest.raises(InputError, match="each class"):
        rf_importance(x, outcome=np.ones_like(y), n_seeds=1, n_trees=10)


class _Linear:
    """A stand-in model: scores by how well a fixed linear combination tracks the target."""

    def __init__(self, seed):
        self.w = np.random.default_rng(seed).normal(size=4)

    def fit(self, x, y):
        return self


def _score(model, x, y):
    target = y["time"] if y.dtype.names else y
    return float(np.corrcoef(x @ model.w, target)[0, 1])


def _reference(x, y, splitter, seed, n_repeats, skip):
    """The loop written out: skipped folds draw no permutations."""
    rng = np.random.default_rng(seed)
    total, folds = np.zeros(x.shape[1]), 0
    for train, test in splitter.split(x):
        if skip(train, test):
            continue
        model = _Linear(seed)
        base = _score(model, x[test], y[test])
        for j in range(x.shape[1]):
            drops = []
            for _ in range(n_repeats):
                xp = x[test].copy()
                xp[:, j] = rng.permutation(xp[:, j])
                drops.append(base - _score(model, xp, y[test]))
            total[j] += np.mean(drops)
        folds += 1
    return total / folds


def test_one_permutation_loop_for_both_forests():
    from sklearn.model_selection import KFold
    from sksurv.util import Surv

    from mirscope.companion.importance import _cv_importance

    rng = np.random.default_rng(5)
    x = rng.normal(size=(30, 4))
    y = x[:, 1] + rng.normal(size=30)
    splitter = KFold(3, shuffle=True, random_state=2)
    got = _cv_importance(_Linear, x, y, splitter, _score, 11, 2)
    want = _reference(x, y, splitter, 11, 2, lambda tr, te: False)
    np.testing.assert_array_equal(got, want)
    # survival: no event among the second fold's test rows, so that fold is skipped
    tests = [test for _, test in splitter.split(x)]
    event = np.zeros(30, bool)
    event[tests[0][:2]] = event[tests[2][:2]] = True
    surv = Surv.from_arrays(event, np.abs(y) + 1)

    def usable(train, test):
        return surv["event"][test].any() and surv["event"][train].any()

    got = _cv_importance(_Linear, x, surv, splitter, _score, 11, 2, usable)
    want = _reference(x, surv, splitter, 11, 2, lambda tr, te: not usable(tr, te))
    np.testing.assert_array_equal(got, want)


def test_probability_curve_uses_the_one_logistic_fitter():
    import statsmodels.api as sm

    from mirscope.errors import MirscopeWarning

    x, y, _, _ = _signal()
    v = x.v0.to_numpy() + 0.8 * y
    curve = predicted_probability(v, y.astype(float), points=5, covariate="v0")
    ref = sm.Logit(y, sm.add_constant(v)).fit(disp=0, tol=1e-12)
    grid = sm.add_constant(curve.value.to_numpy())
    np.testing.assert_allclose(curve.probability, ref.predict(grid), rtol=0, atol=1e-9)
    assert curve.p_wald[0] == pytest.approx(ref.pvalues[1], rel=1e-6)
    # a separating covariate: Firth's finite estimate, not a 0-to-1 step
    v = np.arange(12.0)
    with pytest.warns(MirscopeWarning, match="Firth"):
        sep = predicted_probability(v, (v > 5).astype(float), points=3)
    assert 0.9 < sep.probability.iloc[-1] < 0.9999 and np.isfinite(sep.lower_95).all()
    assert sep.probability.iloc[1] == pytest.approx(0.5)


def test_spearman_pairs_by_hand():
    from scipy.stats import spearmanr

    from mirscope.companion.importance import spearman_pairs, top_covariates

    x = pd.DataFrame(
        {
            "a": [1.0, 2, 3, 4, 5],
            "b": [2.0, 4, 6, 8, 10],  # monotone in a: rho 1, exact p = 2 / 5! = 1/60
            "c": [5.0, 3, np.nan, 1, 4],  # one value missing: pairs use 4 patients
        }
    )
    pairs = spearman_pairs(x).set_index(["covariate_a", "covariate_b"])
    assert list(pairs.index) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert pairs.loc[("a", "b"), "rho"] == pytest.approx(1.0)
    assert pairs.loc[("a", "b"), "p_value"] == pytest.approx(2 / 120)
    ok = x.c.notna()
    assert pairs.loc[("a", "c"), "n"] == 4
    assert pairs.loc[("a", "c"), "rho"] == pytest.approx(spearmanr(x.a[ok], x.c[ok])[0])
    summary = pd.DataFrame(
        {
            "endpoint": ["r", "r", "r", "pfs", "pfs", "pfs"],
            "rank": [1, 2, 3, 1, 2, 3],
            "covariate": ["b", "a", "c", "c", "b", "a"],
        }
    )
    assert top_covariates(summary, 2) == ["b", "c", "a"]


def test_cli_importance_toxicity_ranks_each_planted_covariate(tmp_path):
    rng = np.random.default_rng(11)
    n = 60
    cov = pd.DataFrame(
        {
            "sample_id": [f"P{i:02d}" for i in range(n)],
            "il6": rng.normal(0, 1, n),
            "bicarbonate": rng.normal(0, 1, n),
            "noise1": rng.normal(0, 1, n),
            "noise2": rng.normal(0, 1, n),
        }
    )
    # planted: CRS grade follows il6, ICANS (any grade) follows bicarbonate
    crs = np.clip(np.round(1.5 + 1.2 * cov.il6 + rng.normal(0, 0.3, n)), 0, 4).astype(int)
    icans = np.where(cov.bicarbonate + rng.normal(0, 0.3, n) > 0.2, 1, 0)
    clinical = pd.DataFrame({"sample_id": cov.sample_id, "crs_grade": crs, "icans_grade": icans})
    cov.to_csv(tmp_path / "cov.tsv", sep="\t", index=False)
    clinical.to_csv(tmp_path / "clin.tsv", sep="\t", index=False)
    args = ["importance-toxicity", "--covariates", str(tmp_path / "cov.tsv")]
    args += ["--clinical", str(tmp_path / "clin.tsv")]
    args += ["--endpoint", "crs_ge2:crs_grade:ge2", "--endpoint", "icans:icans_grade:gt0"]
    args += ["--n-seeds", "2", "--n-trees", "40", "--seed", "3"]
    args += ["--summary-out", str(tmp_path / "s.tsv"), "--long-out", str(tmp_path / "l.tsv")]
    args += ["--figure-prefix", str(tmp_path / "tox")]
    assert main(args) == 0
    s = pd.read_csv(tmp_path / "s.tsv", sep="\t")
    top = s[s["rank"] == 1].set_index("endpoint")["covariate"].to_dict()
    assert top == {"crs_ge2": "il6", "icans": "bicarbonate"}
    long = pd.read_csv(tmp_path / "l.tsv", sep="\t")
    assert len(long) == 2 * 2 * 4  # endpoints x seeds x covariates
    assert (tmp_path / "tox_crs_ge2.png").exists() and (tmp_path / "tox_icans.pdf").exists()
    bad = [*args[:5], "--endpoint", "crs_ge2:crs_grade:ge3", *args[9:]]
    assert main(bad) == 1


def test_cli_importance_spearman(tmp_path):
    rng = np.random.default_rng(5)
    n = 30
    tmtv = rng.lognormal(5, 1, n)
    cov = pd.DataFrame(
        {
            "sample_id": [f"P{i:02d}" for i in range(n)],
            "tmtv": tmtv,
            "ldh": tmtv * rng.lognormal(0, 0.2, n),
            "age": rng.normal(60, 10, n),
        }
    )
    cov.to_csv(tmp_path / "cov.tsv", sep="\t", index=False)
    summary = pd.DataFrame(
        {"endpoint": ["r"] * 3, "rank": [1, 2, 3], "covariate": ["ldh", "tmtv", "age"]}
    )
    summary.to_csv(tmp_path / "s.tsv", sep="\t", index=False)
    args = ["importance-spearman", "--covariates", str(tmp_path / "cov.tsv")]
    args += ["--summary", str(tmp_path / "s.tsv"), "--top", "2", "--reference", "tmtv"]
    args += ["--out", str(tmp_path / "o.tsv"), "--figure", str(tmp_path / "m.png")]
    assert main(args) == 0
    o = pd.read_csv(tmp_path / "o.tsv", sep="\t").set_index(["covariate_a", "covariate_b"])
    assert len(o) == 3 and o.loc[("tmtv", "ldh"), "rho"] > 0.8
    assert o.loc[("tmtv", "ldh"), "p_value"] < 0.05 and (tmp_path / "m.pdf").exists()
    no_such = [a if a != "tmtv" else "spd" for a in args]  # reference not a covariate
    assert main(no_such) == 1

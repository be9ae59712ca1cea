"""CAR T kinetics: parameters by hand, the C10 rule, Mann–Whitney, the CLI on demo data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

from mirscope.cli import main
from mirscope.companion.kinetics import compare_groups, expander_groups, kinetic_parameters
from mirscope.errors import InputError
from mirscope.simulate.companion import simulate_companion


def _long(rows):
    return pd.DataFrame(rows, columns=["sample_id", "day", "car_t_per_ul"])


def test_parameters_by_hand():
    k = _long(
        [
            ("A", 0, 0),
            ("A", 7, 20),
            ("A", 10, 40),
            ("A", 14, 40),
            ("A", 28, 10),
            ("A", 35, 3),
            ("B", 3, 2),
            ("B", 7, 10),
            ("B", 14, 4),
            ("B", 21, 1),
        ]
    )
    p = kinetic_parameters(k).set_index("sample_id")
    assert p.loc["A", "cmax"] == 40 and p.loc["A", "tmax"] == 10  # first day of the maximum
    assert p.loc["A", "c10"] == 40 and p.loc["A", "c10_rule"] == "measured"
    # B lacks day 10: interpolate between day 7 (10) and day 14 (4): 10 - 3/7*6
    assert p.loc["B", "c10"] == pytest.approx(10 - 18 / 7)
    assert p.loc["B", "c10_rule"] == "interpolated"
    # A: trapezoid 0-7: 70, 7-10: 90, 10-14: 160, 14-28: 350, 28-30 (10 -> 8 at day 30): 18
    assert p.loc["A", "auc0_30"] == pytest.approx(70 + 90 + 160 + 350 + 18)
    assert bool(p.loc["A", "auc_complete"])
    # B: day 0 taken as 0, ends at day 21 (no later sample): incomplete
    assert p.loc["B", "auc0_30"] == pytest.approx(3 + 24 + 49 + 17.5)
    assert not bool(p.loc["B", "auc_complete"])


def test_c10_missing_outside_window():
    k = _long([("A", 3, 1), ("A", 5, 5), ("A", 21, 2)])
    p = kinetic_parameters(k)
    assert np.isnan(p.c10[0]) and p.c10_rule[0] == "missing"


def test_bad_rows():
    with pytest.raises(InputError, match="negative"):
        kinetic_parameters(_long([("A", -1, 3), ("A", 7, 3)]))
    with pytest.raises(InputError, match="same patient and day"):
        kinetic_parameters(_long([("A", 7, 3), ("A", 7, 4)]))
    with pytest.raises(InputError, match="missing"):
        kinetic_parameters(_long([("A", 7, None)]))


def test_expanders_and_mann_whitney():
    p = pd.DataFrame(
        {
            "sample_id": list("abcdef"),
            "auc0_30": [1.0, 2, 3, 4, 5, 6],
            "tmax": 7.0,
            "cmax": [1.0, 2, 3, 4, 5, 6],
            "c10": np.nan,
        }
    )
    groups = expander_groups(p)
    assert groups.tolist() == ["poor expander"] * 3 + ["expander"] * 3
    resp = pd.Series(["n", "n", "r", "n", "r", "r"])
    t = compare_groups(p, resp, parameters=("auc0_30",))
    ref = mannwhitneyu([1, 2, 4], [3, 5, 6], alternative="two-sided")
    assert t.p_mannwhitney[0] == pytest.approx(ref.pvalue)
    assert t.u_statistic[0] == ref.statistic


def test_cli_on_simulated_companion_data(tmp_path):
    rng = np.random.default_rng(1)
    n = 40
    clinical = pd.DataFrame(
        {
            "sample_id": [f"P{i:02d}" for i in range(n)],
            "response_3m": rng.choice(["CR", "PR", "SD", "PD", "NE"], n),
            "pfs_days": rng.integers(20, 1500, n),
            "pfs_event": rng.integers(0, 2, n),
        }
    )
    tables = simulate_companion(clinical, seed=3)
    clinical.to_csv(tmp_path / "c.tsv", sep="\t", index=False)
    for name in ("kinetics", "covariates"):
        tables[name].to_csv(tmp_path / f"{name}.tsv", sep="\t", index=False)
    args = [
        "kinetics",
        "--kinetics",
        str(tmp_path / "kinetics.tsv"),
        "--clinical",
        str(tmp_path / "c.tsv"),
        "--covariates",
        str(tmp_path / "covariates.tsv"),
        "--params-out",
        str(tmp_path / "p.tsv"),
        "--tests-out",
        str(tmp_path / "t.tsv"),
        "--km-out",
        str(tmp_path / "km.tsv"),
        "--figure-prefix",
        str(tmp_path / "kin"),
    ]
    assert main(args) == 0
    params = pd.read_csv(tmp_path / "p.tsv", sep="\t")
    assert len(params) == n and "interpolated" in set(params.c10_rule)  # day 10 sometimes missed
    tests = pd.read_csv(tmp_path / "t.tsv", sep="\t").set_index("parameter")
    # planted: responders expand more
    assert tests.loc["auc0_30", "median_b"] > tests.loc["auc0_30", "median_a"]
    assert tests.loc["auc0_30", "p_mannwhitney"] < 0.05
    km = pd.read_csv(tmp_path / "km.tsv", sep="\t")
    assert km.group.nunique() == 4 and km.n.sum() == n
    assert (tmp_path / "kin_curves.png").exists() and (tmp_path / "kin_km_pfs.pdf").exists()


def test_simulated_companion_tables_are_deterministic_and_planted():
    clinical = pd.DataFrame({"sample_id": [f"P{i:02d}" for i in range(53)]})
    a, b = simulate_companion(clinical, seed=7), simulate_companion(clinical, seed=7)
    for name in ("kinetics", "covariates", "secondary_events", "evidence_studies"):
        pd.testing.assert_frame_equal(a[name], b[name])
    assert set(a["secondary_events"].event) <= {0, 1, 2}
    cov = a["covariates"].drop(columns="sample_id")
    rho = cov.corr(method="spearman").abs().to_numpy()
    np.fill_diagonal(rho, 0)
    assert (rho > 0.9).sum() >= 6  # at least three collinear pairs to prune


def test_inflammation_tests_where_the_study_tests_them():
    from mirscope.companion.kinetics import inflammation_tests

    t = pd.DataFrame(
        {
            "expansion": ["expander"] * 6 + ["poor expander"] * 3,
            "responder": [0, 0, 0, 1, 1, 1, 1, 1, None],
            "crp": [10, 20, 30, 1, 2, 3, 4, 5, 99],
        }
    )
    res = inflammation_tests(t, ("crp",)).set_index("comparison")
    exp = res.loc["expanders_by_response"]
    # every exp-NR value exceeds every exp-RE value: U = 3 * 3 = 9, exact two-sided
    # p = 2 / C(6, 3) = 0.1; the poor expanders (99, 4, 5) are not part of this test
    assert (exp.group_a, exp.group_b, exp.n_a, exp.n_b) == ("non-responder", "responder", 3, 3)
    assert exp.u_statistic == 9 and exp.p_mannwhitney == pytest.approx(0.1)
    assert (exp.median_a, exp.median_b) == (20, 2)
    resp = res.loc["responders_by_expansion"]
    # responders: expanders 1, 2, 3 vs poor expanders 4, 5 (the NE patient is left out)
    assert (resp.n_a, resp.n_b, resp.u_statistic) == (3, 2, 0)
    assert resp.p_mannwhitney == pytest.approx(2 / 10)


def test_combined_strata_follow_both_medians():
    from mirscope.companion.kinetics import combined_marker_strata

    expansion = pd.Series(["expander"] * 4 + ["poor expander", None])
    markers = pd.DataFrame({"ferritin": [1, 9, 9, 1, 9, 5], "crp": [1, 9, 1, None, 9, 5]})
    # medians over the cohort: ferritin 7, crp 5
    got = combined_marker_strata(expansion, markers).tolist()
    assert got[:3] == [
        "expander / ferritin low, crp low",
        "expander / ferritin high, crp high",
        "expander / mixed",
    ]
    assert pd.isna(got[3]) and got[4] == "poor expander" and pd.isna(got[5])


def test_cli_kinetics_inflammation(tmp_path):
    # per-patient table as `mirscope kinetics --merged-out` writes it
    n = 40
    rng = np.random.default_rng(2)
    resp = np.tile([1, 0], n // 2)
    expansion = np.where(np.arange(n) % 4 < 2, "expander", "poor expander")
    ferritin = np.exp(rng.normal(6, 0.5, n) + 0.8 * (1 - resp))
    table = pd.DataFrame(
        {
            "sample_id": [f"P{i:02d}" for i in range(n)],
            "expansion": expansion,
            "responder": resp,
            "ferritin": ferritin,
            "crp": np.exp(rng.normal(0, 0.5, n) + 0.8 * (1 - resp)),
            "ldh": rng.normal(250, 40, n),
            "pfs_days": rng.integers(30, 1500, n),
            "pfs_event": rng.integers(0, 2, n),
        }
    )
    table.to_csv(tmp_path / "p.tsv", sep="\t", index=False)
    outs = {k: tmp_path / f"{k}.tsv" for k in ("e", "t", "c")}
    args = ["kinetics-inflammation", "--patients", str(tmp_path / "p.tsv")]
    args += ["--km-expansion-out", str(outs["e"]), "--tests-out", str(outs["t"])]
    args += ["--km-combined-out", str(outs["c"]), "--figure-prefix", str(tmp_path / "k")]
    assert main(args) == 0
    e = pd.read_csv(outs["e"], sep="\t")
    assert e.group.tolist() == ["expander", "poor expander"] and e.n.tolist() == [20, 20]
    t = pd.read_csv(outs["t"], sep="\t")
    assert set(t.parameter) == {"ferritin", "crp", "ldh"} and len(t) == 6
    c = pd.read_csv(outs["c"], sep="\t")
    assert c.n.sum() == n and c.group.iloc[-1] == "poor expander"
    for name in ("km_expansion", "inflammation", "km_combined"):
        assert (tmp_path / f"k_{name}.png").exists()
    bad = table.drop(columns="ldh")
    bad.to_csv(tmp_path / "bad.tsv", sep="\t", index=False)
    assert main([*args[:1], "--patients", str(tmp_path / "bad.tsv"), *args[3:]]) == 1


def test_companion_only_rewrites_the_same_tables(tmp_path):
    full, refresh = tmp_path / "full", tmp_path / "refresh"
    args = ["simulate", "--seed", "5", "--patients", "8", "--reads-per-sample", "100"]
    assert main([*args, "--out", str(full)]) == 0
    refresh.mkdir()
    (refresh / "clinical.tsv").write_bytes((full / "clinical.tsv").read_bytes())
    assert main(["simulate", "--seed", "5", "--out", str(refresh), "--companion-only"]) == 0
    names = ("kinetics", "covariates", "secondary_events", "evidence_studies")
    for name in names:
        assert (refresh / f"{name}.tsv").read_bytes() == (full / f"{name}.tsv").read_bytes()
    assert not (refresh / "samples.tsv").exists()


def test_simulated_secondary_events_carry_consistent_overall_survival():
    """The ClonHema cohort is its own: each patient's overall survival is in the table and
    agrees with the competing-risk coding (a death competes, a censoring is last contact,
    nobody dies before their event)."""
    clinical = pd.DataFrame({"sample_id": [f"P{i:02d}" for i in range(53)]})
    ev = simulate_companion(clinical, seed=9)["secondary_events"]
    assert len(ev) == 555 and not set(ev.sample_id) & set(clinical.sample_id)
    assert (ev.time_days <= ev.os_days).all()
    assert (ev[ev.event == 2].os_event == 1).all() and (ev[ev.event == 0].os_event == 0).all()
    assert (ev[ev.event != 1].time_days == ev[ev.event != 1].os_days).all()

"""Kaplan–Meier, log-rank (vs survdiff), numbers at risk, and Supplementary Figure S1."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from _survival_data import survival_table
from conftest import require_r
from mirscope.cli import main
from mirscope.errors import InputError
from mirscope.survival.km import km_table


def _grouped(seed: int, n: int = 53, groups: int = 2) -> pd.DataFrame:
    tab = survival_table("ties", seed, n=n)
    tab["group"] = pd.qcut(tab.x, groups, labels=[f"g{i}" for i in range(groups)]).astype(str)
    return tab


def test_numbers_at_risk_and_medians_by_hand():
    tab = pd.DataFrame(
        {
            "time": [100, 200, 300, 600, 50, 700, 1200, 1600],
            "event": [1, 1, 1, 0, 1, 1, 0, 0],
            "group": ["a"] * 4 + ["b"] * 4,
        }
    )
    res, _, _ = km_table(tab, time="time", event="event", group="group", source="t")
    a, b = res.set_index("group").loc["a"], res.set_index("group").loc["b"]
    assert (a.at_risk_0, a.at_risk_500, a.at_risk_1000, a.at_risk_1500) == (4, 1, 0, 0)
    assert (b.at_risk_0, b.at_risk_500, b.at_risk_1000, b.at_risk_1500) == (4, 3, 2, 1)
    assert a["median"] == 200  # S drops to 0.5 at 200
    assert b["median"] == 700  # S(50) = 3/4, S(700) = 3/4 * 2/3 = 1/2
    assert a.events == 3 and b.n == 4


def test_group_without_events_is_allowed_and_not_reached():
    tab = pd.DataFrame(
        {
            "time": [10, 20, 30, 40, 15, 25, 35, 45],
            "event": [1, 1, 1, 1, 0, 0, 0, 0],
            "group": ["a"] * 4 + ["b"] * 4,
        }
    )
    res, _, test = km_table(tab, time="time", event="event", group="group")
    assert np.isnan(res.set_index("group").loc["b", "median"])
    assert 0 < test.p < 0.05


def test_all_censored_is_a_clear_error():
    tab = _grouped(1).assign(event=0)
    with pytest.raises(InputError, match="every patient is censored"):
        km_table(tab, time="time", event="event", group="group")


def test_one_group_is_a_clear_error():
    tab = _grouped(1).assign(group="all")
    with pytest.raises(InputError, match="two groups"):
        km_table(tab, time="time", event="event", group="group")


R_SURVDIFF = """
d <- read.delim(commandArgs(TRUE)[1])
s <- survival::survdiff(survival::Surv(time, event) ~ group, data = d)
cat(sprintf("%.17g", s$chisq), sprintf("%.17g", 1 - pchisq(s$chisq, length(s$n) - 1)), "\\n")
"""


@pytest.mark.r
@pytest.mark.parametrize(("seed", "groups"), [(21, 2), (22, 2), (23, 3)])
def test_logrank_equals_survdiff(tmp_path, seed, groups):
    require_r("survival")
    tab = _grouped(seed, groups=groups)
    f = tmp_path / "t.tsv"
    tab.to_csv(f, sep="\t", index=False)
    out = subprocess.run(
        ["Rscript", "-e", R_SURVDIFF, str(f)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    res, _, test = km_table(tab, time="time", event="event", group="group")
    assert test.chisq == pytest.approx(float(out[0]), rel=1e-9)
    assert test.p == pytest.approx(float(out[1]), rel=1e-7, abs=1e-14)
    assert test.df == groups - 1


def _cohort(tmp_path, n=53, seed=3):
    rng = np.random.default_rng(seed)
    ids = [f"P{i:02d}" for i in range(n)]
    x = rng.gamma(2, 3, n)
    t = np.round(rng.exponential(800 / np.exp(0.15 * x)))
    c = rng.uniform(300, 1700, n)
    os_days, os_event = np.minimum(t, c), (t <= c).astype(int)
    pfs = np.round(os_days * rng.uniform(0.3, 1, n))
    clinical = pd.DataFrame(
        {
            "sample_id": ids,
            "os_days": os_days,
            "os_event": os_event,
            "pfs_days": pfs,
            "pfs_event": os_event,
            "ttp_days": pfs,
            "ttp_event": os_event,
        }
    )
    clinical.loc[[3, 7], ["ttp_days", "ttp_event"]] = np.nan
    clinical.to_csv(tmp_path / "clinical.tsv", sep="\t", index=False)
    norm = pd.DataFrame(
        [["hsa-let-7a-5p", *rng.random(n)], ["hsa-miR-542-5p", *x]], columns=["mirna", *ids]
    )
    norm.to_csv(tmp_path / "norm.tsv", sep="\t", index=False)
    return clinical, x


def test_suppfig_s1_command(tmp_path):
    clinical, x = _cohort(tmp_path)
    args = [
        "survival",
        "--clinical",
        str(tmp_path / "clinical.tsv"),
        "--normalized",
        str(tmp_path / "norm.tsv"),
        "--cutpoint-out",
        str(tmp_path / "cut.tsv"),
        "--km-out",
        str(tmp_path / "km.tsv"),
        "--figure-prefix",
        str(tmp_path / "s1"),
    ]
    assert main(args) == 0
    cut = pd.read_csv(tmp_path / "cut.tsv", sep="\t")
    km = pd.read_csv(tmp_path / "km.tsv", sep="\t")
    assert cut.endpoint[0] == "pfs" and cut.n_low[0] == int((x <= cut.cutpoint[0]).sum())
    assert list(km.endpoint.unique()) == ["os", "pfs", "ttp"]
    ttp = km[km.endpoint == "ttp"]
    assert ttp.at_risk_0.sum() == 51  # two patients without TTP are left out of that panel
    assert (km[km.endpoint == "os"].at_risk_0.to_numpy() == [cut.n_low[0], cut.n_high[0]]).all()
    for ep in ("os", "pfs", "ttp"):
        png = tmp_path / f"s1_{ep}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20000
        assert (tmp_path / f"s1_{ep}.pdf").exists()
    first = (tmp_path / "km.tsv").read_bytes()
    assert main(args) == 0 and (tmp_path / "km.tsv").read_bytes() == first


def test_suppfig_s1_unknown_variable(tmp_path, capsys):
    _cohort(tmp_path)
    code = main(
        [
            "survival",
            "--clinical",
            str(tmp_path / "clinical.tsv"),
            "--normalized",
            str(tmp_path / "norm.tsv"),
            "--variable",
            "hsa-miR-1-3p",
            "--cutpoint-out",
            str(tmp_path / "c.tsv"),
            "--km-out",
            str(tmp_path / "k.tsv"),
            "--figure-prefix",
            str(tmp_path / "s1"),
        ]
    )
    assert code == 1 and "hsa-miR-1-3p" in capsys.readouterr().err
    assert not (tmp_path / "k.tsv").exists()


def test_cli_km(tmp_path):
    tab = _grouped(31)
    f = tmp_path / "t.tsv"
    tab.to_csv(f, sep="\t", index=False)
    out = tmp_path / "km.tsv"
    assert (
        main(
            [
                "km",
                "--table",
                str(f),
                "--time",
                "time",
                "--event",
                "event",
                "--group",
                "group",
                "--at-risk",
                "0,100",
                "--out",
                str(out),
                "--figure",
                str(tmp_path / "km.png"),
            ]
        )
        == 0
    )
    got = pd.read_csv(out, sep="\t")
    assert got.at_risk_0.sum() == len(tab) and "at_risk_100" in got.columns
    assert (tmp_path / "km.pdf").exists()


def test_km_overall_median_matches_survfit(tmp_path):
    """Whole-cohort median OS with 95% CI (ClonHema), against R survfit's log-log CI."""
    from mirscope.survival.km import km_overall

    rng = np.random.default_rng(4)
    t = np.round(rng.exponential(400, 60), 1) + 1
    e = (rng.random(60) < 0.7).astype(int)
    df = pd.DataFrame({"t": t, "e": e})
    res, _ = km_overall(df, time="t", event="e", at_risk_times=[0, 300])
    assert res.loc[0, "n"] == 60 and res.loc[0, "events"] == e.sum()
    assert res.loc[0, "at_risk_0"] == 60
    assert res.loc[0, "at_risk_300"] == int((t >= 300).sum())
    require_r("survival")
    path = tmp_path / "d.tsv"
    df.to_csv(path, sep="\t", index=False)
    script = (
        "suppressMessages(library(survival)); d <- read.delim(commandArgs(TRUE)[1]);"
        "f <- survfit(Surv(t, e) ~ 1, data=d, conf.type='log-log');"
        "cat(summary(f)$table[c('median','0.95LCL','0.95UCL')], sep='\\n')"
    )
    r = subprocess.run(["Rscript", "-e", script, str(path)], capture_output=True, text=True)
    median, lo, hi = (float(x) for x in r.stdout.split())
    assert res.loc[0, "median"] == pytest.approx(median)
    assert res.loc[0, "median_lower"] == pytest.approx(lo)
    assert res.loc[0, "median_upper"] == pytest.approx(hi)


def test_cli_km_reads_a_hand_made_clinical_table_as_a_clean_one(tmp_path):
    """Comment lines, padded cells, NA and an id-only row give the clean table's numbers."""
    rng = np.random.default_rng(8)
    ids = [f"P{i:02d}" for i in range(20)]
    days = rng.integers(30, 900, 20)
    events = rng.integers(0, 2, 20)
    clean = tmp_path / "clean.tsv"
    clean.write_text(
        "sample_id\tos_days\tos_event\n"
        + "".join(f"{s}\t{d}\t{e}\n" for s, d, e in zip(ids[:18], days, events, strict=False))
        + f"{ids[18]}\t\t\n{ids[19]}\t\t\n"
    )
    messy = tmp_path / "messy.tsv"
    messy.write_text(
        "# exported from the hospital database\nos_event\tsample_id\tos_days\n"
        + "".join(f" {e} \t{s}\t{d} \n" for s, d, e in zip(ids[:18], days, events, strict=False))
        + f"NA\t{ids[18]}\tNA\n\t{ids[19]}\n"
    )
    outs = []
    for name, table in (("clean", clean), ("messy", messy)):
        out = tmp_path / f"{name}_km.tsv"
        args = ["km", "--clinical", str(table), "--time", "os_days", "--event", "os_event"]
        assert main([*args, "--at-risk", "0,300", "--out", str(out)]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    got = pd.read_csv(tmp_path / "clean_km.tsv", sep="\t")
    assert got["at_risk_0"].iloc[0] == 18  # the two patients without OS are left out


def test_cli_km_needs_exactly_one_input(tmp_path, capsys):
    f = tmp_path / "t.tsv"
    f.write_text("sample_id\ttime\tevent\nA\t1\t1\n")
    args = ["km", "--time", "time", "--event", "event", "--out", str(tmp_path / "o.tsv")]
    assert main(args) == 2
    assert main([*args, "--table", str(f), "--clinical", str(f)]) == 2
    assert "exactly one of --clinical and --table" in capsys.readouterr().err


def test_ttp_leaves_out_deaths_without_progression_and_missing_ttp():
    """The rule worked by hand on five patients (see mirscope.survival.prognostic)."""
    from mirscope.survival.prognostic import ttp_exclusions

    clinical = pd.DataFrame(
        {
            "sample_id": ["A", "B", "C", "D", "E"],
            # A progressed then died; B died of toxicity on day 20 (no progression);
            # C is alive and censored; D has no TTP; E's TTP follow-up ended on day 300
            # and E died later, on day 600, without a recorded progression.
            "os_days": [400, 20, 900, 500, 600],
            "os_event": [1, 1, 0, 0, 1],
            "pfs_days": [100, 20, 900, 500, 300],
            "pfs_event": [1, 1, 0, 0, 0],
            "ttp_days": [100, 20, 900, np.nan, 300],
            "ttp_event": [1, 0, 0, np.nan, 0],
        }
    )
    reasons = ttp_exclusions(clinical)
    assert reasons.to_dict() == {
        "A": "",
        "B": "died without progression",
        "C": "",
        "D": "no TTP recorded",
        "E": "",
    }
    # Without OS the PFS event ending at the same day tells the same story.
    assert ttp_exclusions(clinical.drop(columns=["os_days", "os_event"]))["B"] != ""


def test_suppfig_s1_ttp_panel_excludes_deaths_without_progression(tmp_path, caplog):
    clinical, x = _cohort(tmp_path)
    # Patients 10 and 11 die without progression: a PFS and OS event, no TTP event.
    for i in (10, 11):
        clinical.loc[i, ["os_event", "pfs_event", "ttp_event"]] = [1, 1, 0]
        clinical.loc[i, ["pfs_days", "ttp_days"]] = clinical.loc[i, "os_days"]
    clinical.to_csv(tmp_path / "clinical.tsv", sep="\t", index=False)
    args = [
        "-v",
        "survival",
        "--clinical",
        str(tmp_path / "clinical.tsv"),
        "--normalized",
        str(tmp_path / "norm.tsv"),
        "--cutpoint-out",
        str(tmp_path / "cut.tsv"),
        "--km-out",
        str(tmp_path / "km.tsv"),
        "--figure-prefix",
        str(tmp_path / "s1"),
    ]
    with caplog.at_level("INFO"):
        assert main(args) == 0
    km = pd.read_csv(tmp_path / "km.tsv", sep="\t")
    n = km.groupby("endpoint")["n"].sum().to_dict()
    # PFS and OS keep everyone, TTP loses the 2 without TTP and the 2 deaths
    assert n["pfs"] == n["os"] == len(clinical)
    assert n["ttp"] == len(clinical) - 4
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("TTP:"))
    assert f"{len(clinical) - 4} of {len(clinical)} patients used" in line
    assert "died without progression: 2 (P10, P11)" in line
    assert "no TTP recorded: 2 (P03, P07)" in line
    # With --ttp-death censor the two deaths stay in the panel, censored.
    assert main([*args[:2], "--ttp-death", "censor", *args[2:]]) == 0
    km = pd.read_csv(tmp_path / "km.tsv", sep="\t")
    ttp = km[km.endpoint == "ttp"]
    assert ttp["n"].sum() == len(clinical) - 2


def test_ttp_censor_option_keeps_deaths_without_progression():
    from mirscope.survival.prognostic import ttp_exclusions

    clinical = pd.DataFrame(
        {
            "sample_id": ["A", "B"],
            "os_days": [20, 300],
            "os_event": [1, 0],
            "ttp_days": [20, np.nan],
            "ttp_event": [0, np.nan],
        }
    )
    assert ttp_exclusions(clinical, "censor").tolist() == ["", "no TTP recorded"]
    assert ttp_exclusions(clinical).tolist() == ["died without progression", "no TTP recorded"]
    with pytest.raises(ValueError, match="censor"):
        ttp_exclusions(clinical, "drop")

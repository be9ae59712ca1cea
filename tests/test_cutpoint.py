"""Optimised cut-off (maxstat as survminer::surv_cutpoint): rule, edge cases, CLI, R."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from _survival_data import survival_table
from conftest import require_r
from mirscope.cli import main
from mirscope.errors import InputError
from mirscope.survival.cutpoint import logrank_scores, maxstat_logrank


def test_logrank_scores_hand_computed():
    # times 1,2,2,3 events 1,1,0,1, N = 4. Ties take the maximum rank (t=2 -> rank 3), and
    # each event adds 1/(N - rank + 1): 1/4 at t=1, 1/2 at t=2, 1/1 at t=3 (maxstat's rule,
    # not the Nelson-Aalen 1/3 at t=2). Score = event - cumulative sum up to the own rank.
    a = logrank_scores(np.array([1.0, 2, 2, 3]), np.array([1, 1, 0, 1]))
    h1, h2, h3 = 1 / 4, 1 / 4 + 1 / 2, 1 / 4 + 1 / 2 + 1
    assert a == pytest.approx([1 - h1, 1 - h2, 0 - h2, 1 - h3])


def test_low_group_proportion_limits():
    # 10 patients, minprop 0.1: the low group may hold 1..9 patients
    tab = survival_table("plain", 3, n=10)
    res = maxstat_logrank(tab.time, tab.event, tab.x, minprop=0.1)
    assert set(res.candidates.n_low) == set(range(1, 10))
    res = maxstat_logrank(tab.time, tab.event, tab.x, minprop=0.3)
    assert set(res.candidates.n_low) == {3, 4, 5, 6, 7}
    assert res.n_low == int((tab.x <= res.cutpoint).sum())
    assert res.statistic == pytest.approx(res.candidates.statistic.max())


def test_smallest_cut_wins_on_tied_statistics():
    # symmetric data: the statistic at both cuts is identical; the smaller cut is reported
    time = np.array([1.0, 2, 3, 4])
    event = np.array([1, 1, 1, 1])
    x = np.array([1.0, 2, 3, 4])
    res = maxstat_logrank(time, event, x, minprop=0.25)
    top = res.candidates[res.candidates.statistic == res.statistic]
    assert res.cutpoint == top.cut.min()


def test_all_censored_is_a_clear_error():
    tab = survival_table("plain", 1, n=20).assign(event=0)
    with pytest.raises(InputError, match="no events"):
        maxstat_logrank(tab.time, tab.event, tab.x)


def test_cut_leaving_too_few_is_a_clear_error():
    x = np.array([0.0] * 20 + [5.0])  # the only split is 20 vs 1: n_low 20 > floor(0.9 * 21)
    tab = survival_table("plain", 2, n=21)
    with pytest.raises(InputError, match="minprop"):
        maxstat_logrank(tab.time, tab.event, x)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [("time", -5, "negative time"), ("event", 2, "event code")],
)
def test_cli_bad_input_one_line(tmp_path, capsys, column, value, message):
    tab = survival_table("plain", 4, n=20)
    tab.loc[6, column] = value
    path = tmp_path / "t.tsv"
    tab.to_csv(path, sep="\t", index=False)
    out = tmp_path / "cut.tsv"
    code = main(
        [
            "cutpoint",
            "--table",
            str(path),
            "--time",
            "time",
            "--event",
            "event",
            "--variable",
            "x",
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert message in err and "row 7 (sample P06)" in err and not out.exists()


def test_cli_missing_time_leaves_the_patient_out(tmp_path, caplog):
    """An empty time is a missing value: the result is that of the table without the row."""
    tab = survival_table("plain", 4, n=20)
    outs = []
    for name, table in (
        ("gap", tab.assign(time=tab.time.where(tab.index != 6))),
        ("drop", tab.drop(index=6)),
    ):
        table.to_csv(tmp_path / f"{name}.tsv", sep="\t", index=False)
        argv = ["cutpoint", "--table", str(tmp_path / f"{name}.tsv"), "--time", "time"]
        argv += ["--event", "event", "--variable", "x", "--out", str(tmp_path / f"{name}.out")]
        assert main(argv) == 0
        outs.append((tmp_path / f"{name}.out").read_bytes())
    assert outs[0] == outs[1]
    assert "19 of 20 patients used" in caplog.text and "P06" in caplog.text


def test_cli_writes_documented_columns(tmp_path):
    tab = survival_table("zeros", 5)
    path = tmp_path / "t.tsv"
    tab.to_csv(path, sep="\t", index=False)
    out = tmp_path / "cut.tsv"
    assert (
        main(
            [
                "cutpoint",
                "--table",
                str(path),
                "--time",
                "time",
                "--event",
                "event",
                "--variable",
                "x",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    got = pd.read_csv(out, sep="\t")
    assert list(got.columns) == ["cutpoint", "statistic", "n_low", "n_high"]
    assert got.n_low[0] + got.n_high[0] == len(tab)
    first = out.read_bytes()
    main(
        [
            "cutpoint",
            "--table",
            str(path),
            "--time",
            "time",
            "--event",
            "event",
            "--variable",
            "x",
            "--out",
            str(out),
        ]
    )
    assert out.read_bytes() == first


R_CUT = """
for (f in commandArgs(TRUE)) {
  d <- read.delim(f)
  r <- survminer::surv_cutpoint(d, "time", "event", "x", minprop = 0.1)
  cat(f, sprintf("%.17g", r$cutpoint$cutpoint), sprintf("%.17g", r$cutpoint$statistic), "\\n")
}
"""


@pytest.mark.r
def test_cutpoint_identical_to_surv_cutpoint(tmp_path):
    require_r("survminer", "maxstat")
    cases = [
        ("plain", 11),
        ("ties", 12),
        ("zeros", 13),
        ("rounded", 14),
        ("ties", 15),
        ("plain", 16),
    ]
    files = []
    for kind, seed in cases:
        f = tmp_path / f"{kind}_{seed}.tsv"
        survival_table(kind, seed, n=30 + seed).to_csv(f, sep="\t", index=False)
        files.append(f)
    res = subprocess.run(
        ["Rscript", "-e", R_CUT, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    r = {
        line.split()[0]: (float(line.split()[1]), float(line.split()[2]))
        for line in res.stdout.strip().splitlines()
    }
    for f in files:
        tab = pd.read_csv(f, sep="\t")
        ours = maxstat_logrank(tab.time.to_numpy(), tab.event.to_numpy(), tab.x.to_numpy())
        assert ours.cutpoint == r[str(f)][0], f.name
        assert ours.statistic == pytest.approx(r[str(f)][1], rel=1e-12), f.name

"""Supplementary Table 1 and the association tests, against hand counts and R."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import require_r
from mirscope.cli import main
from mirscope.inputs.clinical import read_clinical
from mirscope.stats.association import kruskal_test, spearman_test
from mirscope.stats.tables import grouped_table, overall_table, p_value


def _clinical(tmp_path, n: int = 30):
    rng = np.random.default_rng(5)
    df = pd.DataFrame(
        {
            "sample_id": [f"P{i:02d}" for i in range(1, n + 1)],
            "sex": rng.choice(["F", "M"], n),
            "histology": rng.choice(["LBCL", "PMBCL"], n, p=[0.8, 0.2]),
            "ecog": rng.choice(["0", "1", "2"], n),
            "bridging": rng.choice(["none", "response", "failure"], n),
            "crp": np.round(rng.lognormal(0, 1, n), 2).astype(str),
            "age": rng.integers(20, 80, n).astype(str),
            "crs_grade": rng.choice(["0", "1", "2", "3"], n),
            "icans_grade": rng.choice(["0", "0", "1", "3"], n),
        }
    )
    df.loc[3, "crp"] = ""
    path = tmp_path / "clinical.tsv"
    df.to_csv(path, sep="\t", index=False)
    return path, df


def _r(script: str) -> list[float]:
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
    return [float(v) for v in out.stdout.split()]


def test_overall_counts_by_hand(tmp_path):
    path, df = _clinical(tmp_path)
    table = overall_table(read_clinical(str(path)))
    female = table[(table.variable == "sex") & (table.level == "F")].iloc[0]
    assert female["characteristic"] == "Female"
    n_f = int((df.sex == "F").sum())
    assert female["all_patients"] == f"{n_f} ({100 * n_f / len(df):.0f}%)"
    assert female["count"] == (df.sex == "F").sum()
    assert female["percent"] == pytest.approx(100 * (df.sex == "F").mean())
    crp = table[table.variable == "crp"].iloc[0]
    assert crp["n_known"] == len(df) - 1  # one missing value
    assert crp["median"] == pytest.approx(pd.to_numeric(df.crp, errors="coerce").median())


def test_icans_vs_ecog_ge1_is_a_two_by_two_fisher(tmp_path):
    """The paper tests ICANS against ECOG >= 1 vs 0: a 2 x 2 table, not the scores."""
    from scipy.stats import fisher_exact

    path, df = _clinical(tmp_path)
    df.loc[5, "ecog"] = ""
    df.to_csv(path, sep="\t", index=False)
    icans = grouped_table(read_clinical(str(path)), "icans")
    rows = icans[(icans.variable == "ecog_ge1") & (icans.level != "")]
    assert list(rows["level"]) == ["0", ">=1"]
    known = df[df.ecog != ""]
    yes = pd.to_numeric(known.icans_grade) > 0
    ge1 = pd.to_numeric(known.ecog) >= 1
    table = [[int((~yes & ~ge1).sum()), int((~yes & ge1).sum())],
             [int((yes & ~ge1).sum()), int((yes & ge1).sum())]]  # fmt: skip
    assert rows["n_known"].iloc[0] == len(known)
    assert p_value(icans, "ecog_ge1") == pytest.approx(fisher_exact(table).pvalue, rel=1e-10)
    assert p_value(icans, "ecog") != pytest.approx(p_value(icans, "ecog_ge1"))
    overall = overall_table(read_clinical(str(path)))
    assert overall.loc[overall.variable == "ecog_ge1", "count"].sum() == len(known)


@pytest.mark.r
def test_grouped_p_values_match_r(tmp_path):
    require_r("stats")
    path, df = _clinical(tmp_path)
    crs = grouped_table(read_clinical(str(path)), "crs")
    r = _r(
        f"d <- read.delim('{path}', colClasses = c(ecog = 'character'));"
        " g <- d$crs_grade >= 2;"
        " cat(sprintf('%.17g', c(fisher.test(table(g, d$sex))$p.value,"
        " fisher.test(table(g, d$ecog))$p.value, fisher.test(table(g, d$bridging))$p.value,"
        " kruskal.test(d$crp ~ g)$p.value, kruskal.test(d$age ~ g)$p.value)))"
    )
    ours = [p_value(crs, v) for v in ("sex", "ecog", "bridging", "crp", "age")]
    np.testing.assert_allclose(ours, r, rtol=1e-8)
    icans = grouped_table(read_clinical(str(path)), "icans")
    n_yes = (pd.to_numeric(df.icans_grade) > 0).sum()
    assert icans.loc[0, "icans_yes"] == str(n_yes)


@pytest.mark.r
def test_spearman_and_kruskal_match_r(tmp_path):
    require_r("stats")
    rng = np.random.default_rng(9)
    cases = {
        "exact_n8": (rng.permutation(8).astype(float), rng.permutation(8).astype(float)),
        "edgeworth_n30": (rng.normal(size=30), rng.normal(size=30)),
        "ties_n40": (np.round(rng.normal(size=40), 0), rng.normal(size=40)),
    }
    x3 = rng.normal(size=35)
    cases["positive_n35"] = (x3, x3 + rng.normal(scale=1.5, size=35))
    for name, (x, y) in cases.items():
        xs = ",".join(repr(float(v)) for v in x)
        ys = ",".join(repr(float(v)) for v in y)
        r_rho, r_p = _r(
            f"t <- suppressWarnings(cor.test(c({xs}), c({ys}), method = 'spearman'));"
            " cat(sprintf('%.17g', c(t$estimate, t$p.value)))"
        )
        rho, p, n = spearman_test(x, y)
        assert rho == pytest.approx(r_rho, rel=1e-10), name
        assert p == pytest.approx(r_p, rel=1e-6), name
    values = np.round(rng.normal(size=24), 1)
    groups = np.repeat(["a", "b", "c"], 8)
    vs = ",".join(repr(float(v)) for v in values)
    r_stat, r_p = _r(
        f"k <- kruskal.test(c({vs}), factor(rep(c('a','b','c'), each = 8)));"
        " cat(sprintf('%.17g', c(k$statistic, k$p.value)))"
    )
    stat, p, df = kruskal_test(values, groups)
    assert (stat, df) == (pytest.approx(r_stat, rel=1e-10), 2)
    assert p == pytest.approx(r_p, rel=1e-10)


def test_cli_writes_three_tables(tmp_path):
    path, _ = _clinical(tmp_path)
    outs = [tmp_path / f"{k}.tsv" for k in ("a", "b", "c")]
    args = ["clinical-tables", "--clinical", str(path), "--out-overall", str(outs[0])]
    args += ["--out-crs", str(outs[1]), "--out-icans", str(outs[2])]
    assert main(args) == 0
    b = pd.read_csv(outs[1], sep="\t")
    assert list(b.columns[:4]) == ["characteristic", "crs_grade_0_1", "crs_grade_ge2", "p_value"]
    assert set(b["test"].dropna()) == {"fisher_exact", "kruskal_wallis"}
    # the file is read back through the one reader the comparison table uses
    assert p_value(b, "crp") == pytest.approx(
        p_value(grouped_table(read_clinical(str(path)), "crs"), "crp")
    )


def test_one_row_per_characteristic_with_the_papers_names_and_units(tmp_path):
    """The paper's layout: a characteristic's own row carries its unit, statistic and the
    one p-value of its test; its levels follow on rows of their own, without a p."""
    path, df = _clinical(tmp_path)
    table = pd.read_csv(path, sep="\t", dtype=str)
    rng = np.random.default_rng(3)
    for col in ("ldh", "ccfdna", "pmn_mdsc"):
        table[col] = np.round(rng.uniform(1, 90, len(table)), 1).astype(str)
    table.to_csv(path, sep="\t", index=False)
    crs = grouped_table(read_clinical(str(path)), "crs")
    own = crs[crs.level.fillna("") == ""].set_index("variable")
    # units as the schema states them (the paper gives none in its text)
    assert own.loc["crp", "characteristic"] == "CRP, mg/dL, median [range]"
    assert own.loc["ldh", "characteristic"] == "LDH, U/L, median [range]"
    assert own.loc["ccfdna", "characteristic"] == "ccfDNA, ng/mL, median [range]"
    assert own.loc["pmn_mdsc", "characteristic"] == "PMN-MDSC, % of PBMC, median [range]"
    assert own.loc["age", "characteristic"] == "Age, years, median [range]"
    assert own.loc["sex", "characteristic"] == "Sex, n (%)"
    assert own.loc["ecog_ge1", "characteristic"] == "ECOG performance status ≥ 1, n (%)"
    assert crs.iloc[0]["characteristic"] == "Patients, n"
    assert crs.variable.value_counts()["crp"] == 1  # a continuous variable: one row
    sex = crs[crs.variable == "sex"]
    assert list(sex.characteristic) == ["Sex, n (%)", "Female", "Male"]
    assert sex.p_value.notna().sum() == 1 and pd.notna(sex.p_value.iloc[0])
    # every variable of the table is tested exactly once
    tested = crs[crs.p_value.notna()]
    assert tested.variable.is_unique
    assert set(tested.variable) == set(crs.variable) - {"patients"}
    overall = overall_table(read_clinical(str(path)))
    assert overall.loc[overall.variable == "crp", "all_patients"].iloc[0].count("[") == 1
    assert overall.variable.value_counts()["sex"] == 3


def test_one_patients_used_logger_in_both_forms(caplog):
    """Per variable (the DE and models stages) and one selection (the companion analyses,
    the survival commands): the same function, a line that names who is left out."""
    import logging

    from mirscope.inputs.clinical import log_patients_used

    logger = logging.getLogger("mirscope.test")
    frame = pd.DataFrame({"crs_grade": [1.0, None, 2.0]}, index=["P01", "P02", "P03"])
    with caplog.at_level("INFO", logger="mirscope.test"):
        log_patients_used(frame, ["crs_grade"], what="de", logger=logger, samples=["P01", "P02"])
        log_patients_used(
            frame, what="kinetics", logger=logger, used=[True, False, True], why="no row"
        )
        log_patients_used(["P01", "P02"], what="km", logger=logger, used=[True, True])
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        (
            "de: 3 patients; used per variable, the others left out: "
            "counts 2 (1 no counts: P03); crs_grade 1 (1 missing: P02)"
        ),
        "kinetics: 2 of 3 patients used; 1 left out (no row: P02)",
        "km: all 2 patients used",
    ]

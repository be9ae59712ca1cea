"""The paper-vs-reanalysis table: the agreement rules, and rows built from hand-made outputs.

The expected verdicts come from the rules as documented (module docstring of
mirscope.report.paper and docs/outputs.md) applied by hand to made-up numbers, never from
a run's own output.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mirscope.cli import main
from mirscope.errors import MirscopeWarning
from mirscope.report.paper import (
    AGREES,
    DIFFERS,
    NOT_APPLICABLE,
    NOT_COMPUTED,
    RULES,
    agreement,
    compare,
)

VERDICTS = {AGREES, DIFFERS, NOT_APPLICABLE, NOT_COMPUTED}


@pytest.mark.parametrize(
    ("kind", "paper", "ours", "expected"),
    [
        # patient counts: within ±5
        ("patients", 50, 45, AGREES),
        ("patients", 50, 44, DIFFERS),
        ("patients", 20, 26, DIFFERS),
        # numbers at risk: every time point within ±5
        ("at_risk", (20, 13, 7, 0), (25, 8, 2, 5), AGREES),
        ("at_risk", (20, 13, 7, 0), (20, 13, 7, 6), DIFFERS),
        ("at_risk", (20, 13, 7, 0), (20, 13, 7), DIFFERS),
        # other counts: within ±40% of the paper's
        ("count", 25, 15, AGREES),
        ("count", 25, 14, DIFFERS),
        ("count", 33, 46, AGREES),
        ("count", 33, 46.3, DIFFERS),
        ("equal", 3, 3, AGREES),
        ("equal", 3, 4, DIFFERS),
        # percentages as fractions: within ±10 points
        ("percent", 0.81, 0.91, AGREES),
        ("percent", 0.81, 0.92, DIFFERS),
        ("percent", 0.75, 0.64, DIFFERS),
        # medians: within ±1
        ("median", 5.0, 6.0, AGREES),
        ("median", 5.0, 3.5, DIFFERS),
        # p-values: within one order of magnitude; a bound < x agrees below 10x
        ("p", "0.004", 0.0375, AGREES),
        ("p", "0.004", 0.041, DIFFERS),
        ("p", "0.02", 0.0019, DIFFERS),
        ("p", "< 0.0007", 0.0069, AGREES),
        ("p", "< 0.0007", 0.0071, DIFFERS),
        ("p", "< 0.0007", 1e-9, AGREES),
        # Spearman: same sign and the paper's r inside our Fisher-z 95% CI
        ("spearman", 0.37, (0.3653, 53), AGREES),
        ("spearman", 0.34, (0.6334, 35), DIFFERS),
        ("spearman", 0.05, (-0.05, 200), DIFFERS),
        # named DE miRNA: same direction and p < 0.05
        ("direction", "down", ("down", 0.01), AGREES),
        ("direction", "down", ("down", 0.06), DIFFERS),
        ("direction", "up", ("down", 1e-6), DIFFERS),
        # coefficient: same sign
        ("sign", -591.077, -0.8, AGREES),
        ("sign", 0.72, -0.1, DIFFERS),
        # toxicity predictor: in the final model with the paper's direction
        ("selected", "down", (True, -1.2), AGREES),
        ("selected", "down", (True, 0.4), DIFFERS),
        ("selected", "up", (False, None), DIFFERS),
        # cluster enrichment
        ("enriched", None, 0.01, AGREES),
        ("enriched", None, 0.4, DIFFERS),
        ("one_cluster", None, [("cluster_1", 0.01), ("cluster_1", 0.03)], AGREES),
        ("one_cluster", None, [("cluster_1", 0.01), ("cluster_2", 0.03)], DIFFERS),
        ("one_cluster", None, [("cluster_1", 0.01), ("cluster_1", 0.3)], DIFFERS),
        # no value of ours, or nothing comparable
        ("patients", 50, None, NOT_COMPUTED),
        ("p", "0.02", math.nan, NOT_COMPUTED),
        ("scale", 5.5, 18.9, NOT_APPLICABLE),
        ("unreported", None, 0.9, NOT_APPLICABLE),
    ],
)
def test_agreement_rules(kind, paper, ours, expected):
    assert agreement(kind, paper, ours) == expected


def test_spearman_rule_matches_fisher_z_by_hand():
    # r = 0.5, n = 28: z = 0.5493, SE = 1/5 -> CI tanh(0.1573, 0.9413) = (0.156, 0.736)
    assert agreement("spearman", 0.16, (0.5, 28)) == AGREES
    assert agreement("spearman", 0.15, (0.5, 28)) == DIFFERS
    assert agreement("spearman", 0.73, (0.5, 28)) == AGREES
    assert agreement("spearman", 0.74, (0.5, 28)) == DIFFERS


def _clinical(tmp_path, *, onset: bool = True) -> pd.DataFrame:
    """Eight patients; two died without progression (P3, P4) and P5 has no TTP."""
    df = pd.DataFrame(
        {
            "sample_id": [f"P{i}" for i in range(1, 9)],
            "histology": ["LBCL"] * 6 + ["PMBCL"] * 2,
            "prior_lines": [2, 2, 3, 4, 2, 1, 5, 3],
            "crs_grade": [0, 1, 1, 2, 1, 0, 3, 1],
            "icans_grade": [0, 0, 5, 5, 1, 0, 2, 0],
            "crs_onset_days": [None, 1, 2, 0, 1, None, 3, 1],
            "icans_onset_days": [None, None, 4, 6, 8, None, 5, None],
            "os_days": [900, 700, 20, 35, 500, 800, 300, 1000],
            "os_event": [0, 0, 1, 1, 0, 0, 1, 0],
            "pfs_days": [900, 100, 20, 35, 500, 800, 120, 1000],
            "pfs_event": [0, 1, 1, 1, 0, 0, 1, 0],
            "ttp_days": [900, 100, 20, 35, None, 800, 120, 1000],
            "ttp_event": [0, 1, 0, 0, None, 0, 1, 0],
        }
    )
    if not onset:
        df = df.drop(columns=["crs_onset_days", "icans_onset_days"])
    df.to_csv(tmp_path / "clinical.tsv", sep="\t", index=False, na_rep="")
    return df


def _outputs(root) -> None:
    """The tables the comparison reads, made up by hand (columns as the stages write them)."""
    t = root / "tables"
    (t / "models").mkdir(parents=True)
    pd.DataFrame(
        {
            "variable": ["bridging=failure"] * 2 + ["crs_ge2"] * 2 + ["icans"] * 2,
            "level": ["no", "yes"] * 3,
            "n": [4, 4, 5, 3, 5, 3],
            "cluster_0": [3, 0, 3, 0, 3, 0],
            "cluster_1": [0, 3, 0, 3, 0, 3],
            "cluster_2": [1, 1, 2, 0, 2, 0],
            "n_missing": [0] * 6,
            "p_value": [0.02, 0.02, 0.3, 0.3, 0.01, 0.01],
        }
    ).to_csv(t / "cluster_associations.tsv", sep="\t", index=False)
    pd.DataFrame(
        {"sample_id": [f"P{i}" for i in range(1, 9)], "cluster": ["cluster_0", "cluster_1"] * 4}
    ).to_csv(t / "clusters.tsv", sep="\t", index=False)
    pd.DataFrame(
        {
            "model": ["crs_ge2", "icans"],
            "predictors": ["hsa-miR-4511,crp", "hsa-miR-1290,histology_pmbcl"],
            "loocv_accuracy": [0.85, 0.70],
            "nested_accuracy": [0.8, 0.6],
        }
    ).to_csv(t / "toxicity_models.tsv", sep="\t", index=False)
    pd.DataFrame(
        {
            "term": ["(Intercept)", "hsa-miR-4511", "crp"],
            "estimate": [-2.0, 0.8, 0.1],
            "p_value": [0.1, 0.01, 0.5],
        }
    ).to_csv(t / "models/crs_ge2_coefficients.tsv", sep="\t", index=False)
    pd.DataFrame({"variable": ["hsa-miR-4511", "hsa-miR-136-5p"], "frequency": [0.9, 0.3]}).to_csv(
        t / "models/crs_ge2_selection.tsv", sep="\t", index=False
    )
    pd.DataFrame(
        {
            "term": ["(Intercept)", "hsa-miR-1290", "histology_pmbcl"],
            "estimate": [-2.0, 0.5, -0.3],
            "p_value": [0.1, 0.02, 0.6],
        }
    ).to_csv(t / "models/icans_coefficients.tsv", sep="\t", index=False)
    pd.DataFrame(
        {
            "variable": ["hsa-miR-542-5p"],
            "endpoint": ["pfs"],
            "cutpoint": [18.9],
            "statistic": [3.0],
            "n_low": [3],
            "n_high": [5],
        }
    ).to_csv(t / "suppfig_s1_cutpoint.tsv", sep="\t", index=False)
    km = []
    for ep, n in (("os", (3, 5)), ("pfs", (3, 5)), ("ttp", (2, 3))):
        for g, k in zip(("low", "high"), n, strict=True):
            km.append(
                {"endpoint": ep, "group": g, "n": k, "p_logrank": 0.01}
                | {f"at_risk_{x}": max(k - i, 0) for i, x in enumerate((0, 500, 1000, 1500))}
            )
    pd.DataFrame(km).to_csv(t / "suppfig_s1_km.tsv", sep="\t", index=False)


def _by_quantity(table: pd.DataFrame) -> dict[str, pd.Series]:
    assert table["quantity"].is_unique
    return {r.quantity: r for r in table.itertuples(index=False)}


def test_compare_rows_from_hand_made_outputs(tmp_path):
    _clinical(tmp_path)
    _outputs(tmp_path)
    table = compare(tmp_path, tmp_path / "clinical.tsv")
    assert list(table.columns) == [
        "section",
        "location",
        "quantity",
        "paper_value",
        "reanalysis_value",
        "agreement",
        "rule",
        "note",
    ]
    assert set(table["agreement"]) <= VERDICTS
    assert set(table["rule"]) <= set(RULES.values())
    rows = _by_quantity(table)
    # median prior lines of 2,2,3,4,2,1,5,3 is 2.5: within ±1 of the paper's 2
    r = rows["median prior lines of therapy"]
    assert (r.reanalysis_value, r.agreement) == ("2.5", AGREES)
    # two grade 5 ICANS (P3, P4) as in the paper
    assert rows["deaths from grade 5 ICANS"].reanalysis_value == "2"
    # onset medians over patients with the event only: CRS 1,2,0,1,3,1 -> 1; ICANS 4,6,8,5 -> 5.5
    r = rows["median CRS onset (days)"]
    assert (r.reanalysis_value, r.agreement, r.note) == ("1", AGREES, "n = 6 with the event")
    assert rows["median ICANS onset (days)"].reanalysis_value == "5.5"
    # toxicity predictors: miR-4511 in the model and up; miR-136-5p only selected by LASSO
    # 30% of the time; PMBCL in the model but protective (differs); CRP not in the ICANS model
    r = rows["crs_ge2 model selects miR-4511"]
    assert r.agreement == AGREES and r.reanalysis_value.startswith("in final model (up")
    r = rows["crs_ge2 model selects miR-136-5p"]
    assert (r.reanalysis_value, r.agreement) == ("not in final model", DIFFERS)
    assert "LASSO selection frequency 0.30" in r.note
    assert rows["icans model selects PMBCL histology"].agreement == DIFFERS
    assert rows["icans model selects miR-1290"].agreement == AGREES
    assert rows["icans model selects PLD CRP"].agreement == DIFFERS
    # clusters: cluster_1 holds 3 of the 4 bridging failures, p 0.02 agrees; CRS p 0.3 differs
    r = rows["cluster enriched for bridging failure"]
    assert r.reanalysis_value.startswith("cluster_1: 3/3 (100%) vs 1/5 in the others")
    assert r.agreement == AGREES
    assert rows["cluster enriched for CRS grade >= 2"].agreement == DIFFERS
    r = rows["one cluster enriched for bridging failure, CRS >= 2 and ICANS"]
    assert (r.reanalysis_value, r.agreement) == ("cluster_1", DIFFERS)
    # the cut-off is on another scale: not applicable, and the note says why
    r = rows["miR-542-5p cut-off (normalized counts)"]
    assert r.agreement == NOT_APPLICABLE and "GeneSpring" in r.note and "DESeq2" in r.note
    assert rows["patients above the cut-off"].agreement == DIFFERS  # 5 vs 33
    r = rows["TTP patients analysed"]
    assert (r.reanalysis_value, r.agreement) == ("5 (2 + 3)", DIFFERS)
    # tables this run lacks are "not computed", never empty
    r = rows["DE miRNAs, ICANS"]
    assert (r.reanalysis_value, r.agreement) == (NOT_COMPUTED, NOT_COMPUTED)
    assert (table["reanalysis_value"] != "").all() and (table["rule"] != "").all()


def test_missing_onset_columns_warn_and_are_not_computed(tmp_path):
    _clinical(tmp_path, onset=False)
    with pytest.warns(MirscopeWarning, match="crs_onset_days"):
        table = compare(tmp_path, tmp_path / "clinical.tsv")
    rows = _by_quantity(table)
    for q in ("median CRS onset (days)", "median ICANS onset (days)"):
        assert rows[q].agreement == NOT_COMPUTED and "missing" in rows[q].note


def test_paper_compare_command_writes_the_table(tmp_path):
    _clinical(tmp_path)
    _outputs(tmp_path)
    out = tmp_path / "paper.tsv"
    args = [
        "paper-compare",
        "--outdir",
        str(tmp_path),
        "--clinical",
        str(tmp_path / "clinical.tsv"),
    ]
    assert main([*args, "--out", str(out)]) == 0
    first = out.read_bytes()
    table = pd.read_csv(out, sep="\t", dtype=str, keep_default_na=False)
    assert set(table["agreement"]) <= VERDICTS
    assert main([*args, "--out", str(out)]) == 0 and out.read_bytes() == first

"""The paper-vs-reanalysis table: the agreement rules, and rows built from hand-made outputs.

The expected verdicts come from the rules as documented (module docstring of
mirscope.report.paper and docs/outputs.md) applied by hand to made-up numbers, never from
a run's own output.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mirscope.cli import main
from mirscope.errors import MirscopeWarning
from mirscope.io import read_tsv_cells, tsv_comments
from mirscope.report.paper import (
    AGREES,
    DIFFERS,
    INPUT,
    NOT_APPLICABLE,
    NOT_COMPUTED,
    PAPER_MODELS,
    RULES,
    SIMULATION_MARKER,
    VERDICTS,
    agreement,
    compare,
    summary_line,
)


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
        # p-values: same side of 0.05 and within one order of magnitude; a bound < x
        # agrees below 10x (and below 0.05)
        ("p", "0.004", 0.0375, AGREES),
        ("p", "0.004", 0.041, DIFFERS),
        ("p", "0.02", 0.0019, DIFFERS),
        ("p", "0.043", 0.06, DIFFERS),  # a decade apart at most, but not significant
        ("p", "0.05869", 0.049, DIFFERS),  # the paper's is not significant, ours is
        ("p", "0.05869", 0.3, AGREES),
        ("p", "0.08", 0.051, AGREES),
        ("p", "0.04141", 0.05, DIFFERS),  # 0.05 itself is not below 0.05
        ("p", "< 0.0007", 0.0069, AGREES),
        ("p", "< 0.0007", 0.0071, DIFFERS),
        ("p", "< 0.0007", 1e-9, AGREES),
        ("p", "< 0.01", 0.07, DIFFERS),  # below 10x the bound, but not significant
        # Spearman: same sign and the paper's r inside our Fisher-z 95% CI
        ("spearman", 0.37, (0.3653, 53), AGREES),
        ("spearman", 0.34, (0.6334, 35), DIFFERS),
        ("spearman", 0.05, (-0.05, 200), DIFFERS),
        # named DE miRNA: passes the DE rule, in the paper's direction
        ("de_rule", "down", ("down", True), AGREES),
        ("de_rule", "down", ("down", False), DIFFERS),
        ("de_rule", "up", ("down", True), DIFFERS),
        # the text's DE miRNAs of a contrast: all of them in our DE set
        ("de_set", ("a", "b"), ("a", "b", "c"), AGREES),
        ("de_set", ("a", "b"), ("b",), DIFFERS),
        # coefficient (estimate, p): same sign and p on the same side of 0.05; one whose
        # coding the paper does not state: not comparable
        ("sign", (-0.03498, 0.00616), (-0.8, 0.001), AGREES),
        ("sign", (-0.03498, 0.00616), (-0.8, 0.2), DIFFERS),
        ("sign", (0.0009494, 0.05869), (0.07, 0.07), AGREES),
        ("sign", (0.72, 0.016), (-0.1, 0.01), DIFFERS),
        ("coding", -591.077, 0.8, NOT_APPLICABLE),
        ("coding", -591.077, -0.8, NOT_APPLICABLE),
        # accuracy: within ±10 points, and only from a model with the paper's predictors
        ("accuracy", 0.81, (0.85, True), AGREES),
        ("accuracy", 0.81, (0.81, False), DIFFERS),
        ("accuracy", 0.81, (0.60, True), DIFFERS),
        # named predictor: in the final model, in the paper's direction where it gives one
        ("selected", -1, (True, -1.2), AGREES),
        ("selected", -1, (True, 0.4), DIFFERS),
        ("selected", 1, (False, None), DIFFERS),
        ("selected", None, (True, -0.3), AGREES),
        ("selected", None, (False, None), DIFFERS),
        # a companion estimate: the paper's value inside our 95% CI (a missing bound: open)
        ("in_ci", 0.011, (0.02, 0.005, 0.05), AGREES),
        ("in_ci", 0.011, (0.13, 0.057, 0.24), DIFFERS),
        ("in_ci", 10.4, (17.0, 2.5, math.nan), AGREES),
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
    pd.DataFrame(
        {
            "variable": ["hsa-miR-4511", "hsa-miR-136-5p", "crp"],
            "frequency": [0.9, 0.3, 0.75],
            "loocv_frequency": [1.0, 0.2, None],
        }
    ).to_csv(t / "models/crs_ge2_selection.tsv", sep="\t", index=False)
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
    _response_and_de_outputs(root)
    _companion_outputs(t)


def _tsv(df: pd.DataFrame, path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, sep="\t", index=False)


def _response_and_de_outputs(root) -> None:
    """Response models (3 months: the paper's predictors; 12 months: others), the DE
    tables of the named miRNAs and the refitted Table 1 models."""
    t = root / "tables"
    _tsv(
        pd.DataFrame(
            {
                "model": ["response_3m", "response_12m"],
                "predictors": [
                    "product_tisa_cel,hsa-let-7d-3p,hsa-miR-542-5p",
                    "hsa-miR-542-5p,age",
                ],
                "loocv_accuracy": [0.70, 0.73],
                "nested_accuracy": [0.6, 0.5],
            }
        ),
        t / "response_models_summary.tsv",
    )
    # responders are coded 1: miR-542-5p (adverse) should be negative
    for model, terms, estimates in (
        ("response_3m", ["product_tisa_cel", "hsa-let-7d-3p", "hsa-miR-542-5p"], [1.0, 0.2, -0.5]),
        ("response_12m", ["hsa-miR-542-5p", "age"], [0.4, 0.01]),
    ):
        _tsv(
            pd.DataFrame({"term": terms, "estimate": estimates, "p_value": [0.04] * len(terms)}),
            t / f"models/{model}_coefficients.tsv",
        )
    # miR-136-5p: p < 0.05 and down, but |log2FC| 0.88 fails the paper's rule
    _tsv(
        pd.DataFrame(
            {
                "mirna": ["hsa-miR-136-5p", "hsa-miR-4511", "hsa-miR-1"],
                "log2FoldChange": [-0.88, 1.5, 2.0],
                "pvalue": [0.01, 0.001, 0.2],
            }
        ),
        root / "de/crs_ge2.tsv",
    )
    _tsv(
        pd.DataFrame({"mirna": ["hsa-miR-1290"], "log2FoldChange": [1.2], "pvalue": [0.03]}),
        root / "de/icans.tsv",
    )
    _tsv(
        pd.DataFrame(
            {
                "model": ["response_3m", "response_3m"],
                "predictor": ["product", "hsa-miR-542-5p"],
                "term": ["product_tisa_cel", "hsa-miR-542-5p"],
                "coefficient": [1.3, 0.5],
                "p_value": [0.004, 0.2],
                "outcome": ["nonresponse"] * 2,
                "n": [8, 8],
                "loocv_accuracy": [0.75, 0.75],
            }
        ),
        t / "published_models.tsv",
    )


def _companion_outputs(t) -> None:
    """Companion tables: the review's 28 biomarkers by level as published, one
    unfavourable biomarker (of 2), AUC0-30 medians near the paper's and competing-risk
    estimates with and without the paper's value in their CI."""
    _tsv(
        pd.DataFrame(
            {
                "level": ["A+", "A", "B", "C", "D"],
                "n_biomarkers": [2, 2, 4, 11, 9],
                "percent": [100 * k / 28 for k in (2, 2, 4, 11, 9)],
            }
        ),
        t / "evidence_levels.tsv",
    )
    classes = ["dual-predictive"] * 10 + ["favourable"] * 12 + ["unfavourable"]
    _tsv(
        pd.DataFrame({"class": classes, "biomarker": [f"b{i}" for i in range(len(classes))]}),
        t / "evidence_classes.tsv",
    )
    _tsv(
        pd.DataFrame(
            {
                "parameter": ["cmax", "auc0_30"],
                "group_a": ["non-responder"] * 2,
                "group_b": ["responder"] * 2,
                "n_a": [4, 4],
                "n_b": [5, 5],
                "median_a": [20.0, 60.0],
                "median_b": [40.0, 160.0],
                "u_statistic": [3.0, 2.0],
                "p_mannwhitney": [0.02, 0.004],
            }
        ),
        t / "kinetics_tests.tsv",
    )
    _tsv(
        pd.DataFrame(
            {
                "group": ["all"] * 3,
                "time": [182.625, 365.25, 1461],
                "estimate": [0.02, 0.03, None],
                "lower_95": [0.005, 0.031, None],
                "upper_95": [0.05, 0.08, None],
                "note": ["", "", "follow-up shorter than 1461 days"],
            }
        ),
        t / "cuminc_overall.tsv",
    )
    _tsv(
        pd.DataFrame(
            {
                "endpoint": ["os_after_event"],
                "group": ["all"],
                "n": [6],
                "events": [4],
                "median": [300.0],
                "median_lower": [100.0],
                "median_upper": [None],
            }
        ),
        t / "km_after_event.tsv",
    )


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
    assert set(table["agreement"]) <= set(VERDICTS) - {INPUT}  # a user's cohort: no inputs
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


def test_paper_compare_command_writes_the_table_after_its_summary_line(tmp_path):
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
    table = read_tsv_cells(out)
    assert set(table["agreement"]) <= set(VERDICTS)
    # one summary line, first, counting the rows below it
    (summary,) = tsv_comments(out)
    assert out.read_text().startswith(f"# {summary}\n")
    assert summary == summary_line(table)
    assert main([*args, "--out", str(out)]) == 0 and out.read_bytes() == first


def test_summary_line_counts_every_verdict():
    table = pd.DataFrame(
        {"agreement": [AGREES, AGREES, DIFFERS, INPUT, INPUT, INPUT, NOT_COMPUTED]}
    )
    assert summary_line(table) == (
        "7 rows: 2 agree, 1 differ, 3 input, 0 not applicable, 1 not computed"
    )
    counts = {
        verdict: int(n)
        for n, verdict in (part.split(" ", 1) for part in summary_line(table)[8:].split(", "))
    }
    assert sum(counts.values()) == len(table)


def _mark_simulated(directory) -> None:
    marker = directory / SIMULATION_MARKER
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("target\tkind\n")


def test_simulated_cohort_counts_are_inputs_and_a_real_cohort_is_judged(tmp_path):
    """The same clinical table and outputs: judged as a user's cohort, then, with the
    simulator's truth file beside the clinical table, the simulator's inputs read `input`
    and the companion rows `not applicable`; every other row keeps its verdict."""
    _clinical(tmp_path)
    _outputs(tmp_path)
    real = compare(tmp_path, tmp_path / "clinical.tsv")
    _mark_simulated(tmp_path)
    demo = compare(tmp_path, tmp_path / "clinical.tsv")
    assert INPUT not in set(real["agreement"])
    r, d = _by_quantity(real), _by_quantity(demo)
    for q in ("patients", "PMBCL", "ICANS grade < 2", "median prior lines of therapy"):
        assert r[q].agreement in (AGREES, DIFFERS), q
        assert d[q].agreement == INPUT and "simulated demo" in d[q].note, q
        assert d[q].rule == RULES["input"]
    # 8 patients against the paper's 53 differ on a real cohort
    assert r["patients"].agreement == DIFFERS
    # a column the table lacks is not computed, on the demo too
    assert d["axi-cel"].agreement == NOT_COMPUTED
    assert r["biomarkers at evidence level C"].agreement == AGREES
    assert d["biomarkers at evidence level C"].agreement == NOT_APPLICABLE
    # ClonHema's cohort is drawn at the paper's rates: an input on the demo, not evidence
    r6, d6 = r["cumulative incidence at 6 months"], d["cumulative incidence at 6 months"]
    assert r6.agreement == AGREES and d6.agreement == INPUT and "555" in d6.note
    changed = {q for q in r if r[q].agreement != d[q].agreement}
    assert changed <= {q for q in d if d[q].rule in (RULES["input"], RULES["simulated"])}
    assert {d[q].section for q in changed} == {
        "cohort",
        "companion 001 (evidence review)",
        "companion 003 (CAR T kinetics)",
        "companion 004 (secondary neoplasms)",
    }


def test_the_workflow_copy_of_a_simulated_table_is_recognised_by_its_source(tmp_path):
    _clinical(tmp_path)
    _outputs(tmp_path)
    copy = tmp_path / "clinical" / "clinical.tsv"  # the workflow's canonical copy
    copy.parent.mkdir()
    copy.write_bytes((tmp_path / "clinical.tsv").read_bytes())
    _mark_simulated(tmp_path)
    assert INPUT not in set(compare(tmp_path, copy)["agreement"])
    table = compare(tmp_path, copy, source_clinical=tmp_path / "clinical.tsv")
    assert _by_quantity(table)["patients"].agreement == INPUT


@pytest.mark.parametrize("seed", [1, 7])
def test_input_rows_are_the_counts_the_simulator_fixes(tmp_path, seed):
    """Judged as a real cohort, the simulator's table gives the paper's value in every
    count and ORR row the demo calls `input` (so `input` is not hiding a difference)."""
    from mirscope.simulate import sample_ids_for
    from mirscope.simulate.clinical import add_onset_days, simulate_clinical

    rng = np.random.default_rng(seed)
    sim = simulate_clinical(rng, sample_ids_for(53))
    table = add_onset_days(sim.table, np.random.default_rng(seed + 1))
    table.to_csv(tmp_path / "clinical.tsv", sep="\t", index=False, na_rep="")
    judged = compare(tmp_path, tmp_path / "clinical.tsv")
    _mark_simulated(tmp_path)
    demo = compare(tmp_path, tmp_path / "clinical.tsv")
    inputs = demo[demo["agreement"] == INPUT]
    fixed = inputs[~inputs["quantity"].str.startswith("median")]
    assert len(fixed) >= 16
    assert (fixed["reanalysis_value"] == fixed["paper_value"]).all()
    assert (judged.loc[fixed.index, "agreement"] == AGREES).all()


@pytest.fixture
def rows(tmp_path) -> dict[str, pd.Series]:
    """The comparison of the hand-made outputs, by quantity (a user's cohort)."""
    _clinical(tmp_path)
    _outputs(tmp_path)
    return _by_quantity(compare(tmp_path, tmp_path / "clinical.tsv"))


def test_every_predictor_the_paper_names_has_a_selects_row(rows):
    expected = {
        "crs_ge2": {"miR-136-5p", "miR-4511", "PLD CRP", "sex"},
        "icans": {"miR-1290", "PMBCL histology", "PLD CRP", "sex", "ECOG"},
        "response_3m": {"CAR T product", "let-7d-3p", "miR-542-5p"},
        "response_12m": {"miR-143-3p", "miR-542-3p", "miR-542-5p"},
    }
    assert {pm.model: {p.label for p in pm.predictors} for pm in PAPER_MODELS} == expected
    for model, labels in expected.items():
        for label in labels:
            assert f"{model} model selects {label}" in rows, (model, label)
    # CRP is in our CRS model (no direction stated by the paper) and its LASSO frequency
    # is in the note; sex is not in it
    r = rows["crs_ge2 model selects PLD CRP"]
    assert r.agreement == AGREES and "LASSO selection frequency 0.75;" in r.note
    assert (
        "LASSO selection frequency 0.30 (loocv 0.20)"
        in rows["crs_ge2 model selects miR-136-5p"].note
    )
    assert rows["crs_ge2 model selects sex"].agreement == DIFFERS
    assert rows["icans model selects ECOG"].agreement == DIFFERS
    # responders coded 1: miR-542-5p negative agrees (3 months), positive differs (12)
    assert rows["response_3m model selects miR-542-5p"].agreement == AGREES
    r = rows["response_12m model selects miR-542-5p"]
    assert r.agreement == DIFFERS and "in final model (up" in r.reanalysis_value
    # the product: in the model; its coding is not stated, so no direction is required
    assert rows["response_3m model selects CAR T product"].agreement == AGREES
    assert rows["response_12m model selects miR-143-3p"].agreement == DIFFERS


def test_accuracy_agrees_only_from_the_papers_predictors(rows):
    # 85% is within 10 points of 81%, but from miR-4511 and CRP only
    r = rows["crs_ge2 accuracy, paper-style LOOCV"]
    assert (r.reanalysis_value, r.agreement) == ("85%", DIFFERS)
    assert "paper's: hsa-miR-136-5p, hsa-miR-4511, crp, sex_female" in r.note
    assert "shared: hsa-miR-4511, crp" in r.note
    # 70% vs 75% from the paper's three predictors
    r = rows["response_3m accuracy, paper-style LOOCV"]
    assert r.agreement == AGREES and "shared: product_tisa_cel" in r.note
    # 73% equals the paper's, but the model shares only miR-542-5p
    r = rows["response_12m accuracy, paper-style LOOCV"]
    assert r.agreement == DIFFERS and "shared: hsa-miR-542-5p;" in r.note
    assert rows["response_12m accuracy, nested LOOCV"].agreement == NOT_APPLICABLE


def test_table1_product_coefficient_is_not_applicable_its_p_is_judged(rows):
    r = rows["response_3m Product coefficient"]
    assert r.agreement == NOT_APPLICABLE and "does not state which product" in r.note
    assert r.rule == RULES["coding"]
    assert rows["response_3m Product p-value"].agreement == AGREES  # 0.004 vs 0.00473
    # miR-542-5p: same sign, but p 0.2 against a significant 0.01632: no direction shown
    assert rows["response_3m hsa_miR_542_5p coefficient"].agreement == DIFFERS
    assert rows["response_3m hsa_miR_542_5p p-value"].agreement == DIFFERS


def test_named_de_mirna_must_pass_the_papers_rule(rows, tmp_path):
    r = rows["hsa-miR-136-5p in CRS >= 2"]  # down with p 0.01, but log2FC -0.88
    assert (r.reanalysis_value, r.agreement) == ("down (log2FC -0.88, p 0.01)", DIFFERS)
    assert rows["hsa-miR-4511 in CRS >= 2"].agreement == AGREES
    r = rows["named DE miRNAs of CRS >= 2 in our DE set"]
    assert (r.reanalysis_value, r.agreement) == ("1 of 2: hsa-miR-4511", DIFFERS)
    assert rows["named DE miRNAs of ICANS in our DE set"].agreement == AGREES
    # a looser configured rule lets miR-136-5p through
    loose = _by_quantity(compare(tmp_path, tmp_path / "clinical.tsv", de_lfc=0.5))
    assert loose["hsa-miR-136-5p in CRS >= 2"].agreement == AGREES
    assert "|log2FC| > 0.5" in loose["hsa-miR-136-5p in CRS >= 2"].note


def test_companion_rows_on_a_real_cohort(rows):
    for level in ("A+", "A", "B", "C", "D"):
        assert rows[f"biomarkers at evidence level {level}"].agreement == AGREES, level
    assert rows["dual-predictive biomarkers"].agreement == AGREES
    assert rows["unfavourable biomarkers"].agreement == DIFFERS  # 1 vs 2
    # AUC0-30: 160 vs 105.2 is beyond ±40%, 60 vs 55.76 within; p 0.004 < 0.01
    assert rows["median AUC0-30, responders"].agreement == DIFFERS
    assert rows["median AUC0-30, non-responders"].agreement == AGREES
    assert rows["AUC0-30 responders vs non-responders, Mann-Whitney p"].agreement == AGREES
    # cumulative incidence: 1.1% inside (0.5%, 5%); 1.8% below (3.1%, 8%); no 4-year value
    assert rows["cumulative incidence at 6 months"].agreement == AGREES
    assert rows["cumulative incidence at 1 year"].agreement == DIFFERS
    r = rows["cumulative incidence at 4 years"]
    assert r.agreement == NOT_COMPUTED and "follow-up shorter" in r.note
    # median OS after the event: 300 days = 9.9 months, CI 3.3 months to open
    r = rows["median OS after the event (months)"]
    assert r.agreement == AGREES and r.reanalysis_value.startswith("9.9 (95% CI 3.3 to NA)")


def test_companion_rows_without_their_tables_are_not_computed(tmp_path):
    _clinical(tmp_path)
    table = compare(tmp_path, tmp_path / "clinical.tsv")
    companion = table[table["section"].str.startswith("companion")]
    assert len(companion) == 15  # 5 levels, 3 classes, 3 kinetics, 4 incidence and OS
    assert (companion["agreement"] == NOT_COMPUTED).all()
    assert companion["note"].str.contains("missing").all()


def test_review_inputs_are_judged_on_the_demo(tmp_path):
    """A run that scored the review's own inputs (as the demo does) reproduces a published
    computation: its class counts are judged even on the simulated demo; its level shares
    are not comparable, because the review's text gives no study's design."""
    from mirscope.companion.evidence import (
        biomarker_classes,
        evidence_scores,
        level_distribution,
        review_studies,
    )

    _clinical(tmp_path)
    _outputs(tmp_path)
    studies = review_studies()
    scores = evidence_scores(studies)
    t = tmp_path / "tables"
    biomarker_classes(studies, scores).to_csv(t / "evidence_classes.tsv", sep="\t", index=False)
    level_distribution(scores).to_csv(t / "evidence_levels.tsv", sep="\t", index=False)
    _mark_simulated(tmp_path)
    d = _by_quantity(compare(tmp_path, tmp_path / "clinical.tsv"))
    for name in ("dual-predictive", "favourable", "unfavourable"):
        assert d[f"{name} biomarkers"].agreement == AGREES, name
        assert d[f"{name} biomarkers"].rule == RULES["equal"]
    for level in ("A+", "A", "B", "C", "D"):
        r = d[f"biomarkers at evidence level {level}"]
        assert r.agreement == NOT_APPLICABLE and r.rule == RULES["designs"], level

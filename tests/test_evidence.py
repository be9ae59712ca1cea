"""The systematic review's evidence score: coefficients, level boundaries, CLI."""

from __future__ import annotations

import pandas as pd
import pytest

from mirscope.cli import main
from mirscope.companion.evidence import evidence_scores, level
from mirscope.errors import InputError


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (6.0, "A+"),
        (5.99, "A"),
        (4.0, "A"),
        (3.9, "B"),
        (2.0, "B"),
        (1.9, "C"),
        (1.0, "C"),
        (0.9, "D"),
        (0.0, "D"),
    ],
)
def test_level_boundaries(score, expected):
    assert level(score) == expected


def test_scores_sum_design_coefficients():
    studies = pd.DataFrame(
        {
            "biomarker": ["x"] * 3 + ["y"] * 2 + ["z"],
            "design": [
                "Single-arm phase II trial",
                "multicentre retrospective cohort",
                "single_center_retrospective_cohort",
                "single-arm phase I trial",
                "single-arm phase I/II trial",
                "prospective two-cohort pilot study",
            ],
            "direction": [
                "favourable",
                "unfavourable",
                "favourable",
                "unfavourable",
                "unfavourable",
                "favourable",
            ],
        }
    )
    s = evidence_scores(studies).set_index("biomarker")
    assert s.loc["x", "score"] == pytest.approx(1.0 + 0.9 + 0.5)
    assert s.loc["y", "score"] == pytest.approx(0.8 + 0.9)  # 1.7 -> C
    assert s.loc["y", "level"] == "C" and s.loc["x", "level"] == "B"
    assert s.loc["x", "direction"] == "dual" and s.loc["y", "direction"] == "unfavourable"
    assert s.loc["z", "score"] == 1.0 and s.loc["z", "level"] == "C"
    assert s["rank"].tolist() == [1, 2, 3]


def test_sum_landing_on_boundary():
    # 0.9 + 0.9 + 0.9 + 0.9 + 0.8 + 0.9 + 0.8 = 6.1; 0.9 * 4 + 0.8 * 3 - 6.0 in floats
    studies = pd.DataFrame(
        {
            "biomarker": "b",
            "design": ["single-arm phase I/II trial"] * 4 + ["single-arm phase I trial"] * 3,
        }
    )
    assert evidence_scores(studies).level[0] == "A+"


def test_unknown_design(tmp_path, capsys):
    f = tmp_path / "s.tsv"
    pd.DataFrame({"biomarker": ["a"], "design": ["case report"]}).to_csv(f, sep="\t", index=False)
    with pytest.raises(InputError, match="unknown study design"):
        evidence_scores(pd.read_csv(f, sep="\t"))
    code = main(
        [
            "evidence",
            "--studies",
            str(f),
            "--out",
            str(tmp_path / "o.tsv"),
            "--figure",
            str(tmp_path / "e.png"),
        ]
    )
    assert code == 1 and "single-arm phase II trial" in capsys.readouterr().err
    assert not (tmp_path / "o.tsv").exists()


def test_cli_writes_table_and_chart(tmp_path):
    f = tmp_path / "s.tsv"
    pd.DataFrame(
        {"biomarker": ["a", "a", "b"], "design": ["single-arm phase II trial"] * 3}
    ).to_csv(f, sep="\t", index=False)
    assert (
        main(
            [
                "evidence",
                "--studies",
                str(f),
                "--out",
                str(tmp_path / "o.tsv"),
                "--figure",
                str(tmp_path / "e.png"),
            ]
        )
        == 0
    )
    out = pd.read_csv(tmp_path / "o.tsv", sep="\t")
    assert out.biomarker.tolist() == ["a", "b"] and out.score.tolist() == [2.0, 1.0]
    assert (tmp_path / "e.pdf").exists()


def _review_like():
    # x: two phase II trials (efficacy) + one single-center retrospective (toxicity) = 2.5
    # y: one phase I trial (toxicity) = 0.8; z: three multicenter retrospective = 2.7
    return pd.DataFrame(
        {
            "biomarker": ["x", "x", "x", "y", "z", "z", "z"],
            "design": [
                "single-arm phase II trial",
                "single-arm phase II trial",
                "single-center retrospective cohort",
                "single-arm phase I trial",
                "multicenter retrospective cohort",
                "multicenter retrospective cohort",
                "multicenter retrospective cohort",
            ],
            "outcome": ["efficacy", "Efficacy", "toxicity", "toxicity", "efficacy", "", "both"],
        }
    )


def test_contributions_levels_and_classes_by_hand():
    from mirscope.companion.evidence import (
        biomarker_classes,
        design_contributions,
        level_distribution,
    )

    studies = _review_like()
    scores = evidence_scores(studies)
    assert scores.biomarker.tolist() == ["z", "x", "y"]
    contrib = design_contributions(studies, scores, source="t")
    x = contrib[contrib.biomarker == "x"].set_index("design")
    assert x.loc["single-arm phase II trial", "contribution"] == pytest.approx(2.0)
    assert x.loc["single-center retrospective cohort", "n_studies"] == 1
    sums = contrib.groupby("biomarker")["contribution"].sum()
    assert sums.to_dict() == pytest.approx(scores.set_index("biomarker")["score"].to_dict())
    levels = level_distribution(scores).set_index("level")
    # z 2.7 -> B, x 2.5 -> B, y 0.8 -> D
    assert levels.n_biomarkers.to_dict() == {"A+": 0, "A": 0, "B": 2, "C": 0, "D": 1}
    assert levels.loc["B", "percent"] == pytest.approx(200 / 3)
    classes = biomarker_classes(studies, scores).set_index("biomarker")
    # x: efficacy and toxicity; y: toxicity only; z: efficacy and (via "both") toxicity
    assert classes["class"].to_dict() == {
        "z": "dual-predictive",
        "x": "dual-predictive",
        "y": "unfavourable",
    }


def test_unknown_outcome_is_an_input_error():
    from mirscope.companion.evidence import biomarker_classes

    studies = _review_like()
    studies.loc[3, "outcome"] = "survival"
    with pytest.raises(InputError, match="unknown outcome"):
        biomarker_classes(studies, evidence_scores(studies))


def test_cli_evidence_figures(tmp_path):
    f = tmp_path / "s.tsv"
    _review_like().to_csv(f, sep="\t", index=False)
    outs = {k: tmp_path / f"{k}.tsv" for k in ("levels", "contributions", "classes")}
    args = ["evidence-figures", "--studies", str(f)]
    args += [a for k, p in outs.items() for a in (f"--{k}-out", str(p))]
    args += ["--panels-figure", str(tmp_path / "p.png")]
    args += ["--classes-figure", str(tmp_path / "c.png")]
    assert main(args) == 0
    classes = pd.read_csv(outs["classes"], sep="\t")
    assert classes["class"].tolist() == ["dual-predictive", "dual-predictive", "unfavourable"]
    assert (tmp_path / "p.pdf").exists() and (tmp_path / "c.png").exists()


def test_the_reviews_inputs_give_its_class_counts():
    """The shipped inputs of the review (001), scored by the real code, give the class
    counts its section 3.2 states (10 dual-predictive, 12 favourable, 2 unfavourable), and
    every biomarker the class the review lists it under (transcribed separately, as
    ``review_class``, from the class lists rather than the outcomes)."""
    from mirscope.companion.evidence import biomarker_classes, review_studies

    studies = review_studies()
    classes = biomarker_classes(studies, evidence_scores(studies))
    counts = classes["class"].value_counts().to_dict()
    assert counts == {"dual-predictive": 10, "favourable": 12, "unfavourable": 2}
    listed = studies.drop_duplicates("biomarker").set_index("biomarker")["review_class"]
    assert (classes.set_index("biomarker")["class"] == listed.loc[classes.biomarker]).all()
    # the favourable and unfavourable biomarkers the review names in section 3.2
    for name in ("CD8+ naive T cells", "EPICART methylation", "TP53 mutations", "MIP3a"):
        assert listed[name] == "favourable"
    assert set(listed[listed == "unfavourable"].index) == {"IL-6", "IKZF1 mutations"}


def test_the_reviews_level_shares_are_of_28_biomarkers_not_24():
    """The discrepancy the shipped file documents: Figure 3B's shares (7.1, 7.1, 14.3, 39.3,
    32.1%) are whole counts of 28 biomarkers (2, 2, 4, 11, 9) and of no other total near 24,
    while section 3.2 classifies 24."""
    shares = [7.1, 7.1, 14.3, 39.3, 32.1]

    def whole(total: int) -> bool:
        return all(abs(s * total / 100 - round(s * total / 100)) < 0.05 for s in shares)

    assert [round(s * 28 / 100) for s in shares] == [2, 2, 4, 11, 9]
    assert [n for n in range(20, 33) if whole(n)] == [28]


def test_review_inputs_are_recognised_and_others_are_not():
    from mirscope.companion.evidence import biomarker_classes, is_review_input, review_studies

    studies = review_studies()
    classes = biomarker_classes(studies, evidence_scores(studies))
    assert is_review_input(classes)
    # one outcome changed (IL-6 also linked to efficacy) is no longer the review's input
    changed = studies.copy()
    changed.loc[changed.biomarker == "IL-6", "outcome"] = "both"
    assert not is_review_input(biomarker_classes(changed, evidence_scores(changed)))
    assert not is_review_input(classes.drop(index=0))

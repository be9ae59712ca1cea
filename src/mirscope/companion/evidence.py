"""The systematic review's weighted evidence score per biomarker (``001_…``, Figure 3).

Each study reporting a biomarker contributes the coefficient of its design type; a
biomarker's score is the sum over its studies ("ranking based on study count and quality
weighting"). Coefficients, as printed in the review's Figure 3 legend:

=====================================  =====
design                                 coef
=====================================  =====
multicenter retrospective cohort       0.9
single-arm phase II trial              1.0
single-arm phase I trial               0.8
single-arm phase I/II trial            0.9
single-center prospective cohort       1.0
single-center retrospective cohort     0.5
prospective two-cohort pilot study     1.0
=====================================  =====

Levels: A+ >= 6.0, A 4.0–5.9, B 2.0–3.9, C 1.0–1.9, D < 1.0 (boundaries belong to the
higher level; a score is rounded to 10 decimals first so 0.9 + 0.1 sums land on them).

Input table: ``biomarker``, ``design`` (one of the names above; case, hyphens and
underscores are ignored, ``multi-centre`` = ``multicenter``), optionally ``direction``
(favourable / unfavourable / dual) which is summarised per biomarker, and ``outcome``
(efficacy / toxicity: what the study linked the biomarker to) which gives its class.

Classes (the review's Figure 2, section 3.2): **dual-predictive** biomarkers predict both
efficacy and toxicity; **favourable** ones only efficacy (in either direction: the review
files elevated LDH and TP53 mutations here as well as naive T cells); **unfavourable**
ones only toxicity (IL-6, IKZF1). The class follows from the outcomes a biomarker's
studies report, not from the sign of its effect.

The review's own inputs, as far as its text publishes them, ship with the package
(``data/001_evidence_studies.tsv``, :func:`review_studies`; its header says what was
transcribed from where, and that the per-study designs are not in the text).
"""

from __future__ import annotations

import re
from importlib import resources

import pandas as pd

from mirscope.errors import InputError
from mirscope.io import read_table, require_columns

DESIGN_COEFFICIENTS = {
    "multicenter retrospective cohort": 0.9,
    "single-arm phase II trial": 1.0,
    "single-arm phase I trial": 0.8,
    "single-arm phase I/II trial": 0.9,
    "single-center prospective cohort": 1.0,
    "single-center retrospective cohort": 0.5,
    "prospective two-cohort pilot study": 1.0,
}
LEVELS = (("A+", 6.0), ("A", 4.0), ("B", 2.0), ("C", 1.0), ("D", float("-inf")))
EVIDENCE_COLUMNS = ("rank", "biomarker", "score", "level", "n_studies", "designs", "direction")


def _key(text: str) -> str:
    text = str(text).lower().replace("centre", "center")
    return re.sub(r"[\s_\-]+", " ", text).strip()


_LOOKUP = {_key(k): v for k, v in DESIGN_COEFFICIENTS.items()}


def level(score: float) -> str:
    """Evidence level of a score (A+, A, B, C, D)."""
    score = round(score, 10)
    for name, threshold in LEVELS:
        if score >= threshold:
            return name
    return "D"


def evidence_scores(studies: pd.DataFrame, *, source: str = "evidence table") -> pd.DataFrame:
    """Score, level and study count per biomarker, ranked by score (ties by name)."""
    data = studies.assign(_coef=study_coefficients(studies, source=source))
    has_dir = "direction" in data.columns
    rows = []
    for marker, d in data.groupby("biomarker", sort=True):
        score = round(float(d["_coef"].sum()), 10)
        directions = sorted(d["direction"].dropna().astype(str).unique()) if has_dir else []
        rows.append(
            {
                "biomarker": marker,
                "score": score,
                "level": level(score),
                "n_studies": len(d),
                "designs": "; ".join(
                    f"{k} x{v}" for k, v in sorted(d["design"].map(_key).value_counts().items())
                ),
                "direction": (
                    "dual" if len(directions) > 1 else directions[0] if directions else ""
                ),
            }
        )
    out = (
        pd.DataFrame(rows)
        .sort_values(["score", "biomarker"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    out.insert(0, "rank", range(1, len(out) + 1))
    return out[list(EVIDENCE_COLUMNS)]


CLASSES = ("dual-predictive", "favourable", "unfavourable")
OUTCOMES = ("efficacy", "toxicity")


def study_coefficients(studies: pd.DataFrame, *, source: str = "evidence table") -> pd.Series:
    """The design coefficient of every study (row), with the unknown-design error."""
    require_columns(studies, ["biomarker", "design"], source=source)
    coefs = []
    for i, design in enumerate(studies["design"]):
        coef = _LOOKUP.get(_key(design))
        if coef is None:
            raise InputError(
                "unknown study design",
                path=source,
                row=f"{i + 1} (biomarker {studies['biomarker'].iloc[i]})",
                column="design",
                value=design,
                allowed="; ".join(DESIGN_COEFFICIENTS),
            )
        coefs.append(coef)
    return pd.Series(coefs, index=studies.index, dtype=float)


def design_contributions(studies: pd.DataFrame, scores: pd.DataFrame, *, source: str):
    """Each design's share of each biomarker's score (the review's Figure 3D).

    Long table ``rank, biomarker, design, n_studies, coefficient, contribution``, in the
    scores' rank order, designs in the order of :data:`DESIGN_COEFFICIENTS`; the
    contributions of a biomarker sum to its score.
    """
    coef = study_coefficients(studies, source=source)
    names = {_key(k): k for k in DESIGN_COEFFICIENTS}
    data = studies.assign(_design=studies["design"].map(lambda d: names[_key(d)]), _coef=coef)
    order = list(DESIGN_COEFFICIENTS)
    rows = []
    rank = dict(zip(scores["biomarker"], scores["rank"], strict=True))
    for (marker, design), d in data.groupby(["biomarker", "_design"], sort=False):
        rows.append(
            {
                "rank": rank[marker],
                "biomarker": marker,
                "design": design,
                "n_studies": len(d),
                "coefficient": DESIGN_COEFFICIENTS[design],
                "contribution": round(float(d["_coef"].sum()), 10),
            }
        )
    out = pd.DataFrame(
        rows, columns=["rank", "biomarker", "design", "n_studies", "coefficient", "contribution"]
    )
    out["_d"] = out["design"].map(order.index)
    return out.sort_values(["rank", "_d"], kind="stable").drop(columns="_d").reset_index(drop=True)


def level_distribution(scores: pd.DataFrame) -> pd.DataFrame:
    """Biomarkers per evidence level with their share (the review's Figure 3B), A+ to D."""
    n = len(scores)
    rows = []
    for name, _ in LEVELS:
        k = int((scores["level"] == name).sum())
        rows.append({"level": name, "n_biomarkers": k, "percent": 100 * k / n if n else 0.0})
    return pd.DataFrame(rows)


def biomarker_classes(
    studies: pd.DataFrame, scores: pd.DataFrame, *, source: str = "evidence table"
) -> pd.DataFrame:
    """Class of each biomarker from the outcomes its studies report (module docstring).

    Columns ``class, biomarker, score, level, n_studies, outcomes, direction``, classes in
    the order of :data:`CLASSES`, biomarkers by score within a class. ``outcome`` values
    are ``efficacy`` or ``toxicity`` (case ignored; ``both`` counts as the two); a
    biomarker whose studies give no outcome has no class (empty) and is listed last.
    """
    require_columns(studies, ["biomarker", "outcome"], source=source)
    found: dict[str, set[str]] = {}
    for i, (marker, value) in enumerate(zip(studies["biomarker"], studies["outcome"], strict=True)):
        if pd.isna(value) or str(value).strip() == "":
            found.setdefault(marker, set())
            continue
        key = str(value).strip().lower()
        if key not in (*OUTCOMES, "both"):
            raise InputError(
                "unknown outcome",
                path=source,
                row=f"{i + 1} (biomarker {marker})",
                column="outcome",
                value=value,
                allowed="efficacy, toxicity, both",
            )
        found.setdefault(marker, set()).update(OUTCOMES if key == "both" else {key})
    rows = []
    for _, r in scores.iterrows():
        outcomes = found.get(r["biomarker"], set())
        cls = (
            "dual-predictive"
            if outcomes == set(OUTCOMES)
            else "favourable"
            if outcomes == {"efficacy"}
            else "unfavourable"
            if outcomes == {"toxicity"}
            else ""
        )
        rows.append(
            {
                "class": cls,
                "biomarker": r["biomarker"],
                "score": r["score"],
                "level": r["level"],
                "n_studies": r["n_studies"],
                "outcomes": ", ".join(o for o in OUTCOMES if o in outcomes),
                "direction": r["direction"],
            }
        )
    out = pd.DataFrame(rows)
    rank = {c: i for i, c in enumerate(CLASSES)}
    out["_c"] = out["class"].map(lambda c: rank.get(c, len(CLASSES)))
    out = out.sort_values(["_c", "score", "biomarker"], ascending=[True, False, True])
    return out.drop(columns="_c").reset_index(drop=True)


REVIEW_STUDIES = "001_evidence_studies.tsv"


def review_studies() -> pd.DataFrame:
    """The review's 24 classified biomarkers and their cited studies (the shipped file).

    The demo scores these (``mirscope simulate``), so its classes reproduce a published
    computation; the paper comparison recognises them with :func:`is_review_input`.
    """
    ref = resources.files("mirscope.companion").joinpath("data", REVIEW_STUDIES)
    with resources.as_file(ref) as path:
        return read_table(path)


def is_review_input(classes: pd.DataFrame) -> bool:
    """Whether a run's class table (:func:`biomarker_classes`) scored the review's inputs:
    the same biomarkers, each with the same outcomes."""
    if not {"biomarker", "outcomes"} <= set(classes.columns):
        return False
    studies = review_studies()
    ours = biomarker_classes(studies, evidence_scores(studies, source=REVIEW_STUDIES))

    def pairs(t: pd.DataFrame) -> set[tuple[str, str]]:
        outcomes = t["outcomes"].fillna("").astype(str)
        return set(zip(t["biomarker"].astype(str), outcomes, strict=True))

    return pairs(classes) == pairs(ours)

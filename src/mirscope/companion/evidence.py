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
(favourable / unfavourable / dual) which is summarised per biomarker.
"""

from __future__ import annotations

import re

import pandas as pd

from mirscope.errors import InputError
from mirscope.io import require_columns

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
    data = studies.assign(_coef=coefs)
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

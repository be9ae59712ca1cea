"""Evidence scoring: the companion review's evidence levels and classes.

The evidence score of the systematic review: score and level (A+ to D) per biomarker,
level distribution, study-design contributions and biomarker classes.

Each step is declared once here (:mod:`mirscope.params`); the commands ``mirscope
evidence`` and ``evidence-figures`` and their rules derive from the declarations.

Output tables (TSV):

* evidence: :data:`mirscope.companion.evidence.EVIDENCE_COLUMNS`; levels:
  ``level, n_biomarkers, percent``; contributions: ``rank, biomarker, design, n_studies,
  coefficient, contribution``; classes: ``class, biomarker, score, level, n_studies,
  outcomes, direction``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pandas as pd

from mirscope.companion import evidence
from mirscope.errors import MirscopeWarning
from mirscope.io import read_table, write_tsv
from mirscope.params import REQUIRED, param
from mirscope.stages.survival import out_field


def _studies(help_text: str) -> str:
    return param(REQUIRED, role="input", help=help_text)


def _figure(help_text: str) -> str:
    return param(REQUIRED, role="output", help=help_text)


@dataclass(frozen=True, kw_only=True)
class Evidence:
    studies: str = _studies("Table biomarker, design[, direction].")
    out: str = out_field("Output: evidence score and level per biomarker (TSV).")
    figure: str = _figure(
        "Output: ranked bar chart of the scores (PNG; a PDF is written beside it)."
    )


def run_evidence(step: Evidence) -> pd.DataFrame:
    """Weighted evidence score and level (A+ to D) per biomarker, with a ranked bar chart."""
    from mirscope.plots.companion import evidence_plot

    scores = evidence.evidence_scores(read_table(step.studies), source=str(step.studies))
    evidence_plot(scores, step.figure, title="Biomarker evidence levels")
    write_tsv(scores, step.out)
    return scores


@dataclass(frozen=True, kw_only=True)
class EvidenceFigures:
    studies: str = _studies("Table biomarker, design[, direction][, outcome (efficacy/toxicity)].")
    levels_out: str = out_field("Output: biomarkers per evidence level and their share (TSV).")
    contributions_out: str = out_field(
        "Output: each study design's contribution to each score (TSV)."
    )
    classes_out: str = out_field(
        "Output: class of each biomarker (dual-predictive/favourable/unfavourable) (TSV)."
    )
    panels_figure: str = _figure(
        "Output: panels B-D of the evidence figure (PNG; a PDF is written beside it)."
    )
    classes_figure: str = _figure(
        "Output: biomarkers by class with their scores (PNG; a PDF is written beside it)."
    )


def run_evidence_figures(step: EvidenceFigures) -> None:
    """Evidence levels, design contributions and biomarker classes (systematic review).

    The review's Figure 3B–D and its biomarker classes (Figure 2), tables and figures.
    """
    from mirscope.plots.companion import evidence_class_plot, evidence_panels_plot

    source = str(step.studies)
    studies = read_table(step.studies)
    scores = evidence.evidence_scores(studies, source=source)
    levels = evidence.level_distribution(scores)
    contributions = evidence.design_contributions(studies, scores, source=source)
    if "outcome" not in studies.columns:
        warnings.warn(
            f"{source}: no 'outcome' column (efficacy/toxicity per study), so no biomarker "
            "has a class",
            MirscopeWarning,
            stacklevel=2,
        )
        studies = studies.assign(outcome=pd.NA)
    classes = evidence.biomarker_classes(studies, scores, source=source)
    evidence_panels_plot(scores, levels, contributions, step.panels_figure, title="Evidence scores")
    evidence_class_plot(classes, step.classes_figure, title="Biomarker classes")
    write_tsv(levels, step.levels_out)
    write_tsv(contributions, step.contributions_out)
    write_tsv(classes, step.classes_out)


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "evidence": (Evidence, run_evidence),
    "evidence-figures": (EvidenceFigures, run_evidence_figures),
}

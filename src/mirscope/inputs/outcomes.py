"""Patient grouping: how a clinical column splits patients into case and control, the
:class:`Contrast` that names such a split, and what a cohort's group sizes can support.

The paper compares patients by toxicity (CRS grade >= 2 vs < 2; any ICANS vs none; ICANS
grade >= 2 vs < 2) and response (responders CR/PR vs non-responders SD/PD, not-evaluable
patients excluded). A contrast turns one clinical column into the groups ``case`` (the
patients with the outcome; the log2 fold change numerator) and ``control`` (the
reference), and refuses to test groups too small for DESeq2's dispersion and outlier
machinery. The same type is a toxicity endpoint of the companion analyses.

Kept in ``inputs`` (outcomes and contrasts are clinical concepts) so that validation, the
DE stage, the models and the companion analyses group patients with one rule: a contrast
or model that validation calls testable is one the jobs can run, and one it cannot run is
named before any job instead of failing after the count stage.

Rules (``de.contrasts[].rule``):

* ``ge2``: numeric grade >= 2 is ``case``, < 2 ``control``;
* ``gt0``: numeric grade > 0 is ``case``, 0 ``control``;
* ``responder``: CR or PR is ``case``, SD or PD ``control``, NE excluded.

Patients with the variable missing (empty) or NE are excluded and counted, with a warning.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from mirscope.errors import InputError, MirscopeWarning

CASE = "case"
CONTROL = "control"
RULES = ("ge2", "gt0", "responder")
#: The rules that read a toxicity grade: a toxicity endpoint uses one of them.
GRADE_RULES = ("ge2", "gt0")
#: Smallest group DESeq2's dispersion and outlier machinery is run on.
MIN_GROUP = 3


def outcome_class(value: object, rule: str) -> str | None:
    """``case``, ``control`` or None (missing, NE) of one cell; ValueError if unreadable."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    if text == "" or text.upper() in ("NA", "NAN", "<NA>"):
        return None
    if rule == "responder":
        upper = text.upper()
        if upper in ("CR", "PR"):
            return CASE
        if upper in ("SD", "PD"):
            return CONTROL
        if upper == "NE":
            return None
        raise ValueError(text)
    grade = float(text)
    if math.isnan(grade):
        return None
    if rule == "ge2":
        return CASE if grade >= 2 else CONTROL
    return CASE if grade > 0 else CONTROL


def group_counts(values: Iterable[object], rule: str) -> tuple[int, int]:
    """(cases, controls) among ``values``; unreadable cells count as missing here (the
    clinical table's own validation has already named them)."""
    case = control = 0
    for value in values:
        try:
            label = outcome_class(value, rule)
        except ValueError:
            continue
        case += label == CASE
        control += label == CONTROL
    return case, control


def resample_size(n: int, fraction: float) -> int:
    """Patients of one class a stratified resample keeps (at least one)."""
    return min(n, max(1, int(round(fraction * n))))


def model_support(n_case: int, n_control: int, *, refit_de: bool, fraction: float) -> str | None:
    """Why a model cannot be estimated on these group sizes, or None when it can.

    Every leave-one-out training set must hold both classes (at least 2 patients each).
    A model whose candidates come from the DE test redone per training set (toxicity
    models, ``refit_de``) also needs :data:`MIN_GROUP` patients per class in every LOOCV
    training set (n - 1) and in every stability resample (``fraction`` of each class),
    as the DE test itself does.
    """
    small = min(n_case, n_control)
    counts = f"{n_case} case and {n_control} control patients"
    if small < 2:
        return f"{counts}; every LOOCV training set needs both classes (>= 2 patients each)"
    if refit_de:
        need = MIN_GROUP + 1
        if small - 1 < MIN_GROUP:
            return (
                f"{counts}; the DE pre-filter redone in each LOOCV fold needs {MIN_GROUP} "
                f"per group in the n - 1 training patients (>= {need} per group)"
            )
        if resample_size(small, fraction) < MIN_GROUP:
            return (
                f"{counts}; a stability resample keeps {resample_size(small, fraction)} of "
                f"the {small} (models.resample_fraction {fraction:g}) and its DE pre-filter "
                f"needs {MIN_GROUP} per group"
            )
    return None


#: The paper's comparisons (also the schema default of ``de.contrasts``).
DEFAULT_CONTRASTS = (
    {"name": "crs_ge2", "variable": "crs_grade", "rule": "ge2"},
    {"name": "icans", "variable": "icans_grade", "rule": "gt0"},
    {"name": "icans_ge2", "variable": "icans_grade", "rule": "ge2"},
    {"name": "response_3m", "variable": "response_3m", "rule": "responder"},
    {"name": "response_12m", "variable": "response_12m", "rule": "responder"},
)

#: The paper's model families, by contrast name (their procedures differ; see
#: :mod:`mirscope.stats.models`). Kept here, with the contrasts, so the workflow reads
#: them at parse time without importing the statistics.
TOXICITY = ("crs_ge2", "icans", "icans_ge2")
RESPONSE = ("response_3m", "response_12m")


@dataclass(frozen=True)
class Contrast:
    """One comparison: ``name`` (used in file names), clinical ``variable``, ``rule``."""

    name: str
    variable: str
    rule: str

    @classmethod
    def from_config(cls, entry: Mapping[str, str]) -> Contrast:
        if entry.get("rule") not in RULES:
            raise InputError(
                f"contrast '{entry.get('name')}': unknown rule",
                column="de.contrasts.rule",
                value=entry.get("rule"),
                allowed=", ".join(RULES),
            )
        return cls(str(entry["name"]), str(entry["variable"]), str(entry["rule"]))

    @classmethod
    def parse(cls, text: str) -> Contrast:
        """A contrast from its command-line form ``NAME:VARIABLE:RULE`` (see :meth:`text`)."""
        parts = text.split(":")
        if len(parts) != 3 or not all(parts):
            raise InputError(
                "contrast must be NAME:VARIABLE:RULE",
                value=text,
                allowed="e.g. crs_ge2:crs_grade:ge2",
            )
        return cls.from_config({"name": parts[0], "variable": parts[1], "rule": parts[2]})

    @property
    def text(self) -> str:
        """The command-line form ``NAME:VARIABLE:RULE`` that :meth:`parse` reads."""
        return f"{self.name}:{self.variable}:{self.rule}"

    @property
    def graded(self) -> bool:
        """Whether the rule reads a toxicity grade (``ge2``, ``gt0``), not a response."""
        return self.rule in GRADE_RULES


def contrasts_from_config(entries: Iterable[Mapping[str, str]]) -> list[Contrast]:
    """Parse ``de.contrasts``; names must be unique (they name output files)."""
    out = [Contrast.from_config(e) for e in entries]
    names = [c.name for c in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise InputError("contrast names must be unique", value=sorted(dup)[0])
    return out


def find_contrast(contrasts: Iterable[Contrast], name: str) -> Contrast:
    """The contrast called ``name`` (error lists the configured names)."""
    contrasts = list(contrasts)
    for c in contrasts:
        if c.name == name:
            return c
    raise InputError("unknown contrast", value=name, allowed=", ".join(c.name for c in contrasts))


def classify(
    clinical: pd.DataFrame, contrast: Contrast, *, source: str = "clinical table"
) -> pd.Series:
    """``case``/``control``/None per sample (index of ``clinical``), no size checks.

    Raises :class:`InputError` for a missing column or a value the rule cannot read.
    """
    if contrast.variable not in clinical.columns:
        raise InputError(
            f"contrast '{contrast.name}' needs a column that is missing",
            path=source,
            column=contrast.variable,
            allowed=", ".join(map(str, clinical.columns)),
        )
    labels: dict[str, str | None] = {}
    for sample, value in clinical[contrast.variable].items():
        try:
            labels[str(sample)] = outcome_class(value, contrast.rule)
        except ValueError:
            allowed = (
                "CR, PR, SD, PD, NE or empty"
                if contrast.rule == "responder"
                else "a numeric grade or empty"
            )
            raise InputError(
                f"contrast '{contrast.name}': value not readable by rule '{contrast.rule}'",
                path=source,
                row=str(sample),
                column=contrast.variable,
                value=value,
                allowed=allowed,
            ) from None
    return pd.Series(labels, name=contrast.name, dtype=object)


def assign_groups(
    clinical: pd.DataFrame, contrast: Contrast, *, source: str = "clinical table"
) -> pd.Series:
    """``case``/``control`` per sample_id (index of ``clinical``); excluded samples dropped.

    Raises :class:`InputError` for a missing column, a value the rule cannot read, or a
    group with fewer than 3 patients; warns (:class:`MirscopeWarning`) with the number of
    patients excluded for a missing/NE value.
    """
    labels = classify(clinical, contrast, source=source)
    excluded = int(labels.isna().sum())
    if excluded:
        warnings.warn(
            f"contrast '{contrast.name}': {excluded} of {len(clinical)} patients excluded "
            f"(column '{contrast.variable}' empty or NE)",
            MirscopeWarning,
            stacklevel=2,
        )
    series = labels.dropna()
    n_case = int((series == CASE).sum())
    n_control = int((series == CONTROL).sum())
    if min(n_case, n_control) < MIN_GROUP:
        raise InputError(
            f"contrast '{contrast.name}' has {n_case} case and {n_control} control patients; "
            f"each group needs at least {MIN_GROUP}",
            path=source,
            column=contrast.variable,
            allowed=f">= {MIN_GROUP} patients per group",
        )
    return series


def group_sizes(groups: pd.Series) -> dict[str, int]:
    """Number of ``case`` and ``control`` patients."""
    return {CASE: int((groups == CASE).sum()), CONTROL: int((groups == CONTROL).sum())}


def align_samples(
    counts_samples: list[str], table: pd.DataFrame, *, source: str = "table"
) -> pd.DataFrame:
    """Rows of ``table`` for the count matrix's samples, in its order; all must be present."""
    missing = [s for s in counts_samples if s not in table.index]
    if missing:
        raise InputError(
            f"{len(missing)} sample(s) of the count matrix have no row",
            path=source,
            row=missing[0],
            column="sample_id",
            allowed="one row per sample of the count matrix",
        )
    return table.loc[counts_samples]


#: The paper's models, always written as model files (:mod:`mirscope.stats.modelfile`).
PAPER_MODELS = ("paper_response_3m", "paper_response_12m", "paper_s1_cutoff")
#: The cut-off models among them (validated by Kaplan-Meier, not by AUC).
CUTOFF_MODELS = ("paper_s1_cutoff",)
MODEL_SUFFIX = ".model.yaml"


def model_file_names(models: dict) -> list[str]:
    """The model files ``model-files`` writes for a ``models`` config section: the fitted
    models, the refitted published ones, the paper's."""
    published = [f"published_{m}_refit" for m in RESPONSE if models.get("published", {}).get(m)]
    return [*models["toxicity_models"], *models["response_models"], *published, *PAPER_MODELS]

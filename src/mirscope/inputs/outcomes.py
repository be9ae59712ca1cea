"""How a clinical column splits patients into case and control, and what a cohort's group
sizes can support.

Kept in ``inputs`` so that validation, the DE stage and the models count patients with
one rule: a contrast or model that validation calls testable is one the jobs can run,
and one it cannot run is named before any job instead of failing after the count stage.

Rules (``de.contrasts[].rule``):

* ``ge2``: numeric grade >= 2 is ``case``, < 2 ``control``;
* ``gt0``: numeric grade > 0 is ``case``, 0 ``control``;
* ``responder``: CR or PR is ``case``, SD or PD ``control``, NE excluded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

CASE = "case"
CONTROL = "control"
RULES = ("ge2", "gt0", "responder")
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

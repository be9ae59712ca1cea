"""Nested LOOCV is nested: on cohorts without any signal, redoing the DE pre-filter in
every fold gives chance-level accuracy, while pre-filtering on all patients (and nesting
only the selection) does not."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from mirscope.stats.design import model_frame
from mirscope.stats.models import FoldDE, training_candidates
from mirscope.stats.validation import ModelSpec, build_model, classification_metrics

SEEDS = (1, 2, 3, 4, 5)
SPEC = ModelSpec(
    name="crs_ge2",
    mode="toxicity",
    covariates=[],
    top_mirnas=2,
    resamples=20,
    nested_resamples=10,
    stability_resamples=0,
    seed=1,
)


def null_cohort(seed: int, n: int = 30, n_mirna: int = 300, cases: int = 12):
    """NB counts unrelated to a randomly assigned CRS grade (small, so the leak shows)."""
    rng = np.random.default_rng(seed)
    ids = [f"S{i:02d}" for i in range(n)]
    mu = np.exp(rng.normal(2.0, 1.5, n_mirna))
    size = (1 / (0.1 + 1 / mu))[:, None]
    sf = np.exp(rng.normal(0, 0.3, n))
    means = mu[:, None] * sf[None, :]
    y = rng.negative_binomial(size, size / (size + means))
    counts = pd.DataFrame(y, index=[f"miR-{i:03d}" for i in range(n_mirna)], columns=ids)
    counts = counts[(counts > 0).any(axis=1)]
    grade = rng.permutation(np.r_[np.full(cases, 2), np.zeros(n - cases, dtype=int)])
    clinical = pd.DataFrame({"crs_grade": grade}, index=ids)
    return counts, clinical, np.log2(counts / sf[None, :] + 1).T


def accuracies(seed: int) -> tuple[float, float]:
    """(pre-filtered, nested) LOOCV accuracy on one null cohort."""
    counts, clinical, mirnas = null_cohort(seed)
    de = FoldDE(counts=counts, cap=10)
    labels = (clinical["crs_grade"] >= 2).astype(float)
    available = list(mirnas.columns)
    cands = de.candidates(labels, clinical, available)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation notes on noise
        frame, _ = model_frame(clinical, mirnas[cands], "crs_ge2", [])
        pre = build_model(frame, cands, [], SPEC)
        frame, _ = model_frame(clinical, mirnas, "crs_ge2", [])
        nested = build_model(
            frame,
            cands,
            [],
            SPEC,
            fold_candidates=training_candidates(de, labels, clinical, available),
        )
    assert pre.nested_scope == "selection" and nested.nested_scope == "de+selection"
    folds = {tuple(c) for c in nested.nested_candidates}
    return (
        classification_metrics(pre.y, pre.nested_prob)["accuracy"],
        classification_metrics(nested.y, nested.nested_prob)["accuracy"],
        len(folds),
    )


def test_nested_loocv_is_at_chance_on_null_cohorts():
    pre, nested, n_sets = np.array([accuracies(s) for s in SEEDS]).T
    assert nested.mean() <= 0.65, nested
    assert pre.mean() >= nested.mean() + 0.1, (pre, nested)
    # every fold ran its own DE: leaving a patient out changes the candidates
    assert (n_sets > 1).all(), n_sets


def _stable_model(counts, clinical, spec):
    """The toxicity procedure with its DE pre-filter redone per fold and per resample."""
    labels = (clinical["crs_grade"] >= 2).astype(float)
    mirnas = np.log2(counts + 1).T
    de = FoldDE(counts=counts, cap=10)
    available = list(mirnas.columns)
    cands = de.candidates(labels, clinical, available)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation notes on noise
        frame, _ = model_frame(clinical, mirnas, "crs_ge2", [])
        return build_model(
            frame,
            cands,
            [],
            spec,
            fold_candidates=training_candidates(de, labels, clinical, available),
        )


def test_stability_sees_what_all_patient_frequencies_hide():
    """On null cohorts the DE pre-filter has seen every outcome, so the LASSO frequencies on
    all patients make noise miRNAs look stable; redoing the whole procedure per resample
    does not, and flags them. A planted miRNA stays stable under the same procedure."""
    from dataclasses import replace

    spec = replace(SPEC, stability_resamples=12)
    lasso, whole, flagged = [], [], []
    for seed in SEEDS:
        counts, clinical, _ = null_cohort(seed)
        res = _stable_model(counts, clinical, spec)
        freq = res.selection.set_index("variable")
        assert res.predictors
        lasso += [freq.at[p, "frequency"] for p in res.predictors]
        whole += [freq.at[p, "resample_frequency"] for p in res.predictors]
        flagged += [p in res.unstable() for p in res.predictors]
    # The strongest chance associations of 30 patients survive subsampling about half
    # the time, so the whole-procedure share sits near a coin toss, far below the
    # near-certain LASSO share, and a good part of the noise picks is flagged.
    assert np.mean(whole) < 0.65, whole
    assert np.mean(lasso) >= np.mean(whole) + 0.3, (lasso, whole)
    assert np.mean(flagged) >= 1 / 3, flagged
    counts, clinical, _ = null_cohort(SEEDS[0])
    cases = (clinical["crs_grade"] >= 2).to_numpy()
    rng = np.random.default_rng(11)
    mu = np.where(cases, 200.0, 50.0)  # 4x higher in the cases
    counts.loc["miR-planted"] = rng.negative_binomial(10, 10 / (10 + mu))
    res = _stable_model(counts, clinical, spec)
    freq = res.selection.set_index("variable")
    assert "miR-planted" in res.predictors and "miR-planted" not in res.unstable()
    assert freq.at["miR-planted", "resample_frequency"] >= 0.8

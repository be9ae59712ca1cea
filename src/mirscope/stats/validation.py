"""Model building and leave-one-out validation, paper-style and nested.

Paper-style (what the paper reports): variables are selected on all patients, then the
final logistic model with those variables is refitted leaving each patient out in turn
and the left-out patient is predicted. Because selection (and the caller's DE pre-filter)
saw every patient, this is optimistic. Nested LOOCV redoes the procedure without the
left-out patient: the candidate miRNAs (``fold_candidates``, the caller's DE pre-filter
refitted on the n - 1 patients; without it the candidates are fixed and only what
follows is nested), the LASSO resampling, the univariable covariate tests and the final
fit. With ``fold_candidates`` every step that sees an outcome is inside the fold, so its
accuracy estimates that of the whole procedure on a new patient. Both use threshold 0.5
on the predicted probability.

Model recipe (:func:`build_model`): LASSO selection frequencies over miRNAs and the
configured covariates; the ``top_mirnas`` most frequent miRNAs plus (``mode =
"toxicity"``) covariates with univariable Wald p < ``covariate_alpha``, or (``mode =
"response"``) the ``top_predictors`` most frequent variables of any kind.

Stability: with 53 patients and hundreds of miRNAs a LASSO pick can be a coin toss, and
the LASSO frequencies on all patients cannot show it when a pre-filter (the DE test) has
already seen every outcome: a noise miRNA that the pre-filter passed looks stable. So
each final predictor also gets the share of ``stability_resamples`` stratified
subsamples in which the *whole* procedure, pre-filter included, chooses it again
(``resample_frequency``), and the share of nested LOOCV folds that choose it
(``loocv_frequency``). A predictor below ``stability_threshold`` in either is flagged.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mirscope.errors import InputError, MirscopeError, MirscopeWarning, NotEstimable
from mirscope.inputs.outcomes import model_support
from mirscope.stats.logistic import LogisticFit, fit_logistic
from mirscope.stats.selection import selection_frequencies, stratified_subsample, top_selected

METRICS = ("accuracy", "sensitivity", "specificity", "precision")


@dataclass(frozen=True)
class ModelSpec:
    """Settings of one model (from config ``models``)."""

    name: str
    mode: str  # "toxicity" or "response"
    covariates: list[str]
    top_mirnas: int = 2
    top_predictors: int = 3
    covariate_alpha: float = 0.05
    resamples: int = 100
    fraction: float = 0.8
    lambda_ratio: float = 0.3
    nested_resamples: int = 20
    stability_resamples: int = 50
    stability_threshold: float = 0.5
    mirna_scale: str = "log2"
    seed: int = 1


@dataclass
class ModelResult:
    """Everything the tables and figures need."""

    spec: ModelSpec
    selection: pd.DataFrame
    predictors: list[str]
    fit: LogisticFit
    y: np.ndarray
    loocv_prob: np.ndarray
    nested_prob: np.ndarray
    nested_predictors: list[list[str]]
    notes: list[str]
    sample_ids: list[str]
    # What the nested LOOCV redid per fold: "de+selection" (DE pre-filter included) or
    # "selection" (candidates fixed beforehand); and each fold's candidate miRNAs.
    nested_scope: str = "selection"
    nested_candidates: list[list[str]] = field(default_factory=list)
    # Per variable ever chosen: share of whole-procedure resamples and of nested folds
    # choosing it (columns variable, resample_frequency, loocv_frequency).
    stability: pd.DataFrame = field(default_factory=pd.DataFrame)

    def unstable(self) -> list[str]:
        """Final predictors chosen in fewer than ``stability_threshold`` of the resamples
        or of the nested folds."""
        freq = self.stability.set_index("variable")
        cut = self.spec.stability_threshold
        return [
            p
            for p in self.predictors
            if p not in freq.index
            or freq.at[p, "resample_frequency"] < cut
            or freq.at[p, "loocv_frequency"] < cut
        ]


def classification_metrics(y: np.ndarray, prob: np.ndarray, threshold: float = 0.5) -> dict:
    """Accuracy, sensitivity, specificity, precision (NaN when undefined) and counts."""
    y = np.asarray(y, dtype=float)
    pred = (np.asarray(prob) >= threshold).astype(float)
    tp = int(np.sum((pred == 1) & (y == 1)))
    tn = int(np.sum((pred == 0) & (y == 0)))
    fp = int(np.sum((pred == 1) & (y == 0)))
    fn = int(np.sum((pred == 0) & (y == 1)))

    def ratio(a: int, b: int) -> float:
        return a / b if b else float("nan")

    return {
        "n": len(y),
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "accuracy": ratio(tp + tn, len(y)),
        "sensitivity": ratio(tp, tp + fn),
        "specificity": ratio(tn, tn + fp),
        "precision": ratio(tp, tp + fp),
    }


def _quiet_fit(frame: pd.DataFrame, predictors: list[str]) -> tuple[LogisticFit, list[str]]:
    """Fit inside a loop; fallbacks still apply but their warnings are collected and only
    those reporting a fallback (Firth, a dropped variable) are returned."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_logistic(frame, "y", predictors, source="LOOCV fold")
    fallbacks = ("Firth", "dropped", "not finite")
    notes = [
        str(w.message)
        for w in caught
        if issubclass(w.category, MirscopeWarning) and any(f in str(w.message) for f in fallbacks)
    ]
    return fit, notes


def loocv_probabilities(frame: pd.DataFrame, predictors: list[str]) -> tuple[np.ndarray, int]:
    """Predicted probability of each patient from a model fitted without it; also the
    number of folds whose fit needed a fallback (warning)."""
    probs = np.empty(len(frame))
    flagged = 0
    for i in range(len(frame)):
        train = frame.drop(index=frame.index[i])
        fit, notes = _quiet_fit(train, predictors)
        flagged += bool(notes)
        probs[i] = fit.predict_proba(frame.iloc[[i]])[0]
    return probs, flagged


def _seed(spec: ModelSpec, fold: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([spec.seed, zlib.crc32(spec.name.encode()), fold, *stream])


#: Stream of the stability resamples' generators (apart from the nested folds').
_STABILITY = 1


def select_predictors(
    frame: pd.DataFrame,
    mirnas: list[str],
    covariates: list[str],
    spec: ModelSpec,
    *,
    resamples: int,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, list[str]]:
    """Selection table and the final predictor list (see module docstring)."""
    table = selection_frequencies(
        frame,
        [*covariates, *mirnas],
        resamples=resamples,
        fraction=spec.fraction,
        lambda_ratio=spec.lambda_ratio,
        rng=rng,
    )
    if spec.mode == "response":
        return table, top_selected(table, [*covariates, *mirnas], spec.top_predictors)
    chosen = top_selected(table, mirnas, spec.top_mirnas)
    for cov in covariates:
        sub = frame[["y", cov]].dropna()
        if sub[cov].nunique() < 2:
            continue
        fit, _ = _quiet_fit(sub, [cov])
        if len(fit.terms) == 2 and fit.table()["p_value"].iloc[1] < spec.covariate_alpha:
            chosen.append(cov)
    return table, chosen


def _redo(
    train: pd.DataFrame,
    mirnas: list[str],
    covariates: list[str],
    spec: ModelSpec,
    fold_candidates: Callable[[list[str]], list[str]] | None,
    rng: np.random.Generator,
) -> tuple[list[str], list[str]]:
    """The whole procedure on one training set: (candidates, chosen predictors)."""
    cands = mirnas if fold_candidates is None else fold_candidates(list(train.index))
    train = train.dropna(subset=cands)
    _, chosen = select_predictors(
        train, cands, covariates, spec, resamples=spec.nested_resamples, rng=rng
    )
    return list(cands), chosen


def _shares(chosen: list[list[str]]) -> pd.Series:
    """Share of the lists that contain each variable."""
    if not chosen:
        return pd.Series(dtype=float)
    counts = pd.Series([v for c in chosen for v in dict.fromkeys(c)]).value_counts()
    return counts / len(chosen)


@contextmanager
def _fold(spec: ModelSpec, where: str, n: int, events: int) -> Iterator[None]:
    """Name the model and the fold when a step inside one cannot run on its patients.

    :func:`~mirscope.inputs.outcomes.model_support` rules out the group sizes known to
    fail; this catches what it cannot foresee (a fold whose DE test finds a group empty
    after dropping a patient with a missing covariate), so the model is reported as not
    estimable instead of stopping the run with a message naming neither.
    """
    try:
        yield
    except NotEstimable:
        raise
    except MirscopeError as exc:
        raise NotEstimable(spec.name, f"{where}: {exc}", n=n, events=events) from exc


def build_model(
    frame: pd.DataFrame,
    mirnas: list[str],
    covariates: list[str],
    spec: ModelSpec,
    *,
    fold_candidates: Callable[[list[str]], list[str]] | None = None,
) -> ModelResult:
    """Select, fit, and validate one model (paper-style and nested LOOCV, stability).

    ``mirnas``: the candidates of the paper-style model. ``fold_candidates(train_ids)``:
    the candidates chosen from those training patients alone, for the nested LOOCV and
    the stability resamples (their columns must be in ``frame``); without it they reuse
    ``mirnas``, which is whole only when ``mirnas`` saw no outcome.
    """
    if spec.mode not in ("toxicity", "response"):
        raise InputError("unknown model mode", value=spec.mode, allowed="toxicity, response")
    data = frame.dropna(subset=["y", *covariates, *mirnas])
    notes: list[str] = []
    if len(data) < len(frame):
        notes.append(f"{len(frame) - len(data)} patients with a missing covariate left out")
    y = data["y"].to_numpy(dtype=float)
    events = int(y.sum())
    reason = model_support(
        events, len(y) - events, refit_de=fold_candidates is not None, fraction=spec.fraction
    )
    if reason:
        raise NotEstimable(spec.name, reason, n=len(y), events=events)
    selection, predictors = select_predictors(
        data, mirnas, covariates, spec, resamples=spec.resamples, rng=_seed(spec, 0)
    )
    if not predictors:
        notes.append("no variable selected; intercept-only model")
    notes.append(
        "nested LOOCV: DE pre-filter, selection and fit redone in every fold"
        if fold_candidates is not None
        else "nested LOOCV: selection and fit redone in every fold"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_logistic(data, "y", predictors, source=f"model {spec.name}")
    for w in caught:
        notes.append(str(w.message))
        warnings.warn(str(w.message), MirscopeWarning, stacklevel=2)
    loocv_prob, flagged = loocv_probabilities(data, fit.terms[1:])
    if flagged:
        notes.append(f"paper-style LOOCV: {flagged} folds needed a fallback (Firth/dropped)")
    nested = np.empty(len(data))
    nested_predictors: list[list[str]] = []
    nested_candidates: list[list[str]] = []
    nested_chosen: list[list[str]] = []
    for i in range(len(data)):
        train = data.drop(index=data.index[i])
        where = f"nested LOOCV fold {i + 1} (patient {data.index[i]} left out)"
        with _fold(spec, where, len(y), events):
            cands, chosen = _redo(
                train, mirnas, covariates, spec, fold_candidates, _seed(spec, i + 1)
            )
        nested_candidates.append(cands)
        nested_chosen.append(chosen)
        fold_fit, _ = _quiet_fit(train.dropna(subset=cands), chosen)
        nested[i] = fold_fit.predict_proba(data.iloc[[i]])[0]
        nested_predictors.append(fold_fit.terms[1:])
    resampled = []
    for b in range(spec.stability_resamples):
        rng = _seed(spec, b, _STABILITY)
        rows = stratified_subsample(y, spec.fraction, rng)
        with _fold(spec, f"stability resample {b + 1}", len(y), events):
            redone = _redo(data.iloc[rows], mirnas, covariates, spec, fold_candidates, rng)
        resampled.append(redone[1])
    stability = stability_table(fit.terms[1:], resampled, nested_chosen)
    selection = selection.merge(stability, on="variable", how="outer")
    # A candidate no resample chose has frequency 0; a variable only some resamples'
    # pre-filter offered keeps an empty LASSO frequency (it was no candidate on all).
    selection["loocv_frequency"] = selection["loocv_frequency"].fillna(0.0)
    if resampled:
        selection["resample_frequency"] = selection["resample_frequency"].fillna(0.0)
    selection = selection.sort_values(
        ["frequency", "mean_abs_std_coefficient", "resample_frequency", "variable"],
        ascending=[False, False, False, True],
        kind="stable",
        na_position="last",
    ).reset_index(drop=True)
    result = ModelResult(
        spec=spec,
        selection=selection,
        predictors=fit.terms[1:],
        fit=fit,
        y=y,
        loocv_prob=loocv_prob,
        nested_prob=nested,
        nested_predictors=nested_predictors,
        notes=notes,
        sample_ids=[str(s) for s in data.index],
        nested_scope="selection" if fold_candidates is None else "de+selection",
        nested_candidates=nested_candidates,
        stability=stability,
    )
    if result.unstable():
        notes.append(
            f"unstable (chosen in < {spec.stability_threshold:g} of resamples or folds): "
            + ", ".join(result.unstable())
        )
    return result


def stability_table(
    final: list[str], resampled: list[list[str]], folds: list[list[str]]
) -> pd.DataFrame:
    """``variable``, ``resample_frequency``, ``loocv_frequency`` for the final predictors
    and every variable the resamples or folds chose."""
    res, loo = _shares(resampled), _shares(folds)
    names = list(dict.fromkeys([*final, *res.index, *loo.index]))
    return pd.DataFrame(
        {
            "variable": names,
            "resample_frequency": [
                float(res.get(v, 0.0)) if resampled else float("nan") for v in names
            ],
            "loocv_frequency": [float(loo.get(v, 0.0)) for v in names],
        },
        columns=["variable", "resample_frequency", "loocv_frequency"],
    )


def roc_curve(y: np.ndarray, prob: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(false positive rate, true positive rate, AUC) with ties handled as in pROC."""
    y = np.asarray(y, dtype=float)
    prob = np.asarray(prob, dtype=float)
    thresholds = np.r_[np.inf, np.unique(prob)[::-1]]
    pos, neg = y.sum(), len(y) - y.sum()
    tpr = np.array([np.sum((prob >= t) & (y == 1)) / pos for t in thresholds])
    fpr = np.array([np.sum((prob >= t) & (y == 0)) / neg for t in thresholds])
    # AUC = P(score_pos > score_neg) + 0.5 P(tie): the Mann-Whitney statistic.
    diff = prob[y == 1][:, None] - prob[y == 0][None, :]
    auc = float((np.sum(diff > 0) + 0.5 * np.sum(diff == 0)) / (pos * neg))
    return fpr, tpr, auc


def summary_row(result: ModelResult) -> dict:
    """One row of the model summary table (paper-style and nested metrics, AUCs)."""
    row: dict = {"model": result.spec.name, "n": len(result.y), "events": int(result.y.sum())}
    row["predictors"] = ",".join(result.predictors)
    row["method"] = result.fit.method
    paper = classification_metrics(result.y, result.loocv_prob)
    nested = classification_metrics(result.y, result.nested_prob)
    for m in METRICS:
        row[f"loocv_{m}"] = paper[m]
    row["loocv_auc"] = roc_curve(result.y, result.loocv_prob)[2]
    for m in METRICS:
        row[f"nested_{m}"] = nested[m]
    row["nested_auc"] = roc_curve(result.y, result.nested_prob)[2]
    freq = result.stability.set_index("variable") if len(result.stability) else None
    for col in ("resample_frequency", "loocv_frequency"):
        row[col] = ",".join(
            f"{freq.at[p, col]:.2f}" if freq is not None and p in freq.index else ""
            for p in result.predictors
        )
    row["unstable"] = ",".join(result.unstable())
    row["notes"] = "; ".join(result.notes)
    return row

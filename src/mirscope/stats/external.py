"""External validation of a saved model on a new cohort: discrimination, calibration and
clinical usefulness. Compute only.

* **AUC with a 95% DeLong confidence interval**, as ``pROC::ci.auc(method = "delong")``
  computes it: the structural components (placements) of cases and controls, their
  variances, a normal interval around the AUC, truncated to [0, 1]. Higher scores are
  taken to mean the class coded 1 (pROC's ``direction = "<"``); pROC's default
  ``direction = "auto"`` would flip a model that predicts backwards into an AUC above
  0.5, which is exactly what an external validation must not hide.
* **Calibration** (a logistic recalibration of the outcome on the model's logit):
  the intercept with the logit as offset (calibration-in-the-large, 0 when the mean risk
  is right) and the slope (1 when the spread is right; < 1 an overfitted model).
* **Brier score**; **sensitivity, specificity and accuracy** at the model's threshold.
* **Decision curve** (Vickers & Elkin 2006): net benefit = TP/n - FP/n * pt/(1 - pt)
  at each threshold probability pt, beside treat-all and treat-none (0). ``dcurves`` is
  not a dependency of mirscope; the formula is two lines.

Scores without probability (the paper's Table 1 models, whose intercept is not
published) get the AUC from the linear predictor and no calibration, Brier or threshold
metrics: the row says why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from mirscope.stats.validation import classification_metrics

VALIDATION_COLUMNS = [
    "model",
    "n",
    "events",
    "auc",
    "auc_ci_low",
    "auc_ci_high",
    "auc_se",
    "calibration_intercept",
    "calibration_slope",
    "brier",
    "threshold",
    "sensitivity",
    "specificity",
    "accuracy",
    "training_loocv_accuracy",
    "training_nested_accuracy",
    "notes",
]


def delong_placements(y: np.ndarray, score: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """AUC and the DeLong placements of the cases (V10) and the controls (V01)."""
    y = np.asarray(y, dtype=float)
    score = np.asarray(score, dtype=float)
    cases, controls = score[y == 1], score[y == 0]
    psi = (cases[:, None] > controls[None, :]) + 0.5 * (cases[:, None] == controls[None, :])
    v10 = psi.mean(axis=1)
    v01 = psi.mean(axis=0)
    return float(psi.mean()), v10, v01


def auc_delong(y, score, conf_level: float = 0.95) -> dict:
    """``auc``, ``se``, ``ci_low``, ``ci_high`` (pROC's DeLong interval; NaN without at
    least two cases and two controls)."""
    y = np.asarray(y, dtype=float)
    m, n = int((y == 1).sum()), int((y == 0).sum())
    if m < 1 or n < 1:
        return {"auc": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    auc, v10, v01 = delong_placements(y, score)
    if m <= 1 or n <= 1:
        return {"auc": auc, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    s10 = np.sum((v10 - auc) ** 2) / (m - 1)
    s01 = np.sum((v01 - auc) ** 2) / (n - 1)
    se = float(np.sqrt(s10 / m + s01 / n))
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    lo, hi = np.clip([auc - z * se, auc + z * se], 0.0, 1.0)
    return {"auc": auc, "se": se, "ci_low": float(lo), "ci_high": float(hi)}


def _newton_logistic(y: np.ndarray, x: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """ML logistic coefficients of ``y ~ x + offset(offset)`` (Newton-Raphson)."""
    beta = np.zeros(x.shape[1])
    for _ in range(100):
        p = special.expit(offset + x @ beta)
        w = p * (1 - p)
        step = np.linalg.solve(x.T @ (x * w[:, None]), x.T @ (y - p))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    return beta


def calibration(y, prob) -> dict:
    """Calibration intercept (logit as offset) and slope (``y ~ logit``); probabilities
    are kept inside [1e-12, 1 - 1e-12] so a separated training fit's 0s and 1s stay finite."""
    y = np.asarray(y, dtype=float)
    p = np.clip(np.asarray(prob, dtype=float), 1e-12, 1 - 1e-12)
    if len(np.unique(y)) < 2:
        return {"intercept": np.nan, "slope": np.nan}
    logit = special.logit(p)
    ones = np.ones((len(y), 1))
    with np.errstate(all="ignore"):
        try:
            intercept = _newton_logistic(y, ones, logit)[0]
            slope = _newton_logistic(y, np.column_stack([ones, logit]), np.zeros(len(y)))[1]
        except np.linalg.LinAlgError:
            return {"intercept": np.nan, "slope": np.nan}
    return {"intercept": float(intercept), "slope": float(slope)}


def calibration_groups(y, prob, groups: int = 5) -> pd.DataFrame:
    """Observed event rate against mean predicted probability in ``groups`` groups of
    equal size by predicted probability (the points of a calibration plot)."""
    y = np.asarray(y, dtype=float)
    prob = np.asarray(prob, dtype=float)
    order = np.argsort(prob, kind="stable")
    rows = []
    for i, idx in enumerate(np.array_split(order, min(groups, len(order)))):
        if len(idx):
            rows.append(
                {
                    "group": i + 1,
                    "n": len(idx),
                    "mean_predicted": float(prob[idx].mean()),
                    "observed": float(y[idx].mean()),
                }
            )
    return pd.DataFrame(rows, columns=["group", "n", "mean_predicted", "observed"])


def decision_curve(y, prob, thresholds=None) -> pd.DataFrame:
    """Net benefit of the model, of treating all and of treating none per threshold."""
    y = np.asarray(y, dtype=float)
    prob = np.asarray(prob, dtype=float)
    if thresholds is None:
        thresholds = np.round(np.arange(0.01, 1.0, 0.01), 2)
    n = len(y)
    prevalence = y.mean() if n else np.nan
    rows = []
    for pt in thresholds:
        odds = pt / (1 - pt)
        treat = prob >= pt
        tp = np.sum(treat & (y == 1))
        fp = np.sum(treat & (y == 0))
        rows.append(
            {
                "threshold": float(pt),
                "net_benefit_model": tp / n - fp / n * odds,
                "net_benefit_all": prevalence - (1 - prevalence) * odds,
                "net_benefit_none": 0.0,
            }
        )
    return pd.DataFrame(rows)


def kit_note(model: dict, preset: str | None) -> str:
    """A warning when the scored cohort's kit preset differs from the model's training
    kit (empty when they agree or either is unknown). Kits differ in adapter ligation
    bias, UMIs and size selection, so the same plasma gives different miRNA profiles: a
    coefficient per normalised count need not carry over."""
    trained = model.get("training", {}).get("preset")
    if not preset or not trained or str(preset) == str(trained):
        return ""
    return (
        f"warning: kit preset differs from the training cohort's ({preset} here, {trained} "
        "in training); miRNA levels may not be comparable across kits"
    )


def validation_row(name: str, y, scores: pd.DataFrame, model: dict) -> dict:
    """One row of the validation table for a scored cohort (``scores``: the rows of
    :func:`~mirscope.stats.scoring.score_cohort` of the patients in ``y``, same order)."""
    y = np.asarray(y, dtype=float)
    training = model.get("training", {})
    row = {c: np.nan for c in VALIDATION_COLUMNS}
    row.update(
        model=name,
        n=len(y),
        events=int(y.sum()),
        threshold=float(model["threshold"]),
        training_loocv_accuracy=training.get("loocv_accuracy"),
        training_nested_accuracy=training.get("nested_accuracy"),
    )
    notes = []
    prob = scores["probability"].to_numpy(dtype=float)
    has_prob = not np.isnan(prob).all()
    score = prob if has_prob else scores["linear_predictor"].to_numpy(dtype=float)
    auc = auc_delong(y, score)
    row.update(auc=auc["auc"], auc_ci_low=auc["ci_low"], auc_ci_high=auc["ci_high"])
    row["auc_se"] = auc["se"]
    if has_prob:
        cal = calibration(y, prob)
        row.update(calibration_intercept=cal["intercept"], calibration_slope=cal["slope"])
        row["brier"] = float(np.mean((prob - y) ** 2))
        metrics = classification_metrics(y, prob, float(model["threshold"]))
        row.update({k: metrics[k] for k in ("sensitivity", "specificity", "accuracy")})
    else:
        notes.append(
            "no intercept in the model file: AUC from the linear predictor; no calibration, "
            "Brier score or threshold metrics"
        )
    if len(np.unique(y)) < 2:
        notes.append("outcome has a single class in this cohort")
    row["notes"] = "; ".join(notes)
    return row

"""Demo tables for the companion-study analyses, with planted effects.

``simulate_companion(clinical, seed)`` writes four tables, the first two derived from a
clinical table (columns of docs/development.md; only ``sample_id``, ``response_3m``,
``pfs_days``/``pfs_event``, ``product``, ``ldh`` and ``crp`` are used, missing ones are
simulated):

* ``kinetics`` (long: ``sample_id, day, car_t_per_ul``) – CAR T counts on days
  0, 3, 7, 10, 14, 21, 28, 35; a log-normal bell peaking around day 7–14. **Planted:**
  responders at 3 months expand ~3x more (CART SIE: higher C10/Cmax/AUC0–30 in
  responders); about 15% of patients miss day 10 (so the C10 rule is exercised).
* ``covariates`` (``sample_id`` + 20 pre-treatment covariates): ferritin, CRP, LDH, IL-6,
  TNF-α, tumour volume (``tmtv``), CD4/CD8 naive fractions, age, … with **collinear
  pairs** (``il6_peak``/``il6_auc``, ``ldh``/``ldh_uln_ratio``, ``tmtv``/``tmtv_log``;
  Spearman > 0.95) and **planted importance**: higher ``ferritin``, ``tnf_alpha`` and
  ``tmtv`` go with non-response and short PFS; ``naive_cd8_pct`` with response.
* ``secondary_events`` (``sample_id, time_days, event, group, os_days, os_event``): the
  ClonHema cohort of ``004_…`` simulated at its published size and rates, a cohort of its
  own (ids ``CH001``…), not our patients: 004 is a separate study of 555 patients, and at
  its incidence (2.7% at 4 years) our 53 patients would have about one event, too few for
  a cumulative-incidence curve or a survival curve after the event. See
  :func:`simulate_secondary_events` for the model.
* ``evidence_studies``: not simulated. The review's (``001_…``) inputs as its text gives them
  (:func:`mirscope.companion.evidence.review_studies`): its 24 classified biomarkers with
  their cited studies and outcomes, so the demo's classes (10 / 12 / 2) reproduce a
  published computation. The text does not give each study's design, so the file assumes
  one and the demo's scores and levels are not the review's.

Deterministic: same clinical table and seed → identical tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from mirscope.companion.evidence import review_studies

KINETIC_DAYS = (0, 3, 7, 10, 14, 21, 28, 35)


#: ClonHema (``004_…``, Results): 555 patients; cumulative incidence of a secondary myeloid
#: neoplasm 1.1%, 1.8% and 2.7% at 6 months, 1 and 4 years (days), death competing; median
#: overall survival after it 10.4 months; prior ASCT in 50% of patients with the event and
#: 27% of those without. Infusions from November 2019 to May 2024 (55 months), median
#: follow-up 29 months.
CLONHEMA_N = 555
CLONHEMA_CUMINC = ((182.625, 0.011), (365.25, 0.018), (1461.0, 0.027))
CLONHEMA_OS_AFTER_DAYS = 10.4 * 365.25 / 12
CLONHEMA_ACCRUAL_DAYS = 55 * 365.25 / 12
CLONHEMA_MEDIAN_FOLLOW_UP_DAYS = 29 * 365.25 / 12
CLONHEMA_ASCT = 0.27
#: Hazard ratio of prior ASCT: the odds ratio of 50% vs 27% (a rare event, so odds and
#: hazards agree).
CLONHEMA_ASCT_HR = (0.5 / 0.5) / (0.27 / 0.73)
#: Death without the event: 004 gives no overall survival of its whole cohort, so a constant
#: hazard with median 24 months is assumed (real-world anti-CD19 CAR T in large B-cell
#: lymphoma). The event's hazards are solved given it, so the incidence is the paper's
#: whatever this value.
ASSUMED_DEATH_MEDIAN_DAYS = 24 * 365.25 / 12


def smn_hazards(death_rate: float, targets=CLONHEMA_CUMINC) -> list[tuple[float, float]]:
    """Piecewise-constant cause-specific hazards of the event, one per interval ending at
    each landmark, that give the target cumulative incidences with death competing at
    ``death_rate``: ``[(interval end, hazard per day), ...]`` (the last one continues).

    With constant hazards ``h`` (event) and ``d`` (death) on ``[a, b)`` the cumulative
    incidence grows by ``h / (h + d) * S(a) * (1 - exp(-(h + d) (b - a)))``, ``S`` the
    probability of neither yet; each interval's ``h`` is the root of that increment.
    """
    out, start, cif, surv = [], 0.0, 0.0, 1.0
    for end, target in targets:
        width, need = end - start, target - cif

        def gap(h, width=width, need=need, surv=surv):
            total = h + death_rate
            return h / total * surv * (1 - np.exp(-total * width)) - need

        h = brentq(gap, 1e-12, 1.0, xtol=1e-15)
        out.append((end, h))
        cif, surv, start = target, surv * np.exp(-(h + death_rate) * width), end
    return out


def _piecewise_times(rng, hazards, scale: np.ndarray) -> np.ndarray:
    """Event times from piecewise-constant hazards (times ``scale`` per patient), by
    inverting the cumulative hazard at a unit exponential draw."""
    draw = rng.exponential(1.0, len(scale)) / scale
    t = np.full(len(scale), np.inf)
    start, cum = 0.0, 0.0
    for i, (end, h) in enumerate(hazards):
        last = i == len(hazards) - 1
        width = np.inf if last else end - start
        here = (t == np.inf) & (draw <= cum + h * width)
        t[here] = start + (draw[here] - cum) / h
        cum += 0.0 if last else h * width
        start = end
    return t


def simulate_secondary_events(rng: np.random.Generator, n: int = CLONHEMA_N) -> pd.DataFrame:
    """The ClonHema cohort (see :data:`CLONHEMA_CUMINC` and the constants around it).

    Model: the event's cause-specific hazard is piecewise constant on 0-6 months,
    6-12 months and 1-4 years (then as in the last piece), solved by :func:`smn_hazards`
    so the cumulative incidence with death competing is 1.1% / 1.8% / 2.7%; prior ASCT
    (27% of patients) multiplies it by :data:`CLONHEMA_ASCT_HR`, with the baseline scaled
    so the cohort's average hazard is the solved one. Death without the event: constant
    hazard (:data:`ASSUMED_DEATH_MEDIAN_DAYS`). Censoring: uniform accrual over 55
    months, closed 1.5 months after the last infusion, so the median potential follow-up
    is the reported 29 months. After the event, death at a constant hazard with the
    reported median of 10.4 months. ``os_days``/``os_event`` are each patient's overall
    survival from infusion, so survival after the event needs no other table.
    """
    death_rate = np.log(2) / ASSUMED_DEATH_MEDIAN_DAYS
    hazards = smn_hazards(death_rate)
    asct = rng.random(n) < CLONHEMA_ASCT
    base = 1.0 / (CLONHEMA_ASCT * CLONHEMA_ASCT_HR + 1 - CLONHEMA_ASCT)
    t_event = _piecewise_times(rng, hazards, np.where(asct, CLONHEMA_ASCT_HR, 1.0) * base)
    t_death = rng.exponential(1 / death_rate, n)
    closed = CLONHEMA_MEDIAN_FOLLOW_UP_DAYS - CLONHEMA_ACCRUAL_DAYS / 2
    t_cens = closed + rng.uniform(0, CLONHEMA_ACCRUAL_DAYS, n)
    t = np.minimum.reduce([t_event, t_death, t_cens])
    code = np.select([t == t_event, t == t_death], [1, 2], 0)
    after = rng.exponential(CLONHEMA_OS_AFTER_DAYS / np.log(2), n)
    death = np.where(code == 1, t_event + after, t_death)
    os_days = np.minimum(death, t_cens)
    return pd.DataFrame(
        {
            "sample_id": [f"CH{i:03d}" for i in range(1, n + 1)],
            "time_days": np.ceil(t),
            "event": code,
            "group": np.where(asct, "prior_asct", "no_prior_asct"),
            "os_days": np.ceil(os_days),
            "os_event": (death <= t_cens).astype(int),
        }
    )


def _responders(clinical: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    if "response_3m" in clinical.columns:
        r = clinical["response_3m"].astype(str).isin(["CR", "PR"]).to_numpy()
        return r
    return rng.random(len(clinical)) < 0.55


def _col(clinical: pd.DataFrame, name: str, rng: np.random.Generator, fill) -> np.ndarray:
    if name in clinical.columns:
        v = pd.to_numeric(clinical[name], errors="coerce").to_numpy(float)
        med = np.nanmedian(v) if np.isfinite(v).any() else 0.0
        return np.where(np.isfinite(v), v, med)
    return fill(rng)


def simulate_companion(clinical: pd.DataFrame, seed: int) -> dict[str, pd.DataFrame]:
    """The four companion tables (see module docstring) for the patients of ``clinical``."""
    rng = np.random.default_rng([seed, 2026_6])
    ids = clinical["sample_id"].astype(str).tolist()
    n = len(ids)
    resp = _responders(clinical, rng)
    pfs_event = _col(clinical, "pfs_event", rng, lambda r: (r.random(n) < 0.6).astype(float))
    # latent inflammation: high in non-responders and in patients who progress
    inflam = rng.normal(0, 1, n) + 0.9 * (~resp) + 0.5 * (pfs_event > 0)

    # --- kinetics ---------------------------------------------------------------------
    peak_day = rng.uniform(7, 14, n)
    peak = np.exp(rng.normal(np.log(30), 0.9, n) + np.log(3.0) * resp - 0.3 * inflam)
    rows = []
    for i, sid in enumerate(ids):
        skip10 = rng.random() < 0.15
        for day in KINETIC_DAYS:
            if day == 10 and skip10:
                continue
            if day == 0:
                value = 0.0
            else:
                shape = np.exp(-0.5 * (np.log(day / peak_day[i]) / 0.45) ** 2)
                value = peak[i] * shape * np.exp(rng.normal(0, 0.15))
            rows.append({"sample_id": sid, "day": day, "car_t_per_ul": round(float(value), 2)})
    kinetics = pd.DataFrame(rows)

    # --- covariates -------------------------------------------------------------------
    ldh = _col(clinical, "ldh", rng, lambda r: r.lognormal(np.log(300), 0.4, n))
    crp = _col(clinical, "crp", rng, lambda r: r.lognormal(0, 0.8, n))
    ferritin = np.exp(np.log(900) + 0.6 * inflam + rng.normal(0, 0.4, n))
    il6_auc = np.exp(np.log(40) + 0.4 * inflam + rng.normal(0, 0.5, n))
    tmtv = np.exp(np.log(150) + 0.5 * inflam + rng.normal(0, 0.6, n))
    cov = pd.DataFrame(
        {
            "sample_id": ids,
            "age": np.round(rng.normal(58, 11, n)),
            "ferritin": np.round(ferritin, 1),
            "crp": np.round(crp, 2),
            "ldh": np.round(ldh),
            "ldh_uln_ratio": np.round(ldh / 250 * np.exp(rng.normal(0, 0.01, n)), 3),
            "il6_auc": np.round(il6_auc, 2),
            "il6_peak": np.round(il6_auc / 6 * np.exp(rng.normal(0, 0.05, n)), 2),
            "tnf_alpha": np.round(np.exp(np.log(8) + 0.5 * inflam + rng.normal(0, 0.4, n)), 2),
            "tmtv": np.round(tmtv, 1),
            "tmtv_log": np.round(np.log10(tmtv) + rng.normal(0, 0.005, n), 4),
            "naive_cd8_pct": np.round(np.clip(35 + 8 * resp + rng.normal(0, 6, n), 1, 90), 1),
            "naive_cd4_pct": np.round(np.clip(rng.normal(30, 8, n), 1, 90), 1),
            "cd4_cd8_ratio": np.round(rng.lognormal(0, 0.4, n), 2),
            "platelets": np.round(rng.lognormal(np.log(150), 0.4, n)),
            "albumin": np.round(rng.normal(3.8, 0.4, n), 2),
            "hemoglobin": np.round(rng.normal(11.5, 1.5, n), 1),
            "ifn_gamma": np.round(rng.lognormal(np.log(12), 0.6, n), 2),
            "il10": np.round(rng.lognormal(np.log(5), 0.6, n), 2),
            "vcam1": np.round(rng.lognormal(np.log(900), 0.3, n)),
            "prior_lines_n": rng.integers(2, 6, n),
        }
    )

    secondary = simulate_secondary_events(np.random.default_rng([seed, 2026_4]))

    # --- evidence studies: the review's own, not simulated ----------------------------
    evidence = review_studies()
    return {
        "kinetics": kinetics,
        "covariates": cov,
        "secondary_events": secondary,
        "evidence_studies": evidence,
    }

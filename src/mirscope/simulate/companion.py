"""Demo tables for the companion-study analyses, with planted effects.

``simulate_companion(clinical, seed)`` derives four tables from a clinical table (columns of
docs/development.md; only ``sample_id``, ``response_3m``, ``pfs_days``/``pfs_event``,
``product``, ``ldh`` and ``crp`` are used, missing ones are simulated):

* ``kinetics`` (long: ``sample_id, day, car_t_per_ul``) – CAR T counts on days
  0, 3, 7, 10, 14, 21, 28, 35; a log-normal bell peaking around day 7–14. **Planted:**
  responders at 3 months expand ~3x more (CART SIE: higher C10/Cmax/AUC0–30 in
  responders); about 15% of patients miss day 10 (so the C10 rule is exercised).
* ``covariates`` (``sample_id`` + 20 pre-treatment covariates): ferritin, CRP, LDH, IL-6,
  TNF-α, tumour volume (``tmtv``), CD4/CD8 naive fractions, age, … with **collinear
  pairs** (``il6_peak``/``il6_auc``, ``ldh``/``ldh_uln_ratio``, ``tmtv``/``tmtv_log``;
  Spearman > 0.95) and **planted importance**: higher ``ferritin``, ``tnf_alpha`` and
  ``tmtv`` go with non-response and short PFS; ``naive_cd8_pct`` with response.
* ``secondary_events`` (``sample_id, time_days, event, group``): time to a secondary
  myeloid neoplasm (event 1) with death without it as competing risk (2) or censoring (0);
  death and last contact are the clinical table's ``os_days``/``os_event`` when it has them
  (so survival after the event is consistent); **planted:** ``group = prior_asct`` has a
  ~3x higher hazard than ``no_prior_asct``.
* ``evidence_studies`` (``biomarker, design, n_patients, direction, outcome``): one row per
  study; **planted** so that the levels A+, A, B, C and D all occur (e.g. ferritin in 7
  strong studies → A+, a single retrospective single-center study → D) and the three
  classes too (ferritin, m-EASIX and tumour burden dual-predictive, IL-6 unfavourable).

Deterministic: same clinical table and seed → identical tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KINETIC_DAYS = (0, 3, 7, 10, 14, 21, 28, 35)


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

    # --- secondary events (competing risk) -------------------------------------------
    group = np.where(rng.random(n) < 0.4, "prior_asct", "no_prior_asct")
    hazard = np.where(group == "prior_asct", 3.0, 1.0) / 2500.0
    t_event = rng.exponential(1 / hazard)
    t_death = rng.exponential(1400.0, n)
    t_cens = rng.uniform(400, 1800, n)
    if {"os_days", "os_event"} <= set(clinical.columns):
        # death and last contact are the clinical table's, so overall survival counted
        # from the event (ClonHema Figure 1b) never starts after the patient's death
        os_t = pd.to_numeric(clinical["os_days"], errors="coerce").to_numpy(float)
        os_e = pd.to_numeric(clinical["os_event"], errors="coerce").to_numpy(float)
        known = np.isfinite(os_t) & np.isfinite(os_e)
        t_death = np.where(known & (os_e == 1), os_t, np.where(known, np.inf, t_death))
        t_cens = np.where(known & (os_e == 0), os_t, np.where(known, np.inf, t_cens))
    t = np.minimum.reduce([t_event, t_death, t_cens])
    code = np.select([t == t_event, t == t_death], [1, 2], 0)
    secondary = pd.DataFrame(
        {"sample_id": ids, "time_days": np.ceil(t), "event": code, "group": group}
    )

    # --- evidence studies --------------------------------------------------------------
    plan = {  # biomarker: (designs, direction)
        "ferritin": (
            ["single-arm phase II trial"] * 4 + ["multicenter retrospective cohort"] * 3,
            "unfavourable",
        ),
        "IL-6": (
            ["single-center prospective cohort"] * 3 + ["single-arm phase I trial"] * 2,
            "unfavourable",
        ),
        "CD19 expression": (["single-arm phase I/II trial"] * 3, "favourable"),
        "m-EASIX": (
            [
                "multicenter retrospective cohort",
                "single-center retrospective cohort",
                "single-arm phase I trial",
            ],
            "dual",
        ),
        "tumour burden": (["single-center retrospective cohort"] * 3, "unfavourable"),
        "naive T-cell fraction": (["prospective two-cohort pilot study"], "favourable"),
        "miR-542-5p": (["single-center retrospective cohort"], "unfavourable"),
    }
    # what each biomarker's studies linked it to, cycled over its studies: the review's
    # classes (dual-predictive: both; favourable: efficacy only; unfavourable: toxicity)
    outcomes = {
        "ferritin": ("efficacy", "toxicity"),
        "IL-6": ("toxicity",),
        "CD19 expression": ("efficacy",),
        "m-EASIX": ("toxicity", "efficacy"),
        "tumour burden": ("efficacy", "toxicity"),
        "naive T-cell fraction": ("efficacy",),
        "miR-542-5p": ("efficacy",),
    }
    ev_rows = []
    for marker, (designs, direction) in plan.items():
        for k, d in enumerate(designs):
            ev_rows.append(
                {
                    "biomarker": marker,
                    "design": d,
                    "n_patients": int(rng.integers(12, 255)),
                    "direction": direction,
                    "outcome": outcomes[marker][k % len(outcomes[marker])],
                }
            )
    evidence = pd.DataFrame(ev_rows)
    return {
        "kinetics": kinetics,
        "covariates": cov,
        "secondary_events": secondary,
        "evidence_studies": evidence,
    }

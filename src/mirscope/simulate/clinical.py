"""The demo clinical table: the design of Naddeo et al. 2026 with its associations planted.

Why ranks and not coin flips: the paper's marginals (46 LBCL / 7 PMBCL, 28 axi-cel /
25 tisa-cel, CRS any grade 45 / grade >= 2 16, ICANS 18 / grade >= 2 14, 49 evaluable with
30 and 19 responders at 3 and 12 months) must come out *exactly* for every seed, while the
outcomes must still depend on the patients' characteristics. So every binary outcome is
given to the ``k`` patients with the highest value of a noisy liability score (a
threshold model): the count is fixed and the association lives in the score's weights.

Planted associations (weights on standardised scores, noise SD 1; documented in
``truth/effects.tsv`` as rows of kind ``clinical``):

* CRS grade >= 2: female sex, higher CRP, bridging failure;
* ICANS: PMBCL histology, higher CRP, female sex, ECOG >= 1, CRS grade >= 2;
* response at 3 months: lower latent tumour burden, axi-cel, no bridging failure;
  12-month responders are a subset of 3-month responders, again by lower burden;
* LDH, ccfDNA and PMN-MDSC rise with ``z542`` (Spearman with the measured miRNA ~0.3-0.5);
* progression follows non-response, and late relapse and post-progression death are more
  likely with higher burden, so OS, PFS and TTP separate by miR-542-5p.

The burden is a steep logistic function of the latent miR-542-5p score ``z542``
(:func:`high_burden`): the paper splits its patients at one optimised miR-542-5p cut-off
(Supplementary Figure S1, 20 low vs 33 high), which is what a step in risk looks like.
Its weights are calibrated to the paper's magnitudes (Table 1's Wald p of miR-542-5p,
log-rank p 0.02 / 0.0042 / 0.0013 of OS / PFS / TTP); ``scripts/calibrate_demo.py``
measures them seed by seed.

Survival logic: TTP <= PFS <= OS always (PFS ends at progression or death, TTP censors a
death without progression at the death day; all are cut at the end of follow-up).
The four not-evaluable (NE) patients died before the 3-month assessment, two of them of
grade 5 ICANS as in the paper, the
other two of lymphoma (progression on the day of death, so they count in TTP).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Marginal counts of the paper's 53 patients (scaled and rounded for other sizes).
PAPER_N = 53
PAPER_COUNTS = {
    "female": 21,
    "pmbcl": 7,
    "axi_cel": 28,
    "crs_any": 45,
    "crs_ge2": 16,
    "icans_any": 18,
    "icans_ge2": 14,
    "icans_grade5": 2,
    "not_evaluable": 4,
    "responders_3m": 30,
    "responders_12m": 19,
    "pmn_mdsc_measured": 35,
    "bridging_none": 10,
    "bridging_response": 15,
}

#: Where the latent burden steps up: the quantile of ``z542`` below which patients have a
#: low tumour burden, and the step's width. The paper splits at one optimised cut-off, 20
#: low vs 33 high (Supplementary Figure S1): a step in risk, placed here at the paper's
#: split. The optimised cut-off of the measured miRNA (a noisy proxy of ``z542``) scatters
#: around it from seed to seed.
LOW_FRACTION = 20 / 53
BURDEN_WIDTH = 0.15

#: Weights of the burden step on the response liabilities (noise SD 1). With them the
#: measured miR-542-5p differs between non-responders and responders by about the
#: standardised difference behind Table 1's Wald p (0.70 at 3 months, 0.60 at 12 months;
#: see ``expression.TABLE1_RESPONSE``); axi-cel's weight gives Table 1's product effect.
RESPONSE_3M_BURDEN = 1.0
RESPONSE_3M_AXI = 1.2
RESPONSE_12M_BURDEN = 0.9

#: Burden effects after response: log-odds of a late relapse among 12-month responders
#: and log hazard of death after progression. With them the log-rank p of OS, PFS and
#: TTP by the optimised cut-off are near the paper's 0.02, 0.0042 and 0.0013.
LATE_RELAPSE_BURDEN = 2.0
POST_PROGRESSION_BURDEN = 0.3

#: Share of patients without progression who die of other causes (infection, second
#: cancers): events of PFS and OS, censored in TTP, which is why the paper's TTP separates
#: most (p 0.0013) and OS least (0.02).
NON_RELAPSE_MORTALITY = 0.12


def high_burden(z542: np.ndarray) -> np.ndarray:
    """Latent tumour burden in [0, 1]: a logistic step at the :data:`LOW_FRACTION` quantile."""
    from scipy.stats import norm

    q = float(norm.ppf(LOW_FRACTION))
    return 1.0 / (1.0 + np.exp(-(z542 - q) / BURDEN_WIDTH))


#: Planted clinical effects: (target, contrast, direction, weight on the liability score).
CLINICAL_EFFECTS: tuple[tuple[str, str, str, float], ...] = (
    ("sex=F", "crs_ge2", "up", 1.4),
    ("crp", "crs_ge2", "up", 0.8),
    ("bridging=failure", "crs_ge2", "up", 0.5),
    ("histology=PMBCL", "icans", "up", 1.8),
    ("crp", "icans", "up", 0.8),
    ("sex=F", "icans", "up", 0.9),
    ("ecog>=1", "icans", "up", 0.5),
    ("crs_grade>=2", "icans", "up", 0.5),
    ("hsa-miR-542-5p", "response_3m", "down", RESPONSE_3M_BURDEN),
    ("product=axi-cel", "response_3m", "up", RESPONSE_3M_AXI),
    ("bridging=failure", "response_3m", "down", 0.4),
    ("hsa-miR-542-5p", "response_12m", "down", RESPONSE_12M_BURDEN),
    ("hsa-miR-542-5p", "os", "worse", POST_PROGRESSION_BURDEN),
    ("hsa-miR-542-5p", "pfs", "worse", LATE_RELAPSE_BURDEN),
    ("hsa-miR-542-5p", "ttp", "worse", LATE_RELAPSE_BURDEN),
    ("hsa-miR-542-5p", "ldh", "positive", 0.55),
    ("hsa-miR-542-5p", "ccfdna", "positive", 0.45),
    ("hsa-miR-542-5p", "pmn_mdsc", "positive", 0.5),
)


@dataclass
class ClinicalSim:
    """The clinical table plus the latent values the expression model needs."""

    table: pd.DataFrame
    latent: pd.DataFrame  # sample_id, z542, cluster, crs_ge2, icans, response_3m/12m


def marginal_counts(n: int) -> dict[str, int]:
    """The paper's counts for 53 patients, proportionally rounded for other sizes."""
    if n == PAPER_N:
        return dict(PAPER_COUNTS)
    c = {k: int(round(v * n / PAPER_N)) for k, v in PAPER_COUNTS.items()}
    c["crs_ge2"] = min(c["crs_ge2"], c["crs_any"])
    c["icans_ge2"] = min(c["icans_ge2"], c["icans_any"])
    c["not_evaluable"] = min(c["not_evaluable"], n - 2)
    c["icans_grade5"] = min(c["icans_grade5"], c["icans_ge2"], c["not_evaluable"])
    n_eval = n - c["not_evaluable"]
    c["responders_3m"] = min(int(round(30 / 49 * n_eval)), n_eval)
    c["responders_12m"] = min(int(round(19 / 49 * n_eval)), c["responders_3m"])
    c["bridging_response"] = min(c["bridging_response"], n - c["bridging_none"])
    return c


def _top(score: np.ndarray, k: int, among: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of the ``k`` highest scores (optionally only among ``among``)."""
    s = np.where(among if among is not None else True, score, -np.inf)
    mask = np.zeros(len(score), dtype=bool)
    if k > 0:
        mask[np.argsort(-s, kind="stable")[:k]] = True
    return mask


def _exact(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[rng.choice(n, size=k, replace=False)] = True
    return mask


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() or 1.0)


def simulate_clinical(rng: np.random.Generator, sample_ids: list[str]) -> ClinicalSim:
    """Draw the clinical table for ``sample_ids`` with the paper's marginals."""
    n = len(sample_ids)
    c = marginal_counts(n)

    def noise() -> np.ndarray:
        return rng.normal(size=n)

    z542 = rng.normal(size=n)  # latent miR-542-5p level (tumour burden / myeloid suppression)
    female = _exact(rng, n, c["female"])
    pmbcl = _top(0.8 * female + noise(), c["pmbcl"])
    axi = _exact(rng, n, c["axi_cel"])

    age = np.where(pmbcl, rng.normal(36, 9, n), rng.normal(61, 8, n))
    age = np.clip(np.round(age), 19, 77).astype(int)
    if n >= 2:
        age[np.argmin(age)] = 19
        age[np.argmax(age)] = 77

    ecog_score = 0.3 * z542 + noise()
    ecog = np.zeros(n, dtype=int)
    ecog[_top(ecog_score, int(round(0.55 * n)))] = 1
    ecog[_top(ecog_score, int(round(0.08 * n)))] = 2
    prior_lines = rng.choice([2, 2, 2, 2, 2, 3, 3, 4, 5], size=n)

    bridge_score = 0.6 * z542 + noise()
    order = np.argsort(bridge_score, kind="stable")
    bridging = np.full(n, "failure", dtype=object)
    bridging[order[: c["bridging_none"]]] = "none"
    bridging[order[c["bridging_none"] : c["bridging_none"] + c["bridging_response"]]] = "response"
    failure = bridging == "failure"

    crp_z = 0.3 * z542 + noise()
    crp = np.round(np.exp(np.log(1.2) + 0.9 * crp_z), 2)
    crp_s = _z(np.log(crp))

    # CRS: grade >= 2 by liability, grade 0 for the lowest remaining liabilities.
    crs_liab = 1.4 * female + 0.8 * crp_s + 0.5 * failure + noise()
    crs_ge2 = _top(crs_liab, c["crs_ge2"])
    crs_any = _top(crs_liab, c["crs_any"])
    crs_any |= crs_ge2
    crs_grade = np.where(crs_any, 1, 0)
    high = rng.choice([2, 2, 2, 2, 2, 2, 3, 3, 4], size=n)
    crs_grade = np.where(crs_ge2, high, crs_grade)

    icans_liab = (
        1.8 * pmbcl + 0.8 * crp_s + 0.9 * female + 0.5 * (ecog >= 1) + 0.5 * crs_ge2 + noise()
    )
    icans_any = _top(icans_liab, c["icans_any"])
    icans_ge2 = _top(icans_liab + 0.5 * noise(), c["icans_ge2"], among=icans_any)
    icans_grade = np.where(icans_any, 1, 0)
    icans_grade = np.where(icans_ge2, rng.choice([2, 2, 2, 3, 3, 4], size=n), icans_grade)
    grade5 = _exact_among(rng, icans_ge2, c["icans_grade5"])
    icans_grade[grade5] = 5

    # Not evaluable: the grade-5 ICANS deaths plus early deaths from lymphoma, likelier
    # with a high tumour burden.
    burden = high_burden(z542)
    ne = grade5.copy()
    rest = c["not_evaluable"] - int(ne.sum())
    ne |= _top(burden + noise(), rest, among=~ne)
    resp3_liab = -RESPONSE_3M_BURDEN * burden + RESPONSE_3M_AXI * axi - 0.4 * failure + noise()
    resp3 = _top(resp3_liab, c["responders_3m"], among=~ne)
    resp12 = _top(-RESPONSE_12M_BURDEN * burden + noise(), c["responders_12m"], among=resp3)

    # Best responses (CR/PR for responders, SD/PD otherwise, NE for the early deaths).
    response_3m = np.where(resp3, np.where(rng.random(n) < 0.6, "CR", "PR"), "PD")
    response_3m = np.where(resp12 & (rng.random(n) < 0.8), "CR", response_3m)
    sd3 = ~resp3 & ~ne & (rng.random(n) < 0.3)
    response_3m = np.where(sd3, "SD", response_3m)
    response_3m = np.where(ne, "NE", response_3m)
    response_12m = np.where(resp12, np.where(rng.random(n) < 0.85, "CR", "PR"), "PD")
    response_12m = np.where(ne, "NE", response_12m)

    surv = _survival(rng, n, burden, ne, grade5, resp3, resp12, sd3)

    clusters = _clusters(rng, n, failure, crs_ge2 | icans_any)
    pmn_measured = _exact(rng, n, c["pmn_mdsc_measured"])
    ldh = np.round(np.exp(np.log(260) + 0.45 * (0.55 * z542 + 0.84 * noise()))).astype(int)
    ccfdna = np.round(np.exp(np.log(11) + 0.6 * (0.45 * z542 + 0.89 * noise())), 1)
    pmn = np.round(np.clip(np.exp(np.log(1.6) + 0.7 * (0.5 * z542 + 0.87 * noise())), 0, 100), 2)

    table = pd.DataFrame(
        {
            "sample_id": sample_ids,
            "sex": np.where(female, "F", "M"),
            "age": age,
            "histology": np.where(pmbcl, "PMBCL", "LBCL"),
            "product": np.where(axi, "axi-cel", "tisa-cel"),
            "ecog": ecog,
            "prior_lines": prior_lines,
            "bridging": bridging,
            "crp": crp,
            "ldh": ldh,
            "ccfdna": ccfdna,
            "pmn_mdsc": pd.array(np.where(pmn_measured, pmn, np.nan), dtype="Float64"),
            "crs_grade": crs_grade,
            "icans_grade": icans_grade,
            "response_3m": response_3m,
            "response_12m": response_12m,
            **surv,
        }
    )
    evaluable = np.where(ne, np.nan, 1.0)
    latent = pd.DataFrame(
        {
            "sample_id": sample_ids,
            "z542": np.round(z542, 6),
            "cluster": clusters,
            "crs_ge2": crs_ge2.astype(float),
            "icans": icans_any.astype(float),
            "response_3m": resp3 * evaluable,
            "response_12m": resp12 * evaluable,
            "cluster_1": (clusters == 1).astype(float),
            "cluster_2": (clusters == 2).astype(float),
        }
    )
    return ClinicalSim(table, latent)


def _exact_among(rng: np.random.Generator, among: np.ndarray, k: int) -> np.ndarray:
    idx = np.flatnonzero(among)
    mask = np.zeros(len(among), dtype=bool)
    k = min(k, len(idx))
    if k > 0:
        mask[rng.choice(idx, size=k, replace=False)] = True
    return mask


def _clusters(
    rng: np.random.Generator, n: int, failure: np.ndarray, toxic: np.ndarray
) -> np.ndarray:
    """Latent Figure-1 clusters: cluster 1 enriched for bridging failure and toxicity."""
    liab = 1.0 * failure + 1.0 * toxic + rng.normal(size=n)
    cl = np.zeros(n, dtype=int)
    k1 = int(round(0.3 * n))
    c1 = _top(liab, k1)
    cl[c1] = 1
    cl[_exact_among(rng, ~c1, int(round(0.3 * n)))] = 2
    return cl


def _survival(
    rng: np.random.Generator,
    n: int,
    burden: np.ndarray,
    ne: np.ndarray,
    grade5: np.ndarray,
    resp3: np.ndarray,
    resp12: np.ndarray,
    sd3: np.ndarray,
) -> dict[str, np.ndarray]:
    """OS, PFS and TTP in days with event flags, following the response trajectory."""
    inf = np.inf
    prog = np.full(n, inf)
    # Non-responders progress by the 3-month assessment (PD) or within the year (SD);
    # 3-month responders who are not responders at 12 months relapse within the year.
    pd3 = ~resp3 & ~ne & ~sd3
    prog[pd3] = rng.uniform(25, 95, n)[pd3]
    prog[sd3] = rng.uniform(100, 330, n)[sd3]
    lost = resp3 & ~resp12
    prog[lost] = rng.uniform(120, 350, n)[lost]
    late_p = 1.0 / (1.0 + np.exp(-(-1.3 + LATE_RELAPSE_BURDEN * burden)))
    late = resp12 & (rng.random(n) < late_p)
    prog[late] = rng.uniform(400, 1500, n)[late]

    death = np.full(n, inf)
    death[grade5] = rng.uniform(8, 30, n)[grade5]
    other_ne = ne & ~grade5  # early lymphoma deaths: progression on the death day
    death[other_ne] = rng.uniform(30, 85, n)[other_ne]
    prog[other_ne] = death[other_ne]
    after = np.isfinite(prog) & ~ne
    post = rng.exponential(320.0 * np.exp(-POST_PROGRESSION_BURDEN * burden), n)
    death[after] = prog[after] + 10 + post[after]
    nrm = ~after & ~ne & (rng.random(n) < NON_RELAPSE_MORTALITY)
    death[nrm] = rng.uniform(100, 1500, n)[nrm]

    follow = rng.uniform(450, 1780, n)  # staggered entry: end of follow-up
    os_days = np.minimum(death, follow)
    pfs_days = np.minimum(np.minimum(prog, death), follow)
    return {
        "os_days": np.round(os_days).astype(int),
        "os_event": (death <= follow).astype(int),
        "pfs_days": np.round(pfs_days).astype(int),
        "pfs_event": (np.minimum(prog, death) <= follow).astype(int),
        "ttp_days": np.round(pfs_days).astype(int),
        "ttp_event": ((prog <= follow) & (prog <= death)).astype(int),
    }


def add_onset_days(table: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``crs_onset_days`` and ``icans_onset_days`` for the patients with that event.

    The paper gives only the medians (1 day for CRS, 5 days for ICANS); onsets are drawn
    log-normally around them (whole days, CRS 0-14, ICANS 1-30) and left empty for
    patients without the event, as the clinical table's contract says. ICANS is drawn after
    CRS onset where both occur, as it follows CRS in most patients.
    """
    n = len(table)
    crs = table["crs_grade"].to_numpy() > 0
    icans = table["icans_grade"].to_numpy() > 0
    crs_days = np.clip(np.round(rng.lognormal(np.log(1.0), 0.6, n)), 0, 14)
    icans_days = np.clip(np.round(rng.lognormal(np.log(5.0), 0.45, n)), 1, 30)
    icans_days = np.where(crs & (icans_days <= crs_days), crs_days + 1, icans_days)
    out = table.copy()
    at = out.columns.get_loc("icans_grade") + 1
    out.insert(at, "crs_onset_days", pd.array(np.where(crs, crs_days, np.nan), dtype="Float64"))
    out.insert(
        at + 1, "icans_onset_days", pd.array(np.where(icans, icans_days, np.nan), dtype="Float64")
    )
    return out

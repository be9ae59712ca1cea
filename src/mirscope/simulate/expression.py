"""Plasma-like miRNA abundance profile and the planted expression effects.

Why this shape: plasma small-RNA libraries are dominated by a handful of erythrocyte and
platelet miRNAs (miR-451a, miR-486-5p, miR-16-5p, miR-92a-3p, let-7 family...), followed by
a long, heavy tail of a few hundred miRNAs seen at a handful of molecules each. The demo
must look like that so that trimming, counting and normalisation are exercised on a
realistic dynamic range, and it must carry true effects of a size a 53-patient study
could detect so that the later stages have something real to find.

The model, per miRNA ``i`` and patient ``j``::

    mu_ij = share_i * 2**(sum of planted log2 effects that apply to j) * G_ij
    G_ij ~ Gamma(shape=1/phi_i, scale=phi_i)     (mean 1, biological over-dispersion)

Molecules are then drawn multinomially from ``mu_ij / sum_i mu_ij``, which makes the
molecule counts negative-binomial-like with dispersion ``phi_i`` on top of Poisson noise,
the model DESeq2 assumes. Effects are *group* shifts (log2 fold change between the
patients with and without a clinical outcome, applied to every member with a per-patient
penetrance in [0.2, 1.8]) except for miR-542-5p, which follows a continuous latent score
that also drives response, survival and the laboratory markers (see ``clinical.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mirscope.fetch.reference import Reference

#: Number of mature miRNAs given a nonzero abundance (about the paper's 573 detected).
N_EXPRESSED = 600

#: Top plasma miRNAs and their approximate share of miRNA molecules (they are rescaled).
TOP_SHARES: dict[str, float] = {
    "hsa-miR-451a": 0.20,
    "hsa-miR-486-5p": 0.12,
    "hsa-miR-16-5p": 0.07,
    "hsa-miR-92a-3p": 0.05,
    "hsa-miR-25-3p": 0.03,
    "hsa-let-7b-5p": 0.025,
    "hsa-let-7a-5p": 0.025,
    "hsa-miR-223-3p": 0.02,
    "hsa-let-7f-5p": 0.018,
    "hsa-let-7g-5p": 0.015,
    "hsa-let-7i-5p": 0.012,
    "hsa-miR-191-5p": 0.012,
    "hsa-miR-142-3p": 0.011,
    "hsa-miR-126-3p": 0.010,
    "hsa-miR-21-5p": 0.010,
    "hsa-miR-22-3p": 0.009,
    "hsa-miR-423-5p": 0.008,
    "hsa-miR-103a-3p": 0.008,
    "hsa-miR-320a-3p": 0.008,
    "hsa-miR-122-5p": 0.007,
    "hsa-miR-144-3p": 0.007,
    "hsa-miR-15a-5p": 0.006,
    "hsa-miR-15b-5p": 0.006,
    "hsa-miR-19b-3p": 0.006,
    "hsa-miR-20a-5p": 0.006,
    "hsa-miR-185-5p": 0.005,
    "hsa-miR-150-5p": 0.005,
    "hsa-miR-26a-5p": 0.005,
    "hsa-miR-30d-5p": 0.005,
    "hsa-miR-181a-5p": 0.004,
    "hsa-miR-93-5p": 0.004,
    "hsa-miR-17-5p": 0.004,
    "hsa-miR-146a-5p": 0.004,
    "hsa-miR-24-3p": 0.004,
    "hsa-let-7d-5p": 0.004,
    "hsa-let-7c-5p": 0.003,
    "hsa-let-7e-5p": 0.003,
    "hsa-miR-98-5p": 0.002,
    "hsa-miR-27b-3p": 0.003,
    "hsa-miR-140-3p": 0.003,
    "hsa-miR-425-5p": 0.003,
    "hsa-miR-484": 0.003,
    "hsa-miR-342-3p": 0.002,
    "hsa-miR-221-3p": 0.002,
    "hsa-miR-199a-3p": 0.002,
}

#: miRNAs named in the paper, held at moderate abundance so that a 53-patient DESeq2 test
#: at the default depth (~4,000-5,000 molecules per sample) sees tens of molecules.
#: miR-1290 is rarer: the paper's medians of 2.3 vs 0 normalised counts (ICANS grade >= 2
#: vs < 2, Results) put it at a few molecules per sample.
NAMED_SHARES: dict[str, float] = {
    "hsa-miR-136-5p": 0.004,
    "hsa-miR-4511": 0.003,
    "hsa-miR-1290": 0.0015,
    "hsa-let-7d-3p": 0.005,
    "hsa-miR-143-3p": 0.005,
    "hsa-miR-542-3p": 0.004,
    "hsa-miR-542-5p": 0.008,
}

#: Biological dispersion of the named miRNAs (DESeq2's scale, var = mu + phi mu^2). Plasma
#: miRNAs at tens of molecules sit around 0.2-0.5 on DESeq2's trend; with Poisson noise at
#: ~20 molecules this gives a within-group SD of log2 expression of about
#: sqrt(phi + 1/mu) / ln 2 = :data:`NAMED_SD_LOG2`.
NAMED_DISPERSION = 0.30
NAMED_SD_LOG2 = 0.82

#: The paper's Table 1 (multivariable logistic models, outcome non-response at 3 and 12
#: months, 49 evaluable patients of whom 19 non-responders): Wald p-value and the sign of
#: the coefficient of each miRNA. A Wald z of a predictor whose two outcome groups differ
#: by ``d`` within-group SDs is about d * sqrt(n p (1 - p)), so the standardised difference
#: is d = z / sqrt(49 * 30/49 * 19/49) (let-7d-3p 0.80, miR-143-3p 0.55, miR-542-3p 0.33;
#: miR-542-5p 0.70 and 0.60, planted through the latent score, see ``clinical.py``).
TABLE1_RESPONSE: dict[tuple[str, str], tuple[float, int]] = {
    ("hsa-let-7d-3p", "response_3m"): (0.00616, -1),
    ("hsa-miR-143-3p", "response_12m"): (0.05869, +1),
    ("hsa-miR-542-3p", "response_12m"): (0.25701, +1),
}
TABLE1_N, TABLE1_RESPONDERS = 49, 30

#: The toxicity miRNAs (Results, Figure 2, Supplementary Table 2): the paper reports no fold
#: change, only that each is among the DE miRNAs (|log2FC| > 1, Wald p < 0.05) and the
#: strongest after LASSO selection; the models reach 81% (CRS) and 87% (ICANS) accuracy
#: with sex, CRP and histology beside them. A planted log2FC of 1.3 clears the DE rule's 1
#: in most seeds while, at :data:`TOXICITY_DISPERSION`, the groups overlap as much as an
#: 81-87% accurate model allows (standardised difference ~1.1, the value that brought the
#: demo's paper-style accuracies to the paper's in ``scripts/calibrate_demo.py``).
TOXICITY_LOG2FC: dict[tuple[str, str], float] = {
    ("hsa-miR-136-5p", "crs_ge2"): -1.6,
    ("hsa-miR-4511", "crs_ge2"): 1.6,
    ("hsa-miR-1290", "icans"): 1.6,
}
TOXICITY_DISPERSION = 0.40


def log2fc_from_wald(p: float, sign: int, n: int, n_group: int, sd_log2: float) -> float:
    """The log2 fold change (responders over non-responders) behind a published Wald p.

    ``sign`` is the published coefficient's sign for non-response, so a miRNA that
    predicts non-response is lower in responders. The Wald z of a predictor whose groups
    differ by ``d`` within-group SDs is about ``d * sqrt(n f (1 - f))`` (f the group
    share), hence d = z / sqrt(n f (1 - f)) and the fold change d * ``sd_log2``.
    """
    from scipy.stats import norm

    f = n_group / n
    d = float(norm.isf(p / 2.0)) / np.sqrt(n * f * (1.0 - f))
    return round(float(-sign * d * sd_log2), 2)


#: Planted group effects named after the paper: (mirna, contrast, log2 fold change).
#: Contrasts: crs_ge2 (CRS grade >= 2 vs < 2), icans (any ICANS vs none), response_3m /
#: response_12m (responders CR/PR vs non-responders SD/PD among evaluable patients).
NAMED_EFFECTS: tuple[tuple[str, str, float], ...] = (
    *((m, c, lfc) for (m, c), lfc in TOXICITY_LOG2FC.items()),
    *(
        (m, c, log2fc_from_wald(p, sign, TABLE1_N, TABLE1_RESPONDERS, NAMED_SD_LOG2))
        for (m, c), (p, sign) in TABLE1_RESPONSE.items()
    ),
)

#: Further randomly chosen (per seed) miRNAs per contrast. The paper finds 25 DE miRNAs
#: for CRS and 33 for ICANS (Figure 2); in a 53-patient cohort about a third of those can
#: come from chance and from the Figure-1 cluster modules (cluster 1 is enriched for
#: toxicity), the rest are planted here. Response contrasts get few: the paper names no
#: DE list for them and its response models are made of the Table 1 miRNAs.
N_EXTRA_EFFECTS = {"crs_ge2": 22, "icans": 30, "response_3m": 3, "response_12m": 2}

#: Extra effects are no stronger than the contrast's named ones: |log2FC| drawn from
#: EXTRA_FRACTION x the strongest named |log2FC| of the contrast, at a lower abundance
#: (EXTRA_SHARE) and hence more Poisson noise than the named miRNAs.
EXTRA_FRACTION = (0.5, 0.85)
EXTRA_DISPERSION = 0.55
EXTRA_SHARE = (6e-4, 2.5e-3)

#: log2 expression change of miR-542-5p per standard deviation of the latent score.
MIR542_5P_SLOPE = 1.5

#: Its residual (non-latent) biological dispersion: the latent score carries most of its
#: variation, the rest keeps the measured level an imperfect proxy (correlation ~0.8).
MIR542_5P_DISPERSION = 0.04

#: Latent patient clusters (Figure 1): each non-zero cluster up-regulates a module.
N_MODULE = 30
MODULE_LOG2 = 1.0

#: Cluster-module miRNAs are drawn from miRNAs at least this abundant.
MIN_MODULE_SHARE = 3e-4


@dataclass
class Profile:
    """Per-miRNA baseline share, dispersion and the templated isomiR context.

    ``context[i]`` is the mature sequence with up to ``FLANK`` hairpin nucleotides on each
    side (``left[i]``/``right[i]`` say how many are really there), so 5'/3' templated
    isomiRs can be cut from the true precursor.
    """

    names: list[str]
    share: np.ndarray
    dispersion: np.ndarray
    context: list[str]
    left: np.ndarray
    right: np.ndarray
    effects: pd.DataFrame = field(default_factory=pd.DataFrame)

    def index(self, name: str) -> int:
        return self.names.index(name)


FLANK = 2


def _usable_matures(ref: Reference) -> dict[str, tuple[str, int, int]]:
    """Mature names with a unique sequence and a hairpin locus: name -> (context, l, r)."""
    seq_count: dict[str, int] = {}
    for seq in ref.mature.values():
        seq_count[seq] = seq_count.get(seq, 0) + 1
    out: dict[str, tuple[str, int, int]] = {}
    for locus in ref.loci:  # sorted by hairpin, start: the first locus wins
        name = locus.mature
        if name in out or seq_count.get(ref.mature.get(name, ""), 0) != 1:
            continue
        hp = ref.hairpin[locus.hairpin]
        lo = max(0, locus.start - FLANK)
        hi = min(len(hp), locus.end + FLANK)
        if set(hp[lo:hi]) - set("ACGT"):
            continue
        out[name] = (hp[lo:hi], locus.start - lo, hi - locus.end)
    return out


def build_profile(ref: Reference, rng: np.random.Generator) -> Profile:
    """Choose the expressed miRNAs and their baseline shares and dispersions."""
    usable = _usable_matures(ref)
    fixed = {**TOP_SHARES, **NAMED_SHARES}
    missing = [n for n in fixed if n not in usable]
    fixed = {k: v for k, v in fixed.items() if k in usable}
    others = sorted(n for n in usable if n not in fixed)
    n_tail = max(0, min(N_EXPRESSED - len(fixed), len(others)))
    tail_names = list(rng.choice(np.array(others), size=n_tail, replace=False))
    # Heavy tail: log-normal weights sharing what the fixed miRNAs leave.
    tail_w = rng.lognormal(mean=0.0, sigma=1.6, size=n_tail)
    tail_total = max(0.0, 1.0 - sum(fixed.values()))
    tail_share = tail_w / tail_w.sum() * tail_total if n_tail else tail_w
    names = sorted(list(fixed) + tail_names)
    share_map = dict(fixed)
    share_map.update(zip(tail_names, tail_share, strict=True))
    # The randomly chosen DE miRNAs get a moderate abundance (a few molecules at the
    # default depth, fewer than the named ones), so that a 53-patient test can see them.
    n_extra = min(sum(N_EXTRA_EFFECTS.values()), len(tail_names))
    extra = [str(x) for x in rng.choice(np.array(tail_names), size=n_extra, replace=False)]
    for name in extra:
        share_map[name] = float(rng.uniform(*EXTRA_SHARE))
    share = np.array([share_map[n] for n in names], dtype=float)
    share /= share.sum()
    # Dispersion: higher for rarer miRNAs (as DESeq2's trend in plasma data), 0.2-0.8.
    rank = share.argsort().argsort() / max(1, len(share) - 1)
    dispersion = 0.8 - 0.6 * rank + rng.uniform(-0.05, 0.05, size=len(share))
    # Named and extra effect miRNAs get fixed dispersions (extras never less noisy than
    # the named toxicity miRNAs), so that their effect sizes are what the constants say.
    toxicity_named = {m for m, _ in TOXICITY_LOG2FC}
    for i, name in enumerate(names):
        if name in toxicity_named:
            dispersion[i] = TOXICITY_DISPERSION
        elif name in NAMED_SHARES:
            dispersion[i] = NAMED_DISPERSION
        elif name in extra:
            dispersion[i] = max(dispersion[i], EXTRA_DISPERSION)
    if "hsa-miR-542-5p" in names:
        dispersion[names.index("hsa-miR-542-5p")] = MIR542_5P_DISPERSION
    context = [usable[n][0] for n in names]
    left = np.array([usable[n][1] for n in names], dtype=np.int64)
    right = np.array([usable[n][2] for n in names], dtype=np.int64)
    prof = Profile(names, share, dispersion, context, left, right)
    prof.effects = _choose_effects(prof, rng, missing, extra)
    return prof


def _choose_effects(
    prof: Profile, rng: np.random.Generator, missing: list[str], extra: list[str]
) -> pd.DataFrame:
    """The planted miRNA effects: named ones, ``extra`` DE miRNAs, cluster modules."""
    rows = [
        {"target": m, "contrast": c, "log2_effect": lfc}
        for m, c, lfc in NAMED_EFFECTS
        if m not in missing
    ]
    picked = list(extra)
    strongest = {}
    for _m, c, lfc in NAMED_EFFECTS:
        strongest[c] = max(strongest.get(c, 0.0), abs(lfc))
    for contrast, k in N_EXTRA_EFFECTS.items():
        cap = strongest.get(contrast, min(strongest.values()))
        for _ in range(min(k, len(picked))):
            sign = 1.0 if rng.random() < 0.5 else -1.0
            mag = round(float(rng.uniform(*EXTRA_FRACTION)) * cap, 2)
            rows.append({"target": picked.pop(0), "contrast": contrast, "log2_effect": sign * mag})
    rows.append({"target": "hsa-miR-542-5p", "contrast": "z542", "log2_effect": MIR542_5P_SLOPE})
    taken = {r["target"] for r in rows} | set(TOP_SHARES) | set(NAMED_SHARES)
    candidates = [
        n
        for n, s in zip(prof.names, prof.share, strict=True)
        if n not in taken and s >= MIN_MODULE_SHARE
    ]
    k = min(2 * N_MODULE, len(candidates))
    module = [str(x) for x in rng.choice(np.array(candidates), size=k, replace=False)]
    for i, name in enumerate(module):
        rows.append(
            {"target": name, "contrast": f"cluster_{1 + i % 2}", "log2_effect": MODULE_LOG2}
        )
    return pd.DataFrame(rows)


def expected_abundance(prof: Profile, groups: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Expected molecule proportions, miRNAs x patients (columns sum to 1).

    ``groups`` has one row per patient and one column per contrast in ``prof.effects``:
    0/1 indicators for group contrasts (NaN = not evaluable, no shift) and the latent score
    ``z542`` (standard normal).
    """
    n_pat = len(groups)
    log2_mu = np.repeat(np.log2(prof.share)[:, None], n_pat, axis=1)
    for row in prof.effects.itertuples(index=False):
        i = prof.index(row.target)
        x = groups[row.contrast].to_numpy(dtype=float)
        if row.contrast == "z542":
            log2_mu[i] += row.log2_effect * x
            continue
        penetrance = rng.uniform(0.2, 1.8, size=n_pat)
        log2_mu[i] += row.log2_effect * np.nan_to_num(x, nan=0.0) * penetrance
    shape = 1.0 / prof.dispersion
    noise = rng.gamma(shape[:, None], 1.0 / shape[:, None], size=log2_mu.shape)
    mu = np.exp2(log2_mu) * noise
    return mu / mu.sum(axis=0, keepdims=True)

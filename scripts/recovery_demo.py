#!/usr/bin/env python
"""Do the models pick the miRNAs the simulator planted? Truth recovery on the demo design.

Why: an accuracy near the paper's says nothing about *what* a model selected. On the
demo cohort the truth is known (``truth/effects.tsv``), so for each model this script
scores the selected miRNAs against the planted ones over many seeds, runs the same
seeds with the outcome permuted (a null cohort, where every selection is a false one),
and sets the paper-named miRNAs' selection rates beside the power a Wald test has to
detect their planted effects at the paper's group sizes.

Per seed the cohort is drawn as in ``scripts/calibrate_demo.py --mode counts``
(:func:`calibrate_demo.draw_cohort`: true molecule counts, no reads written) and run
through the DE stage and the models stage (:func:`calibrate_demo.analyse`: fast DESeq2
dispersions; the nested LOOCV cut to one resample per fold and no stability resamples,
which change neither the selection on all patients nor what is scored here).

Planted, per model (rows of ``effects.tsv`` with ``kind = mirna``):

* ``crs_ge2``: contrast ``crs_ge2``; ``icans``: contrast ``icans``;
* ``icans_ge2``: contrast ``icans`` too. The simulator plants no separate grade >= 2
  effect: its ICANS miRNAs are shifted in every patient with ICANS, and the grade >= 2
  patients are among them;
* ``response_3m`` / ``response_12m``: that contrast, plus ``hsa-miR-542-5p``, whose effect
  on response is planted through the latent score (``contrast = z542``, and the burden
  step rows ``hsa-miR-542-5p`` / ``response_*`` of kind ``clinical``, see
  :mod:`mirscope.simulate.clinical`) rather than as a group shift;
* the Figure-1 cluster modules (``cluster_1`` / ``cluster_2``) are planted for no outcome.
  Cluster 1 is enriched for toxicity, so a module miRNA can track CRS or ICANS through it;
  such selections are counted apart (``module``), not as planted.

Scores: the share of a model's selected miRNAs (clinical predictors left out) that are
planted for it, median over seeds (seeds selecting no miRNA have no share); how often
each paper-named miRNA is selected, is a candidate at all (toxicity: passes the DE
rule and cap), and its median place and frequency in the LASSO's selection-frequency
order (where it loses out when it is a candidate but not selected); and, on the null
cohort, for every miRNA the share of seeds whose model selects it. The null keeps every
clinical column and permutes only the outcome's column (``crs_grade``, ``icans_grade``,
``response_3m``, ``response_12m``) among the patients whose outcome is known, with a
generator seeded by seed and model, so the class counts and the analysed patients are
those of the real cohort; DE and selection are redone on it.

Power (:func:`wald_power`): the chance that a Wald test at p < 0.05 detects a
paper-named miRNA's planted effect at the demo's group sizes (the paper's: CRS grade >= 2
16/37, ICANS 18/35, ICANS grade >= 2 14/39, responders 30/19 at 3 and 19/30 at 12
months), for the test each model family's candidates face: DESeq2's Wald test of the
log ratio of mean counts for the toxicity models (their DE pre-filter), a logistic Wald
test on log2 expression for the response models (no pre-filter; the LASSO sees log2
counts). The counts follow the simulator: Poisson with mean ``mu S G``, where ``mu = M
s`` (``M`` miRNA molecules per sample, the mean over the drawn cohorts; ``s`` the
profile's share), ``G`` the biological gamma noise of dispersion ``phi`` (the
profile's) and ``S`` the planted factor: ``2^(b U)`` with penetrance ``U ~ Uniform(0.2,
1.8)`` in the share ``f`` of the group that carries the shift (1 in the cases, 0 in the
controls, except ICANS grade >= 2, whose controls include the grade-1 patients), and for
miR-542-5p ``2^(1.5 z542)`` over the group's latent scores (pooled from 400 clinical
draws). Per group g (n_g patients)::

    counts:  D = ln(E[S_1] / E[S_0])
             V_g = 1/(mu E[S_g]) + (1 + phi) E[S_g^2] / E[S_g]^2 - 1
    log:     D = E[ln S_1] - E[ln S_0]
             V_g = 1/(mu E[S_g]) + trigamma(1/phi) + Var[ln S_g]
    z = |D| / sqrt(V_1/n_1 + V_0/n_0),   power = Phi(z - 1.96) + Phi(-z - 1.96)

(delta-method variances; ``tests/test_calibrate.py`` checks both against simulated
studies of the same count model. DESeq2 pools one shrunken dispersion over both groups
and size factors add a little noise, so these are first-order figures.) For the
toxicity models the DE rule also asks |log2FC| > 1: ``power (DE rule)`` is P(|estimate|
> max(1, 1.96 SE)). The power is what one test of the miRNA alone achieves; a model
keeps only two miRNAs (toxicity) or three predictors of any kind (response), so a
detectable miRNA can lose its place to a stronger planted one or to a chance one, and
its selection rate fall below its power.

    python scripts/recovery_demo.py --seeds 0-19
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import time
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import calibrate_demo as calib  # noqa: E402

MODELS = ("crs_ge2", "icans", "icans_ge2", "response_3m", "response_12m")

#: The effects.tsv contrast whose miRNA rows are planted for each model.
PLANTED_CONTRAST = {
    "crs_ge2": "crs_ge2",
    "icans": "icans",
    "icans_ge2": "icans",
    "response_3m": "response_3m",
    "response_12m": "response_12m",
}

#: miRNAs planted for a response model through the latent score, not a group shift.
LATENT_RESPONSE = ("hsa-miR-542-5p",)

#: The miRNAs the paper names for each outcome (Results, Figure 2, Table 1).
PAPER_NAMED = {
    "crs_ge2": ("hsa-miR-136-5p", "hsa-miR-4511"),
    "icans": ("hsa-miR-1290",),
    "icans_ge2": ("hsa-miR-1290",),
    "response_3m": ("hsa-let-7d-3p", "hsa-miR-542-5p"),
    "response_12m": ("hsa-miR-143-3p", "hsa-miR-542-3p", "hsa-miR-542-5p"),
}

#: Targets: median share planted (toxicity, response), null selection rate ceiling.
TOXICITY_SHARE, RESPONSE_SHARE, NULL_CEILING = 0.80, 0.50, 0.20

#: Seed stream of the null permutations (apart from every simulator stream).
NULL_STREAM = 9_001

#: The range of the penetrance U ~ Uniform(0.2, 1.8) the simulator multiplies shifts by
#: (:func:`mirscope.simulate.expression.expected_abundance`).
PENETRANCE = (0.2, 1.8)


def planted_for(effects: pd.DataFrame, model: str) -> set[str]:
    """The miRNAs planted for ``model`` (module docstring)."""
    mir = effects[effects["kind"] == "mirna"]
    planted = set(mir.loc[mir["contrast"] == PLANTED_CONTRAST[model], "target"])
    if model.startswith("response"):
        planted |= {m for m in LATENT_RESPONSE if m in set(mir["target"])}
    return planted


def module_mirnas(effects: pd.DataFrame) -> set[str]:
    """The Figure-1 cluster modules' miRNAs."""
    mir = effects[effects["kind"] == "mirna"]
    return set(mir.loc[mir["contrast"].str.startswith("cluster_"), "target"])


@dataclass
class Score:
    """One model's selection on one cohort, against the truth."""

    selected: list[str]  # selected miRNAs (clinical predictors left out)
    planted: list[str]  # of those, planted for the model
    module: list[str]  # of those, cluster-module miRNAs not planted for the model

    @property
    def share(self) -> float:
        return len(self.planted) / len(self.selected) if self.selected else float("nan")


def score_selection(
    predictors: list[str], mirnas: set[str], planted: set[str], module: set[str]
) -> Score:
    """Split a model's predictors: miRNAs (those in ``mirnas``), planted, module."""
    selected = [p for p in predictors if p in mirnas]
    hits = [p for p in selected if p in planted]
    return Score(selected, hits, [p for p in selected if p in module and p not in planted])


def permute_outcome(
    clinical: pd.DataFrame, model: str, rng: np.random.Generator, contrasts: list[dict]
) -> pd.DataFrame:
    """``clinical`` with the model's outcome column permuted among the patients whose
    outcome is known; every other column and every other patient kept."""
    from mirscope.stats.design import outcome_series

    column = {c["name"]: c["variable"] for c in contrasts}[model]
    known = outcome_series(clinical, model, source="null cohort").notna().to_numpy()
    out = clinical.copy()
    values = out[column].to_numpy(copy=True)
    values[known] = rng.permutation(values[known])
    out[column] = pd.Series(values, index=out.index).astype(clinical[column].dtype)
    return out


def null_rng(seed: int, model: str) -> np.random.Generator:
    return np.random.default_rng([seed, NULL_STREAM, zlib.crc32(model.encode())])


@dataclass(frozen=True)
class Shift:
    """Moments of a group's planted expression factor S (1 where nothing is planted)."""

    mean: float  # E[S]
    square: float  # E[S^2]
    log_mean: float  # E[ln S]
    log_var: float  # Var[ln S]


def shift_moments(b: float, share: float) -> Shift:
    """A group in which ``share`` of the patients carry a log2 shift ``b`` with penetrance
    U ~ Uniform(0.2, 1.8): S = 2^(b U) for them, 1 for the rest."""
    c = b * np.log(2.0)
    lo, hi = PENETRANCE
    if abs(c) < 1e-12:
        return Shift(1.0, 1.0, 0.0, 0.0)

    def mean_exp(k: float) -> float:  # E[exp(k U)]
        return float((np.exp(k * hi) - np.exp(k * lo)) / (k * (hi - lo)))

    var_u = (hi - lo) ** 2 / 12.0
    return Shift(
        1.0 - share + share * mean_exp(c),
        1.0 - share + share * mean_exp(2.0 * c),
        share * c,  # E[U] = 1
        c**2 * (share * var_u + share * (1.0 - share)),
    )


def latent_shift_moments(b: float, z: np.ndarray) -> Shift:
    """S = 2^(b z) over a group's latent scores ``z``."""
    log_s = b * np.log(2.0) * np.asarray(z, dtype=float)
    s = np.exp(log_s)
    return Shift(float(s.mean()), float((s**2).mean()), float(log_s.mean()), float(log_s.var()))


def wald_power(
    mu: float,
    phi: float,
    n1: int,
    n0: int,
    case: Shift,
    control: Shift,
    *,
    scale: str = "counts",
    alpha: float = 0.05,
    lfc_min: float = 0.0,
) -> tuple[float, float, float]:
    """(power of the two-sided Wald test at ``alpha``, power of that test *and* |estimated
    log2 difference| > ``lfc_min``, the log2 difference tested) for counts Poisson(``mu``
    S G), G ~ Gamma(mean 1, variance ``phi``), S the group's planted factor.

    ``scale="counts"``: the log ratio of the groups' mean counts (DESeq2's Wald test), a
    group's log mean having variance CV^2 / n with CV^2 = 1/(mu E[S]) + (1 + phi)
    E[S^2]/E[S]^2 - 1. ``scale="log"``: the difference of the groups' mean log counts (a
    logistic Wald test on log2 expression, whose z is the same to first order), a log
    count having variance 1/(mu E[S]) + trigamma(1/phi) + Var[ln S] about E[ln S]
    (trigamma(1/phi), the variance of ln G, is close to phi when phi is small).
    """
    from scipy.special import polygamma
    from scipy.stats import norm

    if scale == "counts":
        v1 = 1.0 / (mu * case.mean) + (1.0 + phi) * case.square / case.mean**2 - 1.0
        v0 = 1.0 / (mu * control.mean) + (1.0 + phi) * control.square / control.mean**2 - 1.0
        delta = np.log(case.mean / control.mean)
    elif scale == "log":
        log_gamma = float(polygamma(1, 1.0 / phi))  # Var[ln G], ~phi for small phi
        v1 = 1.0 / (mu * case.mean) + log_gamma + case.log_var
        v0 = 1.0 / (mu * control.mean) + log_gamma + control.log_var
        delta = case.log_mean - control.log_mean
    else:
        raise ValueError(f"unknown scale {scale!r}")
    se = np.sqrt(v1 / n1 + v0 / n0)
    crit = float(norm.isf(alpha / 2.0))
    z = abs(delta) / se
    power = float(norm.sf(crit - z) + norm.cdf(-crit - z))
    # On the log2 scale the estimate is ~ N(delta, se): detected beyond both bounds.
    d2, se2 = abs(delta) / np.log(2.0), se / np.log(2.0)
    bound = max(lfc_min, crit * se2)
    with_lfc = float(norm.sf((bound - d2) / se2) + norm.cdf((-bound - d2) / se2))
    return power, with_lfc, float(delta / np.log(2.0))


@functools.cache
def latent_scores(model: str, draws: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """``z542`` of the cases and of the controls of a response model, pooled over
    ``draws`` clinical tables of the demo design (a stream apart from the demo seeds')."""
    from mirscope.simulate import sample_ids_for
    from mirscope.simulate.clinical import PAPER_N, simulate_clinical

    ids = sample_ids_for(PAPER_N)
    case, control = [], []
    for seed in range(draws):
        lat = simulate_clinical(np.random.default_rng([seed, NULL_STREAM, 542]), ids).latent
        case.append(lat.loc[lat[model] == 1, "z542"].to_numpy())
        control.append(lat.loc[lat[model] == 0, "z542"].to_numpy())
    return np.concatenate(case), np.concatenate(control)


def group_sizes(clinical: pd.DataFrame, model: str, shifted: str) -> tuple[int, int, float, float]:
    """(cases, controls, share of cases and of controls in the ``shifted`` contrast's
    case group) of a model's outcome in one cohort."""
    from mirscope.stats.design import outcome_series

    y = outcome_series(clinical, model, source="cohort").dropna()
    s = outcome_series(clinical, shifted, source="cohort").reindex(y.index).fillna(0.0)
    return (
        int((y == 1).sum()),
        int((y == 0).sum()),
        float(s[y == 1].mean()),
        float(s[y == 0].mean()),
    )


def power_table(cohorts: list[calib.Cohort], lfc_min: float) -> pd.DataFrame:
    """Power per (model, paper-named miRNA) at the demo's design (module docstring).

    ``M`` (molecules per sample) is the mean over ``cohorts``; group sizes and shares are
    the first cohort's (the simulator fixes them: the paper's counts).
    """
    ref = cohorts[0]
    depth = float(np.mean([c.molecules.sum(axis=0).mean() for c in cohorts]))
    mir = ref.effects[ref.effects["kind"] == "mirna"]
    rows = []
    for model, named in PAPER_NAMED.items():
        n1, n0, f1, f0 = group_sizes(ref.clinical, model, PLANTED_CONTRAST[model])
        toxicity = not model.startswith("response")
        for mirna in named:
            eff = mir[mir["target"] == mirna].set_index("contrast")["log2_effect"]
            if mirna in LATENT_RESPONSE and not toxicity:
                b = float(eff["z542"])
                z1, z0 = latent_scores(model)
                case, control = latent_shift_moments(b, z1), latent_shift_moments(b, z0)
                planted = f"{b:g} per SD of z542"
            else:
                b = float(eff.get(PLANTED_CONTRAST[model], 0.0))
                case, control = shift_moments(b, f1), shift_moments(b, f0)
                planted = f"{b:+g}"
            mu = depth * float(ref.shares[mirna])
            phi = float(ref.dispersions[mirna])
            scale = "counts" if toxicity else "log"
            power, de_rule, diff = wald_power(
                mu, phi, n1, n0, case, control, scale=scale, lfc_min=lfc_min if toxicity else 0.0
            )
            rows.append(
                {
                    "model": model,
                    "mirna": mirna,
                    "planted log2": planted,
                    "test": "DESeq2 Wald" if toxicity else "logistic Wald, log2",
                    "log2 difference": f"{diff:+.2f}",
                    "cases/controls": f"{n1}/{n0}",
                    "mean count": round(mu, 1),
                    "dispersion": round(phi, 2),
                    "power (Wald p<0.05)": power,
                    "power (DE rule)": de_rule if toxicity else float("nan"),
                }
            )
    return pd.DataFrame(rows)


def named_ranks(result, model: str, mirnas: set[str]) -> dict[str, int | None]:
    """Each paper-named miRNA's place in the model's LASSO selection-frequency order, among
    the miRNA candidates (toxicity: the two first are kept) or all candidates (response:
    the three first are kept); None when it was no candidate. Candidates the LASSO never
    chose share the last places in name order."""
    table = result.selection.dropna(subset=["frequency"])  # sorted by the model's order
    order = list(table["variable"])
    if not model.startswith("response"):
        order = [v for v in order if v in mirnas]
    return {m: order.index(m) + 1 if m in order else None for m in PAPER_NAMED[model]}


def named_frequencies(result, model: str) -> dict[str, float]:
    """Each paper-named miRNA's LASSO selection frequency (NaN when it was no candidate)."""
    freq = result.selection.dropna(subset=["frequency"]).set_index("variable")["frequency"]
    return {m: float(freq.get(m, np.nan)) for m in PAPER_NAMED[model]}


def run_seed(seed: int, cfg: dict, null: bool, reads: int) -> tuple[list[dict], calib.Cohort]:
    """One row per (seed, model, cohort kind) with the selected miRNAs and their score."""
    cohort = calib.draw_cohort(seed, reads=reads)
    module = module_mirnas(cohort.effects)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        real = calib.analyse(cohort.clinical, cohort.molecules, cfg, Path(tmp), list(MODELS))
        kinds = [("real", real.models, set(real.mirnas))]
        if null:
            null_models = {}
            for model in MODELS:
                clinical = permute_outcome(
                    cohort.clinical, model, null_rng(seed, model), cfg["de"]["contrasts"]
                )
                res = calib.analyse(clinical, cohort.molecules, cfg, Path(tmp) / model, [model])
                null_models[model] = res.models[model]
            kinds.append(("null", null_models, set(real.mirnas)))
        for kind, models, mirnas in kinds:
            for model in MODELS:
                result = models[model]
                s = score_selection(
                    result.predictors, mirnas, planted_for(cohort.effects, model), module
                )
                rows.append(
                    {
                        "seed": seed,
                        "cohort": kind,
                        "model": model,
                        "accuracy": float(np.mean((result.loocv_prob >= 0.5) == result.y)),
                        "predictors": ",".join(result.predictors),
                        "selected": ",".join(s.selected),
                        "planted": ",".join(s.planted),
                        "module": ",".join(s.module),
                        "n_selected": len(s.selected),
                        "share_planted": s.share,
                        "named_ranks": ",".join(
                            f"{m}:{r if r is not None else '-'}"
                            for m, r in named_ranks(result, model, mirnas).items()
                        ),
                        "named_frequencies": ",".join(
                            f"{m}:{f:.2f}" for m, f in named_frequencies(result, model).items()
                        ),
                    }
                )
    return rows, cohort


def _split(text: object) -> list[str]:
    return [x for x in str(text).split(",") if x and x != "nan"]


def summary_tables(
    rows: pd.DataFrame, power: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(per model, per paper-named miRNA, null miRNAs above the ceiling) as markdown-ready
    frames, with each target's verdict."""
    real, null = rows[rows["cohort"] == "real"], rows[rows["cohort"] == "null"]
    per_model, top_null = [], []
    for model in MODELS:
        r = real[real["model"] == model]
        shares = r["share_planted"].dropna()
        target = TOXICITY_SHARE if not model.startswith("response") else RESPONSE_SHARE
        med = float(shares.median()) if len(shares) else float("nan")
        n_sel = r["n_selected"].sum()
        module = sum(len(_split(x)) for x in r["module"])
        row = {
            "model": model,
            "seeds": len(r),
            "median share planted": _pct(med),
            "p10-p90": f"{_pct(shares.quantile(0.1))}-{_pct(shares.quantile(0.9))}"
            if len(shares)
            else "NA",
            "pooled share planted": _pct(r["planted"].map(lambda x: len(_split(x))).sum() / n_sel)
            if n_sel
            else "NA",
            "module share": _pct(module / n_sel) if n_sel else "NA",
            "miRNAs per model": f"{r['n_selected'].mean():.1f}",
            "seeds without a miRNA": int((r["n_selected"] == 0).sum()),
            "target": f">= {target:.0%}",
            "met": "yes" if np.isfinite(med) and med >= target else "NO",
        }
        if len(null):
            n = null[null["model"] == model]
            counts = pd.Series([m for x in n["selected"] for m in set(_split(x))]).value_counts()
            rate = counts / max(len(n), 1)
            worst = rate.index[0] if len(rate) else "-"
            row["null: max seeds selecting one miRNA"] = (
                f"{_pct(rate.iloc[0])} ({worst})" if len(rate) else "0%"
            )
            row["null met"] = "yes" if (rate <= NULL_CEILING).all() else "NO"
            row["null accuracy (median)"] = f"{n['accuracy'].median():.2f}"
            for mirna, value in rate[rate > NULL_CEILING].items():
                top_null.append(
                    {"model": model, "mirna": mirna, "share of null seeds": _pct(value)}
                )
        per_model.append(row)
    named = power.copy()
    rates, null_rates = [], []
    for row in named.itertuples():
        r = real[real["model"] == row.model]
        rates.append(float(r["selected"].map(lambda x, m=row.mirna: m in _split(x)).mean()))
        n = null[null["model"] == row.model]
        null_rates.append(
            float(n["selected"].map(lambda x, m=row.mirna: m in _split(x)).mean())
            if len(n)
            else float("nan")
        )
    found, ranks, freqs = [], [], []
    for row in named.itertuples():
        r = real[real["model"] == row.model]
        places = [_ranks(x).get(row.mirna) for x in r.get("named_ranks", pd.Series(dtype=str))]
        known = [p for p in places if p is not None]
        found.append(len(known) / len(places) if places else float("nan"))
        ranks.append(f"{np.median(known):g}" if known else "NA")
        f = [_ranks(x, float).get(row.mirna) for x in r.get("named_frequencies", [])]
        f = [v for v in f if v is not None and np.isfinite(v)]
        freqs.append(f"{np.median(f):.2f}" if f else "NA")
    named["candidate (share of seeds)"] = [_pct(v) for v in found]
    named["median LASSO rank"] = ranks
    named["median LASSO frequency"] = freqs
    named["selected (share of seeds)"] = rates
    named["null selected"] = null_rates
    named["selected >= power"] = [
        "yes" if s >= p else "NO" for s, p in zip(rates, named["power (Wald p<0.05)"], strict=True)
    ]
    for col in ("power (Wald p<0.05)", "power (DE rule)", "selected (share of seeds)"):
        named[col] = named[col].map(_pct)
    named["null selected"] = named["null selected"].map(_pct)
    return pd.DataFrame(per_model), named, pd.DataFrame(top_null)


def _ranks(text: object, kind: type = int) -> dict[str, float | None]:
    """A ``named_ranks`` / ``named_frequencies`` cell back to {miRNA: value or None}."""
    out: dict[str, float | None] = {}
    for item in _split(text):
        name, _, value = item.rpartition(":")
        out[name] = None if value in ("-", "nan") else kind(value)
    return out


def _pct(value: float) -> str:
    return "NA" if value is None or not np.isfinite(value) else f"{value:.0%}"


def _run(
    seeds: list[int], cfg: dict, null: bool, reads: int
) -> tuple[pd.DataFrame, list[calib.Cohort]]:
    """Every seed's rows (:func:`run_seed`), printed as they come."""
    rows, cohorts = [], []
    print("seed\tcohort\tmodel\tselected miRNAs (* planted, ~ module)\tCPU-s", flush=True)
    for seed in seeds:
        start = time.process_time()
        seed_rows, cohort = run_seed(seed, cfg, null, reads)
        cohorts.append(cohort)
        rows.extend(seed_rows)
        took = time.process_time() - start
        for r in seed_rows:
            marked = [
                m + ("*" if m in _split(r["planted"]) else "~" if m in _split(r["module"]) else "")
                for m in _split(r["selected"])
            ]
            print(f"{seed}\t{r['cohort']}\t{r['model']}\t{','.join(marked) or '-'}\t{took:.0f}")
        sys.stdout.flush()
    return pd.DataFrame(rows), cohorts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="0-19")
    ap.add_argument("--reads", type=int, default=20_000)
    ap.add_argument("--no-null", action="store_true", help="skip the permuted-outcome cohorts")
    ap.add_argument("--out", type=Path, help="write every seed's selections to this TSV")
    ap.add_argument(
        "--load",
        type=Path,
        nargs="+",
        help="score the seeds in --seeds from these --out tables instead of running them "
        "(a long run split into parts)",
    )
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    seeds = calib.seed_list(args.seeds)
    cfg = calib.completed_config(calib.demo_config(Path("-"), Path("-")))
    if args.load:
        # Only empty cells are missing: "null" is a cohort kind here, not a missing value.
        parts = [pd.read_csv(p, sep="\t", keep_default_na=False, na_values=[""]) for p in args.load]
        frame = pd.concat(parts, ignore_index=True)
        frame = frame.drop_duplicates(["seed", "cohort", "model"])
        frame = frame[frame["seed"].isin(seeds)].reset_index(drop=True)
        seeds = sorted(set(frame["seed"]))
        cohorts = [calib.draw_cohort(s, reads=args.reads) for s in seeds]
    else:
        frame, cohorts = _run(seeds, cfg, not args.no_null, args.reads)
    if args.out:
        frame.to_csv(args.out, sep="\t", index=False, lineterminator="\n")
    power = power_table(cohorts, cfg["de"]["lfc_threshold"])
    per_model, named, top_null = summary_tables(frame, power)
    print(f"\n### Truth recovery ({len(seeds)} seeds of the demo design)\n")
    print(calib.markdown(per_model))
    print("\n### Paper-named miRNAs: selection rate and power\n")
    print(calib.markdown(named))
    if len(top_null):
        print(f"\n### Null cohort: miRNAs selected in more than {NULL_CEILING:.0%} of seeds\n")
        print(calib.markdown(top_null))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())

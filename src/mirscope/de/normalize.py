"""DESeq2 size factors, normalised counts and log2 tables for the miRNA count matrix.

Why our own code and not pydeseq2's: the paper's "normalized counts" (its miR-542-5p
cut-off of 5.5 is on that scale) are DESeq2's, and the reanalysis has to reproduce R's
numbers to 1e-10. pydeseq2 0.5.4's ``poscounts`` drops features whose positive-count
geometric mean is <= 1, which R does not, so its factors differ on sparse plasma data.

Two size-factor types, as in ``DESeq2::estimateSizeFactors``:

* ``ratio`` (DESeq2's default): median over features without any zero of
  ``count / geometric mean``. Undefined when every feature has a zero somewhere, which is
  the usual case for plasma small-RNA data (hundreds of miRNAs near detection limit).
* ``poscounts`` (``type="poscounts"``): the geometric mean of a feature is the n-th root
  of the product of its *positive* counts (zeros count in n but not in the product);
  ratios use only positive counts; factors are rescaled to geometric mean 1.

``auto`` (our default) uses ``ratio`` when at least one feature is detected in every
sample and ``poscounts`` otherwise, exactly where R's default would stop with "every gene
contains at least one zero". The DE stage uses the same choice, so the normalised table
and the Wald tests always share one set of size factors.

New samples scored by a saved model (``mirscope predict``) are normalised against the
training cohort: :func:`size_factor_reference` keeps its per-miRNA geometric means, and
:func:`reference_size_factors` takes median ratios to them, DESeq2's
``estimateSizeFactors(dds, geoMeans = ...)``. The ratios are the same function
(:func:`_median_ratios`) for the training cohort's own means and for a stored reference.

Before normalising we keep the miRNAs detected (count > 0) in at least ``min_samples``
samples; the paper's 573 "circulating miRNAs" are those detected in at least one sample.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from mirscope.errors import InputError

log = logging.getLogger(__name__)

SizeFactorType = Literal["auto", "ratio", "poscounts"]
SIZE_FACTOR_TYPES = ("auto", "ratio", "poscounts")


def filter_detected(counts: pd.DataFrame, min_samples: int = 1) -> pd.DataFrame:
    """Keep miRNAs with a positive count in at least ``min_samples`` samples."""
    if min_samples < 1:
        raise InputError("min_samples must be at least 1", value=min_samples, allowed=">= 1")
    keep = (counts > 0).sum(axis=1) >= min_samples
    return counts.loc[keep]


def resolve_size_factor_type(counts: pd.DataFrame, sf_type: SizeFactorType = "auto") -> str:
    """Return ``ratio`` or ``poscounts`` for ``auto`` (see module docstring)."""
    if sf_type not in SIZE_FACTOR_TYPES:
        raise InputError(
            "unknown size factor type", value=sf_type, allowed=", ".join(SIZE_FACTOR_TYPES)
        )
    if sf_type != "auto":
        return sf_type
    return "ratio" if bool((counts > 0).all(axis=1).any()) else "poscounts"


def size_factors(counts: pd.DataFrame, sf_type: SizeFactorType = "auto") -> pd.Series:
    """DESeq2 size factors per sample (``estimateSizeFactors`` with ``type`` = sf_type).

    ``counts`` is miRNAs x samples. Raises :class:`InputError` when the factors are
    undefined: no sample, a sample without any positive count, or ``ratio`` requested for
    a matrix in which every miRNA has a zero.
    """
    if counts.shape[1] == 0:
        raise InputError("no samples to normalise")
    if counts.shape[0] == 0:
        raise InputError("no miRNA detected in any sample; nothing to normalise")
    empty = counts.columns[(counts.to_numpy() == 0).all(axis=0)]
    if len(empty):
        raise InputError(
            "sample has no counts at all, so it has no size factor; drop it",
            column=str(empty[0]),
            value=0,
        )
    kind = resolve_size_factor_type(counts, sf_type)
    x = counts.to_numpy(dtype=float)
    loggeo = _log_geometric_means(x, kind)
    if kind == "ratio" and not np.isfinite(loggeo).any():
        raise InputError(
            "every miRNA has a zero in some sample, so ratio size factors are undefined",
            value="ratio",
            allowed="size_factors: poscounts or auto",
        )
    sf = _median_ratios(x, loggeo)
    if kind == "poscounts":
        sf = sf / np.exp(np.mean(np.log(sf)))
    log.info("size factors (%s) for %d samples", kind, x.shape[1])
    return pd.Series(sf, index=counts.columns, name="size_factor")


def _log_geometric_means(x: np.ndarray, kind: str) -> np.ndarray:
    """Per-miRNA log geometric mean, -inf where the miRNA gives no ratio.

    ``ratio``: mean of log counts (-inf with any zero). ``poscounts`` (DESeq2's
    ``geoMeanNZ``): sum of log positive counts over n (all samples), -inf for all-zero rows.
    """
    with np.errstate(divide="ignore"):
        logx = np.log(x)
    if kind == "ratio":
        return logx.mean(axis=1)
    pos = np.where(x > 0, logx, 0.0)
    return np.where((x > 0).any(axis=1), pos.sum(axis=1) / x.shape[1], -np.inf)


def _median_ratios(x: np.ndarray, loggeo: np.ndarray) -> np.ndarray:
    """Per sample, exp(median(log count - log geometric mean)) over the miRNAs with a finite
    geometric mean and a positive count in that sample: ``estimateSizeFactorsForMatrix``'s
    one formula, for the training cohort's own means and for a stored reference alike."""
    with np.errstate(divide="ignore"):
        logx = np.log(x)
    sf = np.full(x.shape[1], np.nan)
    finite = np.isfinite(loggeo)
    for j in range(x.shape[1]):
        use = finite & (x[:, j] > 0)
        if use.any():
            sf[j] = np.exp(np.median(logx[use, j] - loggeo[use]))
    return sf


@dataclass(frozen=True)
class SizeFactorReference:
    """A training cohort's normalisation, kept so new samples land on its scale.

    ``geo_means``: per-miRNA geometric means of the training counts (the miRNAs that gave
    ratios there: finite means only); ``scale``: the constant the training factors were
    divided by (the geometric mean of their raw median ratios for ``poscounts``, 1 for
    ``ratio``, which DESeq2 does not rescale); ``kind``: the training factors' type.
    """

    geo_means: pd.Series
    scale: float
    kind: str


def size_factor_reference(
    counts: pd.DataFrame, sf_type: SizeFactorType = "auto"
) -> SizeFactorReference:
    """The reference of a training count matrix (filtered as for :func:`size_factors`);
    :func:`reference_size_factors` on the same matrix returns :func:`size_factors`."""
    size_factors(counts, sf_type)  # the same checks, so the same one-line errors
    kind = resolve_size_factor_type(counts, sf_type)
    x = counts.to_numpy(dtype=float)
    loggeo = _log_geometric_means(x, kind)
    raw = _median_ratios(x, loggeo)
    scale = float(np.exp(np.mean(np.log(raw)))) if kind == "poscounts" else 1.0
    finite = np.isfinite(loggeo)
    geo = pd.Series(np.exp(loggeo[finite]), index=counts.index[finite], name="geo_mean")
    return SizeFactorReference(geo_means=geo, scale=scale, kind=kind)


def reference_size_factors(
    counts: pd.DataFrame, reference: SizeFactorReference, *, rescale: str = "training"
) -> pd.Series:
    """Size factors of new samples against a training reference.

    ``rescale="cohort"`` is DESeq2's ``estimateSizeFactors(dds, geoMeans = g)``: median
    ratios to ``g``, then divided by their geometric mean over the samples given, so a
    sample's factor depends on which other samples are scored with it. ``"training"`` (what
    ``mirscope predict`` uses) divides by the training cohort's constant instead: each
    sample is on the training scale alone, and a training sample scored again gets its
    training factor exactly. The two differ by one constant per cohort.

    miRNAs of the reference that ``counts`` lacks count as zeros (they give no ratio);
    miRNAs not in the reference are ignored. A sample without a positive count among the
    reference miRNAs has no factor: an error naming it.
    """
    if rescale not in ("training", "cohort"):
        raise InputError("unknown rescaling", value=rescale, allowed="training, cohort")
    x = counts.reindex(reference.geo_means.index).fillna(0).to_numpy(dtype=float)
    loggeo = np.log(reference.geo_means.to_numpy(dtype=float))
    sf = _median_ratios(x, loggeo)
    missing = counts.columns[np.isnan(sf)]
    if len(missing):
        raise InputError(
            "sample has no positive count among the reference miRNAs, so it has no size factor",
            column=str(missing[0]),
        )
    sf = sf / (np.exp(np.mean(np.log(sf))) if rescale == "cohort" else reference.scale)
    return pd.Series(sf, index=counts.columns, name="size_factor")


def normalized_counts(counts: pd.DataFrame, sf: pd.Series) -> pd.DataFrame:
    """Counts divided by each sample's size factor (DESeq2 ``counts(dds, normalized=TRUE)``)."""
    return counts.astype(float).div(sf.reindex(counts.columns), axis=1)


def log2_table(normalized: pd.DataFrame, pseudocount: float = 1.0) -> pd.DataFrame:
    """log2(normalised + pseudocount): the scale of the heatmaps and clustering."""
    return np.log2(normalized + pseudocount)


def normalize(
    counts: pd.DataFrame, *, min_samples: int = 1, sf_type: SizeFactorType = "auto"
) -> tuple[pd.DataFrame, pd.Series]:
    """Filter detected miRNAs, then return (normalised counts, size factors)."""
    kept = filter_detected(counts, min_samples)
    sf = size_factors(kept, sf_type)
    return normalized_counts(kept, sf), sf

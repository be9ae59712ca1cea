"""One sample's reads for benchmarks and tests, and the model every simulated sample shares.

Kept apart from :mod:`mirscope.simulate.reads` (how reads are drawn and rendered) so that
drawing one sample needs the cohort's profile without the package importing itself.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from mirscope.errors import InputError
from mirscope.fetch.reference import Reference, load_reference
from mirscope.simulate.expression import Profile, build_profile
from mirscope.simulate.reads import (
    PLASMA_LIBRARY_MOLECULES,
    PLASMA_N_CALL_RATE,
    PROFILES,
    REAL_CLASS_FRACTIONS,
    REAL_FRESH_FRAGMENT_SHARE,
    REAL_MIRNA_LIBRARY_MOLECULES,
    REAL_OTHER_LIBRARY_MOLECULES,
    ReadModel,
    SampleTruth,
    draw_sample,
    non_mirna_pool,
    plasma_shares,
    render_reads,
)

#: Seed-stream tags of the shared model (the cohort's other streams are in the package).
_PROFILE, _POOL = 1, 2


@functools.lru_cache(maxsize=2)
def _reference() -> Reference:
    return load_reference("hsa")


def cohort_model(
    seed: int,
    *,
    preset: str = "qiaseq",
    read_length: int = 75,
    dup_mean: float = 4.0,
    reference: Reference | None = None,
) -> tuple[ReadModel, Profile]:
    """The plasma profile of ``seed`` and the read model built on it."""
    ref = reference or _reference()
    profile = build_profile(ref, np.random.default_rng([seed, _PROFILE]))
    pool, weights = non_mirna_pool(
        np.random.default_rng([seed, _POOL]), [ref.hairpin[h] for h in sorted(ref.hairpin)]
    )
    model = ReadModel(
        context=profile.context,
        left=profile.left,
        right=profile.right,
        pool=pool,
        pool_weights=weights,
        preset=preset,
        read_length=read_length,
        dup_mean=dup_mean,
    )
    return model, profile


def simulate_sample_reads(
    path: str | os.PathLike[str],
    n_reads: int,
    *,
    seed: int = 0,
    preset: str = "qiaseq",
    read_length: int = 75,
    dup_mean: float = 4.0,
    profile: str = "demo",
) -> SampleTruth:
    """Write one FASTQ.gz of exactly ``n_reads`` reads from the demo's plasma profile.

    For benchmarks: 2,000,000 reads take well under a minute. The sample has the
    baseline plasma profile of ``seed`` (no patient effects). Returns the truth: molecules
    and reads per miRNA (``truth.names`` gives the miRNA of each index) and reads per
    class. Same arguments -> byte-identical file.

    ``profile="plasma"`` gives what a real plasma library looks like at depth: a few
    dominant miRNAs (:data:`PLASMA_TOP_SHARES`), duplication rising with depth from a
    library of fixed size (:data:`PLASMA_LIBRARY_MOLECULES`, ``dup_mean`` unused) and rare
    N base calls. ``profile="real"`` adds what makes a real plasma library diverse: most
    valid reads are non-miRNA fragments, most of them with an insert of their own
    (:data:`mirscope.simulate.reads.REAL_CLASS_FRACTIONS`). The demo profile (default)
    is unchanged by these options.
    """
    if profile not in PROFILES:
        raise InputError("unknown profile", value=profile, allowed=", ".join(PROFILES))
    model, prof = cohort_model(seed, preset=preset, read_length=read_length, dup_mean=dup_mean)
    share = prof.share
    classes = None
    if profile in ("plasma", "real"):
        model.library_molecules = PLASMA_LIBRARY_MOLECULES
        model.n_call_rate = PLASMA_N_CALL_RATE
        share = plasma_shares(prof)
    if profile == "real":
        model.library_molecules = REAL_MIRNA_LIBRARY_MOLECULES
        model.other_library_molecules = REAL_OTHER_LIBRARY_MOLECULES
        model.fresh_fragment_share = REAL_FRESH_FRAGMENT_SHARE
        classes = REAL_CLASS_FRACTIONS
    rng = np.random.default_rng([seed, 1_000_003, n_reads])
    units, truth = draw_sample(model, share, n_reads, rng, classes)
    render_reads(model, units, rng, path)
    truth.names = list(prof.names)
    return truth

"""Directional UMI correction: hand-checked cases, dict vs vectorised path, and UMI-tools."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mirscope.counts.umi import (
    dedup_counts,
    directional_clusters,
    directional_heads,
    directional_heads_vectorised,
    hamming1_neighbours,
)

A = "ACGTACGTACGT"


def mutate(umi: str, pos: int, base: str) -> str:
    return umi[:pos] + base + umi[pos + 1 :]


def test_neighbours_are_all_one_substitution_away():
    nb = hamming1_neighbours("ACG")
    assert len(nb) == 3 * 4  # A/C/G/T/N minus the base itself, at each position
    assert len(set(nb)) == len(nb)
    assert all(sum(x != y for x, y in zip(n, "ACG", strict=True)) == 1 for n in nb)


def test_error_umi_folds_into_abundant_parent():
    b = mutate(A, 3, "A")  # one mismatch, 10 >= 2*2-1
    assert directional_clusters({A: 10, b: 2}) == 1


def test_similar_abundance_stays_two_molecules():
    c = mutate(A, 5, "A")  # 10 < 2*6-1: a second real molecule, not an error
    assert directional_clusters({A: 10, c: 6}) == 2


def test_threshold_is_inclusive():
    b = mutate(A, 0, "T")
    assert directional_clusters({A: 5, b: 3}) == 1  # 5 >= 2*3-1
    assert directional_clusters({A: 4, b: 3}) == 2  # 4 < 5


def test_chains_are_followed_but_two_mismatches_alone_are_not_linked():
    b = mutate(A, 0, "T")
    c = mutate(b, 6, "T")  # two mismatches from A
    assert directional_clusters({A: 10, b: 4, c: 2}) == 1
    assert directional_clusters({A: 10, c: 2}) == 2


def _random_groups(seed: int, n_groups: int = 40, with_n: bool = False):
    rng = np.random.default_rng(seed)
    groups, umis, reads = [], [], []
    for g in range(n_groups):
        # true molecules with skewed depth, then errored copies of some of them
        for _ in range(int(rng.integers(1, 60))):
            u = "".join(rng.choice(list("ACGT"), 8))
            depth = int(rng.geometric(0.05))
            groups.append(g)
            umis.append(u)
            reads.append(depth)
            for _e in range(int(rng.poisson(depth / 15))):
                pos = int(rng.integers(0, 8))
                base = "N" if with_n and rng.random() < 0.1 else str(rng.choice(list("ACGT")))
                groups.append(g)
                umis.append(mutate(u, pos, base))
                reads.append(int(rng.integers(1, 3)))
    return np.array(groups), np.array(umis, dtype=object), np.array(reads)


def _reference(groups, umis, reads):
    out = []
    for g in range(groups.max() + 1):
        pooled: dict[str, int] = {}
        for u, r in zip(umis[groups == g], reads[groups == g], strict=True):
            pooled[u] = pooled.get(u, 0) + int(r)
        out.append(directional_clusters(pooled))
    return np.array(out)


@pytest.mark.parametrize("with_n", [False, True])
def test_vectorised_path_equals_dict_algorithm(with_n):
    groups, umis, reads = _random_groups(3, with_n=with_n)
    got = dedup_counts(groups, umis, reads)
    want = _reference(groups, umis, reads)
    assert (got == want).all()
    # errors were really injected: correction removes molecules in some groups
    distinct = np.array([len(set(umis[groups == g])) for g in range(groups.max() + 1)])
    assert (got < distinct).any()


def test_same_umi_on_several_inserts_is_pooled_per_group():
    # One molecule seen as two inserts (isomiR + canonical) is one molecule of its miRNA;
    # the same UMI in another miRNA is another molecule.
    groups = np.array([0, 0, 1])
    umis = np.array([A, A, A], dtype=object)
    reads = np.array([3, 1, 2])
    assert dedup_counts(groups, umis, reads).tolist() == [1, 1]


def test_empty_input():
    assert dedup_counts(np.array([], dtype=int), np.array([], dtype=object), np.array([])).size == 0


BENCH_PY = Path(__file__).resolve().parents[1] / ".venv-bench" / "bin" / "python"

UMI_TOOLS_SNIPPET = """
import json, sys
from umi_tools.network import UMIClusterer
groups = json.load(sys.stdin)
cl = UMIClusterer(cluster_method="directional")
print(json.dumps([len(cl({u.encode(): c for u, c in g.items()}, threshold=1)) for g in groups]))
"""


def test_matches_umi_tools_directional():
    """The same clusters as UMI-tools' own UMIClusterer, run from the benchmark venv."""
    if not BENCH_PY.exists() or subprocess.run([BENCH_PY, "-c", "import umi_tools"]).returncode:
        pytest.skip(f"umi_tools not installed in {BENCH_PY.parent.parent} (see make bench)")
    groups, umis, reads = _random_groups(11, n_groups=25)
    pooled = []
    for g in range(groups.max() + 1):
        d: dict[str, int] = {}
        for u, r in zip(umis[groups == g], reads[groups == g], strict=True):
            d[u] = d.get(u, 0) + int(r)
        pooled.append(d)
    res = subprocess.run(
        [BENCH_PY, "-c", UMI_TOOLS_SNIPPET],
        input=json.dumps(pooled),
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = json.loads(res.stdout)
    ours = dedup_counts(groups, umis, reads).tolist()
    assert ours == theirs


def _dense_group(seed: int, n: int, error_rate: float):
    """One group of n true molecules with distinct random 12-nt UMIs, PCR-duplicated reads
    (over-dispersed, mean ~4) and per-base UMI sequencing errors; returns rows."""
    rng = np.random.default_rng(seed)
    codes = rng.choice(4**12, size=n, replace=False)
    letters = np.array(list("ACGT"))
    base = letters[(codes[:, None] >> (2 * np.arange(12)[::-1])) & 3]
    depth = 1 + rng.negative_binomial(1.5, 1.5 / 4.5, size=n)
    reads = np.repeat(np.arange(n), depth)
    seqs = base[reads].copy()
    errs = rng.random(seqs.shape) < error_rate
    seqs[errs] = letters[rng.integers(0, 4, size=int(errs.sum()))]
    umis = np.array(["".join(r) for r in seqs], dtype=object)
    uniq, counts = np.unique(umis, return_counts=True)
    return np.zeros(len(uniq), dtype=np.int64), uniq.astype(object), counts


@pytest.mark.parametrize("error_rate", [0.0, 0.003])
def test_collision_correction_restores_dense_groups(error_rate):
    n = 60_000  # miR-451a in a 2M-read QIAseq sample
    groups, umis, reads = _dense_group(5, n, error_rate)
    plain = int(dedup_counts(groups, umis, reads)[0])
    fixed = int(dedup_counts(groups, umis, reads, correct_collisions=True)[0])
    assert plain < 0.96 * n  # directional alone merges real molecules with close UMIs
    assert abs(fixed / n - 1) < 0.01


def test_collision_correction_is_negligible_for_shallow_groups():
    groups, umis, reads = _dense_group(6, 500, 0.003)
    plain = int(dedup_counts(groups, umis, reads)[0])
    fixed = int(dedup_counts(groups, umis, reads, correct_collisions=True)[0])
    assert abs(plain - 500) <= 2 and abs(fixed - plain) <= 1


def test_shared_distribution_equals_per_group_reference():
    """The reference read-count distribution built once gives what each group built it from."""
    from mirscope.counts.umi import ReadCountDistribution, collision_corrected

    rng = np.random.default_rng(2)
    reference = 1 + rng.negative_binomial(1.5, 0.3, size=5000)
    shared = ReadCountDistribution.from_counts(reference)
    for n in (10, 5000, 80_000):
        heads = 1 + rng.negative_binomial(1.5, 0.3, size=n)
        assert collision_corrected(heads, 12, shared) == collision_corrected(heads, 12, reference)
    assert collision_corrected(heads, 12, reference) > n  # dense: molecules are added back


def _plasma_group(seed: int, n: int, length: int, dup_mean: float, error_rate: float):
    """One deep group as a dominant plasma miRNA gives: n true molecules with distinct
    random UMIs, over-dispersed PCR duplicates, per-base UMI errors (some of them N calls),
    pooled to {UMI: reads}. Low ``dup_mean`` gives many ties (1- and 2-read UMIs, which
    link both ways); short UMIs make the neighbour graph dense, with long chains."""
    rng = np.random.default_rng(seed)
    codes = rng.choice(4**length, size=n, replace=False)
    letters = np.array(list("ACGT"))
    base = letters[(codes[:, None] >> (2 * np.arange(length)[::-1])) & 3]
    extra = dup_mean - 1
    depth = 1 + rng.negative_binomial(0.8, 0.8 / (0.8 + extra), size=n)
    seqs = base[np.repeat(np.arange(n), depth)]
    errs = rng.random(seqs.shape) < error_rate
    seqs[errs] = np.array(list("ACGTN"))[rng.choice(5, size=int(errs.sum()), p=[0.24] * 4 + [0.04])]
    umis, reads = np.unique(seqs.view(f"<U{length}").ravel(), return_counts=True)
    return dict(zip(umis.tolist(), reads.tolist(), strict=True))


DENSE_CASES = [
    # seed, true molecules, UMI length, mean reads per molecule, per-base error rate
    (1, 100_000, 12, 4.0, 0.003),  # miR-451a-like group at plasma depth, 12-nt QIAseq UMIs
    (2, 100_000, 12, 1.6, 0.003),  # shallow duplication: mostly 1- and 2-read ties
    (3, 30_000, 12, 8.0, 0.01),  # many errored copies per molecule
    (4, 40_000, 8, 1.5, 0.005),  # 8-nt UMIs, 60% of the UMI space: dense graph, long chains
    (5, 3_000, 6, 2.0, 0.01),  # 6-nt UMIs, near-saturated
    (6, 20_000, 10, 1.2, 0.002),  # almost all ties
]


@pytest.mark.parametrize(("seed", "n", "length", "dup_mean", "error_rate"), DENSE_CASES)
def test_vectorised_heads_equal_dict_walk_on_dense_groups(seed, n, length, dup_mean, error_rate):
    counts = _plasma_group(seed, n, length, dup_mean, error_rate)
    want = directional_heads(counts)
    got = directional_heads_vectorised(counts)
    assert got == want  # the same heads, in UMI-tools' order
    # the case is not trivial: most UMIs are absorbed or absorb, and ties are common
    assert len(want) < len(counts)
    values = np.array(list(counts.values()))
    assert (values == 1).sum() > 0.1 * len(values)
    # the production entry point (2-bit keys without N, 3-bit keys with) agrees as well
    umis = np.array(list(counts), dtype=object)
    reads = np.array(list(counts.values()))
    groups = np.zeros(len(umis), dtype=np.int64)
    assert dedup_counts(groups, umis, reads).tolist() == [len(want)]
    acgt = np.array(["N" not in u for u in umis])
    want_acgt = len(directional_heads(dict(zip(umis[acgt], reads[acgt], strict=True))))
    assert dedup_counts(groups[acgt], umis[acgt], reads[acgt]).tolist() == [want_acgt]


def test_many_groups_and_mixed_lengths_equal_dict_walk():
    """Several dense groups batched together, UMIs with N and of two lengths in one group."""
    parts = [_plasma_group(10 + g, 4000, 8, 2.0, 0.01) for g in range(5)]
    parts[2].update(_plasma_group(99, 500, 7, 2.0, 0.01))  # shorter UMIs never link
    groups = np.concatenate([np.full(len(p), g) for g, p in enumerate(parts)])
    umis = np.array([u for p in parts for u in p], dtype=object)
    reads = np.array([r for p in parts for r in p.values()])
    want = [len(directional_heads(p)) for p in parts]
    assert dedup_counts(groups, umis, reads).tolist() == want


def test_three_bit_codes_sort_as_strings_and_count_as_the_reference():
    """Tables with N calls are coded 3 bits per base (A<C<G<N<T, as strings sort), earlier
    2-bit chunks recoded; the counts equal the dict walk's."""
    from mirscope.counts.umi import code_umis, pack_umis, recode_packed

    groups, umis, reads = _random_groups(8, with_n=True)
    acgt = np.array(["N" not in u for u in umis])
    assert (recode_packed(pack_umis(umis[acgt]), 8) == code_umis(umis[acgt])).all()
    codes = code_umis(umis)
    order = np.argsort(codes, kind="stable")
    assert umis[order].tolist() == sorted(umis.tolist())
    got = dedup_counts(groups, codes, reads, umi_length=8, umi_bits=3)
    assert (got == _reference(groups, umis, reads)).all()
    assert code_umis(np.array(["ACGT", "ACGX"], dtype=object)) is None
    assert code_umis(np.array(["ACGT", "ACG"], dtype=object)) is None

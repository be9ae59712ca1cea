"""UMI error correction: directional adjacency, as UMI-tools ``dedup --method directional``.

Why: a PCR duplicate whose UMI picked up a sequencing error looks like a new molecule;
counting distinct UMIs then overcounts abundant miRNAs. UMI-tools' directional method
(Smith et al. 2017) links UMI ``a -> b`` when they differ at exactly one position
(Hamming distance 1) and ``count(a) >= 2 * count(b) - 1``; every UMI reachable from a more
abundant one is folded into it, and each resulting cluster is one molecule.

We apply it within each (sample, group) where a group is a mature miRNA (or a hairpin),
pooling the UMIs of all inserts assigned to it: an isomiR read and a canonical read of the
same molecule share their UMI, and errors in the insert must not split a molecule.

Speed: UMI-tools compares all pairs, which is quadratic per group (it is what makes
nf-core/smrnaseq slow on deep samples). Here a UMI only meets its one-mismatch neighbours:
UMIs are packed 2 bits per base (3 bits when a UMI has an ``N``) into one integer with the
group id in the high bits, and for each of the L positions the keys with that position
blanked are sorted, so that keys one substitution apart become equal neighbours (the same
pairs as looking up the ``3 * L`` one-mismatch variants of every UMI in a dict, in L
vectorised sorts). The cluster walk is replaced by what it computes: a UMI heads a cluster
exactly when no UMI earlier in UMI-tools' order reaches it, which the edge arrays give
directly (:func:`_head_mask`). There is no per-UMI Python loop, which matters because
plasma is dominated by a few miRNAs (miR-451a, miR-486-5p, miR-16-5p) whose groups hold
hundreds of thousands of UMIs, most of them with an edge. Groups with UMIs holding other
characters than A/C/G/T/N, or longer than :data:`MAX_CODED_LENGTH`, use
:func:`directional_clusters`, the plain dict version of the same algorithm, which is also
the reference the vectorised path is tested against.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

#: Longest UMI packed into the 64-bit keys (2 bits/base; the high bits hold the group id).
MAX_PACKED_LENGTH = 20
#: Rows deduplicated together (whole groups); bounds temporary memory.
BATCH_ROWS = 1_000_000
_CODE = np.full(256, 255, dtype=np.uint8)
for _i, _b in enumerate(b"ACGT"):
    _CODE[_b] = _i


def hamming1_neighbours(umi: str) -> list[str]:
    """All sequences one substitution (A/C/G/T/N) away from ``umi``."""
    out = []
    for i, base in enumerate(umi):
        for alt in "ACGTN":
            if alt != base:
                out.append(umi[:i] + alt + umi[i + 1 :])
    return out


def _edges(counts: dict[str, int]) -> dict[str, list[str]]:
    """Directed edges a -> b (Hamming 1, count(a) >= 2*count(b) - 1) by dict lookup."""
    edges: dict[str, list[str]] = {}
    for a, ca in counts.items():
        for b in hamming1_neighbours(a):
            cb = counts.get(b)
            if cb is not None and ca >= 2 * cb - 1:
                edges.setdefault(a, []).append(b)
    return edges


def _walk(nodes: list[str], counts: dict[str, int], edges: dict[str, list[str]]) -> list[str]:
    """Cluster heads, visiting nodes as UMI-tools does.

    Nodes are taken by decreasing count (ties by sequence, for determinism); each unseen
    node starts a cluster (its head) that absorbs everything reachable along directed edges.
    """
    seen: set[str] = set()
    heads = []
    for node in sorted(nodes, key=lambda u: (-counts[u], u)):
        if node in seen:
            continue
        heads.append(node)
        seen.add(node)
        stack = [node]
        while stack:
            cur = stack.pop()
            for nxt in edges.get(cur, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
    return heads


def directional_heads(counts: dict[str, int]) -> list[str]:
    """The cluster heads (one per molecule) among UMIs with read ``counts`` (one group)."""
    if len(counts) <= 1:
        return list(counts)
    return _walk(list(counts), counts, _edges(counts))


def directional_clusters(counts: dict[str, int]) -> int:
    """Molecules among UMIs with read ``counts`` (one group), by directional adjacency."""
    return len(directional_heads(counts))


#: Fewest shallow-group molecules needed to use their read-count distribution.
MIN_REFERENCE_MOLECULES = 500
#: A group is "shallow" (collisions negligible) when 3L*C/K is below this.
SHALLOW_DENSITY = 0.01


@dataclass(frozen=True)
class ReadCountDistribution:
    """Shares of molecules by distinct read count r, and the absorbing shares A(r).

    Built once per sample from the reference heads and shared by every group: rebuilding
    it per group sorted the whole reference once per miRNA (seconds on a 2M-read sample).
    """

    weights: np.ndarray
    absorbing: np.ndarray

    @classmethod
    def from_counts(cls, read_counts: np.ndarray) -> ReadCountDistribution:
        r = np.sort(np.asarray(read_counts, dtype=np.int64))
        n = len(r)
        # The distribution as (distinct read count, weight): a few hundred values at most.
        values, weights = np.unique(r, return_counts=True)
        weights = weights / n
        share = (n - np.searchsorted(r, 2 * values - 1, side="left")) / n  # S(2r-1)
        if values[0] == 1:
            share[0] = (n - np.searchsorted(r, 2, side="left")) / n + weights[0] / 2
        return cls(weights, share)


def collision_corrected(
    head_counts: np.ndarray,
    umi_length: int,
    reference: np.ndarray | ReadCountDistribution | None = None,
) -> float:
    """Molecules of one group after adding back true molecules merged by chance.

    Directional adjacency cannot tell a sequencing error from a second real molecule whose
    UMI happens to lie one substitution away from a more abundant one. With M molecules
    drawing UMIs uniformly from K = 4**L, each has on average lambda = 3L*M/K true
    neighbours; one with r reads is absorbed by a neighbour with at least 2r-1 reads, so it
    is lost with probability p(r) = 1 - exp(-lambda * A(r)), A(r) = S(2r-1) the share of
    molecules with >= 2r-1 reads (for r = 1, two 1-read neighbours absorb each other and
    one survives: A(1) = S(2) + f(1)/2). Identical UMIs lose another M**2/(2K). We solve

        C = M - M * mean_r p(r) - M**2/(2K)

    for M by bisection, C being the cluster count. The read-count distribution f (and S)
    is taken from ``reference`` (heads, or their :class:`ReadCountDistribution`), the
    cluster heads of the sample's shallow groups (where collisions are negligible, so
    heads are the molecules), because PCR duplication does not depend on the miRNA;
    without enough of them, from this group's own heads.

    Negligible for shallow groups (12-nt UMIs: < 0.5% below ~5,000 molecules); restores
    the ~5-8% plain directional loses on miR-451a-like groups of ~70,000 molecules (2M
    reads) and most of the ~15-25% it loses at ~700,000 molecules (20M reads).
    """
    c = len(head_counts)
    if c == 0:
        return 0.0
    k = 4.0**umi_length
    if reference is None:
        reference = head_counts
    if not isinstance(reference, ReadCountDistribution):
        reference = ReadCountDistribution.from_counts(reference)
    weights, share = reference.weights, reference.absorbing

    def observed(m: float) -> float:
        lam = 3 * umi_length * m / k
        lost = float(np.dot(weights, -np.expm1(-lam * share)))
        return m - m * lost - m * m / (2 * k)

    lo, hi = float(c), float(c)
    while observed(hi) < c and hi < 50 * c:
        hi *= 1.25
    if observed(hi) < c:
        return hi  # beyond what 4**L UMIs can resolve; the largest estimate tried
    for _ in range(60):
        mid = (lo + hi) / 2
        if observed(mid) < c:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _pack(umis: np.ndarray, length: int) -> np.ndarray:
    """Pack equal-length ACGT UMIs (an array of str) 2 bits per base into uint64."""
    raw = np.frombuffer("".join(umis.tolist()).encode("ascii"), dtype=np.uint8)
    codes = _CODE[raw].reshape(len(umis), length)  # uint8: 1 byte per base
    packed = np.zeros(len(umis), dtype=np.uint64)
    for i in range(length):
        packed = (packed << np.uint64(2)) | codes[:, i].astype(np.uint64)
    return packed


def pack_umis(umis: np.ndarray) -> np.ndarray | None:
    """UMIs packed 2 bits per base (uint64), or None unless all are ACGT, of one length and
    at most :data:`MAX_PACKED_LENGTH` long. Packed UMIs take 8 bytes instead of ~60."""
    umis = np.asarray(umis, dtype=object)
    if not len(umis):
        return np.zeros(0, dtype=np.uint64)
    length = len(umis[0])
    if not 0 < length <= MAX_PACKED_LENGTH:
        return None
    joined = "".join(umis.tolist())
    # strip() leaves the span between the first and last non-ACGT character: empty iff
    # every base is A/C/G/T.
    if len(joined) != length * len(umis) or joined.strip("ACGT") != "":
        return None
    if not (np.fromiter(map(len, umis), dtype=np.int64, count=len(umis)) == length).all():
        return None
    return _pack(umis, length)


def code_umis(umis: np.ndarray) -> np.ndarray | None:
    """UMIs coded 3 bits per base (uint64), or None unless all are A/C/G/N/T, of one length
    and at most :data:`MAX_CODED_LENGTH` long.

    For tables whose UMIs include ``N`` calls (real runs have a few): they keep 8 bytes
    per UMI and the vectorised path instead of falling back to Python strings. The codes
    order A < C < G < N < T, as the strings sort, so ties are broken as for strings.
    """
    umis = np.asarray(umis, dtype=object)
    if not len(umis):
        return np.zeros(0, dtype=np.uint64)
    length = len(umis[0])
    if not 0 < length <= MAX_CODED_LENGTH:
        return None
    raw = np.frombuffer("".join(umis.tolist()).encode("utf-8"), dtype=np.uint8)
    if len(raw) != length * len(umis) or (_CODE5[raw] == 255).any():
        return None
    if not (np.fromiter(map(len, umis), dtype=np.int64, count=len(umis)) == length).all():
        return None
    return _pack_acgtn(umis, length)


def recode_packed(packed: np.ndarray, length: int) -> np.ndarray:
    """UMIs packed 2 bits per base (:func:`pack_umis`) as 3-bit codes (:func:`code_umis`),
    for when a later chunk of a table turns out to hold ``N``."""
    packed = np.asarray(packed, dtype=np.uint64)
    out = np.zeros(len(packed), dtype=np.uint64)
    for i in range(length):
        base = (packed >> np.uint64(2 * (length - 1 - i))) & np.uint64(3)
        base[base == 3] = 4  # T after N
        out = (out << np.uint64(3)) | base
    return out


def dedup_counts(
    groups: np.ndarray,
    umis: np.ndarray,
    reads: np.ndarray,
    *,
    correct_collisions: bool = False,
    umi_length: int | None = None,
    umi_bits: int = 2,
) -> np.ndarray:
    """Molecules per group after directional UMI correction.

    ``groups`` are integer group ids (0..G-1), ``umis`` the UMI strings (or UMIs packed by
    :func:`pack_umis`, or with ``umi_bits=3`` coded by :func:`code_umis`, then with
    ``umi_length``) and ``reads`` their read counts; the same
    (group, UMI) may appear on several rows (different inserts) and is pooled first.
    Returns an int64 array of length ``max(groups) + 1``: the number of directional
    clusters, or with ``correct_collisions`` that number plus the expected true molecules
    merged by chance (:func:`collision_corrected`), rounded.
    """
    packed = np.asarray(umis).dtype == np.uint64
    if packed:
        if umi_length is None:
            raise ValueError("packed UMIs need umi_length")
        heads = _dedup_heads_packed(groups, umis, reads, umi_length, umi_bits)
        length = umi_length
    else:
        heads = _dedup_heads(groups, umis, reads)
        length = len(umis[0]) if len(umis) else 0
    n_groups = len(heads)
    if not correct_collisions:
        return np.array([len(h) for h in heads], dtype=np.int64)
    shallow = SHALLOW_DENSITY * 4.0**length / (3 * max(length, 1))
    pooled = [h for h in heads if len(h) <= shallow]
    reference = np.concatenate(pooled) if pooled else np.zeros(0, dtype=np.int64)
    distribution = (
        ReadCountDistribution.from_counts(reference)
        if len(reference) >= MIN_REFERENCE_MOLECULES
        else None
    )
    out = np.zeros(n_groups, dtype=np.int64)
    for g, h in enumerate(heads):
        out[g] = int(np.rint(collision_corrected(h, length, distribution))) if len(h) else 0
    return out


def _batches(sorted_groups: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges of whole groups, about BATCH_ROWS rows each (a larger group alone)."""
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    bounds = [0]
    for start in starts.tolist()[1:]:
        if start - bounds[-1] >= BATCH_ROWS:
            bounds.append(start)
    bounds.append(len(sorted_groups))
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _collect(result: list[list[np.ndarray]]) -> list[np.ndarray]:
    empty = np.array([], dtype=np.int64)
    return [np.concatenate(parts) if parts else empty for parts in result]


def _dedup_heads_packed(
    groups: np.ndarray, packed: np.ndarray, reads: np.ndarray, length: int, bits: int = 2
) -> list[np.ndarray]:
    """Read counts of the directional cluster heads, one array per group (packed UMIs)."""
    groups = np.asarray(groups, dtype=np.int64)
    if not len(groups):
        return []
    reads = np.asarray(reads, dtype=np.int64)
    result: list[list[np.ndarray]] = [[] for _ in range(int(groups.max()) + 1)]
    # Whole groups in batches of about BATCH_ROWS rows: the temporary arrays of the
    # neighbour search then stay small however deep the sample is.
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    for lo, hi in _batches(sorted_groups):
        rows = order[lo:hi]
        _dedup_keys(sorted_groups[lo:hi], packed[rows], reads[rows], length, bits, result)
    return _collect(result)


def _dedup_heads(groups: np.ndarray, umis: np.ndarray, reads: np.ndarray) -> list[np.ndarray]:
    """Read counts of the directional cluster heads, one array per group (UMI strings).

    UMIs with ``N`` (a base call, and so a fifth letter for the Hamming distance, as in
    UMI-tools) or of unequal lengths take the same vectorised path with 3 bits per base;
    only groups with other characters or UMIs too long to pack use the dict reference.
    """
    groups = np.asarray(groups, dtype=np.int64)
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    result: list[list[np.ndarray]] = [[] for _ in range(n_groups)]
    if not len(groups):
        return []
    umis = np.asarray(umis, dtype=object)
    reads = np.asarray(reads, dtype=np.int64)
    lengths = np.fromiter(map(len, umis), dtype=np.int64, count=len(umis))
    joined = "".join(umis.tolist())
    # strip() leaves the span between the first and last non-ACGT character: empty iff
    # every UMI is pure ACGT (the usual case, checked in C over one joined string).
    length = int(lengths[0])
    if joined.strip("ACGT") == "" and (lengths == length).all() and 0 < length <= MAX_PACKED_LENGTH:
        return _dedup_heads_packed(groups, _pack(umis, length), reads, length)
    coded = code_umis(umis)
    if coded is not None:
        return _dedup_heads_packed(groups, coded, reads, length, 3)
    bad_row = np.fromiter(
        (u.strip("ACGTN") != "" or not 0 < len(u) <= MAX_CODED_LENGTH for u in umis),
        dtype=bool,
        count=len(umis),
    )
    slow_groups = np.unique(groups[bad_row])
    for g in slow_groups.tolist():
        rows = np.flatnonzero(groups == g)
        pooled: dict[str, int] = defaultdict(int)
        for u, r in zip(umis[rows].tolist(), reads[rows].tolist(), strict=True):
            pooled[u] += r
        heads = directional_heads(dict(pooled))
        result[g].append(np.array([pooled[u] for u in heads], dtype=np.int64))
    fast = ~np.isin(groups, slow_groups)
    # UMIs of different lengths are never one substitution apart: each length on its own.
    for ulen in np.unique(lengths[fast]).tolist():
        sel = np.flatnonzero(fast & (lengths == ulen))
        order = sel[np.argsort(groups[sel], kind="stable")]
        sorted_groups = groups[order]
        for lo, hi in _batches(sorted_groups):
            rows = order[lo:hi]
            codes = _pack_acgtn(umis[rows], ulen)
            _dedup_keys(sorted_groups[lo:hi], codes, reads[rows], ulen, 3, result)
    return _collect(result)


#: Longest UMI coded 3 bits per base (A, C, G, N, T in string order) in a 64-bit key.
MAX_CODED_LENGTH = 21
_CODE5 = np.full(256, 255, dtype=np.uint8)
for _i, _b in enumerate(b"ACGNT"):
    _CODE5[_b] = _i


def _pack_acgtn(umis: np.ndarray, length: int) -> np.ndarray:
    """Equal-length A/C/G/N/T UMIs 3 bits per base (uint64); integer order = string order."""
    raw = np.frombuffer("".join(umis.tolist()).encode("ascii"), dtype=np.uint8)
    codes = _CODE5[raw].reshape(len(umis), length)
    packed = np.zeros(len(umis), dtype=np.uint64)
    for i in range(length):
        packed = (packed << np.uint64(3)) | codes[:, i].astype(np.uint64)
    return packed


def _dedup_keys(
    groups: np.ndarray,
    codes: np.ndarray,
    reads: np.ndarray,
    length: int,
    bits: int,
    result: list[list[np.ndarray]],
) -> None:
    """Append to ``result[g]`` the read counts of the cluster heads of every group g.

    ``groups``: sorted. ``codes``: per row, the UMI packed ``bits`` per base (equal
    lengths); rows of one (group, UMI) are pooled first. The group goes into the key's high
    bits, as a dense id within this batch so that the widest codes still leave room for it.
    """
    change = groups[1:] != groups[:-1]
    present = groups[np.flatnonzero(np.r_[True, change])]
    dense = np.r_[0, np.cumsum(change)]
    code_bits = bits * length
    per_key = 1 << (64 - code_bits)  # groups that fit in the high bits of one key
    if len(present) > per_key:
        for lo in range(0, len(present), per_key):
            sel = (dense >= lo) & (dense < lo + per_key)
            _dedup_keys(groups[sel], codes[sel], reads[sel], length, bits, result)
        return
    shift = np.uint64(code_bits)
    keys = (dense.astype(np.uint64) << shift) | codes.astype(np.uint64)
    order = np.argsort(keys)
    keys = keys[order]
    first = np.r_[True, keys[1:] != keys[:-1]]
    counts = np.add.reduceat(reads[order], np.flatnonzero(first)).astype(np.int64)
    keys = keys[first]
    del order, first
    key_group = (keys >> shift).astype(np.int64)
    src, dst = _one_mismatch_pairs(keys, length, bits)
    directed = counts[src] >= 2 * counts[dst] - 1
    head = _head_mask(counts, src[directed], dst[directed])
    heads = np.flatnonzero(head)  # keys are sorted, so heads come grouped by group
    head_group = key_group[heads]
    starts = np.flatnonzero(np.r_[True, head_group[1:] != head_group[:-1]])
    ends = np.r_[starts[1:], len(heads)]
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        result[int(present[head_group[lo]])].append(counts[heads[lo:hi]])


def _one_mismatch_pairs(keys: np.ndarray, length: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (both directions) of unique sorted ``keys`` that differ at one base only.

    For each position, blank that base's bits and sort: keys equal after blanking differ
    at that position only (keys are unique), so each pair is found at exactly one
    position. L sorts of the keys instead of a dict lookup of every one-substitution
    variant of every UMI.
    """
    src_parts, dst_parts = [], []
    mask = np.uint64((1 << bits) - 1)
    for p in range(length):
        blanked = keys & ~(mask << np.uint64(bits * p))
        # keys are sorted, so blanked keys are runs of sorted keys: timsort merges them
        order = np.argsort(blanked, kind="stable")
        srt = blanked[order]
        d = 1
        while d < len(srt):
            eq = np.flatnonzero(srt[d:] == srt[:-d])
            if not len(eq):
                break
            a, b = order[eq], order[eq + d]
            src_parts += [a, b]
            dst_parts += [b, a]
            d += 1
    if not src_parts:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    return np.concatenate(src_parts), np.concatenate(dst_parts)


def _head_mask(counts: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Which keys head a directional cluster, given the directed edges ``src -> dst``.

    UMI-tools takes the UMIs by decreasing count (ties here by sequence, i.e. by key) and
    lets each unseen one absorb everything reachable from it. So a UMI heads a cluster
    exactly when no UMI earlier in that order reaches it. An edge ``a -> b`` needs
    ``count(a) >= 2 * count(b) - 1``: unless both have one read, ``a`` has more reads, is
    earlier, and absorbs ``b``; so any UMI with an incoming edge from a more abundant one is
    absorbed, and no walk is needed. 1-read UMIs one substitution apart link both ways;
    each connected set of them is absorbed whole if any member has such an incoming edge,
    else its first member in key order heads it (scipy's connected components). This is
    exactly what the walk computes, in a few array passes however deep the group.
    """
    head = np.ones(len(counts), dtype=bool)
    if not len(src):
        return head
    head[dst[counts[src] > counts[dst]]] = False
    ones = (counts[src] == 1) & (counts[dst] == 1)
    if ones.any():
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        s, d = src[ones], dst[ones]
        member = np.zeros(len(counts), dtype=bool)
        member[s] = True  # both directions are present, so every member is a source
        nodes = np.flatnonzero(member)
        local = np.searchsorted(nodes, s), np.searchsorted(nodes, d)
        m = len(nodes)
        graph = coo_matrix((np.ones(len(s), dtype=np.int8), local), shape=(m, m)).tocsr()
        n_comp, comp = connected_components(graph, directed=False)
        absorbed = np.zeros(n_comp, dtype=bool)
        absorbed[comp[~head[nodes]]] = True
        # nodes are in key order: the first member of each set is its lowest index
        first = np.full(n_comp, m, dtype=np.int64)
        np.minimum.at(first, comp, np.arange(m))
        head[nodes] = False
        head[nodes[first[~absorbed]]] = True
    return head


def directional_heads_vectorised(counts: dict[str, int]) -> list[str]:
    """:func:`directional_heads` by the vectorised path, in the same (UMI-tools) order.

    The production path only needs the heads' read counts; this returns the UMIs
    themselves so that the two implementations can be compared head for head.
    """
    if not counts:
        return []
    umis = np.array(list(counts), dtype=object)
    reads = np.fromiter(counts.values(), dtype=np.int64, count=len(umis))
    length = len(umis[0])
    if any(len(u) != length for u in umis) or "".join(umis.tolist()).strip("ACGTN"):
        raise ValueError("equal-length A/C/G/T/N UMIs only")
    keys = _pack_acgtn(umis, length)
    order = np.argsort(keys)
    keys, umis, reads = keys[order], umis[order], reads[order]
    src, dst = _one_mismatch_pairs(keys, length, 3)
    directed = reads[src] >= 2 * reads[dst] - 1
    head = np.flatnonzero(_head_mask(reads, src[directed], dst[directed]))
    head = head[np.lexsort((keys[head], -reads[head]))]
    return umis[head].tolist()

"""Molecules to sequencing reads: QIAseq (and TruSeq / NEXTflex) FASTQ.gz, vectorised.

Why a simulator of reads and not only of counts: the trimming, UMI and counting stages are
judged against a known truth, so every artefact they must handle is produced here, with
the class of every read recorded:

``valid``
    a miRNA molecule: an isomiR of a mature miRNA (templated 5'/3' shifts of 1-2 nt cut
    from the hairpin, never shorter than :data:`MIN_VALID_INSERT`; 1-2 non-templated 3'
    A/T), then the 3' adapter, a 12-nt UMI unique to the molecule, the Illumina adapter
    and padding. Each molecule is read several times (PCR duplicates: one read plus a
    gamma-weighted multinomial share of the rest, so reads per molecule are
    over-dispersed with mean ``dup_mean``).
``adapter_dimer``
    empty insert: the read starts with the 3' adapter.
``too_short``
    inserts of 1-15 nt (miRNA fragments and random sequence), with UMIs and duplicates.
``non_mirna``
    20-40 nt inserts from a pool of other-RNA-like random sequences that share no 12-mer
    with any miRBase hairpin (either strand), so they cannot align to miRBase.
``no_adapter``
    a long insert filling the whole read.
``umi_incomplete``
    a long non-miRNA insert whose adapter is complete but whose UMI runs off the read end
    (0-11 nt of UMI).

Sequencing errors are substitutions at ~0.1-0.5% per base (rising along the read) placed
anywhere, UMI and adapters included, with lower quality scores at the error positions.
Reads are written in random order with Illumina-style names, Phred+33 qualities, gzip
with mtime 0 and no file name, so the same seed gives byte-identical files.

The API for benchmarks is :func:`simulate_sample_reads`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
from isal import igzip

from mirscope.errors import InputError
from mirscope.io import atomic_path

BASES = np.frombuffer(b"ACGT", dtype=np.uint8)
QIASEQ_ADAPTER = "AACTGTAGGCACCATCAAT"
QIASEQ_TAIL = "AGATCGGAAGAGCACACGTCTGAACTCCAGTCAC"
TRUSEQ_ADAPTER = "TGGAATTCTCGGGTGCCAAGG"
TRUSEQ_TAIL = "AACTCCAGTCAC"
P7_END = "ATCTCGTATGCCGTCTTCTGCTTG"
UMI_LENGTH = 12
NEXTFLEX_RANDOM = 4

PRESETS = ("qiaseq", "illumina", "nextflex")
#: Shortest read that holds the longest isomiR insert, adapter and UMI.
MIN_READ_LENGTH = {"qiaseq": 60, "illumina": 50, "nextflex": 58}

READ_CLASSES = (
    "valid",
    "adapter_dimer",
    "too_short",
    "non_mirna",
    "no_adapter",
    "umi_incomplete",
)
#: Mean fraction of reads per class (per-sample fractions vary around these).
CLASS_FRACTIONS = {
    "valid": 0.74,
    "adapter_dimer": 0.03,
    "too_short": 0.12,
    "non_mirna": 0.08,
    "no_adapter": 0.02,
    "umi_incomplete": 0.01,
}

#: isomiR probabilities: 5' offset (-2..+2; negative = extended), 3' offset, 3' NTA length.
P_SHIFT5 = np.array([0.01, 0.04, 0.90, 0.04, 0.01])
P_SHIFT3 = np.array([0.05, 0.17, 0.55, 0.17, 0.06])
P_NTA = np.array([0.85, 0.12, 0.03])
#: Shortest templated part of a valid miRNA insert: the kits' minimum insert length (the
#: trimmers' default ``min_length``). Shorter pieces are the ``too_short`` class, so a 3'
#: trim that would cut a short miRNA (miR-4310, 16 nt) below it is reduced; without this
#: the truth would count molecules no trimmer with the default keeps.
MIN_VALID_INSERT = 16

#: Reads rendered per vectorised chunk (bounds memory: ~0.3 GB at 75 nt).
CHUNK = 200_000


@dataclass
class SampleTruth:
    """What one simulated FASTQ really contains.

    ``molecules``/``reads``: per miRNA index (into the profile's names) the number of
    distinct valid molecules and of their reads. ``classes``: reads per read class.
    """

    molecules: np.ndarray
    reads: np.ndarray
    classes: dict[str, int] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)


def encode(seq: str) -> np.ndarray:
    """ACGT string -> uint8 codes 0..3."""
    lut = np.full(256, 255, dtype=np.uint8)
    lut[BASES] = np.arange(4, dtype=np.uint8)
    return lut[np.frombuffer(seq.encode("ascii"), dtype=np.uint8)]


def _kmers(seq: str, k: int) -> set[str]:
    return {seq[i : i + k] for i in range(len(seq) - k + 1)}


def _revcomp(seq: str) -> str:
    return seq[::-1].translate(str.maketrans("ACGTN", "TGCAN"))


def non_mirna_pool(
    rng: np.random.Generator, hairpins: list[str], size: int = 3000, k: int = 12
) -> tuple[list[str], np.ndarray]:
    """Other-RNA-like inserts (20-40 nt) sharing no k-mer with any hairpin, and weights.

    The weights are Zipf-like (plasma 'other RNA' is dominated by a few Y RNA and tRNA
    fragments).
    """
    forbidden: set[str] = set()
    for hp in hairpins:
        forbidden |= _kmers(hp, k)
        forbidden |= _kmers(_revcomp(hp), k)
    pool: list[str] = []
    while len(pool) < size:
        length = int(rng.integers(20, 41))
        seq = BASES[rng.integers(0, 4, size=length)].tobytes().decode()
        if _kmers(seq, k).isdisjoint(forbidden):
            pool.append(seq)
    weights = 1.0 / np.arange(1, size + 1) ** 1.1
    return pool, weights / weights.sum()


@dataclass
class ReadModel:
    """Everything a sample's reads are drawn from (shared by all samples of a cohort).

    ``context``: per miRNA, mature sequence with ``left``/``right`` hairpin flanks.
    """

    context: list[str]
    left: np.ndarray
    right: np.ndarray
    pool: list[str]
    pool_weights: np.ndarray
    preset: str = "qiaseq"
    read_length: int = 75
    dup_mean: float = 4.0
    error_rate: tuple[float, float] = (0.001, 0.005)
    #: When set, valid molecules are drawn from a library of this many (see
    #: :func:`_library_molecules`) instead of ``reads / dup_mean``.
    library_molecules: float | None = None
    #: Per-base probability of an ``N`` base call (quality ``#``), anywhere in the read.
    n_call_rate: float = 0.0
    #: When set, non-miRNA molecules are drawn from a library of this many, and a share
    #: :attr:`fresh_fragment_share` of them carry an insert of their own (a random
    #: fragment, see :data:`REAL_FRESH_FRAGMENT_SHARE`) instead of one from ``pool``.
    other_library_molecules: float | None = None
    fresh_fragment_share: float = 0.0

    def __post_init__(self) -> None:
        if self.preset not in PRESETS:
            raise InputError("--preset: unknown kit", value=self.preset, allowed=", ".join(PRESETS))
        if self.read_length < MIN_READ_LENGTH[self.preset]:
            raise InputError(
                "--read-length too short for the preset's insert + adapter + UMI",
                value=self.read_length,
                allowed=f">= {MIN_READ_LENGTH[self.preset]} for {self.preset}",
            )
        width = max(len(c) for c in self.context)
        self._ctx = np.zeros((len(self.context), width), dtype=np.uint8)
        self._ctx_len = np.array([len(c) for c in self.context], dtype=np.int64)
        for i, c in enumerate(self.context):
            self._ctx[i, : len(c)] = encode(c)
        pw = max(len(p) for p in self.pool)
        self._pool = np.zeros((len(self.pool), pw), dtype=np.uint8)
        self._pool_len = np.array([len(p) for p in self.pool], dtype=np.int64)
        for i, p in enumerate(self.pool):
            self._pool[i, : len(p)] = encode(p)


def _n_molecules(n_reads: int, dup_mean: float) -> int:
    """Molecules behind ``n_reads`` reads: about ``n_reads / dup_mean``, >= 1 if any read."""
    return 0 if n_reads == 0 else min(n_reads, max(1, int(round(n_reads / dup_mean))))


#: Shape of the gamma weights of the library's molecules (PCR over-dispersion).
LIBRARY_SHAPE = 0.8


def _library_molecules(n_reads: int, library: float) -> int:
    """Distinct molecules seen among ``n_reads`` reads sampled from a library of ``library``
    molecules with gamma(``LIBRARY_SHAPE``) weights: ``M * (1 - (1 + n/(M k))**-k)``.

    Why: a real library has a fixed number of molecules, so duplication rises with depth
    (a 50,000-read subsample of a plasma library is almost duplicate-free, the full run is
    not); a fixed ``dup_mean`` would give the same duplication at every depth.
    """
    if n_reads == 0:
        return 0
    k = LIBRARY_SHAPE
    seen = library * (1.0 - (1.0 + n_reads / (library * k)) ** -k)
    return min(n_reads, max(1, int(round(seen))))


def _reads_per_molecule(rng: np.random.Generator, n_reads: int, n_mol: int) -> np.ndarray:
    """Split ``n_reads`` over ``n_mol`` molecules, each >= 1, over-dispersed (PCR)."""
    if n_mol == 0:
        return np.zeros(0, dtype=np.int64)
    w = rng.gamma(0.8, size=n_mol)
    extra = rng.multinomial(n_reads - n_mol, w / w.sum())
    return 1 + extra


def _unique_umis(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct random UMIs as integers below 4**12."""
    umis = np.unique(rng.integers(0, 4**UMI_LENGTH, size=n))
    while len(umis) < n:
        more = rng.integers(0, 4**UMI_LENGTH, size=n - len(umis))
        umis = np.unique(np.concatenate([umis, more]))
    return rng.permutation(umis)[:n] if len(umis) > n else rng.permutation(umis)


def _umi_codes(umis: np.ndarray) -> np.ndarray:
    shifts = 2 * np.arange(UMI_LENGTH - 1, -1, -1)
    return ((umis[:, None] >> shifts[None, :]) & 3).astype(np.uint8)


class _Units:
    """Insert table of molecules (or single reads): codes, lengths, UMI, class, miRNA."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, ins, ins_len, umi, umi_len, cls, mirna, reads) -> None:
        n = len(ins_len)
        if n == 0:
            return
        table = np.zeros((n, self.width), dtype=np.uint8)
        table[:, : ins.shape[1]] = ins[:, : self.width]
        self.parts.append(
            (
                table,
                ins_len,
                umi,
                np.full(n, umi_len) if np.isscalar(umi_len) else umi_len,
                np.full(n, cls),
                mirna,
                reads,
            )
        )

    def arrays(self):
        cols = list(zip(*self.parts, strict=True))
        return [np.concatenate(c) for c in cols]


def _gather_inserts(
    src: np.ndarray, start: np.ndarray, length: np.ndarray, width: int
) -> np.ndarray:
    """Rows ``src[i, start_i : start_i + length_i]`` left-aligned in an (n, width) table."""
    j = np.arange(width)[None, :]
    idx = np.clip(start[:, None] + j, 0, src.shape[1] - 1)
    out = np.take_along_axis(src, idx, axis=1)
    out[j >= length[:, None]] = 0
    return out


def _random_codes(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return rng.integers(0, 4, size=(n, width), dtype=np.uint8)


def draw_sample(
    model: ReadModel,
    proportions: np.ndarray,
    n_reads: int,
    rng: np.random.Generator,
    class_fractions: dict[str, float] | None = None,
) -> tuple[_Units, SampleTruth]:
    """Draw molecules and read counts for one sample (no sequences written yet)."""
    fr = dict(CLASS_FRACTIONS if class_fractions is None else class_fractions)
    if model.preset != "qiaseq":
        fr["valid"] += fr.pop("umi_incomplete")
        fr["umi_incomplete"] = 0.0
    p = np.array([fr[c] for c in READ_CLASSES], dtype=float)
    counts = dict(zip(READ_CLASSES, rng.multinomial(n_reads, p / p.sum()), strict=True))
    L = model.read_length
    nf = NEXTFLEX_RANDOM if model.preset == "nextflex" else 0
    width = L + 2 * nf
    units = _Units(width)
    n_mirna = len(model.context)

    def add_molecules(cls_code, ins, ins_len, n_cls_reads, mirna):
        n_mol = len(ins_len)
        reads = _reads_per_molecule(rng, n_cls_reads, n_mol)
        umi = _umi_codes(_unique_umis(rng, n_mol))
        ins, ins_len = _nextflex_wrap(rng, ins, ins_len, nf)
        units.add(ins, ins_len, umi, UMI_LENGTH, cls_code, mirna, reads)
        return reads

    # Valid miRNA molecules with isomiRs.
    n_valid = counts["valid"]
    if model.library_molecules:
        n_mol = _library_molecules(n_valid, model.library_molecules)
    else:
        n_mol = _n_molecules(n_valid, model.dup_mean)
    mirna = rng.choice(n_mirna, size=n_mol, p=proportions)
    s5 = rng.choice(np.arange(-2, 3), size=n_mol, p=P_SHIFT5)
    s3 = rng.choice(np.arange(-2, 3), size=n_mol, p=P_SHIFT3)
    left = model.left[mirna]
    right = model.right[mirna]
    s5 = np.maximum(s5, -left)  # cannot extend past the hairpin
    s3 = np.minimum(s3, right)
    start = left + s5
    templ_len = model._ctx_len[mirna] - left - right - s5 + s3
    short = templ_len < MIN_VALID_INSERT
    extend = np.minimum(MIN_VALID_INSERT - templ_len[short], right[short] - s3[short])
    s3[short] += extend
    templ_len[short] += extend
    nta = rng.choice(3, size=n_mol, p=P_NTA)
    ins = _gather_inserts(model._ctx[mirna], start, templ_len, model._ctx.shape[1] + 2)
    nta_base = np.where(rng.random((n_mol, 2)) < 0.6, 0, 3).astype(np.uint8)  # A or T
    for k in range(2):
        has = nta > k
        ins[has, templ_len[has] + k] = nta_base[has, k]
    ins_len = templ_len + nta
    reads = add_molecules(0, ins, ins_len, n_valid, mirna)
    mol_counts = np.bincount(mirna, minlength=n_mirna)
    read_counts = np.bincount(mirna, weights=reads, minlength=n_mirna).astype(np.int64)

    # Too-short inserts: 1-15 nt, half miRNA 5' fragments, half random.
    n_short = counts["too_short"]
    m = _n_molecules(n_short, model.dup_mean)
    slen = rng.integers(1, 16, size=m)
    frag = rng.random(m) < 0.5
    src_mirna = rng.choice(n_mirna, size=m, p=proportions)
    sins = np.where(
        frag[:, None],
        _gather_inserts(model._ctx[src_mirna], model.left[src_mirna], slen, 16),
        _random_codes(rng, m, 16),
    )
    sins[np.arange(16)[None, :] >= slen[:, None]] = 0
    add_molecules(2, sins, slen, n_short, np.full(m, -1))

    # Non-miRNA inserts from the pool (and, in the real-diversity profile, fragments of
    # their own).
    n_other = counts["non_mirna"]
    if model.other_library_molecules:
        m = _library_molecules(n_other, model.other_library_molecules)
    else:
        m = _n_molecules(n_other, model.dup_mean)
    pick = rng.choice(len(model.pool), size=m, p=model.pool_weights)
    oins, olen = model._pool[pick], model._pool_len[pick]
    if model.fresh_fragment_share:
        fresh = np.flatnonzero(rng.random(m) < model.fresh_fragment_share)
        flen = rng.integers(FRESH_FRAGMENT_LENGTH[0], FRESH_FRAGMENT_LENGTH[1] + 1, len(fresh))
        width = max(oins.shape[1], FRESH_FRAGMENT_LENGTH[1])
        oins = np.pad(oins, ((0, 0), (0, width - oins.shape[1])))
        oins[fresh] = _random_codes(rng, len(fresh), width)
        oins[fresh] *= np.arange(width)[None, :] < flen[:, None]
        olen = olen.copy()
        olen[fresh] = flen
    add_molecules(3, oins, olen, n_other, np.full(m, -1))

    # Single-read classes.
    n_dimer = counts["adapter_dimer"]
    dins, dlen = _nextflex_wrap(
        rng, np.zeros((n_dimer, 1), dtype=np.uint8), np.zeros(n_dimer, dtype=np.int64), nf
    )
    units.add(
        dins,
        dlen,
        _umi_codes(rng.integers(0, 4**UMI_LENGTH, size=n_dimer)),
        UMI_LENGTH,
        1,
        np.full(n_dimer, -1),
        np.ones(n_dimer, dtype=np.int64),
    )
    n_noad = counts["no_adapter"]
    units.add(
        _random_codes(rng, n_noad, width),
        np.full(n_noad, width),
        np.zeros((n_noad, UMI_LENGTH), dtype=np.uint8),
        0,
        4,
        np.full(n_noad, -1),
        np.ones(n_noad, dtype=np.int64),
    )
    n_inc = counts["umi_incomplete"]
    ulen = rng.integers(0, UMI_LENGTH, size=n_inc)
    ilen = L - len(QIASEQ_ADAPTER) - ulen
    units.add(
        _random_codes(rng, n_inc, width),
        ilen,
        _umi_codes(rng.integers(0, 4**UMI_LENGTH, size=n_inc)),
        ulen,
        5,
        np.full(n_inc, -1),
        np.ones(n_inc, dtype=np.int64),
    )

    truth = SampleTruth(
        mol_counts.astype(np.int64), read_counts, {k: int(v) for k, v in counts.items()}
    )
    return units, truth


def _nextflex_wrap(rng, ins, ins_len, nf):
    """NEXTflex: 4 random nt before and after the insert (no-op for other kits)."""
    if nf == 0:
        return ins, ins_len
    n = len(ins_len)
    width = ins.shape[1] + 2 * nf
    out = _random_codes(rng, n, width)
    j = np.arange(width)[None, :]
    inner = (j >= nf) & (j < nf + ins_len[:, None])
    src = np.clip(j - nf, 0, ins.shape[1] - 1)
    out = np.where(inner, np.take_along_axis(ins, np.broadcast_to(src, (n, width)), axis=1), out)
    return out, ins_len + 2 * nf


def _suffix(model: ReadModel, index_seq: str) -> tuple[np.ndarray, int]:
    """Base codes after the insert (UMI slot left as 0) and the UMI's offset in them."""
    L = model.read_length
    if model.preset == "qiaseq":
        pre = QIASEQ_ADAPTER
        post = QIASEQ_TAIL + index_seq + P7_END
        umi_len = UMI_LENGTH
    else:
        pre = TRUSEQ_ADAPTER + TRUSEQ_TAIL + index_seq + P7_END
        post = ""
        umi_len = 0
    tail = pre + "A" * umi_len + post
    tail += "A" * max(0, L + 2 - len(tail))
    return encode(tail), (len(pre) if umi_len else -1)


def _ascii(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8)[None, :]


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers (< 10**width) as zero-padded ASCII digits, one row each."""
    powers = 10 ** np.arange(width - 1, -1, -1)
    return (ord("0") + (values[:, None] // powers[None, :]) % 10).astype(np.uint8)


QUALITY_BANK = 4096
GOOD_Q = b"GGGGGGGGGGGGFFEEDC"
BAD_Q = b"/.,-1<"


def _quality_bank(rng: np.random.Generator, L: int) -> np.ndarray:
    """Rows of NextSeq/MiSeq-like Phred+33 qualities, more low scores towards the 3' end.

    Reads draw whole rows from this bank (fast); error positions get low scores later.
    """
    good = np.frombuffer(GOOD_Q, dtype=np.uint8)
    bad = np.frombuffer(BAD_Q, dtype=np.uint8)
    pos = np.arange(L)[None, :] / max(1, L - 1)
    q = good[rng.integers(0, len(good), size=(QUALITY_BANK, L))]
    drop = rng.random((QUALITY_BANK, L)) < (0.01 + 0.08 * pos**2)
    return np.where(drop, bad[rng.integers(0, len(bad), size=(QUALITY_BANK, L))], q)


def render_reads(
    model: ReadModel,
    units: _Units,
    rng: np.random.Generator,
    path: str | os.PathLike[str],
    *,
    index_seq: str = "CGATGT",
    run_name: str = "MSIM:1:HSIMFCXX",
    compresslevel: int = 2,
) -> int:
    """Write the reads of ``units`` (each repeated by its read count) as FASTQ.gz.

    Works on 2-bit base codes in chunks of ``CHUNK`` reads: insert, then the adapter,
    UMI and tail after it; substitution errors anywhere; ASCII only at the end. gzip via
    isal (igzip) with mtime 0 and no file name: deterministic and fast.
    """
    if units.parts:
        table, ins_len, umi, _umi_len, _cls, _mirna, reads = units.arrays()
    else:
        table = np.zeros((0, units.width), np.uint8)
        ins_len = reads = np.zeros(0, np.int64)
        umi = np.zeros((0, UMI_LENGTH), np.uint8)
    n_total = int(reads.sum())
    order = rng.permutation(np.repeat(np.arange(len(reads)), reads))
    L = model.read_length
    suffix, umi_off = _suffix(model, index_seq)
    j = np.arange(L, dtype=np.int16)[None, :]
    lo, hi = model.error_rate
    err_p = (lo + (hi - lo) * (np.arange(L) / max(1, L - 1)) ** 2)[None, :].astype(np.float32)
    qbank = _quality_bank(rng, L)
    low_q = np.uint8(BAD_Q[0])
    with atomic_path(path) as tmp:
        with (
            open(tmp, "wb") as raw,
            igzip.GzipFile(
                filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=compresslevel
            ) as gz,
        ):
            for c0 in range(0, n_total, CHUNK):
                idx = order[c0 : c0 + CHUNK]
                n = len(idx)
                rel = j - ins_len[idx].astype(np.int16)[:, None]
                in_ins = rel < 0
                np.clip(rel, 0, len(suffix) - 1, out=rel)
                codes = np.where(in_ins, table[idx, :L], suffix[rel])
                if umi_off >= 0:
                    rows, cols = np.nonzero((rel >= umi_off) & (rel < umi_off + UMI_LENGTH))
                    codes[rows, cols] = umi[idx[rows], rel[rows, cols] - umi_off]
                er, ec = np.nonzero(rng.random((n, L), dtype=np.float32) < err_p)
                codes[er, ec] = (codes[er, ec] + rng.integers(1, 4, size=len(er))) & 3
                seq = BASES[codes]
                qual = qbank[rng.integers(0, QUALITY_BANK, size=n)]
                hit = rng.random(len(er)) < 0.7
                qual[er[hit], ec[hit]] = low_q
                if model.n_call_rate:
                    nr, nc = np.nonzero(rng.random((n, L), dtype=np.float32) < model.n_call_rate)
                    seq[nr, nc] = ord("N")
                    qual[nr, nc] = ord("#")
                tiles = 1101 + (c0 + np.arange(n)) // 100_000
                head = np.concatenate(
                    [
                        np.broadcast_to(_ascii(f"@{run_name}:1:"), (n, len(run_name) + 4)),
                        _digits(tiles, 4),
                        np.full((n, 1), ord(":"), np.uint8),
                        _digits(rng.integers(10_000, 100_000, size=n), 5),
                        np.full((n, 1), ord(":"), np.uint8),
                        _digits(rng.integers(10_000, 100_000, size=n), 5),
                        np.broadcast_to(_ascii(f" 1:N:0:{index_seq}\n"), (n, len(index_seq) + 8)),
                    ],
                    axis=1,
                )
                nl = np.full((n, 1), ord("\n"), np.uint8)
                plus = np.full((n, 1), ord("+"), np.uint8)
                gz.write(np.concatenate([head, seq, nl, plus, nl, qual, nl], axis=1).tobytes())
    return n_total


#: Profiles of :func:`simulate_sample_reads`.
PROFILES = ("demo", "plasma", "real")

#: The plasma profile's dominant miRNAs and their share of miRNA molecules. Real plasma is
#: dominated by a few miRNAs: miR-16-5p holds 38% of the miRNA molecules of the public
#: QIAseq plasma library SRR17084832 (50,000-read subsample, counted by mirscope) and
#: miR-451a 47% of the miRNA reads of a public NEXTflex plasma library. Every other miRNA
#: keeps its demo share, rescaled into what is left (the demo's long log-normal tail).
PLASMA_TOP_SHARES = {
    "hsa-miR-451a": 0.32,
    "hsa-miR-16-5p": 0.12,
    "hsa-miR-486-5p": 0.10,
    "hsa-miR-122-5p": 0.04,
    "hsa-miR-223-3p": 0.04,
    "hsa-miR-92a-3p": 0.03,
}
#: Molecules in the plasma library, from the same QIAseq file: its 40,110 valid reads hold
#: 0.83% UMI duplicates; sampling n reads from M molecules with gamma(k) weights gives a
#: duplicate share of about n (1 + 1/k) / (2 M), so M = 40,110 x 2.25 / 0.0166 = 5.4 million.
#: At 6 million reads this gives ~2.3 million distinct valid molecules (47% duplicates).
PLASMA_LIBRARY_MOLECULES = 5.4e6
#: N base calls per base: that file has an N in 0.01% of its UMIs (12 nt).
PLASMA_N_CALL_RATE = 1e-5


#: The real-diversity profile (``real``): the plasma profile's miRNAs, plus what the same
#: QIAseq file (SRR17084832, 50,000 reads, trimmed and counted by mirscope) shows besides
#: them. Its 40,110 valid reads hold 31,186 unique inserts, 29,594 of them seen in one read
#: only (73.8% of valid reads); 17.6% of its molecules (6,982 of 39,776) are on a mature
#: miRNA, the rest on no hairpin; 18.7% of reads are too short, 1.0% have no adapter.
REAL_CLASS_FRACTIONS = {
    "valid": 0.141,
    "adapter_dimer": 0.001,
    "too_short": 0.187,
    "non_mirna": 0.660,
    "no_adapter": 0.010,
    "umi_incomplete": 0.001,
}
#: The valid molecules' library (:data:`PLASMA_LIBRARY_MOLECULES`) split as the molecules
#: are: 17.6% miRNA, 82.4% other fragments. Both saturate with depth by the same gamma
#: model (:func:`_library_molecules`), so distinct fragments grow sub-linearly: about 2.0
#: million non-miRNA molecules at 6 million reads, 3.2 million at 20 million.
REAL_MIRNA_LIBRARY_MOLECULES = 0.176 * PLASMA_LIBRARY_MOLECULES
REAL_OTHER_LIBRARY_MOLECULES = 0.824 * PLASMA_LIBRARY_MOLECULES
#: Share of non-miRNA molecules whose insert is a fragment of its own (a random sequence,
#: so in practice unique); the rest come from the Zipf-weighted pool of recurrent Y RNA /
#: tRNA-like fragments. 0.9 gives the file's unique-insert share at 50,000 reads.
REAL_FRESH_FRAGMENT_SHARE = 0.85
#: Lengths of those fragments (uniform; the file's median valid insert is 28 nt). At 20 nt
#: and more a random sequence aligns to no hairpin by chance.
FRESH_FRAGMENT_LENGTH = (22, 40)


def plasma_shares(profile) -> np.ndarray:
    """The demo profile's shares with :data:`PLASMA_TOP_SHARES` imposed on its top miRNAs."""
    share = np.array(profile.share, dtype=float)
    top = np.zeros(len(share), dtype=bool)
    for name, value in PLASMA_TOP_SHARES.items():
        i = profile.index(name)
        top[i] = True
        share[i] = value
    share[~top] *= (1.0 - sum(PLASMA_TOP_SHARES.values())) / share[~top].sum()
    return share

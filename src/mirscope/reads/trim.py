"""UMI-aware 3' adapter trimming and collapsing to unique molecules, in one streaming pass.

Why not fastp or cutadapt-then-umi_tools: the QIAseq UMI sits *after* the 3' adapter, so a
trimmer that removes the adapter first throws the UMI away (nf-core/smrnaseq #503, #528).
Here the adapter is located once and both the insert (before it) and the UMI (right after
it) are taken from that one position.

Adapter finding has cutadapt's semantics for a regular 3' adapter (error rate counted over
the aligned adapter part, indels allowed, partial matches at the read end of at least
``min_overlap`` bases): reads are first searched for an exact copy of the whole adapter
with ``str.find`` (most reads, about 0.1 µs each), then for an exact 8-nt anchor with a
base-by-base comparison, and only the rest go through cutadapt's own k-mer prefilter and
aligner (``BackAdapter.kmer_finder`` and ``BackAdapter.aligner.locate``); see
:class:`AdapterFinder`. The tests check on real reads that the fast tiers return what the
aligner would.

Every read gets exactly one class, tested in this order:

``no_adapter``
    no adapter match (exact or within the error rate and minimum overlap);
``adapter_dimer``
    the insert before the adapter is empty (after ``clip_5p``/``clip_3p``);
``too_short``
    the insert is shorter than ``min_length``;
``umi_incomplete``
    fewer than ``umi_length`` bases follow the adapter (only when the kit has a UMI);
``valid``
    everything else: counted as a molecule ``(insert, umi)``.

Memory grows with the number of unique ``(insert, umi)`` molecules only: a dict of
``b"insert\\tumi"`` bytes keys to read counts (:class:`MoleculeCounter`, about 150 bytes per
molecule). With ``threads >= 2`` that dict lives in a child process
(:class:`CounterProcess`) fed newline-joined batches of keys, so counting runs on the
second core while this process parses and trims. What cannot overlap the reading is the
sort and the writing of the table once the last read is in; a plasma library at depth is
mostly unique molecules, so that step is done on numpy arrays, one integer key per
molecule (:func:`mirscope.reads.molecules.write_packed_molecules`), not on the keys as
Python objects.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import time
import warnings
from collections import Counter, _count_elements
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from itertools import chain, islice, repeat
from operator import attrgetter, ne
from pathlib import Path
from typing import Any, BinaryIO

import dnaio
import numpy as np
from cutadapt.adapters import BackAdapter

from mirscope import __version__
from mirscope.errors import InputError, MirscopeError, MirscopeWarning
from mirscope.inputs.config import load_preset
from mirscope.reads.fastq import open_fastq
from mirscope.reads.molecules import (
    add_counts,
    molecule_keys,
    pack_molecules,
    write_packed_molecules,
)

log = logging.getLogger(__name__)

CLASSES = ("valid", "no_adapter", "adapter_dimer", "too_short", "umi_incomplete")

#: Below this fraction of reads with an adapter, the other presets' adapters are tried.
ADAPTER_WARN_FRACTION = 0.5
#: Below this fraction of reads with an adapter (or with no valid read at all) the sample is
#: from another kit, an R2 file or empty: its counts would be an all-zero column that looks
#: like a real sample, so the trim job fails unless empty samples are explicitly allowed.
ADAPTER_FAIL_FRACTION = 0.05
#: Reads kept from the start of the file to test other presets' adapters on.
PRESET_PROBE_READS = 20_000
#: Presets whose adapters are tried when ours is rarely found.
KNOWN_PRESETS = ("qiaseq", "illumina", "nextflex")


@dataclass(frozen=True)
class TrimSettings:
    """Adapter and UMI layout of a library kit (the keys of ``config/presets/*.yaml``)."""

    adapter: str
    umi_length: int = 0
    clip_5p: int = 0
    clip_3p: int = 0
    min_length: int = 16
    max_error_rate: float = 0.1
    min_overlap: int = 10

    def __post_init__(self) -> None:
        adapter = (self.adapter or "").upper()
        if not adapter or set(adapter) - set("ACGTN"):
            raise InputError(
                "invalid adapter sequence",
                column="adapter",
                value=self.adapter,
                allowed="DNA letters A, C, G, T, N",
            )
        object.__setattr__(self, "adapter", adapter)
        for name in ("umi_length", "clip_5p", "clip_3p"):
            if int(getattr(self, name)) < 0:
                raise InputError(
                    f"{name} must not be negative", value=getattr(self, name), allowed=">= 0"
                )
        if self.min_length < 1:
            raise InputError("min_length must be at least 1", value=self.min_length)
        if not 0 <= self.max_error_rate < 1:
            raise InputError(
                "max_error_rate out of range", value=self.max_error_rate, allowed="0 <= e < 1"
            )
        if self.min_overlap < 1:
            raise InputError("min_overlap must be at least 1", value=self.min_overlap)

    @classmethod
    def from_preset(cls, preset: str | None = None, **overrides: Any) -> TrimSettings:
        """Settings of ``preset`` (default ``custom``) with non-``None`` overrides applied."""
        values = load_preset(preset or "custom")
        values.update({k: v for k, v in overrides.items() if v is not None})
        names = {f.name for f in fields(cls)}
        if not values.get("adapter"):
            raise InputError(
                f"preset '{preset or 'custom'}' has no adapter; give one with --adapter",
                column="adapter",
                allowed="an adapter sequence, or preset qiaseq, illumina or nextflex",
            )
        return cls(**{k: v for k, v in values.items() if k in names})


@dataclass
class TrimResult:
    """Counts from one trimming pass (what ``{sample}.trim.json`` holds)."""

    sample: str
    fastq: str
    settings: dict[str, Any]
    total_reads: int = 0
    classes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    exact_adapter_reads: int = 0
    unique_molecules: int = 0
    unique_inserts: int = 0
    insert_length_histogram: dict[str, int] = field(default_factory=dict)
    valid_insert_length_histogram: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def adapter_found_fraction(self) -> float | None:
        if not self.total_reads:
            return None
        return 1 - self.classes["no_adapter"] / self.total_reads

    @property
    def umi_duplication_rate(self) -> float | None:
        """1 - unique molecules / valid reads (None without UMIs or valid reads)."""
        valid = self.classes["valid"]
        if not valid or not self.settings["umi_length"]:
            return None
        return 1 - self.unique_molecules / valid

    @property
    def median_insert_length(self) -> float | None:
        return histogram_median(self.valid_insert_length_histogram)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["mirscope_version"] = __version__
        data["adapter_found_fraction"] = _round(self.adapter_found_fraction)
        data["umi_duplication_rate"] = _round(self.umi_duplication_rate)
        data["median_insert_length"] = self.median_insert_length
        return data


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


def histogram_median(hist: dict[str, int] | dict[int, int]) -> float | None:
    """Median of a ``{length: count}`` histogram (None when empty)."""
    items = sorted((int(k), v) for k, v in hist.items() if v)
    total = sum(v for _, v in items)
    if not total:
        return None
    lo_rank, hi_rank = (total - 1) // 2, total // 2
    seen = 0
    lo = hi = None
    for length, count in items:
        if lo is None and seen + count > lo_rank:
            lo = length
        if seen + count > hi_rank:
            hi = length
            break
        seen += count
    return (lo + hi) / 2


class AdapterFinder:
    """Locate a 3' adapter in a read, with cutadapt's result but mostly without its aligner.

    Three tiers, cheapest first:

    1. ``str.find`` of the whole adapter (most reads);
    2. an anchor: the adapter's first or last ``ANCHOR`` bases found exactly, and the read
       compared base by base (Hamming) with the adapter from there, accepting exactly one
       substitution in a full-length adapter (if the error rate allows one), or an exact
       partial adapter of at least ``min_overlap`` bases at the read end;
    3. cutadapt's k-mer prefilter and semi-global aligner (``BackAdapter``), for indels,
       reads without an adapter and anything tier 2 rejects.

    Tiers 1 and 2 only accept alignments that cutadapt also reports (a full exact match,
    one substitution, or an exact partial match); the tests compare every read of both
    real files with the aligner (100% agreement on read start and stop).
    """

    ANCHOR = 8

    def __init__(self, adapter: str, max_error_rate: float, min_overlap: int) -> None:
        self.adapter = adapter
        self.length = len(adapter)
        self.max_error_rate = max_error_rate
        self.min_overlap = min(min_overlap, len(adapter))
        k = min(self.ANCHOR, len(adapter))
        self._prefix = adapter[:k]
        self._suffix = adapter[-k:]
        self._cutadapt = BackAdapter(
            adapter,
            max_errors=max_error_rate,
            min_overlap=min_overlap,
            read_wildcards=False,
            adapter_wildcards=True,
            indels=True,
        )
        self.tier_counts = [0, 0, 0]

    def locate(self, seq: str) -> tuple[int, int] | None:
        """(start, stop) of the adapter in ``seq`` (stop may be the read end), or None."""
        i = seq.find(self.adapter)
        if i >= 0:
            return i, i + self.length
        return self.locate_inexact(seq)

    def locate_inexact(self, seq: str) -> tuple[int, int] | None:
        """Tiers 2 and 3, for reads without an exact full-length adapter."""
        hit = self._anchored(seq)
        if hit is not None:
            self.tier_counts[1] += 1
            return hit
        self.tier_counts[2] += 1
        return self.locate_aligned(seq)

    def _anchored(self, seq: str) -> tuple[int, int] | None:
        adapter = self.adapter
        i = seq.find(self._prefix)
        if i < 0:
            j = seq.find(self._suffix)
            if j < 0:
                return None
            i = j + len(self._suffix) - self.length
            if i < 0:
                return None
        segment = seq[i : i + self.length]
        n = len(segment)
        if n < self.min_overlap:
            return None
        mismatches = sum(map(ne, segment, adapter))
        if mismatches > min(1, int(self.max_error_rate * n)) or (mismatches and n < self.length):
            # Two or more mismatches are often one indel, which cutadapt aligns with fewer
            # errors and a different adapter end (shifting the UMI); a partial adapter with
            # errors may also align differently. Let the aligner decide those.
            return None
        return i, i + n

    def locate_aligned(self, seq: str) -> tuple[int, int] | None:
        """cutadapt's alignment only (no fast path): the reference the tests compare with."""
        adapter = self._cutadapt
        if not adapter.kmer_finder.kmers_present(seq):
            return None
        hit = adapter.aligner.locate(seq)
        if hit is None:
            return None
        # (adapter start, adapter stop, read start, read stop, score, errors)
        return hit[2], hit[3]


#: Valid-read keys handed to the molecule counter at a time (also the progress granularity).
BATCH_READS = 65_536


class MoleculeCounter:
    """Collapse ``b"insert\\tumi"`` keys to read counts, then write the sorted table.

    Keys arrive as newline-joined batches and are counted by ``collections``' C helper;
    they are stored as bytes (16 bytes per molecule smaller than str), so memory grows with
    unique molecules only, about 150 bytes each.
    """

    def __init__(self) -> None:
        self.molecules: dict[bytes, int] = {}

    def add(self, joined: bytes) -> None:
        _count_elements(self.molecules, joined.split(b"\n"))

    def finish(
        self, path: str | os.PathLike[str], inserts_fasta: str | os.PathLike[str] | None = None
    ) -> dict[str, Any]:
        """Write the molecule table (and inserts FASTA); return unique counts and the
        length histogram."""
        unique = len(self.molecules)
        joined, counts = pack_molecules(self.molecules)  # frees the dict for the sort
        n_inserts, valid_hist = write_packed_molecules(joined, counts, path, inserts_fasta)
        return {
            "unique_molecules": unique,
            "unique_inserts": n_inserts,
            "valid_hist": valid_hist,
        }

    def close(self) -> None:
        self.molecules = {}


def _counter_main(conn) -> None:
    """Child process: count key batches until an empty message, then write the table."""
    counter = MoleculeCounter()
    try:
        while data := conn.recv_bytes():
            counter.add(data)
        conn.send(("ok", counter.finish(*conn.recv())))
    except BaseException as exc:  # report to the parent instead of leaving it waiting
        with contextlib.suppress(Exception):
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class CounterProcess:
    """A :class:`MoleculeCounter` in a child process, so counting (dict updates, the sort,
    the gzip output) runs on another core while this process parses and trims."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_counter_main, args=(child,), daemon=True)
        self._proc.start()
        child.close()

    def add(self, joined: bytes) -> None:
        try:
            self._conn.send_bytes(joined)
        except OSError as exc:  # the child died (e.g. killed for memory)
            raise MirscopeError(
                f"molecule counting process stopped (exit code {self._proc.exitcode}): {exc}"
            ) from exc

    def finish(
        self, path: str | os.PathLike[str], inserts_fasta: str | os.PathLike[str] | None = None
    ) -> dict[str, Any]:
        self._conn.send_bytes(b"")
        self._conn.send((str(path), str(inserts_fasta) if inserts_fasta else None))
        try:
            status, payload = self._conn.recv()
        except EOFError:
            status, payload = "error", f"exit code {self._proc.exitcode}"
        self._proc.join()
        if status != "ok":
            raise MirscopeError(f"molecule counting process failed: {payload}")
        return payload

    def close(self) -> None:
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join()
        self._conn.close()


_SEQUENCE = attrgetter("sequence")

#: Class codes of :class:`BatchTrimmer` (index into :data:`CLASSES`).
_VALID, _NO_ADAPTER, _DIMER, _SHORT, _UMI_INCOMPLETE = range(len(CLASSES))


class BatchTrimmer:
    """Classify a batch of reads and build its molecule keys, with C-level loops.

    Why batches: a per-read Python loop with a branch per class cost about 1 us a read,
    half the trimming time. Here ``str.find`` runs through ``map``, the classes and
    lengths are numpy arrays, the valid reads' keys are cut out of the joined batch by
    :func:`mirscope.reads.molecules.molecule_keys`, and only the few reads without an
    exact adapter (tiers 2-3 of :class:`AdapterFinder`) are Python-level.
    The classes are tested in the module docstring's order.
    """

    def __init__(self, settings: TrimSettings) -> None:
        self.finder = AdapterFinder(settings.adapter, settings.max_error_rate, settings.min_overlap)
        self.clip5, self.clip3 = settings.clip_5p, settings.clip_3p
        self.min_len, self.ulen = settings.min_length, settings.umi_length
        self.class_counts = np.zeros(len(CLASSES), dtype=np.int64)
        self.other_hist = np.zeros(0, dtype=np.int64)  # reads by insert length, not valid

    def __call__(self, seqs: list[str]) -> tuple[bytes, np.ndarray, np.ndarray, np.ndarray]:
        """Keys ``insert\\tumi`` of the valid reads (in read order, newline-separated),
        their read indices, insert ends and UMI ends (for the optional trimmed FASTQ)."""
        n = len(seqs)
        finder = self.finder
        pos = np.fromiter(map(str.find, seqs, repeat(finder.adapter)), dtype=np.int64, count=n)
        stop = pos + finder.length
        for j in np.flatnonzero(pos < 0).tolist():
            hit = finder.locate_inexact(seqs[j])
            if hit is not None:
                pos[j], stop[j] = hit
        ins_len = pos - self.clip5 - self.clip3
        length = np.fromiter(map(len, seqs), dtype=np.int64, count=n)
        klass = np.full(n, _VALID, dtype=np.int64)
        klass[length - stop < self.ulen] = _UMI_INCOMPLETE
        klass[ins_len < self.min_len] = _SHORT
        klass[ins_len <= 0] = _DIMER
        klass[pos < 0] = _NO_ADAPTER
        self.class_counts += np.bincount(klass, minlength=len(CLASSES))
        other = (klass != _VALID) & (klass != _NO_ADAPTER)
        self.other_hist = add_counts(self.other_hist, np.bincount(np.maximum(ins_len[other], 0)))
        valid = np.flatnonzero(klass == _VALID)
        end, umi_end = ins_len[valid] + self.clip5, stop[valid] + self.ulen
        keys = molecule_keys(
            seqs, valid, length[valid], self.clip5, end, umi_end - self.ulen, self.ulen
        )
        return keys, valid, end, umi_end


def _islices(iterable: Iterable, n: int) -> Iterator[Iterable]:
    """Endless successive ``islice``s of ``n`` items (the consumer stops at an empty one)."""
    iterator = iter(iterable)
    while True:
        yield islice(iterator, n)


def trim_reads(
    fastq: str | os.PathLike[str] | list[str | os.PathLike[str]],
    settings: TrimSettings,
    *,
    sample: str,
    molecules_to: str | os.PathLike[str],
    inserts_to: str | os.PathLike[str] | None = None,
    fastq_to: BinaryIO | None = None,
    threads: int = 1,
    progress_every: int = 1_000_000,
    allow_empty: bool = False,
) -> TrimResult:
    """Trim, classify and collapse one sample; return the statistics (:class:`TrimResult`).

    ``fastq`` is one file or a list (lanes or runs of one library, read in order as if
    concatenated).

    ``threads`` >= 2 counts molecules in a child process (:class:`CounterProcess`) while
    this one parses and trims; gzip input is always inflated in a background thread. The
    results are byte-identical whatever ``threads`` is.

    The stage (:func:`mirscope.stages.trim.trim_fastq`) owns the output files: it opens
    them atomically and passes their temporaries here. The molecules are too many to hand
    back, so the counter, in whichever process holds them, streams them to
    ``molecules_to`` and ``inserts_to`` (:func:`mirscope.reads.molecules.write_packed_molecules`
    defines both formats), and valid reads go to the ``fastq_to`` stream as they are
    trimmed:

    ``molecules_to`` (TSV.gz)
        columns ``insert``, ``umi``, ``reads``: unique (insert, UMI) molecules of the valid
        reads, before UMI error correction, sorted by insert then UMI; ``umi`` is empty
        for kits without a UMI.
    ``inserts_to`` (optional, FASTA)
        the unique inserts of the valid reads, sorted, each named by its own sequence:
        the input of the alignment stage (:func:`mirscope.counts.align.write_inserts_fasta`
        writes the same file from a molecules table).
    ``fastq_to`` (optional, a binary stream, gzip in the workflow)
        valid reads' inserts with the UMI appended to the read name as umi_tools does
        (``@name_UMI rest-of-header``).

    The returned :class:`TrimResult` (the stage writes it as JSON): total reads, reads
    per class, reads with an exact adapter, unique molecules/inserts,
    ``insert_length_histogram`` (every read with an adapter, insert length after
    clipping; dimers at 0), the same for valid reads, median insert length of valid
    reads, UMI duplication rate, warnings.

    A sample with no valid read or its adapter in under ``ADAPTER_FAIL_FRACTION`` of reads
    raises :class:`InputError` (the stage then keeps none of its outputs) unless
    ``allow_empty``; then it only warns, and the count stage leaves the sample out of the
    statistics.

    Bases are upper-cased as they are read: UMI error correction and the adapter search
    compare upper-case letters only, so soft-masked (lower-case) reads would otherwise
    count as distinct molecules.
    """
    fastqs = [Path(f) for f in fastq] if isinstance(fastq, list | tuple) else [Path(fastq)]
    result = TrimResult(sample=sample, fastq=", ".join(map(str, fastqs)), settings=asdict(settings))
    trimmer = BatchTrimmer(settings)
    ulen = settings.umi_length
    probe: list[str] = []
    total = 0
    started = time.perf_counter()
    next_report = progress_every

    with contextlib.ExitStack() as stack:
        # Started before the input is opened (no reader thread exists to fork).
        counter = CounterProcess() if threads >= 2 else MoleculeCounter()
        stack.callback(counter.close)
        fq_gz = fastq_to
        # One context per file: a parse error is reported with the file it is in.
        reader = chain.from_iterable([stack.enter_context(open_fastq(f)) for f in fastqs])
        # The first reads are kept to test other presets' adapters on if ours is rare.
        first = list(islice(reader, PRESET_PROBE_READS))
        probe = [rec.sequence.upper() for rec in first]
        batches = chain([first], _islices(reader, BATCH_READS))
        for batch in batches:
            # Records are kept only for the optional FASTQ: a list of 65k live records costs
            # more (allocation, garbage-collector passes) than trimming them.
            records = list(batch) if fq_gz is not None else None
            seqs = list(map(str.upper, map(_SEQUENCE, batch if records is None else records)))
            if not seqs:
                break
            total += len(seqs)
            keys, valid, ends, umi_ends = trimmer(seqs)
            if keys:
                counter.add(keys)
            if fq_gz is not None and keys:
                fq_gz.write(
                    "".join(
                        _fastq_record(
                            records[j], seqs[j], settings.clip_5p, e, seqs[j][u - ulen : u]
                        )
                        for j, e, u in zip(
                            valid.tolist(), ends.tolist(), umi_ends.tolist(), strict=True
                        )
                    ).encode()
                )
            if total >= next_report:
                elapsed = time.perf_counter() - started
                log.info(
                    "%s: %d reads done, %.0f reads/s", sample, total, total / max(elapsed, 1e-9)
                )
                next_report += progress_every
        counted = counter.finish(molecules_to, inserts_to)
        valid_hist = Counter(counted["valid_hist"])
        result.total_reads = total
        result.classes = dict(zip(CLASSES, trimmer.class_counts.tolist(), strict=True))
        result.exact_adapter_reads = total - sum(trimmer.finder.tier_counts[1:])
        result.unique_molecules = counted["unique_molecules"]
        result.unique_inserts = counted["unique_inserts"]
        other_hist = Counter({k: c for k, c in enumerate(trimmer.other_hist.tolist()) if c})
        all_hist = other_hist + valid_hist
        result.insert_length_histogram = {str(k): all_hist[k] for k in sorted(all_hist)}
        result.valid_insert_length_histogram = {str(k): valid_hist[k] for k in sorted(valid_hist)}
        result.warnings = check_adapter_rate(result, probe, settings, fail=not allow_empty)
        elapsed = time.perf_counter() - started
        log.info(
            "%s: %d reads in %.1f s (%.0f reads/s), %d unique molecules; %s",
            sample,
            total,
            elapsed,
            total / max(elapsed, 1e-9),
            result.unique_molecules,
            ", ".join(f"{k} {v}" for k, v in result.classes.items()),
        )
    return result


def _fastq_record(rec: dnaio.SequenceRecord, seq: str, start: int, end: int, umi: str) -> str:
    """One trimmed FASTQ record with the UMI appended to the read name (umi_tools style)."""
    name, _, rest = rec.name.partition(" ")
    if umi:
        name += "_" + umi
    if rest:
        name += " " + rest
    return f"@{name}\n{seq[start:end]}\n+\n{rec.qualities[start:end]}\n"


def check_adapter_rate(
    result: TrimResult, probe: list[str], settings: TrimSettings, *, fail: bool = False
) -> list[str]:
    """Warn when the adapter is rare or the file is empty; name the preset it looks like.

    The other presets' adapters are tried on the first reads of the file (``probe``), with
    the same error rate and overlap, and the best one is named in the warning. With
    ``fail``, a sample that cannot give counts (no reads, no valid read, adapter in under
    ``ADAPTER_FAIL_FRACTION`` of reads) raises :class:`InputError` with the same message.
    """
    messages = []
    found = result.adapter_found_fraction or 0.0
    if result.total_reads == 0:
        messages.append(f"sample {result.sample}: {result.fastq} has no reads (zero counts)")
    elif found < ADAPTER_WARN_FRACTION:
        messages.append(_preset_hint(result, probe, settings, found))
    elif result.classes.get("valid", 0) == 0:
        messages.append(
            f"sample {result.sample}: no valid read in {result.fastq} (adapter in "
            f"{100 * found:.1f}% of reads; {result.classes})"
        )
    empty = result.total_reads == 0 or result.classes.get("valid", 0) == 0
    if messages and (empty or found < ADAPTER_FAIL_FRACTION):
        if fail:
            raise InputError(
                messages[0],
                allowed="a FASTQ of the configured kit with the adapter in most reads "
                "(set trimming.allow_empty_samples: true to drop such samples instead)",
            )
        messages[0] += "; the sample is left out of the statistics"
    for message in messages:
        log.warning(message)
        warnings.warn(message, MirscopeWarning, stacklevel=3)
    return messages


def _preset_hint(result: TrimResult, probe: list[str], settings: TrimSettings, found: float):
    by_adapter: dict[str, list[str]] = {}
    for name in KNOWN_PRESETS:
        adapter = load_preset(name)["adapter"]
        if adapter != settings.adapter:
            by_adapter.setdefault(adapter, []).append(name)
    best = None
    for adapter, names in by_adapter.items():
        finder = AdapterFinder(adapter, settings.max_error_rate, settings.min_overlap)
        hits = sum(finder.locate(seq) is not None for seq in probe)
        fraction = hits / len(probe) if probe else 0.0
        if best is None or fraction > best[0]:
            best = (fraction, adapter, names)
    message = (
        f"sample {result.sample}: adapter {settings.adapter} found in only "
        f"{100 * found:.1f}% of reads of {result.fastq}"
    )
    if best is not None and best[0] > max(found, 0.0) and best[0] >= ADAPTER_WARN_FRACTION:
        message += (
            f"; the reads look like preset {' or '.join(best[2])} (adapter {best[1]} found "
            f"in {100 * best[0]:.1f}% of the first {len(probe)} reads): set `preset:` accordingly"
        )
    else:
        message += "; no known preset's adapter matches better: check the kit and adapter"
    return message

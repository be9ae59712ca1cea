"""Per-sample counts (reads and UMI-corrected molecules) and the merged count matrices.

Inputs of one sample: the trimming stage's molecules table (``insert``, ``umi``, ``reads``:
unique insert+UMI pairs before error correction), the BAM of its unique inserts on the
hairpins (:mod:`mirscope.counts.align`) and the reference (hairpin FASTA, mature loci TSV).

Work is per unique insert (assignment, a dict) and then vectorised over molecules with
numpy: there is no per-read or per-molecule Python loop.

Per-sample outputs (TSV, tab-separated, header line, sorted by the first column):

* ``<sample>.mature.tsv``: ``mirna`` (miRBase mature name; identical-sequence matures are
  one ``/``-joined group), ``reads`` (raw reads), ``umis`` (molecules after directional UMI
  correction within the miRNA over all its inserts, plus the expected chance UMI
  collisions unless disabled, see :mod:`mirscope.counts.umi`; equal to ``reads`` without UMIs);
* ``<sample>.hairpin.tsv``: ``hairpin`` (``/``-joined when an insert fits paralogous
  hairpins equally), ``reads``, ``umis``: every aligned insert, including those on no
  mature arm and ambiguous ones;
* ``<sample>.isomirs.tsv``: one row per aligned insert: ``insert``, ``status`` (mature /
  resolved / ambiguous / hairpin, see :mod:`mirscope.counts.assign` and :func:`count_sample`;
  ``resolved`` = ambiguous but given to a dominant candidate), ``mirna`` (``;``-joined
  candidates when ambiguous), ``hairpin``, ``isomir`` (label, e.g. ``3p:+1|nt:A``),
  ``reads``, ``umis`` (distinct raw UMIs of that insert, not error-corrected);
* ``<sample>.align_stats.json``, for QC: ``sample_id``, ``has_umi``,
  ``umi_collision_correction``, ``reads_total``, ``unique_inserts``, ``raw_molecules``
  (distinct insert+UMI pairs), ``reads`` and ``inserts`` by class (``mature`` incl.
  resolved, ``ambiguous``, ``hairpin`` only, ``unaligned``: they add up to all),
  ``resolved_ambiguous_reads``/``_inserts``, ``mature_molecules``,
  ``mature_mirnas_detected``, ``umi_duplication_rate`` (1 - molecules/reads on matures).

Memory grows with unique molecules only (:class:`Molecules`: ~20 bytes each, UMIs packed
2 bits per base, 3 when some hold ``N``) and the UMI search runs in batches of whole groups.

Merged matrices (:func:`merge_matrices`): ``mature_umi_counts.tsv``,
``mature_read_counts.tsv``, ``hairpin_umi_counts.tsv``, ``hairpin_read_counts.tsv``: first
column ``mirna`` (or ``hairpin``), one integer column per ``sample_id`` in sample-sheet
order, every name seen in any sample, rows sorted by name; ``isomir_counts.tsv``: long
table ``sample_id``, ``mirna``, ``isomir``, ``insert``, ``reads``, ``umis`` for inserts
assigned to a mature miRNA.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mirscope.counts.align import read_hits
from mirscope.counts.assign import Assigner
from mirscope.counts.umi import code_umis, dedup_counts, pack_umis, recode_packed
from mirscope.errors import InputError
from mirscope.reads.molecules import LeftOut, iter_molecule_chunks


@dataclass
class Molecules:
    """A molecules table held compactly: memory grows with unique molecules, ~20 bytes each.

    ``inserts``: the unique insert sequences; ``insert_code``: per row, index into them;
    ``umis``: per row, the UMI packed 2 bits/base (uint64, see :func:`mirscope.counts.umi.
    pack_umis`), or ``umi_bits`` 3 when some UMIs hold ``N`` (:func:`mirscope.counts.umi.
    code_umis`), or, for UMIs that cannot be coded (other characters, unequal or > 21 nt),
    the strings; ``reads``: per row.
    """

    inserts: np.ndarray
    insert_code: np.ndarray
    umis: np.ndarray
    umi_length: int
    reads: np.ndarray
    has_umi: bool
    umi_bits: int = 2
    #: Rows left out by :func:`read_molecules_compact`'s ``only``: their number, reads and
    #: distinct inserts (what the statistics need of them).
    other_rows: int = 0
    other_reads: int = 0
    other_inserts: int = 0


@dataclass
class SampleCounts:
    """One sample's counts: the three tables and the QC statistics (module docstring)."""

    mature: pd.DataFrame
    hairpin: pd.DataFrame
    isomirs: pd.DataFrame
    stats: dict


def read_molecules_compact(
    path: str | os.PathLike[str], only: Collection[str] | None = None
) -> Molecules:
    """Read a molecules table chunk by chunk into :class:`Molecules` (checked as it goes).

    ``only``: keep the rows of these inserts; of the others keep only their number, reads
    and distinct inserts (:class:`Molecules`' ``other_*``). Why: in a real plasma library
    most molecules are fragments that align to no hairpin (82% in a public QIAseq plasma
    file), each with an insert of its own, and holding them (a string, a code and a UMI
    each) only to count them made memory grow with depth.
    """
    path = str(path)
    index: dict[str, int] = {}
    codes, umi_parts, reads = [], [], []
    packed_ok = True
    bits = 2  # 3 once a chunk holds N (earlier chunks are recoded, not re-read)
    umi_length = 0
    left_out = LeftOut()
    for _row0, df in iter_molecule_chunks(path, keep=only, left_out=left_out):
        if not len(df):
            continue
        c, uniq = pd.factorize(df["insert"].to_numpy(dtype=object))
        remap = np.array([index.setdefault(u, len(index)) for u in uniq], dtype=np.int32)
        codes.append(remap[c])
        umis = df["umi"].to_numpy(dtype=object)
        if left_out.has_umi:
            umi_length = umi_length or len(umis[0])
            packed = None
            if packed_ok and len(umis[0]) == umi_length:
                packed = pack_umis(umis) if bits == 2 else code_umis(umis)
                if packed is None and bits == 2:
                    packed = code_umis(umis)
                    if packed is not None:
                        bits = 3
                        umi_parts = [recode_packed(p, umi_length) for p in umi_parts]
            if packed is None:
                packed_ok = False
                umi_parts.append(umis)
            else:
                umi_parts.append(packed)
        reads.append(df["reads"].to_numpy(dtype=np.int64))
    if left_out.has_umi and not packed_ok:
        # one chunk could not be packed: keep every UMI as a string (rare: N in UMIs)
        umi_parts = [c["umi"].to_numpy(dtype=object) for _r, c in iter_molecule_chunks(path, only)]
        umi_length, bits = next((len(u[0]) for u in umi_parts if len(u)), 0), 2
    inserts = np.empty(len(index), dtype=object)
    for seq, i in index.items():
        inserts[i] = seq
    return Molecules(
        inserts=inserts,
        insert_code=np.concatenate(codes) if codes else np.zeros(0, dtype=np.int32),
        umis=np.concatenate(umi_parts) if umi_parts else np.zeros(0, dtype=np.uint64),
        umi_length=umi_length,
        reads=np.concatenate(reads) if reads else np.zeros(0, dtype=np.int64),
        has_umi=bool(left_out.has_umi),
        umi_bits=bits,
        other_rows=left_out.rows,
        other_reads=left_out.reads,
        other_inserts=left_out.inserts,
    )


def _group_hits(bam: str | os.PathLike[str]) -> dict[str, list]:
    hits: dict[str, list] = defaultdict(list)
    for insert, hit in read_hits(bam):
        hits[insert].append(hit)
    return hits


def _dedup_table(
    row_group: np.ndarray,
    names: np.ndarray,
    umis: np.ndarray,
    reads: np.ndarray,
    has_umi: bool,
    name: str,
    correct_collisions: bool,
    umi_length: int,
    umi_bits: int = 2,
) -> pd.DataFrame:
    """Reads and UMI-corrected molecules per group, sorted by group name.

    ``row_group`` holds, per molecule row, an index into ``names`` or -1 (not counted).
    """
    keep = row_group >= 0
    codes, present = pd.factorize(row_group[keep], sort=False)
    read_sum = np.bincount(codes, weights=reads[keep], minlength=len(present))
    if has_umi:
        mols = dedup_counts(
            codes,
            umis[keep],
            reads[keep],
            correct_collisions=correct_collisions,
            umi_length=umi_length,
            umi_bits=umi_bits,
        )
    else:
        mols = read_sum
    table = pd.DataFrame(
        {
            name: names[np.asarray(present, dtype=np.int64)],
            "reads": read_sum.astype(np.int64),
            "umis": np.asarray(mols, dtype=np.int64),
        }
    )
    return table.sort_values(name, kind="stable").reset_index(drop=True)


def _codes(values: np.ndarray, counted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``values`` where ``counted`` (else -1), and the code -> value table."""
    codes = np.full(len(values), -1, dtype=np.int64)
    if counted.any():
        c, uniques = pd.factorize(values[counted], sort=True)
        codes[counted] = c
        return codes, np.asarray(uniques, dtype=object)
    return codes, np.array([], dtype=object)


def _resolve_ambiguous(
    status: np.ndarray,
    mirna: np.ndarray,
    isomir: np.ndarray,
    ins_codes: np.ndarray,
    reads: np.ndarray,
    min_ratio: float,
) -> None:
    """Give ambiguous inserts to a clearly dominant candidate (in place; see count_sample)."""
    amb = np.flatnonzero(status == "ambiguous")
    if not len(amb):
        return
    per_insert = np.bincount(ins_codes, weights=reads, minlength=len(status))
    abundance: dict[str, float] = defaultdict(float)
    for i in np.flatnonzero(status == "mature").tolist():
        abundance[mirna[i]] += per_insert[i]
    for i in amb.tolist():
        names = mirna[i].split(";")
        labels = isomir[i].split(";")
        ranked = sorted(range(len(names)), key=lambda k: (-abundance.get(names[k], 0.0), k))
        top = abundance.get(names[ranked[0]], 0.0)
        second = abundance.get(names[ranked[1]], 0.0)
        if top > 0 and top >= min_ratio * second:
            status[i] = "resolved"
            mirna[i] = names[ranked[0]]
            isomir[i] = labels[ranked[0]]


def count_sample(
    molecules: str | os.PathLike[str],
    bam: str | os.PathLike[str],
    assigner: Assigner,
    *,
    sample_id: str,
    correct_collisions: bool = True,
    resolve_ambiguous: bool = True,
    ambiguous_min_ratio: float = 10.0,
) -> SampleCounts:
    """Count one sample: its mature, hairpin and isomiR tables and its statistics (the
    four per-sample outputs of the module docstring; :mod:`mirscope.stages.count` writes them).

    ``correct_collisions`` adds back molecules that directional UMI correction merges only
    because their random UMIs are one substitution apart (:func:`mirscope.counts.umi.
    collision_corrected`); it matters for the few miRNAs with tens of thousands of
    molecules in a sample.

    ``resolve_ambiguous``: an insert that fits several matures equally well goes to the
    candidate with the most reads from unambiguous inserts in this sample, when it has at
    least ``ambiguous_min_ratio`` times the runner-up's (the most probable origin given
    the sample's own abundances; e.g. the 3p:-2 isomiR of miR-320a-3p equals one of
    miR-320b). Such inserts get status ``resolved``; the others stay ``ambiguous`` and are
    not counted in the mature tables.

    Assignment is done once per unique insert; molecule rows only carry integer codes
    (insert -> mature group / hairpin group), so memory and time grow with unique
    molecules, not with reads.
    """
    hits = _group_hits(bam)
    mol = read_molecules_compact(molecules, only=hits)
    has_umi = mol.has_umi
    umi_col = mol.umis
    other_rows, other_reads, other_inserts = mol.other_rows, mol.other_reads, mol.other_inserts
    ins_codes = mol.insert_code.astype(np.int64)
    inserts = mol.inserts
    reads = mol.reads
    umi_length = mol.umi_length
    bits = mol.umi_bits
    del mol
    n = len(inserts)
    status = np.full(n, "unaligned", dtype=object)
    mirna = np.full(n, "", dtype=object)
    hairpin = np.full(n, "", dtype=object)
    isomir = np.full(n, "", dtype=object)
    index = {s: i for i, s in enumerate(inserts.tolist())}
    for insert, insert_hits in hits.items():
        i = index.get(insert)
        if i is None:
            raise InputError(
                "the BAM aligns an insert that is not in the molecules table (BAM and table "
                f"from different samples or runs?); molecules table {molecules}",
                path=str(bam),
                value=insert,
                allowed="the BAM made by `mirscope inserts` + bowtie from this table",
            )
        a = assigner.assign(insert, insert_hits)
        status[i], mirna[i], hairpin[i], isomir[i] = a.status, a.mirna, a.hairpin, a.isomir
    if resolve_ambiguous:
        _resolve_ambiguous(status, mirna, isomir, ins_codes, reads, ambiguous_min_ratio)
    is_mature = (status == "mature") | (status == "resolved")
    aligned = status != "unaligned"
    mature_code, mature_names = _codes(mirna, is_mature)
    hairpin_code, hairpin_names = _codes(hairpin, aligned)
    cc = correct_collisions
    mature = _dedup_table(
        mature_code[ins_codes], mature_names, umi_col, reads, has_umi, "mirna", cc, umi_length, bits
    )
    hp = _dedup_table(
        hairpin_code[ins_codes],
        hairpin_names,
        umi_col,
        reads,
        has_umi,
        "hairpin",
        cc,
        umi_length,
        bits,
    )
    ins_reads = np.bincount(ins_codes, weights=reads, minlength=n).astype(np.int64)
    ins_umis = np.bincount(ins_codes, minlength=n).astype(np.int64) if has_umi else ins_reads
    per_insert = pd.DataFrame(
        {
            "insert": inserts,
            "status": status,
            "mirna": mirna,
            "hairpin": hairpin,
            "isomir": isomir,
            "reads": ins_reads,
            "umis": ins_umis,
        }
    )[aligned]
    per_insert = per_insert.sort_values("insert", kind="stable").reset_index(drop=True)

    total_reads = int(reads.sum()) + other_reads
    # "mature" includes resolved ambiguous inserts (also given on their own), so that the
    # four classes add up to all reads.
    klass = np.where(status == "resolved", "mature", status)
    reads_by = {
        k: int(ins_reads[klass == k].sum()) for k in ("mature", "ambiguous", "hairpin", "unaligned")
    }
    inserts_by = {k: int((klass == k).sum()) for k in reads_by}
    reads_by["unaligned"] += other_reads
    inserts_by["unaligned"] += other_inserts
    raw_umis = int(len(reads)) + other_rows if has_umi else total_reads
    mature_mols = int(mature["umis"].sum())
    stats = {
        "sample_id": sample_id,
        "has_umi": has_umi,
        "umi_collision_correction": bool(correct_collisions and has_umi),
        "reads_total": total_reads,
        "unique_inserts": int(n) + other_inserts,
        "raw_molecules": raw_umis,
        "reads": reads_by,
        "inserts": inserts_by,
        "resolved_ambiguous_reads": int(ins_reads[status == "resolved"].sum()),
        "resolved_ambiguous_inserts": int((status == "resolved").sum()),
        "mature_molecules": mature_mols,
        "mature_mirnas_detected": int((mature["reads"] > 0).sum()),
        "umi_duplication_rate": (
            round(1 - mature_mols / int(mature["reads"].sum()), 6)
            if has_umi and int(mature["reads"].sum())
            else 0.0
        ),
    }
    return SampleCounts(mature=mature, hairpin=hp, isomirs=per_insert, stats=stats)


def _read_table(path: str | os.PathLike[str], key: str) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, sep="\t", dtype={key: str}, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read count table: {exc}", path=str(path)) from exc
    for col in (key, "reads", "umis"):
        if col not in df.columns:
            raise InputError(
                f"missing column '{col}'", path=str(path), row=1, value=list(df.columns)
            )
    return df


def _matrix(tables: list[pd.DataFrame], sample_ids: list[str], key: str, value: str):
    names = sorted(set().union(*(set(t[key]) for t in tables))) if tables else []
    out = pd.DataFrame({key: names})
    for sid, t in zip(sample_ids, tables, strict=True):
        s = t.set_index(key)[value]
        out[sid] = s.reindex(names, fill_value=0).to_numpy(dtype=np.int64)
    return out


#: The merged tables' file names, by the keys :func:`merge_matrices` returns them under.
MATRIX_FILES = {
    "mature_umi": "mature_umi_counts.tsv",
    "mature_read": "mature_read_counts.tsv",
    "hairpin_umi": "hairpin_umi_counts.tsv",
    "hairpin_read": "hairpin_read_counts.tsv",
    "isomir": "isomir_counts.tsv",
}


def merge_matrices(
    sample_ids: list[str],
    mature: list[str | os.PathLike[str]],
    hairpin: list[str | os.PathLike[str]],
    isomirs: list[str | os.PathLike[str]],
) -> dict[str, pd.DataFrame]:
    """Merge per-sample tables into the count matrices (see the module docstring), keyed
    as :data:`MATRIX_FILES` names their files."""
    if not (len(sample_ids) == len(mature) == len(hairpin) == len(isomirs)):
        raise InputError("need one mature, hairpin and isomiR table per sample id")
    if len(set(sample_ids)) != len(sample_ids):
        dup = next(s for s in sample_ids if sample_ids.count(s) > 1)
        raise InputError("duplicate sample id", value=dup, allowed="unique sample ids")
    mt = [_read_table(p, "mirna") for p in mature]
    ht = [_read_table(p, "hairpin") for p in hairpin]
    tables = {
        "mature_umi": _matrix(mt, sample_ids, "mirna", "umis"),
        "mature_read": _matrix(mt, sample_ids, "mirna", "reads"),
        "hairpin_umi": _matrix(ht, sample_ids, "hairpin", "umis"),
        "hairpin_read": _matrix(ht, sample_ids, "hairpin", "reads"),
    }
    long = []
    for sid, p in zip(sample_ids, isomirs, strict=True):
        t = pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False)
        t = t[t["status"].isin(["mature", "resolved"])]
        long.append(
            pd.DataFrame(
                {
                    "sample_id": sid,
                    "mirna": t["mirna"],
                    "isomir": t["isomir"],
                    "insert": t["insert"],
                    "reads": t["reads"].astype(np.int64),
                    "umis": t["umis"].astype(np.int64),
                }
            )
        )
    cols = ["sample_id", "mirna", "isomir", "insert", "reads", "umis"]
    iso = pd.concat(long, ignore_index=True) if long else pd.DataFrame(columns=cols)
    tables["isomir"] = iso.reindex(columns=cols)
    return tables

"""IsomiRs in miRTop's mirGFF3 (version 1.2), so that isomiR tools (mirtop, isomiRs) read them.

mirscope's own ``isomir_counts.tsv`` labels (``5p:-1|nt:A``) are for reading by eye; mirGFF3
is the community exchange format: one line per (sequence, mature miRNA) on its precursor,
with a sequence-derived ``UID`` that stays valid across tools and miRBase releases.

Lines (GFF3, 1-based inclusive coordinates on the hairpin, ``+`` strand):

* column 1 the hairpin (``Parent``), 2 ``mirscope``, 3 ``ref_miRNA`` (the miRBase arm exactly)
  or ``isomiR``; 4-5 where the insert lies, including non-templated 3' bases;
* ``UID``: the insert's MINTplates licence plate with prefix ``iso`` (:func:`uid`; mirtop's
  ``make_id``); ``Read``: the insert; ``Name``: the mature group as in the count matrices
  (identical-sequence matures ``/``-joined); ``Variant``: ``iso_5p:N`` and ``iso_3p:N``
  (insert end minus the arm's: ``iso_5p:-1`` starts one base upstream, ``iso_3p:+1`` ends
  one templated base later; mirtop's and mirGFF3 1.1's sign, 1.0 had iso_5p flipped),
  ``iso_add3p:N`` non-templated 3' bases, ``iso_snv_seed`` / ``_central_offset`` /
  ``_central`` / ``_central_supp`` / ``iso_snv`` for other mismatches at insert positions
  2-7 / 8 / 9-12 / 13-17 / elsewhere; ``NA`` when none; ``Cigar``: ``M`` for matches, the
  hairpin's base at a mismatch (``11MA7M``), ``I`` past the hairpin's end; ``Hits``:
  best-stratum alignments of the insert; ``Expression``: one value per ``COLDATA`` sample;
  ``Filter``: ``PASS``.

Expression is UMI-deduplicated molecules (reads for kits without UMIs), because that is
what the count matrices hold: a miRNA's isomiR values add up to its ``mature_umi_counts.tsv``
value. Each directional UMI cluster of a miRNA (the clusters :mod:`mirscope.counts.umi`
counts, pooled over the miRNA's inserts) is one molecule and goes to the insert carrying
most of its reads: an insert sequencing error does not become a molecule of its own. The
few molecules that collision correction adds back to deep miRNAs are shared out over its
isomiRs in proportion to their clusters (largest remainders). An ``N`` in an insert is read
as the hairpin's base there, or dropped when it is the last base (a UID needs A/C/G/T); an
insert with an ``N`` inside its non-templated tail gets no line, and a cluster goes to such
an insert only when it has no other.

Only inserts counted for a miRNA (status ``mature`` or ``resolved``) are written: ambiguous
and hairpin-only inserts are not in the matrices either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from mirscope.counts.align import Hit
from mirscope.counts.assign import Assigner, Placement
from mirscope.counts.umi import hamming1_neighbours
from mirscope.errors import InputError

VERSION = "1.2"
#: FAIRsharing identifiers of the miRBase and MirGeneDB databases (the spec's header).
ONTOLOGY = {"mirbase": "doi:10.25504/fairsharing.hmgte8", "mirgenedb": "http://mirgenedb.org"}

# MINTplates (Loher et al. 2017, used by mirtop for UID): a sequence is cut into 5-mers, each
# written as two characters of this alphabet by its rank among all 5-mers (A<C<G<T); a last
# shorter piece is ranked among the pieces of 1, 2, 3 and 4 bases listed one after another
# and written without a leading "zero" (one character when its rank is below 32).
_PLATE_ALPHABET = "BD0EF1HI2JK3LM4NO5PQ6RS7UV8WX9YZ"
_PIECE_OFFSET = {1: 0, 2: 4, 3: 20, 4: 84, 5: 0}
_BASE_RANK = {"A": 0, "C": 1, "G": 2, "T": 3}


def _plate_piece(piece: str) -> str:
    rank = 0
    for base in piece:
        rank = 4 * rank + _BASE_RANK[base]
    rank += _PIECE_OFFSET[len(piece)]
    high = _PLATE_ALPHABET[rank // 32] if len(piece) == 5 or rank >= 32 else ""
    return high + _PLATE_ALPHABET[rank % 32]


def uid(sequence: str, prefix: str = "iso") -> str:
    """miRTop's UID of a sequence: ``iso-<length>-<plate>`` (A/C/G/T only; U read as T)."""
    seq = sequence.upper().replace("U", "T")
    if not seq or seq.strip("ACGT"):
        raise InputError("a UID needs a sequence of A/C/G/T only", value=sequence)
    plate = "".join(_plate_piece(seq[i : i + 5]) for i in range(0, len(seq), 5))
    return f"{prefix}-{len(seq)}-{plate}"


def _snv_class(position: int) -> str:
    """mirGFF3 class of a mismatch at 1-based insert ``position``."""
    if 2 <= position <= 7:
        return "iso_snv_seed"
    if position == 8:
        return "iso_snv_central_offset"
    if 9 <= position <= 12:
        return "iso_snv_central"
    if 13 <= position <= 17:
        return "iso_snv_central_supp"
    return "iso_snv"


def variant(insert: str, place: Placement) -> str:
    """The ``Variant`` attribute of one placement (``NA`` for the reference miRNA)."""
    parts = []
    if place.d5:
        parts.append(f"iso_5p:{place.d5:+d}")
    if place.d3:
        parts.append(f"iso_3p:{place.d3:+d}")
    if place.nontemplated:
        parts.append(f"iso_add3p:{place.nontemplated}")
    templated = len(insert) - place.nontemplated
    snvs = sorted({_snv_class(p + 1) for p in place.mismatches if p < templated})
    parts += snvs
    return ",".join(parts) or "NA"


def cigar(insert: str, hairpin: str, start: int) -> str:
    """Extended CIGAR of an ungapped insert at 0-based ``start`` on ``hairpin``."""
    ops = []
    for i, base in enumerate(insert):
        r = start + i
        if r >= len(hairpin):
            ops.append("I")
        elif hairpin[r] == base:
            ops.append("M")
        else:
            ops.append(hairpin[r])
    out = []
    run = 0
    for op in ops + [""]:
        if op == "M":
            run += 1
            continue
        if run:
            out.append(f"{run}M")
            run = 0
        out.append(op)
    return "".join(out)


def _neighbours_packed(umi: int, length: int) -> Iterable[int]:
    for p in range(length):
        shift = 2 * p
        for v in (1, 2, 3):
            yield umi ^ (v << shift)


def _neighbours_coded(umi: int, length: int) -> Iterable[int]:
    """One-substitution neighbours of a UMI coded 3 bits per base (A/C/G/N/T as 0-4)."""
    for p in range(length):
        shift = 3 * p
        value = (umi >> shift) & 7
        rest = umi & ~(7 << shift)
        for v in range(5):
            if v != value:
                yield rest | (v << shift)


def _clusters(counts: dict, neighbours) -> list[list]:
    """Directional UMI clusters with their members (:mod:`mirscope.counts.umi`'s rule and
    visiting order: by decreasing count, ties by UMI; a -> b when count(a) >= 2 count(b) - 1)."""
    seen: set = set()
    clusters = []
    for node in sorted(counts, key=lambda u: (-counts[u], u)):
        if node in seen:
            continue
        seen.add(node)
        members = [node]
        stack = [node]
        while stack:
            cur = stack.pop()
            c = counts[cur]
            for nxt in neighbours(cur):
                cn = counts.get(nxt)
                if cn is not None and nxt not in seen and c >= 2 * cn - 1:
                    seen.add(nxt)
                    members.append(nxt)
                    stack.append(nxt)
        clusters.append(members)
    return clusters


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` that add up to ``total`` (ties: first wins)."""
    if total <= 0 or not len(weights):
        return np.zeros(len(weights), dtype=np.int64)
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        w = np.ones(len(w))
    exact = w / w.sum() * total
    base = np.floor(exact).astype(np.int64)
    rest = total - int(base.sum())
    order = np.lexsort((np.arange(len(w)), -(exact - base)))
    base[order[:rest]] += 1
    return base


def isomir_molecules(
    insert_code: np.ndarray,
    umis: np.ndarray,
    reads: np.ndarray,
    inserts: np.ndarray,
    mirna_of_insert: np.ndarray,
    mirna_molecules: dict[str, int],
    *,
    has_umi: bool,
    umi_length: int,
    umi_bits: int = 2,
) -> pd.DataFrame:
    """Reads and molecules per assigned insert (``insert``, ``mirna``, ``reads``, ``molecules``).

    ``mirna_of_insert``: per unique insert, its counted mature group or "" (not counted);
    ``mirna_molecules``: each group's molecules in the sample's mature table, which the
    insert values of that group add up to (see the module docstring).
    """
    code = np.asarray(insert_code, dtype=np.int64)
    counted = np.asarray([m != "" for m in mirna_of_insert], dtype=bool)
    keep = counted[code]
    code, reads = code[keep], np.asarray(reads, dtype=np.int64)[keep]
    ins_reads = np.bincount(code, weights=reads, minlength=len(inserts)).astype(np.int64)
    mols = np.zeros(len(inserts), dtype=np.int64)
    if not has_umi:
        mols = ins_reads.copy()
    else:
        umi_rows = np.asarray(umis)[keep]
        packed = umi_rows.dtype == np.uint64
        if packed:
            umi_rows = umi_rows.astype(object)  # Python ints: exact XOR neighbours

            step = _neighbours_coded if umi_bits == 3 else _neighbours_packed

            def neighbours(u):
                return step(u, umi_length)

        else:
            neighbours = hamming1_neighbours
        has_n = np.array(["N" in s for s in inserts.tolist()], dtype=bool)
        by_group: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
        for c, u, r in zip(code.tolist(), umi_rows.tolist(), reads.tolist(), strict=True):
            by_group[mirna_of_insert[c]][u][c] += r
        for group, per_umi in by_group.items():
            counts = {u: sum(d.values()) for u, d in per_umi.items()}
            clusters = _clusters(counts, neighbours)
            owned: dict[int, int] = defaultdict(int)
            for members in clusters:
                per_insert: dict[int, int] = defaultdict(int)
                for u in members:
                    for c, r in per_umi[u].items():
                        per_insert[c] += r
                owner = min(per_insert, key=lambda c: (has_n[c], -per_insert[c], inserts[c]))
                owned[owner] += 1
            target = mirna_molecules.get(group)
            if target is None:
                raise InputError(
                    "a miRNA of the isomiR table is missing from the mature table",
                    value=group,
                    allowed="the mature and isomiR tables of one `mirscope count` run",
                )
            extra = target - len(clusters)
            if extra < 0:
                raise InputError(
                    "the mature table has fewer molecules than UMI clusters (tables from "
                    "different runs?)",
                    value=f"{group}: {target} < {len(clusters)}",
                )
            codes = sorted(owned, key=lambda c: inserts[c])
            weights = np.array([owned[c] for c in codes], dtype=np.int64)
            for c, n in zip(codes, weights + _largest_remainder(weights, extra), strict=True):
                mols[c] = int(n)
    rows = np.flatnonzero(counted & ((ins_reads > 0) | (mols > 0)))
    return pd.DataFrame(
        {
            "insert": inserts[rows],
            "mirna": mirna_of_insert[rows],
            "reads": ins_reads[rows],
            "molecules": mols[rows],
        }
    )


def _call_n(insert: str, place: Placement, hairpin: str) -> tuple[str, Placement] | None:
    """The insert with each templated ``N`` read as the hairpin's base and trailing ``N``
    dropped, or None when an ``N`` sits inside the non-templated tail or past the hairpin.

    Why: ``N`` is a base the sequencer could not call (bowtie counts it as a mismatch); a
    UID needs A/C/G/T. Reading it as the hairpin's base, or dropping an unknown last base,
    puts its molecules on the line of that sequence, so the miRNA's total stays whole.
    """
    trailing = len(insert) - len(insert.rstrip("N"))
    if trailing:
        insert = insert[:-trailing]
        place = replace(
            place,
            nontemplated=max(0, place.nontemplated - trailing),
            mismatches=tuple(p for p in place.mismatches if p < len(insert)),
        )
    templated = len(insert) - place.nontemplated
    called = list(insert)
    fixed = set()
    for i, base in enumerate(insert):
        if base != "N":
            continue
        r = place.start + i
        if i >= templated or r >= len(hairpin):
            return None
        called[i] = hairpin[r]
        fixed.add(i)
    if not called:
        return None
    mism = tuple(p for p in place.mismatches if p not in fixed)
    return "".join(called), replace(place, mismatches=mism)


def sample_features(
    table: pd.DataFrame, hits: dict[str, list[Hit]], assigner: Assigner
) -> pd.DataFrame:
    """One row per feature line: ``table`` (from :func:`isomir_molecules`) with placement.

    Columns added: ``hairpin``, ``start``, ``end`` (1-based inclusive), ``type``, ``uid``,
    ``variant``, ``cigar``, ``hits``. Inserts with ``N`` join the line of the sequence
    with the hairpin's bases in their place (:func:`_call_n`), or are dropped if they cannot.
    """
    rows = {}
    for insert, mirna, n_reads, n_mols in table[
        ["insert", "mirna", "reads", "molecules"]
    ].itertuples(index=False):
        insert_hits = hits.get(insert, [])
        place = assigner.placement(insert, insert_hits, mirna)
        if place is None:
            raise InputError(
                "an insert counted for a miRNA has no fitting alignment in the BAM (BAM and "
                "tables from different runs?)",
                value=f"{insert} ({mirna})",
            )
        hp = assigner.hairpins[place.hairpin]
        if "N" in insert:
            called = _call_n(insert, place, hp)
            if called is None:
                continue
            insert, place = called
        key = (insert, mirna)
        if key in rows:
            rows[key]["reads"] += int(n_reads)
            rows[key]["molecules"] += int(n_mols)
            continue
        canonical = not (place.d5 or place.d3 or place.nontemplated or place.mismatches)
        rows[key] = {
            "insert": insert,
            "mirna": mirna,
            "reads": int(n_reads),
            "molecules": int(n_mols),
            "hairpin": place.hairpin,
            "start": place.start + 1,
            "end": place.start + len(insert),
            "type": "ref_miRNA" if canonical else "isomiR",
            "uid": uid(insert),
            "variant": variant(insert, place),
            "cigar": cigar(insert, hp, place.start),
            "hits": len(insert_hits),
        }
    cols = ["insert", "mirna", "reads", "molecules", "hairpin", "start", "end", "type", "uid"]
    cols += ["variant", "cigar", "hits"]
    out = pd.DataFrame(list(rows.values()), columns=cols)
    return out.sort_values(["hairpin", "start", "end", "mirna", "insert"], kind="stable")


def header(samples: Sequence[str], database: str, tool: str) -> str:
    """The mirGFF3 header; ``COLDATA`` last, as mirtop's readers expect."""
    key = next((k for k in ONTOLOGY if k in database.lower()), None)
    ontology = ONTOLOGY.get(key, "Custom.") if key else "Custom."
    return (
        f"## VERSION: {VERSION}\n"
        f"## source-ontology: {database} {ontology}\n"
        f"## TOOLS: {tool}\n"
        "## FILTER: PASS(counted for this mature miRNA in the count matrices)\n"
        "## EXPRESSION: UMI-deduplicated molecules (reads when the kit has no UMI)\n"
        f"## COLDATA: {','.join(samples)}\n"
    )


def feature_line(row, expression: Sequence[int]) -> str:
    """One mirGFF3 line from a :func:`sample_features` row and its per-sample values."""
    attrs = (
        f"Read={row.insert}; UID={row.uid}; Name={row.mirna}; Parent={row.hairpin}; "
        f"Variant={row.variant}; Cigar={row.cigar}; "
        f"Expression={','.join(str(int(v)) for v in expression)}; Filter=PASS; Hits={row.hits};"
    )
    return "\t".join(
        [row.hairpin, "mirscope", row.type, str(row.start), str(row.end), ".", "+", ".", attrs]
    )


def render(features: dict[str, pd.DataFrame], database: str, tool: str) -> str:
    """A mirGFF3 file of one or more samples (``features`` in COLDATA order).

    A line per (insert, miRNA) seen in any sample; its placement does not depend on the
    sample (same reference, deterministic alignment), so the first sample's is used.
    """
    samples = list(features)
    expr: dict[tuple[str, str], list[int]] = {}
    first: dict[tuple[str, str], object] = {}
    for i, sample in enumerate(samples):
        for row in features[sample].itertuples(index=False):
            key = (row.insert, row.mirna)
            if key not in expr:
                expr[key] = [0] * len(samples)
                first[key] = row
            expr[key][i] = int(row.molecules)
    order = sorted(first, key=lambda k: (first[k].hairpin, first[k].start, first[k].end, *k))
    body = "".join(feature_line(first[k], expr[k]) + "\n" for k in order)
    return header(samples, database, tool) + body


def read_features(path) -> pd.DataFrame:
    """Read back a per-sample mirGFF3 written by :func:`render` (to merge a cohort)."""
    rows = []
    samples = None
    with open(path) as fh:
        for line in fh:
            if line.startswith("## COLDATA:"):
                samples = line.split(":", 1)[1].strip().split(",")
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 9:
                raise InputError("a mirGFF3 line needs 9 tab-separated columns", path=str(path))
            attrs = dict(item.strip().split("=", 1) for item in cols[8].split(";") if "=" in item)
            values = attrs["Expression"].split(",")
            if samples is None or len(values) != 1 or len(samples) != 1:
                raise InputError(
                    "expected a one-sample mirGFF3 (COLDATA then one value per line)",
                    path=str(path),
                )
            rows.append(
                {
                    "insert": attrs["Read"],
                    "mirna": attrs["Name"],
                    "reads": 0,
                    "molecules": int(values[0]),
                    "hairpin": cols[0],
                    "start": int(cols[3]),
                    "end": int(cols[4]),
                    "type": cols[2],
                    "uid": attrs["UID"],
                    "variant": attrs["Variant"],
                    "cigar": attrs["Cigar"],
                    "hits": int(attrs["Hits"]),
                }
            )
    return pd.DataFrame(rows)

"""Assign hairpin alignments of an insert to a mature miRNA, with isomiR tolerance.

An insert is assigned to the mature arm whose miRBase coordinates (GFF3, via the
reference stage's ``<species>_mature_loci.tsv``) it overlaps within a tolerance:

* its 5' end within ``tol5`` (default 3) nt of the arm's 5' end;
* its templated 3' end within ``tol3`` (default 3) nt of the arm's 3' end;
* up to :data:`mirscope.counts.align.NONTEMPLATED_MAX` (2) non-templated 3' nucleotides: 3'
  bases that do not match the hairpin (a mismatch in the last two positions, or bases
  trimmed by the second bowtie pass that do not continue the hairpin).

Each insert is counted once:

* ``mature``: all best-stratum hits name one mature group. Paralogous hairpins carrying
  the same mature (hsa-mir-16-1/-2 -> hsa-miR-16-5p) are one name; matures with different
  names but identical sequences (hsa-miR-365a-3p and hsa-miR-365b-3p) cannot be told apart
  by any read and are reported as one group named ``hsa-miR-365a-3p/hsa-miR-365b-3p``;
* ``ambiguous``: hits fit several different mature groups equally well; reported
  (candidates joined by ``;``) and not counted in the mature matrices. When the fits
  differ, the closest arm wins: distance = |5' offset| + |templated 3' offset| +
  non-templated 3' bases + other mismatches (an isomiR of miR-642a-5p with one
  non-templated A that would need two edits to be miR-642b-5p goes to miR-642a-5p);
* ``hairpin``: aligned to hairpins but to no arm within tolerance (loop fragments,
  degradation products): counted at hairpin level only.

IsomiR label (``canonical`` or ``|``-joined parts): ``5p:-N``/``5p:+N`` the insert starts
N nt before/after the arm's 5' end; ``3p:+N``/``3p:-N`` its templated 3' end lies N nt
after/before the arm's 3' end; ``nt:XY`` non-templated 3' bases; ``snv:N`` other
mismatches (sequencing errors or variants).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from mirscope.counts.align import NONTEMPLATED_MAX, Hit
from mirscope.fetch.reference import MatureLocus, read_fasta, read_loci, to_dna


@dataclass(frozen=True)
class Assignment:
    """Where one insert's molecules are counted."""

    status: str  # "mature", "ambiguous" or "hairpin"
    mirna: str  # mature group ("" for hairpin; ";"-joined candidates for ambiguous)
    hairpin: str  # hairpins of the counted hits, "/"-joined (paralogs stay one row)
    isomir: str  # label on the mature arm (";"-joined per candidate if ambiguous)


@dataclass(frozen=True)
class Placement:
    """One fit of an insert on a mature arm, with positions (formats such as mirGFF3 need
    coordinates on the hairpin and where each mismatch is, not only the label)."""

    distance: int
    group: str
    hairpin: str
    label: str
    start: int  # 0-based on the hairpin
    d5: int  # insert 5' end minus the arm's
    d3: int  # templated 3' end minus the arm's
    nontemplated: int  # non-templated 3' bases
    mismatches: tuple[int, ...]  # 0-based insert positions unlike the hairpin (incl. those)

    @property
    def key(self) -> tuple[int, str, str, str]:
        """What :meth:`Assigner.candidates` returns and assignment ties are broken on."""
        return (self.distance, self.group, self.hairpin, self.label)


class Assigner:
    """Mature arms on hairpins and the rules above, reusable over many inserts."""

    def __init__(
        self,
        hairpins: dict[str, str],
        loci: Iterable[MatureLocus],
        *,
        tol5: int = 3,
        tol3: int = 3,
        nontemplated: int = NONTEMPLATED_MAX,
    ) -> None:
        self.hairpins = hairpins
        self.tol5 = tol5
        self.tol3 = tol3
        self.nontemplated = nontemplated
        self.loci: dict[str, list[MatureLocus]] = {}
        by_seq: dict[str, set[str]] = {}
        for locus in loci:
            self.loci.setdefault(locus.hairpin, []).append(locus)
            seq = hairpins.get(locus.hairpin, "")[locus.start : locus.end]
            by_seq.setdefault(seq, set()).add(locus.mature)
        #: mature name -> reported group name (identical sequences share one).
        self.group: dict[str, str] = {}
        for names in by_seq.values():
            label = "/".join(sorted(names))
            for name in names:
                self.group[name] = label

    @classmethod
    def from_files(
        cls, hairpin_fasta: str | os.PathLike[str], loci_tsv: str | os.PathLike[str], **kw
    ) -> Assigner:
        """Build from the reference stage's hairpin FASTA and mature loci TSV."""
        hairpins = {name: to_dna(seq) for name, _d, seq in read_fasta(hairpin_fasta)}
        return cls(hairpins, read_loci(loci_tsv), **kw)

    def _tail(self, insert: str, hit: Hit) -> tuple[int, int, tuple[int, ...]]:
        """(non-templated 3' length, other mismatches, all mismatch positions) of one hit."""
        length = len(insert)
        mism = set(hit.mismatches)
        if hit.trim3:
            ref = self.hairpins[hit.hairpin]
            for i in range(hit.aligned, length):
                r = hit.start + i
                if r >= len(ref) or ref[r] != insert[i]:
                    mism.add(i)
        tail_mm = [p for p in mism if p >= length - self.nontemplated]
        nt = length - min(tail_mm) if tail_mm else 0
        return nt, len(mism) - len(tail_mm), tuple(sorted(mism))

    def placements(self, insert: str, hit: Hit) -> list[Placement]:
        """Each arm this hit falls on, with the positions the isomiR label summarises."""
        nt, snv, mism = self._tail(insert, hit)
        start = hit.start
        end = hit.start + len(insert) - nt
        out = []
        for locus in self.loci.get(hit.hairpin, ()):
            d5 = start - locus.start
            d3 = end - locus.end
            if abs(d5) > self.tol5 or abs(d3) > self.tol3:
                continue
            parts = []
            if d5:
                parts.append(f"5p:{d5:+d}")
            if d3:
                parts.append(f"3p:{d3:+d}")
            if nt:
                parts.append(f"nt:{insert[len(insert) - nt :]}")
            if snv:
                parts.append(f"snv:{snv}")
            label = "|".join(parts) or "canonical"
            dist = abs(d5) + abs(d3) + nt + snv
            out.append(
                Placement(
                    dist, self.group[locus.mature], hit.hairpin, label, start, d5, d3, nt, mism
                )
            )
        return out

    def candidates(self, insert: str, hit: Hit) -> list[tuple[int, str, str, str]]:
        """(distance, group, hairpin, label) for each arm this hit falls on."""
        return [p.key for p in self.placements(insert, hit)]

    def placement(self, insert: str, hits: list[Hit], group: str) -> Placement | None:
        """The fit that :meth:`assign` (or ambiguity resolution) labels ``group`` with.

        Same choice as there: the closest arms over all hits, then the smallest
        (distance, group, hairpin, label) among those of ``group``; None if ``group`` is not
        among the closest.
        """
        places = [p for hit in hits for p in self.placements(insert, hit)]
        if not places:
            return None
        closest = min(p.distance for p in places)
        mine = [p for p in places if p.distance == closest and p.group == group]
        return min(mine, key=lambda p: p.key) if mine else None

    def assign(self, insert: str, hits: list[Hit]) -> Assignment:
        """The assignment of one insert from all its best-stratum hits."""
        cands = []
        for hit in hits:
            cands.extend(self.candidates(insert, hit))
        # The closest arm wins (distance: 5' and 3' offsets + non-templated + other
        # mismatches); only a tie between different matures is ambiguous.
        if cands:
            closest = min(c[0] for c in cands)
            cands = [c for c in cands if c[0] == closest]
        groups = sorted({c[1] for c in cands})
        if len(groups) == 1:
            best = min(cands)
            hps = "/".join(sorted({c[2] for c in cands}))
            return Assignment("mature", groups[0], hps, best[3])
        hps = "/".join(sorted({h.hairpin for h in hits}))
        if groups:
            labels = [min(c for c in cands if c[1] == g)[3] for g in groups]
            return Assignment("ambiguous", ";".join(groups), hps, ";".join(labels))
        return Assignment("hairpin", "", hps, "")

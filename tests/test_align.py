"""Real bowtie on the human miRBase hairpins: strandedness, isomiRs, paralogs, ambiguity."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mirscope.counts.align import (
    BOWTIE_PARAMETERS,
    align_inserts,
    bowtie_args,
    md_mismatches,
    read_hits,
    write_inserts_fasta,
)
from mirscope.counts.assign import Assigner

pytestmark = pytest.mark.skipif(
    shutil.which("bowtie") is None or shutil.which("samtools") is None,
    reason="bowtie and samtools are needed (apt-get install bowtie samtools)",
)


def revcomp(s: str) -> str:
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


def run(hsa, tmp_path: Path, inserts: list[str]):
    ref, fa, loci, index = hsa
    write_inserts_fasta(inserts, tmp_path / "in.fa")
    bam = align_inserts(tmp_path / "in.fa", index, tmp_path / "in.bam")
    hits: dict[str, list] = {}
    for insert, hit in read_hits(bam):
        hits.setdefault(insert, []).append(hit)
    assigner = Assigner.from_files(fa, loci)
    return {i: assigner.assign(i, hits[i]) for i in hits}, hits


def test_every_bowtie_parameter_is_documented():
    assert all(len(why) > 30 for _flags, why in BOWTIE_PARAMETERS)
    args = bowtie_args()
    assert "--norc" in args and "-3" not in args
    assert bowtie_args(2)[-2:] == ["-3", "2"]


def test_md_parsing():
    assert md_mismatches("22") == ()
    assert md_mismatches("10A9") == (10,)
    assert md_mismatches("0T20C0") == (0, 21)


def test_canonical_isomirs_and_strand(hsa, tmp_path):
    ref = hsa[0]
    m451 = ref.mature["hsa-miR-451a"]
    m16 = ref.mature["hsa-miR-16-5p"]
    hp451 = ref.hairpin["hsa-mir-451a"]
    start = hp451.find(m451)
    templated = hp451[start : start + len(m451) + 2]  # 3' +2 along the hairpin
    shifted5 = hp451[start + 1 : start + len(m451)]  # 5' +1
    nta = m451 + ("AA" if hp451[start + len(m451)] != "A" else "TT")  # 2 non-templated
    err = m451[:5] + ("A" if m451[5] != "A" else "C") + m451[6:]  # one sequencing error
    antisense = revcomp(m16)
    got, _hits = run(hsa, tmp_path, [m451, templated, shifted5, nta, err, m16, antisense])
    assert got[m451].status == "mature" and got[m451].mirna == "hsa-miR-451a"
    assert got[m451].isomir == "canonical"
    assert got[templated].mirna == "hsa-miR-451a" and got[templated].isomir == "3p:+2"
    assert got[shifted5].mirna == "hsa-miR-451a" and got[shifted5].isomir == "5p:+1"
    assert got[nta].mirna == "hsa-miR-451a" and got[nta].isomir.startswith("nt:")
    assert got[err].mirna == "hsa-miR-451a" and got[err].isomir == "snv:1"
    # paralogs: miR-16-5p lies on hsa-mir-16-1 and -2 and is one name
    assert got[m16].mirna == "hsa-miR-16-5p"
    assert "hsa-mir-16-1" in got[m16].hairpin and "hsa-mir-16-2" in got[m16].hairpin
    # --norc: the reverse complement of a miRNA must not be counted
    assert antisense not in got or got[antisense].mirna != "hsa-miR-16-5p"


def test_outside_tolerance_is_hairpin_only(hsa, tmp_path):
    ref = hsa[0]
    hp = ref.hairpin["hsa-mir-451a"]
    loop = hp[30:52]  # spans the arm's 3' end by far more than 3 nt
    got, _ = run(hsa, tmp_path, [loop])
    assert got[loop].status == "hairpin"
    assert got[loop].hairpin == "hsa-mir-451a"


def test_identical_sequences_are_one_group_and_families_ambiguous(hsa, tmp_path):
    ref = hsa[0]
    m365 = ref.mature["hsa-miR-365a-3p"]
    assert m365 == ref.mature["hsa-miR-365b-3p"]
    # an insert fitting two different let-7 arms within tolerance is ambiguous
    a, b = ref.mature["hsa-let-7a-5p"], ref.mature["hsa-let-7c-5p"]
    assert a[:18] == b[:18] and a[18] != b[18]
    assert a[19:] == b[19:]
    # a base matching neither at the one position where they differ: one mismatch on
    # both arms, so both are in bowtie's best stratum
    mixed = a[:18] + "C" + a[19:]
    got, _ = run(hsa, tmp_path, [m365, mixed])
    assert got[m365].mirna == "hsa-miR-365a-3p/hsa-miR-365b-3p"
    assert got[mixed].status == "ambiguous"
    assert "hsa-let-7a-5p" in got[mixed].mirna.split(";")
    assert "hsa-let-7c-5p" in got[mixed].mirna.split(";")


def test_random_inserts_rarely_hit(hsa, tmp_path):
    import random

    rng = random.Random(5)
    inserts = ["".join(rng.choice("ACGT") for _ in range(22)) for _ in range(2000)]
    got, _ = run(hsa, tmp_path, inserts)
    assert sum(a.status == "mature" for a in got.values()) <= 2


def test_align_command_is_the_workflow_step_and_reproducible(hsa, tmp_path, monkeypatch):
    """`mirscope align` (what the bowtie_align_hairpin rule runs) keeps the rule's pass
    files, runs bowtie with one thread and writes the same bytes on every run."""
    import pysam

    from mirscope.cli import main

    ref, _fa, _loci, index = hsa
    m451, hp451 = ref.mature["hsa-miR-451a"], ref.hairpin["hsa-mir-451a"]
    inserts = [m451, ref.mature["hsa-miR-16-5p"]]
    end = hp451.find(m451) + len(m451)
    # two 3' bases both unlike the hairpin's: aligns only in pass 2 (last 2 nt trimmed)
    nta = m451 + "".join("A" if b != "A" else "T" for b in hp451[end : end + 2])
    files = ("s.hairpin.bam", "s.pass1_unaligned.fa", "s.pass1.bam", "s.pass2.bam")
    for run_dir in ("a", "b"):
        (tmp_path / run_dir).mkdir()
        monkeypatch.chdir(tmp_path / run_dir)  # same relative paths: the header records them
        write_inserts_fasta([*inserts, nta, "ACGT" * 6], "in.fa")
        args = ["align", "in.fa", "--index", index, "--bam", files[0]]
        args += ["--unaligned", files[1], "--pass1", files[2], "--pass2", files[3]]
        assert main(args) == 0
        assert not Path("s.hairpin.bam.work").exists()
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    bam = tmp_path / "a" / files[0]
    hits = {insert: hit for insert, hit in read_hits(bam)}
    assert set(inserts) < set(hits) and hits[nta].trim3 == 2
    # nta only: the random insert is on no hairpin, so it is left out before pass 1
    assert (tmp_path / "a" / files[1]).read_text() == f">{nta}\n{nta}\n"
    with pysam.AlignmentFile(str(bam), "rb", check_sq=False) as fh:
        bowtie_pg = [pg for pg in fh.header.to_dict()["PG"] if pg["ID"] == "Bowtie"]
    assert " -p 1 " in bowtie_pg[0]["CL"]


def test_align_command_fails_cleanly(hsa, tmp_path):
    from mirscope.cli import main

    write_inserts_fasta(["ACGT" * 6], tmp_path / "in.fa")
    bam = tmp_path / "out.bam"
    args = ["align", str(tmp_path / "in.fa"), "--index", str(tmp_path / "missing"), "--bam"]
    assert main([*args, str(bam)]) == 1
    assert not bam.exists() and not (tmp_path / "out.bam.work").exists()


def test_prefilter_leaves_out_only_inserts_bowtie_cannot_align(hsa, tmp_path, monkeypatch):
    """The k-mer prefilter before pass 1 never drops an insert either pass would align:
    the same BAM records with and without it, on inserts built to sit on its edges (one
    mismatch in either half, N calls, two non-templated bases, short inserts)."""
    import random
    import subprocess

    from mirscope.counts import align

    ref, _fa, _loci, index = hsa
    rng = random.Random(5)
    hairpins = sorted(ref.hairpin.values())
    inserts = set()
    for _ in range(3000):
        hp = rng.choice(hairpins)
        length = rng.randint(16, min(40, len(hp)))
        start = rng.randrange(len(hp) - length + 1)
        seq = list(hp[start : start + length])
        for _ in range(rng.choice([0, 1, 1, 2])):  # 2 mismatches: aligned in neither pass
            at = rng.randrange(length)
            seq[at] = rng.choice([b for b in "ACGTN" if b != seq[at]])
        tail = "".join(rng.choice("ACGT") for _ in range(rng.choice([0, 0, 1, 2])))
        inserts.add("".join(seq) + tail)
    fragments = {
        "".join(rng.choice("ACGT") for _ in range(rng.randint(22, 40))) for _ in range(3000)
    }
    inserts |= fragments  # fragments of no hairpin
    write_inserts_fasta(sorted(inserts), tmp_path / "in.fa")

    def records(bam: Path) -> list[str]:
        return subprocess.run(
            ["samtools", "view", str(bam)], capture_output=True, text=True, check=True
        ).stdout.splitlines()

    filtered = records(align_inserts(tmp_path / "in.fa", index, tmp_path / "f.bam"))
    data = (tmp_path / "in.fa").read_bytes()
    kept = align.candidate_records(data, align.hairpin_kmers(align._hairpin_sequences(index)))
    monkeypatch.setattr(align, "candidate_records", lambda data, tables: None)
    unfiltered = records(align_inserts(tmp_path / "in.fa", index, tmp_path / "u.bam"))
    assert filtered == unfiltered
    aligned = {r.split("\t")[0] for r in unfiltered}
    assert 1500 < len(aligned) < len(inserts)  # both kinds are present
    kept_fragments = fragments & {r[1:] for r in kept.decode().splitlines()[0::2]}
    assert len(kept_fragments) < 0.05 * len(fragments)  # which the prefilter leaves out


def test_prefilter_keeps_other_fasta_layouts_whole():
    """A FASTA with wrapped sequences is not the trimming stage's layout: aligned whole."""
    from mirscope.counts.align import candidate_records, hairpin_kmers

    tables = hairpin_kmers(["ACGTACGTTTGACCA" * 4])
    assert candidate_records(b">a\nACGTAC\nGTTTGA\n", tables) is None
    assert candidate_records(b"", tables) == b""

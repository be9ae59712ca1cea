"""mirGFF3 isomiRs: UIDs, Variant/Cigar, molecules per isomiR, and miRTop's own tools reading
the files of the real QIAseq reads (the demo cohort's are checked in test_isomir_qc_workflow)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mirscope.counts.assign import Placement
from mirscope.counts.mirgff3 import cigar, isomir_molecules, uid, variant
from mirscope.counts.umi import dedup_counts, pack_umis

SYSTEM_PYTHON = "/usr/bin/python3"
REAL_QIASEQ = "SRR17084832_Qiaseq_plasma_Rep01_50k.fastq.gz"

# Runs Debian's mirtop (python3-mirtop) on one file: its validator's error count, how many
# feature lines its GFF parser reads with a UID, then `mirtop counts` and `mirtop stats`
# into outdir. The JSON is the last stdout line (mirtop prints its argv first).
MIRTOP_SCRIPT = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
from mirtop.gff import validator
from mirtop.gff.classgff import feature
from mirtop.command_line import main
gff, outdir = sys.argv[1], sys.argv[2]
errors = validator._check_file(gff)
with open(gff) as fh:
    parsed = sum(1 for line in fh if not line.startswith("#") and feature(line).attributes["UID"])
sys.argv = ["mirtop", "counts", "--gff", gff, "--out", outdir]
main()
sys.argv = ["mirtop", "stats", gff, "--out", outdir]
main()
print(json.dumps({"errors": errors, "parsed": parsed}))
"""


def mirtop_available() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    res = subprocess.run([SYSTEM_PYTHON, "-c", "import mirtop.gff.validator"], capture_output=True)
    return res.returncode == 0


needs_mirtop = pytest.mark.skipif(
    not mirtop_available(),
    reason="Debian's python3-mirtop is not installed (make test installs it with apt)",
)


def run_mirtop(gff: Path, outdir: Path) -> tuple[dict, pd.DataFrame]:
    """mirtop's validation summary and its `counts` table (UID, Read, miRNA, ..., samples)."""
    outdir.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(
        [SYSTEM_PYTHON, "-c", MIRTOP_SCRIPT, str(gff), str(outdir)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    counts = pd.read_csv(outdir / f"{gff.stem}.tsv", sep="\t")
    assert (outdir / "mirtop_stats.txt").is_file()
    return summary, counts


def feature_lines(gff: Path) -> list[str]:
    return [line for line in gff.read_text().splitlines() if not line.startswith("#")]


def check_with_mirtop(gff: Path, outdir: Path, expected: pd.DataFrame) -> None:
    """mirtop validates every line, parses every line, and its per-miRNA totals (per
    sample) equal ``expected`` (miRNA x sample molecules from the count matrices)."""
    lines = feature_lines(gff)
    assert lines
    summary, counts = run_mirtop(gff, outdir)
    assert summary["errors"] == 0
    assert summary["parsed"] == len(lines) == len(counts)
    samples = list(expected.columns)
    totals = counts.groupby("miRNA")[samples].sum()
    want = expected[(expected[samples] > 0).any(axis=1)]
    pd.testing.assert_frame_equal(
        totals.sort_index(), want.sort_index(), check_names=False, check_dtype=False
    )


# --- units ---------------------------------------------------------------------------------


def test_uid_is_mirtops_licence_plate():
    # values from mirtop.mirna.realign.make_id (MINTplates with prefix "iso")
    assert uid("AGATTTTCATATTATGCAG") == "iso-19-FNYQIQIH"
    assert uid("TAGCAGCACGTAAATATTGGCG") == "iso-22-VFPHUEI8K"
    assert uid("AAA") == "iso-3-6"
    assert uid("TTT") == "iso-3-0Q"
    assert uid("AAAAA") == "iso-5-BB"
    assert uid("uagc") == uid("TAGC")


def test_uid_rejects_n():
    from mirscope.errors import InputError

    with pytest.raises(InputError):
        uid("ACGN")


def place(**kw) -> Placement:
    base = dict(
        distance=0,
        group="m",
        hairpin="h",
        label="canonical",
        start=5,
        d5=0,
        d3=0,
        nontemplated=0,
        mismatches=(),
    )
    base.update(kw)
    return Placement(**base)


def test_variant_follows_mirtop_signs_and_snv_classes():
    insert = "A" * 22
    assert variant(insert, place()) == "NA"
    assert variant(insert, place(d5=-1, d3=2)) == "iso_5p:-1,iso_3p:+2"
    # non-templated tail bases are iso_add3p, not SNVs; position 3 (1-based) is seed
    assert variant(insert, place(nontemplated=2, mismatches=(2, 20, 21))) == (
        "iso_add3p:2,iso_snv_seed"
    )
    assert variant(insert, place(mismatches=(0, 7, 9, 13))) == (
        "iso_snv,iso_snv_central,iso_snv_central_offset,iso_snv_central_supp"
    )


def test_cigar_writes_the_hairpin_base_at_mismatches():
    hp = "GGGGGTAGCAGCACGTAAATATTGGCGTTAG"
    assert cigar("TAGCAGCACGTAAATATTGGCG", hp, 5) == "22M"
    assert cigar("TAGCAGCACATAAATATTGGCG", hp, 5) == "9MG12M"
    assert cigar("TAGCAGCACGTAAATATTGGCGA", hp, 5) == "22MT"
    assert cigar("TTAGAA", hp, 27) == "4MII"


def test_isomir_molecules_gives_each_umi_cluster_to_one_insert():
    canon, error = "TAGCAGCACGTAAATATTGGCG", "TAGCAGCACATAAATATTGGCG"
    inserts = np.array([canon, error, "GGGG"], dtype=object)
    # u1: one molecule seen on both inserts (insert error) plus a UMI error u1x;
    # u2 only on the canonical insert, u3 only on the error insert.
    rows = [
        (0, "AAAACCCCGGGG", 10),
        (1, "AAAACCCCGGGG", 1),
        (0, "AAAACCCCGGGT", 1),
        (0, "CCCCAAAATTTT", 5),
        (1, "GGGGTTTTAAAA", 3),
        (2, "TTTTTTTTTTTT", 4),
    ]
    code = np.array([r[0] for r in rows])
    umis = np.array([r[1] for r in rows], dtype=object)
    reads = np.array([r[2] for r in rows])
    mirna = np.array(["miR-x", "miR-x", ""], dtype=object)
    for packed in (False, True):
        u = pack_umis(umis) if packed else umis
        t = isomir_molecules(
            code, u, reads, inserts, mirna, {"miR-x": 3}, has_umi=True, umi_length=12
        )
        got = dict(zip(t["insert"], t["molecules"], strict=True))
        assert got == {canon: 2, error: 1}
        assert dict(zip(t["insert"], t["reads"], strict=True)) == {canon: 16, error: 4}
    # molecules added back by collision correction are shared out, totals kept
    t = isomir_molecules(
        code, umis, reads, inserts, mirna, {"miR-x": 5}, has_umi=True, umi_length=12
    )
    assert dict(zip(t["insert"], t["molecules"], strict=True)) == {canon: 3, error: 2}
    # without UMIs, molecules are reads
    t = isomir_molecules(code, umis, reads, inserts, mirna, {}, has_umi=False, umi_length=0)
    assert dict(zip(t["insert"], t["molecules"], strict=True)) == {canon: 16, error: 4}


def test_isomir_clusters_match_the_umi_module_count():
    """The clusters shared out are exactly those mirscope.counts.umi counts."""
    rng = random.Random(5)
    inserts = np.array(
        ["ACGTACGTACGTACGTACGTAC", "ACGTACGTACGTACGTACGTA", "TTTTACGTACGTACGTACGTAC"]
    )
    mirna = np.array(["m1", "m1", "m2"], dtype=object)
    rows = []
    for _ in range(400):
        u = "".join(rng.choice("ACGT") for _ in range(6))  # short UMIs: many neighbours
        ins = rng.choice([0, 0, 1, 2])
        rows.append((ins, u, rng.choice([1, 1, 2, 5, 20])))
    code = np.array([r[0] for r in rows])
    umis = pack_umis(np.array([r[1] for r in rows], dtype=object))
    reads = np.array([r[2] for r in rows])
    group = np.array([0 if mirna[c] == "m1" else 1 for c in code])
    want = dedup_counts(group, umis, reads, umi_length=6)
    targets = {"m1": int(want[0]), "m2": int(want[1])}
    t = isomir_molecules(code, umis, reads, inserts, mirna, targets, has_umi=True, umi_length=6)
    assert t.groupby("mirna")["molecules"].sum().to_dict() == targets


# --- the real QIAseq reads -----------------------------------------------------------------


def count_real(hsa, tmp: Path, real_reads_dir: Path) -> dict[str, Path]:
    from mirscope.cli import main
    from mirscope.counts.align import align_inserts
    from mirscope.reads.trim import TrimSettings
    from mirscope.stages.trim import trim_fastq

    _ref, fa, loci, index = hsa
    p = {k: tmp / f"real.{k}" for k in ("molecules.tsv.gz", "fa", "bam", "mature.tsv")}
    p.update({k: tmp / f"real.{k}.tsv" for k in ("hairpin", "isomir")})
    trim_fastq(
        real_reads_dir / REAL_QIASEQ,
        TrimSettings.from_preset("qiaseq"),
        sample="real",
        molecules_out=p["molecules.tsv.gz"],
        stats_out=tmp / "real.trim.json",
    )
    assert main(["inserts", str(p["molecules.tsv.gz"]), "-o", str(p["fa"])]) == 0
    align_inserts(p["fa"], index, p["bam"])
    args = ["count", "--sample-id", "real", "--molecules", str(p["molecules.tsv.gz"])]
    args += ["--bam", str(p["bam"]), "--hairpin", str(fa), "--loci", str(loci)]
    args += ["--mature-out", str(p["mature.tsv"]), "--hairpin-out", str(p["hairpin"])]
    args += ["--isomir-out", str(p["isomir"]), "--stats-out", str(tmp / "real.align_stats.json")]
    assert main(args) == 0
    p["hairpin_fa"], p["loci"] = fa, loci
    return p


@pytest.fixture(scope="module")
def real_counts(hsa, tmp_path_factory, real_reads_dir):
    for tool in ("bowtie", "samtools"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed (make test installs it with apt)")
    return count_real(hsa, tmp_path_factory.mktemp("real"), real_reads_dir)


@pytest.mark.slow
@needs_mirtop
def test_real_qiaseq_mirgff3_passes_mirtop(real_counts, tmp_path):
    from mirscope.cli import main

    p = real_counts
    gff = tmp_path / "real.gff3"
    args = ["mirgff3", "--sample-id", "real", "--molecules", str(p["molecules.tsv.gz"])]
    args += ["--bam", str(p["bam"]), "--hairpin", str(p["hairpin_fa"]), "--loci", str(p["loci"])]
    args += ["--isomirs", str(p["isomir"]), "--mature", str(p["mature.tsv"]), "-o", str(gff)]
    assert main(args) == 0
    mature = pd.read_csv(p["mature.tsv"], sep="\t").set_index("mirna")[["umis"]]
    check_with_mirtop(gff, tmp_path / "mirtop", mature.rename(columns={"umis": "real"}))
    lines = feature_lines(gff)
    # real plasma isomiRs: templated 3' variants and non-templated additions are common
    assert sum("iso_3p" in x for x in lines) > 50
    assert sum("iso_add3p" in x for x in lines) > 20
    assert any("\tref_miRNA\t" in x for x in lines)
    # every line's Variant agrees with mirscope's own label of that insert
    iso = pd.read_csv(p["isomir"], sep="\t", keep_default_na=False).set_index("insert")
    for line in lines[:300]:
        attrs = dict(a.strip().split("=", 1) for a in line.split("\t")[8].split(";") if "=" in a)
        if attrs["Read"] not in iso.index:
            continue  # an N read as the hairpin's base
        label = iso.loc[attrs["Read"], "isomir"]
        assert ("iso_add3p" in attrs["Variant"]) == ("nt:" in label), (attrs, label)
        assert (attrs["Variant"] == "NA") == (label == "canonical"), (attrs, label)

    # the check fails on a broken file: a Variant mirtop does not know
    bad = tmp_path / "bad.gff3"
    bad.write_text(gff.read_text().replace("Variant=NA;", "Variant=other;", 1))
    summary, _ = run_mirtop(bad, tmp_path / "mirtop-bad")
    assert summary["errors"] == 1

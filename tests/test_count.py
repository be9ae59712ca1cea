"""Counting from molecules tables with the real bowtie/samtools, matrices, bad input, CLI."""

from __future__ import annotations

import gzip
import json
import random
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_workflow
from mirscope.cli import main

pytestmark = pytest.mark.skipif(
    shutil.which("bowtie") is None or shutil.which("samtools") is None,
    reason="bowtie and samtools are needed (apt-get install bowtie samtools)",
)


def write_molecules(path: Path, rows: list[tuple[str, str, int]]) -> Path:
    rows = sorted(rows)
    with gzip.open(path, "wt") as fh:
        fh.write("insert\tumi\treads\n")
        fh.writelines(f"{i}\t{u}\t{r}\n" for i, u, r in rows)
    return path


def rand_umi(rng: random.Random) -> str:
    return "".join(rng.choice("ACGT") for _ in range(12))


def run_sample(hsa, tmp: Path, sample: str, molecules: Path) -> dict:
    _ref, fa, loci, index = hsa
    fasta = tmp / f"{sample}.fa"
    assert main(["inserts", str(molecules), "-o", str(fasta)]) == 0
    from mirscope.counts.align import align_inserts

    align_inserts(fasta, index, tmp / f"{sample}.bam")
    args = ["count", "--sample-id", sample, "--molecules", str(molecules)]
    args += ["--bam", str(tmp / f"{sample}.bam"), "--hairpin", str(fa), "--loci", str(loci)]
    for kind in ("mature", "hairpin", "isomir"):
        args += [f"--{kind}-out", str(tmp / f"{sample}.{kind}.tsv")]
    args += ["--stats-out", str(tmp / f"{sample}.align_stats.json")]
    assert main(args) == 0
    return json.loads((tmp / f"{sample}.align_stats.json").read_text())


def test_umi_counts_reads_and_isomirs(hsa, tmp_path):
    ref = hsa[0]
    rng = random.Random(1)
    m451 = ref.mature["hsa-miR-451a"]
    m16 = ref.mature["hsa-miR-16-5p"]
    hp = ref.hairpin["hsa-mir-451a"]
    s = hp.find(m451)
    ext = hp[s : s + len(m451) + 1]  # templated 3' +1 isomiR
    rows = []
    # 50 true miR-451a molecules, 3 reads each; each UMI also appears on the isomiR
    # (same molecule counted once) and 10 of them with one UMI sequencing error.
    for k in range(50):
        u = rand_umi(rng)
        rows.append((m451, u, 3))
        rows.append((ext, u, 1))
        if k < 10:
            e = u[:4] + ("A" if u[4] != "A" else "C") + u[5:]
            rows.append((m451, e, 1))
    for _ in range(20):
        rows.append((m16, rand_umi(rng), 2))
    noise = "".join(rng.choice("ACGT") for _ in range(25))
    rows.append((noise, rand_umi(rng), 7))
    stats = run_sample(hsa, tmp_path, "s1", write_molecules(tmp_path / "s1.tsv.gz", rows))
    mature = pd.read_csv(tmp_path / "s1.mature.tsv", sep="\t").set_index("mirna")
    assert mature.loc["hsa-miR-451a", "umis"] == 50
    assert mature.loc["hsa-miR-451a", "reads"] == 50 * 4 + 10
    assert mature.loc["hsa-miR-16-5p", "umis"] == 20
    assert mature.loc["hsa-miR-16-5p", "reads"] == 40
    assert list(mature.columns) == ["reads", "umis"]
    assert stats["reads"]["unaligned"] == 7
    assert stats["reads_total"] == 50 * 4 + 10 + 40 + 7
    assert stats["mature_molecules"] == 70
    iso = pd.read_csv(tmp_path / "s1.isomir.tsv", sep="\t").set_index("insert")
    assert iso.loc[ext, "isomir"] == "3p:+1"
    assert iso.loc[ext, "umis"] == 50
    hairpin = pd.read_csv(tmp_path / "s1.hairpin.tsv", sep="\t").set_index("hairpin")
    # miR-16-5p sits on two paralogous hairpins: one row, molecules counted once
    assert hairpin.loc["hsa-mir-16-1/hsa-mir-16-2", "umis"] == 20
    assert hairpin.loc["hsa-mir-451a", "umis"] == 50


def test_equal_fits_go_to_a_dominant_candidate_or_stay_ambiguous(hsa, tmp_path):
    ref = hsa[0]
    a, b = ref.mature["hsa-miR-320a-3p"], ref.mature["hsa-miR-320b"]
    short = a[:-2]  # miR-320a-3p 3p:-2 is also miR-320b 3p:-2 (equal distance)
    assert b.startswith(short) and len(b) - len(short) == 2
    rng = random.Random(3)
    rows = [(a, rand_umi(rng), 2) for _ in range(30)] + [
        (short, rand_umi(rng), 1) for _ in range(5)
    ]
    run_sample(hsa, tmp_path, "dom", write_molecules(tmp_path / "dom.tsv.gz", rows))
    mature = pd.read_csv(tmp_path / "dom.mature.tsv", sep="\t").set_index("mirna")
    assert mature.loc["hsa-miR-320a-3p", "umis"] == 35
    assert "hsa-miR-320b" not in mature.index
    iso = pd.read_csv(tmp_path / "dom.isomir.tsv", sep="\t").set_index("insert")
    assert iso.loc[short, "status"] == "resolved" and iso.loc[short, "isomir"] == "3p:-2"
    # without unambiguous evidence for either, the insert is reported and not counted
    only = [(short, rand_umi(rng), 1) for _ in range(5)]
    stats = run_sample(hsa, tmp_path, "amb", write_molecules(tmp_path / "amb.tsv.gz", only))
    assert stats["reads"]["ambiguous"] == 5 and stats["reads"]["mature"] == 0
    iso = pd.read_csv(tmp_path / "amb.isomir.tsv", sep="\t").set_index("insert")
    assert iso.loc[short, "mirna"] == "hsa-miR-320a-3p;hsa-miR-320b"


def test_matrices_layout_and_determinism(hsa, tmp_path):
    ref = hsa[0]
    rng = random.Random(2)
    a, b = ref.mature["hsa-miR-92a-3p"], ref.mature["hsa-miR-486-5p"]
    s1 = write_molecules(tmp_path / "z.tsv.gz", [(a, rand_umi(rng), 1) for _ in range(5)])
    s2 = write_molecules(tmp_path / "y.tsv.gz", [(b, rand_umi(rng), 2) for _ in range(3)])
    run_sample(hsa, tmp_path, "zeta", s1)
    run_sample(hsa, tmp_path, "alpha", s2)
    out = tmp_path / "counts"
    args = ["matrix", "--outdir", str(out)]
    for sid in ("zeta", "alpha"):  # sheet order, not alphabetical
        args += ["--sample-id", sid, "--mature", str(tmp_path / f"{sid}.mature.tsv")]
        args += ["--hairpin", str(tmp_path / f"{sid}.hairpin.tsv")]
        args += ["--isomirs", str(tmp_path / f"{sid}.isomir.tsv")]
    assert main(args) == 0
    umi = (out / "mature_umi_counts.tsv").read_text()
    lines = umi.splitlines()
    assert lines[0] == "mirna\tzeta\talpha"
    assert lines[1:] == ["hsa-miR-486-5p\t0\t3", "hsa-miR-92a-3p\t5\t0"]
    reads = pd.read_csv(out / "mature_read_counts.tsv", sep="\t")
    assert reads.set_index("mirna").loc["hsa-miR-486-5p", "alpha"] == 6
    iso = pd.read_csv(out / "isomir_counts.tsv", sep="\t")
    assert list(iso.columns) == ["sample_id", "mirna", "isomir", "insert", "reads", "umis"]
    assert set(iso["sample_id"]) == {"zeta", "alpha"}
    for name in ("hairpin_umi_counts.tsv", "hairpin_read_counts.tsv"):
        assert (out / name).read_text().startswith("hairpin\tzeta\talpha\n")
    assert main(args) == 0
    assert (out / "mature_umi_counts.tsv").read_text() == umi


def test_without_umis_reads_are_molecules(hsa, tmp_path):
    ref = hsa[0]
    m = ref.mature["hsa-miR-25-3p"]
    mol = write_molecules(tmp_path / "n.tsv.gz", [(m, "", 9)])
    stats = run_sample(hsa, tmp_path, "n", mol)
    assert stats["has_umi"] is False
    mature = pd.read_csv(tmp_path / "n.mature.tsv", sep="\t")
    assert mature.to_dict("records") == [{"mirna": "hsa-miR-25-3p", "reads": 9, "umis": 9}]


def test_empty_sample_gives_empty_tables(hsa, tmp_path):
    mol = write_molecules(tmp_path / "e.tsv.gz", [])
    stats = run_sample(hsa, tmp_path, "e", mol)
    assert stats["reads_total"] == 0
    assert (tmp_path / "e.mature.tsv").read_text() == "mirna\treads\tumis\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("insert\tumi\n", "missing column 'reads'"),
        ("insert\tumi\treads\nACGTACGTACGTACGTAA\tAAA\tx\n", "row 2, column 'reads'"),
        ("insert\tumi\treads\nACGTACGTACGTACGTAA\tAAA\t0\n", "positive integer"),
        ("", "empty file"),
    ],
)
def test_bad_molecules_table(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.tsv"
    bad.write_text(content)
    out = tmp_path / "bad.fa"
    assert main(["inserts", str(bad), "-o", str(out)]) == 1
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_mixed_umi_presence_is_an_error(hsa, tmp_path, capsys):
    ref = hsa[0]
    m = ref.mature["hsa-miR-25-3p"]
    mol = write_molecules(tmp_path / "m.tsv.gz", [(m, "", 1), (m, "ACGTACGTACGT", 1)])
    with pytest.raises(AssertionError):
        run_sample(hsa, tmp_path, "m", mol)
    assert "column 'umi'" in capsys.readouterr().err
    assert not (tmp_path / "m.mature.tsv").exists()


REAL_QIASEQ = "SRR17084832_Qiaseq_plasma_Rep01_50k.fastq.gz"
#: miRNAs reported among the most abundant in human plasma/serum small-RNA sequencing
#: (e.g. Wang et al. 2012 Clin Chem; Max et al. 2018 PNAS; Godoy et al. 2018 Cell Rep),
#: written down before looking at our counts: erythrocyte (451a, 486-5p, 16-5p, 92a-3p,
#: 25-3p, 144-3p), let-7 family, platelet/leukocyte (223-3p, 126, 142, 150-5p, 21-5p),
#: liver (122-5p) and ubiquitous ones.
PLASMA_MIRNAS = {
    *(f"hsa-let-7{x}-5p" for x in "abcdefgi"),
    *(
        f"hsa-miR-{x}"
        for x in (
            "451a 486-5p 16-5p 92a-3p 92b-3p 25-3p 144-3p 223-3p 126-3p 126-5p 142-3p 142-5p "
            "150-5p 21-5p 122-5p 22-3p 423-5p 191-5p 181a-5p 103a-3p 107 185-5p 93-5p 20a-5p "
            "320a 484 30d-5p 30e-5p 30a-5p 26a-5p 26b-5p 27b-3p 146a-5p 140-3p 15a-5p 15b-5p "
            "19b-3p 17-5p 101-3p 143-3p 148a-3p 199a-3p 24-3p 23a-3p 342-3p 363-3p 532-5p "
            "182-5p 425-5p 10b-5p 99b-5p 125a-5p 125b-5p 192-5p 100-5p 29a-3p 28-3p 186-5p "
            "221-3p 222-3p 340-5p 375 374a-5p 145-5p 151a-3p 27a-3p 31-5p 409-3p 1246"
        ).split()
    ),
}


@pytest.mark.slow
def test_real_qiaseq_top_mirnas_are_plasma_mirnas(hsa, tmp_path, real_reads_dir):
    from mirscope.reads.trim import TrimSettings
    from mirscope.stages.trim import trim_fastq

    mol = tmp_path / "real.molecules.tsv.gz"
    trim_fastq(
        real_reads_dir / REAL_QIASEQ,
        TrimSettings.from_preset("qiaseq"),
        sample="real",
        molecules_out=mol,
        stats_out=tmp_path / "real.trim.json",
    )
    stats = run_sample(hsa, tmp_path, "real", mol)
    assert stats["has_umi"] is True
    mature = pd.read_csv(tmp_path / "real.mature.tsv", sep="\t")
    top = mature.sort_values(["umis", "mirna"], ascending=[False, True]).head(20)["mirna"]
    # identical-sequence groups (a/b) count when any member is expected
    hits = [any(n in PLASMA_MIRNAS for n in name.split("/")) for name in top]
    assert sum(hits) >= 17, list(top)
    assert {"hsa-miR-16-5p", "hsa-miR-486-5p", "hsa-miR-451a", "hsa-miR-92a-3p"} & set(top[:5])
    # the other strand of abundant miRNAs must not appear (--norc)
    assert stats["mature_mirnas_detected"] > 100


@pytest.mark.slow
def test_workflow_fastq_to_matrices_matches_truth(tmp_path):
    """snakemake (real bowtie, samtools) on 2 simulated samples; counts against the truth."""
    from scipy.stats import spearmanr

    from mirscope.simulate import simulate_sample_reads

    truths = {}
    sheet = ["sample_id\tfastq"]
    for k, sid in enumerate(("P02", "P01")):
        fq = tmp_path / f"{sid}.fastq.gz"
        truths[sid] = simulate_sample_reads(fq, 40_000, seed=11 + k)
        sheet.append(f"{sid}\t{fq}")
    out = tmp_path / "out" / "counts"
    run_workflow(tmp_path, sheet, [out / "mature_umi_counts.tsv", out / "P01.align_stats.json"])
    umi = pd.read_csv(out / "mature_umi_counts.tsv", sep="\t").set_index("mirna")
    reads = pd.read_csv(out / "mature_read_counts.tsv", sep="\t").set_index("mirna")
    assert list(umi.columns) == ["P02", "P01"]  # sheet order
    assert list(umi.index) == sorted(umi.index)
    for sid, truth in truths.items():
        t = pd.DataFrame({"mol": truth.molecules, "reads": truth.reads}, index=truth.names)
        t = t[t["mol"] > 0]
        got = umi[sid].reindex(t.index, fill_value=0)
        assert abs(umi[sid].sum() / t["mol"].sum() - 1) < 0.02
        assert abs(reads[sid].sum() / t["reads"].sum() - 1) < 0.01
        ten = t["mol"] >= 10
        assert spearmanr(t.loc[ten, "mol"], got[ten]).statistic >= 0.99
        absent = umi[sid].drop(t.index, errors="ignore").sum()
        assert absent / umi[sid].sum() <= 0.005
    stats = json.loads((out / "P01.align_stats.json").read_text())
    assert stats["sample_id"] == "P01"


def test_bam_from_another_sample_is_an_error(hsa, tmp_path, capsys):
    ref = hsa[0]
    rng = random.Random(4)
    first = write_molecules(
        tmp_path / "f.tsv.gz", [(ref.mature["hsa-miR-21-5p"], rand_umi(rng), 1)]
    )
    other = write_molecules(
        tmp_path / "o.tsv.gz", [(ref.mature["hsa-miR-22-3p"], rand_umi(rng), 1)]
    )
    run_sample(hsa, tmp_path, "f", first)
    args = [
        "count",
        "--sample-id",
        "o",
        "--molecules",
        str(other),
        "--bam",
        str(tmp_path / "f.bam"),
    ]
    args += ["--hairpin", str(hsa[1]), "--loci", str(hsa[2])]
    for kind in ("mature", "hairpin", "isomir"):
        args += [f"--{kind}-out", str(tmp_path / f"o.{kind}.tsv")]
    args += ["--stats-out", str(tmp_path / "o.json")]
    assert main(args) == 1
    assert "not in the molecules table" in capsys.readouterr().err
    assert not (tmp_path / "o.mature.tsv").exists()


BENCH_BIN = Path(__file__).resolve().parents[1] / ".venv-bench" / "bin"


@pytest.mark.slow
def test_real_qiaseq_agrees_with_nfcore_style_chain(hsa, tmp_path, real_reads_dir):
    """Against umi_tools + cutadapt + bowtie -k 50 to mature (scripts/bench_reads.py).

    That chain cannot align 3'-extended or non-templated isomiRs end-to-end to mature
    sequences: on the inserts it can align, the two must agree closely; overall they agree
    less, and the difference is those isomiRs, which mirscope counts and the chain loses.
    """
    import re
    import sys

    from scipy.stats import spearmanr

    if not (BENCH_BIN / "umi_tools").exists():
        pytest.skip(f"umi_tools not installed in {BENCH_BIN.parent} (make bench installs it)")
    from mirscope.reads.trim import TrimSettings
    from mirscope.stages.trim import trim_fastq

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import bench_reads

    ref, fa, _loci, index = hsa
    mature_fa = tmp_path / "hsa_mature.fa"
    mature_fa.write_text("".join(f">{k}\n{v}\n" for k, v in sorted(ref.mature.items())))
    subprocess.run(["bowtie-build", "-q", str(mature_fa), str(tmp_path / "hsa_mature")], check=True)
    peer = bench_reads.chain_peer(
        str(real_reads_dir / REAL_QIASEQ), str(tmp_path), tmp_path / "peer", threads=2
    )
    peer = pd.read_csv(peer["counts"], sep="\t").set_index("mirna")["umis"]
    mol = tmp_path / "real.molecules.tsv.gz"
    trim_fastq(
        real_reads_dir / REAL_QIASEQ,
        TrimSettings.from_preset("qiaseq"),
        sample="real",
        molecules_out=mol,
        stats_out=tmp_path / "real.trim.json",
    )
    run_sample(hsa, tmp_path, "real", mol)
    ours = pd.read_csv(tmp_path / "real.mature.tsv", sep="\t").set_index("mirna")
    ours = ours[ours["umis"] >= 10]
    # the peer counts each member of an identical-sequence group (-k 50): take one
    theirs = pd.Series({g: max(peer.get(n, 0) for n in g.split("/")) for g in ours.index})
    iso = pd.read_csv(tmp_path / "real.isomir.tsv", sep="\t", keep_default_na=False)
    iso = iso[iso["status"].isin(["mature", "resolved"])]
    alignable = ~iso["isomir"].str.contains(r"3p:\+|5p:-|nt:", regex=True)
    sub = iso[alignable].groupby("mirna")["umis"].sum().reindex(ours.index, fill_value=0)
    overall = spearmanr(ours["umis"], theirs).statistic
    on_alignable = spearmanr(sub, theirs).statistic
    assert len(ours) >= 30
    assert on_alignable >= 0.95, (overall, on_alignable)
    assert overall >= 0.75, (overall, on_alignable)
    # the peer (no --norc) puts reads on the antisense miRNA of miR-122-5p; we do not
    assert peer.get("hsa-miR-122b-3p", 0) > 0
    assert "hsa-miR-122b-3p" not in set(ours.index)
    assert re.search("122", " ".join(ours.index))


@pytest.mark.slow
def test_workflow_on_real_qiaseq_reads(tmp_path, real_reads_dir):
    """snakemake from the real QIAseq FASTQ.gz to the count matrices (real tools)."""
    import os
    import sys

    repo = Path(__file__).resolve().parents[1]
    (tmp_path / "samples.tsv").write_text(
        f"sample_id\tfastq\nreal\t{real_reads_dir / REAL_QIASEQ}\n"
    )
    (tmp_path / "config.yaml").write_text(
        f"samples: {tmp_path / 'samples.tsv'}\npreset: qiaseq\noutdir: {tmp_path / 'out'}\n"
    )
    out = tmp_path / "out" / "counts"
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}")
    cmd = [str(bindir / "snakemake"), "-s", str(repo / "Snakefile"), "--cores", "2"]
    cmd += ["--configfile", str(tmp_path / "config.yaml"), "--directory", str(tmp_path)]
    cmd += [str(out / "mature_umi_counts.tsv"), str(out / "real.align_stats.json")]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    umi = pd.read_csv(out / "mature_umi_counts.tsv", sep="\t").set_index("mirna")["real"]
    assert (umi > 0).sum() > 100
    assert "hsa-miR-16-5p" in set(umi.sort_values(ascending=False).index[:3])
    stats = json.loads((out / "real.align_stats.json").read_text())
    assert sum(stats["reads"].values()) == stats["reads_total"]


def test_compact_reader_across_chunks_and_unpackable_umis(tmp_path, monkeypatch):
    import numpy as np

    import mirscope.counts.count as count_mod
    import mirscope.reads.molecules as molecules_mod
    from mirscope.counts.umi import code_umis, pack_umis

    rng = random.Random(9)
    rows = [("ACGT" * 5 + "A" * (k % 3), rand_umi(rng), 1 + k % 4) for k in range(50)]
    path = write_molecules(tmp_path / "c.tsv.gz", rows)
    big = count_mod.read_molecules_compact(path)
    monkeypatch.setattr(molecules_mod, "CHUNK_ROWS", 7)
    small = count_mod.read_molecules_compact(path)
    assert small.inserts[small.insert_code].tolist() == big.inserts[big.insert_code].tolist()
    assert (small.umis == big.umis).all() and small.umis.dtype == np.uint64
    assert (
        small.umis == pack_umis(np.array([u for _i, u, _r in sorted(rows)], dtype=object))
    ).all()
    # an N in one UMI (in a later chunk): every UMI is coded 3 bits per base, the chunks
    # read before it recoded
    rows[40] = (rows[40][0], "ACGTNACGTACG", 1)
    path = write_molecules(tmp_path / "n.tsv.gz", rows)
    coded = count_mod.read_molecules_compact(path)
    assert coded.umi_bits == 3 and coded.umis.dtype == np.uint64
    assert (
        coded.umis == code_umis(np.array([u for _i, u, _r in sorted(rows)], dtype=object))
    ).all()
    # a UMI of another length: every UMI is kept as text instead
    rows[45] = (rows[45][0], "ACGTACGTACG", 1)
    path = write_molecules(tmp_path / "m.tsv.gz", rows)
    mixed = count_mod.read_molecules_compact(path)
    assert mixed.umis.dtype == object and "ACGTNACGTACG" in set(mixed.umis.tolist())
    assert mixed.reads.sum() == sum(r for _i, _u, r in rows)


def test_rows_on_no_hairpin_are_counted_not_kept(hsa, tmp_path):
    """Counting keeps the molecules of aligned inserts only; the others still add up in the
    statistics, the same for a table in the trimming stage's order and for a shuffled one."""
    from mirscope.counts.count import read_molecules_compact

    ref = hsa[0]
    rng = random.Random(3)
    rows = [(ref.mature["hsa-miR-16-5p"], rand_umi(rng), 2) for _ in range(30)]
    fragments = ["".join(rng.choice("ACGT") for _ in range(30)) for _ in range(40)]
    rows += [(f, rand_umi(rng), 1 + k % 3) for k, f in enumerate(fragments * 2)]
    sorted_path = write_molecules(tmp_path / "a.tsv.gz", rows)
    stats = run_sample(hsa, tmp_path, "a", sorted_path)
    assert stats["unique_inserts"] == 41 and stats["raw_molecules"] == 110
    assert stats["inserts"]["unaligned"] == 40
    assert stats["reads"]["unaligned"] == sum(r for i, _u, r in rows if i in fragments)
    assert stats["reads_total"] == sum(r for _i, _u, r in rows)

    shuffled = tmp_path / "b.tsv.gz"
    rng.shuffle(rows)
    with gzip.open(shuffled, "wt") as fh:
        fh.write("insert\tumi\treads\n")
        fh.writelines(f"{i}\t{u}\t{r}\n" for i, u, r in rows)
    assert run_sample(hsa, tmp_path, "b", shuffled) | {"sample_id": "a"} == stats
    mol = read_molecules_compact(shuffled, only={ref.mature["hsa-miR-16-5p"]})
    assert (len(mol.reads), mol.other_rows, mol.other_inserts) == (30, 80, 40)

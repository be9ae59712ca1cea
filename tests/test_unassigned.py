"""Unassigned-insert QC: classes, top inserts, lengths, cohort files, and the real QIAseq reads."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mirscope.cli import main
from mirscope.counts.unassigned import insert_table, summarise_sample, top_unassigned

MIR16 = "TAGCAGCACGTAAATATTGGCG"
TRNA = "GCATTGGTGGTTCAGTGGTAGAATTCTCGC"  # 5' half of tRNA-Gly-CCC
LOOP = "GTGTGTGTGTGAAGTG"


def example_table() -> pd.DataFrame:
    inserts = np.array([MIR16, TRNA, LOOP, "ACGTACGTACGTACGTAC"], dtype=object)
    # rows are (insert, UMI) molecules
    code = np.array([0, 0, 0, 1, 1, 1, 1, 2, 3])
    reads = np.array([5, 1, 1, 2, 2, 1, 1, 3, 9])
    status = {MIR16: "mature", LOOP: "hairpin", "ACGTACGTACGTACGTAC": "ambiguous"}
    return insert_table(inserts, code, reads, True, status)


def test_classes_and_molecules_per_insert():
    t = example_table().set_index("insert")
    assert t.loc[MIR16, "class"] == "assigned"
    assert t.loc[TRNA, "class"] == "unaligned"
    assert t.loc[LOOP, "class"] == "hairpin"
    assert t.loc[TRNA, "molecules"] == 4 and t.loc[TRNA, "reads"] == 6
    assert t.loc[TRNA, "length"] == 30


def test_top_unassigned_orders_by_molecules_and_leaves_out_assigned():
    top = top_unassigned(example_table(), 2)
    # one molecule each: the ambiguous insert's 9 reads put it before the loop's 3
    assert list(top["insert"]) == [TRNA, "ACGTACGTACGTACGTAC"]
    assert list(top["rank"]) == [1, 2]
    assert top.loc[0, "molecule_fraction"] == pytest.approx(4 / 9, abs=1e-6)


def test_summary_fractions_and_lengths():
    s = summarise_sample(example_table(), "s1", True, 10)
    assert s["valid_molecules"] == 9 and s["valid_reads"] == 25
    assert s["assigned_molecule_fraction"] == pytest.approx(3 / 9, abs=1e-6)
    assert s["assigned_read_fraction"] == pytest.approx(7 / 25, abs=1e-6)
    assert s["lengths"]["assigned"] == {"22": 3}
    assert s["lengths"]["unassigned"] == {"16": 1, "18": 1, "30": 4}
    assert sum(c["molecules"] for c in s["classes"].values()) == 9


def test_without_umis_molecules_are_reads():
    inserts = np.array([MIR16, TRNA], dtype=object)
    t = insert_table(inserts, np.array([0, 1]), np.array([4, 7]), False, {MIR16: "mature"})
    assert list(t["molecules"]) == [4, 7]


def write_sample(tmp: Path, sid: str, rows: list[tuple[str, str, int]], status: dict) -> tuple:
    mol = tmp / f"{sid}.molecules.tsv.gz"
    with gzip.open(mol, "wt") as fh:
        fh.write("insert\tumi\treads\n")
        fh.writelines(f"{i}\t{u}\t{r}\n" for i, u, r in sorted(rows))
    iso = tmp / f"{sid}.isomirs.tsv"
    iso.write_text(
        "insert\tstatus\tmirna\thairpin\tisomir\treads\tumis\n"
        + "".join(f"{i}\t{s}\tm\th\tcanonical\t1\t1\n" for i, s in status.items())
    )
    return mol, iso


def test_cli_sample_and_cohort_outputs(tmp_path):
    summaries, tops = [], []
    for sid, n_trna in (("A", 3), ("B", 8)):
        rows = [(MIR16, f"AAAAAAAAAAA{b}", 2) for b in "ACG"]
        rows += [
            (TRNA, f"CCCCCCCCC{k:03d}".replace("0", "A").replace("1", "C"), 1)
            for k in range(n_trna)
        ]
        mol, iso = write_sample(tmp_path, sid, rows, {MIR16: "mature"})
        top, js = tmp_path / f"{sid}.top.tsv", tmp_path / f"{sid}.json"
        args = ["unassigned", "--sample-id", sid, "--molecules", str(mol), "--isomirs", str(iso)]
        assert main([*args, "--top-out", str(top), "--json-out", str(js)]) == 0
        summaries += ["--summary", str(js)]
        tops += ["--top", str(top)]
    out = tmp_path / "qc"
    assert main(["unassigned-qc", *summaries, *tops, "--outdir", str(out)]) == 0
    table = pd.read_csv(out / "unassigned_summary.tsv", sep="\t")
    assert list(table["sample_id"]) == ["A", "B"]
    assert list(table["unaligned_molecules"]) == [3, 8]
    assert table.loc[1, "assigned_molecule_fraction"] == pytest.approx(3 / 11, abs=1e-6)
    assert list(table["top_unassigned_insert"]) == [TRNA, TRNA]
    long = pd.read_csv(out / "unassigned_top.tsv", sep="\t")
    assert list(long.columns[:3]) == ["sample_id", "rank", "insert"]
    for name in ("qc_unassigned.png", "qc_unassigned.pdf"):
        assert (out / name).stat().st_size > 1000
    mqc = out / "multiqc"
    bar = (mqc / "mirscope_assignment_mqc.tsv").read_text()
    assert '# plot_type: "bargraph"' in bar and "\nB\t3\t0\t0\t8\n" in bar
    lengths = json.loads((mqc / "mirscope_lengths_unassigned_mqc.json").read_text())
    assert lengths["data"]["A"] == {"30": 100.0}
    table_mqc = (mqc / "mirscope_top_unassigned_mqc.tsv").read_text()
    assert f"A #1\t{TRNA}\t30\tunaligned" in table_mqc


@pytest.mark.slow
def test_real_qiaseq_unassigned(tmp_path, real_reads_dir, hsa):
    """Plasma QIAseq: about a fifth of valid molecules are miRNAs; the rest mostly longer."""
    import shutil

    if shutil.which("bowtie") is None or shutil.which("samtools") is None:
        pytest.skip("bowtie and samtools are needed (apt-get install bowtie samtools)")
    from test_mirgff3 import count_real

    p = count_real(hsa, tmp_path, real_reads_dir)
    top, js = tmp_path / "top.tsv", tmp_path / "un.json"
    args = ["unassigned", "--sample-id", "real", "--molecules", str(p["molecules.tsv.gz"])]
    args += ["--isomirs", str(p["isomir"]), "--top-out", str(top), "--json-out", str(js)]
    assert main(args) == 0
    s = json.loads(js.read_text())
    assert 0.10 < s["assigned_molecule_fraction"] < 0.30, s["assigned_molecule_fraction"]
    stats = json.loads((tmp_path / "real.align_stats.json").read_text())
    assert s["classes"]["assigned"]["reads"] == stats["reads"]["mature"]
    assert s["classes"]["unaligned"]["reads"] == stats["reads"]["unaligned"]
    assert s["valid_reads"] == stats["reads_total"]
    t = pd.read_csv(top, sep="\t")
    assert len(t) == 50 and (t["class"] != "assigned").all()
    assert t["molecules"].is_monotonic_decreasing
    # the most frequent unassigned plasma inserts are longer than miRNAs (tRNA/YRNA pieces)
    assert t.head(10)["length"].median() > 24
    assert TRNA in set(t.head(5)["insert"])

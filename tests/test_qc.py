"""mirscope qc: per-sample table, figures, MultiQC custom content and the real MultiQC."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_workflow
from mirscope.cli import main
from mirscope.errors import InputError, MirscopeWarning
from mirscope.reads.trim import CLASSES as CLASS_NAMES
from mirscope.reads.trim import TrimSettings
from mirscope.stages.qc import build_qc
from mirscope.stages.trim import trim_fastq

QIA = "AACTGTAGGCACCATCAAT"
TRUSEQ = "TGGAATTCTCGGGTGCCAAGG"
MIR16 = "TAGCAGCACGTAAATATTGGCG"
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


def _fastq(path: Path, seqs: list[str]) -> Path:
    with gzip.open(path, "wt") as fh:
        fh.write("".join(f"@r{i}\n{s}\n+\n{'I' * len(s)}\n" for i, s in enumerate(seqs)))
    return path


def _trim(tmp_path: Path, sample: str, seqs: list[str], preset: str = "qiaseq") -> Path:
    fq = _fastq(tmp_path / f"{sample}.fastq.gz", seqs)
    stats = tmp_path / "trimmed" / f"{sample}.trim.json"
    trim_fastq(
        fq,
        TrimSettings.from_preset(preset),
        sample=sample,
        molecules_out=tmp_path / "trimmed" / f"{sample}.molecules.tsv.gz",
        stats_out=stats,
        allow_empty=True,  # the QC stage is what reports samples that yield nothing
    )
    return stats


@pytest.fixture()
def three_samples(tmp_path):
    """A: 8 valid reads (4 molecules) and 2 too short; B: TruSeq reads trimmed as QIAseq
    (adapter in 0% of reads: warning); C: an empty file (zero counts: warning)."""
    umis = ["ACGTACGTACGT"] * 2 + ["CCCCAAAAGGGG"] * 2
    umis += ["AAAAAAAAAAAA", "CCCCCCCCCCCC", "GGGGGGGGGGGG", "TTTTTTTTTTTT"]
    a = [MIR16 + QIA + umi + "AGATCGGAAG" for umi in umis]
    a += ["ACGTACGTAC" + QIA + "ACGTACGTACGT"] * 2
    sa = _trim(tmp_path, "A", a)
    with pytest.warns(MirscopeWarning, match="illumina or nextflex"):
        sb = _trim(tmp_path, "B", [MIR16 + TRUSEQ + "ACGTACGTACGTACGT"] * 5)
    with pytest.warns(MirscopeWarning, match="no reads"):
        sc = _trim(tmp_path, "C", [])
    return [sa, sb, sc]


def test_qc_table_values(three_samples, tmp_path):
    align = tmp_path / "A.align_stats.json"
    align.write_text(
        json.dumps(
            {
                "sample_id": "A",
                "reads": {"mature": 6, "ambiguous": 0, "hairpin": 1, "unaligned": 1},
                "mature_molecules": 3,
            }
        )
    )
    with pytest.warns(MirscopeWarning, match="QC: sample"):
        table = build_qc(three_samples, [align], tmp_path / "qc")
    got = pd.read_csv(tmp_path / "qc" / "qc_summary.tsv", sep="\t", keep_default_na=False)
    assert list(got["sample_id"]) == ["A", "B", "C"]
    a = got.iloc[0]
    assert (a["total_reads"], a["valid"], a["too_short"], a["no_adapter"]) == (10, 8, 2, 0)
    assert a["unique_molecules"] == 6  # 2 UMIs x2 reads collapse to 2, plus 4 distinct UMIs
    assert float(a["umi_duplication_rate"]) == pytest.approx(1 - 6 / 8)
    assert float(a["median_insert_length"]) == 22
    assert (int(a["reads_mature"]), int(a["reads_unassigned"])) == (6, 1)
    assert float(a["aligned_hairpin_fraction"]) == pytest.approx(7 / 8)
    assert a["warnings"] == ""
    b, c = got.iloc[1], got.iloc[2]
    assert b["no_adapter"] == 5 and "preset illumina or nextflex" in b["warnings"]
    assert c["total_reads"] == 0 and "no reads" in c["warnings"]
    assert c["reads_mature"] == ""  # no alignment statistics for B and C: empty, not 0
    assert list(table.columns) == list(got.columns)
    for stem in ("qc_read_classes", "qc_insert_lengths"):
        assert (tmp_path / "qc" / f"{stem}.png").read_bytes()[:4] == b"\x89PNG"
        assert (tmp_path / "qc" / f"{stem}.pdf").read_bytes()[:4] == b"%PDF"


def test_qc_is_deterministic_and_cli_runs(three_samples, tmp_path):
    outs = []
    for run in ("r1", "r2"):
        args = ["qc", "--outdir", str(tmp_path / run)]
        for s in three_samples:
            args += ["--trim-stats", str(s)]
        with pytest.warns(MirscopeWarning):
            assert main(args) == 0
        outs.append(
            [
                (tmp_path / run / f).read_bytes()
                for f in (
                    "qc_summary.tsv",
                    "multiqc/mirscope_read_classes_mqc.tsv",
                    "multiqc/mirscope_insert_lengths_mqc.json",
                    "qc_read_classes.pdf",
                )
            ]
        )
    assert outs[0] == outs[1]


def test_qc_rejects_bad_statistics(tmp_path, three_samples):
    bad = tmp_path / "bad.json"
    bad.write_text('{"sample": "X"}')
    with pytest.raises(InputError, match="lacks required keys"):
        build_qc([bad], None, tmp_path / "qc")
    with pytest.raises(InputError, match="appears twice"):
        build_qc([three_samples[0], three_samples[0]], None, tmp_path / "qc")
    assert not (tmp_path / "qc" / "qc_summary.tsv").exists()


@pytest.mark.slow
def test_multiqc_report_includes_mirscope_sections(three_samples, tmp_path):
    multiqc = Path(sys.executable).parent / "multiqc"
    if not multiqc.exists() and shutil.which("multiqc") is None:
        pytest.skip("multiqc is not installed")
    with pytest.warns(MirscopeWarning):
        build_qc(three_samples, None, tmp_path / "qc")
    res = subprocess.run(
        [
            str(multiqc if multiqc.exists() else "multiqc"),
            "--force",
            "--outdir",
            str(tmp_path / "report"),
            "--filename",
            "multiqc_report.html",
            str(tmp_path / "qc" / "multiqc"),
        ],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    html = (tmp_path / "report" / "multiqc_report.html").read_text()
    for section in ("mirscope_read_classes", "mirscope_insert_lengths", "mirscope_qc_summary"):
        assert section in html
    data = tmp_path / "report" / "multiqc_report_data" / "multiqc_mirscope_read_classes_plot.txt"
    classes = pd.read_csv(data, sep="\t", index_col=0)
    assert classes.loc["A", "valid"] == 8 and classes.loc["B", "no_adapter"] == 5


def test_real_reads_qc(tmp_path):
    """QIAseq and TruSeq real reads, each with its preset: no warnings, sensible table."""
    qia = REAL / "SRR17084832_Qiaseq_plasma_Rep01_50k.fastq.gz"
    tru = REAL / "SRR10217428_H30541_TruSeq_unblocked_50k.fastq.gz"
    if not qia.is_file() or not tru.is_file():
        pytest.skip(f"real reads not available: {REAL} is absent (only in the dev/CI tree)")
    stats = []
    for sample, path, preset in (("qia", qia, "qiaseq"), ("tru", tru, "illumina")):
        out = tmp_path / f"{sample}.trim.json"
        trim_fastq(
            path,
            TrimSettings.from_preset(preset),
            sample=sample,
            molecules_out=tmp_path / f"{sample}.tsv.gz",
            stats_out=out,
        )
        stats.append(out)
    table = build_qc(stats, None, tmp_path / "qc").set_index("sample_id")
    assert table.loc["qia", "adapter_found_fraction"] >= 0.98
    assert table.loc["tru", "adapter_found_fraction"] >= 0.95
    assert 20 <= table.loc["tru", "median_insert_length"] <= 24  # a miRNA-dominated library
    assert (table["warnings"] == "").all()


@pytest.mark.slow
def test_workflow_trim_qc_multiqc(tmp_path):
    """snakemake (real bowtie, samtools, multiqc): a simulated sample and the real QIAseq
    reads through trimming, counting and QC; the QC table joins both stages."""
    from mirscope.simulate import simulate_sample_reads

    qia = REAL / "SRR17084832_Qiaseq_plasma_Rep01_50k.fastq.gz"
    sheet = ["sample_id\tfastq"]
    simulate_sample_reads(tmp_path / "SIM.fastq.gz", 20_000, seed=4)
    sheet.append(f"SIM\t{tmp_path / 'SIM.fastq.gz'}")
    if qia.is_file():  # real reads only in the dev/CI tree
        sheet.append(f"REAL\t{qia}")
    qc = tmp_path / "out" / "qc"
    run_workflow(tmp_path, sheet, [qc / "qc_summary.tsv", qc / "multiqc_report.html"])
    table = pd.read_csv(qc / "qc_summary.tsv", sep="\t").set_index("sample_id")
    assert (table["total_reads"] == table[list(CLASS_NAMES)].sum(axis=1)).all()
    assert (table["adapter_found_fraction"] >= 0.97).all()
    assert (table["reads_mature"] > 0.5 * table["valid"]).loc["SIM"]
    total_aligned = table[
        ["reads_mature", "reads_ambiguous", "reads_hairpin_only", "reads_unassigned"]
    ]
    assert (total_aligned.sum(axis=1) == table["valid"]).all()  # every valid read accounted for
    html = (qc / "multiqc_report.html").read_text()
    assert "mirscope_read_classes" in html and "bowtie1" in html.lower()
    for stem in ("qc_read_classes", "qc_insert_lengths"):
        assert (qc / f"{stem}.png").stat().st_size > 10_000

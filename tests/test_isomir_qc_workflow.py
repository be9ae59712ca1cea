"""The mirGFF3 and unassigned-QC rules through Snakemake on samples of the demo cohort
(`mirscope simulate --seed 11 --reads-per-sample 1500`), checked with miRTop's own tools;
tests/test_workflow.py checks the whole cohort's file the same way."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_workflow
from test_mirgff3 import check_with_mirtop, needs_mirtop

pytestmark = pytest.mark.slow

#: Samples of the demo cohort run here (the whole cohort takes ~15 minutes on 2 cores).
N_SAMPLES = 6


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    for tool in ("bowtie", "bowtie-build", "samtools"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed (make test installs it with apt)")
    work = tmp_path_factory.mktemp("isomir_qc")
    mirscope = str(Path(sys.executable).parent / "mirscope")
    subprocess.run(
        [mirscope, "simulate", "--out", "cohort", "--seed", "11", "--reads-per-sample", "1500"],
        cwd=work,
        check=True,
        capture_output=True,
    )
    sheet = (work / "cohort/samples.tsv").read_text().splitlines()
    lines = [sheet[0]] + [
        "\t".join([sid, str(work / fq)])
        for sid, fq in (r.split("\t") for r in sheet[1 : 1 + N_SAMPLES])
    ]
    out = work / "out"
    targets = [
        out / "mirgff3/cohort.gff3",
        out / "counts/mature_umi_counts.tsv",
        out / "qc/unassigned_summary.tsv",
        out / "qc/multiqc_report.html",
    ]
    run_workflow(work, lines, targets)
    return out


@needs_mirtop
def test_cohort_and_sample_mirgff3_pass_mirtop(run, tmp_path):
    umis = pd.read_csv(run / "counts/mature_umi_counts.tsv", sep="\t").set_index("mirna")
    assert umis.shape[1] == N_SAMPLES
    check_with_mirtop(run / "mirgff3/cohort.gff3", tmp_path / "cohort", umis)
    first = umis.columns[0]
    check_with_mirtop(run / f"mirgff3/{first}.gff3", tmp_path / first, umis[[first]])
    header = (run / "mirgff3/cohort.gff3").read_text().splitlines()[:6]
    assert header[0] == "## VERSION: 1.2"
    assert header[-1] == f"## COLDATA: {','.join(umis.columns)}"


def test_unassigned_qc_agrees_with_the_counting_stats(run):
    table = pd.read_csv(run / "qc/unassigned_summary.tsv", sep="\t")
    assert len(table) == N_SAMPLES
    parts = table[[f"{k}_molecules" for k in ("assigned", "ambiguous", "hairpin", "unaligned")]]
    assert (parts.sum(axis=1) == table["valid_molecules"]).all()
    for row in table.itertuples():
        stats = json.loads((run / f"counts/{row.sample_id}.align_stats.json").read_text())
        assert row.valid_reads == stats["reads_total"]
        assert row.assigned_read_fraction == pytest.approx(
            stats["reads"]["mature"] / stats["reads_total"], abs=1e-6
        )
    # simulated libraries are mostly miRNAs; the rest are simulated other small RNAs
    assert (table["assigned_molecule_fraction"] > 0.5).all()
    for name in ("qc_unassigned.png", "qc_unassigned.pdf", "unassigned_top.tsv"):
        assert (run / "qc" / name).stat().st_size > 0


def test_multiqc_shows_the_unassigned_sections(run):
    html = (run / "qc/multiqc_report.html").read_text()
    for section in (
        "mirscope_assignment",
        "mirscope_lengths_assigned",
        "mirscope_lengths_unassigned",
        "mirscope_top_unassigned",
    ):
        assert section in html, section

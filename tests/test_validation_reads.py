"""A validation cohort given as reads (`validation.samples`), counted inside the run.

The workflow runs on a small simulated training cohort with a second simulated cohort
(another seed) as its validation sample sheet, up to the external validation table. The
validation cohort's count matrices must be byte-identical to those the same reads give
when counted as a run's own cohort: one implementation of the count rules, the same
settings, its own folder (`<outdir>/validation/`). The unit tests check which kit the
validation reads are trimmed with.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from mirscope.errors import InputError
from mirscope.inputs.config import complete_config, validation_config

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MATRICES = (
    "mature_umi_counts.tsv",
    "mature_read_counts.tsv",
    "hairpin_umi_counts.tsv",
    "hairpin_read_counts.tsv",
    "isomir_counts.tsv",
)
PAPER_MODELS = ["paper_response_3m", "paper_response_12m", "paper_s1_cutoff"]


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["PYTHONPATH"] = str(REPO / "src")
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=3000)
    assert res.returncode == 0, f"{' '.join(cmd)}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


def _snakemake(work: Path, config: dict, *targets: str) -> None:
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    cmd = ["snakemake", "-s", str(REPO / "Snakefile"), "--configfile", "config.yaml"]
    _run([*cmd, "--cores", "2", *targets], cwd=work)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """The training run with a validation sample sheet, up to the validation table; and
    the validation reads counted as a run's own cohort."""
    for tool in ("bowtie", "bowtie-build", "samtools"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed (make test installs it with apt)")
    work = tmp_path_factory.mktemp("validation reads")
    simulate = ["mirscope", "simulate", "--reads-per-sample", "300"]
    _run([*simulate, "--out", "cohort", "--seed", "11"], cwd=work)
    _run([*simulate, "--out", "new", "--seed", "12", "--patients", "12"], cwd=work)
    config = {
        "samples": "cohort/samples.tsv",
        "clinical": "cohort/clinical.tsv",
        "preset": "qiaseq",
        "outdir": "out",
        "seed": 3,
        "models": {"resamples": 10, "nested_resamples": 3},
        "validation": {
            "samples": "new/samples.tsv",
            "clinical": "new/clinical.tsv",
            "models": PAPER_MODELS,
        },
    }
    _snakemake(work, config, "out/validation/external_validation.tsv")
    alone = {"samples": "new/samples.tsv", "preset": "qiaseq", "outdir": "alone"}
    _snakemake(work, alone, *(f"alone/counts/{name}" for name in MATRICES))
    return {"work": work, "out": work / "out", "alone": work / "alone"}


@pytest.mark.slow
def test_validation_reads_count_as_a_cohort_of_their_own(runs):
    val = runs["out"] / "validation"
    for name in MATRICES:
        assert (val / "counts" / name).read_bytes() == (
            runs["alone"] / "counts" / name
        ).read_bytes()
    # the two namespaces share sample IDs (P01...) and never meet
    training = pd.read_csv(runs["out"] / "counts/mature_umi_counts.tsv", sep="\t", index_col=0)
    validation = pd.read_csv(val / "counts/mature_umi_counts.tsv", sep="\t", index_col=0)
    assert len(training.columns) == 53 and len(validation.columns) == 12
    assert set(validation.columns) <= set(training.columns)
    assert (runs["out"] / "logs/mirscope_trim/validation/P01.log").is_file()


@pytest.mark.slow
def test_validation_table_scores_the_counted_cohort(runs):
    table = pd.read_csv(runs["out"] / "validation/external_validation.tsv", sep="\t")
    assert set(table["model"]) >= {"paper_response_3m", "paper_response_12m"}
    predictions = pd.read_csv(
        runs["out"] / "validation/predictions/paper_response_3m_predictions.tsv", sep="\t"
    )
    assert len(predictions) == 12


# --- the kit of the validation reads -----------------------------------------------------


def _configs(validation: dict, **given) -> tuple[dict, dict]:
    raw = {"samples": "s.tsv", "outdir": "out", "validation": validation, **given}
    return complete_config(raw, source="c.yaml", check_outdir=False), raw


def test_validation_reads_use_the_run_kit_without_a_validation_preset():
    cfg, raw = _configs({"samples": "v.tsv"}, preset="nextflex")
    assert validation_config(cfg, raw, source="c.yaml")["trimming"] == cfg["trimming"]


def test_validation_preset_sets_the_kit_under_the_run_trimming_overrides():
    cfg, raw = _configs(
        {"samples": "v.tsv", "preset": "illumina"}, preset="qiaseq", trimming={"min_length": 19}
    )
    val = validation_config(cfg, raw, source="c.yaml")
    alone, _ = _configs({}, preset="illumina", trimming={"min_length": 19})
    assert val["preset"] == "illumina" and val["trimming"] == alone["trimming"]
    assert val["trimming"]["min_length"] == 19 and val["trimming"] != cfg["trimming"]
    assert val["counting"] == cfg["counting"] and cfg["preset"] == "qiaseq"


def test_custom_validation_preset_needs_an_adapter():
    cfg, raw = _configs({"samples": "v.tsv", "preset": "custom"})
    with pytest.raises(InputError, match="validation.preset"):
        validation_config(cfg, raw, source="c.yaml")

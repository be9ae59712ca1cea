"""Real users' inputs: what `mirscope validate` accepts runs, what it rejects stops before
any job, and nothing changes the numbers silently.

Every case asserts one of two outcomes:

(a) a clean one-line error (exit code 1, the file and the bad value named, no traceback),
    before any job: `mirscope validate` and the workflow's parse step (`snakemake -n`)
    both reject the input with the same message and write nothing; for what only a job can
    see (FASTQ content, a full disk) the one command of that job fails the same way;
(b) the result equals that of the clean input.

The parse-only cases share one simulated cohort (no reads are trimmed); the cases that run
the workflow are marked `slow`.
"""

from __future__ import annotations

import copy
import errno
import gzip
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from mirscope.cli import main
from mirscope.errors import MirscopeWarning
from mirscope.inputs.clinical import canonical_text, read_clinical

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(REPO / "src")
    return env


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    """A small simulated cohort (reads never trimmed here), in a directory with a space."""
    work = tmp_path_factory.mktemp("bad inputs")
    res = _run(
        ["mirscope", "simulate", "--out", "cohort", "--seed", "11", "--reads-per-sample", "300"],
        cwd=work,
    )
    assert res.returncode == 0, res.stderr
    return work / "cohort"


BASE_CONFIG = {
    "samples": "cohort/samples.tsv",
    "clinical": "cohort/clinical.tsv",
    "preset": "qiaseq",
    "outdir": "out dir",
    "seed": 3,
}


def _work(cohort: Path, tmp_path: Path) -> Path:
    """A run directory: the cohort's tables copied (to be spoiled), its FASTQs linked."""
    work = tmp_path / "run"
    (work / "cohort").mkdir(parents=True)
    for path in cohort.iterdir():
        if path.is_file():
            shutil.copy2(path, work / "cohort" / path.name)
    os.symlink(cohort / "fastq", work / "cohort" / "fastq")
    return work


def _set(cfg: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        cfg = cfg.setdefault(part, {})
    cfg[last] = value


# --- spoilers: each changes one thing in a fresh run directory --------------------------


def cfg(**changes) -> Callable[[Path], None]:
    """Config keys to change (``de__covariates`` = ``de.covariates``)."""

    def apply(work: Path) -> None:
        config = copy.deepcopy(BASE_CONFIG)
        for key, value in changes.items():
            _set(config, key.replace("__", "."), value)
        (work / "config.yaml").write_text(yaml.safe_dump(config))

    return apply


def config_text(text: str) -> Callable[[Path], None]:
    def apply(work: Path) -> None:
        (work / "config.yaml").write_text(text)

    return apply


def table(name: str, edit: Callable[[list[list[str]]], list[list[str]]]):
    """Edit a cohort table as rows of cells (row 0 = header); the config stays clean."""

    def apply(work: Path) -> None:
        cfg()(work)
        path = work / "cohort" / name
        rows = [line.split("\t") for line in path.read_text().rstrip("\n").split("\n")]
        path.write_text("\n".join("\t".join(r) for r in edit(rows)) + "\n")

    return apply


def cell(name: str, row: int, column: str, value: str):
    def edit(rows):
        rows[row][rows[0].index(column)] = value
        return rows

    return table(name, edit)


def raw_file(name: str, content: bytes, sample_row: int = 2):
    """Point one sample of the sheet at a file with this content."""

    def apply(work: Path) -> None:
        cfg()(work)
        (work / name).write_bytes(content)
        path = work / "cohort/samples.tsv"
        rows = [line.split("\t") for line in path.read_text().rstrip("\n").split("\n")]
        rows[sample_row][1] = name
        path.write_text("\n".join("\t".join(r) for r in rows) + "\n")

    return apply


def _validation_sheet(work: Path) -> None:
    """A validation sample sheet (the cohort's own reads) whose third data row has a
    sample ID the sheet's pattern rejects."""
    rows = (work / "cohort/samples.tsv").read_text().rstrip("\n").split("\n")
    rows[3] = "P 03\t" + rows[3].split("\t", 1)[1]
    (work / "new_samples.tsv").write_text("\n".join(rows[:5]) + "\n")
    cfg(validation__samples="new_samples.tsv")(work)


def _outdir_below_file(work: Path) -> None:
    (work / "afile").write_text("x")
    cfg(outdir="afile/out")(work)


def _read_only_outdir(work: Path) -> None:
    (work / "ro").mkdir()
    (work / "ro").chmod(0o555)
    cfg(outdir="ro/out")(work)


TWO_CONTRASTS = [
    {"name": "crs_ge2", "variable": "crs_grade", "rule": "ge2"},
    {"name": "icans", "variable": "icans_grade", "rule": "gt0"},
]

# (id, spoiler, words the one-line message must hold)
REJECTED = [
    # config
    ("outdir-empty", cfg(outdir=""), ["key 'outdir'", "''"]),
    ("outdir-blank", cfg(outdir="  "), ["key 'outdir'", "empty"]),
    ("outdir-root", cfg(outdir="/"), ["key 'outdir'", "filesystem root"]),
    ("outdir-below-file", _outdir_below_file, ["key 'outdir'", "afile", "is a file"]),
    ("outdir-read-only", _read_only_outdir, ["key 'outdir'", "not writable"]),
    ("unknown-key", cfg(outdri="x"), ["outdri", "did you mean 'outdir'"]),
    # the validation section: files that exist, model files this config writes
    (
        "validation-counts-missing",
        cfg(validation__counts="other/counts.tsv"),
        ["validation.counts", "count matrix not found", "other/counts.tsv"],
    ),
    (
        "validation-clinical-missing",
        cfg(
            validation__counts="out dir/counts/mature_umi_counts.tsv", validation__clinical="no.tsv"
        ),
        ["validation.clinical", "no.tsv", "not found"],
    ),
    (
        "validation-model-typo",
        cfg(
            validation__counts="out dir/counts/mature_umi_counts.tsv",
            validation__models=["paper_response_3n"],
        ),
        ["validation.models", "paper_response_3n", "did you mean 'paper_response_3m'"],
    ),
    # ... and exactly one of a count matrix or a sample sheet of reads, read as `samples` is
    (
        "validation-counts-and-samples",
        cfg(
            validation__counts="out dir/counts/mature_umi_counts.tsv",
            validation__samples="cohort/samples.tsv",
        ),
        ["key 'validation.samples'", "given with validation.counts", "not both"],
    ),
    (
        "validation-neither-counts-nor-samples",
        cfg(validation__clinical="cohort/clinical.tsv"),
        ["key 'validation.clinical'", "no counts to score", "validation.samples"],
    ),
    (
        "validation-sheet-bad-line",
        _validation_sheet,
        ["new_samples.tsv", "row 3 (line 4)", "sample_id", "'P 03'"],
    ),
    ("unknown-preset", cfg(preset="qiagen"), ["key 'preset'", "qiagen", "qiaseq"]),
    ("adapter-letters", cfg(trimming__adapter="AACTGU"), ["trimming.adapter", "AACTGU"]),
    ("empty-config", config_text(""), ["config file is empty"]),
    (
        "tab-indented",
        config_text("samples: cohort/samples.tsv\nreference:\n\tspecies: hsa\n"),
        ["line 3", "tabs"],
    ),
    ("samples-missing", cfg(samples="cohort/nope.tsv"), ["cohort/nope.tsv", "not found"]),
    (
        "cluster-level-typo",
        cfg(clustering__variables=["bridging=failed"]),
        ["clustering.variables[0]", "bridging=failed", "bridging=failure"],
    ),
    (
        "cluster-level-case",
        cfg(clustering__variables=["bridging=Failure"]),
        ["clustering.variables[0]", "case-sensitive", "'failure'"],
    ),
    (
        "cluster-column-typo",
        cfg(clustering__variables=["prodcut"]),
        ["clustering.variables[0]", "'prodcut'", "did you mean 'product'"],
    ),
    (
        "contrast-variable-typo",
        cfg(de__contrasts=[{"name": "crs_ge2", "variable": "crs_grd", "rule": "ge2"}]),
        ["de.contrasts[0].variable", "'crs_grd'", "crs_grade"],
    ),
    (
        "contrast-rule-misfit",
        cfg(de__contrasts=[{"name": "crs_ge2", "variable": "sex", "rule": "ge2"}]),
        ["de.contrasts[0].rule", "'ge2'", "responder"],
    ),
    (
        "contrast-rule-unknown",
        cfg(de__contrasts=[{"name": "crs_ge2", "variable": "crs_grade", "rule": "ge3"}]),
        ["de.contrasts.0.rule", "'ge3'", "gt0"],
    ),
    (
        "contrast-name-twice",
        cfg(de__contrasts=[*TWO_CONTRASTS, TWO_CONTRASTS[1]]),
        ["de.contrasts[2].name", "used twice", "'icans'"],
    ),
    (
        "table2-contrast-unknown",
        cfg(de__table2a_contrast="crs"),
        ["de.table2a_contrast", "'crs'", "crs_ge2"],
    ),
    (
        "model-without-contrast",
        cfg(
            de__contrasts=TWO_CONTRASTS,
            models__toxicity_models=["crs_ge2", "icans"],
            models__response_models=["response_3m"],
        ),
        ["models.response_models[0]", "'response_3m'", "de.contrasts"],
    ),
    (
        "model-outcome-unknown",
        cfg(models__toxicity_models=["crs_ge3"]),
        ["models.toxicity_models", "'crs_ge3'", "crs_ge2"],
    ),
    (
        "de-covariate-typo",
        cfg(de__covariates=["sexx"]),
        ["de.covariates[0]", "'sexx'", "did you mean 'sex'"],
    ),
    (
        "crs-covariate-typo",
        cfg(models__crs_covariates=["sex", "cpr"]),
        ["models.crs_covariates[1]", "'cpr'", "did you mean 'crp'"],
    ),
    (
        "response-covariate-typo",
        cfg(models__response_covariates=["agee"]),
        ["models.response_covariates[0]", "'agee'", "age"],
    ),
    (
        "correlation-column-typo",
        cfg(models__correlations=["hsa-miR-542-5p:ldhh"]),
        ["models.correlations[0]", "'ldhh'", "did you mean 'ldh'"],
    ),
    (
        "group-test-outcome",
        cfg(models__group_tests=["hsa-miR-1290:icans_ge3"]),
        ["models.group_tests[0]", "icans_ge3", "icans_ge2"],
    ),
    (
        "companion-response-typo",
        cfg(companion__kinetics="cohort/kinetics.tsv", companion__response="response3m"),
        ["companion.response", "'response3m'", "response_3m"],
    ),
    # sample sheet
    (
        "sheet-duplicate-id",
        table("samples.tsv", lambda r: [*r, r[1]]),
        ["cohort/samples.tsv", "P01"],
    ),
    (
        "sheet-fastq-missing",
        cell("samples.tsv", 1, "fastq", "cohort/fastq/P99.fastq.gz"),
        ["cohort/samples.tsv", "P99.fastq.gz"],
    ),
    (
        "sheet-id-with-space",
        cell("samples.tsv", 1, "sample_id", "P 01"),
        ["cohort/samples.tsv", "'P 01'"],
    ),
    (
        "sheet-no-id-column",
        table("samples.tsv", lambda r: [["sample", *r[0][1:]], *r[1:]]),
        ["cohort/samples.tsv", "sample_id"],
    ),
    ("fastq-not-gzip", raw_file("bad.fastq", b"@r1\nACGT\n+\nIIII\n"), ["'bad.fastq'", "gzip"]),
    (
        "fastq-is-fasta",
        raw_file("bad.fa.gz", gzip.compress(b">r1\nACGT\n")),
        ["'bad.fa.gz'", "looks like FASTA"],
    ),
    ("fastq-empty-file", raw_file("empty.fastq.gz", b""), ["'empty.fastq.gz'"]),
    # clinical table
    ("clinical-sex-x", cell("clinical.tsv", 3, "sex", "X"), ["clinical.tsv", "sex", "'X'"]),
    (
        "clinical-unknown-sample",
        cell("clinical.tsv", 2, "sample_id", "P99"),
        ["clinical.tsv", "'P99'"],
    ),
    (
        "clinical-missing-row",
        table("clinical.tsv", lambda r: r[:-1]),
        ["clinical.tsv", "no clinical row", "P53"],
    ),
    (
        "clinical-no-id-column",
        table("clinical.tsv", lambda r: [["patient", *r[0][1:]], *r[1:]]),
        ["clinical.tsv", "sample_id"],
    ),
    (
        "clinical-duplicate-row",
        table("clinical.tsv", lambda r: [*r, r[1]]),
        ["clinical.tsv", "P01"],
    ),
    ("clinical-event-2", cell("clinical.tsv", 2, "os_event", "2"), ["os_event", "'2'"]),
    ("clinical-negative-age", cell("clinical.tsv", 4, "age", "-3"), ["age", "-3"]),
    (
        "clinical-grade-text",
        cell("clinical.tsv", 5, "crs_grade", "two"),
        ["crs_grade", "'two'"],
    ),
    (
        "clinical-time-without-event",
        table("clinical.tsv", lambda r: [x[:-1] for x in r]),
        ["clinical.tsv", "ttp_event"],
    ),
]

# Snakemake reads --configfile itself, before the workflow's parse step, so a config that
# is not a YAML mapping is rejected with Snakemake's own words (it does not name the file).
SNAKEMAKE_OWN_MESSAGE = {"empty-config", "tab-indented"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("spoil", "words"), [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED]
)
def test_rejected_before_any_job(cohort, tmp_path, request, spoil, words):
    case = request.node.callspec.id
    if case == "outdir-read-only" and os.geteuid() == 0:
        pytest.skip("root writes into read-only directories")
    work = _work(cohort, tmp_path)
    spoil(work)
    before = sorted(p.relative_to(work) for p in work.rglob("*"))
    res = _run(["mirscope", "validate", "--config", "config.yaml"], cwd=work)
    text = res.stderr.strip()
    assert res.returncode == 1, (res.stdout, text)
    assert "Traceback" not in text and len(text.splitlines()) == 1, text
    assert text.startswith("mirscope: error: ") and "valid -" not in res.stdout
    for word in words:
        assert word in text, (word, text)
    smk = _run(
        ["snakemake", "-s", str(REPO / "Snakefile"), "--configfile", "config.yaml", "-n"],
        cwd=work,
    )
    assert smk.returncode != 0
    if case not in SNAKEMAKE_OWN_MESSAGE:
        # Snakemake names the config by its absolute path; the rest is the same line.
        message = text.removeprefix("mirscope: error: ").removeprefix("config.yaml")
        said = [
            line
            for line in (smk.stdout + smk.stderr).strip().splitlines()
            if not line.startswith(SNAKEMAKE_BANNER)
        ]
        # exactly the one line: no "InputError in file common.smk", no stack frames
        assert len(said) == 1 and said[0].endswith(message), (message, said[-20:])
    else:
        # Snakemake parses --configfile itself before the Snakefile runs, so its message
        # (documented in config/README.md) is its own: still one line, no traceback.
        said = smk.stdout + smk.stderr
        assert "Traceback" not in said and "Config file" in said, said
    after = sorted(p.relative_to(work) for p in work.rglob("*") if ".snakemake" not in p.parts)
    assert after == before, "nothing is written before the error"


# --- (b) the same meaning as the clean table -------------------------------------------


def _edit_rows(text: str, edit) -> str:
    lines = text.rstrip("\n").split("\n")
    rows = [line.split("\t") for line in lines]
    return "\n".join("\t".join(r) for r in edit(rows)) + "\n"


def _set_cell(rows, row, column, value):
    rows[row][rows[0].index(column)] = value
    return rows


def _map_cells(rows, column, change, row_numbers):
    i = rows[0].index(column)
    for n in row_numbers:
        rows[n][i] = change(rows[n][i])
    return rows


def _blank_row(rows, row):
    rows[row] = [rows[row][0]] + [""] * (len(rows[0]) - 1)
    return rows


# (id, spoil the clean text, the clean text edited to mean the same)
SAME_MEANING = [
    ("sex-lower-case", lambda r: _map_cells(r, "sex", str.lower, (1, 2, 5)), None),
    ("comment-line", lambda r: [r[0], ["# checked 2025-01"], *r[1:]], None),
    ("product-leading-space", lambda r: _map_cells(r, "product", " {}".format, (4,)), None),
    ("product-upper-case", lambda r: _map_cells(r, "product", str.upper, (4, 9)), None),
    ("header-case", lambda r: [[c.upper() for c in r[0]], *r[1:]], None),
    ("columns-shuffled", lambda r: [x[::-1] for x in r], None),
    ("blank-lines", lambda r: [r[0], [""], *r[1:3], [""], *r[3:]], None),
    (
        "na-spellings",
        lambda r: _set_cell(_set_cell(r, 3, "sex", "NA"), 6, "crp", "NaN"),
        lambda r: _set_cell(_set_cell(r, 3, "sex", ""), 6, "crp", ""),
    ),
    ("id-only-row", lambda r: [*r[:7], r[7][:1], *r[8:]], lambda r: _blank_row(r, 7)),
    ("crlf", "crlf", None),
    ("utf8-bom", "bom", None),
]


@pytest.mark.parametrize(
    ("spoil", "same"), [c[1:] for c in SAME_MEANING], ids=[c[0] for c in SAME_MEANING]
)
def test_messy_clinical_table_means_the_same(cohort, tmp_path, monkeypatch, spoil, same):
    """The canonical table every statistics rule reads is byte-identical to the clean one's
    (`mirscope clinical`, the workflow's first clinical step)."""
    monkeypatch.chdir(cohort.parent)  # the sheet's FASTQ paths are relative to it
    clean = (cohort / "clinical.tsv").read_text()
    if spoil == "crlf":
        messy = clean.replace("\n", "\r\n")
    elif spoil == "bom":
        messy = "\ufeff" + clean
    else:
        messy = _edit_rows(clean, spoil)
    assert messy != clean
    reference = _edit_rows(clean, same) if same else clean
    outs = {}
    for name, text in (("clean", reference), ("messy", messy)):
        (tmp_path / f"{name}.tsv").write_text(text, newline="")
        out = tmp_path / f"{name}.canonical.tsv"
        code = main(
            [
                "clinical",
                "--clinical",
                str(tmp_path / f"{name}.tsv"),
                "--samples",
                str(cohort / "samples.tsv"),
                "--out",
                str(out),
            ]
        )
        assert code == 0
        outs[name] = out.read_bytes()
    assert outs["messy"] == outs["clean"]
    if same is None:
        assert outs["clean"] == canonical_text(read_clinical(cohort / "clinical.tsv")).encode()


def test_sex_na_is_missing_not_a_category(cohort, tmp_path):
    """`NA` in a category is a missing value, never a third level of Fisher's test."""
    text = _edit_rows((cohort / "clinical.tsv").read_text(), lambda r: _set_cell(r, 3, "sex", "NA"))
    (tmp_path / "c.tsv").write_text(text)
    frame = read_clinical(tmp_path / "c.tsv")
    assert set(frame["sex"].dropna()) == {"F", "M"} and frame["sex"].isna().sum() == 1


# --- FASTQ -------------------------------------------------------------------------------


def _fastq(path: Path, seqs: list[str], *, gz: bool = True) -> Path:
    text = "".join(f"@r{i}\n{s}\n+\n{'I' * len(s)}\n" for i, s in enumerate(seqs))
    path.write_bytes(gzip.compress(text.encode(), mtime=0) if gz else text.encode())
    return path


def _trim(fastq: Path, out: Path, *extra: str) -> tuple[int, str]:
    res = _run(
        [
            "mirscope",
            "trim",
            str(fastq),
            "--sample",
            "S7",
            "--preset",
            "qiaseq",
            "--molecules",
            str(out / "m.tsv.gz"),
            "--stats",
            str(out / "s.json"),
            *extra,
        ],
        cwd=out.parent,
    )
    return res.returncode, res.stderr.strip()


QIA = "AACTGTAGGCACCATCAAT"
TRUSEQ = "TGGAATTCTCGGGTGCCAAGG"
MIR = "TAGCAGCACGTAAATATTGGCG"

BAD_FASTQ = [
    # (id, reads or raw bytes, words of the trim job's one-line error)
    ("other-kit", [(MIR + TRUSEQ + "ACGTAC" * 6)[:75]] * 50, ["S7", "0.0%", "preset illumina"]),
    ("r2-file", [("ACGGT" * 15)[:75]] * 50, ["S7", "0.0%", "no known preset"]),
    ("empty-gzip", [], ["S7", "has no reads"]),
    ("only-dimers", [(QIA + "ACGTACGTACGT" + "A" * 44)[:75]] * 50, ["S7", "no valid read"]),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("reads", "words"), [c[1:] for c in BAD_FASTQ], ids=[c[0] for c in BAD_FASTQ]
)
def test_sample_without_counts_fails_its_trim_job(tmp_path, reads, words):
    fq = _fastq(tmp_path / "in.fastq.gz", reads)
    out = tmp_path / "out"
    code, text = _trim(fq, out)
    assert code == 1 and "Traceback" not in text and len(text.splitlines()) == 1, text
    for word in words:
        assert word in text, (word, text)
    assert not out.exists() or not any(out.iterdir()), "no partial output"
    code, text = _trim(fq, out, "--allow-empty")
    assert code == 0 and (out / "m.tsv.gz").is_file()


@pytest.mark.slow
def test_truncated_gzip_names_the_records_read(tmp_path):
    seqs = [(MIR + QIA + f"{i:012d}".replace("0", "A").replace("1", "C"))[:75] for i in range(4000)]
    whole = _fastq(tmp_path / "w.fastq.gz", seqs).read_bytes()
    cut = tmp_path / "cut.fastq.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    code, text = _trim(cut, tmp_path / "out")
    assert code == 1 and "truncated" in text, text
    done = int(re.search(r"after record (\d+)", text).group(1))
    assert 500 < done < 4000, text


def test_lower_case_fastq_counts_equal_upper_case(tmp_path):
    umis = ["ACGTACGTACGT", "ACGTACGTACGA", "TTGCANGTACGT", "GGGGCCCCAAAT"]
    seqs = [(MIR + QIA + u + "ACGT" * 5)[:75] for u in umis for _ in range(3)]
    outs = []
    for name, reads in (("up", seqs), ("low", [s.lower() for s in seqs])):
        fq = _fastq(tmp_path / f"{name}.fastq.gz", reads)
        out = tmp_path / name
        code = main(
            [
                "trim",
                str(fq),
                "--sample",
                "S1",
                "--preset",
                "qiaseq",
                "--molecules",
                str(out / "m.tsv.gz"),
                "--stats",
                str(out / "s.json"),
            ]
        )
        assert code == 0
        outs.append(gzip.decompress((out / "m.tsv.gz").read_bytes()))
    assert outs[0] == outs[1] and outs[0].count(b"\n") == 1 + len(umis)


# --- commands given bad tables, and faults -----------------------------------------------


def _no_id(src: Path, dst: Path) -> Path:
    lines = src.read_text().split("\n")
    lines[0] = lines[0].replace("sample_id", "patient", 1)
    dst.write_text("\n".join(lines))
    return dst


CLI_CASES = [
    (
        "survival-no-id",
        lambda c, t: [
            "survival",
            "--clinical",
            str(_no_id(c / "clinical.tsv", t / "c.tsv")),
            "--normalized",
            str(t / "n.tsv"),
            "--cutpoint-out",
            str(t / "o1"),
            "--km-out",
            str(t / "o2"),
            "--figure-prefix",
            str(t / "f"),
        ],
        ["c.tsv", "sample_id"],
    ),
    (
        "kinetics-no-id",
        lambda c, t: [
            "kinetics",
            "--kinetics",
            str(c / "kinetics.tsv"),
            "--clinical",
            str(_no_id(c / "clinical.tsv", t / "c.tsv")),
            "--params-out",
            str(t / "a"),
            "--tests-out",
            str(t / "b"),
            "--km-out",
            str(t / "c"),
            "--merged-out",
            str(t / "d"),
            "--figure-prefix",
            str(t / "f"),
        ],
        ["c.tsv", "sample_id"],
    ),
    (
        "importance-no-id",
        lambda c, t: [
            "importance",
            "--covariates",
            str(_no_id(c / "covariates.tsv", t / "cov.tsv")),
            "--clinical",
            str(c / "clinical.tsv"),
            "--summary-out",
            str(t / "a"),
            "--long-out",
            str(t / "b"),
            "--pruned-out",
            str(t / "c"),
            "--probability-out",
            str(t / "d"),
            "--km-out",
            str(t / "e"),
            "--figure-prefix",
            str(t / "f"),
        ],
        ["cov.tsv", "sample_id"],
    ),
    (
        "lasso-no-events",
        lambda c, t: [
            "lasso",
            "--table",
            str(_outcome_table(t, [0] * 20)),
            "--outcome",
            "y",
            "--predictors",
            "x",
            "--lambda",
            "0.1",
            "--out",
            str(t / "l.tsv"),
        ],
        ["o.tsv", "'y'", "0 events", "both classes"],
    ),
    (
        "logistic-row-from-1",
        lambda c, t: [
            "logistic",
            "--table",
            str(_outcome_table(t, [0, 1, 3, 0, 1, 0])),
            "--outcome",
            "y",
            "--predictors",
            "x",
            "--out",
            str(t / "l.tsv"),
        ],
        ["o.tsv, row 3, column 'y'", "(got 3)"],
    ),
    (
        "out-below-a-file",
        lambda c, t: [
            "km",
            "--clinical",
            str(c / "clinical.tsv"),
            "--time",
            "os_days",
            "--event",
            "os_event",
            "--out",
            str(_a_file(t) / "sub/km.tsv"),
        ],
        ["afile/sub", "Not a directory"],
    ),
]


def _outcome_table(tmp: Path, y: list[int]) -> Path:
    frame = pd.DataFrame({"sample_id": [f"S{i}" for i in range(len(y))], "y": y})
    frame["x"] = range(len(y))
    frame.to_csv(tmp / "o.tsv", sep="\t", index=False)
    return tmp / "o.tsv"


def _a_file(tmp: Path) -> Path:
    (tmp / "afile").write_text("x")
    return tmp / "afile"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("argv", "words"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES]
)
def test_command_errors_are_one_line(cohort, tmp_path, argv, words):
    res = _run(["mirscope", *argv(cohort, tmp_path)], cwd=tmp_path)
    text = res.stderr.strip().splitlines()
    errors = [line for line in text if line.startswith("mirscope: error: ")]
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr[-2000:]
    assert len(errors) == 1, res.stderr
    for word in words:
        assert word in errors[0], (word, errors[0])


def test_full_disk_is_one_line_naming_the_path(cohort, tmp_path, monkeypatch, capsys):
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.chdir(cohort.parent)
    monkeypatch.setattr(Path, "write_text", full)
    out = tmp_path / "canonical.tsv"
    code = main(
        [
            "clinical",
            "--clinical",
            str(cohort / "clinical.tsv"),
            "--samples",
            str(cohort / "samples.tsv"),
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1, err
    assert "No space left on device" in err and str(tmp_path) in err
    assert not out.exists()


def test_sample_ids_with_leading_zeros_stay_text(tmp_path):
    from mirscope.io import read_table

    (tmp_path / "t.tsv").write_text("sample_id\tos_days\tos_event\n001\t10\t1\n002\t20\t0\n")
    assert read_table(tmp_path / "t.tsv")["sample_id"].tolist() == ["001", "002"]


# --- the workflow on a small cohort: optional columns, paths with spaces, README ----------


@pytest.mark.slow
def test_readme_counts_only_command_runs_as_written(cohort, tmp_path):
    """The README's counts-only line, run as written with `-n`: the target is a target."""
    readme = (REPO / "README.md").read_text()
    line = next(x for x in readme.splitlines() if "# counts only" in x)
    argv = shlex.split(line.split("#", 1)[0])
    work = _work(cohort, tmp_path)
    cfg(outdir="my_out", clinical=None)(work)
    argv = [{"my.yaml": "config.yaml"}.get(a, a) for a in argv if a not in ("--cores", "8")]
    assert argv[0] == "snakemake"
    res = _run(
        [*argv[:1], "-s", str(REPO / "Snakefile"), "--cores", "1", *argv[1:], "-n"], cwd=work
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert "mirscope_matrix" in res.stdout and "mirscope_normalize" not in res.stdout


def test_allow_empty_samples_drops_them_from_the_matrices(tmp_path):
    tables = {}
    for sample, reads in (("S1", 5), ("S2", 0), ("S3", 2)):
        for kind, head, row in (
            ("mature", "mirna", "hsa-miR-1"),
            ("hairpin", "hairpin", "hsa-mir-1"),
            (
                "isomirs",
                "insert\tstatus\tmirna\thairpin\tisomir",
                "ACGT\tmature\thsa-miR-1\thsa-mir-1\tcanonical",
            ),
        ):
            path = tmp_path / f"{sample}.{kind}.tsv"
            body = f"{row}\t{reads}\t{reads}\n" if reads else ""
            path.write_text(f"{head}\treads\tumis\n{body}")
            tables.setdefault(sample, {})[kind] = path
    argv = ["matrix"]
    for sample, kinds in tables.items():
        argv += ["--sample-id", sample]
        argv += [
            x for kind in ("mature", "hairpin", "isomirs") for x in (f"--{kind}", str(kinds[kind]))
        ]
    with pytest.warns(MirscopeWarning, match="S2"):
        assert main([*argv, "--outdir", str(tmp_path / "m"), "--drop-empty"]) == 0
    header = (tmp_path / "m/mature_umi_counts.tsv").read_text().split("\n")[0]
    assert header.split("\t") == ["mirna", "S1", "S3"]


@pytest.mark.slow
def test_config_without_optional_columns_leaves_their_analyses_out(cohort, tmp_path):
    """A table without pfs_*, bridging and histology validates with notes, and the parse
    step requests no target that needs them (they would fail with a KeyError)."""
    work = _work(cohort, tmp_path)
    drop = {"pfs_days", "pfs_event", "bridging", "histology"}

    def edit(rows):
        keep = [i for i, c in enumerate(rows[0]) if c not in drop]
        return [[r[i] for i in keep] for r in rows]

    table("clinical.tsv", edit)(work)
    cfg(companion__kinetics="cohort/kinetics.tsv")(work)
    res = _run(["mirscope", "validate", "--config", "config.yaml"], cwd=work)
    assert res.returncode == 0, res.stderr
    assert "suppfig_s1 is skipped" in res.stderr and "'bridging'" in res.stderr
    smk = _run(
        ["snakemake", "-s", str(REPO / "Snakefile"), "--configfile", "config.yaml", "-n"],
        cwd=work,
    )
    assert smk.returncode == 0, smk.stderr[-3000:]
    for rule in ("mirscope_suppfig_s1", "mirscope_kinetics"):
        assert rule not in smk.stdout, rule
    assert "mirscope_cluster" in smk.stdout and "lifelines_km_os_overall" in smk.stdout


# --- the whole workflow, once, into paths with spaces; statistics rerun on its counts ----

RUN_CONFIG = {**BASE_CONFIG, "models": {"resamples": 10, "nested_resamples": 3}}


@pytest.fixture(scope="module")
def finished_run(cohort) -> Path:
    """The workflow run to the end once, from and into directories whose names hold a
    space (every shell command quotes its paths)."""
    for tool in ("bowtie", "bowtie-build", "samtools"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed (make test installs it with apt)")
    work = cohort.parent / "finished run"
    work.mkdir()
    (work / "config.yaml").write_text(yaml.safe_dump(RUN_CONFIG))
    os.symlink(cohort, work / "cohort")
    res = _run(["snakemake", "-s", str(REPO / "Snakefile"), "--configfile", "config.yaml"], work)
    assert res.returncode == 0, res.stderr[-4000:]
    return work


@pytest.mark.slow
def test_paths_with_spaces_run_to_the_end(finished_run):
    out = finished_run / "out dir"
    assert " " in str(finished_run) and (out / "counts/mature_umi_counts.tsv").is_file()
    assert (out / "tables/paper_vs_reanalysis.tsv").stat().st_size > 0
    assert not (finished_run / "out").exists()


def _rerun_statistics(finished_run: Path, tmp_path: Path, clinical_text: str) -> Path:
    """A copy of the finished run (files keep their times) with a new clinical table;
    only the statistics are rebuilt."""
    work = tmp_path / "rerun"
    (work / "cohort").mkdir(parents=True)
    for path in (finished_run / "cohort").iterdir():
        if path.is_file():
            shutil.copy2(path, work / "cohort" / path.name)
        else:  # the FASTQs, and the simulator's truth/ that marks the cohort as simulated
            os.symlink(path, work / "cohort" / path.name)
    (work / "cohort/clinical.tsv").write_text(clinical_text)
    shutil.copy2(finished_run / "config.yaml", work / "config.yaml")
    out = work / "out dir"
    shutil.copytree(finished_run / "out dir", out, copy_function=shutil.copy2, symlinks=True)
    for name in ("clinical", "de", "tables", "figures"):
        shutil.rmtree(out / name, ignore_errors=True)
    for path in out.glob("counts/mature_normalized*"):
        path.unlink()
    res = _run(["snakemake", "-s", str(REPO / "Snakefile"), "--configfile", "config.yaml"], work)
    assert res.returncode == 0, res.stderr[-4000:]
    assert "mirscope_trim" not in res.stdout + res.stderr, "the count stage was reused"
    return out


@pytest.mark.slow
def test_messy_table_gives_the_clean_run_byte_for_byte(finished_run, tmp_path):
    """`m` for `M`, a comment line, ` axi-cel`, `NA` for empty, upper-case headers."""

    def spoil(rows):
        rows = _map_cells(rows, "sex", str.lower, range(1, 8))
        rows = _map_cells(rows, "product", " {}".format, range(1, 8))
        rows = [[c.upper() for c in rows[0]], ["# exported by hand"], *rows[1:]]
        return [[c if c != "" else "NA" for c in r] for r in rows]

    clean = (finished_run / "cohort/clinical.tsv").read_text()
    out = _rerun_statistics(finished_run, tmp_path, _edit_rows(clean, spoil))
    compared = 0
    for name in ("de", "tables", "figures", "clinical"):
        for path in sorted((finished_run / "out dir" / name).rglob("*")):
            if path.suffix in (".tsv", ".png", ".pdf"):
                rel = path.relative_to(finished_run / "out dir")
                assert (out / rel).read_bytes() == path.read_bytes(), f"{rel} differs"
                compared += 1
    assert compared > 40


@pytest.mark.slow
def test_table_without_optional_columns_runs_what_it_can(finished_run, tmp_path):
    """No pfs_*, bridging or histology, a row with only the sample_id and an empty os_days:
    the run ends, the survival figure is skipped, and the analyses that never read those
    columns give the clean run's numbers."""
    drop = {"pfs_days", "pfs_event", "bridging", "histology"}

    def spoil(rows):
        keep = [i for i, c in enumerate(rows[0]) if c not in drop]
        rows = [[r[i] for i in keep] for r in rows]
        rows[3] = rows[3][:1]
        rows = _set_cell(rows, 5, "os_days", "")
        return _set_cell(rows, 5, "os_event", "")

    clean = (finished_run / "cohort/clinical.tsv").read_text()
    out = _rerun_statistics(finished_run, tmp_path, _edit_rows(clean, spoil))
    assert not (out / "tables/suppfig_s1_km.tsv").exists()
    km = pd.read_csv(out / "tables/km_os_overall.tsv", sep="\t")
    assert km["n"].tolist() == [51]
    for rel in ("de/icans.tsv", "de/response_3m.tsv"):
        assert (out / rel).read_bytes() != b""
    assert (out / "tables/paper_vs_reanalysis.tsv").is_file()


@pytest.mark.slow
def test_allowed_empty_sample_runs_to_the_end_and_is_named(finished_run, tmp_path):
    """A sample from the wrong kit (no adapter in any read) with
    ``trimming.allow_empty_samples``: the run ends without it, and the trim job and every
    statistics step that uses counts say that it was left out and why. Only its own jobs
    and the statistics rerun (``--rerun-triggers mtime`` keeps the other samples' trims)."""
    work = tmp_path / "rerun"
    shutil.copytree(finished_run / "cohort", work / "cohort", symlinks=False)
    out = work / "out dir"
    shutil.copytree(finished_run / "out dir", out, copy_function=shutil.copy2, symlinks=True)
    with gzip.open(work / "cohort/fastq/P05.fastq.gz", "wt") as fq:
        for i in range(200):
            seq = "ACGTTGCA"[i % 8 :] + "GATTACA" * 10
            fq.write(f"@r{i}\n{seq[:60]}\n+\n{'I' * 60}\n")
    (work / "config.yaml").write_text(
        yaml.safe_dump({**RUN_CONFIG, "trimming": {"allow_empty_samples": True}})
    )
    res = _run(
        [
            "snakemake",
            *("-s", str(REPO / "Snakefile"), "--configfile", "config.yaml"),
            *("--cores", "2", "--rerun-triggers", "mtime"),
        ],
        work,
    )
    assert res.returncode == 0, res.stderr[-4000:]
    header = (out / "counts/mature_umi_counts.tsv").read_text().split("\n", 1)[0].split("\t")
    assert "P05" not in header and len(header) == 53
    trim_log = (out / "logs/mirscope_trim/P05.log").read_text()
    assert "sample P05" in trim_log and "left out of the statistics" in trim_log
    for rule in ("mirscope_models", "mirscope_suppfig_s1", "mirscope_cluster"):
        text = "".join(p.read_text() for p in (out / "logs" / rule).glob("*.log"))
        assert "1 no counts: P05" in text, (rule, text[-2000:])
    assert (out / "tables/paper_vs_reanalysis.tsv").stat().st_size > 0


@pytest.mark.parametrize("given", ["~/runs/x", "~/runs/x/"])
def test_outdir_tilde_is_the_home_directory(tmp_path, monkeypatch, given):
    """Snakemake would create a folder literally named `~`; the config means home."""
    from mirscope.inputs.config import complete_config

    monkeypatch.setenv("HOME", str(tmp_path))
    cfg = complete_config({"samples": "s.tsv", "outdir": given}, source="c.yaml")
    assert cfg["outdir"] == str(tmp_path / "runs/x")


# --- second sweep: names, group sizes, number types, YAML keys, sample inputs -------------


def _all_cells(name: str, column: str, value: str):
    """Set one column of a cohort table to ``value`` in every data row."""

    def edit(rows):
        i = rows[0].index(column)
        for r in rows[1:]:
            r[i] = value
        return rows

    return table(name, edit)


def _with_config(*spoilers, **changes) -> Callable[[Path], None]:
    """Apply table spoilers, then write the config with ``changes``."""

    def apply(work: Path) -> None:
        for spoil in spoilers:
            spoil(work)
        cfg(**changes)(work)

    return apply


def _sheet_fastq(row: int, make: Callable[[Path, str], str]):
    """Point sample row ``row`` of the sheet at ``make(work, first_sample_fastq)``."""

    def apply(work: Path) -> None:
        cfg()(work)
        path = work / "cohort/samples.tsv"
        rows = [line.split("\t") for line in path.read_text().rstrip("\n").split("\n")]
        rows[row][1] = make(work, rows[1][1])
        path.write_text("\n".join("\t".join(r) for r in rows) + "\n")

    return apply


def _copy_of_first(work: Path, first: str) -> str:
    shutil.copy(work / first, work / "copy.fastq.gz")
    return "copy.fastq.gz"


def _link_to_first(work: Path, first: str) -> str:
    os.symlink((work / first).resolve(), work / "link.fastq.gz")
    return "link.fastq.gz"


def _extra_column(name: str, values) -> Callable[[Path], None]:
    """Add a column the schema does not know to the clinical table: numbers
    ``0.5 + row`` with the cells of ``values`` ({row: cell}) replaced, or ``values(row)``."""

    def edit(rows):
        rows[0].append(name)
        for n, r in enumerate(rows[1:], start=1):
            if callable(values):
                r.append(values(n))
            else:
                r.append(values.get(n, f"{n + 0.5:g}"))
        return rows

    return table("clinical.tsv", edit)


EXPLICIT_ICANS = [
    {"name": "crs_ge2", "variable": "crs_grade", "rule": "ge2"},
    {"name": "icans", "variable": "icans_grade", "rule": "gt0"},
]

# (id, class, spoiler, words the one-line message must hold); checked in-process, and a
# few of them through Snakemake below.
REJECTED_SECOND = [
    (
        "survival-mirna-case",
        "names",
        cfg(survival__variable="hsa-mir-542-5p"),
        ["survival.variable", "case-sensitive", "'hsa-miR-542-5p'"],
    ),
    (
        "survival-mirna-typo",
        "names",
        cfg(survival__variable="hsa-miR-542-5q"),
        ["survival.variable", "did you mean 'hsa-miR-542-5p'", "'hsa-miR-542-5q'"],
    ),
    (
        "correlation-mirna-case",
        "names",
        cfg(models__correlations=["HSA-MIR-542-5P:ldh"]),
        ["models.correlations[0]", "case-sensitive", "hsa-miR-542-5p"],
    ),
    (
        "group-test-mirna-case",
        "names",
        cfg(models__group_tests=["hsa-mir-1290:icans_ge2"]),
        ["models.group_tests[0]", "case-sensitive", "'hsa-miR-1290'"],
    ),
    (
        "published-column-typo",
        "names",
        cfg(models__published__response_3m=["prodcut", "hsa-let-7d-3p"]),
        ["models.published.response_3m[0]", "'prodcut'", "did you mean 'product'"],
    ),
    (
        "published-mirna-case",
        "names",
        cfg(models__published__response_12m=["hsa-mir-143-3p"]),
        ["models.published.response_12m[0]", "case-sensitive", "'hsa-miR-143-3p'"],
    ),
    (
        "published-mirna-typo",
        "names",
        cfg(models__published__response_3m=["hsa-let-7d-3q"]),
        ["models.published.response_3m[0]", "did you mean 'hsa-let-7d-3p'"],
    ),
    (
        "contrast-one-group",
        "outcomes",
        _with_config(
            _all_cells("clinical.tsv", "icans_grade", "0"),
            _all_cells("clinical.tsv", "icans_onset_days", ""),
            de__contrasts=EXPLICIT_ICANS,
            models__toxicity_models=["crs_ge2"],
            models__response_models=[],
            models__group_tests=[],
        ),
        ["de.contrasts[1]", "'icans'", "0 case and 53 control", "remove the contrast"],
    ),
    (
        "contrast-all-na",
        "outcomes",
        _with_config(
            _all_cells("clinical.tsv", "icans_grade", "NA"),
            _all_cells("clinical.tsv", "icans_onset_days", ""),
            de__contrasts=EXPLICIT_ICANS,
            models__toxicity_models=["crs_ge2"],
            models__response_models=[],
            models__group_tests=[],
        ),
        ["de.contrasts[1]", "0 case and 0 control"],
    ),
    (
        "contrast-all-ne",
        "outcomes",
        _with_config(
            _all_cells("clinical.tsv", "response_3m", "ne"),
            de__contrasts=[{"name": "response_3m", "variable": "response_3m", "rule": "responder"}],
            models__toxicity_models=[],
            models__response_models=["response_3m"],
            models__group_tests=[],
        ),
        ["de.contrasts[0]", "'response_3m'", "0 case and 0 control"],
    ),
    ("seed-fraction", "numbers", cfg(seed=9.5), ["key 'seed'", "9.5", "integer"]),
    (
        "min-length-fraction",
        "numbers",
        cfg(trimming__min_length=16.5),
        ["trimming.min_length", "16.5"],
    ),
    (
        "duplicate-top-key",
        "yaml",
        config_text(
            "samples: cohort/samples.tsv\nclinical: cohort/clinical.tsv\nseed: 1\n"
            "outdir: out dir\nseed: 9\n"
        ),
        ["key 'seed' is given twice", "lines 3 and 5"],
    ),
    (
        "duplicate-nested-key",
        "yaml",
        config_text(
            "samples: cohort/samples.tsv\nclinical: cohort/clinical.tsv\noutdir: out dir\n"
            "trimming:\n  min_length: 16\n  max_error_rate: 0.1\n  min_length: 18\n"
        ),
        ["key 'trimming.min_length' is given twice", "lines 5 and 7"],
    ),
    (
        "duplicate-key-in-list-item",
        "yaml",
        config_text(
            "samples: cohort/samples.tsv\nclinical: cohort/clinical.tsv\noutdir: out dir\n"
            "de:\n  contrasts:\n    - name: crs_ge2\n      variable: crs_grade\n"
            "      rule: ge2\n      rule: gt0\n"
        ),
        ["key 'de.contrasts[0].rule' is given twice", "lines 8 and 9"],
    ),
    (
        "sample-id-cohort",
        "reserved",
        table("samples.tsv", lambda r: _set_cell(r, 1, "sample_id", "cohort")),
        ["samples.tsv", "row 1", "reserved", "'cohort'"],
    ),
    (
        "sample-id-cohort-upper",
        "reserved",
        table("samples.tsv", lambda r: _set_cell(r, 3, "sample_id", "COHORT")),
        ["row 3", "reserved", "'COHORT'"],
    ),
    (
        "fastq-dot-slash",
        "same input",
        _sheet_fastq(2, lambda w, first: "./" + first),
        ["row 2", "already used by sample 'P01'", "'./cohort/fastq/P01.fastq.gz'"],
    ),
    (
        "fastq-absolute",
        "same input",
        _sheet_fastq(3, lambda w, first: str(w / first)),
        ["row 3", "already used by sample 'P01'"],
    ),
    (
        "fastq-double-slash",
        "same input",
        _sheet_fastq(2, lambda w, first: first.replace("/", "//")),
        ["row 2", "already used by sample 'P01'"],
    ),
    (
        "fastq-symlink",
        "same input",
        _sheet_fastq(2, _link_to_first),
        ["row 2", "'link.fastq.gz'", "already used by sample 'P01'"],
    ),
    (
        "fastq-copy",
        "same input",
        _sheet_fastq(4, _copy_of_first),
        ["row 4", "'copy.fastq.gz'", "same content", "sample 'P01'"],
    ),
    # extra clinical columns the config names are typed
    (
        "typed-decimal-comma",
        "typed",
        _with_config(_extra_column("il6", {4: "1,5"}), models__correlations=["hsa-miR-542-5p:il6"]),
        ["clinical.tsv, row 4 (line 5), column 'il6'", "sample P04", "decimal comma", "'1,5'"],
    ),
    (
        "typed-censored",
        "typed",
        _with_config(_extra_column("il6", {7: "<10"}), de__covariates=["il6"]),
        ["row 7 (line 8), column 'il6'", "sample P07", "censored", "'<10'", "de.covariates[0]"],
    ),
    (
        "typed-text-among-numbers",
        "typed",
        _with_config(_extra_column("il6", {2: "pending"}), models__crs_covariates=["il6"]),
        ["column 'il6'", "text in a column of numbers (52 of 53", "'pending'"],
    ),
    (
        "typed-text-correlated",
        "typed",
        _with_config(
            _extra_column("site", lambda n: "AB"[n % 2]),
            models__correlations=["hsa-miR-542-5p:site"],
        ),
        ["column 'site'", "text where a number is needed", "models.correlations[0]"],
    ),
    (
        "correlation-known-text",
        "typed",
        cfg(models__correlations=["hsa-miR-542-5p:sex"]),
        ["models.correlations[0]", "'sex' is text", "crp"],
    ),
    (
        "typed-censored-companion-marker",
        "typed",
        _with_config(
            _extra_column("ferritin", {3: ">2000"}),
            companion__kinetics="cohort/kinetics.tsv",
        ),
        ["column 'ferritin'", "companion.marker", "'>2000'"],
    ),
    # companion column names
    (
        "companion-marker-typo",
        "companion names",
        cfg(
            companion__kinetics="cohort/kinetics.tsv",
            companion__covariates="cohort/covariates.tsv",
            companion__marker="feritin",
        ),
        ["companion.marker", "'feritin'", "did you mean 'ferritin'"],
    ),
    (
        "companion-cox-covariate-typo",
        "companion names",
        cfg(
            companion__kinetics="cohort/kinetics.tsv",
            companion__covariates="cohort/covariates.tsv",
            companion__cox_covariates=["expander", "feritin_high"],
        ),
        ["companion.cox_covariates[1]", "did you mean 'ferritin_high'"],
    ),
    (
        "companion-interaction-typo",
        "companion names",
        cfg(
            companion__kinetics="cohort/kinetics.tsv",
            companion__covariates="cohort/covariates.tsv",
            companion__cox_interactions=["prodcut:expander"],
        ),
        ["companion.cox_interactions[0]", "'prodcut'", "did you mean 'product'"],
    ),
    (
        "companion-inflammation-marker-typo",
        "companion names",
        cfg(
            companion__kinetics="cohort/kinetics.tsv",
            companion__covariates="cohort/covariates.tsv",
            companion__inflammation_markers=["ferritin", "cpr"],
        ),
        ["companion.inflammation_markers[1]", "did you mean 'crp'"],
    ),
    (
        "companion-prefer-typo",
        "companion names",
        cfg(companion__covariates="cohort/covariates.tsv", companion__prefer=["il6_acu"]),
        ["companion.prefer[0]", "covariate-table column", "did you mean 'il6_auc'"],
    ),
    (
        "companion-spearman-reference-typo",
        "companion names",
        cfg(companion__covariates="cohort/covariates.tsv", companion__spearman_reference="tmvt"),
        ["companion.spearman_reference", "'tmvt'", "did you mean 'tmtv'"],
    ),
    (
        "companion-toxicity-endpoint-typo",
        "companion names",
        cfg(
            companion__covariates="cohort/covariates.tsv",
            companion__toxicity_endpoints=["crs_ge3"],
        ),
        ["companion.toxicity_endpoints[0]", "did you mean 'crs_ge2'"],
    ),
]


@pytest.mark.parametrize(
    ("spoil", "words"),
    [c[2:] for c in REJECTED_SECOND],
    ids=[c[0] for c in REJECTED_SECOND],
)
def test_second_sweep_rejected_by_validate(cohort, tmp_path, monkeypatch, capsys, spoil, words):
    work = _work(cohort, tmp_path)
    spoil(work)
    monkeypatch.chdir(work)
    before = sorted(p.relative_to(work) for p in work.rglob("*"))
    code = main(["validate", "--config", "config.yaml"])
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert code == 1 and "valid -" not in captured.out, (captured.out, err)
    assert len(err.splitlines()) == 1 and err.startswith("mirscope: error: "), err
    for word in words:
        assert word in err, (word, err)
    assert sorted(p.relative_to(work) for p in work.rglob("*")) == before


#: Snakemake's own line before the workflow is parsed (the profile it found).
SNAKEMAKE_BANNER = "Using workflow specific profile"

THROUGH_SNAKEMAKE = [
    "survival-mirna-case",
    "contrast-one-group",
    "duplicate-top-key",
    "fastq-copy",
    "typed-decimal-comma",
    "companion-marker-typo",
]


@pytest.mark.slow
@pytest.mark.parametrize("case", THROUGH_SNAKEMAKE)
def test_parse_step_prints_exactly_one_line(cohort, tmp_path, case):
    """Through `snakemake` the user sees the same one line as from `mirscope validate`:
    no `InputError in file common.smk`, no stack frames of the package."""
    spoil, words = next(c[2:] for c in REJECTED_SECOND if c[0] == case)
    work = _work(cohort, tmp_path)
    spoil(work)
    smk = _run(
        ["snakemake", "-s", str(REPO / "Snakefile"), "--configfile", "config.yaml", "-n"],
        cwd=work,
    )
    lines = [
        line
        for line in (smk.stdout + smk.stderr).strip().splitlines()
        if not line.startswith(SNAKEMAKE_BANNER)
    ]
    assert smk.returncode == 1
    assert len(lines) == 1 and lines[0].startswith("mirscope: error: "), lines
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_integers_written_as_floats_read_as_integers(cohort, tmp_path, monkeypatch):
    from mirscope.inputs.config import load_config

    work = _work(cohort, tmp_path)
    cfg(seed=9.0, trimming__min_length=16.0, companion__n_trees=200.0)(work)
    monkeypatch.chdir(work)
    loaded = load_config("config.yaml")
    for value in (loaded["seed"], loaded["trimming"]["min_length"]):
        assert type(value) is int
    assert (loaded["seed"], loaded["trimming"]["min_length"]) == (9, 16)
    assert type(loaded["companion"]["n_trees"]) is int
    assert type(loaded["survival"]["minprop"]) is float  # a number key stays a number


def test_default_contrast_too_small_is_left_out_with_a_note(cohort, tmp_path, monkeypatch, capsys):
    """A cohort without ICANS runs the documented minimal config: the default ICANS
    contrasts, their models and Table 2B are left out, and validation says so."""
    from mirscope.inputs.clinical import read_clinical as read
    from mirscope.inputs.config import load_config
    from mirscope.inputs.validate import resolve_references

    work = _work(cohort, tmp_path)
    _all_cells("clinical.tsv", "icans_grade", "0")(work)
    _all_cells("clinical.tsv", "icans_onset_days", "")(work)
    monkeypatch.chdir(work)
    assert main(["validate", "--config", "config.yaml"]) == 0
    err = capsys.readouterr().err
    assert "not testable (< 3 per group): icans (0 vs 53), icans_ge2 (0 vs 53)" in err, err
    resolved = resolve_references(
        load_config("config.yaml"),
        read("cohort/clinical.tsv"),
        source="config.yaml",
        given={"samples": "x"},
    )
    names = [c["name"] for c in resolved.config["de"]["contrasts"]]
    assert names == ["crs_ge2", "response_3m", "response_12m"]
    assert resolved.config["models"]["toxicity_models"] == ["crs_ge2"]
    assert "table2b" in resolved.skipped and "table2a" not in resolved.skipped


def test_validate_says_which_models_the_cohort_supports(cohort, tmp_path, monkeypatch, capsys):
    work = _work(cohort, tmp_path)

    def three_cases(rows):
        i = rows[0].index("icans_grade")
        for n, r in enumerate(rows[1:]):
            r[i] = "2" if n < 3 else "0"
        return rows

    table("clinical.tsv", three_cases)(work)
    _all_cells("clinical.tsv", "icans_onset_days", "")(work)
    monkeypatch.chdir(work)
    assert main(["validate", "--config", "config.yaml"]) == 0
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if x.startswith("note: models estimable"))
    assert "crs_ge2" in line and "not estimable" in line
    assert "icans_ge2 (3 case and 50 control patients" in line, line


@pytest.mark.parametrize(
    ("case", "control", "refit", "fraction", "words"),
    [
        (3, 9, True, 0.8, "n - 1 training patients"),
        (4, 8, True, 0.8, None),
        (4, 8, True, 0.5, "stability resample keeps 2"),
        (1, 11, False, 0.8, "both classes"),
        (0, 12, False, 0.8, "0 case"),
        (2, 10, False, 0.8, None),
        (12, 3, True, 0.8, "n - 1 training patients"),
    ],
)
def test_model_support_rule(case, control, refit, fraction, words):
    from mirscope.inputs.outcomes import model_support

    reason = model_support(case, control, refit_de=refit, fraction=fraction)
    assert (reason is None) == (words is None), reason
    if words:
        assert words in reason


def _toy_model_frame(n_case: int, n_control: int) -> pd.DataFrame:
    import numpy as np

    rng = np.random.default_rng(0)
    n = n_case + n_control
    frame = pd.DataFrame(
        {
            "y": [1.0] * n_case + [0.0] * n_control,
            "m1": rng.normal(size=n),
            "m2": rng.normal(size=n),
        },
        index=[f"P{i:02d}" for i in range(1, n + 1)],
    )
    frame["m1"] += frame["y"]
    return frame


def test_model_with_too_few_events_is_not_estimable_and_named():
    from mirscope.errors import NotEstimable
    from mirscope.stats.validation import ModelSpec, build_model

    spec = ModelSpec(name="icans_ge2", mode="toxicity", covariates=[], resamples=5)
    with pytest.raises(NotEstimable) as info:
        build_model(
            _toy_model_frame(3, 9), ["m1", "m2"], [], spec, fold_candidates=lambda ids: ["m1"]
        )
    assert info.value.model == "icans_ge2" and (info.value.n, info.value.events) == (12, 3)
    assert "icans_ge2" in str(info.value) and "LOOCV" in str(info.value)


@pytest.mark.filterwarnings("ignore::mirscope.errors.MirscopeWarning")
def test_a_failing_fold_names_the_model_and_the_fold():
    """What the group-size rule cannot foresee still names the model and the fold."""
    from mirscope.errors import InputError, NotEstimable
    from mirscope.stats.validation import ModelSpec, build_model

    def candidates(ids):
        if "P02" not in ids:
            raise InputError("a Wald test needs two groups of at least 3 samples each")
        return ["m1"]

    spec = ModelSpec(
        name="crs_ge2",
        mode="toxicity",
        covariates=[],
        resamples=5,
        nested_resamples=3,
        stability_resamples=0,
    )
    with pytest.raises(NotEstimable) as info:
        build_model(_toy_model_frame(6, 8), ["m1", "m2"], [], spec, fold_candidates=candidates)
    text = str(info.value)
    assert "crs_ge2" in text and "fold 2 (patient P02 left out)" in text, text


def test_not_estimable_model_gets_a_summary_row():
    from mirscope.errors import NotEstimable
    from mirscope.stats.models import not_estimable_row, summary_columns, table1

    exc = NotEstimable("icans_ge2", "3 case and 9 control patients", n=12, events=3)
    row = not_estimable_row(exc)
    assert list(row) == summary_columns()
    assert row["method"] == "not estimable" and "3 case and 9 control" in row["notes"]
    assert (row["n"], row["events"]) == (12, 3)
    t1 = table1([exc])
    assert t1["predictor"].iloc[0].startswith("(not estimable")


def test_reserved_sample_ids_cover_every_cohort_file_beside_sample_files():
    """A directory holding per-sample outputs and fixed-name ones: each fixed stem is a
    reserved sample id (else a sample so named overwrites the cohort file)."""
    from mirscope.inputs.sheets import RESERVED_SAMPLE_IDS

    outputs = set()
    for smk in (REPO / "workflow" / "rules").rglob("*.smk"):
        outputs |= set(re.findall(r'out\(f?"([^"]+)"\)', smk.read_text()))
    by_dir: dict[str, set[str]] = {}
    for path in outputs:
        folder, _, name = path.rpartition("/")
        by_dir.setdefault(folder, set()).add(name)
    sample = re.compile(r"^\{(sample|sid|s|wildcards\.sample)\}(\..+)$")
    for folder, names in by_dir.items():
        suffixes = {m.group(2) for n in names if (m := sample.match(n))}
        for name in names:
            if "{" in name:
                continue
            stem, dot, rest = name.partition(".")
            if dot and f".{rest}" in suffixes:
                assert stem.lower() in RESERVED_SAMPLE_IDS, f"{folder}/{name}"


def test_fastq_fingerprint_sees_content_not_mtime(tmp_path):
    from mirscope.inputs.sheets import FINGERPRINT_BLOCK, fastq_fingerprint

    a = _fastq(tmp_path / "a.fastq.gz", ["ACGT" * 5] * 3)
    before = fastq_fingerprint(a)
    stat = a.stat()
    _fastq(a, ["TGCA" * 5] * 3)  # other reads, same size
    os.utime(a, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**9))  # older, as cp -p gives
    assert fastq_fingerprint(a) != before
    big = tmp_path / "big.bin"
    data = bytearray(os.urandom(3 * FINGERPRINT_BLOCK))
    big.write_bytes(bytes(data))
    first = fastq_fingerprint(big)
    data[-1] ^= 1  # a change in the last block only
    big.write_bytes(bytes(data))
    assert fastq_fingerprint(big) != first


def test_outdir_lock_refuses_a_live_run_and_takes_over_a_dead_one(tmp_path):
    from mirscope.errors import MirscopeError
    from mirscope.io import LOCK_NAME, acquire_lock, release_lock

    lock = acquire_lock(tmp_path / "out")
    holder = lock.read_text()
    with pytest.raises(MirscopeError, match="another mirscope run is using this output"):
        acquire_lock(tmp_path / "out", pid=os.getpid() + 1)
    release_lock(tmp_path / "out", pid=os.getpid() + 1)  # not the holder: nothing happens
    assert lock.read_text() == holder
    release_lock(tmp_path / "out")
    assert not (tmp_path / "out" / LOCK_NAME).exists()
    dead = subprocess.Popen(["true"])
    dead.wait()
    acquire_lock(tmp_path / "out", pid=dead.pid)  # a run killed with -9
    assert acquire_lock(tmp_path / "out").read_text().split("\t")[0] == str(os.getpid())


def test_stale_temporaries_are_removed(tmp_path):
    from mirscope.io import clean_stale_temporaries

    (tmp_path / "tables").mkdir()
    stale = tmp_path / "tables" / ".toxicity_models.tsv.abc123.part"
    stale.write_text("")
    kept = tmp_path / "tables" / "toxicity_models.tsv"
    kept.write_text("x")
    assert clean_stale_temporaries(tmp_path) == [stale]
    assert not stale.exists() and kept.exists()


# --- extra clinical columns the config names: typed the same, however they are written ---


def _with_il6(rows, cells: dict[int, str] | None = None, *, site: bool = True):
    """The clean table with an extra numeric column ``il6`` and a category ``site``."""
    rows[0] += ["il6", "site"] if site else ["il6"]
    for n, r in enumerate(rows[1:], start=1):
        r.append((cells or {}).get(n, f"{n * 1.25:g}"))
        if site:
            r.append("Turin" if n % 3 else "Milan")
    return rows


NAMED = {"il6": ("models.correlations[0]", True), "site": ("de.covariates[0]", False)}

# (id, the clean table with il6 and site edited as a user might)
TYPED_SAME_MEANING = [
    ("padded", lambda r: _map_cells(_with_il6(r), "il6", " {} ".format, (1, 4, 9))),
    ("category-case", lambda r: _map_cells(_with_il6(r), "site", str.upper, (2, 3, 6))),
    ("comment-and-shuffled", lambda r: [x[::-1] for x in [_with_il6(r)[0], ["# lab"], *r[1:]]]),
    ("plus-sign-and-exponent", lambda r: _set_cell(_with_il6(r), 8, "il6", "+1.0e1")),
]


@pytest.mark.parametrize(
    "spoil", [c[1] for c in TYPED_SAME_MEANING], ids=[c[0] for c in TYPED_SAME_MEANING]
)
def test_messy_named_extra_columns_mean_the_same(cohort, tmp_path, spoil):
    """A named extra column read from a messy table gives the clean table's frame: il6
    numeric, site one category per site whatever its case."""
    clean = (cohort / "clinical.tsv").read_text()

    def reference(rows):
        rows = _with_il6(rows)
        return _set_cell(rows, 8, "il6", "10") if "+1.0e1" in _edit_rows(clean, spoil) else rows

    frames = {}
    for name, edit in (("clean", reference), ("messy", spoil)):
        (tmp_path / f"{name}.tsv").write_text(_edit_rows(clean, edit))
        frames[name] = read_clinical(tmp_path / f"{name}.tsv", named=NAMED)
    assert frames["clean"]["il6"].dtype == "float64"
    assert sorted(frames["messy"]["site"].unique()) == ["Milan", "Turin"]
    # extra columns keep the user's order (the module's contract); the values are the same
    messy = frames["messy"][frames["clean"].columns]
    pd.testing.assert_frame_equal(messy, frames["clean"])
    assert canonical_text(messy) == canonical_text(frames["clean"])


def test_named_extra_column_counts_the_patients_really_used(cohort, tmp_path, caplog):
    """Empty and NA cells are missing (and named in the patients-used log); the others
    are numbers, so the correlation runs on every patient with a value."""
    import logging

    import numpy as np

    from mirscope.inputs.clinical import log_patients_used
    from mirscope.stats.association import correlations

    text = _edit_rows(
        (cohort / "clinical.tsv").read_text(),
        lambda r: _with_il6(r, {2: "NA", 5: "", 9: "3.5"}, site=False),
    )
    (tmp_path / "c.tsv").write_text(text)
    frame = read_clinical(tmp_path / "c.tsv", named=NAMED)
    assert frame["il6"].dtype == "float64" and frame["il6"].isna().sum() == 2
    with caplog.at_level(logging.INFO):
        log_patients_used(frame, ["il6"], what="associations", logger=logging.getLogger("t"))
    assert "il6 51 (2 missing: P02, P05)" in caplog.text, caplog.text
    counts = pd.DataFrame(
        [np.arange(len(frame), dtype=float)], index=["hsa-miR-542-5p"], columns=frame.index
    )
    result = correlations(frame, counts, ["hsa-miR-542-5p:il6"], source="c.tsv")
    assert result["n"].tolist() == [51]


def test_correlation_of_a_text_column_is_an_error_not_missing_values():
    """The statistics never turn a text cell into a missing value silently."""
    from mirscope.errors import InputError
    from mirscope.stats.association import correlations

    clinical = pd.DataFrame({"il6": [1.0, "1,5", 3.0, 4.0]}, index=["P1", "P2", "P3", "P4"])
    counts = pd.DataFrame([[1.0, 2.0, 3.0, 4.0]], index=["m"], columns=clinical.index)
    with pytest.raises(InputError, match=r"sample P2, column 'il6'.*'1,5'"):
        correlations(clinical, counts, ["m:il6"], source="c.tsv")


def test_unnamed_extra_column_is_not_checked(cohort, tmp_path):
    """Only the columns an analysis uses are typed strictly: a note column with `<10`
    or a decimal comma that no key names does not stop the run."""
    text = _edit_rows(
        (cohort / "clinical.tsv").read_text(), lambda r: _with_il6(r, {3: "<10", 4: "1,5"})
    )
    (tmp_path / "c.tsv").write_text(text)
    frame = read_clinical(tmp_path / "c.tsv", named={"site": ("de.covariates[0]", False)})
    assert frame.loc["P03", "il6"] == "<10"  # kept as the text it is
    from mirscope.errors import InputError

    with pytest.raises(InputError, match="sample P03: a value censored"):
        read_clinical(tmp_path / "c.tsv", named=NAMED)


# --- one run per outdir: racing for the lock ----------------------------------------------

_RACER = """
import sys, time
from pathlib import Path
from mirscope.errors import MirscopeError
from mirscope.io import acquire_lock
out, ready, go = (Path(a) for a in sys.argv[1:4])
ready.touch()
while not go.exists():
    time.sleep(0.001)
try:
    acquire_lock(out)
    print("won")
except MirscopeError as exc:
    print("lost", exc)
time.sleep(0.5)  # stay alive while the others try, so the lock is not stale
"""


def test_runs_racing_for_a_stale_lock_leave_one_winner(tmp_path):
    """Six processes released together at a dead run's lock: exactly one takes it, every
    other is told which run holds it (before the directory flock, two won now and then)."""
    from mirscope.io import acquire_lock

    for trial in range(3):
        out = tmp_path / f"out{trial}"
        dead = subprocess.Popen(["true"])
        dead.wait()
        acquire_lock(out, pid=dead.pid)
        go = tmp_path / f"go{trial}"
        racers = [
            subprocess.Popen(
                [sys.executable, "-c", _RACER, str(out), str(tmp_path / f"r{trial}.{i}"), str(go)],
                env=_env(),
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in range(6)
        ]
        while len(list(tmp_path.glob(f"r{trial}.*"))) < len(racers):
            time.sleep(0.01)
        go.touch()
        said = [r.communicate(timeout=60)[0].strip() for r in racers]
        assert [s.split()[0] for s in said].count("won") == 1, said
        assert all("another mirscope run is using" in s for s in said if s != "won"), said


def test_stale_takeover_waits_for_the_directory_guard(tmp_path):
    """While another process holds the outdir's flock, a run may not replace the stale
    lock (the check-then-replace step is what two runs raced on)."""
    import fcntl
    import threading

    from mirscope.io import LOCK_NAME, acquire_lock

    out = tmp_path / "out"
    dead = subprocess.Popen(["true"])
    dead.wait()
    acquire_lock(out, pid=dead.pid)
    stale = (out / LOCK_NAME).read_text()
    fd = os.open(out, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    taker = threading.Thread(target=acquire_lock, args=(out,))
    taker.start()
    taker.join(0.5)
    assert taker.is_alive() and (out / LOCK_NAME).read_text() == stale
    os.close(fd)
    taker.join(10)
    assert not taker.is_alive()
    assert (out / LOCK_NAME).read_text().split("\t")[0] == str(os.getpid())


@pytest.mark.slow
def test_two_snakemake_runs_into_one_outdir(cohort, tmp_path):
    """Two runs started together from two working directories into one outdir: one stops
    at once, before any job, naming the other; the other finishes as if alone."""
    shared = tmp_path / "shared out"
    targets = [str(shared / f"trimmed/P{i:02d}.molecules.tsv.gz") for i in range(1, 9)]
    works = []
    for name in ("a", "b"):
        work = _work(cohort, tmp_path / name)
        cfg(outdir=str(shared))(work)
        works.append(work)
    argv = ["snakemake", "-s", str(REPO / "Snakefile"), "--cores", "1", *targets]
    runs = [
        subprocess.Popen(
            [*argv, "--configfile", "config.yaml"],
            cwd=w,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for w in works
    ]
    said = [r.communicate(timeout=600)[0] for r in runs]
    codes = [r.returncode for r in runs]
    assert sorted(codes) == [0, 1], (codes, [s[-2000:] for s in said])
    winner, loser = (0, 1) if codes[0] == 0 else (1, 0)
    errors = [x for x in said[loser].splitlines() if x.startswith("mirscope: error: ")]
    assert len(errors) == 1, said[loser][-3000:]
    assert "another mirscope run is using this output directory" in errors[0]
    assert f"started in {works[winner]}" in errors[0], errors[0]
    assert "Finished jobid" not in said[loser] and "mirscope -v trim" not in said[loser]
    assert said[winner].count("Finished jobid") == len(targets)
    for target in targets:
        with gzip.open(target, "rt") as fh:
            assert fh.readline().startswith("insert\tumi\treads")
    from mirscope.io import LOCK_NAME

    assert not (shared / LOCK_NAME).exists(), "the winner released the lock"
    assert not list(shared.rglob("*.part")) and not list(shared.rglob(".mirscope.lock.*"))

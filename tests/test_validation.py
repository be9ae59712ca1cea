"""Validation before any work: the sample sheet, the clinical table and `mirscope validate`.

Every bad input must give one message naming the file, the row, the
column, the bad value and what is allowed, exit code 1, and leave nothing written, both
from `mirscope validate` and from `snakemake -n` (which validates while parsing).
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mirscope.cli import main
from mirscope.errors import InputError, MirscopeWarning
from mirscope.inputs.clinical import read_clinical
from mirscope.inputs.sheets import fastq_gz_problem, read_samples

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"

CLINICAL_HEADER = [
    "sample_id", "sex", "age", "histology", "product", "ecog", "prior_lines", "bridging",
    "crp", "ldh", "ccfdna", "pmn_mdsc", "crs_grade", "icans_grade", "crs_onset_days",
    "icans_onset_days", "response_3m", "response_12m", "os_days", "os_event", "pfs_days",
    "pfs_event", "ttp_days", "ttp_event",
]  # fmt: skip
CLINICAL_ROWS = [
    ["S1", "F", "61", "LBCL", "axi-cel", "0", "2", "none", "1.2", "250", "12.5", "3.1",
     "2", "0", "1", "", "CR", "CR", "900", "0", "900", "0", "900", "0"],
    ["S2", "M", "45.5", "PMBCL", "tisa-cel", "1", "3", "failure", "0.4", "480", "30", "7",
     "1", "3", "2", "5", "PD", "NE", "200", "1", "90", "1", "90", "1"],
    ["S3", "M", "70", "LBCL", "axi-cel", "2", "2", "response", "", "", "", "",
     "0", "0", "", "", "PR", "SD", "1500", "0", "400", "1", "400", "1"],
]  # fmt: skip


def _write_fastq(path: Path, records: str) -> None:
    with gzip.open(path, "wb") as handle:
        handle.write(records.encode())


def _tsv(rows: list[list[str]]) -> str:
    return "".join("\t".join(r) + "\n" for r in rows)


@pytest.fixture
def cohort(tmp_path, monkeypatch):
    """A valid 3-sample project in tmp_path (the working directory): 2 FASTQs, 1 accession."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reads").mkdir()
    _write_fastq(tmp_path / "reads" / "S1.fastq.gz", "@r1\nACGTACGT\n+\nIIIIIIII\n" * 3)
    _write_fastq(tmp_path / "reads" / "S2.fastq.gz", "")  # zero reads: valid
    (tmp_path / "samples.tsv").write_text(
        "sample_id\tfastq\taccession\n"
        "S1\treads/S1.fastq.gz\t\n"
        "S2\treads/S2.fastq.gz\t\n"
        "S3\t\tSAMN39307284\n"
    )
    (tmp_path / "clinical.tsv").write_text(_tsv([CLINICAL_HEADER, *CLINICAL_ROWS]))
    (tmp_path / "config.yaml").write_text(
        "samples: samples.tsv\nclinical: clinical.tsv\npreset: qiaseq\noutdir: out\n"
    )
    return tmp_path


def _snapshot(root: Path) -> dict[str, float]:
    return {str(p.relative_to(root)): p.stat().st_mtime for p in root.rglob("*")}


def _validate(root: Path, capsys) -> tuple[int, str, str]:
    """Run `mirscope validate` in-process; assert it wrote nothing; return code, out, err."""
    before = _snapshot(root)
    code = main(["validate", "--config", "config.yaml"])
    assert _snapshot(root) == before, "validate must not write anything"
    assert not (root / "out").exists()
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _set_clinical(root: Path, sample: str, column: str, value: str) -> None:
    rows = [list(r) for r in CLINICAL_ROWS]
    col = CLINICAL_HEADER.index(column)
    for row in rows:
        if row[0] == sample:
            row[col] = value
    (root / "clinical.tsv").write_text(_tsv([CLINICAL_HEADER, *rows]))


# --------------------------------------------------------------------------------------
# The valid cohort


def test_valid_cohort_prints_one_summary_line_and_writes_nothing(cohort, capsys):
    code, out, err = _validate(cohort, capsys)
    assert code == 0, err
    assert out == (
        "config.yaml: valid - 3 samples (2 with fastq, 1 with accession), 3 clinical rows\n"
    )
    # A 3-patient cohort supports no DE contrast: validation says so in notes, and only so.
    assert err and all(line.startswith("note: ") for line in err.splitlines()), err


def test_read_samples_types_and_order(cohort):
    samples = read_samples("samples.tsv")
    assert list(samples.index) == ["S1", "S2", "S3"]
    assert samples.index.name == "sample_id"
    assert list(samples.columns) == ["fastq", "accession"]
    assert samples.loc["S1", "fastq"] == ("reads/S1.fastq.gz",)
    assert samples.loc["S1", "accession"] is None
    assert samples.loc["S3", "fastq"] is None
    assert samples.loc["S3", "accession"] == "SAMN39307284"


def test_read_clinical_types(cohort):
    clinical = read_clinical("clinical.tsv", ["S3", "S1", "S2"])
    assert list(clinical.index) == ["S3", "S1", "S2"], "rows follow the sample sheet"
    assert list(clinical.columns) == CLINICAL_HEADER[1:]
    for column in ("crs_grade", "os_event"):
        values = clinical[column]
        assert values.dtype in ("int64", object), "integers: int64, or object where missing"
        assert values.map(lambda v: v is None or isinstance(v, int)).all()
    assert clinical["age"].dtype == "float64"
    assert clinical["crp"].dtype == "float64"
    assert clinical["sex"].dtype == object
    assert clinical.loc["S2", "age"] == pytest.approx(45.5)
    assert clinical.loc["S1", "crs_grade"] == 2
    assert pd.isna(clinical.loc["S3", "crp"])
    assert clinical.loc["S2", "response_12m"] == "NE"
    assert (clinical["crs_grade"] >= 2).sum() == 1


def test_clinical_lenient_spellings_extra_columns_and_na(cohort):
    (cohort / "clinical.tsv").write_text(
        "\ufeffSample_ID\tSEX\tHistology\tCRP\tferritin\tnote\r\n"
        "# a comment line\r\n"
        "S1\tf\tlbcl\t1.5\t300\tok\r\n"
        "\r\n"
        "S2\tM\tNA\tNaN\t\t\r\n"
        "S3\r\n"
    )
    clinical = read_clinical("clinical.tsv", ["S1", "S2", "S3"])
    assert list(clinical.columns) == ["sex", "histology", "crp", "ferritin", "note"]
    assert clinical.loc["S1", "sex"] == "F"
    assert clinical.loc["S1", "histology"] == "LBCL"
    assert clinical.loc["S2", "histology"] is None
    assert pd.isna(clinical.loc["S2", "crp"])
    assert clinical["ferritin"].dtype == "float64"
    assert clinical.loc["S1", "note"] == "ok"
    assert clinical.loc["S3"].isna().all()


def test_clinical_near_miss_column_warns(cohort):
    (cohort / "clinical.tsv").write_text("sample_id\tos_day\nS1\t3\nS2\t\nS3\t\n")
    with pytest.warns(MirscopeWarning, match="did you mean 'os_days'"):
        clinical = read_clinical("clinical.tsv", ["S1", "S2", "S3"])
    assert "os_day" in clinical.columns


def test_missing_clinical_columns_are_noted(cohort, capsys):
    (cohort / "clinical.tsv").write_text("sample_id\tsex\nS1\tF\nS2\tM\nS3\tM\n")
    assert main(["validate", "--config", "config.yaml"]) == 0
    err = capsys.readouterr().err
    assert "lacks age, histology" in err and "ttp_event" in err


def test_config_without_clinical(cohort, capsys):
    (cohort / "config.yaml").write_text("samples: samples.tsv\npreset: qiaseq\noutdir: out\n")
    assert main(["validate", "--config", "config.yaml"]) == 0
    assert "no clinical table" in capsys.readouterr().out


def test_short_rows_are_padded_and_absolute_paths_work(cohort):
    fastq = cohort / "reads" / "S1.fastq.gz"
    (cohort / "samples.tsv").write_text(
        f"sample_id\tfastq\taccession\nS1\t{fastq}\nS3\t\tSRR1234567\n"
    )
    samples = read_samples("samples.tsv")
    assert samples.loc["S1", "fastq"] == (str(fastq),)
    assert samples.loc["S3", "accession"] == "SRR1234567"


# --------------------------------------------------------------------------------------
# Bad inputs of item 7 through `mirscope validate`: one message, exit 1, nothing written


def _expect(err: str, *parts: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("mirscope: error: "), err
    for part in parts:
        assert part in lines[0], f"{part!r} not in {lines[0]!r}"


def test_repeated_sample_id_of_two_kinds_names_both_rows(cohort, capsys):
    (cohort / "samples.tsv").write_text(
        "sample_id\tfastq\tAccession\nS1\treads/S1.fastq.gz\t\nS2\treads/S2.fastq.gz\t\n"
        "S1\t\tSRR1234567\n"
    )
    code, _, err = _validate(cohort, capsys)
    assert code == 1
    _expect(
        err,
        "samples.tsv, row 3 (line 4), column 'sample_id':",
        "sample id repeated (row 1, line 2)",
        "not both FASTQ rows",
        "(got 'S1')",
    )


def test_repeated_fastq_rows_are_lanes_of_one_sample(cohort):
    import gzip

    # a second lane is another library run: other reads (a byte copy is rejected)
    (cohort / "reads" / "S1b.fastq.gz").write_bytes(
        gzip.compress(b"@lane2\nACGTTGCA\n+\nIIIIIIII\n")
    )
    (cohort / "samples.tsv").write_text(
        "sample_id\tfastq\nS1\treads/S1.fastq.gz\nS2\treads/S2.fastq.gz\nS1\treads/S1b.fastq.gz\n"
    )
    samples = read_samples("samples.tsv")
    assert list(samples.index) == ["S1", "S2"]
    assert samples.loc["S1", "fastq"] == ("reads/S1.fastq.gz", "reads/S1b.fastq.gz")


def test_missing_fastq(cohort, capsys):
    (cohort / "reads" / "S2.fastq.gz").unlink()
    code, _, err = _validate(cohort, capsys)
    assert code == 1
    _expect(
        err,
        "samples.tsv, row 2 (line 3), column 'fastq':",
        "FASTQ file not found",
        f"relative to {cohort}",
        "(got 'reads/S2.fastq.gz')",
        "allowed: an existing path to a gzip-compressed FASTQ file",
    )


def test_fastq_not_gzip(cohort, capsys):
    (cohort / "reads" / "S2.fastq.gz").write_text("@r1\nACGT\n+\nIIII\n")
    code, _, err = _validate(cohort, capsys)
    assert code == 1
    _expect(
        err,
        "samples.tsv, row 2 (line 3), column 'fastq':",
        "is not gzip-compressed",
        "(got 'reads/S2.fastq.gz')",
        "allowed: a gzip-compressed FASTQ file",
    )


def test_gzip_not_fastq(cohort, capsys):
    _write_fastq(cohort / "reads" / "S1.fastq.gz", "sample_id\tvalue\nS1\t3\nS2\t4\nS3\t5\n")
    code, _, err = _validate(cohort, capsys)
    assert code == 1
    _expect(
        err,
        "samples.tsv, row 1 (line 2), column 'fastq':",
        "is gzip but not FASTQ: the first line does not start with '@'",
        "(got 'reads/S1.fastq.gz')",
        "allowed: a gzip-compressed FASTQ file",
    )


def test_sample_without_clinical_row(cohort, capsys):
    (cohort / "clinical.tsv").write_text(_tsv([CLINICAL_HEADER, *CLINICAL_ROWS[:2]]))
    code, _, err = _validate(cohort, capsys)
    assert code == 1
    _expect(
        err,
        "clinical.tsv, column 'sample_id':",
        "1 sample(s) of samples.tsv have no clinical row: S3",
        "(got 'S3')",
        "allowed: one row per sample; a row with only the sample_id",
    )


def test_clinical_row_without_sample(cohort, capsys):
    extra = ["P99"] + [""] * (len(CLINICAL_HEADER) - 1)
    (cohort / "clinical.tsv").write_text(_tsv([CLINICAL_HEADER, *CLINICAL_ROWS, extra]))
    code, _, err = _validate(cohort, capsys)
    assert code == 1
    _expect(
        err,
        "clinical.tsv, row 4 (line 5), column 'sample_id':",
        "no such sample in samples.tsv",
        "(got 'P99')",
        "allowed: a sample_id of samples.tsv (S1, S2, S3)",
    )


@pytest.mark.parametrize(
    ("sample", "column", "value", "row", "message", "allowed"),
    [
        ("S2", "histology", "DLBCL", "row 2 (line 3)", "unknown value", "LBCL or PMBCL"),
        ("S1", "product", "liso-cel", "row 1 (line 2)", "unknown value", "axi-cel or tisa-cel"),
        ("S3", "response_3m", "MR", "row 3 (line 4)", "unknown value", "CR, PR, SD, PD or NE"),
        ("S1", "crp", "high", "row 1 (line 2)", "not a number", "a number >= 0 (mg/dL)"),
        ("S2", "ldh", "1,5", "row 2 (line 3)", "not a number", "a number >= 0 (U/L)"),
        ("S3", "pfs_days", "-3", "row 3 (line 4)", "negative time", "a number >= 0 (days"),
        ("S1", "os_event", "2", "row 1 (line 2)", "not an allowed value", "0 or 1, or empty"),
        (
            "S2",
            "crs_grade",
            "6",
            "row 2 (line 3)",
            "above the maximum",
            "a whole number from 0 to 5",
        ),
        (
            "S2",
            "icans_grade",
            "1.5",
            "row 2 (line 3)",
            "not a whole number",
            "a whole number from 0 to 5",
        ),
        ("S1", "ecog", "5", "row 1 (line 2)", "above the maximum", "a whole number from 0 to 4"),
        (
            "S1",
            "pmn_mdsc",
            "120",
            "row 1 (line 2)",
            "above the maximum",
            "a number from 0 to 100 (% of PBMC)",
        ),
    ],
)
def test_bad_clinical_value(cohort, capsys, sample, column, value, row, message, allowed):
    _set_clinical(cohort, sample, column, value)
    code, _, err = _validate(cohort, capsys)
    assert code == 1
    _expect(
        err,
        f"clinical.tsv, {row}, column '{column}': {message}",
        f"(got '{value}')",
        f"allowed: {allowed}",
    )


def test_event_without_time(cohort, capsys):
    _set_clinical(cohort, "S2", "os_days", "")
    code, _, err = _validate(cohort, capsys)
    assert code == 1
    _expect(
        err,
        "clinical.tsv, row 2 (line 3), column 'os_days':",
        "'os_event' is given but 'os_days' is empty",
        "allowed: 'os_event' and 'os_days' both given or both empty",
    )


@pytest.mark.parametrize(
    ("config", "parts"),
    [
        (
            "samples: samples.tsv\npreset: qiaseq\noutdri: out\n",
            ["config.yaml: key 'outdri' (line 3): unknown key (did you mean 'outdir'?)", "outdir"],
        ),
        (
            "samples: samples.tsv\nreference:\n  specie: hsa\n",
            [
                "config.yaml: key 'reference.specie' (line 3): unknown key",
                "(did you mean 'species'?)",
                "allowed: gff3, hairpin, mature",
            ],
        ),
        (
            "samples: samples.tsv\nseed: -4\n",
            ["config.yaml: key 'seed' (line 2): invalid value", "(got -4)", "allowed: minimum 0"],
        ),
    ],
)
def test_bad_config(cohort, capsys, config, parts):
    (cohort / "config.yaml").write_text(config)
    code, _, err = _validate(cohort, capsys)
    assert code == 1
    _expect(err, *parts)


def test_sample_sheet_path_in_config_missing(cohort, capsys):
    (cohort / "config.yaml").write_text("samples: nope.tsv\n")
    code, _, err = _validate(cohort, capsys)
    assert code == 1
    _expect(err, "nope.tsv: sample sheet not found")


# --------------------------------------------------------------------------------------
# More sample-sheet problems (read_samples directly)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "sample_id\tfastq\taccession\nS1\treads/S1.fastq.gz\tSRR1234567\n",
            ["row 1 (line 2), column 'accession'", "has both a FASTQ path and an accession"],
        ),
        (
            "sample_id\tfastq\taccession\nS1\t\t\n",
            ["row 1 (line 2), column 'fastq'", "has neither a FASTQ path nor an accession"],
        ),
        (
            "sample_id\taccession\nS1\tSRX1234567\n",
            ["row 1 (line 2), column 'accession': invalid accession", "(got 'SRX1234567')"],
        ),
        (
            "sample_id\taccession\nS 1\tSRR1234567\n",
            ["column 'sample_id': invalid sample id", "(got 'S 1')", "[A-Za-z0-9_.-]"],
        ),
        (
            "sample_id\taccession\n\tSRR1234567\n",
            ["row 1 (line 2), column 'sample_id': sample id is missing"],
        ),
        (
            "sample_id\taccession\nS1\tSRR1234567\nS2\tSRR1234567\n",
            ["row 2 (line 3), column 'accession'", "already used by sample 'S1'"],
        ),
        (
            "sample_id\tfastq\tcondition\nS1\treads/S1.fastq.gz\tcase\n",
            ["column 'condition': unknown column", "allowed: sample_id, fastq, accession"],
        ),
        (
            "sample_id\tfastqs\nS1\treads/S1.fastq.gz\n",
            ["neither a 'fastq' nor an 'accession' column"],
        ),
        ("name\tfastq\nS1\treads/S1.fastq.gz\n", ["the header has no 'sample_id' column"]),
        ("sample_id\tfastq\n", ["has a header but no samples"]),
        ("sample_id,fastq\nS1,reads/S1.fastq.gz\n", ["line 1", "not tab-separated"]),
        ("sample_id\tfastq\tfastq\nS1\ta\tb\n", ["column 'fastq'", "duplicate column name"]),
        ("", ["sample sheet is empty (no header line)"]),
        (
            "sample_id\taccession\nS1\tSRR1234567\tx\n",
            ["row 1 (line 2): has 3 fields but the header has 2 columns", "(got 'x')"],
        ),
    ],
)
def test_bad_sample_sheet(cohort, text, parts):
    (cohort / "samples.tsv").write_text(text)
    with pytest.raises(InputError) as info:
        read_samples("samples.tsv")
    message = str(info.value)
    assert message.startswith("samples.tsv")
    for part in parts:
        assert part in message


def test_fastq_probe(tmp_path):
    good = tmp_path / "good.fastq.gz"
    _write_fastq(good, "@r1\nACGT\n+\nIIII\n")
    assert fastq_gz_problem(good) is None
    empty_gz = tmp_path / "empty.fastq.gz"
    _write_fastq(empty_gz, "")
    assert fastq_gz_problem(empty_gz) is None
    zero = tmp_path / "zero.fastq.gz"
    zero.write_bytes(b"")
    assert "0 bytes" in fastq_gz_problem(zero)
    fasta = tmp_path / "fasta.fastq.gz"
    _write_fastq(fasta, ">r1\nACGT\n")
    assert "looks like FASTA" in fastq_gz_problem(fasta)
    short = tmp_path / "short.fastq.gz"
    _write_fastq(short, "@r1\nACGT\n")
    assert "fewer than 4 lines" in fastq_gz_problem(short)
    mismatch = tmp_path / "mismatch.fastq.gz"
    _write_fastq(mismatch, "@r1\nACGT\n+\nIII\n")
    assert "differ in length" in fastq_gz_problem(mismatch)
    latin1 = tmp_path / "latin1.tsv"
    latin1.write_bytes("sample_id\taccession\nS\xe9\tSRR1234567\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_samples(latin1)
    truncated = tmp_path / "truncated.fastq.gz"
    truncated.write_bytes(gzip.compress(b"@r1\nACGT\n+\nIIII\n" * 50)[:15])
    assert "damaged gzip" in fastq_gz_problem(truncated)


# --------------------------------------------------------------------------------------
# Snakemake validates the same way while parsing, before any job


def _snakemake_dry_run(workdir: Path, configfile: Path) -> subprocess.CompletedProcess:
    if not SNAKEMAKE.exists():
        pytest.skip(f"snakemake not installed next to {sys.executable}")
    env = dict(os.environ)
    env.pop("SNAKEMAKE_PROFILE", None)
    return subprocess.run(
        [str(SNAKEMAKE), "-n", "--snakefile", str(REPO / "Snakefile"), "--directory",
         str(workdir), "--configfile", str(configfile)],
        cwd=REPO, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("problem", ["config_key", "missing_fastq", "event_flag"])
def test_snakemake_dry_run_fails_with_the_same_message(cohort, capsys, problem):
    if problem == "config_key":
        (cohort / "config.yaml").write_text(
            "samples: samples.tsv\npreset: qiaseq\noutdir: out\nreference:\n  specie: hsa\n"
        )
    elif problem == "missing_fastq":
        (cohort / "reads" / "S1.fastq.gz").unlink()
    else:
        _set_clinical(cohort, "S3", "ttp_event", "2")
    code, _, err = _validate(cohort, capsys)
    assert code == 1
    message = err.strip().removeprefix("mirscope: error: ")
    before = _snapshot(cohort)
    result = _snakemake_dry_run(cohort, cohort / "config.yaml")
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert not (cohort / "out").exists()
    created = set(_snapshot(cohort)) - set(before)
    assert not [p for p in created if not p.startswith(".snakemake")], created


def test_validate_needs_a_config_option():
    assert main(["validate"]) == 2


def test_real_reads_pass_the_fastq_probe(tmp_path, monkeypatch):
    """Real public QIAseq/TruSeq reads (../shared/data/real) are accepted as they are."""
    real = REPO.parent / "shared" / "data" / "real"
    fastqs = sorted(real.glob("*.fastq.gz")) if real.is_dir() else []
    if not fastqs:
        pytest.skip(f"real reads not available: {real} is absent (only in the dev/CI tree)")
    monkeypatch.chdir(tmp_path)
    rows = [f"R{i}\t{path}" for i, path in enumerate(fastqs, start=1)]
    (tmp_path / "samples.tsv").write_text("sample_id\tfastq\n" + "\n".join(rows) + "\n")
    samples = read_samples("samples.tsv")
    assert list(samples["fastq"]) == [(str(p),) for p in fastqs]
    assert all(fastq_gz_problem(p) is None for p in fastqs)


def _with_onsets(root: Path, crs: list[str], icans: list[str]) -> None:
    at_crs, at_icans = (
        CLINICAL_HEADER.index("crs_onset_days"),
        CLINICAL_HEADER.index("icans_onset_days"),
    )
    rows = [list(r) for r in CLINICAL_ROWS]
    for row, c, i in zip(rows, crs, icans, strict=True):
        row[at_crs], row[at_icans] = c, i
    (root / "clinical.tsv").write_text(_tsv([CLINICAL_HEADER, *rows]))


def test_onset_columns_are_optional_numbers_empty_without_the_event(cohort, capsys):
    # S1: CRS grade 2, no ICANS; S2: CRS 1 and ICANS 3 with an unknown ICANS onset; S3: none
    _with_onsets(cohort, ["1", "0.5", ""], ["", "", ""])
    code, _, err = _validate(cohort, capsys)
    assert code == 0, err
    clinical = read_clinical("clinical.tsv", ["S1", "S2", "S3"])
    assert clinical["crs_onset_days"].dtype == "float64"
    assert clinical["crs_onset_days"].tolist()[:2] == [1.0, 0.5]
    assert clinical["icans_onset_days"].isna().all()


@pytest.mark.parametrize(
    ("crs", "icans", "column", "message", "allowed"),
    [
        (
            ["1", "2", "3"],
            ["", "", ""],
            "crs_onset_days",
            "an onset day is given but crs_grade is 0 (no event)",
            "empty when crs_grade is 0",
        ),
        (
            ["1", "2", ""],
            ["4", "", ""],
            "icans_onset_days",
            "an onset day is given but icans_grade is 0 (no event)",
            "empty when icans_grade is 0",
        ),
        (["-1", "", ""], ["", "", ""], "crs_onset_days", "negative", "a number >= 0 (days"),
    ],
)
def test_bad_onset(cohort, capsys, crs, icans, column, message, allowed):
    _with_onsets(cohort, crs, icans)
    code, _, err = _validate(cohort, capsys)
    assert code == 1
    _expect(err, f"column '{column}'", message, f"allowed: {allowed}")

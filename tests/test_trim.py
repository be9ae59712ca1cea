"""mirscope trim: adapter finding, read classes, UMI extraction, collapsing, bad input."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import dnaio
import pytest

from mirscope.cli import main
from mirscope.errors import InputError, MirscopeWarning
from mirscope.reads import molecules as molecules_mod
from mirscope.reads.fastq import count_reads, open_fastq
from mirscope.reads.trim import AdapterFinder, TrimSettings
from mirscope.stages.trim import trim_fastq

QIA = "AACTGTAGGCACCATCAAT"
TRUSEQ = "TGGAATTCTCGGGTGCCAAGG"
TAIL = "AGATCGGAAGAGCACACGTCTGAACTCCAGTCAC"
MIR16 = "TAGCAGCACGTAAATATTGGCG"  # hsa-miR-16-5p, 22 nt
LET7A = "TGAGGTAGTAGGTTGTATAGTT"  # hsa-let-7a-5p
UMI1 = "ACGTACGTACGT"
UMI2 = "TTTTGGGGCCCC"
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
QIASEQ_REAL = REAL / "SRR17084832_Qiaseq_plasma_Rep01_50k.fastq.gz"
TRUSEQ_REAL = REAL / "SRR10217428_H30541_TruSeq_unblocked_50k.fastq.gz"


def read_molecules(path) -> list[tuple[str, str, int]]:
    """The molecules table as (insert, umi, reads) tuples, through its one reader."""
    table = molecules_mod.read_molecules(path)
    return [(i, u, int(r)) for i, u, r in table.itertuples(index=False, name=None)]


def write_fastq(path: Path, seqs: list[str], *, gz: bool = True) -> Path:
    text = "".join(f"@r{i} 1:N:0:1\n{s}\n+\n{'I' * len(s)}\n" for i, s in enumerate(seqs))
    if gz:
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


def qiaseq_read(insert: str, umi: str, length: int = 75) -> str:
    return (insert + QIA + umi + TAIL)[:length]


def mutate(seq: str, pos: int) -> str:
    return seq[:pos] + ("C" if seq[pos] != "C" else "A") + seq[pos + 1 :]


def need_real(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"real reads not available: {path} is absent (only in the dev/CI tree)")
    return path


def run_trim(tmp_path: Path, fastq: Path, settings: TrimSettings, **kw):
    result = trim_fastq(
        fastq,
        settings,
        sample="s1",
        molecules_out=tmp_path / "out" / "s1.molecules.tsv.gz",
        stats_out=tmp_path / "out" / "s1.trim.json",
        **kw,
    )
    return result, read_molecules(tmp_path / "out" / "s1.molecules.tsv.gz")


# Each read below is built by hand, so its class and molecule are known without running
# the trimmer.
DESIGNED = {
    "valid_exact_3x": [qiaseq_read(MIR16, UMI1)] * 3,
    "valid_other_umi": [qiaseq_read(MIR16, UMI2)],
    # a substitution inside the adapter (tier 2) and a 1-nt deletion in it (cutadapt)
    "valid_mismatch": [mutate(qiaseq_read(LET7A, UMI1), 22 + 10)],
    "valid_deletion": [(LET7A + QIA[:7] + QIA[8:] + UMI2 + TAIL)[:75]],
    "too_short": [qiaseq_read("ACGTACGTAC", UMI1)],
    "adapter_dimer": [qiaseq_read("", UMI1)],
    # insert 50 nt: the adapter's 19 nt fit, the UMI (12) does not in 75 nt
    "umi_incomplete": [qiaseq_read("ACGT" * 12 + "AC", UMI1)],
    "no_adapter": ["ACGT" * 18 + "ACG"],
}


def test_designed_reads_are_classified_and_collapsed(tmp_path):
    reads = [r for group in DESIGNED.values() for r in group]
    fq = write_fastq(tmp_path / "d.fastq.gz", reads)
    result, molecules = run_trim(tmp_path, fq, TrimSettings.from_preset("qiaseq"))
    assert result.total_reads == len(reads) == 10
    assert result.classes == {
        "valid": 6,
        "no_adapter": 1,
        "adapter_dimer": 1,
        "too_short": 1,
        "umi_incomplete": 1,
    }
    assert molecules == [  # sorted by insert, then UMI
        (MIR16, UMI1, 3),
        (MIR16, UMI2, 1),
        (LET7A, UMI1, 1),
        (LET7A, UMI2, 1),
    ]
    stats = json.loads((tmp_path / "out" / "s1.trim.json").read_text())
    assert stats["unique_molecules"] == 4
    assert stats["umi_duplication_rate"] == pytest.approx(1 - 4 / 6, abs=1e-6)
    assert stats["insert_length_histogram"] == {"0": 1, "10": 1, "22": 6, "50": 1}
    assert stats["median_insert_length"] == 22
    assert stats["exact_adapter_reads"] == 7  # not the mismatch, deletion, no-adapter reads


def test_fast_tiers_match_cutadapt_on_real_reads():
    """Every read of both real files: exact/anchored tiers give cutadapt's adapter position."""
    for path, adapter in ((QIASEQ_REAL, QIA), (TRUSEQ_REAL, TRUSEQ)):
        finder = AdapterFinder(adapter, 0.1, 10)
        with open_fastq(need_real(path)) as reader:
            seqs = [rec.sequence for rec in reader]
        disagree = [s for s in seqs if finder.locate(s) != finder.locate_aligned(s)]
        assert disagree == [], f"{path.name}: {len(disagree)} reads differ, e.g. {disagree[:3]}"
        assert finder.tier_counts[1] > 500  # the anchored tier really was exercised


def test_real_qiaseq_reads(tmp_path):
    result, molecules = run_trim(
        tmp_path, need_real(QIASEQ_REAL), TrimSettings.from_preset("qiaseq")
    )
    assert result.total_reads == 50_000
    assert sum(result.classes.values()) == result.total_reads
    assert result.adapter_found_fraction >= 0.98
    assert 0.15 <= result.classes["too_short"] / result.total_reads <= 0.22
    assert all(len(umi) == 12 for _, umi, _ in molecules)
    assert sum(r for *_, r in molecules) == result.classes["valid"]
    # the most frequent inserts of plasma include miR-16/let-7/miR-451a family members
    top = Counter()
    for insert, _, reads in molecules:
        top[insert] += reads
    top_inserts = [s for s, _ in top.most_common(30)]
    assert any(
        s.startswith(("TAGCAGCACG", "TGAGGTAGTAG", "AAACCGTTACCATTACTGAG")) for s in top_inserts
    )


def test_truseq_reads_agree_with_cutadapt_tool(tmp_path):
    """The illumina preset keeps exactly the inserts `cutadapt -a ... -m 16` keeps."""
    fq = need_real(TRUSEQ_REAL)
    cutadapt = shutil.which("cutadapt") or str(
        Path(__import__("sys").executable).parent / "cutadapt"
    )
    result, molecules = run_trim(tmp_path, fq, TrimSettings.from_preset("illumina"))
    assert result.adapter_found_fraction >= 0.95
    assert all(umi == "" for _, umi, _ in molecules)
    out = tmp_path / "ca.fastq"
    subprocess.run(
        [
            cutadapt,
            "-a",
            TRUSEQ,
            "-e",
            "0.1",
            "-O",
            "10",
            "-m",
            "16",
            "--discard-untrimmed",
            "-o",
            str(out),
            str(fq),
        ],
        check=True,
        capture_output=True,
    )
    with dnaio.open(out) as reader:
        theirs = Counter(rec.sequence for rec in reader)
    ours = Counter({insert: reads for insert, _, reads in molecules})
    assert ours == theirs


def test_nextflex_clipping_and_no_umi(tmp_path):
    insert = "GATC" + MIR16 + "CCAA"
    fq = write_fastq(tmp_path / "n.fastq.gz", [(insert + TRUSEQ + "A" * 30)[:60]] * 2)
    result, molecules = run_trim(tmp_path, fq, TrimSettings.from_preset("nextflex"))
    assert molecules == [(MIR16, "", 2)]
    assert result.umi_duplication_rate is None


def test_wrong_preset_fails_and_names_the_right_one(tmp_path):
    reads = [(MIR16 + TRUSEQ + "ACGTAC" * 5)[:60]] * 20
    fq = write_fastq(tmp_path / "t.fastq.gz", reads)
    with pytest.raises(InputError, match=r"s1: adapter .* 0\.0% .* preset illumina or nextflex"):
        run_trim(tmp_path, fq, TrimSettings.from_preset("qiaseq"))
    assert not (tmp_path / "out" / "s1.trim.json").exists()
    with pytest.warns(MirscopeWarning, match="preset illumina or nextflex"):
        result, _ = run_trim(tmp_path, fq, TrimSettings.from_preset("qiaseq"), allow_empty=True)
    assert result.classes["no_adapter"] == 20
    assert "illumina" in json.loads((tmp_path / "out" / "s1.trim.json").read_text())["warnings"][0]


def test_empty_file_fails_unless_empty_samples_are_allowed(tmp_path):
    for name, gz in (("e.fastq.gz", True), ("e.fastq", False)):
        fq = write_fastq(tmp_path / name, [], gz=gz)
        with pytest.raises(InputError, match="s1: .* has no reads"):
            run_trim(tmp_path, fq, TrimSettings.from_preset("qiaseq"))
        with pytest.warns(MirscopeWarning, match="no reads"):
            result, molecules = run_trim(
                tmp_path, fq, TrimSettings.from_preset("qiaseq"), allow_empty=True
            )
        assert result.total_reads == 0 and molecules == []
        assert gzip.open(tmp_path / "out" / "s1.molecules.tsv.gz", "rt").read() == (
            "insert\tumi\treads\n"
        )


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = write_fastq(tmp_path / "good.fastq.gz", [qiaseq_read(MIR16, UMI1)] * 3000)
    raw = good.read_bytes()
    truncated = tmp_path / "truncated.fastq.gz"
    truncated.write_bytes(raw[: len(raw) // 2])
    mismatch = tmp_path / "mismatch.fastq"
    mismatch.write_text(f"@a\n{MIR16}\n+\n{'I' * 22}\n@b\n{MIR16}\n+\n{'I' * 20}\n")
    not_fastq = tmp_path / "table.tsv"
    not_fastq.write_text("sample_id\tfastq\nA\ta.fastq.gz\n")
    first_bad = tmp_path / "first_bad.fastq"
    first_bad.write_text(f"@a\n{MIR16}\n+\nIII\n")
    cut = tmp_path / "cut.fastq"
    cut.write_text(f"@a\n{MIR16}\n+\n{'I' * 22}\n@b\n{MIR16}\n")
    return {
        "truncated gzip": (truncated, "truncated or corrupt after record"),
        "length mismatch": (mismatch, r"record 2 \(line 8\).*[Ll]ength"),
        "not FASTQ": (not_fastq, "not a FASTQ file"),
        "record cut": (cut, "record 2"),
        "first record bad": (first_bad, r"record 1 \(line 4\)"),
    }


@pytest.mark.parametrize(
    "case", ["truncated gzip", "length mismatch", "not FASTQ", "record cut", "first record bad"]
)
def test_malformed_input_names_file_and_leaves_no_output(tmp_path, case):
    path, pattern = _bad_inputs(tmp_path)[case]
    with pytest.raises(InputError, match=pattern) as err:
        run_trim(
            tmp_path,
            path,
            TrimSettings.from_preset("qiaseq"),
            trimmed_fastq=tmp_path / "out" / "t.fq.gz",
        )
    assert str(path) in str(err.value)
    assert list((tmp_path / "out").iterdir()) == []  # no partial or temporary files


def test_cli_error_is_one_line_exit_1(tmp_path, capsys):
    path, _ = _bad_inputs(tmp_path)["length mismatch"]
    code = main(
        [
            "trim",
            str(path),
            "--sample",
            "x",
            "--preset",
            "qiaseq",
            "--molecules",
            str(tmp_path / "m.tsv.gz"),
            "--stats",
            str(tmp_path / "s.json"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("mirscope: error:") and str(path) in err and err.count("\n") == 1
    assert not (tmp_path / "m.tsv.gz").exists()


def test_cli_overrides_preset_and_is_deterministic(tmp_path):
    reads = [qiaseq_read(MIR16, UMI1), qiaseq_read(LET7A, UMI2), qiaseq_read(MIR16, UMI1)]
    fq = write_fastq(tmp_path / "c.fastq.gz", reads)
    outputs = []
    for run in ("a", "b"):
        args = [
            "trim",
            str(fq),
            "--sample",
            "c",
            "--preset",
            "qiaseq",
            "--umi-length",
            "6",
            "--molecules",
            str(tmp_path / run / "m.tsv.gz"),
            "--stats",
            str(tmp_path / run / "s.json"),
            "--trimmed-fastq",
            str(tmp_path / run / "t.fastq.gz"),
        ]
        assert main(args) == 0
        outputs.append(
            [(tmp_path / run / f).read_bytes() for f in ("m.tsv.gz", "s.json", "t.fastq.gz")]
        )
    assert outputs[0] == outputs[1]
    assert read_molecules(tmp_path / "a" / "m.tsv.gz") == [
        (MIR16, UMI1[:6], 2),
        (LET7A, UMI2[:6], 1),
    ]
    with dnaio.open(tmp_path / "a" / "t.fastq.gz") as reader:
        recs = list(reader)
    assert [r.name for r in recs] == ["r0_ACGTAC 1:N:0:1", "r1_TTTTGG 1:N:0:1", "r2_ACGTAC 1:N:0:1"]
    assert [r.sequence for r in recs] == [MIR16, LET7A, MIR16]
    assert all(len(r.qualities) == len(r.sequence) for r in recs)


def test_settings_validation():
    with pytest.raises(InputError, match="adapter"):
        TrimSettings.from_preset("custom")
    with pytest.raises(InputError, match="invalid adapter"):
        TrimSettings.from_preset("custom", adapter="ACGU-")
    assert TrimSettings.from_preset("custom", adapter="acgtacgtac").adapter == "ACGTACGTAC"


def test_count_reads_plain_and_gzip(tmp_path):
    seqs = [qiaseq_read(MIR16, UMI1)] * 7
    assert count_reads(write_fastq(tmp_path / "a.fastq.gz", seqs)) == 7
    assert count_reads(write_fastq(tmp_path / "a.fastq", seqs, gz=False)) == 7


def test_classes_match_simulator_truth(tmp_path):
    """Simulated QIAseq reads (with sequencing errors): read classes within 1% of the truth."""
    from mirscope.simulate import simulate_sample_reads

    fq = tmp_path / "sim.fastq.gz"
    truth = simulate_sample_reads(fq, 20_000, seed=9)
    result, molecules = run_trim(tmp_path, fq, TrimSettings.from_preset("qiaseq"))
    expected = dict(truth.classes)
    expected["valid"] = expected.pop("valid") + expected.pop("non_mirna", 0)  # both trim as valid
    for cls, n in expected.items():
        assert abs(result.classes[cls] - n) <= max(20, 0.01 * n), (cls, result.classes, expected)
    assert sum(r for *_, r in molecules) == result.classes["valid"]


def test_counter_process_gives_identical_outputs(tmp_path):
    """threads=2 (molecules counted in a child process) writes the same bytes as threads=1;
    the inserts FASTA is what `mirscope inserts` writes from the molecules table."""
    from mirscope.counts.align import write_inserts_fasta

    reads = [
        qiaseq_read(MIR16, f"{i % 97:012b}".replace("0", "A").replace("1", "G"))
        for i in range(3000)
    ]
    reads += [qiaseq_read(LET7A, UMI1)] * 500 + DESIGNED["too_short"] * 10
    reads += [qiaseq_read(MIR16[:-1] + "A", UMI2), qiaseq_read(LET7A + "T", UMI2)]
    fq = write_fastq(tmp_path / "p.fastq.gz", reads)
    outs = []
    for threads in (1, 2):
        d = tmp_path / f"t{threads}"
        trim_fastq(
            fq,
            TrimSettings.from_preset("qiaseq"),
            sample="p",
            molecules_out=d / "m.tsv.gz",
            stats_out=d / "s.json",
            inserts_out=d / "i.fa",
            threads=threads,
        )
        outs.append([(d / n).read_bytes() for n in ("m.tsv.gz", "s.json", "i.fa")])
    assert outs[0] == outs[1]
    molecules = read_molecules(tmp_path / "t1" / "m.tsv.gz")
    write_inserts_fasta({i for i, _u, _r in molecules}, tmp_path / "r.fa")
    assert outs[0][2] == (tmp_path / "r.fa").read_bytes()
    assert outs[0][2].count(b">") == 4
    assert len(read_molecules(tmp_path / "t2" / "m.tsv.gz")) == 100


def test_counter_process_error_leaves_no_output(tmp_path):
    good = [qiaseq_read(MIR16, UMI1)] * 100_000
    fq = tmp_path / "late_error.fastq"
    text = "".join(f"@r{i}\n{s}\n+\n{'I' * len(s)}\n" for i, s in enumerate(good))
    fq.write_text(text + f"@bad\n{MIR16}\n+\nII\n")
    with pytest.raises(InputError, match=r"record 100001 \(line 400004\)"):
        trim_fastq(
            fq,
            TrimSettings.from_preset("qiaseq"),
            sample="e",
            molecules_out=tmp_path / "out" / "m.tsv.gz",
            stats_out=tmp_path / "out" / "s.json",
            threads=2,
        )
    assert list((tmp_path / "out").iterdir()) == []


def test_progress_is_logged(tmp_path, caplog):
    fq = write_fastq(tmp_path / "g.fastq.gz", [qiaseq_read(MIR16, UMI1)] * 150_000)
    with caplog.at_level("INFO", logger="mirscope.reads.trim"):
        trim_fastq(
            fq,
            TrimSettings.from_preset("qiaseq"),
            sample="g",
            molecules_out=tmp_path / "m.tsv.gz",
            stats_out=tmp_path / "s.json",
            progress_every=50_000,
        )
    progress = [r.getMessage() for r in caplog.records if "reads done" in r.getMessage()]
    assert len(progress) >= 2 and all("reads/s" in m for m in progress)


@pytest.mark.parametrize("chunk", [7, 100_000])
def test_molecule_table_is_sorted_with_inserts_and_histogram(tmp_path, monkeypatch, chunk):
    """The table is the sorted keys with their counts, the FASTA every insert once (as
    `mirscope inserts` writes it), the histogram reads per insert length."""
    import random

    import mirscope.reads.molecules as trim_mod
    from mirscope.counts.align import write_inserts_fasta

    monkeypatch.setattr(trim_mod, "WRITE_CHUNK", chunk)  # 7: inserts run across chunks
    rng = random.Random(3)
    # inserts that are prefixes of each other sort before their extensions
    inserts = ["".join(rng.choice("ACGT") for _ in range(rng.randint(16, 24))) for _ in range(300)]
    inserts += [inserts[0][:16], inserts[0][:17], inserts[0] + "A"]
    molecules = {}
    for k in range(6000):
        key = f"{rng.choice(inserts)}\t{''.join(rng.choice('ACGT') for _ in range(12))}".encode()
        molecules[key] = molecules.get(key, 0) + 1 + k % 5
    n_inserts, hist = molecules_mod.write_molecules(
        molecules, tmp_path / "m.tsv.gz", tmp_path / "i.fa"
    )
    with gzip.open(tmp_path / "m.tsv.gz", "rb") as fh:
        assert fh.readline() == b"insert\tumi\treads\n"
        rows = [line.rstrip(b"\n").split(b"\t") for line in fh]
    assert [a + b"\t" + b for a, b, _ in rows] == sorted(molecules)
    assert [int(c) for *_, c in rows] == [molecules[k] for k in sorted(molecules)]
    used = {k.split(b"\t")[0].decode() for k in molecules}
    assert n_inserts == len(used)
    write_inserts_fasta(used, tmp_path / "ref.fa")
    assert (tmp_path / "i.fa").read_bytes() == (tmp_path / "ref.fa").read_bytes()
    expected = Counter()
    for key, count in molecules.items():
        expected[len(key.split(b"\t")[0])] += count
    assert hist == dict(expected)


@pytest.mark.parametrize(
    ("umi_length", "alphabet"), [(0, "ACGT"), (6, "ACGTN"), (30, "ACGTN"), (12, "ACGT")]
)
def test_molecule_table_order_is_byte_order(tmp_path, umi_length, alphabet):
    """The fixed-width string sort gives Python's byte order of the keys: without UMIs,
    with N calls, with long UMIs, UMIs of uneven length and inserts that extend others."""
    import random

    rng = random.Random(umi_length)
    inserts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 50))) for _ in range(200)]
    inserts += [inserts[0][:3], inserts[0] + "A", inserts[0] + "N"]
    molecules = {}
    for _ in range(3000):
        n = umi_length - (rng.random() < 0.05 and umi_length > 0)  # a few one base shorter
        umi = "".join(rng.choice(alphabet) for _ in range(n))
        key = f"{rng.choice(inserts)}\t{umi}".encode()
        molecules[key] = molecules.get(key, 0) + rng.choice([1, 1, 2, 10, 99, 100, 12345678901])
    n_inserts, _ = molecules_mod.write_molecules(
        molecules, tmp_path / "m.tsv.gz", tmp_path / "i.fa"
    )
    with gzip.open(tmp_path / "m.tsv.gz", "rb") as fh:
        text = fh.read()
    expected = b"insert\tumi\treads\n" + b"".join(
        b"%s\t%d\n" % (k, molecules[k]) for k in sorted(molecules)
    )
    assert text == expected
    used = sorted({k.split(b"\t")[0] for k in molecules})
    assert n_inserts == len(used)
    assert (tmp_path / "i.fa").read_bytes() == b"".join(b">%s\n%s\n" % (u, u) for u in used)


@pytest.mark.parametrize("preset", ["qiaseq", "nextflex"])
def test_batch_trimmer_equals_read_by_read_rules(tmp_path, preset):
    """The vectorised classifier gives, read by read, the classes and keys of the rules in
    the module docstring applied one read at a time."""
    from mirscope.reads.trim import CLASSES, BatchTrimmer
    from mirscope.simulate import simulate_sample_reads

    fq = tmp_path / "s.fastq.gz"
    simulate_sample_reads(fq, 5000, seed=4, preset=preset)
    with open_fastq(fq) as reader:
        seqs = [rec.sequence for rec in reader]
    settings = TrimSettings.from_preset(preset)
    finder = AdapterFinder(settings.adapter, settings.max_error_rate, settings.min_overlap)
    expected_keys, expected = [], Counter()
    for seq in seqs:
        hit = finder.locate(seq)
        if hit is None:
            expected["no_adapter"] += 1
            continue
        start, stop = hit
        n = start - settings.clip_5p - settings.clip_3p
        umi = seq[stop : stop + settings.umi_length]
        if n <= 0:
            expected["adapter_dimer"] += 1
        elif n < settings.min_length:
            expected["too_short"] += 1
        elif len(umi) < settings.umi_length:
            expected["umi_incomplete"] += 1
        else:
            expected["valid"] += 1
            expected_keys.append(seq[settings.clip_5p : start - settings.clip_3p] + "\t" + umi)
    trimmer = BatchTrimmer(settings)
    keys = []
    for i in range(0, len(seqs), 1000):  # several batches, histogram arrays of varying size
        keys += filter(None, trimmer(seqs[i : i + 1000])[0].decode().split("\n"))
    assert keys == expected_keys
    assert dict(zip(CLASSES, trimmer.class_counts.tolist(), strict=True)) == {
        c: expected[c] for c in CLASSES
    }
    assert min(expected[c] for c in ("valid", "too_short", "adapter_dimer", "no_adapter")) > 0


def test_lanes_read_in_order_equal_the_concatenated_file(tmp_path):
    """Two FASTQs of one library give the bytes the concatenated file gives."""
    reads = [qiaseq_read(MIR16, UMI1), qiaseq_read(LET7A, UMI2), qiaseq_read(MIR16, UMI2)]
    reads += [qiaseq_read(LET7A, UMI1), qiaseq_read(MIR16, UMI1)]
    lane1 = write_fastq(tmp_path / "l1.fastq.gz", reads[:2])
    lane2 = write_fastq(tmp_path / "l2.fastq.gz", reads[2:])
    whole = write_fastq(tmp_path / "all.fastq.gz", reads)
    for name, inputs in (("split", [str(lane1), str(lane2)]), ("whole", [str(whole)])):
        code = main(
            [
                "trim",
                *inputs,
                "--sample",
                "s",
                "--preset",
                "qiaseq",
                "--umi-length",
                "6",
                "--molecules",
                str(tmp_path / name / "m.tsv.gz"),
                "--stats",
                str(tmp_path / name / "s.json"),
            ]
        )
        assert code == 0
    assert (tmp_path / "split/m.tsv.gz").read_bytes() == (tmp_path / "whole/m.tsv.gz").read_bytes()
    split = json.loads((tmp_path / "split/s.json").read_text())
    whole_stats = json.loads((tmp_path / "whole/s.json").read_text())
    assert split["total_reads"] == whole_stats["total_reads"] == len(reads)
    assert split["classes"] == whole_stats["classes"]


def test_lower_case_fastq_gives_the_same_molecules(tmp_path):
    """Soft-masked bases are the same bases: inserts and UMIs are upper-cased on reading."""
    reads = [r for group in DESIGNED.values() for r in group] + [qiaseq_read(MIR16, "ACGTNCGTACGT")]
    upper = write_fastq(tmp_path / "u.fastq.gz", reads)
    lower = write_fastq(tmp_path / "l.fastq.gz", [r.lower() for r in reads])
    settings = TrimSettings.from_preset("qiaseq")
    out = {}
    for name, fq in (("u", upper), ("l", lower)):
        trim_fastq(
            fq,
            settings,
            sample="s1",
            molecules_out=tmp_path / name / "m.tsv.gz",
            stats_out=tmp_path / name / "s.json",
        )
        out[name] = gzip.open(tmp_path / name / "m.tsv.gz", "rb").read()
    assert out["l"] == out["u"] and b"ACGTNCGTACGT" in out["u"]

"""Size factors and normalised tables (mirscope.de.normalize), R's DESeq2 as the reference."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import require_r
from mirscope.cli import main
from mirscope.de import normalize
from mirscope.errors import InputError
from mirscope.io import read_count_matrix


def _matrix(seed: int = 0, n_mirna: int = 40, n_samples: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    mu = np.exp(rng.normal(2, 1.5, n_mirna))[:, None] * np.exp(rng.normal(0, 0.4, n_samples))
    y = rng.poisson(mu)
    return pd.DataFrame(
        y,
        index=[f"hsa-miR-{i}" for i in range(n_mirna)],
        columns=[f"P{j:02d}" for j in range(n_samples)],
    )


@pytest.mark.r
def test_size_factors_equal_r(tmp_path):
    """ratio and poscounts against R to 1e-10, including rows whose geometric mean < 1."""
    require_r("DESeq2")
    dense = _matrix(1)
    dense.iloc[0] = 50  # at least one miRNA without zeros
    sparse = _matrix(2)
    sparse.iloc[:, 0] = np.where(sparse.iloc[:, 0] > 0, sparse.iloc[:, 0], 1)
    sparse.iloc[::2, 3] = 0  # every miRNA has a zero somewhere
    sparse.iloc[1::2, 5] = 0
    sparse.iloc[5] = [1, 0, 1, 0, 0, 0, 2, 0]  # positive-count geometric mean < 1
    dense.rename_axis("mirna").to_csv(tmp_path / "dense.tsv", sep="\t")
    sparse.rename_axis("mirna").to_csv(tmp_path / "sparse.tsv", sep="\t")
    script = r"""
suppressMessages(library(DESeq2))
for (f in c("dense", "sparse")) {
  cts <- as.matrix(read.delim(paste0(f, ".tsv"), row.names = 1, check.names = FALSE))
  cd <- data.frame(row.names = colnames(cts), g = factor(rep(c("a", "b"), length.out = ncol(cts))))
  dds <- DESeqDataSetFromMatrix(cts, cd, ~ 1)
  type <- if (f == "dense") "ratio" else "poscounts"
  sf <- sizeFactors(estimateSizeFactors(dds, type = type))
  writeLines(sprintf("%.17g", sf), paste0(f, "_sf.txt"))
}
"""
    (tmp_path / "sf.R").write_text(script)
    proc = subprocess.run(
        ["Rscript", "sf.R"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name, frame, kind in (("dense", dense, "ratio"), ("sparse", sparse, "poscounts")):
        r_sf = np.loadtxt(tmp_path / f"{name}_sf.txt")
        assert normalize.resolve_size_factor_type(frame) == kind
        ours = normalize.size_factors(frame).to_numpy()
        np.testing.assert_allclose(ours, r_sf, rtol=1e-10)


def test_poscounts_geometric_mean_counts_zeros_in_n():
    counts = pd.DataFrame({"a": [4, 0, 3], "b": [1, 2, 0], "c": [2, 8, 3]})
    sf = normalize.size_factors(counts, "poscounts")
    # By hand: log geo means (sum of log positive counts / 3)
    lg = np.array([np.log(8) / 3, np.log(16) / 3, np.log(9) / 3])
    raw = [
        np.exp(np.median([np.log(4) - lg[0], np.log(3) - lg[2]])),
        np.exp(np.median([np.log(1) - lg[0], np.log(2) - lg[1]])),
        np.exp(np.median([np.log(2) - lg[0], np.log(8) - lg[1], np.log(3) - lg[2]])),
    ]
    raw = np.array(raw)
    np.testing.assert_allclose(sf.to_numpy(), raw / np.exp(np.mean(np.log(raw))), rtol=1e-12)


def test_ratio_on_all_sparse_matrix_is_an_error():
    counts = pd.DataFrame({"a": [0, 3], "b": [2, 0]}, index=["x", "y"])
    assert normalize.resolve_size_factor_type(counts) == "poscounts"
    with pytest.raises(InputError, match="every miRNA has a zero"):
        normalize.size_factors(counts, "ratio")


def test_sample_without_counts_is_an_error():
    counts = pd.DataFrame({"a": [1, 3], "b": [0, 0]}, index=["x", "y"])
    with pytest.raises(InputError, match="column 'b'|sample has no counts"):
        normalize.size_factors(counts)


def test_single_sample_cohort_normalises_to_itself():
    counts = pd.DataFrame({"P01": [5, 0, 7]}, index=["x", "y", "z"])
    normed, sf = normalize.normalize(counts)
    assert sf.tolist() == [1.0]
    assert normed.index.tolist() == ["x", "z"]  # y undetected


def test_filter_detected_min_samples():
    counts = pd.DataFrame({"a": [0, 1, 1], "b": [0, 0, 2], "c": [0, 0, 3]}, index=list("xyz"))
    assert normalize.filter_detected(counts, 1).index.tolist() == ["y", "z"]
    assert normalize.filter_detected(counts, 3).index.tolist() == ["z"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mirna\ta\tb\nx\t1\t-2\n", "row 2, column 'b'.*non-negative integers"),
        ("mirna\ta\tb\nx\t1\t2.5\n", "column 'b'"),
        ("mirna\ta\tb\nx\t1\t2\nx\t3\t4\n", "listed twice"),
        ("name\ta\nx\t1\n", "first column must be 'mirna'"),
        ("mirna\nx\n", "no sample columns"),
    ],
)
def test_read_counts_errors(tmp_path, text, message):
    path = tmp_path / "c.tsv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_count_matrix(str(path))


def test_normalize_cli_outputs_and_determinism(tmp_path):
    counts = _matrix(3)
    counts.iloc[4] = 0  # undetected: dropped
    src = tmp_path / "counts.tsv"
    counts.rename_axis("mirna").to_csv(src, sep="\t")
    outs = []
    for run in ("1", "2"):
        out, log2, sf = (tmp_path / f"{x}{run}.tsv" for x in ("norm", "log2", "sf"))
        args = ["normalize", "--counts", str(src), "--out", str(out), "--log2-out", str(log2)]
        assert main([*args, "--size-factors-out", str(sf)]) == 0
        outs.append((out.read_bytes(), log2.read_bytes(), sf.read_bytes()))
    assert outs[0] == outs[1]
    normed = pd.read_csv(tmp_path / "norm1.tsv", sep="\t", index_col=0)
    detected = counts.loc[(counts > 0).any(axis=1)]
    assert "hsa-miR-4" not in normed.index
    assert normed.index.tolist() == detected.index.tolist()
    sf = pd.read_csv(tmp_path / "sf1.tsv", sep="\t", index_col=0)["size_factor"]
    np.testing.assert_allclose(normed.mul(sf, axis=1), detected, rtol=1e-8)
    log2 = pd.read_csv(tmp_path / "log21.tsv", sep="\t")
    np.testing.assert_allclose(log2.iloc[:, 1:].to_numpy(), np.log2(normed.to_numpy() + 1))


def test_normalize_cli_bad_input_exits_1(tmp_path, capsys):
    src = tmp_path / "counts.tsv"
    src.write_text("mirna\ta\nx\tfoo\n")
    assert main(["normalize", "--counts", str(src), "--out", str(tmp_path / "n.tsv")]) == 1
    err = capsys.readouterr().err
    assert "counts.tsv, row 2, column 'a'" in err
    assert not (tmp_path / "n.tsv").exists()


@pytest.mark.r
def test_reference_size_factors_equal_r_geomeans(tmp_path):
    """New samples against a training reference: ``rescale="cohort"`` is DESeq2's
    ``estimateSizeFactors(dds, geoMeans = g)`` to 1e-10, zeros in the new samples included."""
    require_r("DESeq2")
    for name, train in (("dense", _matrix(1)), ("sparse", _matrix(2))):
        if name == "dense":
            train.iloc[0] = 50
        ref = normalize.size_factor_reference(train)
        new = _matrix(3)
        new.iloc[::3, 2] = 0
        new.rename_axis("mirna").to_csv(tmp_path / f"{name}_new.tsv", sep="\t")
        (tmp_path / f"{name}_geo.txt").write_text(
            "".join(f"{m}\t{v!r}\n" for m, v in ref.geo_means.items())
        )
        ours = normalize.reference_size_factors(new, ref, rescale="cohort").to_numpy()
        script = f"""
suppressMessages(library(DESeq2))
cts <- as.matrix(read.delim("{name}_new.tsv", row.names = 1, check.names = FALSE))
geo <- read.delim("{name}_geo.txt", header = FALSE, row.names = 1)
g <- setNames(rep(0, nrow(cts)), rownames(cts))
g[rownames(geo)] <- geo[, 1]
cd <- data.frame(row.names = colnames(cts), x = rep(1, ncol(cts)))
dds <- DESeqDataSetFromMatrix(cts, cd, ~ 1)
writeLines(sprintf("%.17g", sizeFactors(estimateSizeFactors(dds, geoMeans = g))), "out.txt")
"""
        (tmp_path / "ref.R").write_text(script)
        proc = subprocess.run(
            ["Rscript", "ref.R"], cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        np.testing.assert_allclose(ours, np.loadtxt(tmp_path / "out.txt"), rtol=1e-10)


@pytest.mark.parametrize("seed", [1, 2])
def test_reference_reproduces_training_factors(seed):
    """The training matrix scored against its own reference gets its own size factors, per
    sample (``training`` rescaling), alone or together."""
    train = _matrix(seed)
    if seed == 1:
        train.iloc[0] = 50  # ratio
    ref = normalize.size_factor_reference(train)
    expected = normalize.size_factors(train)
    together = normalize.reference_size_factors(train, ref)
    np.testing.assert_allclose(together, expected, rtol=1e-12)
    alone = normalize.reference_size_factors(train[[train.columns[2]]], ref)
    assert alone.iloc[0] == pytest.approx(expected.iloc[2], rel=1e-12)


def test_reference_sample_without_ratio_is_an_error():
    train = _matrix(1)
    train.iloc[0] = 50
    ref = normalize.size_factor_reference(train)
    new = pd.DataFrame({"P9": [0] * len(train)}, index=train.index)
    with pytest.raises(InputError, match="no size factor"):
        normalize.reference_size_factors(new, ref)

"""VST and CPM (mirscope.de.vst) against R's ``varianceStabilizingTransformation``.

Every matrix is compared with R's default ``varianceStabilizingTransformation(dds,
blind = TRUE)``: a demo-like one (the paper's 16 vs 37 patients, 600 miRNAs, outliers); a
sparse one in which every miRNA has a zero (R needs ``type = "poscounts"`` size factors,
and the gene-wise dispersions hit the grid refit and the lower bound); the demo cohort's
true molecule counts as ``make demo-data`` simulates them (seed 7, 20,000 reads per sample),
where R's parametric trend converges; and the same cohort at 1,500 reads per sample (seed
11, 80% zeros), where R's parametric fit fails and R substitutes its local (locfit) trend
and the numerically integrated VST -- R's message is checked, so that branch is what is
compared.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import require_r
from mirscope.cli import main
from mirscope.de import normalize, vst
from mirscope.errors import MirscopeWarning
from test_deseq import simulate

R_VST = r"""
suppressMessages(library(DESeq2))
for (name in commandArgs(TRUE)) {
  cts <- as.matrix(read.delim(paste0(name, ".tsv"), row.names = 1, check.names = FALSE))
  dds <- DESeqDataSetFromMatrix(cts, data.frame(row.names = colnames(cts), g = rep(1, ncol(cts))), ~ 1)
  if (!any(apply(cts, 1, function(r) all(r > 0)))) {
    dds <- estimateSizeFactors(dds, type = "poscounts")
  }
  msg <- character(0)
  v <- withCallingHandlers(
    assay(varianceStabilizingTransformation(dds, blind = TRUE)),
    message = function(m) { msg <<- c(msg, conditionMessage(m)); invokeRestart("muffleMessage") })
  writeLines(msg, paste0(name, "_messages.txt"))
  write.table(data.frame(mirna = rownames(v), v, check.names = FALSE),
              paste0(name, "_vst.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
}
"""

MATRICES = {
    "demo": {"seed": 1, "n_control": 37, "n_case": 16, "n_mirna": 600, "all_zero": 2},
    "sparse": {
        "seed": 3,
        "n_control": 10,
        "n_case": 12,
        "n_mirna": 500,
        "mean_log": 1.3,
        "sparse": 0.6,
        "outliers": 20,
        "every_zero": True,
    },
}


def _cohort_counts(d, seed: int, reads: int) -> pd.DataFrame:
    """The demo cohort's true mature molecule counts (``mirscope simulate``)."""
    out = d / f"cohort_{seed}_{reads}"
    assert main(["simulate", "--out", str(out), "--seed", str(seed)]
                + ["--reads-per-sample", str(reads)]) == 0  # fmt: skip
    return pd.read_csv(out / "truth/mature_molecules.tsv", sep="\t", index_col=0)


@pytest.fixture(scope="module")
def r_vst(tmp_path_factory):
    require_r("DESeq2")
    d = tmp_path_factory.mktemp("vst")
    counts = {name: simulate(**kw)[0] for name, kw in MATRICES.items()}
    counts["demo_cohort"] = _cohort_counts(d, 7, 20000)
    counts["cohort"] = _cohort_counts(d, 11, 1500)
    for name, frame in counts.items():
        frame.rename_axis("mirna").to_csv(d / f"{name}.tsv", sep="\t")
    (d / "vst.R").write_text(R_VST)
    proc = subprocess.run(
        ["Rscript", "vst.R", *counts], cwd=d, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {
        n: (
            counts[n],
            pd.read_csv(d / f"{n}_vst.tsv", sep="\t", index_col=0),
            (d / f"{n}_messages.txt").read_text(),
        )
        for n in counts
    }


def _max_rel(ours: pd.DataFrame, expected: pd.DataFrame) -> float:
    assert ours.index.tolist() == expected.index.tolist()
    assert ours.columns.tolist() == expected.columns.tolist()
    return float(
        np.max(np.abs(ours.to_numpy() - expected.to_numpy()) / np.abs(expected.to_numpy()))
    )


@pytest.mark.r
@pytest.mark.parametrize("name", [*MATRICES, "demo_cohort"])
def test_vst_equals_r(r_vst, name):
    counts, expected, messages = r_vst[name]
    assert "local regression fit was automatically substituted" not in messages
    rel = _max_rel(vst.vst(counts), expected)
    print(f"{name}: max relative difference to R {rel:.3g}")
    assert rel < 1e-6


@pytest.mark.r
def test_without_a_parametric_trend_vst_equals_r_local_fit(r_vst):
    counts, expected, messages = r_vst["cohort"]
    assert "local regression fit was automatically substituted" in messages
    with pytest.warns(MirscopeWarning, match="local"):
        ours = vst.vst(counts)
    rel = _max_rel(ours, expected)
    print(f"cohort (local fit): max relative difference to R {rel:.3g}")
    assert rel < 1e-6


def test_sparse_matrix_uses_poscounts_and_grid():
    counts = simulate(**MATRICES["sparse"])[0]
    assert normalize.resolve_size_factor_type(counts) == "poscounts"
    sf = normalize.size_factors(counts).to_numpy()
    disp = vst.gene_dispersions(counts.to_numpy(), sf)
    detected = (counts > 0).any(axis=1).to_numpy()
    assert np.isfinite(disp[detected]).all() and np.isnan(disp[~detected]).all()
    assert (disp == vst.MIN_DISP).any()  # rows whose estimate runs to -infinity


def test_all_zero_rows_are_kept_with_the_transform_of_zero():
    counts = simulate(**MATRICES["demo"])[0]
    out = vst.vst(counts)
    zero_rows = counts.index[(counts == 0).all(axis=1)]
    assert len(zero_rows) >= 2
    assert np.isnan(vst.gene_dispersions(counts.to_numpy(), np.ones(counts.shape[1]))[2])
    assert np.unique(out.loc[zero_rows].to_numpy()).size == 1


def test_vst_is_monotone_in_normalised_counts_and_near_log2_when_high():
    counts = simulate(**MATRICES["demo"])[0]
    out = vst.vst(counts)
    sf = normalize.size_factors(counts.loc[(counts > 0).any(axis=1)])
    q = counts / sf
    col = counts.columns[0]
    order = np.argsort(q[col].to_numpy(), kind="stable")
    assert np.all(np.diff(out[col].to_numpy()[order]) >= 0)
    high = q[col] > 1000
    assert high.any()
    assert np.allclose(out.loc[high, col], np.log2(q.loc[high, col]), atol=0.01)


def test_cpm_per_sample_column():
    counts = pd.DataFrame({"a": [1, 3, 0], "b": [0, 0, 0], "c": [5, 5, 10]}, index=list("xyz"))
    out = vst.cpm(counts)
    np.testing.assert_allclose(out["a"], [250000.0, 750000.0, 0.0])
    np.testing.assert_allclose(out["c"], [250000.0, 250000.0, 500000.0])
    assert out["b"].isna().all()
    assert out.index.tolist() == list("xyz")

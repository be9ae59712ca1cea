"""Patient clustering (Figure 1) and its clinical associations (mirscope.stats.cluster)."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import require_r
from mirscope.errors import InputError
from mirscope.inputs import outcomes as contrasts
from mirscope.stats import cluster


def planted(seed: int = 0, per_cluster=(8, 7, 6), n_mirna: int = 120) -> tuple[pd.DataFrame, dict]:
    """log2 table with three patient groups, each up-regulating its own 20-miRNA module."""
    rng = np.random.default_rng(seed)
    base = rng.normal(6, 2, n_mirna)[:, None]
    cols, truth = [], {}
    blocks = []
    for g, n in enumerate(per_cluster):
        block = base + rng.normal(0, 0.4, (n_mirna, n))
        block[20 * g : 20 * g + 20] += 2.5
        blocks.append(block)
        for _ in range(n):
            name = f"P{len(cols) + 1:02d}"
            cols.append(name)
            truth[name] = g
    data = np.concatenate(blocks, axis=1)
    order = rng.permutation(len(cols))  # patients shuffled
    cols = [cols[i] for i in order]
    return pd.DataFrame(data[:, order], index=[f"m{i}" for i in range(n_mirna)], columns=cols), {
        c: truth[c] for c in cols
    }


def test_planted_clusters_recovered():
    log2, truth = planted()
    result = cluster.cluster_patients(log2, 3)
    got = result.clusters
    # same partition: each true group maps to exactly one cluster and vice versa
    pairs = {(truth[s], got[s]) for s in got.index}
    assert len(pairs) == 3
    assert {c for _, c in pairs} == {"cluster_0", "cluster_1", "cluster_2"}
    # names follow the dendrogram's left-to-right order
    first = [got[s] for s in result.order]
    assert first[0] == "cluster_0"
    assert list(dict.fromkeys(first)) == ["cluster_0", "cluster_1", "cluster_2"]


def test_distance_is_one_minus_pearson_of_centred_rows():
    log2, _ = planted(1)
    result = cluster.cluster_patients(log2, 3)
    centred = log2.sub(log2.mean(axis=1), axis=0)
    r = np.corrcoef(centred.T.to_numpy())
    # the first merge joins the most correlated pair at height 1 - r
    i, j = np.unravel_index(np.argmax(r - 2 * np.eye(len(r))), r.shape)
    assert result.linkage[0, 2] == pytest.approx(1 - r[i, j], rel=1e-10)


@pytest.mark.r
def test_matches_r_hclust_complete(tmp_path):
    """Same clusters as R: hclust(as.dist(1 - cor(centred)), "complete"), cutree(k = 3)."""
    require_r()
    log2, _ = planted(2, per_cluster=(6, 6, 6), n_mirna=60)
    log2.rename_axis("mirna").to_csv(tmp_path / "log2.tsv", sep="\t")
    script = r"""
x <- as.matrix(read.delim("log2.tsv", row.names = 1, check.names = FALSE))
x <- x - rowMeans(x)
h <- hclust(as.dist(1 - cor(x)), method = "complete")
write.table(data.frame(s = colnames(x), k = cutree(h, k = 3)), "k.tsv", sep = "\t",
            quote = FALSE, row.names = FALSE)
writeLines(sprintf("%.15g", sort(h$height)), "h.txt")
"""
    (tmp_path / "c.R").write_text(script)
    proc = subprocess.run(["Rscript", "c.R"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    r_k = pd.read_csv(tmp_path / "k.tsv", sep="\t", index_col=0)["k"]
    ours = cluster.cluster_patients(log2, 3)
    np.testing.assert_allclose(
        np.sort(ours.linkage[:, 2]), np.loadtxt(tmp_path / "h.txt"), rtol=1e-9
    )
    pairs = {(r_k[s], ours.clusters[s]) for s in r_k.index}
    assert len(pairs) == 3


def test_associations_table_and_missing_counted():
    clusters = pd.Series(
        ["cluster_0"] * 6 + ["cluster_1"] * 6, index=[f"P{i:02d}" for i in range(12)]
    )
    clinical = pd.DataFrame(
        {
            "bridging": ["failure"] * 6 + ["none"] * 5 + [None],
            "crs_grade": ["2", "3", "2", "2", "2", "1", "0", "0", "1", "0", "0", "0"],
            "histology": ["LBCL"] * 12,
        },
        index=clusters.index,
    )
    table = cluster.associations(
        clusters,
        clinical,
        ["bridging=failure", "crs_ge2", "histology"],
        [contrasts.Contrast("crs_ge2", "crs_grade", "ge2")],
    )
    assert list(table.columns) == [
        "variable",
        "level",
        "n",
        "cluster_0",
        "cluster_1",
        "n_missing",
        "p_value",
    ]
    bridging = table[table.variable == "bridging=failure"].set_index("level")
    assert bridging.loc["yes", "cluster_0"] == 6 and bridging.loc["no", "cluster_1"] == 5
    assert (bridging["n_missing"] == 1).all()
    # table [[0, 5], [6, 0]]: only the observed table is this extreme; R fisher.test gives
    # 1 / choose(11, 5) = 0.0021645 (the mirror table has probability 6 / 462)
    assert bridging["p_value"].iloc[0] == pytest.approx(1 / 462, rel=1e-6)
    crs = table[table.variable == "crs_ge2"].set_index("level")
    assert crs.loc["yes", "cluster_0"] == 5 and crs.loc["yes", "cluster_1"] == 0
    assert np.isnan(table[table.variable == "histology"]["p_value"]).all()  # one level


@pytest.mark.parametrize(
    ("n_patients", "k", "message"),
    [(1, 3, "cannot cut 1 patient"), (2, 3, "cannot cut 2"), (5, 1, "at least 2")],
)
def test_degenerate_inputs(n_patients, k, message):
    rng = np.random.default_rng(0)
    log2 = pd.DataFrame(
        rng.normal(size=(10, n_patients)), columns=[f"P{i}" for i in range(n_patients)]
    )
    with pytest.raises(InputError, match=message):
        cluster.cluster_patients(log2, k)


def test_unknown_variable_names_allowed():
    clusters = pd.Series(["cluster_0", "cluster_1"], index=["a", "b"])
    clinical = pd.DataFrame({"sex": ["F", "M"]}, index=["a", "b"])
    with pytest.raises(InputError, match="column 'bridging'.*allowed: a clinical column"):
        cluster.associations(clusters, clinical, ["bridging=failure"])

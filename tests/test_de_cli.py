"""The DE-stage commands end to end, in-process: de, de-select, cluster, figures, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mirscope.cli import main
from mirscope.errors import MirscopeWarning

RESULT_HEADER = ["mirna", "baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj"]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """16 patients, 80 miRNAs: hsa-miR-up is 8x higher with CRS >= 2; one all-zero miRNA."""
    tmp = tmp_path_factory.mktemp("de_cli")
    rng = np.random.default_rng(11)
    n, g = 16, 80
    crs = np.array([0, 1, 2, 0, 3, 1, 2, 0, 2, 1, 0, 2, 3, 1, 0, 2])
    icans = np.array([0, 0, 1, 0, 2, 0, 0, 0, 1, 0, 0, 3, 0, 0, 0, 1])
    mu = np.exp(rng.normal(3, 1.5, g))[:, None] * np.exp(rng.normal(0, 0.2, n))
    mu[0] = mu[0] * np.where(crs >= 2, 8.0, 1.0)
    y = rng.negative_binomial(5, 5 / (5 + mu))
    y[1] = 0
    names = ["hsa-miR-up", "hsa-miR-zero"] + [f"hsa-miR-{i}" for i in range(2, g)]
    samples = [f"P{i:02d}" for i in range(1, n + 1)]
    counts = pd.DataFrame(y, index=names, columns=samples).sort_index()
    counts.rename_axis("mirna").to_csv(tmp / "counts.tsv", sep="\t")
    clinical = pd.DataFrame(
        {
            "sample_id": samples,
            "sex": ["F", "M"] * 8,
            "histology": ["LBCL"] * 12 + ["PMBCL"] * 4,
            "product": ["axi-cel", "tisa-cel"] * 8,
            "bridging": ["none", "failure", "response", "failure"] * 4,
            "crs_grade": crs,
            "icans_grade": icans,
            "response_3m": ["CR", "PD", "PR", "SD", "NE", "CR", "PD", "PR"] * 2,
        }
    )
    clinical.to_csv(tmp / "clinical.tsv", sep="\t", index=False)
    missing = clinical.copy().astype(object)
    missing.loc[3, "crs_grade"] = ""
    missing.to_csv(tmp / "clinical_missing.tsv", sep="\t", index=False)
    return tmp


def _run_de(cohort, out, *extra):
    return main(
        [
            "de",
            "--counts",
            str(cohort / "counts.tsv"),
            "--table",
            str(cohort / "clinical.tsv"),
            "--out",
            str(out),
            *extra,
        ]
    )


@pytest.fixture(scope="module")
def crs_de(cohort):
    out = cohort / "crs_ge2.tsv"
    assert _run_de(cohort, out, "--contrast", "crs_ge2:crs_grade:ge2") == 0
    return out


def test_de_output_columns_and_planted_hit(crs_de):
    df = pd.read_csv(crs_de, sep="\t")
    assert list(df.columns) == RESULT_HEADER
    row = df.set_index("mirna").loc["hsa-miR-up"]
    assert row["log2FoldChange"] > 2 and row["pvalue"] < 1e-4
    # an all-zero miRNA is not "detected" (min_samples 1): left out, no crash
    assert "hsa-miR-zero" not in set(df["mirna"]) and len(df) == 79
    assert df["mirna"].is_monotonic_increasing


def test_de_condition_reference_form_is_deterministic(cohort, crs_de):
    """--condition/--reference on a derived column gives the same bytes as --contrast."""
    table = pd.read_csv(cohort / "clinical.tsv", sep="\t")
    table["grp"] = np.where(table["crs_grade"] >= 2, "case", "control")
    table.to_csv(cohort / "clinical_grp.tsv", sep="\t", index=False)
    out = cohort / "cond.tsv"
    args = ["--condition", "grp", "--reference", "control"]
    code = main(
        [
            "de",
            "--counts",
            str(cohort / "counts.tsv"),
            "--table",
            str(cohort / "clinical_grp.tsv"),
            "--out",
            str(out),
            *args,
        ]
    )
    assert code == 0
    assert out.read_bytes() == crs_de.read_bytes()


def test_missing_values_are_excluded_and_counted(cohort):
    out = cohort / "missing.tsv"
    with pytest.warns(MirscopeWarning, match="1 of 16 patients excluded"):
        code = main(
            [
                "de",
                "--counts",
                str(cohort / "counts.tsv"),
                "--table",
                str(cohort / "clinical_missing.tsv"),
                "--contrast",
                "crs_ge2:crs_grade:ge2",
                "--out",
                str(out),
            ]
        )
    assert code == 0
    assert out.exists()


@pytest.mark.parametrize(
    ("contrast", "message"),
    [
        ("icans_ge2:icans_grade:ge2", "has 2 case and 14 control patients"),
        ("x:crs_grade:gt9", "unknown rule"),
        ("x:no_such_column:ge2", "column 'no_such_column'"),
    ],
)
def test_degenerate_contrasts_exit_1(cohort, capsys, contrast, message):
    out = cohort / "bad.tsv"
    assert _run_de(cohort, out, "--contrast", contrast) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_single_sample_cohort_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "c.tsv").write_text("mirna\tP01\nx\t3\ny\t5\n")
    (tmp_path / "t.tsv").write_text("sample_id\tcrs_grade\nP01\t2\n")
    args = ["de", "--counts", str(tmp_path / "c.tsv"), "--table", str(tmp_path / "t.tsv")]
    code = main([*args, "--contrast", "crs_ge2:crs_grade:ge2", "--out", str(tmp_path / "o")])
    assert code == 1
    assert "each group needs at least 3" in capsys.readouterr().err


def test_sample_missing_from_table(tmp_path, capsys):
    (tmp_path / "c.tsv").write_text("mirna\tP01\tP02\nx\t3\t4\n")
    (tmp_path / "t.tsv").write_text("sample_id\tcrs_grade\nP01\t2\n")
    args = ["de", "--counts", str(tmp_path / "c.tsv"), "--table", str(tmp_path / "t.tsv")]
    assert main([*args, "--condition", "crs_grade", "--reference", "2", "--out", "o.tsv"]) == 1
    assert "row P02, column 'sample_id'" in capsys.readouterr().err


def test_select_heatmap_volcano_cluster(cohort, crs_de, tmp_path):
    table = tmp_path / "supp_table2a_crs_de.tsv"
    assert main(["de-select", "--de", str(crs_de), "--out", str(table)]) == 0
    sel = pd.read_csv(table, sep="\t")
    assert list(sel.columns) == [*RESULT_HEADER, "direction"]
    assert "hsa-miR-up" in set(sel["mirna"])
    assert (sel["log2FoldChange"].abs() > 1).all() and (sel["pvalue"] < 0.05).all()
    assert sel["pvalue"].is_monotonic_increasing

    log2 = cohort / "log2.tsv"
    norm = cohort / "norm.tsv"
    args = ["normalize", "--counts", str(cohort / "counts.tsv"), "--out", str(norm)]
    assert main([*args, "--log2-out", str(log2)]) == 0

    fig2 = tmp_path / "fig2a_crs_de_heatmap.png"
    code = main(
        [
            "de-heatmap",
            "--log2",
            str(log2),
            "--clinical",
            str(cohort / "clinical.tsv"),
            "--de",
            str(crs_de),
            "--contrast",
            "crs_ge2:crs_grade:ge2",
            "--out",
            str(fig2),
        ]
    )
    assert code == 0
    assert fig2.stat().st_size > 10_000 and fig2.with_suffix(".pdf").exists()

    volcano = tmp_path / "volcano_crs_ge2.png"
    assert main(["volcano", "--de", str(crs_de), "--out", str(volcano)]) == 0
    assert volcano.exists() and volcano.with_suffix(".pdf").exists()

    clusters, assoc, fig1 = (tmp_path / x for x in ("clusters.tsv", "assoc.tsv", "fig1.png"))
    code = main(
        [
            "cluster",
            "--log2",
            str(log2),
            "--clinical",
            str(cohort / "clinical.tsv"),
            "--contrast",
            "crs_ge2:crs_grade:ge2",
            "--contrast",
            "icans:icans_grade:gt0",
            "--clusters-out",
            str(clusters),
            "--associations-out",
            str(assoc),
            "--figure",
            str(fig1),
        ]
    )
    assert code == 0
    cl = pd.read_csv(clusters, sep="\t")
    assert list(cl.columns) == ["sample_id", "cluster", "order"]
    assert len(cl) == 16 and set(cl["cluster"]) == {"cluster_0", "cluster_1", "cluster_2"}
    a = pd.read_csv(assoc, sep="\t")
    assert set(a["variable"]) == {"bridging=failure", "crs_ge2", "icans", "histology", "product"}
    assert a["p_value"].between(0, 1).all()
    assert fig1.exists() and fig1.with_suffix(".pdf").exists()


@pytest.mark.slow
def test_workflow_rules_on_simulated_counts(tmp_path, repo_root):
    """The diffexp.smk rules end to end on a small simulated cohort's true counts."""
    import os
    import shutil
    import subprocess
    import sys

    from mirscope.simulate import simulate_cohort

    simulate_cohort(tmp_path / "cohort", 3, n_patients=20, reads_per_sample=500)
    outdir = tmp_path / "results"
    (outdir / "counts").mkdir(parents=True)
    shutil.copy(
        tmp_path / "cohort" / "truth" / "mature_molecules.tsv",
        outdir / "counts" / "mature_umi_counts.tsv",
    )
    (tmp_path / "config.yaml").write_text(
        f"samples: {tmp_path / 'cohort' / 'samples.tsv'}\n"
        f"clinical: {tmp_path / 'cohort' / 'clinical.tsv'}\n"
        f"outdir: {outdir}\n"
        "de:\n  contrasts:\n"
        "    - {name: crs_ge2, variable: crs_grade, rule: ge2}\n"
        "    - {name: icans, variable: icans_grade, rule: gt0}\n"
        # the models draw their miRNAs from the contrast of the same name
        "models:\n  toxicity_models: [crs_ge2, icans]\n  response_models: []\n"
    )
    targets = [
        "tables/supp_table2a_crs_de.tsv",
        "tables/supp_table2b_icans_de.tsv",
        "tables/clusters.tsv",
        "tables/cluster_associations.tsv",
        "figures/fig1_clustering_heatmap.pdf",
        "figures/fig2a_crs_de_heatmap.png",
        "figures/fig2b_icans_de_heatmap.png",
        "figures/volcano_crs_ge2.png",
        "figures/volcano_icans.pdf",
        "counts/mature_normalized.tsv",
    ]
    rules = [
        "mirscope_clinical",
        "mirscope_normalize",
        "pydeseq2_wald",
        "mirscope_de_table2",
        "mirscope_cluster",
        "mirscope_de_heatmap",
        "mirscope_volcano",
    ]
    bindir = os.path.dirname(sys.executable)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    proc = subprocess.run(
        [
            os.path.join(bindir, "snakemake"),
            "-s",
            str(repo_root / "Snakefile"),
            "--directory",
            str(tmp_path),
            "--configfile",
            str(tmp_path / "config.yaml"),
            "--cores",
            "2",
            "--allowed-rules",
            *rules,
            "--",
            *[str(outdir / t) for t in targets],
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for t in targets:
        assert (outdir / t).stat().st_size > 0, t
    t2a = pd.read_csv(outdir / "tables/supp_table2a_crs_de.tsv", sep="\t")
    assert list(t2a.columns) == [*RESULT_HEADER, "direction"]
    assert (outdir / "logs" / "pydeseq2_wald" / "crs_ge2.log").exists()

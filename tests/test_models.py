"""The configured models end to end on a simulated cohort: planted predictors recovered,
tables/figures written, byte-identical reruns, CLI and the Snakemake rules."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mirscope.cli import main
from mirscope.errors import MirscopeWarning
from mirscope.inputs.clinical import read_clinical
from mirscope.inputs.outcomes import DEFAULT_CONTRASTS, Contrast, classify

REPO = Path(__file__).resolve().parents[1]
FAST = {"resamples": 20, "nested_resamples": 3}
MODELS = {"toxicity_models": ["crs_ge2"], "response_models": ["response_3m"]}


def make_cohort(out: Path, seed: int = 7, depth: float = 3e5) -> pd.DataFrame:
    """Clinical table, normalized counts and stand-in DE tables from the project's simulator.

    No reads: counts are Poisson draws around the simulated expected abundances, and the DE
    tables come from a Mann-Whitney test with BH, so this test does not depend on the DE
    stage. Returns the planted effects.
    """
    from mirscope.simulate import _CLINICAL, _EXPRESSION, cohort_model, sample_ids_for
    from mirscope.simulate.clinical import simulate_clinical
    from mirscope.simulate.expression import expected_abundance

    _, profile = cohort_model(seed)
    ids = sample_ids_for(53)
    clin = simulate_clinical(np.random.default_rng([seed, _CLINICAL]), ids)
    props = expected_abundance(
        profile, clin.latent.set_index("sample_id"), np.random.default_rng([seed, _EXPRESSION])
    )
    counts = np.random.default_rng([seed, 99]).poisson(props * depth).astype(float)
    norm = pd.DataFrame(counts, index=pd.Index(profile.names, name="mirna"), columns=ids)
    norm = norm[norm.mean(axis=1) >= 5].sort_index()
    (out / "counts").mkdir(parents=True)
    (out / "de").mkdir()
    norm.to_csv(out / "counts" / "mature_normalized.tsv", sep="\t")
    norm.astype(int).to_csv(out / "counts" / "mature_umi_counts.tsv", sep="\t")
    clin.table.to_csv(out / "clinical.tsv", sep="\t", index=False)
    clinical = read_clinical(str(out / "clinical.tsv"))
    logn = np.log2(norm + 1)
    for c in DEFAULT_CONTRASTS:
        lab = classify(clinical, Contrast.from_config(c)).dropna()
        case, ctrl = list(lab.index[lab == "case"]), list(lab.index[lab == "control"])
        p = stats.mannwhitneyu(logn[case], logn[ctrl], axis=1).pvalue
        lfc = (logn[case].mean(axis=1) - logn[ctrl].mean(axis=1)).to_numpy()
        de = pd.DataFrame(
            {
                "mirna": norm.index,
                "baseMean": norm.mean(axis=1).to_numpy(),
                "log2FoldChange": lfc,
                "lfcSE": 0.3,
                "stat": lfc / 0.3,
                "pvalue": p,
                "padj": stats.false_discovery_control(p),
            }
        )
        de.to_csv(out / "de" / f"{c['name']}.tsv", sep="\t", index=False)
    return profile.effects


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    base = tmp_path_factory.mktemp("cohort")
    effects = make_cohort(base)
    return base, effects


def _run(base: Path, tag: str) -> Path:
    out = base / tag
    settings = json.dumps({**FAST, **MODELS})
    args = ["models", "--clinical", str(base / "clinical.tsv")]
    args += ["--normalized", str(base / "counts" / "mature_normalized.tsv")]
    args += ["--counts", str(base / "counts" / "mature_umi_counts.tsv")]
    args += ["--de-dir", str(base / "de"), "--settings", settings, "--seed", "7"]
    args += ["--outdir", str(out / "tables"), "--figdir", str(out / "figures")]
    # Separation and events-per-variable notes may come or not: the demo's effects have the
    # paper's size, so whether a fit separates depends on the draw, not on the code.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MirscopeWarning)
        assert main(args) == 0
    return out


@pytest.fixture(scope="module")
def run(cohort):
    base, _ = cohort
    return _run(base, "run1")


def test_planted_predictors_recovered(cohort, run):
    _, effects = cohort
    tox = pd.read_csv(run / "tables" / "toxicity_models.tsv", sep="\t")
    planted_crs = set(effects.loc[effects.contrast == "crs_ge2", "target"])
    crs = tox.set_index("model").loc["crs_ge2"]
    assert set(crs["predictors"].split(",")) & planted_crs
    assert 0.5 < crs["loocv_accuracy"] <= 1 and 0 <= crs["nested_accuracy"] <= 1
    t1 = pd.read_csv(run / "tables" / "table1_response_models.tsv", sep="\t")
    assert list(t1.columns) == [
        "model", "predictor", "coefficient", "p_value", "accuracy", "nested_accuracy",
        "resample_frequency", "loocv_frequency", "stable",
    ]  # fmt: skip
    planted_r3 = set(effects.loc[effects.contrast == "response_3m", "target"])
    # Table 1's other two predictors are planted through the clinical simulation (the
    # product's and the latent miR-542-5p burden's weights on the response liability).
    planted_r3 |= {"hsa-miR-542-5p", "product_tisa_cel"}
    assert set(t1["predictor"]) & planted_r3
    assert t1["accuracy"].notna().sum() == 1  # accuracy on the model's first row, as Table 1


def test_outputs_complete_and_deterministic(cohort, run):
    base, _ = cohort
    again = _run(base, "run2")
    tables = sorted(p.relative_to(run) for p in (run / "tables").rglob("*.tsv"))
    assert len(tables) == 5 + 2 * 3
    for rel in tables:
        assert (run / rel).read_bytes() == (again / rel).read_bytes(), rel
    for model in ("crs_ge2", "response_3m"):
        for kind in ("selection", "roc", "forest"):
            for ext in ("png", "pdf"):
                assert (run / "figures" / f"{model}_{kind}.{ext}").stat().st_size > 1000


def test_predictions_and_coefficients_tables(run):
    pred = pd.read_csv(run / "tables" / "models" / "crs_ge2_predictions.tsv", sep="\t")
    coef = pd.read_csv(run / "tables" / "models" / "crs_ge2_coefficients.tsv", sep="\t")
    assert list(pred.columns) == [
        "sample_id", "outcome", "loocv_probability", "nested_probability", "nested_predictors",
        "nested_candidates",
    ]  # fmt: skip
    # each fold's DE pre-filter ran without its patient, so the candidates vary by fold
    assert pred["nested_candidates"].nunique() > 1
    assert len(pred) == 53 and pred["outcome"].sum() == 16
    assert coef["method"].iloc[0] in ("ml", "firth")
    assert np.isfinite(coef["estimate"]).all()
    assert set(coef["term"][1:]) == set(pd.read_csv(
        run / "tables" / "toxicity_models.tsv", sep="\t"
    ).loc[0, "predictors"].split(","))  # fmt: skip


def test_published_models_refit_the_papers_predictors(cohort, run):
    """Fixed predictors on the normalised-count scale, non-response = 1, LOOCV by hand;
    the paper comparison fills every Table 1 row from it."""
    import statsmodels.api as sm

    from mirscope.report.paper import NOT_COMPUTED, compare
    from mirscope.stats.validation import classification_metrics

    base, _ = cohort
    pub = pd.read_csv(run / "tables" / "published_models.tsv", sep="\t")
    assert list(pub["predictor"][pub["model"] == "response_12m"]) == [
        "(Intercept)", "hsa-miR-143-3p", "hsa-miR-542-3p", "hsa-miR-542-5p"
    ]  # fmt: skip
    clinical = read_clinical(str(base / "clinical.tsv"))
    norm = pd.read_csv(base / "counts" / "mature_normalized.tsv", sep="\t", index_col=0)
    resp = clinical["response_12m"]
    keep = resp.isin(["CR", "PR", "SD", "PD"])
    y = (~resp[keep].isin(["CR", "PR"])).astype(float)  # non-response = 1
    x = norm.loc[["hsa-miR-143-3p", "hsa-miR-542-3p", "hsa-miR-542-5p"], y.index].T
    glm = sm.Logit(y.to_numpy(), sm.add_constant(x.to_numpy())).fit(disp=0)
    ours = pub[pub["model"] == "response_12m"]
    np.testing.assert_allclose(ours["coefficient"], glm.params, rtol=1e-5)
    np.testing.assert_allclose(ours["p_value"], glm.pvalues, rtol=1e-4)
    assert ours["n"].iloc[0] == len(y) and ours["events"].iloc[0] == int(y.sum())
    probs = []
    for i in range(len(y)):
        rest = np.arange(len(y)) != i
        fit = sm.Logit(y.to_numpy()[rest], sm.add_constant(x.to_numpy())[rest]).fit(disp=0)
        probs.append(fit.predict(sm.add_constant(x.to_numpy())[[i]])[0])
    acc = classification_metrics(y.to_numpy(), np.array(probs))["accuracy"]
    assert ours["loocv_accuracy"].iloc[0] == pytest.approx(acc)
    assert (ours["nested_accuracy"] == ours["loocv_accuracy"]).all()
    assert set(pub.loc[pub["model"] == "response_3m", "term"]) >= {"product_tisa_cel"}
    table = compare(run).set_index("quantity")
    for quantity in (
        "response_3m Product coefficient",
        "response_3m hsa_let_7d_3p p-value",
        "response_12m hsa_miR_143_3p coefficient",
        "response_12m hsa_miR_542_5p p-value",
        "response_12m published model accuracy, LOOCV",
    ):
        assert table.loc[quantity, "reanalysis_value"] != NOT_COMPUTED, quantity
    value = float(table.loc["response_12m hsa_miR_542_5p coefficient", "reanalysis_value"])
    assert value == pytest.approx(ours["coefficient"].iloc[3], rel=2e-3)


def test_unknown_setting_is_one_line_error(cohort, tmp_path, capsys):
    base, _ = cohort
    args = ["models", "--clinical", str(base / "clinical.tsv")]
    args += ["--normalized", str(base / "counts" / "mature_normalized.tsv")]
    args += ["--counts", str(base / "counts" / "mature_umi_counts.tsv")]
    args += ["--de-dir", str(base / "de"), "--settings", '{"resample": 3}']
    args += ["--outdir", str(tmp_path)]
    assert main(args) == 1
    assert "did you mean 'resamples'" in capsys.readouterr().err


def test_associations_cli(cohort, tmp_path):
    base, _ = cohort
    groups, corr = tmp_path / "g.tsv", tmp_path / "c.tsv"
    args = ["associations", "--clinical", str(base / "clinical.tsv")]
    args += ["--normalized", str(base / "counts" / "mature_normalized.tsv")]
    args += ["--out-groups", str(groups), "--out-correlations", str(corr)]
    assert main(args) == 0
    g = pd.read_csv(groups, sep="\t")
    assert g.loc[0, "mirna"] == "hsa-miR-1290" and g.loc[0, "n_case"] == 14
    c = pd.read_csv(corr, sep="\t")
    assert list(c["variable"]) == ["ldh", "ccfdna", "pmn_mdsc"]
    assert (c["rho"] > 0).all()  # planted positive correlations


@pytest.mark.slow
def test_snakemake_rules_build_the_tables(cohort, tmp_path):
    base, _ = cohort
    fq = tmp_path / "fq"
    fq.mkdir()
    clinical = read_clinical(str(base / "clinical.tsv"))
    import gzip

    rows = []
    for sid in clinical.index:
        path = fq / f"{sid}.fastq.gz"
        with gzip.open(path, "wt") as fh:
            fh.write("@r\nACGTACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIIIIIII\n")
        os.utime(path, (1_500_000_000, 1_500_000_000))  # older than the copied inputs
        rows.append(f"{sid}\t{path}")
    (tmp_path / "samples.tsv").write_text("sample_id\tfastq\n" + "\n".join(rows) + "\n")
    out = tmp_path / "out"
    shutil.copytree(base / "counts", out / "counts")
    shutil.copytree(base / "de", out / "de")
    cfg = {
        "samples": str(tmp_path / "samples.tsv"),
        "clinical": str(base / "clinical.tsv"),
        "outdir": str(out),
        "models": {**FAST, **MODELS},
    }
    (tmp_path / "cfg.yaml").write_text(json.dumps(cfg))
    targets = [
        out / "tables" / name
        for name in ("supp_table1a_overall.tsv", "table1_response_models.tsv", "correlations.tsv")
    ]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    res = subprocess.run(
        [str(Path(sys.executable).parent / "snakemake"), "--cores", "2", *map(str, targets),
         "--allowed-rules", "mirscope_clinical", "mirscope_clinical_tables", "mirscope_models",
         "mirscope_associations", "--configfile", str(tmp_path / "cfg.yaml")],
        cwd=REPO, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    for t in targets:
        assert t.stat().st_size > 0


def test_response_candidates_are_every_expressed_mirna(cohort, run):
    """The paper's response procedure: weighted LASSO over all expressed miRNAs and the
    clinical variables, with no DE pre-filter; toxicity keeps the DE candidates."""
    base, _ = cohort
    norm = pd.read_csv(base / "counts" / "mature_normalized.tsv", sep="\t", index_col=0)
    expressed = norm.index[(norm >= 5).mean(axis=1) >= 0.2]  # the documented default filter
    sel = pd.read_csv(run / "tables" / "models" / "response_3m_selection.tsv", sep="\t")
    offered = set(sel.loc[sel["frequency"].notna(), "variable"])
    assert offered >= set(expressed)
    assert not offered & set(norm.index.difference(expressed))
    de = pd.read_csv(base / "de" / "response_3m.tsv", sep="\t")
    hits = de[(de["log2FoldChange"].abs() > 1) & (de["pvalue"] < 0.05)]
    assert len(offered) > len(hits) + 7  # far more than the DE set plus the covariates
    crs = pd.read_csv(run / "tables" / "models" / "crs_ge2_selection.tsv", sep="\t")
    assert crs["frequency"].notna().sum() <= 30 + 2  # max_mirnas DE miRNAs + sex, CRP


def test_every_predictor_carries_its_stability(run):
    """Resample and LOOCV-fold frequencies of each final predictor in the main tables, the
    coefficients and the selection table, the same numbers everywhere."""
    summary = pd.read_csv(run / "tables" / "toxicity_models.tsv", sep="\t").iloc[0]
    preds = summary["predictors"].split(",")
    res = [float(v) for v in str(summary["resample_frequency"]).split(",")]
    loo = [float(v) for v in str(summary["loocv_frequency"]).split(",")]
    assert len(res) == len(loo) == len(preds)
    sel = pd.read_csv(
        run / "tables" / "models" / "crs_ge2_selection.tsv", sep="\t", index_col="variable"
    )
    coef = pd.read_csv(run / "tables" / "models" / "crs_ge2_coefficients.tsv", sep="\t")
    coef = coef.set_index("term").drop(index="(Intercept)")
    pred = pd.read_csv(run / "tables" / "models" / "crs_ge2_predictions.tsv", sep="\t")
    for p, r, lo in zip(preds, res, loo, strict=True):
        assert 0 <= r <= 1 and 0 <= lo <= 1
        assert sel.loc[p, "resample_frequency"] == pytest.approx(r, abs=0.005)
        assert coef.loc[p, "loocv_frequency"] == pytest.approx(lo, abs=0.005)
        assert coef.loc[p, "stable"] in ("yes", "no")
    unstable = set(str(summary["unstable"]).split(",")) - {"nan", ""}
    assert unstable == set(coef.index[coef["stable"] == "no"])
    # LOOCV fold frequency counted independently from the predictions table's folds
    # (a fold's fitted terms; selection and fit agree unless a fit drops a term)
    for p in preds:
        share = pred["nested_predictors"].fillna("").str.split(",").map(lambda t, p=p: p in t)
        assert coef.loc[p, "loocv_frequency"] == pytest.approx(share.mean(), abs=0.05)


def test_methods_as_run_quote_the_paper(run):
    """Every step of the models beside the paper's sentence, quoted verbatim (or 'not in
    the paper')."""
    methods = pd.read_csv(run / "tables" / "models_methods.tsv", sep="\t")
    assert {"candidates", "expression filter", "weighted LASSO", "stability"} <= set(
        methods["step"]
    )
    paper = REPO.parent / "shared" / "papers" / "000_c2a2785a7673eb59.txt"
    if not paper.exists():
        pytest.skip("../shared/papers is not beside this clone")
    text = " ".join(paper.read_text().split())
    for quote in methods["paper"]:
        if quote.startswith("not in the paper"):
            continue
        sentence = quote.rsplit(" (", 1)[0]
        for part in sentence.split(" ... "):
            assert part in text, part

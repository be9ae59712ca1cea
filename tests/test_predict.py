"""Model files, ``mirscope predict`` and external validation on simulated cohorts.

A cohort is trained on the demo's truth (seed 7, drawn without FASTQ files by
``scripts/calibrate_demo.py``'s ``draw_cohort``) and validated on an independent cohort
with the same design and truth (patients of seed 8, profile of seed 7): the models whose
miRNAs are all planted discriminate (DeLong CI above 0.5), and with the outcomes
permuted every model's CI covers 0.5. A training patient scored again gets the
probability of the training fit.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mirscope.cli import main
from mirscope.io import write_tsv
from mirscope.stats import modelfile as mf

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
TRAIN_SEED, VALIDATION_SEED, NULL_SEED = 7, 8, 9_001
MODELS = ("crs_ge2", "icans", "icans_ge2", "response_3m", "response_12m")


def _load(name: str):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The models stage's tables for the training cohort, and its model files."""
    import warnings

    from mirscope.stages.models import write_model_tables
    from mirscope.stats.models import TOXICITY, published_models, summary_columns
    from mirscope.stats.validation import summary_row

    calib = _load("calibrate_demo")
    work = tmp_path_factory.mktemp("train")
    (work / "de").mkdir()
    cohort = calib.draw_cohort(TRAIN_SEED)
    cfg = calib.completed_config(calib.demo_config(work, work))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = calib.analyse(cohort.clinical, cohort.molecules, cfg, work)
    tables = work / "tables"
    for res in analysis.models.values():
        write_model_tables(res, tables / "models")
    for path, names in (
        ("toxicity_models.tsv", [n for n in MODELS if n in TOXICITY]),
        ("response_models_summary.tsv", [n for n in MODELS if n not in TOXICITY]),
    ):
        rows = [summary_row(analysis.models[n]) for n in names]
        write_tsv(pd.DataFrame(rows, columns=summary_columns()), tables / path)
    published = published_models(cohort.clinical, analysis.normalized, cfg["models"]["published"])
    write_tsv(published, tables / "published_models.tsv")
    counts = work / "counts.tsv"
    write_tsv(cohort.molecules.rename_axis("mirna").reset_index(), counts)
    write_tsv(cohort.clinical.reset_index(), work / "clinical.tsv")
    params = {
        "toxicity_models": list(cfg["models"]["toxicity_models"]),
        "response_models": list(cfg["models"]["response_models"]),
        "mirna_scale": cfg["models"]["mirna_scale"],
        "config_digest": mf.config_digest(cfg),
        "preset": "qiaseq",
    }
    argv = ["model-files", "--counts", str(counts), "--tables", str(tables)]
    argv += ["--outdir", str(work / "models"), "--params", json.dumps(params)]
    assert main(argv) == 0
    return {"work": work, "cohort": cohort, "analysis": analysis, "cfg": cfg}


def _files(trained) -> list[str]:
    return sorted(str(p) for p in (trained["work"] / "models").glob("*.model.yaml"))


def _predict(trained, counts, clinical, out: Path, *extra: str) -> int:
    argv = ["predict", *[a for f in _files(trained) for a in ("--model", f)]]
    argv += ["--counts", str(counts), "--outdir", str(out)]
    if clinical is not None:
        argv += ["--clinical", str(clinical)]
    return main([*argv, *extra])


def test_model_files_written_and_documented(trained):
    names = {Path(f).name.removesuffix(".model.yaml") for f in _files(trained)}
    expected = {*MODELS, "published_response_3m_refit", "published_response_12m_refit"}
    assert names == expected | {"paper_response_3m", "paper_response_12m", "paper_s1_cutoff"}
    crs = mf.load_model(trained["work"] / "models" / "crs_ge2.model.yaml")
    assert crs["normalization"]["method"] == "reference"
    assert crs["normalization"]["size_factor_type"] in ("ratio", "poscounts")
    assert len(crs["normalization"]["geo_means"]) > 10
    assert crs["outcome"]["coding"].startswith("crs_grade: grade >= 2 = 1")
    assert crs["training"]["n"] == 53 and crs["provenance"]["config_digest"]
    paper = mf.load_model(trained["work"] / "models" / "paper_response_3m.model.yaml")
    assert paper["intercept"] is None and paper["outcome"]["coded_1"] == "control"
    assert any("no intercept" in a for a in paper["assumptions"])
    s1 = mf.load_model(trained["work"] / "models" / "paper_s1_cutoff.model.yaml")
    assert s1["kind"] == "cutoff" and s1["threshold"] == 5.5


def test_training_patient_scored_again_gets_the_training_probability(trained, tmp_path):
    """Size factor against the reference, scale, encodings and coefficients reproduce the
    training fit (to the 10 significant digits the coefficient tables keep)."""
    from mirscope.stats.design import model_frame, scale_mirnas

    work, analysis = trained["work"], trained["analysis"]
    assert _predict(trained, work / "counts.tsv", work / "clinical.tsv", tmp_path) == 0
    mirnas = scale_mirnas(analysis.normalized, trained["cfg"]["models"]["mirna_scale"])
    for name, res in analysis.models.items():
        scored = pd.read_csv(tmp_path / f"{name}_predictions.tsv", sep="\t", dtype=str)
        scored = scored.set_index("sample_id").astype(float)
        clinical_terms = [t for t in res.fit.terms[1:] if t not in mirnas.columns]
        columns = [mf.term_column(t) for t in clinical_terms]
        frame, _ = model_frame(trained["cohort"].clinical, mirnas, name, columns)
        fitted = res.fit.predict_proba(frame.loc[res.sample_ids])
        np.testing.assert_allclose(
            scored.loc[res.sample_ids, "probability"], fitted, rtol=0, atol=1e-8
        )


def _validation_cohort(trained, tmp_path, *, permute: bool) -> tuple[Path, Path]:
    calib = _load("calibrate_demo")
    cohort = calib.draw_cohort(VALIDATION_SEED, profile_seed=TRAIN_SEED)
    clinical = cohort.clinical.copy()
    if permute:
        rng = np.random.default_rng(NULL_SEED)
        for cols in (
            ["crs_grade", "crs_onset_days"],
            ["icans_grade", "icans_onset_days"],
            ["response_3m"],
            ["response_12m"],
        ):
            known = np.flatnonzero(clinical[cols[0]].notna().to_numpy())
            clinical.iloc[known, [clinical.columns.get_loc(c) for c in cols]] = clinical.iloc[
                rng.permutation(known)
            ][cols].to_numpy()
    counts, clin = tmp_path / "counts.tsv", tmp_path / "clinical.tsv"
    write_tsv(cohort.molecules.rename_axis("mirna").reset_index(), counts)
    write_tsv(clinical.reset_index(), clin)
    return counts, clin


def test_external_validation_on_another_seed(trained, tmp_path):
    recovery = _load("recovery_demo")
    tables = {}
    for kind in ("validation", "null"):
        counts, clin = _validation_cohort(trained, tmp_path / kind, permute=kind == "null")
        out = tmp_path / kind / "validation.tsv"
        extra = ["--validation", str(out), "--decision-curve", str(tmp_path / kind / "dc.tsv")]
        extra += ["--calibration", str(tmp_path / kind / "cal.tsv")]
        extra += ["--figdir", str(tmp_path / kind / "fig")]
        assert _predict(trained, counts, clin, tmp_path / kind / "pred", *extra) == 0
        tables[kind] = pd.read_csv(out, sep="\t").set_index("model")
    print(tables["validation"].drop(columns="notes").round(3).to_string())
    mirnas = set(trained["cohort"].molecules.index)
    planted = []
    for name, res in trained["analysis"].models.items():
        chosen = [p for p in res.predictors if p in mirnas]
        if chosen and set(chosen) <= recovery.planted_for(trained["cohort"].effects, name):
            planted.append(name)
    assert planted, "no model chose only planted miRNAs: the test would check nothing"
    for name in planted:
        assert tables["validation"].at[name, "auc_ci_low"] > 0.5, name
    null = tables["null"].dropna(subset=["auc"])
    assert len(null) >= len(MODELS)
    assert ((null["auc_ci_low"] < 0.5) & (null["auc_ci_high"] > 0.5)).all(), null
    assert (tmp_path / "validation" / "fig" / "calibration.png").stat().st_size > 0


def test_missing_mirna_is_one_line_error(trained, tmp_path, capsys):
    counts = pd.read_csv(trained["work"] / "counts.tsv", sep="\t")
    model = mf.load_model(trained["work"] / "models" / "crs_ge2.model.yaml")
    gone = next(p["mirna"] for p in model["predictors"] if p["type"] == "mirna")
    write_tsv(counts[counts["mirna"] != gone], tmp_path / "c.tsv")
    argv = ["predict", "--model", str(trained["work"] / "models" / "crs_ge2.model.yaml")]
    argv += ["--counts", str(tmp_path / "c.tsv"), "--outdir", str(tmp_path / "o")]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and gone in err and "lacks a miRNA" in err


def test_newer_format_is_one_line_error(trained, tmp_path, capsys):
    text = (trained["work"] / "models" / "icans.model.yaml").read_text()
    (tmp_path / "m.yaml").write_text(text.replace("format_version: 1", "format_version: 2"))
    argv = ["predict", "--model", str(tmp_path / "m.yaml")]
    argv += ["--counts", str(trained["work"] / "counts.tsv"), "--outdir", str(tmp_path / "o")]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "version 2 is newer" in err


def test_validation_without_outcomes_is_one_line_error(trained, tmp_path, capsys):
    clinical = pd.read_csv(trained["work"] / "clinical.tsv", sep="\t", dtype=str)
    clinical = clinical.drop(columns=["response_3m", "response_12m"])
    clinical.to_csv(tmp_path / "clin.tsv", sep="\t", index=False)
    argv = ["predict", "--model", str(trained["work"] / "models" / "response_3m.model.yaml")]
    argv += ["--counts", str(trained["work"] / "counts.tsv"), "--outdir", str(tmp_path / "o")]
    argv += ["--clinical", str(tmp_path / "clin.tsv"), "--validation", str(tmp_path / "v.tsv")]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "response_3m" in err
    argv = ["predict", "--model", str(trained["work"] / "models" / "icans.model.yaml")]
    argv += ["--counts", str(trained["work"] / "counts.tsv"), "--outdir", str(tmp_path / "o")]
    assert main([*argv, "--validation", str(tmp_path / "v.tsv")]) == 1
    assert "give --clinical" in capsys.readouterr().err


def test_s1_cutoff_classes_at_the_threshold():
    models = mf.paper_models(provenance={})
    s1 = models["paper_s1_cutoff"]
    from mirscope.stats.scoring import score_cohort

    counts = pd.DataFrame(
        {"A": [11, 100, 50], "B": [5, 100, 50]},
        index=["hsa-miR-542-5p", "hsa-miR-1", "hsa-miR-2"],
    )
    scores = score_cohort(s1, counts)
    # equal size factors (the two samples differ only in miR-542-5p among three miRNAs)
    assert list(scores["predicted_class"]) == [int(v >= 5.5) for v in scores["linear_predictor"]]
    assert scores["probability"].isna().all()


def test_paper_product_coding_agrees_with_the_planted_direction():
    """Table 1's Product is coded axi-cel = 1: with non-response coded 1 its negative
    coefficient says axi-cel patients respond more often, the direction the simulator
    plants (and the pivotal trials report)."""
    from mirscope.simulate.clinical import CLINICAL_EFFECTS

    model = mf.paper_models(provenance={})["paper_response_3m"]
    product = next(p for p in model["predictors"] if p["type"] == "clinical")
    assert product["encoding"]["levels"] == {"axi-cel": 1.0, "tisa-cel": 0.0}
    assert model["outcome"]["coded_1"] == "control"  # 1 = non-response
    planted = {(t, c): d for t, c, d, _ in CLINICAL_EFFECTS}
    assert planted[("product=axi-cel", "response_3m")] == "up"
    assert product["coefficient"] < 0  # axi-cel lowers the odds of non-response
    assert any("axi-cel = 1" in a for a in model["assumptions"])


def test_s1_cutoff_km_at_the_transferred_cutoff(trained, tmp_path):
    """The S1 cut-off on an independent simulated cohort: patients split at value >= 5.5
    (fixed, not re-optimised), one KM block per endpoint, the log-rank test of exactly
    that split, and the paper's p beside it."""
    from mirscope.inputs.clinical import read_clinical
    from mirscope.survival.km import logrank

    counts, clin = _validation_cohort(trained, tmp_path, permute=False)
    s1 = trained["work"] / "models" / "paper_s1_cutoff.model.yaml"
    argv = ["predict", "--model", str(s1), "--counts", str(counts), "--clinical", str(clin)]
    argv += ["--outdir", str(tmp_path / "pred"), "--survival", str(tmp_path / "km.tsv")]
    argv += ["--figdir", str(tmp_path / "fig")]
    assert main(argv) == 0
    km = pd.read_csv(tmp_path / "km.tsv", sep="\t")
    assert list(km["endpoint"].unique()) == ["os", "pfs", "ttp"]
    assert set(km["cutoff"]) == {5.5}
    assert dict(zip(km["endpoint"], km["training_p_logrank"], strict=False)) == mf.PAPER_S1_P
    pred = pd.read_csv(tmp_path / "pred" / "paper_s1_cutoff_predictions.tsv", sep="\t")
    value = pred.set_index("sample_id")["value:hsa-miR-542-5p"]
    clinical = read_clinical(clin)
    os_rows = km[km["endpoint"] == "os"].set_index("group")
    high = value >= 5.5
    assert os_rows.loc["miR-542-5p \u2265 5.5", "n"] == int(high.sum())
    assert os_rows.loc["miR-542-5p < 5.5", "n"] == int((~high).sum())
    times = clinical.loc[value.index, "os_days"].to_numpy(float)
    events = clinical.loc[value.index, "os_event"].to_numpy(float)
    test = logrank(times, events, np.where(high, "high", "low"))
    assert os_rows["p_logrank"].iloc[0] == pytest.approx(test.p, rel=1e-9)
    assert (tmp_path / "fig" / "paper_s1_cutoff_km.png").stat().st_size > 0


def test_kit_differing_from_training_is_a_warning(trained, tmp_path):
    from mirscope.errors import MirscopeWarning

    work = trained["work"]
    model = mf.load_model(work / "models" / "icans.model.yaml")
    assert model["training"]["preset"] == "qiaseq"
    assert mf.load_model(work / "models" / "paper_s1_cutoff.model.yaml")["training"]["preset"] == (
        "qiaseq"
    )
    argv = ["predict", "--model", str(work / "models" / "icans.model.yaml")]
    argv += ["--counts", str(work / "counts.tsv"), "--clinical", str(work / "clinical.tsv")]
    argv += ["--outdir", str(tmp_path / "o"), "--validation", str(tmp_path / "v.tsv")]
    with pytest.warns(MirscopeWarning, match="kit preset differs"):
        assert main([*argv, "--preset", "nextflex"]) == 0
    notes = pd.read_csv(tmp_path / "v.tsv", sep="\t")["notes"].iloc[0]
    assert "kit preset differs" in notes and "nextflex here, qiaseq in training" in notes
    assert main([*argv, "--preset", "qiaseq"]) == 0
    notes = pd.read_csv(tmp_path / "v.tsv", sep="\t")["notes"].fillna("").iloc[0]
    assert "kit" not in notes


def test_survival_validation_without_clinical_is_one_line_error(trained, tmp_path, capsys):
    s1 = trained["work"] / "models" / "paper_s1_cutoff.model.yaml"
    argv = ["predict", "--model", str(s1), "--counts", str(trained["work"] / "counts.tsv")]
    argv += ["--outdir", str(tmp_path / "o"), "--survival", str(tmp_path / "km.tsv")]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "give --clinical" in err


def test_transferred_cutoff_with_every_patient_high_has_no_test():
    from mirscope.survival.prognostic import transferred_cutoff

    clinical = pd.DataFrame(
        {"sample_id": ["a", "b", "c"], "os_days": [10.0, 20.0, 30.0], "os_event": [1, 0, 1]}
    )
    values = pd.Series([6.0, 9.0, 12.0], index=["a", "b", "c"])
    table, fits = transferred_cutoff(clinical, values, variable="hsa-miR-542-5p", cutoff=5.5)
    assert fits == {}
    assert table[["group", "n", "events"]].values.tolist() == [["miR-542-5p \u2265 5.5", 3, 2]]
    assert table["p_logrank"].isna().all()

"""Prediction: save the fitted models as model files, score a new cohort, validate them.

Taking a signature to the next cohort: ``mirscope model-files`` writes every fitted model
of the models stage, the paper's published models refitted, the paper's Table 1 models
(its coefficients) and its Supplementary Figure S1 cut-off as model files
(:mod:`mirscope.stats.modelfile`); ``mirscope predict`` scores a count matrix with them
(:mod:`mirscope.stats.scoring`) and, given the cohort's outcomes, validates them
(:mod:`mirscope.stats.external`).

Each step is declared once here (:mod:`mirscope.params`); the commands and the models
rules derive from the declarations.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from mirscope.errors import InputError
from mirscope.inputs.outcomes import (
    MODEL_SUFFIX,
    RESPONSE,
    TOXICITY,
)
from mirscope.params import REQUIRED, param

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelFiles:
    counts: str = param(
        REQUIRED, role="input", help="The training cohort's count matrix (the models' counts)."
    )
    tables: str = param(
        REQUIRED,
        role="input",
        directory=True,
        help="The models stage's tables directory (toxicity_models.tsv, "
        "response_models_summary.tsv, published_models.tsv, models/<model>_coefficients.tsv).",
    )
    outdir: str = param(REQUIRED, role="output", directory=True, help="Directory for the files.")
    toxicity_models: tuple[str, ...] = param(
        TOXICITY,
        sep=",",
        config="models.toxicity_models",
        help="Toxicity models (comma-separated).",
    )
    response_models: tuple[str, ...] = param(
        RESPONSE,
        sep=",",
        config="models.response_models",
        help="Response models (comma-separated).",
    )
    mirna_scale: str = param(
        "log2",
        choices=("log2", "raw"),
        config="models.mirna_scale",
        help="miRNA scale the models were fitted on.",
    )
    published_outcome: str = param(
        "nonresponse",
        choices=("nonresponse", "response"),
        config="models.published.outcome",
        help="Outcome coded 1 in the refitted published models.",
    )
    min_samples: int = param(
        1,
        min=1,
        config="normalization.min_samples",
        help="Detection filter of the training counts (miRNAs with a count > 0 in this many).",
    )
    size_factors: str = param(
        "auto",
        choices=("auto", "ratio", "poscounts"),
        config="normalization.size_factors",
        help="Size factor type of the training normalisation.",
    )
    preset: str | None = param(
        None,
        config="preset",
        help="Library kit preset of the training cohort, recorded in each model file.",
    )
    config_digest: str = param("", help="Digest of the run's resolved config, for provenance.")


def run_model_files(step: ModelFiles) -> None:
    """Write every fitted model, the refitted published ones, the paper's Table 1 models and
    its S1 cut-off as model files (OUTDIR/<model>.model.yaml)."""
    import pandas as pd

    from mirscope.de.normalize import filter_detected, size_factor_reference
    from mirscope.io import read_count_matrix, say
    from mirscope.stats import modelfile as mf

    tables = Path(step.tables)
    counts = filter_detected(read_count_matrix(step.counts), step.min_samples)
    reference = size_factor_reference(counts, step.size_factors)
    norm = mf.normalization_section(reference)
    provenance = {"config_digest": step.config_digest, "training_counts": str(step.counts)}
    kit = {"preset": step.preset} if step.preset else {}
    mirnas = set(counts.index)
    out = Path(step.outdir)
    written = []

    def summaries(path: Path) -> dict[str, dict]:
        table = _rows(path, "model")
        return {r["model"]: r for r in table.to_dict("records")}

    fitted = {
        **summaries(tables / "toxicity_models.tsv"),
        **summaries(tables / "response_models_summary.tsv"),
    }
    for name in [*step.toxicity_models, *step.response_models]:
        if name not in fitted:
            raise InputError("model missing from the summary tables", path=str(tables), value=name)
        summary = fitted[name]
        coef_path = tables / "models" / f"{name}_coefficients.tsv"
        coef = (
            pd.DataFrame(columns=["term", "estimate"])
            if summary.get("method") == "not estimable"
            else _rows(coef_path, "term")
        )
        model = mf.fitted_model(
            name,
            coef,
            summary,
            mirnas=mirnas,
            mirna_scale=step.mirna_scale,
            normalization=norm,
            provenance={**provenance, "coefficients": str(coef_path)},
            description=f"{name}: the models stage's final logistic model on this cohort",
            kit=kit,
        )
        written.append(_write(model, out))
    published_path = tables / "published_models.tsv"
    published = _rows(published_path, "model")
    if len(published):
        for name, rows in published.groupby("model", sort=False):
            summary = {
                "n": rows["n"].iloc[0],
                "events": rows["events"].iloc[0],
                "method": rows["method"].iloc[0],
                "loocv_accuracy": rows["loocv_accuracy"].iloc[0],
                "loocv_auc": rows["loocv_auc"].iloc[0],
                "nested_accuracy": rows["nested_accuracy"].iloc[0],
                "notes": rows["notes"].iloc[0],
            }
            coef = rows[["term", "coefficient"]].rename(columns={"coefficient": "estimate"})
            coef = coef.dropna(subset=["estimate"])
            model = mf.fitted_model(
                f"published_{name}_refit",
                coef,
                summary,
                mirnas=mirnas,
                mirna_scale="raw",
                normalization=norm,
                provenance={**provenance, "coefficients": str(published_path)},
                description=(
                    f"the paper's Table 1 {name} predictors refitted on this cohort "
                    "(coefficients estimated here, not the published ones)"
                ),
                origin="refitted published",
                coded_1="control" if step.published_outcome == "nonresponse" else "case",
                assumptions=[
                    (
                        "miRNAs on the normalised-count scale, as the published models; outcome "
                        f"coded 1 = {step.published_outcome}"
                    )
                ],
                kit=kit,
            )
            written.append(_write(model, out))
    for model in mf.paper_models(
        provenance={"config_digest": step.config_digest},
        min_samples=step.min_samples,
        size_factors=step.size_factors,
    ).values():
        written.append(_write(model, out))
    say(f"wrote {len(written)} model files to {out}")


def _rows(path: Path, key: str):
    """A table of the models stage; header only (no model of that kind) gives no rows."""
    import pandas as pd

    from mirscope.io import read_table

    if not path.is_file():
        raise InputError("file not found", path=str(path))
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    if len(lines) <= 1:
        return pd.DataFrame(columns=lines[0].split("\t") if lines else [key])
    return read_table(path, key=key)


def dump_model(model: dict) -> str:
    """YAML text of a model (keys in the documented order; floats round-trip exactly)."""
    import yaml

    from mirscope.stats import modelfile as mf

    header = (
        f"# mirscope model file (format {mf.FORMAT} version {model['format_version']}): "
        f"{model['name']}\n# Score a cohort with: mirscope predict --model FILE --counts "
        "COUNTS.tsv [--clinical CLINICAL.tsv]\n"
    )
    return header + yaml.safe_dump(model, sort_keys=False, allow_unicode=True, width=88)


def _write(model: dict, outdir: Path) -> str:
    from mirscope.io import write_text

    write_text(outdir / f"{model['name']}{MODEL_SUFFIX}", dump_model(model))
    return model["name"]


@dataclass(frozen=True)
class Predict:
    models: tuple[str, ...] = param(
        REQUIRED, flag="--model", role="input", help="A model file (repeatable)."
    )
    counts: str = param(REQUIRED, role="input", help="Count matrix of the cohort to score.")
    outdir: str = param(
        REQUIRED,
        role="output",
        directory=True,
        help="Directory for <model>_predictions.tsv (one per model).",
    )
    clinical: str | None = param(
        None, role="input", help="Clinical table of the cohort (clinical predictors, outcomes)."
    )
    validation: str | None = param(
        None,
        role="output",
        help="Validation table (one row per model); needs --clinical with the outcomes.",
    )
    decision_curve: str | None = param(
        None, role="output", help="Decision curve table (net benefit per threshold and model)."
    )
    calibration: str | None = param(
        None, role="output", help="Calibration groups table (observed vs predicted per group)."
    )
    survival: str | None = param(
        None,
        role="output",
        help="Kaplan-Meier and log-rank table of each cut-off model (the paper's S1) at its "
        "transferred cut-off, per endpoint the clinical table records.",
    )
    figdir: str | None = param(
        None,
        role="output",
        directory=True,
        help="Directory for the calibration plot and the cut-off models' KM figures.",
    )
    preset: str | None = param(
        None,
        config="validation.preset",
        help="Library kit preset of the scored cohort; a model trained with another kit gets "
        "a warning in the validation notes.",
    )
    ttp_death: str = param(
        "exclude",
        choices=("exclude", "censor"),
        config="survival.ttp_death_without_progression",
        help="A death without progression in the TTP analysis: left out or censored.",
    )
    at_risk: tuple[float, ...] = param(
        (0.0, 500.0, 1000.0, 1500.0),
        flag="--at-risk",
        sep=",",
        config="survival.at_risk_times",
        help="Comma-separated times of the numbers at risk.",
    )

    def __post_init__(self) -> None:
        wants = (
            self.validation or self.decision_curve or self.calibration or self.figdir
        ) or self.survival
        if wants and not self.clinical:
            raise InputError(
                "validation needs the cohort's outcomes: give --clinical",
                allowed="--clinical with the outcome columns",
            )


def run_predict(step: Predict) -> None:
    """Score a cohort with model files: per patient its size factor against the training
    reference, each predictor's value, the linear predictor, probability and class; with
    --validation and --clinical, external validation of each model on the cohort, and
    with --survival, KM and log-rank of each cut-off model at its transferred cut-off."""
    import warnings

    import numpy as np
    import pandas as pd

    from mirscope.errors import MirscopeWarning
    from mirscope.inputs.clinical import read_clinical
    from mirscope.io import read_count_matrix, say, write_tsv
    from mirscope.stats import external
    from mirscope.stats.design import outcome_series
    from mirscope.stats.modelfile import load_model
    from mirscope.stats.scoring import score_cohort

    counts = read_count_matrix(step.counts)
    clinical = read_clinical(step.clinical) if step.clinical else None
    models = [load_model(path) for path in step.models]
    rows, curves, groups, scored, km = [], [], [], {}, []

    def empty_row(name: str, note: str) -> dict:
        return {**{c: np.nan for c in external.VALIDATION_COLUMNS}, "model": name, "notes": note}

    for model in models:
        name = model["name"]
        kit = external.kit_note(model, step.preset)
        if kit:
            warnings.warn(f"{name}: {kit}", MirscopeWarning, stacklevel=1)
        if not model.get("estimable", True):
            say(f"{name}: not estimable in training ({model.get('reason', '')}); not scored")
            rows.append(empty_row(name, f"not estimable in training: {model.get('reason', '')}"))
            write_tsv(
                pd.DataFrame(columns=["sample_id"]), Path(step.outdir) / f"{name}_predictions.tsv"
            )
            continue
        scores = score_cohort(
            model, counts, clinical, source=step.counts, clinical_source=str(step.clinical)
        )
        write_tsv(scores, Path(step.outdir) / f"{name}_predictions.tsv")
        scored[name] = scores
        if clinical is None or "contrast" not in model["outcome"]:
            if clinical is not None:
                note = "a survival cut-off: no binary outcome"
                if step.survival and model["kind"] == "cutoff":
                    km.append(_cutoff_km(model, scores, clinical, step))
                    note += "; Kaplan-Meier and log-rank at the transferred cut-off in the "
                    note += "survival validation table"
                rows.append(empty_row(name, "; ".join(n for n in (note, kit) if n)))
            continue
        y = _outcome(model, clinical, scores, str(step.clinical), outcome_series)
        if y.empty:
            raise InputError(
                f"no patient of the scored cohort has the outcome of model {name}",
                path=str(step.clinical),
                column=model["outcome"]["variable"],
            )
        sub = scores.set_index("sample_id").loc[y.index].reset_index()
        keep = sub["linear_predictor"].notna().to_numpy()
        row = external.validation_row(name, y.to_numpy()[keep], sub[keep], model)
        row["notes"] = "; ".join(n for n in (row["notes"], kit) if n)
        rows.append(row)
        prob = sub["probability"].to_numpy(dtype=float)[keep]
        if not np.isnan(prob).all():
            curve = external.decision_curve(y.to_numpy()[keep], prob)
            curves.append(curve.assign(model=name))
            groups.append(external.calibration_groups(y.to_numpy()[keep], prob).assign(model=name))
    if step.validation:
        write_tsv(pd.DataFrame(rows, columns=external.VALIDATION_COLUMNS), step.validation)
    if step.decision_curve:
        cols = ["model", "threshold", "net_benefit_model", "net_benefit_all", "net_benefit_none"]
        frame = pd.concat(curves) if curves else pd.DataFrame(columns=cols)
        write_tsv(frame[cols], step.decision_curve)
    if step.calibration:
        cols = ["model", "group", "n", "mean_predicted", "observed"]
        frame = pd.concat(groups) if groups else pd.DataFrame(columns=cols)
        write_tsv(frame[cols], step.calibration)
    if step.survival:
        tables = [table for table, _ in km]
        frame = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
        write_tsv(frame if len(frame) else pd.DataFrame(columns=SURVIVAL_COLUMNS), step.survival)
    if step.figdir:
        from mirscope.plots.predict import plot_calibration, plot_cutoff_km

        cal = pd.concat(groups) if groups else pd.DataFrame()
        plot_calibration(cal, Path(step.figdir) / "calibration.png")
        for _table, (model, fits) in km:
            plot_cutoff_km(
                fits,
                Path(step.figdir) / f"{model['name']}_km.png",
                variable=model["predictors"][0]["mirna"],
                cutoff=float(model["threshold"]),
                at_risk_times=list(step.at_risk),
            )
    say(f"scored {counts.shape[1]} samples with {len(models)} model files")


#: The leading columns of the survival validation table (then the KM table's columns).
SURVIVAL_COLUMNS = ["model", "variable", "cutoff", "training_p_logrank", "endpoint", "group"]


def _cutoff_km(model: dict, scores, clinical, step: Predict):
    """KM table (with the model's name, cut-off and training p) and fits of a cut-off
    model at its transferred cut-off, one block per endpoint the clinical table records."""
    from mirscope.survival.prognostic import transferred_cutoff

    pred = model["predictors"][0]
    values = scores.set_index("sample_id")[f"value:{pred['term']}"]
    values.index = values.index.astype(str)
    table, fits = transferred_cutoff(
        clinical.reset_index(),
        values,
        variable=pred["mirna"],
        cutoff=float(model["threshold"]),
        endpoints=tuple(model["outcome"].get("endpoints", ("os", "pfs", "ttp"))),
        ttp_death=step.ttp_death,
        at_risk_times=list(step.at_risk),
        source=str(step.clinical),
    )
    if len(table):
        training_p = model.get("training", {}).get("p_logrank") or {}
        table.insert(0, "model", model["name"])
        table.insert(1, "variable", pred["mirna"])
        table.insert(2, "cutoff", float(model["threshold"]))
        table.insert(3, "training_p_logrank", table["endpoint"].map(training_p))
    return table, (model, fits)


def _outcome(model, clinical, scores, source, outcome_series):
    """The model's 0/1 outcome for the scored patients with one (``coded_1`` applied)."""
    ids = [s for s in scores["sample_id"] if s in clinical.index]
    y = outcome_series(clinical.loc[ids], model["outcome"]["contrast"], source=source).dropna()
    return 1.0 - y if model["outcome"]["coded_1"] == "control" else y


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "model-files": (ModelFiles, run_model_files),
    "predict": (Predict, run_predict),
}

# Input functions and settings of the models stage (workflow/rules/models.smk), kept apart
# from the rules as snakemake --lint asks; included from common.smk.

import mirscope.inputs.outcomes
import mirscope.stages.models
import mirscope.stages.predict
import mirscope.stats.modelfile

MODELS_CFG = CFG["models"]
MODEL_NAMES = list(MODELS_CFG["toxicity_models"]) + list(MODELS_CFG["response_models"])
MODEL_KINDS = ["selection", "coefficients", "predictions"]
MODEL_FIGURES = ["selection", "roc", "forest"]


def get_models_de_tables(wildcards):
    """DE tables of the configured models' contrasts (written by the diffexp stage)."""
    return [out(f"de/{name}.tsv") for name in MODEL_NAMES]


# --- Model files and external validation (mirscope.stages.predict) ---------------------------


VALIDATION_CFG = CFG["validation"]
#: The new cohort's count matrix: the one given, or the one this run counts from the reads
#: of validation.samples (the matrix rule's validation/ cohort); None: nothing to score.
VALIDATION_COUNTS = VALIDATION_CFG["counts"] or (
    out(f"{VALIDATION_COHORT}counts/mature_umi_counts.tsv") if VALIDATION_CFG["samples"] else None
)
#: Every model file the model-files rule writes, and those the validation applies.
MODEL_FILE_NAMES = mirscope.inputs.outcomes.model_file_names(MODELS_CFG)
VALIDATION_MODELS = list(VALIDATION_CFG["models"]) or MODEL_FILE_NAMES
#: The resolved config's digest, recorded in every model file.
CONFIG_DIGEST = mirscope.stats.modelfile.config_digest(CFG)


def get_validation_inputs():
    """The new cohort's clinical table, when the config names one."""
    clinical = VALIDATION_CFG["clinical"]
    return {"clinical": clinical} if clinical else {}


#: The cut-off models validated, each with a Kaplan-Meier table and figure (the S1 cut-off).
VALIDATION_CUTOFFS = [
    m for m in VALIDATION_MODELS if m in mirscope.inputs.outcomes.CUTOFF_MODELS
]


def get_validation_outputs():
    """The validation tables and figures, when there are outcomes to validate on."""
    if not VALIDATION_CFG["clinical"]:
        return {}
    outputs = {
        "validation": out("validation/external_validation.tsv"),
        "decision_curve": out("validation/decision_curve.tsv"),
        "calibration": out("validation/calibration.tsv"),
        "calibration_png": out("figures/validation/calibration.png"),
        "calibration_pdf": out("figures/validation/calibration.pdf"),
    }
    if VALIDATION_CUTOFFS:
        outputs["survival"] = out("validation/cutoff_km.tsv")
        for name in VALIDATION_CUTOFFS:
            outputs[f"{name}_km_png"] = out(f"figures/validation/{name}_km.png")
            outputs[f"{name}_km_pdf"] = out(f"figures/validation/{name}_km.pdf")
    return outputs


def get_predict_files():
    """The files of `mirscope predict` that the config may leave out, for `--params`."""
    outputs = get_validation_outputs()
    files = {"models": [out(f"models/{name}.model.yaml") for name in VALIDATION_MODELS]}
    files.update(get_validation_inputs())
    for key in ("validation", "decision_curve", "calibration", "survival"):
        if key in outputs:
            files[key] = outputs[key]
    if outputs:
        files["figdir"] = out("figures/validation")
    return files

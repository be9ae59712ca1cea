# Input functions and settings of the models stage (workflow/rules/models.smk), kept apart
# from the rules as snakemake --lint asks; included from common.smk.

import mirscope.stages.models

MODELS_CFG = CFG["models"]
MODEL_NAMES = list(MODELS_CFG["toxicity_models"]) + list(MODELS_CFG["response_models"])
MODEL_KINDS = ["selection", "coefficients", "predictions"]
MODEL_FIGURES = ["selection", "roc", "forest"]


def get_models_de_tables(wildcards):
    """DE tables of the configured models' contrasts (written by the diffexp stage)."""
    return [out(f"de/{name}.tsv") for name in MODEL_NAMES]


# Input functions and settings of the diffexp stage (workflow/rules/diffexp.smk), kept apart
# from the rules as snakemake --lint asks; included from common.smk.

import mirscope.inputs.outcomes
import mirscope.stages.de

# The contrasts this clinical table supports (common.smk resolved them against it and
# checked the Table 2 ones).
DE_CFG = CFG["de"]
mirscope.inputs.outcomes.contrasts_from_config(DE_CFG["contrasts"])  # unique names, known rules
CONTRASTS = {c["name"]: c for c in DE_CFG["contrasts"]}
CONTRAST_NAMES = sorted(CONTRASTS)


wildcard_constraints:
    contrast="|".join(CONTRAST_NAMES) or "NO_CONTRAST",


def get_table2_de(wildcards):
    key = "table2a_contrast" if wildcards.part.startswith("2a") else "table2b_contrast"
    return out(f"de/{DE_CFG[key]}.tsv")


def get_figure2_de(wildcards):
    return get_table2_de(wildcards)


def get_figure2_panel(wildcards):
    """The letter of the paper's Figure 2 panel (2a_crs -> A), written on the heatmap."""
    return wildcards.part[1].upper()


def get_contrast(wildcards):
    """The configured contrast of a job (its config mapping; the step parses it)."""
    return CONTRASTS[wildcards.contrast]


def get_figure2_contrast(wildcards):
    key = "table2a_contrast" if wildcards.part.startswith("2a") else "table2b_contrast"
    return CONTRASTS[DE_CFG[key]]

# Input functions and settings of the diffexp stage (workflow/rules/diffexp.smk), kept apart
# from the rules as snakemake --lint asks; included from common.smk.

import shlex

import mirscope.inputs.outcomes

# The contrasts this clinical table supports (common.smk resolved them against it and
# checked the Table 2 ones).
DE_CFG = CFG["de"]
mirscope.inputs.outcomes.contrasts_from_config(DE_CFG["contrasts"])  # unique names, known rules
CONTRASTS = {c["name"]: c for c in DE_CFG["contrasts"]}
CONTRAST_NAMES = sorted(CONTRASTS)


wildcard_constraints:
    contrast="|".join(CONTRAST_NAMES) or "NO_CONTRAST",


def get_contrast_spec(wildcards):
    """NAME:VARIABLE:RULE of one configured contrast (the CLI's --contrast)."""
    c = CONTRASTS[wildcards.contrast]
    return f"{c['name']}:{c['variable']}:{c['rule']}"


def get_covariate_options():
    return " ".join(f"--covariate {shlex.quote(c)}" for c in DE_CFG["covariates"])


def get_cluster_options():
    """--variable and --contrast options of `mirscope cluster` from the config."""
    args = []
    for v in CFG["clustering"]["variables"]:
        args += ["--variable", v]
    for c in DE_CFG["contrasts"]:
        args += ["--contrast", f"{c['name']}:{c['variable']}:{c['rule']}"]
    return shlex.join(args)


def get_volcano_title(wildcards):
    """The contrast in the paper's words (mirscope.stats.cluster.contrast_title), not its id."""
    import mirscope.stats.cluster

    c = CONTRASTS[wildcards.contrast]
    contrast = mirscope.inputs.outcomes.Contrast(c["name"], c["variable"], c["rule"])
    return mirscope.stats.cluster.contrast_title(contrast)


def get_table2_de(wildcards):
    key = "table2a_contrast" if wildcards.part.startswith("2a") else "table2b_contrast"
    return out(f"de/{DE_CFG[key]}.tsv")


def get_figure2_de(wildcards):
    return get_table2_de(wildcards)


def get_figure2_panel(wildcards):
    """The letter of the paper's Figure 2 panel (2a_crs -> A), written on the heatmap."""
    return wildcards.part[1].upper()


def get_figure2_spec(wildcards):
    key = "table2a_contrast" if wildcards.part.startswith("2a") else "table2b_contrast"
    c = CONTRASTS[DE_CFG[key]]
    return f"{c['name']}:{c['variable']}:{c['rule']}"

# Input functions and settings of the companion stage (workflow/rules/companion.smk), kept apart
# from the rules as snakemake --lint asks; included from common.smk.

import shlex

COMP_CFG = CFG["companion"]
COMP_AT_RISK = ",".join(f"{t:g}" for t in CFG["survival"]["at_risk_times"])


def get_kinetics_options():
    """Options of `mirscope kinetics` from the `companion` config section."""
    opts = [
        f"--marker {shlex.quote(COMP_CFG['marker'])}",
        f"--parameter {COMP_CFG['expansion_parameter']}",
        f"--response {shlex.quote(COMP_CFG['response'])}",
        f"--c10-window {COMP_CFG['c10_window']}",
        f"--at-risk {COMP_AT_RISK}",
    ]
    if COMP_CFG["covariates"]:
        opts.append(f"--covariates {shlex.quote(COMP_CFG['covariates'])}")
    return " ".join(opts)


def get_kinetics_inflammation_options():
    """Options of `mirscope kinetics-inflammation` from the `companion` config section."""
    return shlex.join(
        [
            "--markers", ",".join(COMP_CFG["inflammation_markers"]),
            "--combined", ",".join(COMP_CFG["combined_markers"]),
            "--parameter", COMP_CFG["expansion_parameter"],
            "--at-risk", COMP_AT_RISK,
        ]
    )


def get_kinetics_inputs(wildcards):
    """The kinetics and clinical tables, plus the covariate table when one is configured."""
    inputs = {"kinetics": COMP_CFG["kinetics"], "clinical": CLINICAL_TABLE}
    if COMP_CFG["covariates"]:
        inputs["covariates"] = COMP_CFG["covariates"]
    return inputs


def get_model_options():
    """--covariates and --interaction options of `mirscope cox`/`logistic`."""
    opts = ["--covariates", ",".join(COMP_CFG["cox_covariates"])]
    for term in COMP_CFG["cox_interactions"]:
        opts += ["--interaction", term]
    return shlex.join(opts)


def get_importance_options():
    opts = [
        "--binary", COMP_CFG["response"],
        "--threshold", str(COMP_CFG["collinearity_threshold"]),
        "--seed", str(CFG["seed"]),
        "--n-seeds", str(COMP_CFG["n_seeds"]),
        "--n-trees", str(COMP_CFG["n_trees"]),
        "--at-risk", COMP_AT_RISK,
    ]
    if COMP_CFG["prefer"]:
        opts += ["--prefer", ",".join(COMP_CFG["prefer"])]
    return shlex.join(opts)


def get_toxicity_endpoints():
    """`companion.toxicity_endpoints` as name:variable:rule from their `de.contrasts` entries."""
    from mirscope.errors import InputError
    from mirscope.inputs.outcomes import contrasts_from_config, find_contrast

    contrasts = contrasts_from_config(CFG["de"]["contrasts"])
    out = []
    for name in COMP_CFG["toxicity_endpoints"]:
        contrast = find_contrast(contrasts, name)
        if not contrast.graded:
            raise InputError(
                "a toxicity endpoint must be a graded contrast",
                column="companion.toxicity_endpoints",
                value=name,
                allowed="de.contrasts with rule ge2 or gt0",
            )
        out.append(contrast.text)
    return out


def get_importance_toxicity_options():
    opts = []
    for endpoint in get_toxicity_endpoints():
        opts += ["--endpoint", endpoint]
    opts += [
        "--threshold", str(COMP_CFG["collinearity_threshold"]),
        "--seed", str(CFG["seed"]),
        "--n-seeds", str(COMP_CFG["n_seeds"]),
        "--n-trees", str(COMP_CFG["n_trees"]),
    ]
    if COMP_CFG["prefer"]:
        opts += ["--prefer", ",".join(COMP_CFG["prefer"])]
    return shlex.join(opts)


def get_spearman_options():
    opts = ["--top", str(COMP_CFG["spearman_top"])]
    opts += ["--threshold", str(COMP_CFG["collinearity_threshold"])]
    if COMP_CFG["spearman_reference"]:
        opts += ["--reference", COMP_CFG["spearman_reference"]]
    return shlex.join(opts)


def _figure(name):
    """PNG + PDF of one figure (its report item is in REPORT_ITEMS, helpers/report.smk)."""
    return [out(f"figures/{name}.png"), out(f"figures/{name}.pdf")]

# Input functions and settings of the companion stage (workflow/rules/companion.smk), kept apart
# from the rules as snakemake --lint asks; included from common.smk.

import mirscope.stages.competing
import mirscope.stages.evidence
import mirscope.stages.importance
import mirscope.stages.kinetics
import mirscope.stages.survival

COMP_CFG = CFG["companion"]


def get_kinetics_inputs(wildcards):
    """The kinetics and clinical tables, plus the covariate table when one is configured."""
    inputs = {"kinetics": COMP_CFG["kinetics"], "clinical": CLINICAL_TABLE}
    if COMP_CFG["covariates"]:
        inputs["covariates"] = COMP_CFG["covariates"]
    return inputs


def get_toxicity_endpoints():
    """`companion.toxicity_endpoints`: their `de.contrasts` entries, graded rules only."""
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
        out.extend(c for c in CFG["de"]["contrasts"] if c["name"] == name)
    return out


def _figure(name):
    """PNG + PDF of one figure (its report item is in REPORT_ITEMS, helpers/report.smk)."""
    return [out(f"figures/{name}.png"), out(f"figures/{name}.pdf")]

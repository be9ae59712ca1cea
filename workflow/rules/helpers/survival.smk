# Input functions and settings of the survival stage (workflow/rules/survival.smk), kept apart
# from the rules as snakemake --lint asks; included from common.smk.

import shlex

SURV_CFG = CFG["survival"]
S1_ENDPOINTS = ["os", "pfs", "ttp"]


def get_survival_options():
    """Options of `mirscope survival` from the `survival` config section."""
    times = ",".join(f"{t:g}" for t in SURV_CFG["at_risk_times"])
    return " ".join(
        [
            f"--variable {shlex.quote(SURV_CFG['variable'])}",
            f"--endpoint {SURV_CFG['cutpoint_endpoint']}",
            f"--ttp-death {SURV_CFG['ttp_death_without_progression']}",
            f"--minprop {SURV_CFG['minprop']}",
            f"--at-risk {times}",
        ]
    )

# Input functions and settings of the survival stage (workflow/rules/survival.smk), kept apart
# from the rules as snakemake --lint asks; included from common.smk.

import mirscope.stages.survival

SURV_CFG = CFG["survival"]
S1_ENDPOINTS = ["os", "pfs", "ttp"]

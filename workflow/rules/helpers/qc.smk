# Settings of the qc stage (workflow/rules/qc.smk), kept apart from the rules as snakemake
# --lint asks; included from common.smk. The command's settings and its per-sample JSON
# lists come from its declaration (mirscope.stages.qc.QC) through step_params.

import mirscope.stages.qc

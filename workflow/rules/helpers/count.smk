# Settings of the count stage (workflow/rules/count.smk), kept apart from the rules as
# snakemake --lint asks; included from common.smk. The commands' settings and the matrix's
# per-sample table lists come from their declarations (mirscope.stages.count) through
# step_params.

import mirscope.stages.count

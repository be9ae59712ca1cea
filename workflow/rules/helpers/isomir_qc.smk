# Declarations read by the mirGFF3 and unassigned-QC rules (workflow/rules/isomir_qc.smk):
# their settings and per-sample file lists come from the steps (mirscope.stages.mirgff3,
# mirscope.stages.unassigned) through step_params, not from option strings built here.

import mirscope.stages.mirgff3
import mirscope.stages.unassigned

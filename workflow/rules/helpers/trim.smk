# Input functions and settings of the trim stage (workflow/rules/trim.smk), kept apart
# from the rules as snakemake --lint asks; included from common.smk. The command's
# settings come from its declaration (mirscope.stages.trim.Trim) through step_params.

import mirscope.stages.trim


def get_fastq_fingerprint(wildcards):
    """Size and end-block hashes of the sample's local FASTQs (mirscope.inputs.sheets):
    what identifies an input here, since its mtime may not change with its content.
    Downloads (accession rows) are outputs of this run and tracked by Snakemake itself."""
    fastq = get_cohort_sample(wildcards)["fastq"]
    return ",".join(mirscope.inputs.sheets.fastq_fingerprint(f) for f in fastq) if fastq else ""

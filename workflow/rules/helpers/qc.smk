# Input functions and settings of the qc stage (workflow/rules/qc.smk), kept apart
# from the rules as snakemake --lint asks; included from common.smk.

import shlex


def get_qc_inputs(wildcards):
    """`mirscope qc` options: every sample's trim.json and align_stats.json, sheet order."""
    args = []
    for sid in SAMPLE_IDS:
        args += ["--trim-stats", out(f"trimmed/{sid}.trim.json")]
        args += ["--align-stats", out(f"counts/{sid}.align_stats.json")]
    return shlex.join(args)

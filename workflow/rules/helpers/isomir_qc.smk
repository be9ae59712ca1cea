# Input functions and settings of the mirGFF3 and unassigned-QC rules
# (workflow/rules/isomir_qc.smk), kept apart from the rules as snakemake --lint asks.

import shlex


def get_mirgff3_options():
    """The assignment tolerances `mirscope count` ran with, so placements match its labels."""
    c = CFG["counting"]
    return f"--tol5 {c['isomir_5p_tolerance']} --tol3 {c['isomir_3p_tolerance']}"


def get_mirgff3_merge_args():
    """`mirscope mirgff3-merge` options: every sample's mirGFF3, sheet order."""
    args = []
    for sid in SAMPLE_IDS:
        args += ["--sample-id", sid, "--gff", out(f"mirgff3/{sid}.gff3")]
    return shlex.join(args)


def get_unassigned_qc_inputs(wildcards):
    """`mirscope unassigned-qc` options: every sample's summary and top table, sheet order."""
    args = []
    for sid in SAMPLE_IDS:
        args += ["--summary", out(f"qc/unassigned/{sid}.unassigned.json")]
        args += ["--top", out(f"qc/unassigned/{sid}.top_unassigned.tsv")]
    return shlex.join(args)

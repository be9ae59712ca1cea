# Settings of the count stage (workflow/rules/count.smk), kept apart from the rules as
# snakemake --lint asks; included from common.smk. The commands' settings and the matrix's
# per-sample table lists come from their declarations (mirscope.stages.count) through
# step_params.

import mirscope.stages.count

#: The per-sample tables a count matrix merges, one list each (mirscope.stages.count.Matrix).
COUNT_TABLE_KINDS = ("mature", "hairpin", "isomirs")


def get_cohort_tables(kind):
    """A params function: the job's cohort's per-sample ``kind`` tables, in sheet order."""

    def _tables(wildcards):
        return [
            out(f"{wildcards.cohort}counts/{sid}.{kind}.tsv")
            for sid in get_cohort_sample_ids(wildcards)
        ]

    return _tables


def get_matrix_tables(wildcards):
    """Every per-sample table of the job's cohort that its count matrices merge."""
    return expand(
        out("{cohort}counts/{sample}.{kind}.tsv"),
        cohort=wildcards.cohort,
        sample=get_cohort_sample_ids(wildcards),
        kind=COUNT_TABLE_KINDS,
    )

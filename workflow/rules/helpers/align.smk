# Input functions and settings of the align stage (workflow/rules/align.smk), kept apart
# from the rules as snakemake --lint asks; included from common.smk.


def get_hairpin_index(wildcards):
    """bowtie -x prefix of the species' hairpin index (built by bowtie_build_hairpin)."""
    return out(f"reference/bowtie/{REF_SPECIES}_hairpin")

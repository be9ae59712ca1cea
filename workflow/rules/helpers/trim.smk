# Input functions and settings of the trim stage (workflow/rules/trim.smk), kept apart
# from the rules as snakemake --lint asks; included from common.smk.

def get_trim_options(wildcards):
    """`mirscope trim` options from the completed `trimming` config section."""
    t = CFG["trimming"]
    return (
        f"--adapter {t['adapter']} --umi-length {t['umi_length']}"
        f" --clip-5p {t['clip_5p']} --clip-3p {t['clip_3p']} --min-length {t['min_length']}"
        f" --max-error-rate {t['max_error_rate']} --min-overlap {t['min_overlap']}"
        + (" --allow-empty" if t["allow_empty_samples"] else "")
    )


def get_fastq_fingerprint(wildcards):
    """Size and end-block hashes of the sample's local FASTQs (mirscope.inputs.sheets):
    what identifies an input here, since its mtime may not change with its content.
    Downloads (accession rows) are outputs of this run and tracked by Snakemake itself."""
    fastq = SAMPLES.loc[wildcards.sample, "fastq"]
    return ",".join(mirscope.inputs.sheets.fastq_fingerprint(f) for f in fastq) if fastq else ""

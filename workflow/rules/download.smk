# Reads of sample-sheet rows with an `accession`, fetched from ENA (default; MD5-verified,
# resumable) or with sra-tools (download.backend), into one FASTQ.gz per sample: all runs
# of a BioSample concatenated, read 1 only (mirscope.fetch.download). Rows with a local `fastq`
# never reach this rule: get_fastq in common.smk points them at their file.
#
# Each job declares the resource `downloads=1`; run with `--resources downloads=4` (or set it
# in a profile) to cap how many transfers hit the archive at once.

import mirscope.stages.fetch


rule mirscope_download:
    output:
        out("{cohort}fastq/{sample}.fastq.gz"),
    params:
        step=step_params(mirscope.stages.fetch.Download, accession=get_accession),
    wildcard_constraints:
        sample=get_accession_sample_regex(),
    log:
        out("logs/mirscope_download/{cohort}{sample}.log"),
    # ENA transfers are single-stream; fasterq-dump (sra-tools backend) uses download.threads.
    threads: get_download_threads()
    resources:
        mem_mb=2000,
        runtime=360,
        downloads=1,
    # The sra-tools backend also needs prefetch/fasterq-dump (envs/sra-tools.yaml).
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope download --out {output:q} --threads {threads} --params {params.step:q}"
        " > {log:q} 2>&1"

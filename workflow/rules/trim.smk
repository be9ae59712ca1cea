# UMI-aware 3' adapter trimming, read classification and collapsing to unique
# (insert, UMI) molecules, in one streaming pass per sample (mirscope.reads.trim). Settings come
# from the preset named in the config merged with the `trimming` overrides (CFG["trimming"]),
# bound to the fields of mirscope.stages.trim.Trim.
# Output contract (docs/development.md): trimmed/{sample}.molecules.tsv.gz and .trim.json,
# and the unique inserts trimmed/{sample}.inserts.fa (temporary) for the alignment stage.
# Every per-sample rule (download, trim, align, count) and the matrices serve both cohorts:
# {cohort} is empty for the training samples and `validation/` for validation.samples
# (COHORT_SAMPLES in common.smk), whose kit may differ (per_cohort settings).


rule mirscope_trim:
    input:
        get_fastq,
    output:
        molecules=out("{cohort}trimmed/{sample}.molecules.tsv.gz"),
        stats=out("{cohort}trimmed/{sample}.trim.json"),
        # the unique inserts, written with the table (no second read of it): bowtie's input
        inserts=temp(out("{cohort}trimmed/{sample}.inserts.fa")),
    params:
        # the kit settings: the cohort's resolved `trimming` config (preset + overrides)
        step=step_params(mirscope.stages.trim.Trim, per_cohort=True),
        # Not used by the command: a FASTQ replaced with an older mtime (cp -p, rsync -a,
        # tar x) changes this, and Snakemake's params trigger re-runs the sample.
        fingerprint=get_fastq_fingerprint,
    log:
        out("logs/mirscope_trim/{cohort}{sample}.log"),
    benchmark:
        out("benchmarks/mirscope_trim/{cohort}{sample}.tsv")
    # Two cores: this process trims (ISA-L inflates the gzip in a light background thread),
    # a child process counts molecules, sorts and writes them (mirscope.reads.trim.CounterProcess).
    threads: 2
    # Memory grows with unique (insert, UMI) molecules only: ~150 MB per million.
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope -v trim {input:q} --sample {wildcards.sample:q} --threads {threads}"
        " --molecules {output.molecules:q} --stats {output.stats:q}"
        " --inserts {output.inserts:q} --params {params.step:q} > {log:q} 2>&1"


targets(rules.mirscope_trim.output.stats, cohort="", sample=SAMPLE_IDS)

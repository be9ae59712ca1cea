# UMI-aware 3' adapter trimming, read classification and collapsing to unique
# (insert, UMI) molecules, in one streaming pass per sample (mirscope.reads.trim). Settings come
# from the preset named in the config merged with the `trimming` overrides (CFG["trimming"]),
# bound to the fields of mirscope.stages.trim.Trim.
# Output contract (docs/development.md): trimmed/{sample}.molecules.tsv.gz and .trim.json,
# and the unique inserts trimmed/{sample}.inserts.fa (temporary) for the alignment stage.


rule mirscope_trim:
    input:
        get_fastq,
    output:
        molecules=out("trimmed/{sample}.molecules.tsv.gz"),
        stats=out("trimmed/{sample}.trim.json"),
        # the unique inserts, written with the table (no second read of it): bowtie's input
        inserts=temp(out("trimmed/{sample}.inserts.fa")),
    params:
        # the kit settings: the resolved `trimming` config (preset + overrides)
        step=step_params(mirscope.stages.trim.Trim),
        # Not used by the command: a FASTQ replaced with an older mtime (cp -p, rsync -a,
        # tar x) changes this, and Snakemake's params trigger re-runs the sample.
        fingerprint=get_fastq_fingerprint,
    log:
        out("logs/mirscope_trim/{sample}.log"),
    benchmark:
        out("benchmarks/mirscope_trim/{sample}.tsv")
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


targets(rules.mirscope_trim.output.stats, sample=SAMPLE_IDS)

# Per-sample counts (reads, UMI-corrected molecules) per mature miRNA, hairpin and isomiR,
# then the count matrices. Logic: mirscope.counts.assign, mirscope.counts.umi, mirscope.counts.count (the
# module docstring of mirscope.counts.count documents every output column). Settings: the
# `counting` config, bound to the fields of mirscope.stages.count.Count. {cohort}: as in
# trim.smk (the validation cohort's matrices are validation/counts/*.tsv).


rule mirscope_count:
    input:
        molecules=out("{cohort}trimmed/{sample}.molecules.tsv.gz"),
        bam=out("{cohort}align/{sample}.hairpin.bam"),
        hairpin=out(f"reference/{REF_SPECIES}_hairpin.fa"),
        loci=out(f"reference/{REF_SPECIES}_mature_loci.tsv"),
    output:
        mature=out("{cohort}counts/{sample}.mature.tsv"),
        hairpin=out("{cohort}counts/{sample}.hairpin.tsv"),
        isomirs=out("{cohort}counts/{sample}.isomirs.tsv"),
        stats=out("{cohort}counts/{sample}.align_stats.json"),
    params:
        step=step_params(mirscope.stages.count.Count),
    log:
        out("logs/mirscope_count/{cohort}{sample}.log"),
    benchmark:
        out("benchmarks/mirscope_count/{cohort}{sample}.tsv")
    threads: 1
    # Memory grows with the sample's unique (insert, UMI) molecules: ~1 GB per 5 million.
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope -v count --sample-id {wildcards.sample:q} --molecules {input.molecules:q}"
        " --bam {input.bam:q} --hairpin {input.hairpin:q} --loci {input.loci:q}"
        " --mature-out {output.mature:q} --hairpin-out {output.hairpin:q}"
        " --isomir-out {output.isomirs:q} --stats-out {output.stats:q}"
        " --params {params.step:q} > {log:q} 2>&1"


rule mirscope_matrix:
    input:
        get_matrix_tables,
    output:
        mature_umi=out("{cohort}counts/mature_umi_counts.tsv"),
        mature_read=out("{cohort}counts/mature_read_counts.tsv"),
        hairpin_umi=out("{cohort}counts/hairpin_umi_counts.tsv"),
        hairpin_read=out("{cohort}counts/hairpin_read_counts.tsv"),
        isomirs=out("{cohort}counts/isomir_counts.tsv"),
    params:
        # the cohort's per-sample tables, in sheet order
        step=step_params(
            mirscope.stages.count.Matrix,
            per_cohort=True,
            sample_ids=get_cohort_sample_ids,
            **{kind: get_cohort_tables(kind) for kind in COUNT_TABLE_KINDS},
        ),
        outdir=get_output_dir,
    log:
        out("logs/mirscope_matrix/{cohort}all.log"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope -v matrix --outdir {params.outdir:q} --params {params.step:q} > {log:q} 2>&1"


targets(rules.mirscope_count.output.stats, cohort="", sample=SAMPLE_IDS)
targets(*rules.mirscope_matrix.output, cohort="")

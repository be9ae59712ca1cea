# Per-sample counts (reads, UMI-corrected molecules) per mature miRNA, hairpin and isomiR,
# then the count matrices. Logic: mirscope.counts.assign, mirscope.counts.umi, mirscope.counts.count (the
# module docstring of mirscope.counts.count documents every output column). Settings: the
# `counting` config, bound to the fields of mirscope.stages.count.Count.


rule mirscope_count:
    input:
        molecules=out("trimmed/{sample}.molecules.tsv.gz"),
        bam=out("align/{sample}.hairpin.bam"),
        hairpin=out(f"reference/{REF_SPECIES}_hairpin.fa"),
        loci=out(f"reference/{REF_SPECIES}_mature_loci.tsv"),
    output:
        mature=out("counts/{sample}.mature.tsv"),
        hairpin=out("counts/{sample}.hairpin.tsv"),
        isomirs=out("counts/{sample}.isomirs.tsv"),
        stats=out("counts/{sample}.align_stats.json"),
    params:
        step=step_params(mirscope.stages.count.Count),
    log:
        out("logs/mirscope_count/{sample}.log"),
    benchmark:
        out("benchmarks/mirscope_count/{sample}.tsv")
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
        expand(
            out("counts/{sample}.{kind}.tsv"),
            sample=SAMPLE_IDS,
            kind=("mature", "hairpin", "isomirs"),
        ),
    output:
        mature_umi=out("counts/mature_umi_counts.tsv"),
        mature_read=out("counts/mature_read_counts.tsv"),
        hairpin_umi=out("counts/hairpin_umi_counts.tsv"),
        hairpin_read=out("counts/hairpin_read_counts.tsv"),
        isomirs=out("counts/isomir_counts.tsv"),
    params:
        # the per-sample tables, in sheet order
        step=step_params(
            mirscope.stages.count.Matrix,
            sample_ids=SAMPLE_IDS,
            **{
                kind: [out(f"counts/{sid}.{kind}.tsv") for sid in SAMPLE_IDS]
                for kind in ("mature", "hairpin", "isomirs")
            },
        ),
        outdir=get_output_dir,
    log:
        out("logs/mirscope_matrix/all.log"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope -v matrix --outdir {params.outdir:q} --params {params.step:q} > {log:q} 2>&1"


targets(rules.mirscope_count.output.stats, sample=SAMPLE_IDS)
targets(*rules.mirscope_matrix.output)

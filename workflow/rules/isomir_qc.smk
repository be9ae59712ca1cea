# IsomiRs as miRTop mirGFF3 (per sample and for the cohort) and the QC of valid inserts no
# miRNA counts. Logic: mirscope.counts.mirgff3, mirscope.counts.unassigned (their module
# docstrings document every output).


include: "helpers/isomir_qc.smk"


rule mirscope_mirgff3:
    input:
        molecules=out("trimmed/{sample}.molecules.tsv.gz"),
        bam=out("align/{sample}.hairpin.bam"),
        hairpin=out(f"reference/{REF_SPECIES}_hairpin.fa"),
        loci=out(f"reference/{REF_SPECIES}_mature_loci.tsv"),
        isomirs=out("counts/{sample}.isomirs.tsv"),
        mature=out("counts/{sample}.mature.tsv"),
    output:
        out("mirgff3/{sample}.gff3"),
    params:
        step=step_params(mirscope.stages.mirgff3.Mirgff3, sample_id=lambda w: w.sample),
    log:
        out("logs/mirscope_mirgff3/{sample}.log"),
    benchmark:
        out("benchmarks/mirscope_mirgff3/{sample}.tsv")
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope -v mirgff3 --molecules {input.molecules:q} --bam {input.bam:q}"
        " --hairpin {input.hairpin:q} --loci {input.loci:q} --isomirs {input.isomirs:q}"
        " --mature {input.mature:q} --out {output:q} --params {params.step:q} > {log:q} 2>&1"


rule mirscope_mirgff3_merge:
    input:
        expand(out("mirgff3/{sample}.gff3"), sample=SAMPLE_IDS),
    output:
        out("mirgff3/cohort.gff3"),
    params:
        step=step_params(
            mirscope.stages.mirgff3.Mirgff3Merge,
            sample_ids=SAMPLE_IDS,
            gff=[out(f"mirgff3/{sid}.gff3") for sid in SAMPLE_IDS],
        ),
    log:
        out("logs/mirscope_mirgff3_merge/all.log"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope -v mirgff3-merge --out {output:q} --params {params.step:q} > {log:q} 2>&1"


rule mirscope_unassigned:
    input:
        molecules=out("trimmed/{sample}.molecules.tsv.gz"),
        isomirs=out("counts/{sample}.isomirs.tsv"),
    output:
        top=out("qc/unassigned/{sample}.top_unassigned.tsv"),
        summary=out("qc/unassigned/{sample}.unassigned.json"),
    params:
        step=step_params(mirscope.stages.unassigned.Unassigned, sample_id=lambda w: w.sample),
    log:
        out("logs/mirscope_unassigned/{sample}.log"),
    benchmark:
        out("benchmarks/mirscope_unassigned/{sample}.tsv")
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope -v unassigned --molecules {input.molecules:q} --isomirs {input.isomirs:q}"
        " --top-out {output.top:q} --json-out {output.summary:q} --params {params.step:q}"
        " > {log:q} 2>&1"


rule mirscope_unassigned_qc:
    input:
        expand(
            out("qc/unassigned/{sample}.{kind}"),
            sample=SAMPLE_IDS,
            kind=("unassigned.json", "top_unassigned.tsv"),
        ),
    output:
        summary=out("qc/unassigned_summary.tsv"),
        top=out("qc/unassigned_top.tsv"),
        figure=out("qc/qc_unassigned.png"),
        figure_pdf=out("qc/qc_unassigned.pdf"),
        mqc=multiext(
            out("qc/multiqc/mirscope_"),
            "assignment_mqc.tsv",
            "lengths_assigned_mqc.json",
            "lengths_unassigned_mqc.json",
            "top_unassigned_mqc.tsv",
        ),
    params:
        step=step_params(
            mirscope.stages.unassigned.UnassignedQC,
            summaries=[out(f"qc/unassigned/{sid}.unassigned.json") for sid in SAMPLE_IDS],
            tops=[out(f"qc/unassigned/{sid}.top_unassigned.tsv") for sid in SAMPLE_IDS],
        ),
        outdir=outpath("qc"),
    log:
        out("logs/mirscope_unassigned_qc/all.log"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope -v unassigned-qc --outdir {params.outdir:q} --params {params.step:q}"
        " > {log:q} 2>&1"


targets(*rules.mirscope_mirgff3.output, sample=SAMPLE_IDS)
targets(*rules.mirscope_mirgff3_merge.output)
targets(*[rules.mirscope_unassigned_qc.output[k] for k in ("summary", "top", "figure", "figure_pdf")])

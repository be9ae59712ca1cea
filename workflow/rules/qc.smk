# Read QC of the run: per-sample table, figures and MultiQC custom content (mirscope.reads.qc),
# joined with the counting stage's alignment statistics; then one MultiQC report over the
# logs (bowtie) and mirscope's custom content. Columns: docstring of mirscope.reads.qc.


rule mirscope_qc:
    input:
        trim=expand(out("trimmed/{sample}.trim.json"), sample=SAMPLE_IDS),
        align=expand(out("counts/{sample}.align_stats.json"), sample=SAMPLE_IDS),
    output:
        summary=out("qc/qc_summary.tsv"),
        classes=out("qc/qc_read_classes.png"),
        classes_pdf=out("qc/qc_read_classes.pdf"),
        lengths=out("qc/qc_insert_lengths.png"),
        lengths_pdf=out("qc/qc_insert_lengths.pdf"),
        mqc=multiext(
            out("qc/multiqc/mirscope_"),
            "read_classes_mqc.tsv",
            "insert_lengths_mqc.json",
            "qc_summary_mqc.tsv",
        ),
    params:
        step=step_params(
            mirscope.stages.qc.QC,
            trim_stats=[out(f"trimmed/{sid}.trim.json") for sid in SAMPLE_IDS],
            align_stats=[out(f"counts/{sid}.align_stats.json") for sid in SAMPLE_IDS],
        ),
        outdir=outpath("qc"),
    log:
        out("logs/mirscope_qc/all.log"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope -v qc --outdir {params.outdir:q} --params {params.step:q} > {log:q} 2>&1"


rule multiqc_report:
    input:
        rules.mirscope_qc.output.mqc,
        rules.mirscope_unassigned_qc.output.mqc,
        expand(out("counts/{sample}.align_stats.json"), sample=SAMPLE_IDS),
        # run provenance (workflow/rules/provenance.smk)
        out("qc/multiqc/mirscope_software_mqc_versions.yml"),
        out("qc/multiqc/mirscope_provenance_mqc.yml"),
    output:
        out("qc/multiqc_report.html"),
    params:
        outdir=outpath("qc"),
        search=[out("qc/multiqc"), out("logs")],
    log:
        out("logs/multiqc_report/all.log"),
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../../envs/multiqc.yaml"
    shell:
        "multiqc --force --no-data-dir --outdir {params.outdir:q} --filename multiqc_report.html"
        " {params.search:q} > {log:q} 2>&1"


targets(rules.mirscope_qc.output.summary, *rules.multiqc_report.output)

# The paper-vs-reanalysis table, built last from the run's own outputs, and the result
# tables as HTML pages for the report. `snakemake --report` then collects every output
# marked with `reported(...)` into one HTML file, each under its paper name
# (helpers/report.smk); Snakemake's report only offers a TSV for download, so every table
# the paper prints is rendered as a page (`mirscope report-tables`) and the TSV kept.

if CLINICAL is not None:

    rule mirscope_paper_compare:
        input:
            get_paper_compare_inputs,
            clinical=CLINICAL_TABLE,
            # the user's file: the simulator's truth/ beside it marks the demo cohort
            source=CFG["clinical"],
        output:
            out("tables/paper_vs_reanalysis.tsv"),
        params:
            outdir=outpath(""),
            lfc=CFG["de"]["lfc_threshold"],
            p=CFG["de"]["p_threshold"],
        log:
            out("logs/mirscope_paper_compare/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            "../../envs/mirscope.yaml"
        shell:
            "mirscope paper-compare --outdir {params.outdir:q} --clinical {input.clinical:q}"
            " --source-clinical {input.source:q} --de-lfc {params.lfc} --de-p {params.p}"
            " --out {output:q} > {log:q} 2>&1"

    rule mirscope_report_de_table:
        input:
            table=out("de/{contrast}.tsv"),
            docs=f"{workflow.basedir}/docs/outputs.md",
        output:
            reported(
                out("report/de/{contrast}.html"),
                get_de_table_label,
                "de_table",
                get_contrast_category,
                "Differential expression, all miRNAs",
            ),
        params:
            title=get_de_title,
            outdir=outpath(""),
        log:
            out("logs/mirscope_report_de_table/{contrast}.log"),
        threads: 1
        resources:
            mem_mb=500,
            runtime=5,
        conda:
            "../../envs/mirscope.yaml"
        shell:
            "mirscope report-tables --outdir {params.outdir:q} --docs {input.docs:q}"
            " --table {input.table:q} {output:q} {params.title:q} > {log:q} 2>&1"

    rule mirscope_report_model_tables:
        input:
            tables=expand(out("tables/models/{{model}}_{kind}.tsv"), kind=MODEL_KINDS),
            docs=f"{workflow.basedir}/docs/outputs.md",
        output:
            selection=reported(
                out("report/tables/models/{model}_selection.html"),
                get_model_table_label("selection"),
                "model_selection_table",
                get_model_category,
                get_model_subcategory,
            ),
            coefficients=reported(
                out("report/tables/models/{model}_coefficients.html"),
                get_model_table_label("coefficients"),
                "model_coefficients_table",
                get_model_category,
                get_model_subcategory,
            ),
            predictions=reported(
                out("report/tables/models/{model}_predictions.html"),
                get_model_table_label("predictions"),
                "model_predictions_table",
                get_model_category,
                get_model_subcategory,
            ),
        params:
            tables=get_model_table_titles,
            outdir=outpath(""),
        log:
            out("logs/mirscope_report_model_tables/{model}.log"),
        threads: 1
        resources:
            mem_mb=500,
            runtime=5,
        conda:
            "../../envs/mirscope.yaml"
        shell:
            "mirscope report-tables --outdir {params.outdir:q} --docs {input.docs:q}"
            " {params.tables} > {log:q} 2>&1"


rule mirscope_report_tables:
    input:
        tables=[tsv for tsv, *_ in get_report_tables()],
        docs=f"{workflow.basedir}/docs/outputs.md",
    output:
        pages=[
            reported(page, label, caption, category, subcategory)
            for _, page, label, caption, category, subcategory in get_report_tables()
        ],
    params:
        tables=get_report_table_options(),
        outdir=outpath(""),
    log:
        out("logs/mirscope_report_tables/all.log"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../../envs/mirscope.yaml"
    shell:
        "mirscope report-tables --outdir {params.outdir:q} --docs {input.docs:q}"
        " {params.tables} > {log:q} 2>&1"

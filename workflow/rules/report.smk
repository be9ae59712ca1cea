# The paper-vs-reanalysis table, built last from the run's own outputs, and what the report
# embeds: every item of REPORT_ITEMS (helpers/report.smk) in a form small enough to carry.
# Tables become pages (`mirscope report-tables`; Snakemake's report would only offer the TSV
# for download), figures 256-colour copies (`report-figures`), MultiQC a gzipped embed
# (`report-embed`), and the landing page is written from the run (`report-landing`), all
# under <outdir>/report/. `snakemake --report` then collects every output marked with
# `reported(...)` into one HTML file.

# Every other rule file has declared its targets (this file is included last), so the report
# outline can be built from here on; the paper comparison below adds the last one first.
TARGETS_COMPLETE.append(True)

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
            step=step_params(mirscope.stages.report.PaperCompare),
            outdir=outpath(""),
        log:
            out("logs/mirscope_paper_compare/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope paper-compare --outdir {params.outdir:q} --clinical {input.clinical:q}"
            " --source-clinical {input.source:q} --out {output:q} --params {params.step:q}"
            " > {log:q} 2>&1"

    targets(*rules.mirscope_paper_compare.output)


    rule mirscope_report_de_table:
        input:
            table=out("de/{contrast}.tsv"),
            docs=f"{workflow.basedir}/docs/outputs.md",
        output:
            reported(out("report/de/{contrast}.html")),
        params:
            step=step_params(mirscope.stages.report.ReportTables, tables=get_report_de_page),
            outdir=outpath(""),
        log:
            out("logs/mirscope_report_de_table/{contrast}.log"),
        threads: 1
        resources:
            mem_mb=500,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope report-tables --outdir {params.outdir:q} --docs {input.docs:q}"
            " --params {params.step:q} > {log:q} 2>&1"

    rule mirscope_report_model_tables:
        input:
            tables=expand(out("tables/models/{{model}}_{kind}.tsv"), kind=MODEL_REPORT_KINDS),
            docs=f"{workflow.basedir}/docs/outputs.md",
        output:
            selection=reported(out("report/tables/models/{model}_selection.html")),
            coefficients=reported(out("report/tables/models/{model}_coefficients.html")),
        params:
            step=step_params(mirscope.stages.report.ReportTables, tables=get_model_report_pages),
            outdir=outpath(""),
        log:
            out("logs/mirscope_report_model_tables/{model}.log"),
        threads: 1
        resources:
            mem_mb=500,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope report-tables --outdir {params.outdir:q} --docs {input.docs:q}"
            " --params {params.step:q} > {log:q} 2>&1"

    rule mirscope_report_fig2:
        input:
            out("figures/fig{part}_de_heatmap.png"),
        output:
            reported(out("report/figures/fig{part}_de_heatmap.png")),
        params:
            outdir=outpath(""),
        wildcard_constraints:
            part="2a_crs|2b_icans",
        log:
            out("logs/mirscope_report_fig2/{part}.log"),
        threads: 1
        resources:
            mem_mb=500,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope report-figures --outdir {params.outdir:q} {input:q} > {log:q} 2>&1"

    rule mirscope_report_volcano:
        input:
            out("figures/volcano_{contrast}.png"),
        output:
            reported(out("report/figures/volcano_{contrast}.png")),
        params:
            outdir=outpath(""),
        log:
            out("logs/mirscope_report_volcano/{contrast}.log"),
        threads: 1
        resources:
            mem_mb=500,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope report-figures --outdir {params.outdir:q} {input:q} > {log:q} 2>&1"


rule mirscope_report_tables:
    input:
        tables=[i["source"] for i in get_report_items("table")],
        docs=f"{workflow.basedir}/docs/outputs.md",
    output:
        pages=[reported(i["page"]) for i in get_report_items("table")],
    params:
        outdir=outpath(""),
    log:
        out("logs/mirscope_report_tables/all.log"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        MIRSCOPE_ENV
    shell:
        # The tables and their titles are written into the command, not params: the report
        # repeats a job's params beside each of its items.
        "mirscope report-tables --outdir {params.outdir:q} --docs {input.docs:q}"
        f" --params {get_report_tables_params()} > {{log:q}} 2>&1"


rule mirscope_report_figures:
    input:
        [i["source"] for i in get_report_items("figure")],
    output:
        [reported(i["page"]) for i in get_report_items("figure")],
    params:
        outdir=outpath(""),
    log:
        out("logs/mirscope_report_figures/all.log"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope report-figures --outdir {params.outdir:q} {input:q} > {log:q} 2>&1"


rule mirscope_report_multiqc:
    input:
        out("qc/multiqc_report.html"),
    output:
        reported(out("report/qc/multiqc_report.html")),
    log:
        out("logs/mirscope_report_multiqc/all.log"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope report-embed --page {input:q} --out {output:q} --title MultiQC"
        " --standalone qc/multiqc_report.html > {log:q} 2>&1"


rule mirscope_report_landing:
    input:
        intro=f"{workflow.basedir}/workflow/report/workflow.rst",
        compare=get_report_landing_compare(),
    output:
        out("report/landing.rst"),
    params:
        step=step_params(
            mirscope.stages.report.ReportLanding,
            title=REPORT_TITLE,
            sections=get_report_sections(),
            compare_section=get_report_landing_compare_section(),
        ),
    log:
        out("logs/mirscope_report_landing/all.log"),
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope report-landing --intro {input.intro:q}"
        + (" --compare {input.compare:q}" if get_report_landing_compare() else "")
        + " --out {output:q} --params {params.step:q} > {log:q} 2>&1"

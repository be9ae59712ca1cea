# Supplementary Figure S1: the configured miRNA (default hsa-miR-542-5p) cut at its
# optimised cut-off (maxstat log-rank, as survminer::surv_cutpoint), Kaplan-Meier curves of
# OS/PFS/TTP with numbers at risk: one file per endpoint and the A/B/C composite. Logic:
# mirscope.survival (cutpoint, km, prognostic) and mirscope.plots.survival; output columns
# are documented in their module docstrings.

if analysis("suppfig_s1", CLINICAL is not None):

    rule mirscope_suppfig_s1:
        input:
            clinical=CLINICAL_TABLE,
            normalized=out("counts/mature_normalized.tsv"),
        output:
            cutpoint=out("tables/suppfig_s1_cutpoint.tsv"),
            km=out("tables/suppfig_s1_km.tsv"),
            figures=expand(out("figures/suppfig_s1_{endpoint}.png"), endpoint=S1_ENDPOINTS),
            figures_pdf=expand(out("figures/suppfig_s1_{endpoint}.pdf"), endpoint=S1_ENDPOINTS),
            composite=out("figures/suppfig_s1.png"),
            composite_pdf=out("figures/suppfig_s1.pdf"),
        params:
            step=step_params(mirscope.stages.survival.SuppFigS1),
            prefix=outpath("figures/suppfig_s1"),
        log:
            out("logs/mirscope_suppfig_s1/all.log"),
        threads: 1
        resources:
            mem_mb=1500,
            runtime=10,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v survival --clinical {input.clinical:q}"
            " --normalized {input.normalized:q} --cutpoint-out {output.cutpoint:q}"
            " --km-out {output.km:q} --figure-prefix {params.prefix:q}"
            " --params {params.step:q} > {log:q} 2>&1"

    targets(*rules.mirscope_suppfig_s1.output)


if analysis("km_os_overall", CLINICAL is not None):

    # Whole-cohort median OS with 95% CI and numbers at risk (ClonHema, 004_...).
    rule lifelines_km_os_overall:
        input:
            clinical=CLINICAL_TABLE,
        output:
            out("tables/km_os_overall.tsv"),
        params:
            step=step_params(mirscope.stages.survival.KM, time="os_days", event="os_event"),
        log:
            out("logs/lifelines_km_os_overall/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope km --clinical {input.clinical:q} --out {output:q}"
            " --params {params.step:q} > {log:q} 2>&1"

    targets(*rules.lifelines_km_os_overall.output)

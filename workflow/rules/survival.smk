# Supplementary Figure S1: the configured miRNA (default hsa-miR-542-5p) cut at its
# optimised cut-off (maxstat log-rank, as survminer::surv_cutpoint), Kaplan-Meier curves of
# OS/PFS/TTP with numbers at risk: one file per endpoint and the A/B/C composite. Logic:
# mirscope.survival (cutpoint, km, prognostic) and mirscope.plots.survival; output columns
# are documented in their module docstrings.

if CLINICAL is not None:

    rule mirscope_suppfig_s1:
        input:
            clinical=CLINICAL_TABLE,
            normalized=out("counts/mature_normalized.tsv"),
        output:
            cutpoint=out("tables/suppfig_s1_cutpoint.tsv"),
            km=out("tables/suppfig_s1_km.tsv"),
            figures=[
                reported(
                    out(f"figures/suppfig_s1_{endpoint}.png"),
                    f"Supplementary Figure S1{S1_PANELS[endpoint][0]} — "
                    f"{S1_PANELS[endpoint][1]} by miR-542-5p",
                    f"suppfig_s1{S1_PANELS[endpoint][0].lower()}",
                    NADDEO_SURVIVAL,
                    "Supplementary Figure S1",
                )
                for endpoint in S1_ENDPOINTS
            ],
            figures_pdf=expand(out("figures/suppfig_s1_{endpoint}.pdf"), endpoint=S1_ENDPOINTS),
            composite=reported(
                out("figures/suppfig_s1.png"),
                "Supplementary Figure S1 — panels A–C (OS, PFS, TTP) by miR-542-5p",
                "suppfig_s1",
                NADDEO_SURVIVAL,
                "Supplementary Figure S1",
            ),
            composite_pdf=out("figures/suppfig_s1.pdf"),
        params:
            options=get_survival_options(),
            prefix=outpath("figures/suppfig_s1"),
        log:
            out("logs/mirscope_suppfig_s1/all.log"),
        threads: 1
        resources:
            mem_mb=1500,
            runtime=10,
        conda:
            "../../envs/mirscope.yaml"
        shell:
            "mirscope -v survival --clinical {input.clinical:q}"
            " --normalized {input.normalized:q} {params.options}"
            " --cutpoint-out {output.cutpoint:q} --km-out {output.km:q}"
            " --figure-prefix {params.prefix:q} > {log:q} 2>&1"


if CLINICAL is not None:

    # Whole-cohort median OS with 95% CI and numbers at risk (ClonHema, 004_...).
    rule lifelines_km_os_overall:
        input:
            clinical=CLINICAL_TABLE,
        output:
            out("tables/km_os_overall.tsv"),
        params:
            at=",".join(f"{t:g}" for t in CFG["survival"]["at_risk_times"]),
        log:
            out("logs/lifelines_km_os_overall/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            "../../envs/mirscope.yaml"
        shell:
            "mirscope km --clinical {input.clinical:q} --time os_days --event os_event"
            " --at-risk {params.at:q} --out {output:q} > {log:q} 2>&1"

# Companion-study analyses on any cohort: CAR T kinetics with Cox/logistic forest plots
# (CART SIE), random-forest importance (ZUMA-5), cumulative incidence with death as a
# competing risk (ClonHema) and the evidence score (systematic review). Each runs only when
# the config's `companion` section names its table (the demo points at the simulator's
# resources/demo/*.tsv); kinetics and importance also need the clinical table.
# Logic: mirscope.companion, mirscope.survival.cox/competing; columns documented there.

if CLINICAL is not None and COMP_CFG["kinetics"]:

    rule mirscope_kinetics:
        input:
            unpack(get_kinetics_inputs),
        output:
            params=out("tables/kinetics_parameters.tsv"),
            tests=out("tables/kinetics_tests.tsv"),
            km=out("tables/kinetics_km_pfs.tsv"),
            merged=out("tables/kinetics_patients.tsv"),
            figures=_figure(
                "kinetics_curves",
                "Figures 1A, 3A (003) — CAR T expansion over time and AUC0-30 by response",
                "kinetics_curves",
                COMPANION_003,
                "Expansion kinetics",
            )
            + _figure(
                "kinetics_km_pfs",
                "Figure 4G (003) — PFS by expansion and inflammation marker",
                "kinetics_km_pfs",
                COMPANION_003,
                "Survival and models",
            ),
        params:
            options=get_kinetics_options(),
            prefix=outpath("figures/kinetics"),
        log:
            out("logs/mirscope_kinetics/all.log"),
        threads: 1
        resources:
            mem_mb=1500,
            runtime=10,
        conda:
            "../../envs/mirscope.yaml"
        shell:
            "mirscope -v kinetics --kinetics {input.kinetics:q} --clinical {input.clinical:q}"
            " {params.options} --params-out {output.params:q} --tests-out {output.tests:q}"
            " --km-out {output.km:q} --merged-out {output.merged:q}"
            " --figure-prefix {params.prefix:q} > {log:q} 2>&1"

    rule lifelines_cox_pfs:
        input:
            out("tables/kinetics_patients.tsv"),
        output:
            table=out("tables/cox_pfs.tsv"),
            figures=_figure(
                "forest_cox_pfs",
                "Figure 3D (003) — forest plot, Cox model of PFS",
                "forest_cox_pfs",
                COMPANION_003,
                "Survival and models",
            ),
        params:
            options=get_model_options(),
        log:
            out("logs/lifelines_cox_pfs/all.log"),
        threads: 1
        resources:
            mem_mb=1500,
            runtime=10,
        conda:
            "../../envs/mirscope.yaml"
        shell:
            "mirscope -v cox --table {input:q} --time pfs_days --event pfs_event"
            " {params.options} --out {output.table:q} --figure {output.figures[0]:q}"
            " > {log:q} 2>&1"

    rule statsmodels_logistic_response:
        input:
            out("tables/kinetics_patients.tsv"),
        output:
            table=out("tables/logistic_response.tsv"),
            figures=_figure(
                "forest_logistic_response",
                "Figure 3C (003) — forest plot, logistic model of response",
                "forest_logistic_response",
                COMPANION_003,
                "Survival and models",
            ),
        params:
            options=get_model_options(),
        log:
            out("logs/statsmodels_logistic_response/all.log"),
        threads: 1
        resources:
            mem_mb=1500,
            runtime=10,
        conda:
            "../../envs/mirscope.yaml"
        shell:
            "mirscope -v logistic-or --table {input:q} --outcome responder {params.options}"
            " --out {output.table:q} --figure {output.figures[0]:q} > {log:q} 2>&1"


if CLINICAL is not None and COMP_CFG["covariates"]:

    rule sklearn_importance:
        input:
            covariates=COMP_CFG["covariates"] or [],
            clinical=CLINICAL_TABLE,
        output:
            summary=out("tables/importance_summary.tsv"),
            long=out("tables/importance_by_seed.tsv"),
            pruned=out("tables/importance_pruned.tsv"),
            probability=out("tables/importance_probability.tsv"),
            km=out("tables/importance_km_pfs.tsv"),
            figures=_figure(
                f"importance_{COMP_CFG['response']}",
                "Figure 2A (002) — variable importance for response",
                "importance_response",
                COMPANION_002,
                "Figure 2A — variable importance",
            )
            + _figure(
                "importance_pfs",
                "Figure 2A (002) — variable importance for PFS",
                "importance_pfs",
                COMPANION_002,
                "Figure 2A — variable importance",
            )
            + _figure(
                "importance_probability",
                "Figure 2C/E (002) — predicted response probability by the top covariate",
                "importance_probability",
                COMPANION_002,
                "Figures 2C–F — top covariates",
            )
            + _figure(
                "importance_km_pfs",
                "Figure 2D/F (002) — PFS by the top PFS covariate's median split",
                "importance_km_pfs",
                COMPANION_002,
                "Figures 2C–F — top covariates",
            ),
        params:
            options=get_importance_options(),
            prefix=outpath("figures/importance"),
        log:
            out("logs/sklearn_importance/all.log"),
        benchmark:
            out("benchmarks/sklearn_importance/all.tsv")
        # forests are grown one at a time (n_jobs=1) so results do not depend on cores
        threads: 1
        resources:
            mem_mb=3000,
            runtime=30,
        conda:
            "../../envs/mirscope.yaml"
        shell:
            "mirscope -v importance --covariates {input.covariates:q}"
            " --clinical {input.clinical:q} {params.options}"
            " --summary-out {output.summary:q} --long-out {output.long:q}"
            " --pruned-out {output.pruned:q} --probability-out {output.probability:q}"
            " --km-out {output.km:q} --figure-prefix {params.prefix:q} > {log:q} 2>&1"


if COMP_CFG["secondary_events"]:

    rule cmprsk_cuminc:
        input:
            COMP_CFG["secondary_events"] or [],
        output:
            table=out("tables/cuminc_secondary.tsv"),
            figures=_figure(
                "cuminc_secondary",
                "Fig. 1a (004) — cumulative incidence, death as competing risk",
                "cuminc_secondary",
                COMPANION_004,
            ),
        params:
            at=",".join(f"{t:g}" for t in COMP_CFG["cuminc_times"]),
        log:
            out("logs/cmprsk_cuminc/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            "../../envs/mirscope.yaml"
        shell:
            "mirscope -v cuminc --table {input:q} --time time_days --event event"
            " --group group --at {params.at} --out {output.table:q}"
            " --figure {output.figures[0]:q} > {log:q} 2>&1"


if COMP_CFG["evidence_studies"]:

    rule mirscope_evidence:
        input:
            COMP_CFG["evidence_studies"] or [],
        output:
            table=out("tables/evidence_scores.tsv"),
            figures=_figure(
                "evidence_scores",
                "Figure 3 (001) — weighted evidence score per biomarker",
                "evidence_scores",
                COMPANION_001,
            ),
        log:
            out("logs/mirscope_evidence/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            "../../envs/mirscope.yaml"
        shell:
            "mirscope -v evidence --studies {input:q} --out {output.table:q}"
            " --figure {output.figures[0]:q} > {log:q} 2>&1"

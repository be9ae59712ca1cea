# Companion-study analyses on any cohort: CAR T kinetics with Cox/logistic forest plots
# (CART SIE), random-forest importance (ZUMA-5), cumulative incidence with death as a
# competing risk (ClonHema) and the evidence score (systematic review). Each runs only when
# the config's `companion` section names its table (the demo points at the simulator's
# resources/demo/*.tsv); kinetics and importance also need the clinical table.
# Logic: mirscope.companion, mirscope.survival.cox/competing; columns documented there.

if analysis("kinetics", CLINICAL is not None, COMP_CFG["kinetics"]):

    rule mirscope_kinetics:
        input:
            unpack(get_kinetics_inputs),
        output:
            params=out("tables/kinetics_parameters.tsv"),
            tests=out("tables/kinetics_tests.tsv"),
            km=out("tables/kinetics_km_pfs.tsv"),
            merged=out("tables/kinetics_patients.tsv"),
            figures=_figure("kinetics_curves")
            + _figure("kinetics_km_pfs"),
        params:
            step=step_params(
                mirscope.stages.kinetics.Kinetics, covariates=COMP_CFG["covariates"]
            ),
            prefix=outpath("figures/kinetics"),
        log:
            out("logs/mirscope_kinetics/all.log"),
        threads: 1
        resources:
            mem_mb=1500,
            runtime=10,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v kinetics --kinetics {input.kinetics:q} --clinical {input.clinical:q}"
            " --params-out {output.params:q} --tests-out {output.tests:q}"
            " --km-out {output.km:q} --merged-out {output.merged:q}"
            " --figure-prefix {params.prefix:q} --params {params.step:q} > {log:q} 2>&1"

    rule mirscope_kinetics_inflammation:
        input:
            out("tables/kinetics_patients.tsv"),
        output:
            km_expansion=out("tables/kinetics_km_expansion.tsv"),
            tests=out("tables/kinetics_inflammation_tests.tsv"),
            km_combined=out("tables/kinetics_km_combined.tsv"),
            figures=_figure("kinetics_km_expansion")
            + _figure("kinetics_inflammation")
            + _figure("kinetics_km_combined"),
        params:
            step=step_params(mirscope.stages.kinetics.KineticsInflammation),
            prefix=outpath("figures/kinetics"),
        log:
            out("logs/mirscope_kinetics_inflammation/all.log"),
        threads: 1
        resources:
            mem_mb=1500,
            runtime=10,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v kinetics-inflammation --patients {input:q}"
            " --km-expansion-out {output.km_expansion:q} --tests-out {output.tests:q}"
            " --km-combined-out {output.km_combined:q} --figure-prefix {params.prefix:q}"
            " --params {params.step:q} > {log:q} 2>&1"

    rule lifelines_cox_pfs:
        input:
            out("tables/kinetics_patients.tsv"),
        output:
            table=out("tables/cox_pfs.tsv"),
            figures=_figure("forest_cox_pfs"),
        params:
            step=step_params(
                mirscope.stages.survival.Cox,
                time="pfs_days",
                event="pfs_event",
                interactions=COMP_CFG["cox_interactions"],
            ),
        log:
            out("logs/lifelines_cox_pfs/all.log"),
        threads: 1
        resources:
            mem_mb=1500,
            runtime=10,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v cox --table {input:q} --out {output.table:q}"
            " --figure {output.figures[0]:q} --params {params.step:q} > {log:q} 2>&1"

    rule statsmodels_logistic_response:
        input:
            out("tables/kinetics_patients.tsv"),
        output:
            table=out("tables/logistic_response.tsv"),
            figures=_figure("forest_logistic_response"),
        params:
            step=step_params(
                mirscope.stages.survival.LogisticOR,
                outcome="responder",
                endpoint=COMP_CFG["response"],
                interactions=COMP_CFG["cox_interactions"],
            ),
        log:
            out("logs/statsmodels_logistic_response/all.log"),
        threads: 1
        resources:
            mem_mb=1500,
            runtime=10,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v logistic-or --table {input:q} --out {output.table:q}"
            " --figure {output.figures[0]:q} --params {params.step:q} > {log:q} 2>&1"

    targets(*rules.mirscope_kinetics.output)
    targets(*rules.mirscope_kinetics_inflammation.output)
    targets(*rules.lifelines_cox_pfs.output)
    targets(*rules.statsmodels_logistic_response.output)


if analysis("importance", CLINICAL is not None, COMP_CFG["covariates"]):

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
            figures=_figure(f"importance_{COMP_CFG['response']}")
            + _figure("importance_pfs")
            + _figure("importance_probability")
            + _figure("importance_km_pfs"),
        params:
            step=step_params(mirscope.stages.importance.Importance),
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
            MIRSCOPE_ENV
        shell:
            "mirscope -v importance --covariates {input.covariates:q}"
            " --clinical {input.clinical:q} --summary-out {output.summary:q}"
            " --long-out {output.long:q} --pruned-out {output.pruned:q}"
            " --probability-out {output.probability:q} --km-out {output.km:q}"
            " --figure-prefix {params.prefix:q} --params {params.step:q} > {log:q} 2>&1"


    rule mirscope_importance_spearman:
        input:
            covariates=COMP_CFG["covariates"] or [],
            summary=out("tables/importance_summary.tsv"),
        output:
            table=out("tables/importance_spearman.tsv"),
            figures=_figure("importance_spearman"),
        params:
            step=step_params(mirscope.stages.importance.ImportanceSpearman),
        log:
            out("logs/mirscope_importance_spearman/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v importance-spearman --covariates {input.covariates:q}"
            " --summary {input.summary:q} --out {output.table:q}"
            " --figure {output.figures[0]:q} --params {params.step:q} > {log:q} 2>&1"

    targets(*rules.sklearn_importance.output)
    targets(*rules.mirscope_importance_spearman.output)


if analysis("importance", CLINICAL is not None, COMP_CFG["covariates"], COMP_CFG["toxicity_endpoints"]):

    rule sklearn_importance_toxicity:
        input:
            covariates=COMP_CFG["covariates"] or [],
            clinical=CLINICAL_TABLE,
        output:
            summary=out("tables/importance_toxicity_summary.tsv"),
            long=out("tables/importance_toxicity_by_seed.tsv"),
            figures=[
                f
                for name in COMP_CFG["toxicity_endpoints"]
                for f in _figure(f"importance_toxicity_{name}")
            ],
        params:
            step=step_params(
                mirscope.stages.importance.ImportanceToxicity,
                endpoints=get_toxicity_endpoints(),
            ),
            prefix=outpath("figures/importance_toxicity"),
        log:
            out("logs/sklearn_importance_toxicity/all.log"),
        benchmark:
            out("benchmarks/sklearn_importance_toxicity/all.tsv")
        # forests are grown one at a time (n_jobs=1) so results do not depend on cores
        threads: 1
        resources:
            mem_mb=3000,
            runtime=30,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v importance-toxicity --covariates {input.covariates:q}"
            " --clinical {input.clinical:q} --summary-out {output.summary:q}"
            " --long-out {output.long:q} --figure-prefix {params.prefix:q}"
            " --params {params.step:q} > {log:q} 2>&1"

    targets(*rules.sklearn_importance_toxicity.output)


if analysis("secondary_events", COMP_CFG["secondary_events"]):

    # mirscope's port of cmprsk::cuminc (Aalen–Johansen, Gray's test; mirscope.survival.competing).
    rule mirscope_cuminc:
        input:
            COMP_CFG["secondary_events"] or [],
        output:
            table=out("tables/cuminc_secondary.tsv"),
            figures=_figure("cuminc_secondary"),
        params:
            step=step_params(
                mirscope.stages.competing.Cuminc, time="time_days", event="event", group="group"
            ),
        log:
            out("logs/mirscope_cuminc/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v cuminc --table {input:q} --out {output.table:q}"
            " --figure {output.figures[0]:q} --params {params.step:q} > {log:q} 2>&1"

    rule mirscope_cuminc_overall:
        input:
            COMP_CFG["secondary_events"] or [],
        output:
            table=out("tables/cuminc_overall.tsv"),
            figures=_figure("cuminc_overall"),
        params:
            step=step_params(mirscope.stages.competing.CumincOverall),
        log:
            out("logs/mirscope_cuminc_overall/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v cuminc-overall --table {input:q} --out {output.table:q}"
            " --figure {output.figures[0]:q} --params {params.step:q} > {log:q} 2>&1"

    targets(*rules.mirscope_cuminc.output)
    targets(*rules.mirscope_cuminc_overall.output)


if analysis("secondary_events", CLINICAL is not None, COMP_CFG["secondary_events"]):

    rule lifelines_km_after_event:
        input:
            events=COMP_CFG["secondary_events"] or [],
            clinical=CLINICAL_TABLE,
        output:
            table=out("tables/km_after_event.tsv"),
            figures=_figure("km_after_event"),
        params:
            step=step_params(mirscope.stages.competing.KMAfterEvent),
        log:
            out("logs/lifelines_km_after_event/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v km-after-event --table {input.events:q} --clinical {input.clinical:q}"
            " --out {output.table:q} --figure {output.figures[0]:q}"
            " --params {params.step:q} > {log:q} 2>&1"

    targets(*rules.lifelines_km_after_event.output)


if analysis("evidence", COMP_CFG["evidence_studies"]):

    rule mirscope_evidence:
        input:
            COMP_CFG["evidence_studies"] or [],
        output:
            table=out("tables/evidence_scores.tsv"),
            figures=_figure("evidence_scores"),
        log:
            out("logs/mirscope_evidence/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v evidence --studies {input:q} --out {output.table:q}"
            " --figure {output.figures[0]:q} > {log:q} 2>&1"

    rule mirscope_evidence_figures:
        input:
            COMP_CFG["evidence_studies"] or [],
        output:
            levels=out("tables/evidence_levels.tsv"),
            contributions=out("tables/evidence_contributions.tsv"),
            classes=out("tables/evidence_classes.tsv"),
            panels=_figure("evidence_panels"),
            class_figure=_figure("evidence_classes"),
        log:
            out("logs/mirscope_evidence_figures/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v evidence-figures --studies {input:q} --levels-out {output.levels:q}"
            " --contributions-out {output.contributions:q} --classes-out {output.classes:q}"
            " --panels-figure {output.panels[0]:q} --classes-figure {output.class_figure[0]:q}"
            " > {log:q} 2>&1"

    targets(*rules.mirscope_evidence.output)
    targets(*rules.mirscope_evidence_figures.output)

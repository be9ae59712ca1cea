# Clinical statistics: Supplementary Table 1 A/B/C (Fisher r x c, Kruskal-Wallis),
# the weighted-LASSO toxicity models and response models (Table 1) with paper-style and
# nested LOOCV (the DE Wald test refitted inside every fold), the published Table 1
# models refitted, and the paper's Kruskal-Wallis / Spearman tests. Logic: mirscope.stats
# (tables, models, association) and mirscope.plots.models; columns are documented in the
# module docstrings. Only with a clinical table; the models need the DE tables.

if CLINICAL is not None:

    rule mirscope_clinical_tables:
        input:
            clinical=CLINICAL_TABLE,
        output:
            overall=out("tables/supp_table1a_overall.tsv"),
            crs=out("tables/supp_table1b_crs.tsv"),
            icans=out("tables/supp_table1c_icans.tsv"),
        log:
            out("logs/mirscope_clinical_tables/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v clinical-tables --clinical {input.clinical:q}"
            " --out-overall {output.overall:q} --out-crs {output.crs:q}"
            " --out-icans {output.icans:q} > {log:q} 2>&1"

    rule mirscope_models:
        input:
            clinical=CLINICAL_TABLE,
            normalized=out("counts/mature_normalized.tsv"),
            counts=out("counts/mature_umi_counts.tsv"),
            de=get_models_de_tables,
        output:
            tables=expand(
                out("tables/models/{model}_{kind}.tsv"), model=MODEL_NAMES, kind=MODEL_KINDS
            ),
            figures=expand(
                out("figures/models/{model}_{kind}.png"), model=MODEL_NAMES, kind=MODEL_FIGURES
            ),
            figures_pdf=expand(
                out("figures/models/{model}_{kind}.pdf"), model=MODEL_NAMES, kind=MODEL_FIGURES
            ),
            toxicity=out("tables/toxicity_models.tsv"),
            response=out("tables/response_models_summary.tsv"),
            table1=out("tables/table1_response_models.tsv"),
            published=out("tables/published_models.tsv"),
            methods=out("tables/models_methods.tsv"),
        params:
            step=step_params(mirscope.stages.models.Models),
            de_dir=outpath("de"),
            tables=outpath("tables"),
            figures=outpath("figures/models"),
        log:
            out("logs/mirscope_models/all.log"),
        benchmark:
            out("benchmarks/mirscope_models/all.tsv")
        threads: 1
        resources:
            mem_mb=2000,
            runtime=60,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v models --clinical {input.clinical:q}"
            " --normalized {input.normalized:q} --counts {input.counts:q}"
            " --de-dir {params.de_dir:q} --outdir {params.tables:q}"
            " --figdir {params.figures:q} --params {params.step:q} > {log:q} 2>&1"

    rule mirscope_associations:
        input:
            clinical=CLINICAL_TABLE,
            normalized=out("counts/mature_normalized.tsv"),
        output:
            groups=out("tables/group_tests.tsv"),
            correlations=out("tables/correlations.tsv"),
        params:
            step=step_params(mirscope.stages.models.Associations),
        log:
            out("logs/mirscope_associations/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v associations --clinical {input.clinical:q}"
            " --normalized {input.normalized:q} --out-groups {output.groups:q}"
            " --out-correlations {output.correlations:q} --params {params.step:q}"
            " > {log:q} 2>&1"

    targets(*rules.mirscope_clinical_tables.output, *rules.mirscope_models.output)
    targets(*rules.mirscope_associations.output)


# --- Model files and external validation --------------------------------------------------
# Every fitted model, the published models refitted, the paper's Table 1 models and its S1
# cut-off saved as versioned YAML model files; with `validation.counts` (or the count
# matrix of `validation.samples`, counted in this run: count.smk) a new cohort scored with
# them (size factors against the training reference), and with `validation.clinical` each
# model validated on it. Logic: mirscope.stages.predict, mirscope.stats.external.

if CLINICAL is not None:

    rule mirscope_model_files:
        input:
            counts=out("counts/mature_umi_counts.tsv"),
            toxicity=out("tables/toxicity_models.tsv"),
            response=out("tables/response_models_summary.tsv"),
            published=out("tables/published_models.tsv"),
            coefficients=expand(out("tables/models/{model}_coefficients.tsv"), model=MODEL_NAMES),
        output:
            files=expand(out("models/{name}.model.yaml"), name=MODEL_FILE_NAMES),
        params:
            step=step_params(mirscope.stages.predict.ModelFiles, config_digest=CONFIG_DIGEST),
            tables=outpath("tables"),
            outdir=outpath("models"),
        log:
            out("logs/mirscope_model_files/all.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v model-files --counts {input.counts:q} --tables {params.tables:q}"
            " --outdir {params.outdir:q} --params {params.step:q} > {log:q} 2>&1"

    targets(*rules.mirscope_model_files.output)

    if VALIDATION_COUNTS:

        rule mirscope_predict:
            input:
                models=expand(out("models/{name}.model.yaml"), name=VALIDATION_MODELS),
                counts=VALIDATION_COUNTS,
                **get_validation_inputs(),
            output:
                predictions=expand(
                    out("validation/predictions/{name}_predictions.tsv"), name=VALIDATION_MODELS
                ),
                **get_validation_outputs(),
            params:
                # the model files and the optional clinical table and validation outputs
                step=step_params(mirscope.stages.predict.Predict, **get_predict_files()),
                outdir=outpath("validation/predictions"),
            log:
                out("logs/mirscope_predict/all.log"),
            threads: 1
            resources:
                mem_mb=2000,
                runtime=10,
            conda:
                MIRSCOPE_ENV
            shell:
                "mirscope -v predict --counts {input.counts:q} --outdir {params.outdir:q}"
                " --params {params.step:q} > {log:q} 2>&1"

        targets(*rules.mirscope_predict.output)

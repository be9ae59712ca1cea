# Counts to findings: DESeq2 normalisation, a Wald test per contrast, patient clustering,
# Figures 1 and 2, Supplementary Table 2 and volcano plots. Logic: mirscope.de.normalize,
# mirscope.de.deseq, mirscope.inputs.outcomes, mirscope.stats.cluster, mirscope.plots.de
# (their module docstrings document every output column).

rule mirscope_normalize:
    input:
        counts=out("counts/mature_umi_counts.tsv"),
    output:
        normalized=out("counts/mature_normalized.tsv"),
        log2=out("counts/mature_normalized_log2.tsv"),
        size_factors=out("counts/size_factors.tsv"),
    params:
        step=step_params(mirscope.stages.de.Normalize),
    log:
        out("logs/mirscope_normalize/all.log"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope -v normalize --counts {input.counts:q} --out {output.normalized:q}"
        " --log2-out {output.log2:q} --size-factors-out {output.size_factors:q}"
        " --params {params.step:q} > {log:q} 2>&1"


if CLINICAL is not None:

    rule pydeseq2_wald:
        input:
            counts=out("counts/mature_umi_counts.tsv"),
            clinical=CLINICAL_TABLE,
        output:
            out("de/{contrast}.tsv"),
        params:
            step=step_params(mirscope.stages.de.DE, contrast=get_contrast),
        log:
            out("logs/pydeseq2_wald/{contrast}.log"),
        benchmark:
            out("benchmarks/pydeseq2_wald/{contrast}.tsv")
        # pydeseq2 runs single-threaded here (n_cpus=1), so results do not depend on cores.
        threads: 1
        resources:
            mem_mb=4000,
            runtime=30,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v de --counts {input.counts:q} --table {input.clinical:q}"
            " --out {output:q} --params {params.step:q} > {log:q} 2>&1"

    rule mirscope_de_table2:
        input:
            get_table2_de,
        output:
            out("tables/supp_table{part}_de.tsv"),
        params:
            step=step_params(mirscope.stages.de.DESelect),
        wildcard_constraints:
            part="2a_crs|2b_icans",
        log:
            out("logs/mirscope_de_table2/{part}.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope de-select --de {input:q} --out {output:q} --params {params.step:q}"
            " > {log:q} 2>&1"

    rule mirscope_cluster:
        input:
            log2=out("counts/mature_normalized_log2.tsv"),
            clinical=CLINICAL_TABLE,
        output:
            clusters=out("tables/clusters.tsv"),
            associations=out("tables/cluster_associations.tsv"),
            png=out("figures/fig1_clustering_heatmap.png"),
            pdf=out("figures/fig1_clustering_heatmap.pdf"),
        params:
            step=step_params(mirscope.stages.de.Cluster),
        log:
            out("logs/mirscope_cluster/all.log"),
        threads: 1
        resources:
            mem_mb=2000,
            runtime=15,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v cluster --log2 {input.log2:q} --clinical {input.clinical:q}"
            " --clusters-out {output.clusters:q} --associations-out {output.associations:q}"
            " --figure {output.png:q} --params {params.step:q} > {log:q} 2>&1"

    rule mirscope_de_heatmap:
        input:
            log2=out("counts/mature_normalized_log2.tsv"),
            clinical=CLINICAL_TABLE,
            de=get_figure2_de,
        output:
            png=out("figures/fig{part}_de_heatmap.png"),
            pdf=out("figures/fig{part}_de_heatmap.pdf"),
        params:
            step=step_params(
                mirscope.stages.de.DEHeatmap,
                contrast=get_figure2_contrast,
                panel=get_figure2_panel,
            ),
        wildcard_constraints:
            part="2a_crs|2b_icans",
        log:
            out("logs/mirscope_de_heatmap/{part}.log"),
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope -v de-heatmap --log2 {input.log2:q} --clinical {input.clinical:q}"
            " --de {input.de:q} --out {output.png:q} --params {params.step:q} > {log:q} 2>&1"

    rule mirscope_volcano:
        input:
            out("de/{contrast}.tsv"),
        output:
            png=out("figures/volcano_{contrast}.png"),
            pdf=out("figures/volcano_{contrast}.pdf"),
        params:
            step=step_params(mirscope.stages.de.Volcano, contrast=get_contrast),
        log:
            out("logs/mirscope_volcano/{contrast}.log"),
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope volcano --de {input:q} --out {output.png:q} --params {params.step:q}"
            " > {log:q} 2>&1"

    targets(*rules.pydeseq2_wald.output, *rules.mirscope_volcano.output, contrast=CONTRAST_NAMES)
    targets(*[rules.mirscope_cluster.output[k] for k in ("clusters", "associations", "png", "pdf")])
    # Table 2 and Figure 2 where validation kept them for this clinical table
    TABLE2_PARTS = [p for p in ("2a_crs", "2b_icans") if analysis(f"table{p[:2]}")]
    targets(*rules.mirscope_de_table2.output, *rules.mirscope_de_heatmap.output, part=TABLE2_PARTS)


targets(rules.mirscope_normalize.output.normalized, rules.mirscope_normalize.output.log2)

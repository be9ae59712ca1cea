# The paper-vs-reanalysis table, built last from the run's own outputs. `snakemake --report`
# then collects every output marked with `reported(...)` into one HTML file.

if CLINICAL is not None:

    rule mirscope_paper_compare:
        input:
            get_paper_compare_inputs,
            clinical=CLINICAL_TABLE,
        output:
            reported(
                out("tables/paper_vs_reanalysis.tsv"), "paper_vs_reanalysis", "Paper vs reanalysis"
            ),
        params:
            outdir=outpath(""),
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
            " --out {output:q} > {log:q} 2>&1"

# The user's clinical table, validated at parse time (common.smk), written once in canonical
# form for every statistics rule (mirscope.inputs.clinical documents the form).

if CLINICAL is not None:

    rule mirscope_clinical:
        input:
            clinical=CFG["clinical"],
            samples=CFG["samples"],
        output:
            CLINICAL_TABLE,
        log:
            out("logs/mirscope_clinical/all.log"),
        benchmark:
            out("benchmarks/mirscope_clinical/all.tsv")
        threads: 1
        resources:
            mem_mb=500,
            runtime=5,
        conda:
            MIRSCOPE_ENV
        shell:
            "mirscope clinical --clinical {input.clinical:q} --samples {input.samples:q}"
            " --out {output:q} > {log:q} 2>&1"

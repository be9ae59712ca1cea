# Expression tables from the count matrices: CPM of each matrix and DESeq2's blind VST of
# the mature UMI counts (mirscope.de.vst; layouts in docs/outputs.md). The step has no
# settings: its files are all on the shell line (mirscope.stages.expression.Expression).


rule mirscope_expression:
    input:
        mature_umi=out("counts/mature_umi_counts.tsv"),
        mature_read=out("counts/mature_read_counts.tsv"),
        hairpin_umi=out("counts/hairpin_umi_counts.tsv"),
        hairpin_read=out("counts/hairpin_read_counts.tsv"),
    output:
        mature_umi_cpm=out("expression/mature_umi_cpm.tsv"),
        mature_read_cpm=out("expression/mature_read_cpm.tsv"),
        hairpin_umi_cpm=out("expression/hairpin_umi_cpm.tsv"),
        hairpin_read_cpm=out("expression/hairpin_read_cpm.tsv"),
        vst=out("expression/mature_umi_vst.tsv"),
    params:
        outdir=outpath("expression"),
    log:
        out("logs/mirscope_expression/all.log"),
    benchmark:
        out("benchmarks/mirscope_expression/all.tsv")
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope -v expression --mature-umi {input.mature_umi:q} --mature-read {input.mature_read:q}"
        " --hairpin-umi {input.hairpin_umi:q} --hairpin-read {input.hairpin_read:q}"
        " --outdir {params.outdir:q} > {log:q} 2>&1"


targets(*rules.mirscope_expression.output)

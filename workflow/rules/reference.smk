# miRBase reference for the configured species: filtered FASTA (U->T), mature loci on the
# hairpins, filtered GFF3 and a manifest with SHA-256 digests (mirscope.fetch.reference), then
# the bowtie index of the hairpins, which the alignment stage reads. No mature index: no rule
# aligns to mature sequences (isomiRs extending past a mature end only align to hairpins).
#
# `auto` files come from Debian's optimir (miRBase v22) or are downloaded from
# reference.mirbase_url into reference/mirbase_download/ (see mirscope.fetch.reference).

import mirscope.stages.fetch

BOWTIE_SUFFIXES = ("1.ebwt", "2.ebwt", "3.ebwt", "4.ebwt", "rev.1.ebwt", "rev.2.ebwt")


rule mirscope_reference:
    input:
        get_reference_inputs,
    output:
        mature=out("reference/{species}_mature.fa"),
        hairpin=out("reference/{species}_hairpin.fa"),
        loci=out("reference/{species}_mature_loci.tsv"),
        gff3=out("reference/{species}_mirbase.gff3"),
        manifest=out("reference/{species}_manifest.tsv"),
    params:
        outdir=get_output_dir,
        step=step_params(mirscope.stages.fetch.Reference),
    wildcard_constraints:
        species=REF_SPECIES,
    log:
        out("logs/mirscope_reference/{species}.log"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope reference --out {params.outdir:q} --params {params.step:q} > {log:q} 2>&1"


rule bowtie_build_hairpin:
    input:
        out("reference/{species}_hairpin.fa"),
    output:
        multiext(out("reference/bowtie/{species}_hairpin."), *BOWTIE_SUFFIXES),
    params:
        prefix=get_bowtie_prefix,
    log:
        out("logs/bowtie_build_hairpin/{species}.log"),
    benchmark:
        out("benchmarks/bowtie_build_hairpin/{species}.tsv")
    threads: 2
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../../envs/bowtie.yaml"
    shell:
        "bowtie-build --threads {threads} {input:q} {params.prefix:q} > {log:q} 2>&1"


targets(*rules.bowtie_build_hairpin.output, rules.mirscope_reference.output.loci, species=REF_SPECIES)

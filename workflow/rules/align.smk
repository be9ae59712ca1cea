# Alignment of unique inserts (not reads) to the species' miRBase hairpins with bowtie v1:
# `mirscope align`, i.e. mirscope.counts.align.align_inserts, the code the tests and the
# benchmark run. Every bowtie parameter and why it is there: mirscope.counts.align.BOWTIE_PARAMETERS.
# Needs: trimmed/{sample}.inserts.fa (trim stage: the unique inserts, named by sequence),
# reference/bowtie/<species>_hairpin.* (reference stage). {cohort}: as in trim.smk.

# Pass 1 aligns every unique insert; pass 2 retries the unaligned ones with their last 2
# nt trimmed (-3 2), recovering inserts with non-templated 3' additions (mirscope.counts.align).
rule bowtie_align_hairpin:
    input:
        fasta=out("{cohort}trimmed/{sample}.inserts.fa"),
        index=multiext(out(f"reference/bowtie/{REF_SPECIES}_hairpin."), *BOWTIE_SUFFIXES),
    output:
        bam=out("{cohort}align/{sample}.hairpin.bam"),
        unaligned=temp(out("{cohort}align/{sample}.pass1_unaligned.fa")),
        pass1=temp(out("{cohort}align/{sample}.pass1.bam")),
        pass2=temp(out("{cohort}align/{sample}.pass2.bam")),
    params:
        index=get_hairpin_index,
    log:
        out("logs/bowtie_align_hairpin/{cohort}{sample}.log"),
    benchmark:
        out("benchmarks/bowtie_align_hairpin/{cohort}{sample}.tsv")
    # One thread: the command always runs bowtie with one (mirscope.counts.align.BOWTIE_THREADS),
    # which makes the BAM the same bytes on every run.
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope -v align {input.fasta:q} --index {params.index:q} --bam {output.bam:q}"
        " --unaligned {output.unaligned:q} --pass1 {output.pass1:q} --pass2 {output.pass2:q}"
        " > {log:q} 2>&1"

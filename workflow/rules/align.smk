# Alignment of unique inserts (not reads) to the species' miRBase hairpins with bowtie v1.
# Every bowtie parameter and why it is there: mirscope.counts.align.BOWTIE_PARAMETERS (the rule
# takes its arguments from there, so the documentation and the command cannot drift apart).
# Needs: trimmed/{sample}.inserts.fa (trim stage: the unique inserts, named by sequence),
# reference/bowtie/<species>_hairpin.* (reference stage).

# Pass 1 aligns every unique insert; pass 2 retries the unaligned ones with their last 2
# nt trimmed (-3 2), recovering inserts with non-templated 3' additions (mirscope.counts.align).
rule bowtie_align_hairpin:
    input:
        fasta=out("trimmed/{sample}.inserts.fa"),
        index=multiext(out(f"reference/bowtie/{REF_SPECIES}_hairpin."), *BOWTIE_SUFFIXES),
    output:
        bam=out("align/{sample}.hairpin.bam"),
        unaligned=temp(out("align/{sample}.pass1_unaligned.fa")),
        pass1=temp(out("align/{sample}.pass1.bam")),
        pass2=temp(out("align/{sample}.pass2.bam")),
    params:
        index=get_hairpin_index,
        pass1=mirscope.counts.align.bowtie_args_str(0),
        pass2=mirscope.counts.align.bowtie_args_str(mirscope.counts.align.NONTEMPLATED_MAX),
    log:
        out("logs/bowtie_align_hairpin/{sample}.log"),
    benchmark:
        out("benchmarks/bowtie_align_hairpin/{sample}.tsv")
    # One thread on purpose: with -p 2 bowtie writes SAM and --un in thread order, so the
    # BAM differs between runs, and its --reorder fix hangs on some inputs (bowtie 1.3.1).
    # Unique inserts are few (tens of thousands), so one thread takes about a second.
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    conda:
        "../../envs/bowtie.yaml"
    shell:
        "(bowtie {params.pass1} -p {threads} -x {params.index:q} {input.fasta:q}"
        " --un {output.unaligned:q} | samtools view -b -o {output.pass1:q} -"
        " && touch {output.unaligned:q}"
        " && bowtie {params.pass2} -p {threads} -x {params.index:q} {output.unaligned:q}"
        " | samtools view -b -o {output.pass2:q} -"
        " && samtools cat -o {output.bam:q} {output.pass1:q} {output.pass2:q}) > {log} 2>&1"

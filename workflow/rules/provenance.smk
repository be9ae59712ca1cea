# Provenance of the run (mirscope.stages.provenance): software versions as the tools report
# them, the miRBase release and SHA-256 of every reference file, and the configuration with
# every default filled in; shown in the Snakemake report and in MultiQC.
#
# bowtie, samtools and MultiQC report their versions from their own environments (with
# --sdm conda they are not on the PATH of the mirscope environment).

import json

from snakemake import __version__ as SNAKEMAKE_VERSION

import mirscope.stages.provenance

VERSION_TOOLS = {"bowtie": "bowtie", "samtools": "samtools", "multiqc": "multiqc"}
VERSION_FILES = {tool: out(f"pipeline_info/versions/{tool}.txt") for tool in VERSION_TOOLS}


rule tool_version:
    output:
        out("pipeline_info/versions/{tool}.txt"),
    wildcard_constraints:
        tool="|".join(VERSION_TOOLS),
    log:
        out("logs/tool_version/{tool}.log"),
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/{tool}.yaml"
    shell:
        "{wildcards.tool} --version > {output:q} 2> {log:q}"


rule mirscope_provenance:
    input:
        tools=list(VERSION_FILES.values()),
        manifest=out(f"reference/{REF_SPECIES}_manifest.tsv"),
        mature=out(f"reference/{REF_SPECIES}_mature.fa"),
        hairpin=out(f"reference/{REF_SPECIES}_hairpin.fa"),
        loci=out(f"reference/{REF_SPECIES}_mature_loci.tsv"),
        gff3=out(f"reference/{REF_SPECIES}_mirbase.gff3"),
    output:
        versions=reported(out("pipeline_info/software_versions.yml")),
        config=reported(out("pipeline_info/config_resolved.yaml")),
        mqc=multiext(
            out("qc/multiqc/mirscope_"), "software_mqc_versions.yml", "provenance_mqc.yml"
        ),
    params:
        step=step_params(
            mirscope.stages.provenance.Provenance,
            config_json=json.dumps(dict(config), default=str),
            config_source=CONFIG_SOURCE,
            tools=[f"{tool}={path}" for tool, path in VERSION_FILES.items()],
            snakemake_version=SNAKEMAKE_VERSION,
        ),
        outdir=outpath("pipeline_info"),
        multiqc_dir=outpath("qc/multiqc"),
    log:
        out("logs/mirscope_provenance/all.log"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        MIRSCOPE_ENV
    shell:
        "mirscope -v provenance --manifest {input.manifest:q}"
        " --reference {input.mature:q} --reference {input.hairpin:q}"
        " --reference {input.loci:q} --reference {input.gff3:q} --gff3 {input.gff3:q}"
        " --outdir {params.outdir:q} --multiqc-dir {params.multiqc_dir:q}"
        " --params {params.step:q} > {log:q} 2>&1"


targets(rules.mirscope_provenance.output.versions, rules.mirscope_provenance.output.config)

# mirscope: plasma small-RNA sequencing reanalysis (Naddeo et al. 2026 and companions).
# Thin on purpose: settings, includes and the `all` target. Logic lives in the mirscope
# package (src/mirscope), rules in workflow/rules/, one file per stage.
#
#   snakemake --cores 2                          # the demo (config/config.yaml)
#   snakemake --cores 2 --configfile my.yaml     # your study (see config/README.md)

from snakemake.utils import min_version

min_version("9.0")

# A user's --configfile replaces the demo config instead of being merged into it, so a
# config without `clinical` really runs without one.
if not config:

    configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/envs.smk"
include: "workflow/rules/reference.smk"
include: "workflow/rules/download.smk"
include: "workflow/rules/clinical.smk"
include: "workflow/rules/trim.smk"
include: "workflow/rules/align.smk"
include: "workflow/rules/count.smk"
include: "workflow/rules/isomir_qc.smk"
include: "workflow/rules/qc.smk"
include: "workflow/rules/diffexp.smk"
include: "workflow/rules/survival.smk"
include: "workflow/rules/companion.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/expression.smk"
include: "workflow/rules/provenance.smk"
# Last: the report numbers the items that the rule files above declared as targets.
include: "workflow/rules/report.smk"


# The report opens on a page written from the run (workflow/rules/report.smk).
report: get_report_landing()


rule all:
    input:
        get_final_targets(),
    default_target: True

# Settings and input functions shared by every stage. Validation runs here, before any job
# is scheduled: the config, then the sample sheet, then the clinical table.

import os
import sys

import mirscope.errors
import mirscope.fetch.reference
import mirscope.inputs.config
import mirscope.inputs.clinical
import mirscope.inputs.sheets
import mirscope.inputs.validate
import mirscope.params

CONFIG_SOURCE = workflow.configfiles[-1] if workflow.configfiles else "config"


def _validated():
    """The config, sample sheet, clinical table and resolved config, as `mirscope validate`
    checks them (the same calls, the same order)."""
    for path in workflow.configfiles:
        mirscope.inputs.config.read_yaml(path)  # Snakemake's loader lets a duplicate key pass
    cfg = mirscope.inputs.config.complete_config(dict(config), source=CONFIG_SOURCE)
    samples = mirscope.inputs.sheets.read_samples(cfg["samples"])
    clinical = (
        mirscope.inputs.clinical.read_clinical(
            cfg["clinical"],
            sample_ids=list(samples.index),
            samples_path=cfg["samples"],
            named=mirscope.inputs.clinical.config_columns(cfg),
        )
        if cfg["clinical"]
        else None
    )
    # The config as it runs against this clinical table: a name the table lacks stops us;
    # a known column it lacks, or a default contrast too small to test, removes the
    # analyses needing it, named in SKIPPED and said on stderr.
    resolved = mirscope.inputs.validate.resolve_references(
        cfg,
        clinical,
        source=CONFIG_SOURCE,
        given=dict(config),
        mirnas=mirscope.fetch.reference.configured_mature_names(cfg),
    )
    return samples, clinical, resolved


# A bad input is one line on stderr and exit 1, as from `mirscope validate`: raised here it
# would print Snakemake's "InputError in file common.smk" and the package's stack frames.
try:
    SAMPLES, CLINICAL, _RESOLVED = _validated()
except mirscope.errors.MirscopeError as _exc:
    print(f"mirscope: error: {_exc}", file=sys.stderr)
    sys.exit(1)
CFG = _RESOLVED.config
SKIPPED = _RESOLVED.skipped
for _note in _RESOLVED.notes:
    print(f"mirscope: warning: {_note}", file=sys.stderr)
for _model, _reason in _RESOLVED.not_estimable.items():
    if _reason:
        print(f"mirscope: warning: model '{_model}' is not estimable ({_reason})", file=sys.stderr)
OUTDIR = CFG["outdir"].rstrip("/")
SAMPLE_IDS = list(SAMPLES.index)
# The canonical clinical table (mirscope.inputs.clinical): the one every statistics rule
# reads, so a user's NA spellings, comment lines and case mean the same in every rule.
CLINICAL_TABLE = f"{OUTDIR}/clinical/clinical.tsv"

def step_params(step, **given):
    """The settings of one job of ``step`` (a declaration in mirscope.stages) as the JSON
    its command takes with ``--params``: every config-bound setting from the resolved
    config, plus ``given``, values or functions of the wildcards. Checked against the
    declaration here, when the workflow is parsed, not in the job."""
    fixed = {k: v for k, v in given.items() if not callable(v)}
    dynamic = {k: v for k, v in given.items() if callable(v)}
    text = mirscope.params.settings_json(step, CFG, **fixed)
    if not dynamic:
        return text
    return lambda wildcards: mirscope.params.settings_json(
        step, CFG, **fixed, **{k: f(wildcards) for k, f in dynamic.items()}
    )


# One run per output directory (mirscope.io.acquire_lock): a second run started from another
# working directory stops here, before any job, instead of deleting the first run's temp()
# inputs. The run holding the lock then removes temporaries a kill -9 left behind.
onstart:
    import mirscope.io

    try:
        mirscope.io.acquire_lock(OUTDIR)
    except mirscope.errors.MirscopeError as _exc:
        print(f"mirscope: error: {_exc}", file=sys.stderr)
        sys.exit(1)
    for _stale in mirscope.io.clean_stale_temporaries(OUTDIR):
        print(f"mirscope: removed a temporary left by a killed run: {_stale}", file=sys.stderr)


onsuccess:
    import mirscope.io

    mirscope.io.release_lock(OUTDIR)


onerror:
    import mirscope.io

    mirscope.io.release_lock(OUTDIR)


def out(path):
    """Path under the configured output directory."""
    return f"{OUTDIR}/{path}"


# --- reference and download (workflow/rules/reference.smk, download.smk) ---------------------
REF_SPECIES = CFG["reference"]["species"]
ACCESSION_SAMPLE_IDS = [s for s in SAMPLE_IDS if SAMPLES.loc[s, "accession"]]


def get_fastq(wildcards):
    """The sample's FASTQ.gz files (several for lanes or runs, in sheet order), or the
    download for `accession` rows."""
    fastq = SAMPLES.loc[wildcards.sample, "fastq"]
    return list(fastq) if fastq else [out(f"fastq/{wildcards.sample}.fastq.gz")]


def get_accession(wildcards):
    return SAMPLES.loc[wildcards.sample, "accession"]


def get_accession_sample_regex():
    """Only accession rows are downloaded; `(?!)` matches nothing when there are none."""
    import re

    return "|".join(re.escape(s) for s in ACCESSION_SAMPLE_IDS) or "(?!)"


def get_download_threads():
    dl = CFG["download"]
    return dl["threads"] if dl["backend"] == "sra-tools" else 1


def get_output_dir(wildcards, output):
    """Directory of a rule's first output (where `mirscope reference` writes)."""
    import os

    return os.path.dirname(output[0])


def get_bowtie_prefix(wildcards, output):
    """bowtie index prefix: the first index file without its `.1.ebwt` suffix."""
    return output[0].removesuffix(".1.ebwt")


def get_reference_inputs(wildcards):
    """Explicit reference files are inputs (a changed file re-runs the rule); `auto` is not."""
    ref = CFG["reference"]
    return [ref[k] for k in ("mature", "hairpin", "gff3") if ref[k] != "auto"]


def _figures(*names):
    return [out(f"figures/{name}.{ext}") for name in names for ext in ("png", "pdf")]


def get_final_targets():
    """Everything the `all` target builds: the analyses and what the report embeds of them
    (helpers/report.smk), with its landing page."""
    targets = get_analysis_targets()
    targets += [i["page"] for i in get_report_outline()]
    targets.append(out("report/landing.rst"))
    return sorted(set(targets))


def get_analysis_targets():
    """Every analysis output, stage by stage, from the config alone.

    One list, so no stage depends on the order the rule files are included in. Analyses
    whose inputs the config does not name (no clinical table, no companion table) are
    left out here exactly as their rules are left undefined.
    """
    targets = [out(f"reference/bowtie/{REF_SPECIES}_hairpin.{s}") for s in BOWTIE_SUFFIXES]
    targets.append(out(f"reference/{REF_SPECIES}_mature_loci.tsv"))
    targets += [out(f"trimmed/{s}.trim.json") for s in SAMPLE_IDS]
    targets += [out(f"counts/{s}.align_stats.json") for s in SAMPLE_IDS]
    targets += [
        out(f"counts/{name}.tsv")
        for name in (
            "mature_umi_counts",
            "mature_read_counts",
            "hairpin_umi_counts",
            "hairpin_read_counts",
            "isomir_counts",
            "mature_normalized",
            "mature_normalized_log2",
        )
    ]
    targets += [out("qc/qc_summary.tsv"), out("qc/multiqc_report.html")]
    targets += [
        out(f"expression/{kind}_{unit}_cpm.tsv")
        for kind in ("mature", "hairpin")
        for unit in ("umi", "read")
    ] + [out("expression/mature_umi_vst.tsv")]
    targets += [
        out("pipeline_info/software_versions.yml"),
        out("pipeline_info/config_resolved.yaml"),
    ]
    targets += [out(f"mirgff3/{s}.gff3") for s in SAMPLE_IDS] + [out("mirgff3/cohort.gff3")]
    targets += [out(f"qc/unassigned_{name}.tsv") for name in ("summary", "top")]
    targets += [out("qc/qc_unassigned.png"), out("qc/qc_unassigned.pdf")]
    if CLINICAL is not None:
        targets += [out(f"de/{c}.tsv") for c in CONTRAST_NAMES]
        targets += _figures(*(f"volcano_{c}" for c in CONTRAST_NAMES))
        targets += _figures("fig1_clustering_heatmap")
        if "table2a" not in SKIPPED:
            targets += [out("tables/supp_table2a_crs_de.tsv"), *_figures("fig2a_crs_de_heatmap")]
        if "table2b" not in SKIPPED:
            targets += [out("tables/supp_table2b_icans_de.tsv"), *_figures("fig2b_icans_de_heatmap")]
        if "suppfig_s1" not in SKIPPED:
            targets += [out("tables/suppfig_s1_cutpoint.tsv"), out("tables/suppfig_s1_km.tsv")]
            targets += _figures("suppfig_s1", *(f"suppfig_s1_{e}" for e in S1_ENDPOINTS))
        if "km_os_overall" not in SKIPPED:
            targets.append(out("tables/km_os_overall.tsv"))
        targets += [
            out(f"tables/{name}.tsv")
            for name in (
                "clusters",
                "cluster_associations",
                "supp_table1a_overall",
                "supp_table1b_crs",
                "supp_table1c_icans",
                "toxicity_models",
                "response_models_summary",
                "table1_response_models",
                "published_models",
                "models_methods",
                "group_tests",
                "correlations",
                "paper_vs_reanalysis",
            )
        ]
        targets += [
            out(f"tables/models/{m}_{k}.tsv") for m in MODEL_NAMES for k in MODEL_KINDS
        ]
        targets += _figures(*(f"models/{m}_{k}" for m in MODEL_NAMES for k in MODEL_FIGURES))
        targets += get_prediction_targets()
        if COMP_CFG["kinetics"] and "kinetics" not in SKIPPED:
            targets += [
                out(f"tables/{name}.tsv")
                for name in (
                    "kinetics_parameters",
                    "kinetics_tests",
                    "kinetics_km_pfs",
                    "kinetics_patients",
                    "kinetics_km_expansion",
                    "kinetics_inflammation_tests",
                    "kinetics_km_combined",
                    "cox_pfs",
                    "logistic_response",
                )
            ]
            targets += _figures(
                "kinetics_curves",
                "kinetics_km_pfs",
                "kinetics_km_expansion",
                "kinetics_inflammation",
                "kinetics_km_combined",
                "forest_cox_pfs",
                "forest_logistic_response",
            )
        if COMP_CFG["covariates"] and "importance" not in SKIPPED:
            targets += [
                out(f"tables/importance_{name}.tsv")
                for name in ("summary", "by_seed", "pruned", "probability", "km_pfs")
            ]
            targets += _figures(
                f"importance_{COMP_CFG['response']}",
                "importance_pfs",
                "importance_probability",
                "importance_km_pfs",
            )
            targets += [out("tables/importance_spearman.tsv"), *_figures("importance_spearman")]
            if COMP_CFG["toxicity_endpoints"]:
                targets += [
                    out(f"tables/importance_toxicity_{name}.tsv") for name in ("summary", "by_seed")
                ]
                targets += _figures(
                    *(f"importance_toxicity_{name}" for name in COMP_CFG["toxicity_endpoints"])
                )
    if COMP_CFG["secondary_events"]:
        targets += [out("tables/cuminc_secondary.tsv"), *_figures("cuminc_secondary")]
        targets += [out("tables/cuminc_overall.tsv"), *_figures("cuminc_overall")]
        if CLINICAL is not None:
            targets += [out("tables/km_after_event.tsv"), *_figures("km_after_event")]
    if COMP_CFG["evidence_studies"]:
        targets += [out("tables/evidence_scores.tsv"), *_figures("evidence_scores")]
        targets += [
            out(f"tables/evidence_{name}.tsv") for name in ("levels", "contributions", "classes")
        ]
        targets += _figures("evidence_panels", "evidence_classes")
    return sorted(set(targets))


def get_paper_compare_inputs(wildcards):
    """Every table the paper comparison reads that this run builds (the rest show as
    "not computed"): the final tables and count matrices, its own output excluded."""
    from pathlib import Path

    return [
        t
        for t in get_analysis_targets()
        if t.endswith(".tsv")
        and ("tables" in Path(t).parts or Path(t).name.startswith("mature_"))
        and not t.endswith("paper_vs_reanalysis.tsv")
    ]


# Each stage's input functions and settings, kept apart from its rules (snakemake --lint).
include: "helpers/trim.smk"
include: "helpers/align.smk"
include: "helpers/count.smk"
include: "helpers/qc.smk"
include: "helpers/diffexp.smk"
include: "helpers/models.smk"
include: "helpers/survival.smk"
include: "helpers/companion.smk"
include: "helpers/report.smk"


def outpath(path):
    """A params function giving `out(path)`: a directory or prefix under outdir that a
    command writes into, derived from the config rather than hard-coded (snakemake --lint)."""

    def _param(wildcards):
        return out(path) if path else OUTDIR

    return _param

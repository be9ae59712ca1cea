# Settings and input functions shared by every stage. Validation runs here, before any job
# is scheduled: the config, then the sample sheet, then the clinical table.

import os
import re
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

#: The cohorts whose reads this run counts, by the prefix of their files under outdir (the
#: `{cohort}` wildcard of the trim, download, align and count rules): the training cohort
#: at the top, the reads of validation.samples under validation/, so that the two sample
#: namespaces never meet. Each has its sample sheet and the config its settings come from
#: (the validation cohort's kit: mirscope.inputs.config.validation_config).
VALIDATION_COHORT = "validation/"
COHORT_SAMPLES = {"": SAMPLES}
COHORT_CFG = {"": CFG}
if _RESOLVED.validation_samples is not None:
    COHORT_SAMPLES[VALIDATION_COHORT] = _RESOLVED.validation_samples
    try:
        COHORT_CFG[VALIDATION_COHORT] = mirscope.inputs.config.validation_config(
            CFG, dict(config), source=CONFIG_SOURCE
        )
    except mirscope.errors.MirscopeError as _exc:
        print(f"mirscope: error: {_exc}", file=sys.stderr)
        sys.exit(1)


# A group, as Snakemake reads an empty constraint as none (any text): this one matches
# the empty prefix of the training cohort.
wildcard_constraints:
    cohort="(?:" + "|".join(re.escape(c) for c in COHORT_SAMPLES) + ")",
# The canonical clinical table (mirscope.inputs.clinical): the one every statistics rule
# reads, so a user's NA spellings, comment lines and case mean the same in every rule.
CLINICAL_TABLE = f"{OUTDIR}/clinical/clinical.tsv"

#: What `rule all` builds. Each rule file adds the outputs of its rules right after them,
#: inside the same condition that defines them, so an optional analysis states its
#: condition once (`analysis`) and the final list derives from the rules.
TARGETS = []


def targets(*patterns, **wildcards):
    """Add outputs (a rule's output patterns, expanded over ``wildcards``) to `rule all`."""
    TARGETS.extend(expand(list(patterns), **wildcards) if wildcards else patterns)


def analysis(name, *conditions):
    """Whether the optional analysis ``name`` runs: every condition holds (its inputs are
    configured) and validation did not skip it for this clinical table (SKIPPED)."""
    return all(bool(c) for c in conditions) and name not in SKIPPED


def step_params(step, *, per_cohort=False, **given):
    """The settings of one job of ``step`` (a declaration in mirscope.stages) as the JSON
    its command takes with ``--params``: every config-bound setting from the resolved
    config, plus ``given``, values or functions of the wildcards. Checked against the
    declaration here, when the workflow is parsed, not in the job. ``per_cohort``: the
    config-bound settings come from the config of the job's cohort (COHORT_CFG, by its
    `{cohort}` wildcard): the kit settings of the trim rule."""
    fixed = {k: v for k, v in given.items() if not callable(v)}
    dynamic = {k: v for k, v in given.items() if callable(v)}
    text = mirscope.params.settings_json(step, CFG, **fixed)
    if not dynamic and not per_cohort:
        return text
    for cfg in COHORT_CFG.values() if per_cohort else ():
        mirscope.params.settings_json(step, cfg, **fixed)

    def _params(wildcards):
        cfg = COHORT_CFG[wildcards.cohort] if per_cohort else CFG
        return mirscope.params.settings_json(
            step, cfg, **fixed, **{k: f(wildcards) for k, f in dynamic.items()}
        )

    return _params


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
ACCESSION_SAMPLE_IDS = sorted(
    {s for sheet in COHORT_SAMPLES.values() for s in sheet.index if sheet.loc[s, "accession"]}
)


def get_cohort_sample(wildcards):
    """The job's row of its cohort's sample sheet."""
    return COHORT_SAMPLES[wildcards.cohort].loc[wildcards.sample]


def get_cohort_sample_ids(wildcards):
    """The job's cohort's sample IDs, in sheet order."""
    return list(COHORT_SAMPLES[wildcards.cohort].index)


def get_fastq(wildcards):
    """The sample's FASTQ.gz files (several for lanes or runs, in sheet order), or the
    download for `accession` rows."""
    fastq = get_cohort_sample(wildcards)["fastq"]
    return (
        list(fastq) if fastq else [out(f"{wildcards.cohort}fastq/{wildcards.sample}.fastq.gz")]
    )


def get_accession(wildcards):
    return get_cohort_sample(wildcards)["accession"]


def get_accession_sample_regex():
    """Only accession rows (of either cohort) are downloaded; `(?!)` matches nothing when
    there are none."""
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


def get_final_targets():
    """Everything the `all` target builds: the analyses and what the report embeds of them
    (helpers/report.smk), with its landing page."""
    targets = get_analysis_targets()
    targets += [i["page"] for i in get_report_outline()]
    targets.append(out("report/landing.rst"))
    return sorted(set(targets))


def get_analysis_targets():
    """Every analysis output this config builds: what the rule files declared with
    `targets` beside their rules (complete once every rule file is included)."""
    return sorted(set(TARGETS))


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

# Settings and input functions shared by every stage. Validation runs here, before any job
# is scheduled: the config, then the sample sheet, then the clinical table.

import mirscope.inputs.config
import mirscope.inputs.sheets

CFG = mirscope.inputs.config.complete_config(dict(config), source=workflow.configfiles[-1] if workflow.configfiles else "config")
OUTDIR = CFG["outdir"].rstrip("/")
SAMPLES = mirscope.inputs.sheets.read_samples(CFG["samples"])
CLINICAL = (
    mirscope.inputs.sheets.read_clinical(CFG["clinical"], sample_ids=list(SAMPLES.index), samples_path=CFG["samples"])
    if CFG["clinical"]
    else None
)
SAMPLE_IDS = list(SAMPLES.index)

# Each stage file appends the outputs `rule all` should build when its inputs exist.
FINAL_TARGETS = []


def get_final_targets():
    return sorted(set(FINAL_TARGETS))


def out(path):
    """Path under the configured output directory."""
    return f"{OUTDIR}/{path}"


# --- reference and download (workflow/rules/reference.smk, download.smk) ---------------------
REF_SPECIES = CFG["reference"]["species"]
ACCESSION_SAMPLE_IDS = [s for s in SAMPLE_IDS if SAMPLES.loc[s, "accession"]]


def get_fastq(wildcards):
    """The sample's FASTQ.gz: its local `fastq` path, or the download for `accession` rows."""
    fastq = SAMPLES.loc[wildcards.sample, "fastq"]
    return fastq if fastq else out(f"fastq/{wildcards.sample}.fastq.gz")


def get_accession(wildcards):
    return SAMPLES.loc[wildcards.sample, "accession"]


def get_accession_sample_regex():
    """Only accession rows are downloaded; `(?!)` matches nothing when there are none."""
    import re

    return "|".join(re.escape(s) for s in ACCESSION_SAMPLE_IDS) or "(?!)"


def get_download_threads():
    dl = CFG["download"]
    return dl["threads"] if dl["backend"] == "sra-tools" else 1


def get_download_options(wildcards):
    """Command-line options of `mirscope download` from the `download` config section."""
    import shlex

    dl = CFG["download"]
    return " ".join(
        [
            f"--backend {dl['backend']}",
            f"--ena-portal {shlex.quote(dl['ena_portal'])}",
            f"--scheme {dl['scheme']}",
            f"--retries {dl['retries']}",
            f"--backoff {dl['backoff']}",
            f"--timeout {dl['timeout']}",
        ]
    )


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


def get_reference_options(wildcards):
    """Command-line options of `mirscope reference` from the `reference` config section."""
    import shlex

    ref = CFG["reference"]
    opts = [f"--{k} {shlex.quote(ref[k])}" for k in ("mature", "hairpin", "gff3")]
    opts.append(f"--mirbase-url {shlex.quote(ref['mirbase_url'])}")
    for kind, digest in sorted((ref.get("sha256") or {}).items()):
        if digest:
            opts.append(f"--sha256-{kind} {digest}")
    return " ".join(opts)


def reported(paths, caption, category, subcategory=None):
    """Mark output(s) for the Snakemake report (`snakemake --report`), with a caption
    from workflow/report/<caption>.rst; a list is marked element by element."""
    kwargs = dict(caption=f"../report/{caption}.rst", category=category)
    if subcategory is not None:
        kwargs["subcategory"] = subcategory
    if isinstance(paths, str):
        return report(paths, **kwargs)
    return [report(p, **kwargs) for p in paths]


def get_paper_compare_inputs():
    """Every table the paper comparison reads that this run builds (the rest show as
    "not computed"): the stage outputs collected so far, tables and count matrices only."""
    from pathlib import Path

    return sorted(
        t
        for t in set(FINAL_TARGETS)
        if t.endswith(".tsv")
        and ("tables" in Path(t).parts or Path(t).name.startswith("mature_"))
    )


# Each stage's input functions and settings, kept apart from its rules (snakemake --lint).
include: "helpers/trim.smk"
include: "helpers/align.smk"
include: "helpers/count.smk"
include: "helpers/qc.smk"
include: "helpers/diffexp.smk"
include: "helpers/models.smk"
include: "helpers/survival.smk"
include: "helpers/companion.smk"


def outpath(path):
    """A params function giving `out(path)`: a directory or prefix under outdir that a
    command writes into, derived from the config rather than hard-coded (snakemake --lint)."""

    def _param(wildcards):
        return out(path) if path else OUTDIR

    return _param

# Settings and input functions shared by every stage. Validation runs here, before any job
# is scheduled: the config, then the sample sheet, then the clinical table.

import mirscope.config
import mirscope.sheets

CFG = mirscope.config.complete_config(dict(config), source=workflow.configfiles[-1] if workflow.configfiles else "config")
OUTDIR = CFG["outdir"].rstrip("/")
SAMPLES = mirscope.sheets.read_samples(CFG["samples"])
CLINICAL = (
    mirscope.sheets.read_clinical(CFG["clinical"], sample_ids=list(SAMPLES.index))
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

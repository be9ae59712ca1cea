"""Validation: the config, sample sheet and clinical table, checked before any work.

Validation stage: check the config, the sample sheet and the clinical table, write nothing.

The step is declared once here (:mod:`mirscope.params`); ``mirscope validate`` derives
from it. The checks are :mod:`mirscope.inputs.validate`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from mirscope.inputs.validate import validate_inputs
from mirscope.params import REQUIRED, param


@dataclass(frozen=True)
class Validate:
    config_path: str = param(
        REQUIRED,
        flag="--config",
        role="input",
        help="Workflow config (YAML); its `samples` and `clinical` tables are checked too.",
    )


def run_validate(step: Validate) -> None:
    """Validate a config, its sample sheet and its clinical table before any work.

    Prints one summary line on success; the first problem found is reported as one line
    naming the file, row, column, bad value and what is allowed (exit code 1). Relative
    paths in the config are taken relative to the current directory, as Snakemake does.
    """
    from mirscope.fetch.reference import configured_mature_names

    summary = validate_inputs(step.config_path, reference_names=configured_mature_names)
    print(summary.line(), flush=True)
    for note in summary.notes():
        print(note, file=sys.stderr, flush=True)


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "validate": (Validate, run_validate),
}

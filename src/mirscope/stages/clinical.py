"""The clinical table, canonical: the one every statistics rule reads.

Clinical stage: the canonical clinical table every statistics rule reads.

The step is declared once here (:mod:`mirscope.params`); the command ``mirscope clinical``
and the clinical rule both derive from the declaration. The canonical form is documented in
:mod:`mirscope.inputs.clinical`.
"""

from __future__ import annotations

from dataclasses import dataclass

from mirscope.inputs.clinical import read_clinical, write_clinical
from mirscope.inputs.sheets import read_samples
from mirscope.params import REQUIRED, param


@dataclass(frozen=True)
class Clinical:
    clinical: str = param(
        REQUIRED, role="input", help="The user's clinical table (TSV keyed by sample_id)."
    )
    samples: str = param(
        REQUIRED,
        role="input",
        help="The sample sheet: one clinical row per sample, in its order.",
    )
    out: str = param(REQUIRED, role="output", help="Canonical clinical table to write (TSV).")


def run_clinical(step: Clinical) -> None:
    """Write the clinical table in canonical form, so every rule reads one meaning.

    Missing values (NA, NaN, empty, id-only rows), header and category case, comment
    lines, padded cells and column order are resolved here, once; the output has the
    schema's columns in schema order and one row per sample of the sheet.
    """
    sheet = read_samples(step.samples)
    write_clinical(
        read_clinical(step.clinical, list(sheet.index), samples_path=step.samples), step.out
    )


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "clinical": (Clinical, run_clinical),
}

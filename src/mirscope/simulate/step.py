"""Demo cohort: a simulated cohort with the paper's design and known truth.

The ``simulate`` step, declared once (:mod:`mirscope.params`); ``mirscope simulate``
derives from it.

Why here and not in ``mirscope.stages``: the simulator is its own layer, above the stages
(it writes a cohort for the pipeline to read, and the pipeline never imports it), so its
step lives beside it and imports only downwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from mirscope.params import REQUIRED, param
from mirscope.simulate import PRESETS, refresh_companion, simulate_cohort


@dataclass(frozen=True, kw_only=True)  # kw_only: options in their --help order
class Simulate:
    out: str = param(
        REQUIRED,
        role="output",
        directory=True,
        help="Output directory; samples.tsv lists FASTQ paths under it exactly as given.",
    )
    seed: int = param(REQUIRED, min=0, help="Random seed (same seed, same bytes).")
    reads_per_sample: int = param(
        20_000,
        min=100,
        help="Mean reads per sample (each library's depth varies around it).",
    )
    patients: int = param(
        53,
        min=4,
        help="Number of patients (53 gives the paper's exact marginals; others are scaled).",
    )
    read_length: int = param(75, min=50, help="Read length.")
    preset: str = param(
        "qiaseq",
        choices=PRESETS,
        help="Library kit: qiaseq (adapter + 12-nt UMI), illumina (TruSeq), nextflex (4N ends).",
    )
    companion_only: bool = param(
        False,
        help="Only rewrite the companion-study tables from OUT/clinical.tsv (no reads).",
    )


def run_simulate(step: Simulate) -> None:
    """Simulate a demo cohort with the design of Naddeo et al. 2026."""
    if step.companion_only:
        refresh_companion(step.out, step.seed)
        print(f"rewrote the companion tables in {step.out}", flush=True)
        return
    sheet = simulate_cohort(
        step.out,
        step.seed,
        n_patients=step.patients,
        reads_per_sample=step.reads_per_sample,
        read_length=step.read_length,
        preset=step.preset,
    )
    print(f"simulated {len(sheet)} samples into {step.out}", flush=True)


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "simulate": (Simulate, run_simulate),
}

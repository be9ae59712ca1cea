"""``mirscope validate`` and the workflow's parse step: every input, checked in one order."""

from __future__ import annotations

import os
from dataclasses import dataclass

from mirscope.inputs.clinical import missing_clinical_columns, read_clinical
from mirscope.inputs.config import load_config
from mirscope.inputs.sheets import read_samples


@dataclass(frozen=True)
class InputSummary:
    """What ``mirscope validate`` found in a valid config and its tables."""

    config: str
    n_samples: int
    n_fastq: int
    n_accession: int
    n_clinical: int | None
    missing_columns: tuple[str, ...] = ()

    def line(self) -> str:
        """The one-line summary printed on success."""
        clinical = (
            "no clinical table (the run stops after the count matrices)"
            if self.n_clinical is None
            else f"{self.n_clinical} clinical rows"
        )
        return (
            f"{self.config}: valid - {self.n_samples} samples ({self.n_fastq} with fastq, "
            f"{self.n_accession} with accession), {clinical}"
        )

    def notes(self) -> list[str]:
        """Extra remarks for stderr (known clinical columns the table lacks)."""
        if not self.missing_columns:
            return []
        return [
            "note: the clinical table lacks "
            + ", ".join(self.missing_columns)
            + "; analyses that need them will be skipped"
        ]


def validate_inputs(config_path: str | os.PathLike[str]) -> InputSummary:
    """Validate a config file, then its sample sheet, then its clinical table.

    The same checks, in the same order, as ``workflow/rules/common.smk`` runs when
    Snakemake parses the workflow; nothing is written. Raises the first
    :class:`~mirscope.errors.InputError`.
    """
    cfg = load_config(config_path)
    samples = read_samples(cfg["samples"])
    clinical = (
        read_clinical(cfg["clinical"], list(samples.index), samples_path=cfg["samples"])
        if cfg["clinical"]
        else None
    )
    return InputSummary(
        config=str(config_path),
        n_samples=len(samples),
        n_fastq=int(samples["fastq"].notna().sum()),
        n_accession=int(samples["accession"].notna().sum()),
        n_clinical=None if clinical is None else len(clinical),
        missing_columns=tuple(missing_clinical_columns(clinical)) if clinical is not None else (),
    )

"""Unassigned-insert QC commands, derived from the steps of :mod:`mirscope.stages.unassigned`:
per sample, then the cohort table, figure and MultiQC files."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import unassigned as S

COMMANDS = [
    command("unassigned", S.Unassigned, S.run_unassigned),
    command("unassigned-qc", S.UnassignedQC, S.run_unassigned_qc),
]

"""Evidence-score commands, derived from the steps of :mod:`mirscope.stages.evidence`."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import evidence as S

COMMANDS = [
    command("evidence", S.Evidence, S.run_evidence),
    command("evidence-figures", S.EvidenceFigures, S.run_evidence_figures),
]

"""`mirscope trim` (one sample) and `mirscope qc` (the run), derived from the steps of
:mod:`mirscope.stages.trim` and :mod:`mirscope.stages.qc`."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import qc as Q
from mirscope.stages import trim as S

trim = command("trim", S.Trim, S.run_trim)
qc = command("qc", Q.QC, Q.run_qc)

COMMANDS = [trim, qc]

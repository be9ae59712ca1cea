"""Commands that fetch inputs, derived from the steps of :mod:`mirscope.stages.fetch`:
reads from SRA/ENA (``download``) and miRBase (``reference``)."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import fetch as S

COMMANDS = [
    command("download", S.Download, S.run_download),
    command("reference", S.Reference, S.run_reference),
]

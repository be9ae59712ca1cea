"""`mirscope provenance`, derived from the step of :mod:`mirscope.stages.provenance`:
software versions, reference digests and the resolved config."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import provenance as S

COMMANDS = [command("provenance", S.Provenance, S.run_provenance)]

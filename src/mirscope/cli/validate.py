"""``mirscope validate``, derived from the step of :mod:`mirscope.stages.validate`: check
the config, the sample sheet and the clinical table, write nothing."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import validate as S

COMMANDS = [command("validate", S.Validate, S.run_validate)]

"""``mirscope clinical``, derived from the step of :mod:`mirscope.stages.clinical`: the
canonical clinical table every statistics rule reads."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import clinical as S

COMMANDS = [command("clinical", S.Clinical, S.run_clinical)]

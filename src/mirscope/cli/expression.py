"""`mirscope expression`, derived from the step of :mod:`mirscope.stages.expression`: CPM and
VST tables from the count matrices."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import expression as S

COMMANDS = [command("expression", S.Expression, S.run_expression)]

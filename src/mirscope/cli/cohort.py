"""Cohort commands: ``mirscope simulate`` writes the demo cohort, derived from the step of
:mod:`mirscope.simulate.step` (the simulator's own layer, above the stages)."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.simulate import step as S

COMMANDS = [command("simulate", S.Simulate, S.run_simulate)]

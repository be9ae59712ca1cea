"""CAR T kinetics commands, derived from the steps of :mod:`mirscope.stages.kinetics`."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import kinetics as S

COMMANDS = [
    command("kinetics", S.Kinetics, S.run_kinetics),
    command("kinetics-inflammation", S.KineticsInflammation, S.run_kinetics_inflammation),
]

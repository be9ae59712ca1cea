"""Competing-risk commands, derived from the steps of :mod:`mirscope.stages.competing`."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import competing as S

COMMANDS = [
    command("cuminc", S.Cuminc, S.run_cuminc),
    command("cuminc-overall", S.CumincOverall, S.run_cuminc_overall),
    command("km-after-event", S.KMAfterEvent, S.run_km_after_event),
]

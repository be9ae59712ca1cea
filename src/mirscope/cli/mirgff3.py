"""mirGFF3 commands, derived from the steps of :mod:`mirscope.stages.mirgff3`: one sample's
isomiRs, and the cohort file merged from them."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import mirgff3 as S

COMMANDS = [
    command("mirgff3", S.Mirgff3, S.run_mirgff3),
    command("mirgff3-merge", S.Mirgff3Merge, S.run_mirgff3_merge),
]

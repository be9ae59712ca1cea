from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import survival as S

COMMANDS = [
    command("cutpoint", S.Cutpoint, S.run_cutpoint),
    command("km", S.KM, S.run_km),
    command("survival", S.SuppFigS1, S.run_suppfig_s1),
    command("cox", S.Cox, S.run_cox),
    command("logistic-or", S.LogisticOR, S.run_logistic_or),
]

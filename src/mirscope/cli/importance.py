"""Covariate importance commands, derived from the steps of :mod:`mirscope.stages.importance`."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import importance as S

COMMANDS = [
    command("importance", S.Importance, S.run_importance),
    command("importance-toxicity", S.ImportanceToxicity, S.run_importance_toxicity),
    command("importance-spearman", S.ImportanceSpearman, S.run_importance_spearman),
]

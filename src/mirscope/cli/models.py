"""Clinical-statistics commands, derived from the steps of :mod:`mirscope.stages.models`."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import models as S

COMMANDS = [
    command("logistic", S.Logistic, S.run_logistic),
    command("lasso", S.Lasso, S.run_lasso),
    command("clinical-tables", S.ClinicalTables, S.run_clinical_tables),
    command("models", S.Models, S.run_models_step),
    command("associations", S.Associations, S.run_associations),
]

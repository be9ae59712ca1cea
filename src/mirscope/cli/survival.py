"""Survival commands, derived from the steps of :mod:`mirscope.stages.survival`.

``cutpoint`` and ``cox`` work on any TSV with time/event columns, ``km`` on the clinical
table (``--clinical``) or any such TSV (``--table``); ``survival`` produces Supplementary
Figure S1 from the clinical table and the normalized counts.
"""

from __future__ import annotations

import inspect

import click

from mirscope.cli.steps import command
from mirscope.stages import survival as S


def _km(step: S.KM) -> None:
    # Both or neither input is a usage error (exit 2), as click reports a missing option.
    if not step.one_input:
        raise click.UsageError("give exactly one of --clinical and --table")
    S.run_km(step)


COMMANDS = [
    command("cutpoint", S.Cutpoint, S.run_cutpoint),
    command("km", S.KM, _km, doc=inspect.getdoc(S.run_km)),
    command("survival", S.SuppFigS1, S.run_suppfig_s1),
    command("cox", S.Cox, S.run_cox),
    command("logistic-or", S.LogisticOR, S.run_logistic_or),
]

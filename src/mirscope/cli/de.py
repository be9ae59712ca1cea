"""Counts-to-findings commands, derived from the steps of :mod:`mirscope.stages.de`."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import de as S

COMMANDS = [
    command("normalize", S.Normalize, S.run_normalize),
    command("de", S.DE, S.run_de),
    command("de-select", S.DESelect, S.run_de_select),
    command("cluster", S.Cluster, S.run_cluster),
    command("de-heatmap", S.DEHeatmap, S.run_de_heatmap),
    command("volcano", S.Volcano, S.run_volcano),
]

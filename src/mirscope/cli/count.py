"""Counting commands (unique inserts, their alignment, per-sample counts, merged
matrices), derived from the steps of :mod:`mirscope.stages.count`."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import count as S

COMMANDS = [
    command("inserts", S.Inserts, S.run_inserts),
    command("align", S.Align, S.run_align),
    command("count", S.Count, S.run_count),
    command("matrix", S.Matrix, S.run_matrix),
]

"""Report commands, derived from the steps of :mod:`mirscope.stages.report`."""

from __future__ import annotations

from mirscope.cli.steps import command
from mirscope.stages import report as S

COMMANDS = [
    command("paper-compare", S.PaperCompare, S.run_paper_compare),
    command("report-tables", S.ReportTables, S.run_report_tables),
    command("report-figures", S.ReportFigures, S.run_report_figures),
    command("report-embed", S.ReportEmbed, S.run_report_embed),
    command("report-landing", S.ReportLanding, S.run_report_landing),
]

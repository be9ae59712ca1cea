"""The ``mirscope`` command line: parse, dispatch, and one exception boundary.

Each stage keeps its subcommands in ``mirscope/cli/<stage>.py`` as a list ``COMMANDS`` of
click commands; this module only collects them. Errors: usage problems exit 2 (click),
data problems exit 1 with a single line on stderr; a traceback only with ``--debug``.
"""

from __future__ import annotations

import errno
import importlib
import logging
import sys

import click

from mirscope import __version__
from mirscope.errors import MirscopeError

# Stage modules under mirscope/cli/, in `mirscope --help` order, and the commands each one
# defines. Listed statically so that running one command imports only its own stage: the
# rules start `mirscope` hundreds of times per run, and importing every stage (pandas,
# scipy, pydeseq2, lifelines...) each time cost seconds per job. tests/test_cli.py checks
# this table against each module's COMMANDS list.
STAGE_COMMANDS: dict[str, tuple[str, ...]] = {
    "validate": ("validate",),
    "clinical": ("clinical",),
    "cohort": ("simulate",),
    "fetch": ("download", "reference"),
    "trim": ("trim", "qc"),
    "count": ("inserts", "align", "count", "matrix"),
    "mirgff3": ("mirgff3", "mirgff3-merge"),
    "unassigned": ("unassigned", "unassigned-qc"),
    "expression": ("expression",),
    "de": ("normalize", "de", "de-select", "cluster", "de-heatmap", "volcano"),
    "models": ("logistic", "lasso", "clinical-tables", "models", "associations"),
    "survival": ("cutpoint", "km", "survival", "cox", "logistic-or"),
    "competing": ("cuminc", "cuminc-overall", "km-after-event"),
    "kinetics": ("kinetics", "kinetics-inflammation"),
    "importance": ("importance", "importance-toxicity", "importance-spearman"),
    "evidence": ("evidence", "evidence-figures"),
    "report": (
        "paper-compare",
        "report-tables",
        "report-figures",
        "report-embed",
        "report-landing",
    ),
    "provenance": ("provenance",),
}
STAGE_MODULES = tuple(STAGE_COMMANDS)
_COMMAND_MODULE = {cmd: mod for mod, cmds in STAGE_COMMANDS.items() for cmd in cmds}


class _Group(click.Group):
    """A click group that loads a stage only when one of its commands runs, and whose
    invoke() is the single place data errors become exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMAND_MODULE)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module_name = _COMMAND_MODULE.get(name)
        if module_name is None:
            return None
        module = importlib.import_module(f"mirscope.cli.{module_name}")
        for command in module.COMMANDS:
            if command.name == name:
                return command
        return None

    def invoke(self, ctx: click.Context):  # noqa: D102
        try:
            return super().invoke(ctx)
        except MirscopeError as exc:
            if ctx.meta.get("mirscope.debug"):
                raise
            click.echo(f"mirscope: error: {exc}", err=True)
            sys.exit(1)
        except OSError as exc:
            # The filesystem's answer is the user's to act on (free space, permissions, a
            # file where a directory should be); a traceback would bury it.
            if ctx.meta.get("mirscope.debug") or exc.errno not in _USER_ERRNOS:
                raise
            where = exc.filename if exc.filename is not None else "output"
            click.echo(f"mirscope: error: {where}: {exc.strerror}", err=True)
            sys.exit(1)


_USER_ERRNOS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
}


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mirscope")
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: int) -> None:
    """Plasma small-RNA sequencing reanalysis for CAR T-cell therapy cohorts."""
    ctx.meta["mirscope.debug"] = debug
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI in-process (tests call this) and return the exit code."""
    try:
        cli.main(args=argv, prog_name="mirscope", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

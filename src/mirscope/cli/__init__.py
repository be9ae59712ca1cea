"""The ``mirscope`` command line: parse, dispatch, and one exception boundary.

Each stage keeps its subcommands in ``mirscope/cli/<stage>.py`` as a list ``COMMANDS`` of
click commands; this module only collects them. Errors: usage problems exit 2 (click),
data problems exit 1 with a single line on stderr; a traceback only with ``--debug``.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from mirscope import __version__
from mirscope.errors import MirscopeError

# One entry per stage module under mirscope/cli/. Order is the order in `mirscope --help`.
STAGE_MODULES = (
    "validate",
    "cohort",
    "data",
    "fetch",
    "trim",
    "count",
    "de",
    "survival",
    "models",
)


class _Group(click.Group):
    """A click group whose invoke() is the single place data errors become exit code 1."""

    def invoke(self, ctx: click.Context):  # noqa: D102
        try:
            return super().invoke(ctx)
        except MirscopeError as exc:
            if ctx.meta.get("mirscope.debug"):
                raise
            click.echo(f"mirscope: error: {exc}", err=True)
            sys.exit(1)


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


for _name in STAGE_MODULES:
    _module = importlib.import_module(f"mirscope.cli.{_name}")
    for _command in _module.COMMANDS:
        cli.add_command(_command)


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

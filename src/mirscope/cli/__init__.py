"""The ``mirscope`` command line: parse, dispatch, and one exception boundary.

The commands are the steps the stage modules declare (``STEPS`` in ``mirscope/stages/*.py``
and ``mirscope/simulate/``); :mod:`mirscope.cli.steps` turns each declaration into its
click command, so adding a step touches its stage module and nothing here. Errors: usage
problems exit 2 (click), data problems exit 1 with a single line on stderr; a traceback
only with ``--debug``.
"""

from __future__ import annotations

import ast
import errno
import importlib
import importlib.util
import inspect
import logging
import sys
from pathlib import Path

import click

from mirscope import __version__
from mirscope.cli import steps
from mirscope.errors import MirscopeError

#: Packages whose modules declare steps in a module-level ``STEPS`` mapping
#: (command name -> (declaration, run function)); each such module is a section of
#: ``mirscope --help``, titled by its docstring's first line.
STEP_PACKAGES = ("mirscope.stages", "mirscope.simulate")

#: Section order in ``mirscope --help``: by what users do, the pipeline's order. A module
#: not listed comes after these, alphabetically.
SECTION_ORDER = (
    "validate",
    "cohort",
    "clinical",
    "fetch",
    "trim",
    "count",
    "qc",
    "mirgff3",
    "unassigned",
    "expression",
    "de",
    "models",
    "survival",
    "competing",
    "kinetics",
    "importance",
    "evidence",
    "report",
    "provenance",
)


def _steps_literal(path: Path) -> list[str]:
    """The command names of a module's ``STEPS = {...}``, read from its source: running one
    command must import only its own stage (the rules start `mirscope` hundreds of times
    per run, and importing every stage, pandas, scipy, lifelines..., cost seconds a job)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if (
            isinstance(target, ast.Name)
            and target.id == "STEPS"
            and isinstance(node.value, ast.Dict)
        ):
            return [k.value for k in node.value.keys if isinstance(k, ast.Constant)]
    return []


def step_modules() -> dict[str, str]:
    """Command name -> the module declaring it, in help order."""
    found: dict[str, tuple[str, ...]] = {}
    for package in STEP_PACKAGES:
        spec = importlib.util.find_spec(package)
        for folder in spec.submodule_search_locations or ():
            for path in sorted(Path(folder).glob("*.py")):
                names = _steps_literal(path)
                if names:
                    found[f"{package}.{path.stem}"] = tuple(names)
    rank = {name: i for i, name in enumerate(SECTION_ORDER)}
    ordered = sorted(found, key=lambda m: (rank.get(m.rpartition(".")[2], len(rank)), m))
    out: dict[str, str] = {}
    for module in ordered:
        for name in found[module]:
            if name in out:
                raise RuntimeError(f"command {name!r} declared in {out[name]} and {module}")
            out[name] = module
    return out


class _Group(click.Group):
    """A click group that loads a stage only when one of its commands runs, and whose
    invoke() is the single place data errors become exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(step_modules())

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module_name = step_modules().get(name)
        if module_name is None:
            return None
        step, run = importlib.import_module(module_name).STEPS[name]
        return steps.command(name, step, run)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Commands in sections, one a stage module, titled by its docstring."""
        by_module: dict[str, list[str]] = {}
        for name, module in step_modules().items():
            by_module.setdefault(module, []).append(name)
        for module_name, names in by_module.items():
            module = importlib.import_module(module_name)
            first = (module.__doc__ or module_name).strip().split("\n\n")[0]
            title = " ".join(first.split()).replace("``", "").rstrip(".:")
            rows = []
            for name in names:
                doc = inspect.getdoc(module.STEPS[name][1]) or ""
                rows.append((name, doc.splitlines()[0] if doc else ""))
            with formatter.section(title):
                formatter.write_dl(rows)

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

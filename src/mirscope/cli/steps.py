"""Click commands derived from step declarations (:mod:`mirscope.params`).

Why: the options of a command are its step's fields, so they are written once, beside
the stage function, and the workflow fills the same fields from the config. A generated
command takes one option per field (with the field's help, default and bounds) plus
``--params``, the JSON document a rule passes: values from ``--params``, then any option
given on the command line, then the declared defaults.
"""

from __future__ import annotations

import inspect

import click
from click.core import ParameterSource

from mirscope import params as P
from mirscope.errors import UsageError

REQUIRED_DEFAULT = P.REQUIRED

_TYPES = {int: click.INT, float: click.FLOAT, str: click.STRING, bool: click.BOOL}


def _click_type(spec: P.Spec) -> click.ParamType:
    meta = spec.meta
    if spec.role in ("input", "output"):
        if spec.base is not str:
            return click.Path()
        if meta["directory"]:
            return click.Path(file_okay=False, exists=meta["exists"])
        return click.Path(dir_okay=False, exists=meta["exists"])
    if meta["choices"] is not None:
        return click.Choice(meta["choices"])
    if spec.many and meta["sep"]:
        return click.STRING
    if spec.base in (int, float) and (meta["min"] is not None or meta["max"] is not None):
        ranged = click.IntRange if spec.base is int else click.FloatRange
        return ranged(meta["min"], meta["max"])
    return _TYPES.get(spec.base, click.STRING)


def _default(spec: P.Spec):
    """The declared default in click's terms (shown in --help; the value itself is taken
    only when the option was typed, so --params can fill the rest)."""
    if spec.required or hasattr(spec.base, "from_config"):
        return None  # structured values: their default is the declaration's, shown in help
    if spec.many and spec.meta["sep"]:
        return spec.meta["sep"].join(
            f"{v:g}" if isinstance(v, float) else str(v) for v in spec.default
        )
    return spec.default


def _shown(spec: P.Spec) -> bool | str:
    if spec.default in (None, (), REQUIRED_DEFAULT):
        return False
    if hasattr(spec.base, "from_config"):
        values = spec.default if spec.many else (spec.default,)
        return ", ".join(getattr(v, "text", str(v)) for v in values)
    return True


def _option(spec: P.Spec) -> click.Parameter:
    meta = spec.meta
    if meta["argument"]:
        return click.Argument(
            [spec.name],
            type=_click_type(spec),
            nargs=-1 if spec.many else 1,
            required=False,  # it may come in --params; checked in the callback
            metavar=meta["metavar"],
        )
    decls = [spec.flag] + ([meta["short"]] if meta["short"] else []) + [spec.name]
    help_text = meta["help"]
    if spec.required:
        help_text += "  [required]"
    if spec.base is bool and not spec.many and spec.optional:
        switch = f"{spec.flag}/--no-{spec.flag.removeprefix('--')}"
        return click.Option([switch, spec.name], default=None, help=help_text)
    if spec.base is bool and not spec.many:
        if spec.default is True:  # on unless turned off: the --no- form must exist
            decls = [f"{spec.flag}/--no-{spec.flag.removeprefix('--')}", spec.name]
        return click.Option(
            decls,
            is_flag=True,
            default=bool(spec.default) if not spec.required else False,
            show_default=not spec.required,
            help=help_text,
        )
    return click.Option(
        decls,
        type=_click_type(spec),
        multiple=spec.many and not meta["sep"],
        nargs=meta["nargs"] or 1,
        required=False,  # it may come in --params; checked in the callback
        default=_default(spec),
        show_default=_shown(spec),
        metavar=meta["metavar"],
        help=help_text,
    )


def command(name: str, step: type, run: P.Runner, *, doc: str | None = None) -> click.Command:
    """The command ``name``: its options from ``step``'s fields; it builds the step and
    calls ``run(step)``. Help text: ``doc`` or ``run``'s docstring."""
    spec_list = P.specs(step)

    def callback(**values):
        ctx = click.get_current_context()
        text = values.pop("params_json")
        given = P.loads(text) if text else {}
        for spec in spec_list:
            if ctx.get_parameter_source(spec.name) is ParameterSource.COMMANDLINE:
                value = values[spec.name]
                given[spec.name] = list(value) if isinstance(value, tuple) else value
        for spec in spec_list:
            if spec.required and spec.name not in given:
                what = spec.name.upper() if spec.meta["argument"] else spec.flag
                kind = "argument" if spec.meta["argument"] else "option"
                raise click.UsageError(f"Missing {kind} '{what}'.", ctx)
        try:
            built = P.build(step, given, source=f"mirscope {name}")
        except UsageError as exc:
            raise click.UsageError(str(exc), ctx) from None
        run(built)

    options = [_option(s) for s in spec_list]
    options.append(
        click.Option(
            ["--params", "params_json"],
            default=None,
            metavar="JSON",
            help="Settings as one JSON object (the workflow passes them so); options given "
            "on the command line win.",
        )
    )
    cmd = click.Command(
        name,
        callback=callback,
        params=options,
        help=doc or inspect.getdoc(run),
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    cmd.step = step  # the declaration, for tests and documentation
    return cmd

"""A step's parameters, declared once: a frozen dataclass whose fields say everything.

Why: a step used to be written four times (a rule, a flag-string builder, a click command,
the stage function), and its parameters travelled config -> string -> click -> arguments.
Now each step is one dataclass next to its stage function. Every field states its type,
default, help text, command-line flag, its role (an input file, an output file, or a
setting) and, for a setting, the config key it comes from. From that one declaration:

* ``mirscope.cli.steps`` derives the click command users run by hand (one option per
  field, help on each), and
* the workflow derives the job's settings (:func:`settings_json`), which a rule hands to
  the same command as one JSON document (``--params``); files stay visible in the rule's
  shell line. JSON, not a string format of our own: a contrast travels as the same
  mapping the config holds, and :func:`build` turns it back through the type's own
  ``from_config``.

Types understood: ``str``, ``int``, ``float``, ``bool``, ``X | None``, ``tuple[X, ...]``,
and classes with ``from_config`` (a mapping) and ``parse`` (command-line text). This
module imports nothing of click, so compute and stage layers can declare steps freely.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from mirscope.errors import InputError

REQUIRED: Any = dataclasses.MISSING
ROLES = ("input", "output", "setting")


def param(
    default: Any = REQUIRED,
    *,
    help: str,
    flag: str | None = None,
    short: str | None = None,
    config: str | None = None,
    role: str = "setting",
    choices: tuple[str, ...] | None = None,
    min: float | None = None,
    max: float | None = None,
    sep: str | None = None,
    metavar: str | None = None,
    nargs: int | None = None,
    argument: bool = False,
    directory: bool = False,
    exists: bool = False,
) -> Any:
    """A field of a step declaration.

    ``flag``: the long option (default ``--field-name``); ``config``: the dotted config key
    the workflow fills the setting from; ``sep``: a tuple given as one separated value on
    the command line (``--at 0,500,1000``) instead of a repeated option; ``nargs``: each
    occurrence takes this many words (``--table TSV HTML TITLE``), handed to the type's
    ``from_config`` as a list; ``argument``: positional on the command line (a tuple: any
    number of them); ``directory``/``exists``: an input or output path that is a directory,
    or that must exist. A ``bool | None`` setting is an on/off pair (``--firth/--no-firth``)
    whose absence leaves the choice to the step.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    meta = {
        "help": help,
        "flag": flag,
        "short": short,
        "config": config,
        "role": role,
        "choices": tuple(choices) if choices is not None else None,
        "min": min,
        "max": max,
        "sep": sep,
        "metavar": metavar,
        "nargs": nargs,
        "argument": argument,
        "directory": directory,
        "exists": exists,
    }
    if isinstance(default, (list, dict, set)):
        raise TypeError("use a tuple (immutable) default")
    return dataclasses.field(default=default, metadata={"mirscope": meta})


@dataclasses.dataclass(frozen=True)
class Spec:
    """One field of a step, resolved: its name, type and declaration."""

    name: str
    base: type  # the element type (int, str, Contrast, ...)
    many: bool  # tuple[...] of base
    optional: bool  # X | None
    default: Any
    meta: Mapping[str, Any]

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def flag(self) -> str:
        return self.meta["flag"] or "--" + self.name.replace("_", "-")

    @property
    def role(self) -> str:
        return self.meta["role"]


def specs(cls: type) -> list[Spec]:
    """The fields of a step declaration, with their types resolved."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        meta = f.metadata.get("mirscope")
        if meta is None:
            raise TypeError(f"{cls.__name__}.{f.name} is not declared with mirscope.params.param")
        base, many, optional = _unpack(hints[f.name])
        out.append(Spec(f.name, base, many, optional, f.default, meta))
    return out


def _unpack(hint: Any) -> tuple[type, bool, bool]:
    optional = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        if len(args) != 1:
            raise TypeError(f"unsupported union {hint}")
        hint = args[0]
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if len(args) != 2 or args[1] is not Ellipsis:
            raise TypeError(f"use tuple[X, ...], not {hint}")
        return args[0], True, optional
    return hint, False, optional


def convert(spec: Spec, value: Any, *, source: str) -> Any:
    """``value`` (from JSON, config or the command line) as the field's type."""
    if value is None:
        if spec.optional or spec.default is None:
            return None
        raise InputError(f"{spec.flag} must be given", column=source)
    if spec.many:
        if isinstance(value, str):
            # "a, b" as "a,b": a space after the separator is the user's typing, not a name
            value = value.split(spec.meta["sep"]) if spec.meta["sep"] else [value]
            value = [v.strip() for v in value if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise InputError(f"{spec.flag} takes a list", value=value, column=source)
        return tuple(_one(spec, v, source) for v in value)
    return _one(spec, value, source)


def _one(spec: Spec, value: Any, source: str) -> Any:
    base = spec.base
    where = f"{source} {spec.flag}"
    if hasattr(base, "from_config"):
        if isinstance(value, base):
            return value
        if isinstance(value, str):
            return base.parse(value)
        return base.from_config(value)
    if base is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise InputError(f"{where}: expected true or false", value=value)
    try:
        if base is int and isinstance(value, float) and not value.is_integer():
            raise ValueError
        out = base(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: expected {base.__name__}", value=value) from None
    meta = spec.meta
    if meta["choices"] is not None and out not in meta["choices"]:
        raise InputError(f"{where}: not a choice", value=out, allowed=", ".join(meta["choices"]))
    if (meta["min"] is not None and out < meta["min"]) or (
        meta["max"] is not None and out > meta["max"]
    ):
        lo = "" if meta["min"] is None else f">= {meta['min']}"
        hi = "" if meta["max"] is None else f"<= {meta['max']}"
        raise InputError(
            f"{where}: out of range", value=out, allowed=" and ".join(filter(None, (lo, hi)))
        )
    return out


def build(cls: type, values: Mapping[str, Any], *, source: str = "command line") -> Any:
    """The step object from field values; absent fields take their defaults."""
    by_name = {s.name: s for s in specs(cls)}
    unknown = sorted(set(values) - set(by_name))
    if unknown:
        raise InputError(
            f"{source}: unknown parameter", value=unknown[0], allowed=", ".join(sorted(by_name))
        )
    kwargs = {}
    for name, spec in by_name.items():
        if name in values:
            kwargs[name] = convert(spec, values[name], source=source)
        elif spec.required:
            raise InputError(f"{source}: {spec.flag} must be given")
    return cls(**kwargs)


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    return value


def config_value(cfg: Mapping[str, Any], key: str) -> Any:
    """``cfg['a']['b']`` for ``key='a.b'`` (the schema has filled every default)."""
    node: Any = cfg
    for part in key.split("."):
        node = node[part]
    return node


def settings(cls: type, cfg: Mapping[str, Any], **given: Any) -> dict[str, Any]:
    """A job's parameters: each config-bound setting from ``cfg``, then ``given`` (any
    field: a list of input files, one per sample, travels here too rather than as a
    repeated flag); checked against the declaration (a wrong type is an error when the
    workflow is parsed, before any job), as plain JSON-able values."""
    fields = specs(cls)
    unknown = sorted(set(given) - {s.name for s in fields})
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {unknown[0]!r}")
    out: dict[str, Any] = {}
    for spec in fields:
        if spec.name in given:
            value, where = given[spec.name], spec.name
        elif spec.role == "setting" and spec.meta["config"]:
            value, where = config_value(cfg, spec.meta["config"]), spec.meta["config"]
        else:
            continue
        out[spec.name] = _jsonable(convert(spec, value, source=f"config {where}"))
    return out


def settings_json(cls: type, cfg: Mapping[str, Any], **given: Any) -> str:
    """:func:`settings` as the one JSON document a rule passes (``--params``); keys sorted,
    so an unchanged config gives an unchanged parameter (Snakemake's rerun trigger)."""
    return json.dumps(settings(cls, cfg, **given), sort_keys=True, separators=(",", ":"))


def loads(text: str, *, source: str = "--params") -> dict[str, Any]:
    """The JSON document of :func:`settings_json`, with a clean error."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{source} must be a JSON object")
    return data


Runner = Callable[[Any], Any]

"""Load, validate and complete a workflow configuration.

Validation happens before any work, against ``schemas/config.schema.yaml``
(``additionalProperties: false`` everywhere), and every message names the file, the key,
the bad value and what is allowed. Defaults come from the schema itself, so the schema is
the single place a default is written down; ``config/README.md`` documents the same keys.
"""

from __future__ import annotations

import copy
import difflib
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from mirscope.errors import InputError

PRESET_KEYS = (
    "adapter",
    "umi_length",
    "clip_5p",
    "clip_3p",
    "min_length",
    "max_error_rate",
    "min_overlap",
)


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Return a schema shipped in ``mirscope/schemas`` (parsed once)."""
    text = resources.files("mirscope.inputs.schemas").joinpath(name).read_text()
    return yaml.safe_load(text)


def read_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a YAML mapping, with a clear error for a missing file or bad syntax."""
    path = Path(path)
    if not path.is_file():
        raise InputError("config file not found", path=str(path))
    text = path.read_text()
    try:
        data = yaml.safe_load(text)
        check_duplicate_keys(text, source=str(path))
    except yaml.YAMLError as exc:
        raise InputError(_yaml_problem(exc), path=str(path)) from exc
    if data is None:
        raise InputError(
            "the config file is empty",
            path=str(path),
            allowed="a YAML mapping with at least `samples`",
        )
    if not isinstance(data, dict):
        raise InputError("must be a mapping of keys to values", path=str(path))
    return data


def check_duplicate_keys(text: str, *, source: str) -> None:
    """Reject a key given twice in one mapping, naming both lines.

    YAML loaders (PyYAML, and Snakemake's for ``--configfile``) keep the later value
    without a word, so ``seed: 1`` forgotten above a later ``seed: 9`` silently changes
    the run; a config means one thing only if every key is written once.
    """
    node = yaml.compose(text)
    stack = [(node, "")]
    while stack:
        node, prefix = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{prefix}[{i}]") for i, item in enumerate(node.value))
            continue
        if not isinstance(node, yaml.MappingNode):
            continue
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            dotted = f"{prefix}.{key}" if prefix else key
            line = key_node.start_mark.line + 1
            if key in lines:
                raise InputError(
                    f"key '{dotted}' is given twice (lines {lines[key]} and {line}); YAML "
                    "would silently keep the second",
                    path=source,
                    allowed="each key once per section",
                )
            lines[key] = line
            stack.append((value_node, dotted))


def _integers_as_int(data: Any, schema: dict[str, Any]) -> Any:
    """Integer keys written as whole floats (``seed: 9.0``) read as integers.

    JSON Schema counts 9.0 as an integer, so it validates, but a float reaches the
    commands as ``9.0`` and click rejects it after the parse step; reading it as 9 here
    gives it one meaning everywhere. A fractional value (9.5) still fails the schema.
    """
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if isinstance(data, float) and "integer" in types and "number" not in types:
        return int(data) if data.is_integer() else data
    if isinstance(data, dict):
        props = schema.get("properties", {})
        return {k: _integers_as_int(v, props[k]) if k in props else v for k, v in data.items()}
    if isinstance(data, list) and isinstance(schema.get("items"), dict):
        return [_integers_as_int(v, schema["items"]) for v in data]
    return data


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML syntax error as one line: where, what, and the usual cause for tabs."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).split("\n", 1)[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    message = f"not valid YAML{where}: {problem}"
    if "'\\t'" in problem or "\t" in problem:
        message += " (YAML is indented with spaces, not tabs)"
    return message


def _key_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


def describe_error(error: jsonschema.ValidationError) -> tuple[str, str, object, str | None]:
    """Turn a jsonschema error into (key, message, value, allowed) a user understands."""
    key = _key_path(error)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        bad = extra[0] if extra else "?"
        where = f"{key}.{bad}" if key != "(top level)" else bad
        close = difflib.get_close_matches(str(bad), allowed, n=1, cutoff=0.6)
        message = "unknown key" + (f" (did you mean '{close[0]}'?)" if close else "")
        return where, message, None, ", ".join(allowed)
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        if missing:
            key = f"{key}.{missing[0]}" if key != "(top level)" else missing[0]
        return key, error.message, None, None
    allowed = None
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
    elif error.validator == "type" and error.validator_value == "null":
        allowed = "null (the key left out)"
    elif error.validator == "type":
        allowed = f"a value of type {error.validator_value}"
    elif error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        allowed = f"{error.validator} {error.validator_value}"
    elif error.validator == "pattern":
        allowed = f"text matching {error.validator_value}"
    desc = schema.get("description")
    message = "invalid value"
    if desc:
        message += f" for {desc.strip().rstrip('.')}"
    return key, message, error.instance, allowed


def yaml_line(path: str | os.PathLike[str], key: str) -> int | None:
    """1-based line of a dotted key (``reference.species``) in a YAML file, if it is there.

    Lets a config message point at the line to fix. Returns None for keys the file does not
    hold (a missing required key, a value set with ``snakemake --config``) or a file that
    cannot be read.
    """
    try:
        node = yaml.compose(Path(path).read_text())
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    line = None
    for part in key.split("."):
        if not isinstance(node, yaml.MappingNode):
            return None
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                line, node = key_node.start_mark.line + 1, value_node
                break
        else:
            return None
    return line


def validate_against(
    data: Any, schema_name: str, *, source: str, row: int | str | None = None
) -> None:
    """Validate ``data`` against a shipped schema; raise one :class:`InputError` (first error).

    Without ``row`` the data is a config file: the message names the dotted key and, when
    ``source`` is a readable YAML file holding that key, its line (``key 'seed' (line 5)``).
    """
    schema = load_schema(schema_name)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(e.absolute_path), e.message))
    if not errors:
        return
    key, message, value, allowed = describe_error(errors[0])
    if row is None:
        line = yaml_line(source, key) if Path(source).is_file() else None
        where = f"key '{key}'" + (f" (line {line})" if line else "")
        raise InputError(f"{where}: {message}", path=source, value=value, allowed=allowed)
    raise InputError(message, path=source, row=row, column=key, value=value, allowed=allowed)


def _fill_defaults(data: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Recursively add schema defaults for missing keys (objects are descended into)."""
    out = copy.deepcopy(data)
    for key, sub in schema.get("properties", {}).items():
        if key not in out and "default" in sub:
            out[key] = copy.deepcopy(sub["default"])
        if isinstance(out.get(key), dict) and sub.get("type") == "object":
            out[key] = _fill_defaults(out[key], sub)
    return out


def _empty_sections_as_mappings(data: Any, schema: dict[str, Any]) -> Any:
    """Read a section left empty (``reference:`` with every key commented out) as ``{}``.

    YAML gives such a section the value null, which would otherwise fail as "not an object"
    although the user only meant "use the defaults".
    """
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key, sub in schema.get("properties", {}).items():
        if sub.get("type") != "object" or key not in out:
            continue
        out[key] = {} if out[key] is None else _empty_sections_as_mappings(out[key], sub)
    return out


def load_preset(name: str) -> dict[str, Any]:
    """Return the trimming settings of a kit preset (``config/presets/<name>.yaml``)."""
    path = resources.files("mirscope.inputs.presets").joinpath(f"{name}.yaml")
    if not path.is_file():
        available = sorted(
            p.name.removesuffix(".yaml")
            for p in resources.files("mirscope.inputs.presets").iterdir()
            if p.name.endswith(".yaml")
        )
        raise InputError(f"unknown preset '{name}'", allowed=", ".join(available))
    return yaml.safe_load(path.read_text())


def complete_config(
    data: dict[str, Any], *, source: str, base_dir: str | None = None, check_outdir: bool = True
) -> dict:
    """Validate a raw config mapping and return it with defaults and the preset applied.

    ``trimming`` in the result is the preset merged with the user's overrides, so later
    stages read one place. Relative paths stay relative to the working directory, as
    Snakemake users expect; ``base_dir`` is only used to report where the config came from.
    """
    data = _empty_sections_as_mappings(data, load_schema("config.schema.yaml"))
    data = _integers_as_int(data, load_schema("config.schema.yaml"))
    validate_against(data, "config.schema.yaml", source=source)
    cfg = _fill_defaults(data, load_schema("config.schema.yaml"))
    trimming = load_preset(cfg["preset"])
    trimming.update(cfg.get("trimming") or {})
    if not trimming.get("adapter"):
        raise InputError(
            "key 'trimming.adapter': the 'custom' preset needs an adapter sequence",
            path=source,
            allowed="set trimming.adapter, or choose preset qiaseq, illumina or nextflex",
        )
    cfg["trimming"] = {k: trimming[k] for k in PRESET_KEYS}
    cfg["trimming"]["allow_empty_samples"] = bool(trimming.get("allow_empty_samples", False))
    if check_outdir:
        cfg["outdir"] = checked_outdir(cfg["outdir"], source=source)
    return cfg


def validation_config(cfg: dict[str, Any], given: dict[str, Any], *, source: str) -> dict:
    """The config the reads of ``validation.samples`` are counted with.

    The run's completed config ``cfg``, with ``preset`` and ``trimming`` resolved for the
    new cohort's kit (``validation.preset``, else the run's ``preset``) exactly as
    :func:`complete_config` resolves them: the kit's preset under the ``trimming`` keys the
    user's config ``given`` sets. So ``trimming`` keeps one meaning, overrides of the kit
    in use, for both cohorts; alignment and counting settings are the run's own.
    """
    preset = cfg["validation"]["preset"] or cfg["preset"]
    out = copy.deepcopy(cfg)
    if preset != cfg["preset"]:
        if preset == "custom" and not (given.get("trimming") or {}).get("adapter"):
            raise InputError(
                "key 'validation.preset': the 'custom' preset needs an adapter sequence",
                path=source,
                allowed="set trimming.adapter, or choose preset qiaseq, illumina or nextflex",
            )
        kit = complete_config({**given, "preset": preset}, source=source, check_outdir=False)
        out["preset"], out["trimming"] = preset, kit["trimming"]
    return out


def checked_outdir(value: str, *, source: str) -> str:
    """The output directory, checked as an absolute path before any job runs.

    Snakemake neither expands ``~`` (it would create a folder literally named ``~``) nor
    stops an empty or root outdir, which would spread outputs over the filesystem root; a
    path below a regular file or in a read-only place would only fail inside the first job.
    A relative outdir is returned relative (normalised): Snakemake matches the targets
    given on its command line (``results/x/counts/...``) to rule outputs as text.
    """
    where = "key 'outdir'" + (
        f" (line {line})"
        if (line := yaml_line(source, "outdir")) and Path(source).is_file()
        else ""
    )
    allowed = "a writable directory path other than the filesystem root"
    text = str(value).strip()
    if not text:
        raise InputError(
            f"{where}: output directory is empty", path=source, value=value, allowed=allowed
        )
    path = Path(os.path.abspath(os.path.expanduser(text)))
    if path == Path(path.anchor):
        raise InputError(
            f"{where}: output directory is the filesystem root",
            path=source,
            value=value,
            allowed=allowed,
        )
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(
            f"{where}: output directory would be inside {existing}, which is a file",
            path=source,
            value=value,
            allowed=allowed,
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(
            f"{where}: output directory is not writable ({existing} is read-only)",
            path=source,
            value=value,
            allowed=allowed,
        )
    expanded = os.path.expanduser(text)
    return str(path) if os.path.isabs(expanded) else os.path.normpath(expanded)


def load_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read, validate and complete a config file."""
    return complete_config(read_yaml(path), source=str(path))

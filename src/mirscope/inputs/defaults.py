"""Config-schema defaults for command-line options, without loading the validator.

A CLI option that mirrors a config key takes its default from the schema, so that
``mirscope <command>`` run by hand behaves like the workflow with a default config and
the default is written down once. Only ``yaml`` is imported: the per-sample commands
start hundreds of times per run and importing jsonschema costs most of a second.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def _schema() -> dict[str, Any]:
    text = resources.files("mirscope.inputs.schemas").joinpath("config.schema.yaml").read_text()
    return yaml.safe_load(text)


def config_property(dotted: str) -> dict[str, Any]:
    """The schema of a config key (``preset``, ``reference.species``)."""
    node = _schema()
    for part in dotted.split("."):
        node = node["properties"][part]
    return node


def config_default(dotted: str) -> Any:
    """The schema default of a config key (KeyError if it has none)."""
    return config_property(dotted)["default"]


def config_choices(dotted: str) -> list[Any]:
    """The allowed values (``enum``) of a config key."""
    return list(config_property(dotted)["enum"])

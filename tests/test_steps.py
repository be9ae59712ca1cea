"""Steps declared once: every command derives from a declaration, the declaration's
defaults are the config schema's, and --params, typed options and defaults combine in one
documented order."""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil

import click
import pytest

import mirscope.stages
from mirscope import params as P
from mirscope.cli import cli, step_modules, steps
from mirscope.errors import InputError
from mirscope.inputs.config import complete_config
from mirscope.inputs.outcomes import Contrast


def _declarations():
    """Every step declaration in mirscope.stages (a dataclass whose fields use param)."""
    found = []
    for info in pkgutil.iter_modules(mirscope.stages.__path__):
        module = importlib.import_module(f"mirscope.stages.{info.name}")
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and obj.__module__ == module.__name__
                and dataclasses.is_dataclass(obj)
                and any("mirscope" in f.metadata for f in dataclasses.fields(obj))
            ):
                found.append(obj)
    return found


DECLARATIONS = _declarations()


def test_there_are_declarations():
    assert len(DECLARATIONS) >= 6


@pytest.fixture(scope="module")
def default_config(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cfg")
    return complete_config(
        {"samples": str(tmp / "samples.tsv"), "outdir": str(tmp / "out")},
        source="test",
        check_outdir=False,
    )


@pytest.mark.parametrize("step", DECLARATIONS, ids=lambda s: s.__name__)
def test_declared_defaults_are_the_schemas(step, default_config):
    """A hand user and the workflow must get the same value when neither sets it: a
    config-bound field's default is the schema's default for that key."""
    for spec in P.specs(step):
        key = spec.meta["config"]
        if not key or spec.required or spec.default is None:
            continue  # None: the step resolves it from another field (a kit preset)
        schema_default = P.convert(spec, P.config_value(default_config, key), source=key)
        assert schema_default == spec.default, f"{step.__name__}.{spec.name} vs {key}"


@pytest.mark.parametrize("step", DECLARATIONS, ids=lambda s: s.__name__)
def test_every_field_has_help_and_a_known_config_key(step, default_config):
    for spec in P.specs(step):
        assert spec.meta["help"].strip(), f"{step.__name__}.{spec.name} has no help"
        if spec.meta["config"]:
            P.config_value(default_config, spec.meta["config"])  # KeyError if unknown


def test_every_command_is_derived_from_a_declaration():
    """No hand-written click commands: each command's options are its step's fields."""
    ctx = click.Context(cli)
    for name in step_modules():
        command = cli.get_command(ctx, name)
        if getattr(command, "step", None) is None:
            pytest.fail(f"mirscope {name} is not derived from a declaration")
        flags = {o for p in command.params for o in p.opts}
        for spec in P.specs(command.step):
            assert (spec.name if spec.meta["argument"] else spec.flag) in flags


@dataclasses.dataclass(frozen=True)
class _Toy:
    out: str = P.param(P.REQUIRED, role="output", help="Where.")
    k: int = P.param(3, min=2, config="clustering.k", help="Clusters.")
    names: tuple[str, ...] = P.param((), flag="--name", help="Names (repeatable).")
    at: tuple[float, ...] = P.param((0.0, 500.0), sep=",", help="Times.")
    contrast: Contrast | None = P.param(None, help="A contrast.")
    flag: bool = P.param(False, help="A switch.")


def _run(argv):
    seen = []
    command = steps.command("toy", _Toy, seen.append, doc="Toy.")
    result = command.main(args=argv, standalone_mode=False)
    assert result is None
    return seen[0]


def test_params_then_typed_options_then_defaults():
    step = _run(["--out", "o.tsv"])
    assert (step.k, step.names, step.at, step.contrast, step.flag) == (
        3,
        (),
        (0.0, 500.0),
        None,
        False,
    )
    doc = json.dumps(
        {
            "k": 4,
            "names": ["a", "b"],
            "contrast": {"name": "crs_ge2", "variable": "crs_grade", "rule": "ge2"},
        }
    )
    step = _run(["--out", "o.tsv", "--params", doc, "--at", "1, 2", "--flag"])
    assert step.k == 4 and step.names == ("a", "b") and step.at == (1.0, 2.0) and step.flag
    assert step.contrast == Contrast("crs_ge2", "crs_grade", "ge2")
    step = _run(["--out", "o.tsv", "--params", doc, "--k", "5", "--contrast", "x:icans_grade:gt0"])
    assert step.k == 5 and step.contrast == Contrast("x", "icans_grade", "gt0")


def test_bad_values_are_one_line_errors():
    with pytest.raises(InputError, match="not valid JSON"):
        _run(["--out", "o", "--params", "{k: 4"])
    with pytest.raises(InputError, match="unknown parameter"):
        _run(["--out", "o", "--params", '{"kk": 4}'])
    with pytest.raises(InputError, match="out of range"):
        _run(["--out", "o", "--params", '{"k": 1}'])
    with pytest.raises(InputError, match="expected int"):
        _run(["--out", "o", "--params", '{"k": "three"}'])
    with pytest.raises(InputError, match="NAME:VARIABLE:RULE"):
        _run(["--out", "o", "--contrast", "crs_ge2"])
    with pytest.raises(click.UsageError, match="--out"):
        _run(["--params", "{}"])


def test_workflow_settings_round_trip(default_config):
    """What a rule passes is what the command builds: config-bound fields from the config,
    given ones beside them, a contrast as its config mapping."""
    text = P.settings_json(
        _Toy, default_config, contrast={"name": "icans", "variable": "icans_grade", "rule": "gt0"}
    )
    data = json.loads(text)
    assert data == {
        "k": default_config["clustering"]["k"],
        "contrast": {"name": "icans", "variable": "icans_grade", "rule": "gt0"},
    }
    step = _run(["--out", "o.tsv", "--params", text])
    assert step.contrast == Contrast("icans", "icans_grade", "gt0")
    with pytest.raises(InputError, match="expected int"):
        P.settings(_Toy, {"clustering": {"k": "x"}})
    with pytest.raises(TypeError, match="no field"):
        P.settings(_Toy, default_config, kk=1)

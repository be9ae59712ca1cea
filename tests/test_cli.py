"""The CLI's exception boundary and the config contract shared by every stage."""

from __future__ import annotations

import pytest

from mirscope.cli import main
from mirscope.errors import InputError
from mirscope.inputs.config import complete_config, load_config


def test_version_exits_zero(capsys):
    assert main(["--version"]) == 0
    assert "mirscope" in capsys.readouterr().out


def test_unknown_subcommand_is_usage_error():
    assert main(["no-such-command"]) == 2


def test_minimal_config_gets_defaults_and_preset():
    cfg = complete_config(
        {"samples": "s.tsv", "preset": "illumina", "outdir": "out"}, source="x.yaml"
    )
    assert cfg["clinical"] is None
    assert cfg["seed"] == 7
    assert cfg["reference"]["species"] == "hsa"
    assert cfg["reference"]["mature"] == "auto"
    assert cfg["trimming"]["adapter"] == "TGGAATTCTCGGGTGCCAAGG"
    assert cfg["trimming"]["umi_length"] == 0


def test_trimming_override_wins_over_preset():
    cfg = complete_config({"samples": "s.tsv", "trimming": {"min_length": 18}}, source="x.yaml")
    assert cfg["trimming"]["min_length"] == 18
    assert cfg["trimming"]["adapter"] == "AACTGTAGGCACCATCAAT"


def test_custom_preset_without_adapter_is_an_error():
    with pytest.raises(InputError, match="trimming.adapter"):
        complete_config({"samples": "s.tsv", "preset": "custom"}, source="x.yaml")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"samples": "s.tsv", "outdri": "x"}, "unknown key"),
        ({"samples": "s.tsv", "reference": {"specie": "hsa"}}, "reference.specie"),
        ({"samples": "s.tsv", "preset": "qiagen"}, "qiaseq, illumina, nextflex, custom"),
        ({"samples": "s.tsv", "seed": -1}, "minimum 0"),
        ({"preset": "qiaseq"}, "'samples' is a required property"),
    ],
)
def test_bad_config_names_key_value_and_allowed(data, expected):
    with pytest.raises(InputError) as info:
        complete_config(data, source="my.yaml")
    msg = str(info.value)
    assert msg.startswith("my.yaml:")
    assert expected in msg


def test_demo_config_is_valid(repo_root):
    cfg = load_config(repo_root / "config" / "config.yaml")
    assert cfg["preset"] == "qiaseq"
    assert cfg["outdir"] == "results/demo"


def test_config_file_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("samples: [unclosed\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_config(bad)


def test_lazy_command_table_matches_stage_modules():
    """The command table is read from the modules' source without importing them; it must
    be what importing them gives."""
    import importlib

    from mirscope.cli import step_modules

    table = step_modules()
    assert len(table) >= 40
    for name, module_name in table.items():
        module = importlib.import_module(module_name)
        declared = (
            module.STEPS if hasattr(module, "STEPS") else {c.name: c for c in module.COMMANDS}
        )
        assert name in declared, (name, module_name)
    for module_name in set(table.values()):
        module = importlib.import_module(module_name)
        declared = (
            module.STEPS if hasattr(module, "STEPS") else {c.name: c for c in module.COMMANDS}
        )
        assert set(declared) == {n for n, m in table.items() if m == module_name}, module_name


def test_help_lists_every_stage_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("simulate", "trim", "count", "de", "cutpoint", "logistic", "validate"):
        assert name in out


def _all_commands():
    import click

    from mirscope.cli import cli, step_modules

    yield "mirscope", cli
    ctx = click.Context(cli)
    for name in step_modules():
        yield name, cli.get_command(ctx, name)


def test_every_option_of_every_command_has_help():
    import click

    missing = [
        f"{name} {param.opts[0]}"
        for name, command in _all_commands()
        for param in command.params
        if isinstance(param, click.Option) and not (param.help or "").strip()
    ]
    assert not missing, "options without help: " + ", ".join(missing)


def test_every_command_has_a_docstring_summary():
    missing = [name for name, command in _all_commands() if not (command.help or "").strip()]
    assert not missing, missing


def test_version_is_the_package_version(capsys):
    import importlib.metadata

    import mirscope

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"mirscope, version {mirscope.__version__}"
    try:
        installed = importlib.metadata.version("mirscope")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("mirscope is not installed as a distribution here")
    assert installed == mirscope.__version__


def test_trim_preset_default_is_the_config_schema_default():
    import click

    from mirscope.cli import cli
    from mirscope.inputs.config import load_schema

    trim = cli.get_command(click.Context(cli), "trim")

    schema = load_schema("config.schema.yaml")["properties"]["preset"]
    option = next(p for p in trim.params if p.name == "preset")
    assert option.default == schema["default"] == "qiaseq"
    assert isinstance(option.type, click.Choice)
    assert list(option.type.choices) == schema["enum"]

"""The config contract: schema hygiene, defaults, messages for bad keys, and the docs.

The schema is the single place a key, its default and its description are written down;
these tests hold every section to that (including the ones later stages add) and check
that config/README.md documents every key and every sheet column.
"""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest

from mirscope.errors import InputError
from mirscope.inputs.config import complete_config, load_config, load_preset, load_schema, yaml_line

REPO = Path(__file__).resolve().parents[1]
README = REPO / "config" / "README.md"


def _walk(schema: dict, prefix: str = ""):
    """Yield (dotted key, property schema) for every key of an object schema, depth first."""
    for key, sub in schema.get("properties", {}).items():
        dotted = f"{prefix}{key}"
        yield dotted, sub
        if "object" in (
            [sub.get("type")] if isinstance(sub.get("type"), str) else sub.get("type", [])
        ):
            yield from _walk(sub, dotted + ".")


def _objects(schema: dict, prefix: str = "(top level)"):
    yield prefix, schema
    for key, sub in _walk(schema):
        if sub.get("type") == "object":
            yield key, sub


CONFIG_KEYS = list(_walk(load_schema("config.schema.yaml")))


def test_schemas_are_valid_json_schemas():
    for name in ("config.schema.yaml", "samples.schema.yaml", "clinical.schema.yaml"):
        jsonschema.Draft202012Validator.check_schema(load_schema(name))


@pytest.mark.parametrize(("key", "sub"), CONFIG_KEYS, ids=[k for k, _ in CONFIG_KEYS])
def test_every_config_key_has_description_and_default(key, sub):
    assert str(sub.get("description", "")).strip(), f"{key} has no description"
    if key.startswith("trimming.") and "default" not in sub:
        # Trimming defaults come from the preset: every preset must set every trimming key.
        name = key.removeprefix("trimming.")
        for preset in load_schema("config.schema.yaml")["properties"]["preset"]["enum"]:
            assert name in load_preset(preset), f"preset {preset} does not set {name}"
    elif key != "samples":
        assert "default" in sub, f"{key} has no default"
        if "enum" in sub:
            assert sub["default"] in sub["enum"], f"{key}: default not among the allowed values"


def test_every_config_object_rejects_unknown_keys():
    for key, sub in _objects(load_schema("config.schema.yaml")):
        assert sub.get("additionalProperties") is False, f"{key} accepts unknown keys"


def test_defaults_validate_against_their_own_schema():
    """A default that breaks its own constraints would fail only when a user relies on it."""
    for key, sub in CONFIG_KEYS:
        if "default" in sub and sub.get("type") != "object":
            errors = list(jsonschema.Draft202012Validator(sub).iter_errors(sub["default"]))
            assert not errors, f"{key}: default {sub['default']!r}: {errors[0].message}"


def test_minimal_config_is_valid_and_gets_every_default():
    cfg = complete_config(
        {"samples": "s.tsv", "preset": "qiaseq", "outdir": "out"}, source="min.yaml"
    )
    assert cfg["samples"] == "s.tsv" and cfg["preset"] == "qiaseq"
    assert cfg["outdir"] == "out"
    for key, sub in CONFIG_KEYS:
        if key in ("samples", "preset", "outdir") or key.startswith("trimming."):
            continue  # trimming is the preset merged with overrides, checked below
        value = cfg
        for part in key.split("."):
            assert part in value, f"default for {key} not filled in"
            value = value[part]
        if sub.get("type") != "object":
            assert value == sub["default"], key
    # the preset's values, not the schema's (trimming keys have no schema default)
    assert cfg["trimming"]["adapter"] == "AACTGTAGGCACCATCAAT"
    assert cfg["trimming"]["umi_length"] == 12


def test_defaults_are_copies_not_shared_state():
    first = complete_config({"samples": "s.tsv"}, source="a.yaml")
    first["reference"]["species"] = "mmu"
    second = complete_config({"samples": "s.tsv"}, source="a.yaml")
    assert second["reference"]["species"] == "hsa"


def test_user_values_win_over_defaults():
    cfg = complete_config(
        {"samples": "s.tsv", "seed": 11, "reference": {"species": "mmu"}, "clinical": "c.tsv"},
        source="a.yaml",
    )
    assert cfg["seed"] == 11
    assert cfg["reference"]["species"] == "mmu"
    assert cfg["reference"]["mature"] == "auto"
    assert cfg["clinical"] == "c.tsv"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "samples: s.tsv\noutdri: out\n",
            ["bad.yaml: key 'outdri' (line 2): unknown key (did you mean 'outdir'?)", "samples"],
        ),
        (
            "samples: s.tsv\npreset: qiaseq\nreference:\n  species: hsa\n  specie: mmu\n",
            [
                "bad.yaml: key 'reference.specie' (line 5): unknown key",
                "(did you mean 'species'?)",
                "allowed: gff3, hairpin, mature",
            ],
        ),
        (
            "samples: s.tsv\ntrimming:\n  umi_lenght: 8\n",
            ["key 'trimming.umi_lenght' (line 3): unknown key (did you mean 'umi_length'?)"],
        ),
        (
            "samples: s.tsv\nseed: seven\n",
            ["key 'seed' (line 2): invalid value", "(got 'seven')", "a value of type integer"],
        ),
        (
            "samples: s.tsv\npreset: qiagen\n",
            ["key 'preset' (line 2)", "(got 'qiagen')", "allowed: qiaseq, illumina, nextflex"],
        ),
        (
            "samples: s.tsv\ntrimming:\n  adapter: AACTGUAGG\n",
            ["key 'trimming.adapter' (line 3)", "(got 'AACTGUAGG')", "^[ACGTN]+$"],
        ),
        ("preset: qiaseq\n", ["bad.yaml: key 'samples': 'samples' is a required property"]),
    ],
)
def test_bad_config_file_message(tmp_path, text, parts):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: key ")
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


def test_unknown_key_without_a_close_match_has_no_suggestion():
    with pytest.raises(InputError) as info:
        complete_config({"samples": "s.tsv", "zzz": 1}, source="x.yaml")
    assert "did you mean" not in str(info.value)
    assert "key 'zzz': unknown key" in str(info.value)


def test_yaml_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("# comment\nsamples: s.tsv\nreference:\n  mature: m.fa\n\n  species: hsa\n")
    assert yaml_line(path, "samples") == 2
    assert yaml_line(path, "reference") == 3
    assert yaml_line(path, "reference.species") == 6
    assert yaml_line(path, "reference.gff3") is None
    assert yaml_line(path, "samples.x") is None
    assert yaml_line(tmp_path / "missing.yaml", "samples") is None


def test_shipped_configs_are_valid():
    for path in sorted((REPO / "config").glob("*.yaml")):
        cfg = load_config(path)
        assert cfg["samples"], path


# --------------------------------------------------------------------------------------
# config/README.md documents every key and column


def _readme() -> str:
    if not README.is_file():
        pytest.fail(f"{README} is missing")
    return README.read_text()


@pytest.mark.parametrize(("key", "sub"), CONFIG_KEYS, ids=[k for k, _ in CONFIG_KEYS])
def test_readme_documents_every_config_key(key, sub):
    # Keys appear as `key` in a table row or heading of their section.
    assert re.search(rf"`{re.escape(key)}`", _readme()), f"config/README.md lacks `{key}`"


@pytest.mark.parametrize("schema", ["samples.schema.yaml", "clinical.schema.yaml"])
def test_readme_documents_every_sheet_column(schema):
    text = _readme()
    for column, sub in load_schema(schema)["properties"].items():
        assert f"`{column}`" in text, f"config/README.md lacks column `{column}`"
        assert str(sub.get("description", "")).strip(), f"{schema}: {column} has no description"


def test_empty_section_means_defaults(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("samples: s.tsv\nreference:\n  # species: mmu\ndownload:\n")
    cfg = load_config(path)
    assert cfg["reference"]["species"] == "hsa"
    assert cfg["download"]["backend"] == "ena"
    path.write_text("samples: s.tsv\nreference: hsa\n")
    with pytest.raises(InputError, match=r"key 'reference' \(line 2\).*a value of type object"):
        load_config(path)

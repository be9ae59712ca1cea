"""Patient grouping (mirscope.inputs.outcomes): the one Contrast type and its text form."""

from __future__ import annotations

import pytest

from mirscope.cli import main
from mirscope.errors import InputError
from mirscope.inputs.outcomes import DEFAULT_CONTRASTS, Contrast


@pytest.mark.parametrize("entry", DEFAULT_CONTRASTS, ids=lambda e: e["name"])
def test_text_form_round_trips(entry):
    contrast = Contrast.from_config(entry)
    assert Contrast.parse(contrast.text) == contrast
    assert contrast.graded == (entry["rule"] != "responder")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("crs_ge2:crs_grade", "NAME:VARIABLE:RULE"),
        ("crs_ge2:crs_grade:ge2:x", "NAME:VARIABLE:RULE"),
        ("crs_ge2::ge2", "NAME:VARIABLE:RULE"),
        ("crs_ge2:crs_grade:ge3", "unknown rule"),
    ],
)
def test_parse_names_the_bad_text(text, words):
    with pytest.raises(InputError, match=words) as info:
        Contrast.parse(text)
    assert ("ge3" if "ge3" in text else text) in str(info.value)


@pytest.mark.parametrize(
    "command",
    [
        ["cluster", "--log2", "x.tsv", "--clinical", "c.tsv"]
        + ["--clusters-out", "k.tsv", "--associations-out", "a.tsv"],
        ["importance-toxicity", "--covariates", "x.tsv", "--clinical", "c.tsv"]
        + ["--summary-out", "s.tsv", "--long-out", "l.tsv", "--figure-prefix", "f"],
    ],
)
def test_both_commands_read_contrasts_with_the_one_parser(tmp_path, capsys, command, monkeypatch):
    """A malformed contrast is a data error (exit 1) with the parser's one message, before
    any file is read."""
    monkeypatch.chdir(tmp_path)
    flag = "--contrast" if command[0] == "cluster" else "--endpoint"
    assert main([*command, flag, "crs_ge2:crs_grade"]) == 1
    assert "contrast must be NAME:VARIABLE:RULE" in capsys.readouterr().err

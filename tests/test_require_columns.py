"""Every "column present?" check goes through ``mirscope.io.require_columns``.

A missing column must name the file, the column and what the table does have (or the
layout a reader expects), whichever analysis asked for it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from mirscope.companion.importance import numeric_covariates
from mirscope.errors import InputError
from mirscope.io import require_columns
from mirscope.stats.association import correlations
from mirscope.stats.design import encode_covariate
from mirscope.stats.logistic import fit_logistic
from mirscope.survival.km import km_table

TABLE = pd.DataFrame({"sample_id": ["a", "b"], "age": [50, 60], "y": [0, 1]})


def test_names_file_column_and_the_columns_present():
    with pytest.raises(InputError) as err:
        require_columns(TABLE, ["age", "ldh"], source="clin.tsv")
    assert err.value.path == "clin.tsv" and err.value.column == "ldh"
    assert err.value.allowed == "sample_id, age, y"
    assert str(err.value).startswith("clin.tsv, column 'ldh': column not found")


def test_a_fixed_layout_replaces_the_allowed_list():
    with pytest.raises(InputError, match="not a de table - allowed: mirna, pvalue"):
        require_columns(
            TABLE, ["mirna"], source="de.tsv", message="not a de table", allowed="mirna, pvalue"
        )


def test_present_columns_pass():
    require_columns(TABLE, ["sample_id", "y"], source="clin.tsv")
    require_columns(TABLE, [], source="clin.tsv")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fit_logistic(TABLE, "y", ["ldh"], source="t.tsv"), "column not found"),
        (
            lambda: encode_covariate(TABLE, "ldh", source="t.tsv"),
            "covariate column not in the clinical table",
        ),
        (
            lambda: correlations(TABLE, pd.DataFrame(), ["m:ldh"], source="t.tsv"),
            "correlation variable not in the clinical table",
        ),
        (lambda: numeric_covariates(TABLE, ["ldh"], source="t.tsv"), "covariate column not found"),
        (
            lambda: km_table(
                TABLE, time="ldh", event="y", group="age", at_risk_times=[0], source="t.tsv"
            ),
            "column not found",
        ),
    ],
)
def test_callers_keep_their_message(call, message):
    with pytest.raises(InputError) as err:
        call()
    assert err.value.path == "t.tsv" and err.value.column == "ldh"
    assert message in str(err.value) and "sample_id, age, y" in str(err.value)

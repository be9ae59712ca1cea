"""What the companion stage modules share: the coding of a binary endpoint.

The companion analyses (:mod:`mirscope.stages.kinetics`, :mod:`mirscope.stages.importance`,
:mod:`mirscope.stages.competing`) join tables to the clinical table; these helpers make
each analysis's n checkable in the log and code a response the same way everywhere.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from mirscope.errors import InputError

log = logging.getLogger(__name__)


def binary_endpoint(
    clinical: pd.DataFrame, column: str, positive: list[str], *, source: str
) -> pd.Series:
    """1 for values in ``positive``, 0 for other values, NA for missing or ``NE``.

    A numeric 0/1 column is used as it is.
    """
    if column not in clinical.columns:
        raise InputError(
            "column not found", path=source, column=column, allowed=", ".join(clinical.columns)
        )
    raw = clinical[column]
    num = pd.to_numeric(raw, errors="coerce")
    if num.notna().sum() == raw.notna().sum() and set(num.dropna().unique()) <= {0, 1}:
        return num
    text = raw.astype("string")
    out = pd.Series(np.where(text.isin(positive), 1.0, 0.0), index=raw.index)
    return out.where(raw.notna() & (text != "NE"))

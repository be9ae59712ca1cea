"""What the companion stage modules share: the "patients used" log line and the coding
of a binary endpoint.

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


def log_used(what: str, ids, used, why: str) -> None:
    """One log line: how many patients an analysis used, and who was left out and why.

    The companion analyses join tables (kinetics, covariates, events) to the clinical
    table and drop patients with a missing endpoint; the line makes each n checkable.
    """
    ids = [str(i) for i in ids]
    used = np.asarray(used, dtype=bool)
    out = [i for i, u in zip(ids, used, strict=True) if not u]
    if out:
        shown = ", ".join(out[:10]) + (", ..." if len(out) > 10 else "")
        log.warning(
            "%s: %d of %d patients used; %d left out (%s: %s)",
            what,
            int(used.sum()),
            len(ids),
            len(out),
            why,
            shown,
        )
    else:
        log.info("%s: all %d patients used", what, len(ids))


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

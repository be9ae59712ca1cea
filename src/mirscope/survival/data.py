"""Checks on time-to-event columns shared by every survival analysis.

Every analysis receives times and event indicators from a user's table; a missing or
negative time, or an event code outside the documented set, must stop with a message that
names the table, the row (sample), the column and what is allowed instead of surfacing
later as a NaN or a numerical error deep inside a fitter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mirscope.errors import InputError
from mirscope.io import require_columns


def _row_label(df: pd.DataFrame, position: int) -> str:
    """The sample id when the table has one, else the 1-based data row number."""
    if "sample_id" in df.columns:
        return f"{position + 1} (sample {df['sample_id'].iloc[position]})"
    return str(position + 1)


def numeric_column(df: pd.DataFrame, column: str, *, source: str) -> np.ndarray:
    """The column as float64; a non-numeric or missing cell is an InputError."""
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(bad[0])
        raise InputError(
            "missing or non-numeric value",
            path=source,
            row=_row_label(df, i),
            column=column,
            value=df[column].iloc[i],
            allowed="a finite number",
        )
    return values


def time_event(
    df: pd.DataFrame,
    time: str,
    event: str,
    *,
    source: str,
    allowed_events: tuple[int, ...] = (0, 1),
) -> tuple[np.ndarray, np.ndarray]:
    """Validated (times, integer event codes) from two columns of ``df``.

    Times must be finite and >= 0 (days from infusion); events must be one of
    ``allowed_events`` (0 = censored, 1 = event; competing-risk tables also allow 2).
    """
    require_columns(df, [time, event], source=source)
    times = numeric_column(df, time, source=source)
    neg = np.flatnonzero(times < 0)
    if neg.size:
        i = int(neg[0])
        raise InputError(
            "negative time",
            path=source,
            row=_row_label(df, i),
            column=time,
            value=df[time].iloc[i],
            allowed="times >= 0 (days from infusion)",
        )
    codes = numeric_column(df, event, source=source)
    ok = np.isin(codes, allowed_events)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise InputError(
            "event code outside the documented set",
            path=source,
            row=_row_label(df, i),
            column=event,
            value=df[event].iloc[i],
            allowed=", ".join(map(str, allowed_events)),
        )
    return times, codes.astype(int)

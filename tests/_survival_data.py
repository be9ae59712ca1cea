"""Simulated survival tables shared by the survival tests (no fixtures: plain functions)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def survival_table(kind: str, seed: int, n: int = 53) -> pd.DataFrame:
    """A (time, event, x) table where high x shortens survival; ``kind`` adds awkwardness.

    kinds: ``plain``, ``ties`` (x and times rounded so many values tie), ``zeros`` (a third of
    x exactly 0, as undetected miRNAs), ``rounded`` (x to one decimal, times to 30 days).
    """
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 3.0, n)
    if kind == "ties":
        x = np.round(x)
    elif kind == "zeros":
        x[rng.random(n) < 0.33] = 0.0
    elif kind == "rounded":
        x = np.round(x, 1)
    t = rng.exponential(900.0 / np.exp(0.12 * x))
    c = rng.uniform(200, 1800, n)
    time = np.round(np.minimum(t, c))
    event = (t <= c).astype(int)
    if kind in ("ties", "rounded"):
        time = np.round(time / 30.0) * 30.0
    return pd.DataFrame(
        {"sample_id": [f"P{i:02d}" for i in range(n)], "time": time, "event": event, "x": x}
    )

"""Supplementary Table 1: patient characteristics overall (A), by CRS grade 0-1 vs >= 2
(B) and by ICANS no vs yes (C).

Categorical variables are summarised as n (%) per level with Fisher's exact r x c test
(:mod:`mirscope.stats.fisher`, as R ``fisher.test``); continuous ones as median [min-max] with
Kruskal-Wallis (R ``kruskal.test``). Percentages are of patients with a known value.

Columns, table A: ``variable, level, type, n_known, count, percent, median, min, max,
summary``. Tables B and C: ``variable, level, type, summary_<group>`` for each of the two
groups (control first), ``n_known, test, p_value`` (the p-value repeated on every level of
a variable). Patients with an unknown grouping (grade missing) are left out of B/C.

ECOG appears twice: by score (``ecog``, Fisher r x c over the observed scores) and as
``ecog_ge1`` (levels ``0`` and ``>=1``, Fisher 2 x 2), because the paper reports ICANS
against ECOG performance status >= 1 vs 0 (p = 0.013), and a test over the individual
scores answers a different question with a different p-value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mirscope.stats.association import kruskal_test
from mirscope.stats.fisher import fisher_exact

CATEGORICAL = {
    "sex": ["F", "M"],
    "histology": ["LBCL", "PMBCL"],
    "product": ["axi-cel", "tisa-cel"],
    "ecog": ["0", "1", "2", "3", "4"],
    "ecog_ge1": ["0", ">=1"],
    "bridging": ["none", "response", "failure"],
    "crs_grade": ["0", "1", "2", "3", "4", "5"],
    "icans_grade": ["0", "1", "2", "3", "4", "5"],
    "response_3m": ["CR", "PR", "SD", "PD", "NE"],
    "response_12m": ["CR", "PR", "SD", "PD", "NE"],
}
CONTINUOUS = ("age", "prior_lines", "crp", "ldh", "ccfdna", "pmn_mdsc")
GROUPINGS = {
    "crs": ("crs_grade", 2, ("crs_grade_0_1", "crs_grade_ge2")),
    "icans": ("icans_grade", 1, ("icans_no", "icans_yes")),
}


def _text(value: object) -> str | None:
    if value is None or pd.isna(value):
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text or None


def _fmt_num(x: float) -> str:
    return f"{x:.4g}"


def _cat_summary(values: pd.Series, level: str) -> tuple[int, int, float, str]:
    known = values.dropna()
    count = int((known == level).sum())
    pct = 100.0 * count / len(known) if len(known) else float("nan")
    return len(known), count, pct, f"{count} ({pct:.0f}%)" if len(known) else "NA"


def _cont_summary(values: pd.Series) -> tuple[int, float, float, float, str]:
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return 0, float("nan"), float("nan"), float("nan"), "NA"
    med, lo, hi = float(v.median()), float(v.min()), float(v.max())
    return len(v), med, lo, hi, f"{_fmt_num(med)} [{_fmt_num(lo)}-{_fmt_num(hi)}]"


def _with_derived(clinical: pd.DataFrame) -> pd.DataFrame:
    """The table plus ``ecog_ge1`` (see module docstring) when ECOG is recorded."""
    if "ecog" not in clinical.columns or "ecog_ge1" in clinical.columns:
        return clinical
    score = pd.to_numeric(clinical["ecog"], errors="coerce")
    derived = pd.Series(np.where(score >= 1, ">=1", "0"), index=clinical.index, dtype=object)
    return clinical.assign(ecog_ge1=derived.where(score.notna()))


def _present(clinical: pd.DataFrame) -> tuple[list[str], list[str]]:
    cats = [c for c in CATEGORICAL if c in clinical.columns]
    conts = [c for c in CONTINUOUS if c in clinical.columns]
    return cats, conts


def _categories(clinical: pd.DataFrame, col: str) -> tuple[pd.Series, list[str]]:
    values = clinical[col].map(_text)
    known = list(CATEGORICAL[col])
    extra = sorted(set(values.dropna()) - set(known))
    levels = [lv for lv in known + extra if (values == lv).any()]
    return values, levels


def overall_table(clinical: pd.DataFrame) -> pd.DataFrame:
    """Supplementary Table 1A (see module docstring)."""
    clinical = _with_derived(clinical)
    rows = []
    cats, conts = _present(clinical)
    for col in cats:
        values, levels = _categories(clinical, col)
        for level in levels:
            n, count, pct, text = _cat_summary(values, level)
            rows.append(
                {
                    "variable": col,
                    "level": level,
                    "type": "categorical",
                    "n_known": n,
                    "count": count,
                    "percent": pct,
                    "median": np.nan,
                    "min": np.nan,
                    "max": np.nan,
                    "summary": text,
                }
            )
    for col in conts:
        n, med, lo, hi, text = _cont_summary(clinical[col])
        rows.append(
            {
                "variable": col,
                "level": "",
                "type": "continuous",
                "n_known": n,
                "count": np.nan,
                "percent": np.nan,
                "median": med,
                "min": lo,
                "max": hi,
                "summary": text,
            }
        )
    rows.insert(
        0,
        {
            "variable": "patients",
            "level": "",
            "type": "count",
            "n_known": len(clinical),
            "count": len(clinical),
            "percent": 100.0,
            "median": np.nan,
            "min": np.nan,
            "max": np.nan,
            "summary": str(len(clinical)),
        },
    )
    return pd.DataFrame(rows)


def grouped_table(clinical: pd.DataFrame, grouping: str) -> pd.DataFrame:
    """Supplementary Table 1B (``crs``) or 1C (``icans``), see module docstring."""
    clinical = _with_derived(clinical)
    col, cut, names = GROUPINGS[grouping]
    grade = pd.to_numeric(clinical[col], errors="coerce")
    group = pd.Series(
        np.where(grade.isna(), None, np.where(grade >= cut, names[1], names[0])),
        index=clinical.index,
    )
    sub = clinical[group.notna()]
    group = group[group.notna()]
    rows = [
        {
            "variable": "patients",
            "level": "",
            "type": "count",
            f"summary_{names[0]}": str(int((group == names[0]).sum())),
            f"summary_{names[1]}": str(int((group == names[1]).sum())),
            "n_known": len(sub),
            "test": "",
            "p_value": np.nan,
        }
    ]
    cats, conts = _present(sub)
    for var in cats:
        if var == col:
            continue
        values, levels = _categories(sub, var)
        known = values.notna()
        table = np.array(
            [[int(((values == lv) & (group == g)).sum()) for lv in levels] for g in names]
        )
        p = fisher_exact(table) if table.size else float("nan")
        for level in levels:
            row = {"variable": var, "level": level, "type": "categorical"}
            for g in names:
                row[f"summary_{g}"] = _cat_summary(values[group == g], level)[3]
            row.update({"n_known": int(known.sum()), "test": "fisher_exact", "p_value": p})
            rows.append(row)
    for var in conts:
        values = pd.to_numeric(sub[var], errors="coerce")
        stat, p, _ = kruskal_test(values.to_numpy(), group.to_numpy())
        row = {"variable": var, "level": "", "type": "continuous"}
        for g in names:
            row[f"summary_{g}"] = _cont_summary(values[group == g])[4]
        row.update({"n_known": int(values.notna().sum()), "test": "kruskal_wallis", "p_value": p})
        rows.append(row)
    return pd.DataFrame(rows)

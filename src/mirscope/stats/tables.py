"""Supplementary Table 1: patient characteristics overall (A), by CRS grade 0-1 vs >= 2
(B) and by ICANS no vs yes (C), in the paper's layout.

The paper's table is one row per characteristic, with one row per level under a categorical
one: n (%) per level (percentages of patients with a known value) or median [range], per
group, and the p-value on the characteristic's row (Fisher's exact r x c for categorical
variables, :mod:`mirscope.stats.fisher`, as R ``fisher.test``; Kruskal-Wallis for continuous
ones, R ``kruskal.test``). Row names and units are the reader's: labels from
:mod:`mirscope.inputs.labels`, units from the clinical schema's ``x-unit``, because the
paper's text states no unit for CRP, LDH, ccfDNA or PMN-MDSC and our schema is what a user's
table is checked against.

Columns. The first ones are what the paper prints: ``characteristic`` and ``all_patients``
(A) or one column per group, control first (B: ``crs_grade_0_1, crs_grade_ge2``; C:
``icans_no, icans_yes``), then ``p_value`` (B, C). The rest keep every number machine
readable: ``variable, level`` (empty on a characteristic's own row), ``type``
(``count``, ``categorical``, ``continuous``), ``n_known``, and in A ``count, percent,
median, min, max``; in B and C ``test`` (``fisher_exact``, ``kruskal_wallis``). The p-value
sits on the characteristic's row only; :func:`p_value` is the one reader of it. Patients
with an unknown grouping (grade missing) are left out of B/C.

ECOG appears twice: by score (``ecog``, Fisher r x c over the observed scores) and as
``ecog_ge1`` (levels ``0`` and ``>=1``, Fisher 2 x 2), because the paper reports ICANS
against ECOG performance status >= 1 vs 0 (p = 0.013), and a test over the individual
scores answers a different question with a different p-value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mirscope.inputs.config import load_schema
from mirscope.inputs.labels import label
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
#: Row names in the paper's words, in the table's order (baseline characteristics first,
#: then toxicity and response) (its text: "previous lines of therapy", "ECOG
#: performance status >= 1"); a row's unit and statistic are added by :func:`_name`. The
#: short figure labels of :mod:`mirscope.inputs.labels` serve the columns not named here.
ROW_NAMES = {
    "age": "Age",
    "sex": "Sex",
    "histology": "Histology",
    "product": "CAR T-cell product",
    "ecog": "ECOG performance status",
    "ecog_ge1": "ECOG performance status ≥ 1",
    "prior_lines": "Previous lines of therapy",
    "bridging": "Bridging therapy",
    "crp": "CRP",
    "ldh": "LDH",
    "ccfdna": "ccfDNA",
    "pmn_mdsc": "PMN-MDSC",
    "crs_grade": "CRS grade",
    "icans_grade": "ICANS grade",
    "response_3m": "Response at 3 months",
    "response_12m": "Response at 12 months",
}
LEVEL_NAMES = {
    "sex": {"F": "Female", "M": "Male"},
    "ecog_ge1": {"0": "0", ">=1": "≥ 1"},
    "bridging": {"none": "None", "response": "Given, response", "failure": "Given, failure"},
}
PATIENTS = "Patients, n"


def _units() -> dict[str, str]:
    props = load_schema("clinical.schema.yaml")["properties"]
    return {k: v["x-unit"] for k, v in props.items() if v.get("x-unit")}


def _name(variable: str, kind: str) -> str:
    """``CRP, mg/dL, median [range]``: the row name with its unit and statistic."""
    parts = [ROW_NAMES.get(variable) or label(variable)]
    unit = _units().get(variable)
    if unit:
        parts.append(unit)
    parts.append("n (%)" if kind == "categorical" else "median [range]")
    return ", ".join(parts)


def _level_name(variable: str, level: str) -> str:
    return LEVEL_NAMES.get(variable, {}).get(level, level)


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


def _present(clinical: pd.DataFrame) -> list[str]:
    """The table's variables in the clinical table, in :data:`ROW_NAMES` order."""
    return [c for c in ROW_NAMES if c in clinical.columns]


def _categories(clinical: pd.DataFrame, col: str) -> tuple[pd.Series, list[str]]:
    values = clinical[col].map(_text)
    known = list(CATEGORICAL[col])
    extra = sorted(set(values.dropna()) - set(known))
    levels = [lv for lv in known + extra if (values == lv).any()]
    return values, levels


A_COLUMNS = [
    "characteristic",
    "all_patients",
    "variable",
    "level",
    "type",
    "n_known",
    "count",
    "percent",
    "median",
    "min",
    "max",
]


def _overall_continuous(clinical: pd.DataFrame, col: str) -> dict:
    known, med, lo, hi, text = _cont_summary(clinical[col])
    return {
        "characteristic": _name(col, "continuous"),
        "all_patients": text,
        "variable": col,
        "level": "",
        "type": "continuous",
        "n_known": known,
        "median": med,
        "min": lo,
        "max": hi,
    }


def overall_table(clinical: pd.DataFrame) -> pd.DataFrame:
    """Supplementary Table 1A (see module docstring)."""
    clinical = _with_derived(clinical)
    n = len(clinical)
    rows = [
        {
            "characteristic": PATIENTS,
            "all_patients": str(n),
            "variable": "patients",
            "level": "",
            "type": "count",
            "n_known": n,
            "count": n,
            "percent": 100.0,
        }
    ]
    for col in _present(clinical):
        if col in CONTINUOUS:
            rows.append(_overall_continuous(clinical, col))
            continue
        values, levels = _categories(clinical, col)
        known = int(values.notna().sum())
        rows.append(
            {
                "characteristic": _name(col, "categorical"),
                "all_patients": "",
                "variable": col,
                "level": "",
                "type": "categorical",
                "n_known": known,
            }
        )
        for level in levels:
            _, count, pct, text = _cat_summary(values, level)
            rows.append(
                {
                    "characteristic": _level_name(col, level),
                    "all_patients": text,
                    "variable": col,
                    "level": level,
                    "type": "categorical",
                    "n_known": known,
                    "count": count,
                    "percent": pct,
                }
            )
    return pd.DataFrame(rows).reindex(columns=A_COLUMNS)


def _grouped_continuous(sub: pd.DataFrame, var: str, group: pd.Series, names) -> dict:
    values = pd.to_numeric(sub[var], errors="coerce")
    _, p, _ = kruskal_test(values.to_numpy(), group.to_numpy())
    row = {"characteristic": _name(var, "continuous")}
    for g in names:
        row[g] = _cont_summary(values[group == g])[4]
    row.update(
        {
            "p_value": p,
            "variable": var,
            "level": "",
            "type": "continuous",
            "n_known": int(values.notna().sum()),
            "test": "kruskal_wallis",
        }
    )
    return row


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
    columns = ["characteristic", *names, "p_value", "variable", "level", "type", "n_known", "test"]
    rows = [
        {
            "characteristic": PATIENTS,
            **{g: str(int((group == g).sum())) for g in names},
            "variable": "patients",
            "level": "",
            "type": "count",
            "n_known": len(sub),
            "test": "",
        }
    ]
    for var in _present(sub):
        if var == col:
            continue
        if var in CONTINUOUS:
            rows.append(_grouped_continuous(sub, var, group, names))
            continue
        values, levels = _categories(sub, var)
        known = values.notna()
        table = np.array(
            [[int(((values == lv) & (group == g)).sum()) for lv in levels] for g in names]
        )
        p = fisher_exact(table) if table.size else float("nan")
        rows.append(
            {
                "characteristic": _name(var, "categorical"),
                **dict.fromkeys(names, ""),
                "p_value": p,
                "variable": var,
                "level": "",
                "type": "categorical",
                "n_known": int(known.sum()),
                "test": "fisher_exact",
            }
        )
        for level in levels:
            row = {"characteristic": _level_name(var, level)}
            for g in names:
                row[g] = _cat_summary(values[group == g], level)[3]
            row.update(
                {
                    "variable": var,
                    "level": level,
                    "type": "categorical",
                    "n_known": int(known.sum()),
                    "test": "",
                }
            )
            rows.append(row)
    return pd.DataFrame(rows).reindex(columns=columns)


def p_value(table: pd.DataFrame, variable: str) -> float | None:
    """The p-value of ``variable``'s test in a table of :func:`grouped_table` (or its TSV).

    One test per characteristic, on its own row (``level`` empty); None when the variable
    was not tested. The reader of the file contract lives beside its writer.
    """
    if not {"variable", "level", "p_value"} <= set(table.columns):
        return None
    level = table["level"].fillna("").astype(str)
    hit = table[(table["variable"].astype(str) == variable) & (level == "")]
    if hit.empty or pd.isna(hit["p_value"].iloc[0]):
        return None
    return float(hit["p_value"].iloc[0])

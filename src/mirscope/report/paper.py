"""The numbers Naddeo et al. 2026 publish, beside the value this run computed.

A reanalysis is judged side by side with the paper, so every published number is listed
here once, with its location in the paper, and looked up in the run's own outputs (and
its clinical table for cohort counts). A number the run did not produce is reported as
"not computed" with the reason, never filled in.

Output columns (``tables/paper_vs_reanalysis.tsv``): ``section``, ``location`` (where the
paper gives it), ``quantity``, ``paper_value``, ``reanalysis_value``, ``note``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from mirscope.inputs.clinical import read_clinical

NOT_COMPUTED = "not computed"

# (model in our tables, paper location, paper accuracy)
MODEL_ACCURACY = (
    ("crs_ge2", "toxicity_models.tsv", "Text (CRS model)", "81%"),
    ("icans", "toxicity_models.tsv", "Text (ICANS model)", "87%"),
    ("response_3m", "response_models_summary.tsv", "Table 1 (3 months)", "75%"),
    ("response_12m", "response_models_summary.tsv", "Table 1 (12 months)", "73%"),
)
TABLE1 = (
    ("response_3m", "Product", "product", "-591.077", "0.00473"),
    ("response_3m", "hsa_let_7d_3p", "hsa-let-7d-3p", "-0.03498", "0.00616"),
    ("response_3m", "hsa_miR_542_5p", "hsa-miR-542-5p", "0.72076", "0.01632"),
    ("response_12m", "hsa_miR_143_3p", "hsa-miR-143-3p", "0.0009494", "0.05869"),
    ("response_12m", "hsa_miR_542_3p", "hsa-miR-542-3p", "0.0201877", "0.25701"),
    ("response_12m", "hsa_miR_542_5p", "hsa-miR-542-5p", "0.3405031", "0.04141"),
)
AT_RISK = {  # Supplementary Figure S1 numbers at risk at 0/500/1000/1500 days: (low, high)
    "os": ((20, 13, 7, 0), (33, 14, 6, 0)),
    "pfs": ((20, 9, 4, 0), (33, 8, 3, 0)),
    "ttp": ((19, 9, 4, 0), (31, 8, 3, 0)),
}
LOGRANK_P = {"os": "0.02", "pfs": "0.0042", "ttp": "0.0013"}
SPEARMAN = (
    ("ldh", "LDH", "0.37", "0.006"),
    ("ccfdna", "ccfDNA", "0.29", "0.04"),
    ("pmn_mdsc", "PMN-MDSC", "0.34", "0.08"),
)


def _fmt(value: object) -> str:
    if value is None:
        return NOT_COMPUTED
    if isinstance(value, float):
        if math.isnan(value):
            return NOT_COMPUTED
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.3g}"
        return f"{value:.4g}"
    return str(value)


def _pct(num: float, den: float) -> str:
    return f"{num / den:.0%}" if den else NOT_COMPUTED


class _Outputs:
    """Reads a run's tables on demand; a missing file reads as None."""

    def __init__(self, outdir: Path, clinical: Path | None) -> None:
        self.outdir = Path(outdir)
        self.clinical_path = clinical
        self._cache: dict[str, pd.DataFrame | None] = {}

    def table(self, rel: str) -> pd.DataFrame | None:
        if rel not in self._cache:
            path = self.outdir / rel
            self._cache[rel] = pd.read_csv(path, sep="\t") if path.is_file() else None
        return self._cache[rel]

    def clinical(self) -> pd.DataFrame | None:
        if self.clinical_path is None or not Path(self.clinical_path).is_file():
            return None
        return read_clinical(self.clinical_path).reset_index()


def _cohort_rows(o: _Outputs) -> list[tuple]:
    c = o.clinical()
    loc = "Text / Supplementary Table 1"
    specs = [
        ("patients", "53", lambda d: len(d)),
        ("LBCL", "46 (87%)", lambda d: (d["histology"] == "LBCL").sum()),
        ("PMBCL", "7 (13%)", lambda d: (d["histology"] == "PMBCL").sum()),
        ("axi-cel", "28 (53%)", lambda d: (d["product"] == "axi-cel").sum()),
        ("tisa-cel", "25 (47%)", lambda d: (d["product"] == "tisa-cel").sum()),
        ("CRS any grade", "45 (85%)", lambda d: (d["crs_grade"] > 0).sum()),
        ("CRS grade >= 2", "16 (30%)", lambda d: (d["crs_grade"] >= 2).sum()),
        ("ICANS any grade", "18 (34%)", lambda d: (d["icans_grade"] > 0).sum()),
        ("ICANS grade >= 2", "14", lambda d: (d["icans_grade"] >= 2).sum()),
        ("evaluable for response", "49", lambda d: (d["response_3m"].fillna("NE") != "NE").sum()),
    ]
    rows = []
    for quantity, paper, fn in specs:
        if c is None:
            value, note = NOT_COMPUTED, "no clinical table"
        else:
            try:
                n = int(fn(c))
                value = (
                    str(n)
                    if quantity in ("patients", "ICANS grade >= 2", "evaluable for response")
                    else f"{n} ({_pct(n, len(c))})"
                )
                note = ""
            except KeyError as exc:
                value, note = NOT_COMPUTED, f"column {exc} missing"
        rows.append(("cohort", loc, quantity, paper, value, note))
    for endpoint, paper in (("response_3m", "61%"), ("response_12m", "39%")):
        value, note = NOT_COMPUTED, "no clinical table"
        if c is not None and endpoint in c:
            ev = c[endpoint].fillna("NE")
            ev = ev[ev != "NE"]
            value, note = _pct(ev.isin(["CR", "PR"]).sum(), len(ev)), f"of {len(ev)} evaluable"
        rows.append(("cohort", "Text", f"ORR at {endpoint.split('_')[1]}", paper, value, note))
    return rows


def _p_from(table: pd.DataFrame | None, variable: str, level: str | None) -> object:
    if table is None:
        return None
    sub = table[table["variable"] == variable]
    if level is not None and "level" in sub:
        sub = sub[sub["level"].astype(str) == level]
    if sub.empty or "p_value" not in sub:
        return None
    return float(sub["p_value"].iloc[0])


def _clinical_tests(o: _Outputs) -> list[tuple]:
    crs, icans = o.table("tables/supp_table1b_crs.tsv"), o.table("tables/supp_table1c_icans.tsv")
    specs = [
        ("CRS >= 2 vs female sex, Fisher p", "0.043", crs, "sex", "F"),
        ("CRS >= 2 vs PLD CRP, KW p", "0.027", crs, "crp", None),
        ("ICANS vs female sex, Fisher p", "0.022", icans, "sex", "F"),
        ("ICANS vs PMBCL histology, Fisher p", "0.004", icans, "histology", "PMBCL"),
        ("ICANS vs ECOG >= 1 (vs 0), Fisher p", "0.013", icans, "ecog_ge1", None),
        ("ICANS vs PLD CRP, KW p", "0.006", icans, "crp", None),
    ]
    return [
        ("clinical", "Text / Supplementary Table 1B-C", q, paper, _fmt(_p_from(t, v, lv)), "")
        for q, paper, t, v, lv in specs
    ]


def _counts_and_de(o: _Outputs) -> list[tuple]:
    rows = []
    counts = o.table("counts/mature_umi_counts.tsv")
    detected = None
    if counts is not None:
        detected = int((counts.drop(columns="mirna").sum(axis=1) > 0).sum())
    rows.append(
        (
            "counts",
            "Text / Figure 1",
            "miRNAs detected in >= 1 sample",
            "573",
            _fmt(detected),
            "UMI counts",
        )
    )
    clusters = o.table("tables/clusters.tsv")
    rows.append(
        (
            "clustering",
            "Figure 1",
            "patient clusters",
            "3",
            _fmt(None if clusters is None else int(clusters["cluster"].nunique())),
            "",
        )
    )
    for rel, loc, paper, label in (
        ("tables/supp_table2a_crs_de.tsv", "Figure 2A / Supplementary Table 2A", "25", "CRS >= 2"),
        ("tables/supp_table2b_icans_de.tsv", "Figure 2B / Supplementary Table 2B", "33", "ICANS"),
    ):
        t = o.table(rel)
        rows.append(
            (
                "differential expression",
                loc,
                f"DE miRNAs, {label}",
                paper,
                _fmt(None if t is None else len(t)),
                "|log2FC| > 1 and p < 0.05",
            )
        )
    for rel, contrast, mirna, direction in (
        ("de/crs_ge2.tsv", "CRS >= 2", "hsa-miR-136-5p", "down"),
        ("de/crs_ge2.tsv", "CRS >= 2", "hsa-miR-4511", "up"),
        ("de/icans.tsv", "ICANS", "hsa-miR-1290", "up"),
    ):
        t = o.table(rel)
        value, note = NOT_COMPUTED, "DE table missing"
        if t is not None:
            hit = t[t["mirna"] == mirna]
            if hit.empty or pd.isna(hit["log2FoldChange"].iloc[0]):
                note = "miRNA not tested (not detected)"
            else:
                lfc, p = float(hit["log2FoldChange"].iloc[0]), hit["pvalue"].iloc[0]
                value = f"{'up' if lfc > 0 else 'down'} (log2FC {lfc:.2f}, p {_fmt(float(p))})"
                note = ""
        rows.append(
            ("differential expression", "Text", f"{mirna} in {contrast}", direction, value, note)
        )
    return rows


def _models(o: _Outputs) -> list[tuple]:
    rows = []
    for model, rel, loc, paper in MODEL_ACCURACY:
        t = o.table(f"tables/{rel}")
        for kind, col in (
            ("paper-style LOOCV", "loocv_accuracy"),
            ("nested LOOCV", "nested_accuracy"),
        ):
            value, note = NOT_COMPUTED, "model table missing"
            if t is not None and model in set(t["model"]):
                r = t[t["model"] == model].iloc[0]
                value = f"{float(r[col]):.0%}" if pd.notna(r[col]) else NOT_COMPUTED
                note = f"predictors: {r['predictors']}"
            paper_value = paper if kind == "paper-style LOOCV" else "not reported"
            rows.append(("models", loc, f"{model} accuracy, {kind}", paper_value, value, note))
    # Table 1 is checked against the paper's own models refitted with its fixed
    # predictors (published_models.tsv); this run's data-driven models are compared by
    # accuracy above.
    pub = o.table("tables/published_models.tsv")
    for model, paper_name, our_name, coef, p in TABLE1:
        value_c = value_p = NOT_COMPUTED
        note = "published_models.tsv missing"
        if pub is not None:
            hit = pub[(pub["model"] == model) & (pub["predictor"].astype(str) == our_name)]
            if hit.empty or pd.isna(hit["coefficient"].iloc[0]):
                note = "predictor not in this run's data"
            else:
                r = hit.iloc[0]
                value_c, value_p = _fmt(float(r["coefficient"])), _fmt(float(r["p_value"]))
                note = f"refitted as {r['term']}, outcome {r['outcome']} = 1, n = {int(r['n'])}"
        rows.append(("models", "Table 1", f"{model} {paper_name} coefficient", coef, value_c, note))
        rows.append(("models", "Table 1", f"{model} {paper_name} p-value", p, value_p, note))
    for model, loc, paper in (
        ("response_3m", "Table 1 (3 months)", "75%"),
        ("response_12m", "Table 1 (12 months)", "73%"),
    ):
        value, note = NOT_COMPUTED, "published_models.tsv missing"
        hit = None if pub is None else pub[pub["model"] == model]
        if hit is not None and not hit.empty:
            acc = hit["loocv_accuracy"].iloc[0]
            value = f"{float(acc):.0%}" if pd.notna(acc) else NOT_COMPUTED
            note = "paper's predictors refitted; LOOCV refits them per fold (nested = paper-style)"
        rows.append(("models", loc, f"{model} published model accuracy, LOOCV", paper, value, note))
    g = o.table("tables/group_tests.tsv")
    hit = None if g is None else g[(g["mirna"] == "hsa-miR-1290") & (g["outcome"] == "icans_ge2")]
    ok = hit is not None and not hit.empty
    r = hit.iloc[0] if ok else None
    note = "" if ok else "test not run"
    rows += [
        (
            "models",
            "Text",
            "miR-1290 median, ICANS grade >= 2",
            "2.3",
            _fmt(float(r["median_case"])) if ok else NOT_COMPUTED,
            note,
        ),
        (
            "models",
            "Text",
            "miR-1290 median, ICANS grade < 2",
            "0",
            _fmt(float(r["median_control"])) if ok else NOT_COMPUTED,
            note,
        ),
        (
            "models",
            "Text",
            "miR-1290 ICANS >= 2 vs < 2, KW p",
            "< 0.0007",
            _fmt(float(r["p_value"])) if ok else NOT_COMPUTED,
            note,
        ),
    ]
    cor = o.table("tables/correlations.tsv")
    for var, label, paper_r, paper_p in SPEARMAN:
        hit = (
            None
            if cor is None
            else cor[(cor["mirna"] == "hsa-miR-542-5p") & (cor["variable"] == var)]
        )
        ok = hit is not None and not hit.empty
        note = f"n = {int(hit['n'].iloc[0])}" if ok else "test not run"
        rows.append(
            (
                "correlations",
                "Text",
                f"miR-542-5p vs {label}, Spearman r",
                paper_r,
                _fmt(float(hit["rho"].iloc[0])) if ok else NOT_COMPUTED,
                note,
            )
        )
        rows.append(
            (
                "correlations",
                "Text",
                f"miR-542-5p vs {label}, Spearman p",
                paper_p,
                _fmt(float(hit["p_value"].iloc[0])) if ok else NOT_COMPUTED,
                note,
            )
        )
    return rows


def _survival(o: _Outputs) -> list[tuple]:
    rows = []
    cut = o.table("tables/suppfig_s1_cutpoint.tsv")
    loc = "Supplementary Figure S1"
    if cut is not None and not cut.empty:
        r = cut.iloc[0]
        rows += [
            (
                "survival",
                loc,
                "miR-542-5p cut-off (normalized counts)",
                "5.5",
                _fmt(float(r["cutpoint"])),
                f"chosen on {r.get('endpoint', '?')}",
            ),
            ("survival", loc, "patients below the cut-off", "20", _fmt(int(r["n_low"])), ""),
            ("survival", loc, "patients above the cut-off", "33", _fmt(int(r["n_high"])), ""),
        ]
    else:
        for q, p in (
            ("miR-542-5p cut-off (normalized counts)", "5.5"),
            ("patients below the cut-off", "20"),
            ("patients above the cut-off", "33"),
        ):
            rows.append(("survival", loc, q, p, NOT_COMPUTED, "cut-off table missing"))
    km = o.table("tables/suppfig_s1_km.tsv")
    for endpoint, (low, high) in AT_RISK.items():
        sub = None if km is None else km[km["endpoint"] == endpoint]
        ok = sub is not None and len(sub) == 2
        rows.append(
            (
                "survival",
                loc,
                f"{endpoint.upper()} log-rank p",
                LOGRANK_P[endpoint],
                _fmt(float(sub["p_logrank"].iloc[0])) if ok else NOT_COMPUTED,
                "" if ok else "KM table missing",
            )
        )
        for i, (label, paper) in enumerate((("low", low), ("high", high))):
            value = NOT_COMPUTED
            if ok:
                cols = [c for c in sub.columns if c.startswith("at_risk_")]
                value = " / ".join(str(int(v)) for v in sub.iloc[i][cols])
            quantity = f"{endpoint.upper()} numbers at risk, {label} group (0/500/1000/1500 d)"
            rows.append(("survival", loc, quantity, " / ".join(map(str, paper)), value, ""))
    return rows


def compare(outdir: str | Path, clinical: str | Path | None = None) -> pd.DataFrame:
    """Every published number beside this run's value (see module docstring for columns)."""
    o = _Outputs(Path(outdir), Path(clinical) if clinical else None)
    rows = _cohort_rows(o) + _clinical_tests(o) + _counts_and_de(o) + _models(o) + _survival(o)
    return pd.DataFrame(
        rows,
        columns=["section", "location", "quantity", "paper_value", "reanalysis_value", "note"],
    )

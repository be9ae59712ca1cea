"""The numbers Naddeo et al. 2026 publish, beside the value this run computed, and a verdict.

A reanalysis is judged side by side with the paper, so every published number is listed
here once, with its location in the paper, and looked up in the run's own outputs (and
its clinical table for cohort counts). A number the run did not produce is reported as
"not computed" with the reason, never filled in.

Output columns (``tables/paper_vs_reanalysis.tsv``): ``section``, ``location`` (where the
paper gives it), ``quantity``, ``paper_value``, ``reanalysis_value``, ``agreement``,
``rule``, ``note``.

``agreement`` is one of ``agrees``, ``differs``, ``not computed`` (this run has no value)
and ``not applicable`` (the paper gives nothing to compare with, or the two values are on
scales that cannot be compared). It follows one rule per kind of number, and the row's
``rule`` column states the rule it used, so a reader sees why (:data:`RULES`):

* patient counts (cohort groups, grade 5 deaths, patients in a survival panel): within
  ±5 patients;
* numbers at risk: every time point within ±5 patients;
* other counts (miRNAs detected, DE miRNAs): within ±40% of the paper's count;
* the number of clusters: equal;
* percentages and accuracies: within ±10 percentage points;
* medians in whole units (prior lines, onset days): within ±1;
* p-values: within one order of magnitude (|log10 ours − log10 paper| <= 1); a published
  bound ``< x`` agrees with any p below 10x;
* Spearman r: same sign and the paper's r inside the 95% CI of ours (Fisher z, our n);
* a named DE miRNA: same direction with p < 0.05;
* a Table 1 coefficient: same sign (its size depends on the count scale);
* a named predictor of the toxicity models: in our final model with the paper's direction
  (for CRP and PMBCL histology, a higher risk);
* cluster enrichment: the cluster with the highest share of the outcome, Fisher p < 0.05
  across clusters; and for the paper's "one cluster", the same cluster for all three;
* values on the normalised-count scale (the miR-542-5p cut-off, the miR-1290 medians):
  not applicable. Ours are DESeq2 median-of-ratios normalised UMI counts; the paper's
  normalised values come from other software (its Methods name GeneSpring GX, Agilent,
  for the "normalized intensity values") and it does not say how the cut-off's counts
  were normalised, so only group sizes and p-values are compared.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mirscope.errors import MirscopeWarning
from mirscope.inputs.clinical import read_clinical

NOT_COMPUTED = "not computed"
AGREES, DIFFERS, NOT_APPLICABLE = "agrees", "differs", "not applicable"
COLUMNS = [
    "section",
    "location",
    "quantity",
    "paper_value",
    "reanalysis_value",
    "agreement",
    "rule",
    "note",
]

#: The rule each kind of row is judged by (the ``rule`` column).
RULES = {
    "patients": "within ±5 patients",
    "at_risk": "each time point within ±5 patients",
    "count": "within ±40% of the paper's count",
    "equal": "equal",
    "percent": "within ±10 percentage points",
    "median": "within ±1",
    "p": "within one order of magnitude (a bound < x: below 10x)",
    "spearman": "same sign, paper's r inside our 95% CI (Fisher z)",
    "direction": "same direction with p < 0.05",
    "sign": "same sign (size depends on the count scale)",
    "selected": "in our final model, same direction",
    "enriched": "Fisher p < 0.05 across clusters",
    "one_cluster": "same cluster enriched for all three, each Fisher p < 0.05",
    "scale": "not comparable: different normalised-count scale",
    "unreported": "the paper gives no value",
}
SCALE_NOTE = (
    "ours: DESeq2 median-of-ratios normalised UMI counts; the paper's normalised values come "
    "from other software (GeneSpring GX, Agilent, per its Methods) and the scale is not "
    "stated, so the value is not comparable; compare group sizes and p"
)

# (model in our tables, table, paper location, paper accuracy)
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
# The predictors the text names for the toxicity models: (model, term in our tables,
# label, direction of risk). CRP and PMBCL histology raise the risk of ICANS.
TOXICITY_PREDICTORS = (
    ("crs_ge2", "hsa-miR-136-5p", "miR-136-5p", "down"),
    ("crs_ge2", "hsa-miR-4511", "miR-4511", "up"),
    ("icans", "hsa-miR-1290", "miR-1290", "up"),
    ("icans", "histology_pmbcl", "PMBCL histology", "up"),
    ("icans", "crp", "PLD CRP", "up"),
)
# Figure 1: the variables of the cluster-enrichment sentence in cluster_associations.tsv.
ENRICHMENT = (
    ("bridging=failure", "yes", "bridging failure"),
    ("crs_ge2", "yes", "CRS grade >= 2"),
    ("icans", "yes", "ICANS"),
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


@dataclass
class Row:
    """One published number: what is shown, and the values its rule compares.

    ``paper`` and ``ours`` are what :func:`agreement` compares (numbers, tuples or small
    dicts, depending on ``kind``); ``ours`` None means this run has no value.
    """

    section: str
    location: str
    quantity: str
    paper_value: str
    reanalysis_value: str
    kind: str
    paper: object = None
    ours: object = None
    note: str = ""

    def record(self) -> tuple:
        verdict = agreement(self.kind, self.paper, self.ours)
        return (
            self.section,
            self.location,
            self.quantity,
            self.paper_value,
            self.reanalysis_value,
            verdict,
            RULES[self.kind],
            self.note,
        )


def _log10(x: float) -> float:
    return math.log10(max(float(x), 1e-300))


def _spearman_ci(r: float, n: int) -> tuple[float, float]:
    """95% CI of a correlation by Fisher's z (SE 1 / sqrt(n - 3))."""
    if n <= 3:
        return (-1.0, 1.0)
    z = math.atanh(max(min(r, 0.999999), -0.999999))
    half = 1.959963984540054 / math.sqrt(n - 3)
    return (math.tanh(z - half), math.tanh(z + half))


def agreement(kind: str, paper: object, ours: object) -> str:
    """The verdict of one row under its kind's rule (see the module docstring)."""
    if kind in ("scale", "unreported"):
        return NOT_APPLICABLE
    if ours is None or (isinstance(ours, float) and math.isnan(ours)):
        return NOT_COMPUTED
    ok: bool
    if kind == "patients":
        ok = abs(float(ours) - float(paper)) <= 5
    elif kind == "at_risk":
        ok = len(ours) == len(paper) and all(
            abs(a - b) <= 5 for a, b in zip(ours, paper, strict=True)
        )
    elif kind == "count":
        ok = abs(float(ours) - float(paper)) <= 0.4 * float(paper)
    elif kind == "equal":
        ok = ours == paper
    elif kind == "percent":  # both as fractions
        ok = abs(float(ours) - float(paper)) <= 0.10 + 1e-9
    elif kind == "median":
        ok = abs(float(ours) - float(paper)) <= 1
    elif kind == "p":
        text = str(paper).strip()
        if text.startswith("<"):
            ok = float(ours) < 10 * float(text.lstrip("< "))
        else:
            ok = abs(_log10(ours) - _log10(float(text))) <= 1
    elif kind == "spearman":  # ours: (r, n)
        r, n = ours
        lo, hi = _spearman_ci(float(r), int(n))
        ok = math.copysign(1, r) == math.copysign(1, float(paper)) and lo <= float(paper) <= hi
    elif kind == "direction":  # ours: (direction, p)
        direction, p = ours
        ok = direction == paper and float(p) < 0.05
    elif kind == "sign":
        ok = float(ours) != 0 and math.copysign(1, float(ours)) == math.copysign(1, float(paper))
    elif kind == "selected":  # ours: (in the final model, its coefficient)
        chosen, estimate = ours
        ok = chosen and (float(estimate) > 0) == (paper == "up")
    elif kind == "enriched":  # ours: Fisher p across clusters
        ok = float(ours) < 0.05
    elif kind == "one_cluster":  # ours: [(top cluster, p), ...]
        ok = len({c for c, _ in ours}) == 1 and all(p < 0.05 for _, p in ours)
    else:
        raise ValueError(f"unknown rule kind {kind!r}")
    return AGREES if ok else DIFFERS


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
        self._clinical: pd.DataFrame | None = None

    def table(self, rel: str) -> pd.DataFrame | None:
        if rel not in self._cache:
            path = self.outdir / rel
            self._cache[rel] = pd.read_csv(path, sep="\t") if path.is_file() else None
        return self._cache[rel]

    def clinical(self) -> pd.DataFrame | None:
        if self.clinical_path is None or not Path(self.clinical_path).is_file():
            return None
        if self._clinical is None:
            self._clinical = read_clinical(self.clinical_path).reset_index()
        return self._clinical


def _cohort_rows(o: _Outputs) -> list[Row]:
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
        ("deaths from grade 5 ICANS", "2", lambda d: (d["icans_grade"] == 5).sum()),
        ("evaluable for response", "49", lambda d: (d["response_3m"].fillna("NE") != "NE").sum()),
    ]
    plain = ("patients", "ICANS grade >= 2", "deaths from grade 5 ICANS", "evaluable for response")
    rows = []
    for quantity, paper, fn in specs:
        n, note = None, "no clinical table"
        value = NOT_COMPUTED
        if c is not None:
            try:
                n = int(fn(c))
                value = str(n) if quantity in plain else f"{n} ({_pct(n, len(c))})"
                note = ""
            except KeyError as exc:
                note = f"column {exc} missing"
        paper_n = int(paper.split()[0])
        rows.append(Row("cohort", loc, quantity, paper, value, "patients", paper_n, n, note))
    rows.append(_median_row(c, "prior_lines", "median prior lines of therapy", "2", "Text"))
    for endpoint, paper in (("response_3m", 0.61), ("response_12m", 0.39)):
        value, ours, note = NOT_COMPUTED, None, "no clinical table"
        if c is not None and endpoint in c:
            ev = c[endpoint].fillna("NE")
            ev = ev[ev != "NE"]
            if len(ev):
                ours = ev.isin(["CR", "PR"]).sum() / len(ev)
            value, note = _pct(ev.isin(["CR", "PR"]).sum(), len(ev)), f"of {len(ev)} evaluable"
        elif c is not None:
            note = f"column '{endpoint}' missing"
        label = f"ORR at {endpoint.split('_')[1]}"
        rows.append(
            Row("cohort", "Text", label, f"{paper:.0%}", value, "percent", paper, ours, note)
        )
    onsets = (
        ("crs_onset_days", "median CRS onset (days)", "1"),
        ("icans_onset_days", "median ICANS onset (days)", "5"),
    )
    absent = [col for col, _, _ in onsets if c is not None and col not in c.columns]
    if absent:
        warnings.warn(
            f"the clinical table has no {' or '.join(absent)} column: the paper's median "
            "onset is not compared (the optional onset columns are in config/README.md)",
            MirscopeWarning,
            stacklevel=2,
        )
    for column, label, paper in onsets:
        rows.append(_median_row(c, column, label, paper, "Text", onset=True))
    return rows


def _median_row(
    c: pd.DataFrame | None, column: str, label: str, paper: str, loc: str, *, onset: bool = False
) -> Row:
    """A median of one clinical column (an onset: over the patients with the event)."""
    value, ours, note = NOT_COMPUTED, None, "no clinical table"
    if c is not None and column not in c.columns:
        note = f"column '{column}' missing"
    elif c is not None:
        x = pd.to_numeric(c[column], errors="coerce").dropna()
        note = f"n = {len(x)}" + (" with the event" if onset else "")
        if len(x):
            ours = float(x.median())
            value = _fmt(ours)
    return Row("cohort", loc, label, paper, value, "median", float(paper), ours, note)


def _p_from(table: pd.DataFrame | None, variable: str, level: str | None) -> float | None:
    if table is None:
        return None
    sub = table[table["variable"] == variable]
    if level is not None and "level" in sub:
        sub = sub[sub["level"].astype(str) == level]
    if sub.empty or "p_value" not in sub or pd.isna(sub["p_value"].iloc[0]):
        return None
    return float(sub["p_value"].iloc[0])


def _clinical_tests(o: _Outputs) -> list[Row]:
    crs, icans = o.table("tables/supp_table1b_crs.tsv"), o.table("tables/supp_table1c_icans.tsv")
    specs = [
        ("CRS >= 2 vs female sex, Fisher p", "0.043", crs, "sex", "F"),
        ("CRS >= 2 vs PLD CRP, KW p", "0.027", crs, "crp", None),
        ("ICANS vs female sex, Fisher p", "0.022", icans, "sex", "F"),
        ("ICANS vs PMBCL histology, Fisher p", "0.004", icans, "histology", "PMBCL"),
        ("ICANS vs ECOG >= 1 (vs 0), Fisher p", "0.013", icans, "ecog_ge1", None),
        ("ICANS vs PLD CRP, KW p", "0.006", icans, "crp", None),
    ]
    rows = []
    for q, paper, t, v, lv in specs:
        p = _p_from(t, v, lv)
        note = "" if p is not None else ("table missing" if t is None else "test not run")
        loc = "Text / Supplementary Table 1B-C"
        rows.append(Row("clinical", loc, q, paper, _fmt(p), "p", paper, p, note))
    return rows


def _clusters(o: _Outputs) -> list[Row]:
    rows = []
    clusters = o.table("tables/clusters.tsv")
    k = None if clusters is None else int(clusters["cluster"].nunique())
    note = "" if clusters is not None else "clusters.tsv missing"
    rows.append(
        Row("clustering", "Figure 1", "patient clusters", "3", _fmt(k), "equal", 3, k, note)
    )
    assoc = o.table("tables/cluster_associations.tsv")
    tops = []
    for variable, level, label in ENRICHMENT:
        sub = None if assoc is None else assoc[assoc["variable"] == variable]
        value, ours, note = NOT_COMPUTED, None, "cluster_associations.tsv missing"
        if sub is not None and sub.empty:
            note = f"no test of {variable} (column missing?)"
        elif sub is not None:
            cols = [c for c in sub.columns if c.startswith("cluster_")]
            yes = sub[sub["level"].astype(str) == level][cols].sum()
            total = sub[cols].sum()
            share = (yes / total.where(total > 0)).fillna(0.0)
            top = str(share.idxmax())
            p = float(sub["p_value"].iloc[0]) if pd.notna(sub["p_value"].iloc[0]) else None
            rest_yes, rest_n = int(yes.sum() - yes[top]), int(total.sum() - total[top])
            value = (
                f"{top}: {int(yes[top])}/{int(total[top])} ({share[top]:.0%}) vs "
                f"{rest_yes}/{rest_n} in the others; Fisher p {_fmt(p)}"
            )
            ours, note = p, "cluster with the highest share; Fisher test across all clusters"
            if p is not None:
                tops.append((top, p))
        rows.append(
            Row(
                "clustering",
                "Text / Figure 1",
                f"cluster enriched for {label}",
                "one cluster (no p given)",
                value,
                "enriched",
                None,
                ours,
                note,
            )
        )
    ok = len(tops) == len(ENRICHMENT)
    rows.append(
        Row(
            "clustering",
            "Text / Figure 1",
            "one cluster enriched for bridging failure, CRS >= 2 and ICANS",
            "yes",
            ", ".join(sorted({c for c, _ in tops})) if ok else NOT_COMPUTED,
            "one_cluster",
            None,
            tops if ok else None,
            "the clusters above, one per variable" if ok else "an enrichment test is missing",
        )
    )
    return rows


def _counts_and_de(o: _Outputs) -> list[Row]:
    rows = []
    counts = o.table("counts/mature_umi_counts.tsv")
    detected = None
    if counts is not None:
        detected = int((counts.drop(columns="mirna").sum(axis=1) > 0).sum())
    rows.append(
        Row(
            "counts",
            "Text / Figure 1",
            "miRNAs detected in >= 1 sample",
            "573",
            _fmt(detected),
            "count",
            573,
            detected,
            "UMI counts" if counts is not None else "count matrix missing",
        )
    )
    for rel, loc, paper, label in (
        ("tables/supp_table2a_crs_de.tsv", "Figure 2A / Supplementary Table 2A", "25", "CRS >= 2"),
        ("tables/supp_table2b_icans_de.tsv", "Figure 2B / Supplementary Table 2B", "33", "ICANS"),
    ):
        t = o.table(rel)
        n = None if t is None else len(t)
        note = "|log2FC| > 1 and p < 0.05" if t is not None else f"{rel} missing"
        q = f"DE miRNAs, {label}"
        rows.append(
            Row("differential expression", loc, q, paper, _fmt(n), "count", int(paper), n, note)
        )
    for rel, contrast, mirna, direction in (
        ("de/crs_ge2.tsv", "CRS >= 2", "hsa-miR-136-5p", "down"),
        ("de/crs_ge2.tsv", "CRS >= 2", "hsa-miR-4511", "up"),
        ("de/icans.tsv", "ICANS", "hsa-miR-1290", "up"),
    ):
        t = o.table(rel)
        value, ours, note = NOT_COMPUTED, None, "DE table missing"
        if t is not None:
            hit = t[t["mirna"] == mirna]
            if hit.empty or pd.isna(hit["log2FoldChange"].iloc[0]):
                note = "miRNA not tested (not detected)"
            else:
                lfc, p = float(hit["log2FoldChange"].iloc[0]), float(hit["pvalue"].iloc[0])
                ours = ("up" if lfc > 0 else "down", p)
                value = f"{ours[0]} (log2FC {lfc:.2f}, p {_fmt(p)})"
                note = ""
        rows.append(
            Row(
                "differential expression",
                "Text",
                f"{mirna} in {contrast}",
                direction,
                value,
                "direction",
                direction,
                ours,
                note,
            )
        )
    return rows


def _model_accuracy(o: _Outputs) -> list[Row]:
    rows = []
    for model, rel, loc, paper in MODEL_ACCURACY:
        t = o.table(f"tables/{rel}")
        for kind, col in (
            ("paper-style LOOCV", "loocv_accuracy"),
            ("nested LOOCV", "nested_accuracy"),
        ):
            value, ours, note = NOT_COMPUTED, None, f"{rel} missing"
            if t is not None and model in set(t["model"]):
                r = t[t["model"] == model].iloc[0]
                if pd.notna(r[col]):
                    ours = float(r[col])
                    value = f"{ours:.0%}"
                note = f"predictors: {r['predictors']}"
            elif t is not None:
                note = f"model {model} not fitted"
            q = f"{model} accuracy, {kind}"
            if kind == "paper-style LOOCV":
                paper_frac = float(paper.rstrip("%")) / 100
                rows.append(Row("models", loc, q, paper, value, "percent", paper_frac, ours, note))
            else:
                rows.append(
                    Row("models", loc, q, "not reported", value, "unreported", None, ours, note)
                )
    return rows


def _toxicity_predictors(o: _Outputs) -> list[Row]:
    """Whether the predictors the text names are in our final toxicity models."""
    summary = o.table("tables/toxicity_models.tsv")
    rows = []
    for model, term, label, direction in TOXICITY_PREDICTORS:
        coef_table = o.table(f"tables/models/{model}_coefficients.tsv")
        selection = o.table(f"tables/models/{model}_selection.tsv")
        value, ours, note = NOT_COMPUTED, None, "toxicity model tables missing"
        if summary is not None and model in set(summary["model"]) and coef_table is not None:
            hit = coef_table[coef_table["term"] == term]
            sel_text = ""
            if selection is not None:
                sel = selection[selection["variable"] == term]
                sel_text = (
                    f"LASSO selection frequency {float(sel['frequency'].iloc[0]):.2f}"
                    if not sel.empty
                    else "not a LASSO candidate"
                )
            if hit.empty:
                ours = (False, None)
                value = "not in final model"
            else:
                est, p = float(hit["estimate"].iloc[0]), float(hit["p_value"].iloc[0])
                ours = (True, est)
                value = f"in final model ({'up' if est > 0 else 'down'}, p {_fmt(p)})"
            predictors = summary[summary["model"] == model]["predictors"].iloc[0]
            note = "; ".join(x for x in (sel_text, f"final predictors: {predictors}") if x)
        rows.append(
            Row(
                "models",
                "Text (CRS model)" if model == "crs_ge2" else "Text (ICANS model)",
                f"{model} model selects {label}",
                f"selected ({direction})",
                value,
                "selected",
                direction,
                ours,
                note,
            )
        )
    return rows


def _published_models(o: _Outputs) -> list[Row]:
    # Table 1 is checked against the paper's own models refitted with its fixed
    # predictors (published_models.tsv); this run's data-driven models are compared by
    # accuracy above.
    rows = []
    pub = o.table("tables/published_models.tsv")
    for model, paper_name, our_name, coef, p in TABLE1:
        c_ours = p_ours = None
        note = "published_models.tsv missing"
        if pub is not None:
            hit = pub[(pub["model"] == model) & (pub["predictor"].astype(str) == our_name)]
            if hit.empty or pd.isna(hit["coefficient"].iloc[0]):
                note = "predictor not in this run's data"
            else:
                r = hit.iloc[0]
                c_ours, p_ours = float(r["coefficient"]), float(r["p_value"])
                note = f"refitted as {r['term']}, outcome {r['outcome']} = 1, n = {int(r['n'])}"
        rows.append(
            Row(
                "models",
                "Table 1",
                f"{model} {paper_name} coefficient",
                coef,
                _fmt(c_ours),
                "sign",
                float(coef),
                c_ours,
                note,
            )
        )
        rows.append(
            Row(
                "models",
                "Table 1",
                f"{model} {paper_name} p-value",
                p,
                _fmt(p_ours),
                "p",
                p,
                p_ours,
                note,
            )
        )
    for model, loc, paper in (
        ("response_3m", "Table 1 (3 months)", "75%"),
        ("response_12m", "Table 1 (12 months)", "73%"),
    ):
        value, ours, note = NOT_COMPUTED, None, "published_models.tsv missing"
        hit = None if pub is None else pub[pub["model"] == model]
        if hit is not None and not hit.empty:
            acc = hit["loocv_accuracy"].iloc[0]
            if pd.notna(acc):
                ours = float(acc)
                value = f"{ours:.0%}"
            note = "paper's predictors refitted; LOOCV refits them per fold (nested = paper-style)"
        q = f"{model} published model accuracy, LOOCV"
        rows.append(
            Row("models", loc, q, paper, value, "percent", float(paper[:-1]) / 100, ours, note)
        )
    return rows


def _group_tests_and_correlations(o: _Outputs) -> list[Row]:
    rows = []
    g = o.table("tables/group_tests.tsv")
    hit = None if g is None else g[(g["mirna"] == "hsa-miR-1290") & (g["outcome"] == "icans_ge2")]
    ok = hit is not None and not hit.empty
    r = hit.iloc[0] if ok else None
    missing = "group_tests.tsv missing" if g is None else "test not run"
    for q, paper, col in (
        ("miR-1290 median, ICANS grade >= 2", "2.3", "median_case"),
        ("miR-1290 median, ICANS grade < 2", "0", "median_control"),
    ):
        value = _fmt(float(r[col])) if ok else NOT_COMPUTED
        rows.append(
            Row("models", "Text", q, paper, value, "scale", note=SCALE_NOTE if ok else missing)
        )
    p = float(r["p_value"]) if ok else None
    rows.append(
        Row(
            "models",
            "Text",
            "miR-1290 ICANS >= 2 vs < 2, KW p",
            "< 0.0007",
            _fmt(p),
            "p",
            "< 0.0007",
            p,
            "" if ok else missing,
        )
    )
    cor = o.table("tables/correlations.tsv")
    for var, label, paper_r, paper_p in SPEARMAN:
        hit = (
            None
            if cor is None
            else cor[(cor["mirna"] == "hsa-miR-542-5p") & (cor["variable"] == var)]
        )
        ok = hit is not None and not hit.empty
        n = int(hit["n"].iloc[0]) if ok else None
        rho = float(hit["rho"].iloc[0]) if ok else None
        p = float(hit["p_value"].iloc[0]) if ok else None
        note = f"n = {n}" if ok else ("correlations.tsv missing" if cor is None else "test not run")
        if ok:
            lo, hi = _spearman_ci(rho, n)
            note += f"; our 95% CI {lo:.2f} to {hi:.2f}"
        rows.append(
            Row(
                "correlations",
                "Text",
                f"miR-542-5p vs {label}, Spearman r",
                paper_r,
                _fmt(rho),
                "spearman",
                float(paper_r),
                (rho, n) if ok else None,
                note,
            )
        )
        rows.append(
            Row(
                "correlations",
                "Text",
                f"miR-542-5p vs {label}, Spearman p",
                paper_p,
                _fmt(p),
                "p",
                paper_p,
                p,
                f"n = {n}" if ok else note,
            )
        )
    return rows


def _survival(o: _Outputs) -> list[Row]:
    rows = []
    cut = o.table("tables/suppfig_s1_cutpoint.tsv")
    loc = "Supplementary Figure S1"
    if cut is not None and not cut.empty:
        r = cut.iloc[0]
        rows += [
            Row(
                "survival",
                loc,
                "miR-542-5p cut-off (normalized counts)",
                "5.5",
                _fmt(float(r["cutpoint"])),
                "scale",
                note=f"chosen on {r.get('endpoint', '?')}; {SCALE_NOTE}",
            ),
            Row(
                "survival",
                loc,
                "patients below the cut-off",
                "20",
                _fmt(int(r["n_low"])),
                "patients",
                20,
                int(r["n_low"]),
            ),
            Row(
                "survival",
                loc,
                "patients above the cut-off",
                "33",
                _fmt(int(r["n_high"])),
                "patients",
                33,
                int(r["n_high"]),
            ),
        ]
    else:
        rows.append(
            Row(
                "survival",
                loc,
                "miR-542-5p cut-off (normalized counts)",
                "5.5",
                NOT_COMPUTED,
                "scale",
                note=f"cut-off table missing; {SCALE_NOTE}",
            )
        )
        for q, p in (("patients below the cut-off", 20), ("patients above the cut-off", 33)):
            rows.append(
                Row(
                    "survival",
                    loc,
                    q,
                    str(p),
                    NOT_COMPUTED,
                    "patients",
                    p,
                    None,
                    "cut-off table missing",
                )
            )
    km = o.table("tables/suppfig_s1_km.tsv")
    for endpoint, (low, high) in AT_RISK.items():
        sub = None if km is None else km[km["endpoint"] == endpoint]
        ok = sub is not None and len(sub) == 2
        missing = "" if ok else "KM table missing"
        p = float(sub["p_logrank"].iloc[0]) if ok else None
        rows.append(
            Row(
                "survival",
                loc,
                f"{endpoint.upper()} log-rank p",
                LOGRANK_P[endpoint],
                _fmt(p),
                "p",
                LOGRANK_P[endpoint],
                p,
                missing,
            )
        )
        if endpoint == "ttp":
            n = int(sub["n"].sum()) if ok else None
            rows.append(
                Row(
                    "survival",
                    loc,
                    "TTP patients analysed",
                    "50 (19 + 31)",
                    f"{n} ({' + '.join(str(int(v)) for v in sub['n'])})" if ok else NOT_COMPUTED,
                    "patients",
                    50,
                    n,
                    "deaths without progression left out unless "
                    "survival.ttp_death_without_progression is censor"
                    if ok
                    else missing,
                )
            )
        for i, (label, paper) in enumerate((("low", low), ("high", high))):
            value, ours = NOT_COMPUTED, None
            if ok:
                cols = [c for c in sub.columns if c.startswith("at_risk_")]
                ours = tuple(int(v) for v in sub.iloc[i][cols])
                value = " / ".join(map(str, ours))
            quantity = f"{endpoint.upper()} numbers at risk, {label} group (0/500/1000/1500 d)"
            paper_text = " / ".join(map(str, paper))
            rows.append(
                Row("survival", loc, quantity, paper_text, value, "at_risk", paper, ours, missing)
            )
    return rows


def compare(outdir: str | Path, clinical: str | Path | None = None) -> pd.DataFrame:
    """Every published number beside this run's value (see module docstring for columns)."""
    o = _Outputs(Path(outdir), Path(clinical) if clinical else None)
    rows = (
        _cohort_rows(o)
        + _clinical_tests(o)
        + _counts_and_de(o)
        + _clusters(o)
        + _model_accuracy(o)
        + _toxicity_predictors(o)
        + _published_models(o)
        + _group_tests_and_correlations(o)
        + _survival(o)
    )
    return pd.DataFrame([r.record() for r in rows], columns=COLUMNS)

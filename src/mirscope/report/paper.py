"""The numbers Naddeo et al. 2026 (and its companion papers) publish, beside the value this
run computed, and a verdict a reader can trust.

A reanalysis is judged side by side with the paper, so each published number this
pipeline reproduces is listed once, with its location in the paper, and looked up in the
run's own outputs (and its clinical table for cohort counts). A number the run did not
produce is reported as "not computed" with the reason, never filled in. Numbers the
pipeline has no analysis for (e.g. the Supplementary Table 1 cells other than the p-values
the text quotes) are not listed.

Why the verdicts are strict: a green row is read as "the reanalysis reproduces this", so
``agrees`` is given only where the two numbers say the same thing. A p-value agrees only on
the same side of 0.05 (a p of 0.06 does not reproduce a p of 0.04, however close); a named
DE miRNA only when it passes the paper's own DE rule in the paper's direction; a model's
accuracy only when the model holds the paper's predictors (the same accuracy from other
predictors reproduces nothing); a coefficient only when the paper states its coding and
ours has its sign with its p on the same side of 0.05 (a sign without evidence shows no
direction).

Why ``input``: the demo cohort is simulated (:mod:`mirscope.simulate`) with the paper's
marginals fixed, so on it the cohort counts, ORRs and onset medians match by construction,
and calling them agreements would inflate the table. A clinical table is the simulator's
when its truth file (:data:`SIMULATION_MARKER`) sits beside it, which the simulator always
writes and a study's table never has; on a user's cohort the same rows are judged by their
rules. The demo's companion tables are simulated too: on made-up scales (003), so those rows
are ``not applicable`` on the demo; or at the paper's rates (004's cohort, drawn at its
published incidence and survival), so those rows are ``input``. The demo's evidence table
(001) is not simulated but the review's own inputs, so its class counts are judged.

The table's first line is a ``#`` comment with the verdict counts (:func:`summary_line`),
written by ``mirscope paper-compare`` and shown on the report page.

Output columns (``tables/paper_vs_reanalysis.tsv``): ``section``, ``location`` (where the
paper gives it), ``quantity``, ``paper_value``, ``reanalysis_value``, ``agreement``,
``rule``, ``note``; docs/outputs.md lists the rule of each kind of number (:data:`RULES`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mirscope.companion.evidence import is_review_input
from mirscope.de.deseq import select_de
from mirscope.errors import MirscopeWarning
from mirscope.inputs.clinical import read_clinical
from mirscope.stats.design import covariate_name
from mirscope.stats.tables import p_value

NOT_COMPUTED = "not computed"
AGREES, DIFFERS, NOT_APPLICABLE, INPUT = "agrees", "differs", "not applicable", "input"
#: Every verdict, in the order the summary line counts them.
VERDICTS = (AGREES, DIFFERS, INPUT, NOT_APPLICABLE, NOT_COMPUTED)
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
#: The significance level the paper uses for every test.
ALPHA = 0.05
#: Written by the simulator beside the clinical table it simulates (mirscope.simulate).
SIMULATION_MARKER = Path("truth", "effects.tsv")

#: The rule each kind of row is judged by (the ``rule`` column).
RULES = {
    "patients": "within ±5 patients",
    "at_risk": "each time point within ±5 patients",
    "count": "within ±40% of the paper's value",
    "equal": "equal",
    "percent": "within ±10 percentage points",
    "accuracy": "within ±10 percentage points, from a model with the paper's predictors",
    "median": "within ±1",
    "p": "same side of 0.05 and within one order of magnitude (a bound < x: below 10x)",
    "spearman": "same sign, paper's r inside our 95% CI (Fisher z)",
    "de_rule": "passes the DE rule (de.lfc_threshold, de.p_threshold) in the paper's direction",
    "de_set": "every miRNA the text names passes the DE rule in the paper's direction",
    "sign": "same sign, and p on the same side of 0.05 (size depends on the count scale)",
    "selected": "in our final model, in the paper's direction where it gives one",
    "in_ci": "the paper's value inside our 95% CI",
    "enriched": "Fisher p < 0.05 across clusters",
    "one_cluster": "same cluster enriched for all three, each Fisher p < 0.05",
    "scale": "not comparable: different normalised-count scale",
    "coding": "not comparable: the paper does not state which level is coded 1",
    "unreported": "the paper gives no value",
    "input": "set from the paper by the demo's simulator: not evidence",
    "simulated": "not comparable: the demo's companion table is simulated",
    "designs": (
        "not comparable: the review's text gives no study's design, so the shipped review "
        "inputs assume one (mirscope.companion.evidence.review_studies)"
    ),
}
#: What the demo does with a row's number (``Row.demo``): the note added on the demo.
DEMO_NOTES = {
    "input": "the simulated demo fixes this to the paper's value (mirscope.simulate.clinical)",
    "drawn": (
        "the simulated demo draws this around the paper's value (mirscope.simulate.clinical)"
    ),
    "simulated": (
        "the demo's companion table is simulated on made-up scales "
        "(mirscope.simulate.companion), not the companion study's data"
    ),
    "clonhema": (
        "the simulated demo draws ClonHema's cohort (555 patients) at the paper's incidence "
        "and survival after the event (mirscope.simulate.companion)"
    ),
}
SCALE_NOTE = (
    "ours: DESeq2 median-of-ratios normalised UMI counts; the paper's normalised values come "
    "from other software (GeneSpring GX, Agilent, per its Methods) and the scale is not "
    "stated, so the value is not comparable; compare group sizes and p"
)


@dataclass(frozen=True)
class Predictor:
    """One predictor the paper names for a model: our term for it, its label, and the
    sign of our coefficient the paper's direction implies (None: the paper gives none)."""

    term: str
    label: str
    sign: int | None = None


@dataclass(frozen=True)
class PaperModel:
    """One of the paper's prediction models and what it publishes about it."""

    model: str  # our model's name
    summary: str  # the table under tables/ with our model's predictors and accuracy
    location: str
    accuracy: str
    predictors: tuple[Predictor, ...]


# The text names every model's predictors. Toxicity signs: + = higher level, higher risk
# ("low miR-136-5p and high miR-4511"; "high levels of miR-1290, PMBCL histology, and PLD
# CRP"); sex and ECOG are in the models without a stated direction. Our response models
# code response (CR/PR) as 1, so miR-542-5p, "the most consistent adverse biomarker",
# should have a negative sign; the product's coding and the other miRNAs' directions are
# not stated.
_CRP, _SEX = covariate_name("crp"), covariate_name("sex")
_HISTOLOGY, _ECOG, _PRODUCT = (covariate_name(c) for c in ("histology", "ecog", "product"))
_MIR542 = Predictor("hsa-miR-542-5p", "miR-542-5p", -1)
PAPER_MODELS = (
    PaperModel(
        "crs_ge2",
        "toxicity_models.tsv",
        "Text (CRS model)",
        "81%",
        (
            Predictor("hsa-miR-136-5p", "miR-136-5p", -1),
            Predictor("hsa-miR-4511", "miR-4511", 1),
            Predictor(_CRP, "PLD CRP"),
            Predictor(_SEX, "sex"),
        ),
    ),
    PaperModel(
        "icans",
        "toxicity_models.tsv",
        "Text (ICANS model)",
        "87%",
        (
            Predictor("hsa-miR-1290", "miR-1290", 1),
            Predictor(_HISTOLOGY, "PMBCL histology", 1),
            Predictor(_CRP, "PLD CRP", 1),
            Predictor(_SEX, "sex"),
            Predictor(_ECOG, "ECOG"),
        ),
    ),
    PaperModel(
        "response_3m",
        "response_models_summary.tsv",
        "Table 1 (3 months)",
        "75%",
        (
            Predictor(_PRODUCT, "CAR T product"),
            Predictor("hsa-let-7d-3p", "let-7d-3p"),
            _MIR542,
        ),
    ),
    PaperModel(
        "response_12m",
        "response_models_summary.tsv",
        "Table 1 (12 months)",
        "73%",
        (
            Predictor("hsa-miR-143-3p", "miR-143-3p"),
            Predictor("hsa-miR-542-3p", "miR-542-3p"),
            _MIR542,
        ),
    ),
)
# Table 1: (model, paper's name, our predictor, coefficient, p). The product's coefficient
# has no stated coding, so only its p is compared.
TABLE1 = (
    ("response_3m", "Product", "product", "-591.077", "0.00473"),
    ("response_3m", "hsa_let_7d_3p", "hsa-let-7d-3p", "-0.03498", "0.00616"),
    ("response_3m", "hsa_miR_542_5p", "hsa-miR-542-5p", "0.72076", "0.01632"),
    ("response_12m", "hsa_miR_143_3p", "hsa-miR-143-3p", "0.0009494", "0.05869"),
    ("response_12m", "hsa_miR_542_3p", "hsa-miR-542-3p", "0.0201877", "0.25701"),
    ("response_12m", "hsa_miR_542_5p", "hsa-miR-542-5p", "0.3405031", "0.04141"),
)
UNCODED = {"product"}
# The DE miRNAs the text names, per contrast: (our DE table, label, location, [(miRNA,
# direction)]). Supplementary Table 2's full lists are in the paper's Excel supplement,
# not in its text.
NAMED_DE = (
    (
        "crs_ge2",
        "CRS >= 2",
        "Text / Supplementary Table 2A",
        (("hsa-miR-136-5p", "down"), ("hsa-miR-4511", "up")),
    ),
    ("icans", "ICANS", "Text / Supplementary Table 2B", (("hsa-miR-1290", "up"),)),
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
# Companion 001 (Figure 3B legend; section 3.2): share of biomarkers per evidence level,
# and biomarkers per class.
EVIDENCE_LEVELS = (("A+", "7.1%"), ("A", "7.1%"), ("B", "14.3%"), ("C", "39.3%"), ("D", "32.1%"))
EVIDENCE_CLASSES = (("dual-predictive", 10), ("favourable", 12), ("unfavourable", 2))
# Companion 004 (Results, Figure 1a): cumulative SMN incidence at 6 months, 1 and 4 years,
# at the times (days) the competing-risk stage estimates it.
CUMINC = (("6 months", 182.625, "1.1%"), ("1 year", 365.25, "1.8%"), ("4 years", 1461.0, "2.7%"))
DAYS_PER_MONTH = 365.25 / 12


@dataclass
class Row:
    """One published number: what is shown, and the values its rule compares.

    ``paper`` and ``ours`` are what :func:`agreement` compares (numbers, tuples or small
    dicts, depending on ``kind``); ``ours`` None means this run has no value. ``demo``
    (a :data:`DEMO_NOTES` key) says what the simulated demo does with this number.
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
    demo: str = ""

    def record(self, *, simulated: bool) -> tuple:
        verdict, rule, note = (
            agreement(self.kind, self.paper, self.ours),
            RULES[self.kind],
            self.note,
        )
        if simulated and self.demo and verdict != NOT_COMPUTED:
            verdict = NOT_APPLICABLE if self.demo == "simulated" else INPUT
            rule = RULES["simulated" if self.demo == "simulated" else "input"]
            note = "; ".join(x for x in (note, DEMO_NOTES[self.demo]) if x)
        return (
            self.section,
            self.location,
            self.quantity,
            self.paper_value,
            self.reanalysis_value,
            verdict,
            rule,
            note,
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


def _p_agrees(paper: object, ours: float) -> bool:
    """Same side of :data:`ALPHA`, and within a decade (a bound ``< x``: below 10x)."""
    text = str(paper).strip()
    bound = text.startswith("<")
    value = float(text.lstrip("< "))
    same_side = (ours < ALPHA) == (value <= ALPHA if bound else value < ALPHA)
    close = ours < 10 * value if bound else abs(_log10(ours) - _log10(value)) <= 1
    return same_side and close


def agreement(kind: str, paper: object, ours: object) -> str:
    """The verdict of one row under its kind's rule (see the module docstring)."""
    if kind in ("scale", "unreported", "coding", "designs"):
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
    elif kind == "accuracy":  # ours: (accuracy, the paper's predictors?)
        accuracy, same_predictors = ours
        ok = same_predictors and abs(float(accuracy) - float(paper)) <= 0.10 + 1e-9
    elif kind == "median":
        ok = abs(float(ours) - float(paper)) <= 1
    elif kind == "p":
        ok = _p_agrees(paper, float(ours))
    elif kind == "spearman":  # ours: (r, n)
        r, n = ours
        lo, hi = _spearman_ci(float(r), int(n))
        ok = math.copysign(1, r) == math.copysign(1, float(paper)) and lo <= float(paper) <= hi
    elif kind == "de_rule":  # ours: (direction, passes the DE rule)
        direction, passes = ours
        ok = bool(passes) and direction == paper
    elif kind == "de_set":  # paper: the named miRNAs; ours: those passing in their direction
        ok = set(paper) <= set(ours)
    elif kind == "sign":  # paper, ours: (coefficient, p); a null estimate has no direction
        (coef, p_paper), (estimate, p_ours) = paper, ours
        if estimate is None or p_ours is None or math.isnan(p_ours):
            return NOT_COMPUTED
        same_sign = float(estimate) != 0 and math.copysign(1, estimate) == math.copysign(1, coef)
        ok = same_sign and (float(p_ours) < ALPHA) == (float(p_paper) < ALPHA)
    elif kind == "selected":  # paper: sign or None; ours: (in the final model, coefficient)
        chosen, estimate = ours
        ok = bool(chosen) and (
            paper is None or (estimate is not None and float(estimate) * int(paper) > 0)
        )
    elif kind == "in_ci":  # ours: (estimate, lower, upper); a missing bound is open
        _, lo, hi = ours
        lo = -math.inf if lo is None or math.isnan(lo) else lo
        hi = math.inf if hi is None or math.isnan(hi) else hi
        ok = lo <= float(paper) <= hi
    elif kind == "enriched":  # ours: Fisher p across clusters
        ok = float(ours) < ALPHA
    elif kind == "one_cluster":  # ours: [(top cluster, p), ...]
        ok = len({c for c, _ in ours}) == 1 and all(p < ALPHA for _, p in ours)
    else:
        raise ValueError(f"unknown rule kind {kind!r}")
    return AGREES if ok else DIFFERS


def summary_line(table: pd.DataFrame) -> str:
    """The verdict counts of a comparison table, for its first (comment) line."""
    counts = table["agreement"].value_counts()
    words = {AGREES: "agree", DIFFERS: "differ"}
    parts = ", ".join(f"{int(counts.get(v, 0))} {words.get(v, v)}" for v in VERDICTS)
    return f"{len(table)} rows: {parts}"


def is_simulated(clinical: str | Path | None) -> bool:
    """Whether a clinical table is the simulator's (its truth file beside it)."""
    return clinical is not None and (Path(clinical).parent / SIMULATION_MARKER).is_file()


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


def _percent(text: str) -> float:
    """``"7.1%"`` -> 0.071."""
    return float(text.rstrip("%")) / 100


def _number(value: object) -> float | None:
    """A table cell as a float; None for a missing or non-numeric cell."""
    x = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return None if pd.isna(x) else float(x)


def _terms(text: object) -> list[str]:
    """A ``predictors`` cell (comma-separated terms) as a list; empty for none."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    return [t.strip() for t in str(text).split(",") if t.strip()]


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

    def model_row(self, summary: str, model: str) -> tuple[pd.Series | None, str]:
        """Our model's row of a summary table, or None and why not."""
        t = self.table(f"tables/{summary}")
        if t is None:
            return None, f"{summary} missing"
        if "model" not in t.columns or model not in set(t["model"]):
            return None, f"model {model} not fitted"
        return t[t["model"] == model].iloc[0], ""


def _cohort_rows(o: _Outputs) -> list[Row]:
    c = o.clinical()
    loc = "Text / Supplementary Table 1"
    # Every count here is one of the simulator's fixed marginals (PAPER_COUNTS).
    specs = [
        ("patients", loc, "53", lambda d: len(d)),
        ("LBCL", loc, "46 (87%)", lambda d: (d["histology"] == "LBCL").sum()),
        ("PMBCL", loc, "7 (13%)", lambda d: (d["histology"] == "PMBCL").sum()),
        ("axi-cel", loc, "28 (53%)", lambda d: (d["product"] == "axi-cel").sum()),
        ("tisa-cel", loc, "25 (47%)", lambda d: (d["product"] == "tisa-cel").sum()),
        ("CRS any grade", loc, "45 (85%)", lambda d: (d["crs_grade"] > 0).sum()),
        ("CRS grade >= 2", loc, "16 (30%)", lambda d: (d["crs_grade"] >= 2).sum()),
        ("CRS grade < 2", "Text (CRS DE)", "37", lambda d: (d["crs_grade"] < 2).sum()),
        ("ICANS any grade", loc, "18 (34%)", lambda d: (d["icans_grade"] > 0).sum()),
        ("no ICANS", "Text (ICANS DE)", "35", lambda d: (d["icans_grade"] == 0).sum()),
        ("ICANS grade >= 2", loc, "14", lambda d: (d["icans_grade"] >= 2).sum()),
        ("ICANS grade < 2", "Text (miR-1290)", "39", lambda d: (d["icans_grade"] < 2).sum()),
        ("deaths from grade 5 ICANS", loc, "2", lambda d: (d["icans_grade"] == 5).sum()),
        (
            "evaluable for response",
            loc,
            "49",
            lambda d: (d["response_3m"].fillna("NE") != "NE").sum(),
        ),
    ]
    rows = []
    for quantity, where, paper, fn in specs:
        n, note = None, "no clinical table"
        value = NOT_COMPUTED
        if c is not None:
            try:
                n = int(fn(c))
                value = f"{n} ({_pct(n, len(c))})" if "(" in paper else str(n)
                note = ""
            except KeyError as exc:
                note = f"column {exc} missing"
        paper_n = int(paper.split()[0])
        rows.append(
            Row("cohort", where, quantity, paper, value, "patients", paper_n, n, note, "input")
        )
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
            Row(
                "cohort",
                "Text",
                label,
                f"{paper:.0%}",
                value,
                "percent",
                paper,
                ours,
                note,
                "input",
            )
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
    """A median of one clinical column (an onset: over the patients with the event).

    The simulator draws these columns around the paper's medians (prior lines from a
    distribution with median 2, onsets log-normally around 1 and 5 days).
    """
    value, ours, note = NOT_COMPUTED, None, "no clinical table"
    if c is not None and column not in c.columns:
        note = f"column '{column}' missing"
    elif c is not None:
        x = pd.to_numeric(c[column], errors="coerce").dropna()
        note = f"n = {len(x)}" + (" with the event" if onset else "")
        if len(x):
            ours = float(x.median())
            value = _fmt(ours)
    return Row("cohort", loc, label, paper, value, "median", float(paper), ours, note, "drawn")


def _clinical_tests(o: _Outputs) -> list[Row]:
    crs, icans = o.table("tables/supp_table1b_crs.tsv"), o.table("tables/supp_table1c_icans.tsv")
    specs = [
        ("CRS >= 2 vs female sex, Fisher p", "0.043", crs, "sex"),
        ("CRS >= 2 vs PLD CRP, KW p", "0.027", crs, "crp"),
        ("ICANS vs female sex, Fisher p", "0.022", icans, "sex"),
        ("ICANS vs PMBCL histology, Fisher p", "0.004", icans, "histology"),
        ("ICANS vs ECOG >= 1 (vs 0), Fisher p", "0.013", icans, "ecog_ge1"),
        ("ICANS vs PLD CRP, KW p", "0.006", icans, "crp"),
    ]
    rows = []
    for q, paper, t, v in specs:
        p = None if t is None else p_value(t, v)
        note = "" if p is not None else ("table missing" if t is None else "test not run")
        loc = "Text / Supplementary Table 1B-C"
        rows.append(Row("clinical", loc, q, paper, _fmt(p), "p", paper, p, note))
    return rows


def _counts_and_de(o: _Outputs, lfc: float, p_max: float) -> list[Row]:
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
        note = f"|log2FC| > {lfc:g} and p < {p_max:g}" if t is not None else f"{rel} missing"
        q = f"DE miRNAs, {label}"
        rows.append(
            Row("differential expression", loc, q, paper, _fmt(n), "count", int(paper), n, note)
        )
    rule = f"the DE rule here: |log2FC| > {lfc:g} and p < {p_max:g}"
    for contrast, label, loc, named in NAMED_DE:
        t = o.table(f"de/{contrast}.tsv")
        passing = set()
        if t is not None:
            hits = select_de(t, lfc=lfc, p=p_max)
            passing = set(zip(hits["mirna"], hits["direction"], strict=True))
        for mirna, direction in named:
            value, ours, note = NOT_COMPUTED, None, f"de/{contrast}.tsv missing"
            hit = None if t is None else t[t["mirna"] == mirna]
            if hit is not None and (hit.empty or pd.isna(hit["log2FoldChange"].iloc[0])):
                note = "miRNA not tested (not detected)"
            elif hit is not None:
                fc, p = float(hit["log2FoldChange"].iloc[0]), _number(hit["pvalue"].iloc[0])
                ours_dir = "up" if fc > 0 else "down"
                ours = (ours_dir, (mirna, ours_dir) in passing)
                value = f"{ours_dir} (log2FC {fc:.2f}, p {_fmt(p)})"
                note = rule + ("" if ours[1] else "; does not pass it")
            rows.append(
                Row(
                    "differential expression",
                    "Text",
                    f"{mirna} in {label}",
                    direction,
                    value,
                    "de_rule",
                    direction,
                    ours,
                    note,
                )
            )
        found = sorted(m for m, d in named if (m, d) in passing)
        paper = tuple(m for m, _ in named)
        rows.append(
            Row(
                "differential expression",
                loc,
                f"named DE miRNAs of {label} in our DE set",
                ", ".join(paper),
                f"{len(found)} of {len(paper)}" + (f": {', '.join(found)}" if found else ""),
                "de_set",
                paper,
                tuple(found) if t is not None else None,
                "Supplementary Table 2's lists are in the paper's Excel supplement, not its "
                f"text: the miRNAs the text names are looked up; {rule}"
                if t is not None
                else f"de/{contrast}.tsv missing",
            )
        )
    return rows


def _selection_frequency(o: _Outputs, model: str, term: str) -> str:
    """The LASSO selection frequency of one term, as a note (empty if not available), with
    any other ``*_frequency`` column of the selection table (e.g. per resample, per fold)."""
    sel = o.table(f"tables/models/{model}_selection.tsv")
    if sel is None or not {"variable", "frequency"} <= set(sel.columns):
        return ""
    hit = sel[sel["variable"].astype(str) == term]
    freq = None if hit.empty else _number(hit["frequency"].iloc[0])
    if freq is None:
        return "not a LASSO candidate"
    others = [
        f"{col.removesuffix('_frequency')} {x:.2f}"
        for col in sel.columns
        if col.endswith("_frequency") and (x := _number(hit[col].iloc[0])) is not None
    ]
    return f"LASSO selection frequency {freq:.2f}" + (f" ({', '.join(others)})" if others else "")


def _coefficient(o: _Outputs, model: str, term: str) -> tuple[float | None, float | None]:
    """Our final model's estimate and p of one term (None where not available)."""
    coef = o.table(f"tables/models/{model}_coefficients.tsv")
    if coef is None or "term" not in coef.columns or "estimate" not in coef.columns:
        return None, None
    hit = coef[coef["term"].astype(str) == term]
    if hit.empty:
        return None, None
    p = _number(hit["p_value"].iloc[0]) if "p_value" in hit.columns else None
    return _number(hit["estimate"].iloc[0]), p


def _predictor_note(ours: list[str], paper: PaperModel) -> tuple[str, bool]:
    """ "predictors: ...; paper's: ...; shared: ..." and whether the two sets are equal."""
    theirs = [p.term for p in paper.predictors]
    shared = [t for t in theirs if t in ours]
    note = (
        f"predictors: {', '.join(ours) or 'none'}; paper's: {', '.join(theirs)}; "
        f"shared: {', '.join(shared) or 'none'}"
    )
    return note, set(ours) == set(theirs)


def _model_rows(o: _Outputs) -> list[Row]:
    """Each model's accuracy beside the paper's, and one row per predictor it names.

    An accuracy agrees only from a model with the paper's predictors: the same accuracy
    from other predictors reproduces nothing.
    """
    rows = []
    for pm in PAPER_MODELS:
        r, missing = o.model_row(pm.summary, pm.model)
        if r is not None and "predictors" not in r.index:
            missing = f"{pm.summary} has no predictors column"
        ours = None if missing else _terms(r["predictors"])
        note, same = _predictor_note(ours or [], pm)
        note = missing or note
        acc, nested = (
            _number(r[col]) if r is not None and col in r.index else None
            for col in ("loocv_accuracy", "nested_accuracy")
        )
        judged = note
        if acc is not None and not same:
            judged += "; not the paper's predictors, so not agreement whatever the accuracy"
        rows.append(
            Row(
                "models",
                pm.location,
                f"{pm.model} accuracy, paper-style LOOCV",
                pm.accuracy,
                _fmt_share(acc),
                "accuracy",
                _percent(pm.accuracy),
                None if acc is None else (acc, same),
                judged,
            )
        )
        q = f"{pm.model} accuracy, nested LOOCV"
        rows.append(
            Row(
                "models",
                pm.location,
                q,
                "not reported",
                _fmt_share(nested),
                "unreported",
                None,
                nested,
                note,
            )
        )
        rows += [_selects_row(o, pm, pred, ours, missing) for pred in pm.predictors]
    return rows


def _fmt_share(x: float | None) -> str:
    return NOT_COMPUTED if x is None else f"{x:.0%}"


def _selects_row(
    o: _Outputs, pm: PaperModel, pred: Predictor, ours: list[str] | None, missing: str
) -> Row:
    """Whether our final model holds one predictor the paper names, in its direction."""
    paper_value = {1: "selected (up)", -1: "selected (down)", None: "in the model"}[pred.sign]
    value, compared, notes = NOT_COMPUTED, None, [missing]
    if ours is not None:
        estimate, p = _coefficient(o, pm.model, pred.term)
        if pred.term not in ours:
            value, compared = "not in final model", (False, None)
        elif estimate is None:
            value, compared = "in final model", (True, None)
            notes.append("coefficient table missing")
        else:
            value = f"in final model ({'up' if estimate > 0 else 'down'}, p {_fmt(p)})"
            compared = (True, estimate)
        notes += [_selection_frequency(o, pm.model, pred.term), f"term {pred.term}"]
        if pm.summary.startswith("response") and pred.sign is not None:
            notes.append("our response models code CR/PR as 1, so down = adverse")
    return Row(
        "models",
        pm.location,
        f"{pm.model} model selects {pred.label}",
        paper_value,
        value,
        "selected",
        pred.sign,
        compared,
        "; ".join(n for n in notes if n),
    )


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
        coef_kind, coef_note = "sign", note
        if our_name in UNCODED:
            coef_kind = "coding"
            coef_note = "the paper does not state which product is coded 1; " + note
        rows.append(
            Row(
                "models",
                "Table 1",
                f"{model} {paper_name} coefficient",
                coef,
                _fmt(c_ours),
                coef_kind,
                (float(coef), float(p)),
                None if c_ours is None else (c_ours, p_ours),
                coef_note,
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
    for pm in PAPER_MODELS:
        if pm.summary != "response_models_summary.tsv":
            continue
        value, ours, note = NOT_COMPUTED, None, "published_models.tsv missing"
        hit = None if pub is None else pub[pub["model"] == pm.model]
        if hit is not None and not hit.empty:
            ours = _number(hit["loocv_accuracy"].iloc[0])
            value = _fmt_share(ours)
            note = "paper's predictors refitted; LOOCV refits them per fold (nested = paper-style)"
        q = f"{pm.model} published model accuracy, LOOCV"
        rows.append(
            Row(
                "models",
                pm.location,
                q,
                pm.accuracy,
                value,
                "percent",
                _percent(pm.accuracy),
                ours,
                note,
            )
        )
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
            _group_sizes(r) if ok else missing,
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


def _group_sizes(r: pd.Series) -> str:
    """The patients on either side of a group test (the paper: n = 14 vs 39)."""
    if {"n_case", "n_control"} <= set(r.index):
        return f"n = {_fmt(r['n_case'])} (grade >= 2) vs {_fmt(r['n_control'])} (grade < 2)"
    return ""


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


def _companion(o: _Outputs) -> list[Row]:
    """The companion papers' numbers this run computes (each on the study's own design)."""
    return _evidence(o) + _kinetics(o) + _secondary(o)


def _missing(rel: str) -> str:
    return f"{rel} missing (companion analysis not configured?)"


def _evidence(o: _Outputs) -> list[Row]:
    """The review's level shares and class counts.

    A run that scored the review's own inputs (as the demo does; recognised by
    :func:`~mirscope.companion.evidence.is_review_input`) reproduces a published computation: its class
    counts are judged, on the demo too. Its level shares are not comparable, because the
    review's text gives no study's design and those inputs assume one. Any other evidence
    table is judged as a user's, and on the demo is simulated.
    """
    rows = []
    section, rel = "companion 001 (evidence review)", "tables/evidence_levels.tsv"
    classes = o.table("tables/evidence_classes.tsv")
    review = classes is not None and is_review_input(classes)
    demo = "" if review else "simulated"
    levels = o.table(rel)
    for level, paper in EVIDENCE_LEVELS:
        value, ours, note = NOT_COMPUTED, None, _missing(rel)
        if levels is not None:
            hit = levels[levels["level"].astype(str) == level]
            pct = None if hit.empty else _number(hit["percent"].iloc[0])
            ours = None if pct is None else pct / 100
            value = NOT_COMPUTED if ours is None else f"{pct:.1f}%"
            total = int(pd.to_numeric(levels["n_biomarkers"], errors="coerce").sum())
            note = f"of {total} biomarkers"
            if review:
                note += "; the review's shares are of 28 biomarkers, its classes of 24"
        rows.append(
            Row(
                section,
                "001 Figure 3B",
                f"biomarkers at evidence level {level}",
                paper,
                value,
                "designs" if review else "percent",
                _percent(paper),
                ours,
                note,
                demo,
            )
        )
    rel = "tables/evidence_classes.tsv"
    for name, paper in EVIDENCE_CLASSES:
        n = None if classes is None else int((classes["class"].astype(str) == name).sum())
        note = _missing(rel) if classes is None else ""
        if review:
            note = "the review's biomarkers and outcomes as its text gives them"
        rows.append(
            Row(
                section,
                "001 section 3.2",
                f"{name} biomarkers",
                str(paper),
                _fmt(n),
                "equal",
                paper,
                n,
                note,
                demo,
            )
        )
    return rows


def _kinetics(o: _Outputs) -> list[Row]:
    rel = "tables/kinetics_tests.tsv"
    t = o.table(rel)
    hit = None
    if t is not None and {"parameter", "group_a", "group_b"} <= set(t.columns):
        sub = t[t["parameter"].astype(str) == "auc0_30"]
        pairs = sub[["group_a", "group_b"]].astype(str).apply(frozenset, axis=1)
        sub = sub[pairs == frozenset({"responder", "non-responder"})]
        hit = None if sub.empty else sub.iloc[0]
    note = _missing(rel) if t is None else ("test not run" if hit is None else "")
    loc, section = "003 Results (expansion and day 90 response)", "companion 003 (CAR T kinetics)"
    rows = []
    for group, paper in (("responder", 105.2), ("non-responder", 55.76)):
        ours = None
        if hit is not None:
            side = "a" if hit["group_a"] == group else "b"
            ours = _number(hit[f"median_{side}"])
            note = f"n = {int(hit[f'n_{side}'])}; response at 3 months"
        rows.append(
            Row(
                section,
                loc,
                f"median AUC0-30, {group}s",
                _fmt(paper),
                _fmt(ours),
                "count",
                paper,
                ours,
                note,
                "simulated",
            )
        )
    p = None if hit is None else _number(hit["p_mannwhitney"])
    rows.append(
        Row(
            section,
            loc,
            "AUC0-30 responders vs non-responders, Mann-Whitney p",
            "< 0.01",
            _fmt(p),
            "p",
            "< 0.01",
            p,
            "" if hit is not None else note,
            "simulated",
        )
    )
    return rows


def _secondary(o: _Outputs) -> list[Row]:
    section, loc = "companion 004 (secondary neoplasms)", "004 Results / Figure 1a"
    rel = "tables/cuminc_overall.tsv"
    t = o.table(rel)
    rows = []
    for label, day, paper in CUMINC:
        value, ours, note = NOT_COMPUTED, None, _missing(rel)
        if t is not None:
            hit = t[(pd.to_numeric(t["time"], errors="coerce") - day).abs() < 0.5]
            est = None if hit.empty else _number(hit["estimate"].iloc[0])
            note = "no estimate at this time"
            if not hit.empty:
                note = str(hit["note"].fillna("").iloc[0]) if "note" in hit else ""
            if est is not None:
                lo, hi = _number(hit["lower_95"].iloc[0]), _number(hit["upper_95"].iloc[0])
                ours = (est, lo, hi)
                value = f"{est:.1%} (95% CI {_fmt_pct(lo)} to {_fmt_pct(hi)})"
        rows.append(
            Row(
                section,
                loc,
                f"cumulative incidence at {label}",
                paper,
                value,
                "in_ci",
                _percent(paper),
                ours,
                note,
                "clonhema",
            )
        )
    rel = "tables/km_after_event.tsv"
    km = o.table(rel)
    value, ours, note = NOT_COMPUTED, None, _missing(rel)
    if km is not None and not km.empty:
        r = km.iloc[0]
        med = _number(r["median"])
        note = f"n = {int(r['n'])} with the event, {int(r['events'])} deaths"
        if med is None:
            note += "; median not reached"
        else:
            lo, hi = (_number(r[c]) for c in ("median_lower", "median_upper"))
            months = [None if x is None else x / DAYS_PER_MONTH for x in (med, lo, hi)]
            ours = tuple(months)
            value = f"{months[0]:.1f} (95% CI {_fmt_months(months[1])} to {_fmt_months(months[2])})"
    rows.append(
        Row(
            section,
            "004 Results / Figure 1b",
            "median OS after the event (months)",
            "10.4 (95% CI 2.6-11.3)",
            value,
            "in_ci",
            10.4,
            ours,
            note,
            "clonhema",
        )
    )
    return rows


def _fmt_pct(x: float | None) -> str:
    return "NA" if x is None else f"{x:.1%}"


def _fmt_months(x: float | None) -> str:
    return "NA" if x is None else f"{x:.1f}"


def compare(
    outdir: str | Path,
    clinical: str | Path | None = None,
    *,
    source_clinical: str | Path | None = None,
    de_lfc: float = 1.0,
    de_p: float = 0.05,
) -> pd.DataFrame:
    """Each published number beside this run's value (see module docstring for columns).

    ``source_clinical``: the clinical table as the user gave it, where the simulator's
    marker would sit (default ``clinical``; the workflow passes a canonical copy as
    ``clinical``). ``de_lfc``/``de_p``: the DE rule (config ``de``), the paper's by default.
    """
    o = _Outputs(Path(outdir), Path(clinical) if clinical else None)
    simulated = is_simulated(source_clinical or clinical)
    rows = (
        _cohort_rows(o)
        + _clinical_tests(o)
        + _counts_and_de(o, de_lfc, de_p)
        + _clusters(o)
        + _model_rows(o)
        + _published_models(o)
        + _group_tests_and_correlations(o)
        + _survival(o)
        + _companion(o)
    )
    return pd.DataFrame([r.record(simulated=simulated) for r in rows], columns=COLUMNS)

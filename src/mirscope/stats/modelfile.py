"""Model files: a fitted model saved as one small, versioned, human-readable YAML document.

Why a file of its own: a signature is only useful in the next cohort if everything needed
to score a new patient travels with it, and a reader can check it by eye. A model file
holds

* ``format`` / ``format_version``: a reader refuses a newer version with one line instead
  of misreading it (fields may be added within a version, never changed);
* ``kind``: ``logistic`` (intercept + coefficients, probability, class at ``threshold``)
  or ``cutoff`` (one predictor against ``threshold``, the Supplementary Figure S1 rule);
* ``predictors``: per term, its coefficient and how a value is made: a miRNA's ``scale``
  (``log2``: log2(normalised count + 1); ``normalized``: the normalised count), a clinical
  column's ``encoding`` (``levels`` mapping each category to a number, ``at_least`` for
  ECOG >= 1, ``number``), as :mod:`mirscope.stats.design` codes them for the fits;
* ``outcome``: which contrast, and which of its classes is coded 1;
* ``normalization``: ``reference`` (the training cohort's per-miRNA geometric means and
  rescaling constant, :class:`~mirscope.de.normalize.SizeFactorReference`, so a new
  sample's size factor is on the training scale) or ``cohort`` (the scored cohort is
  normalised on its own; for the paper's models, whose cohort means are not published);
* ``training``: n, events and the LOOCV (paper-style and nested) accuracy and AUC;
* ``assumptions``: what the file assumes where its source leaves something open;
* ``provenance``: mirscope version, config digest, source tables.

Compute only: :mod:`mirscope.stages.predict` writes the files (``dump_model``).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pandas as pd
import yaml

from mirscope import __version__
from mirscope.de.normalize import SizeFactorReference
from mirscope.errors import InputError
from mirscope.inputs.outcomes import DEFAULT_CONTRASTS
from mirscope.stats.design import ENCODINGS, covariate_name

FORMAT = "mirscope-model"
FORMAT_VERSION = 1
KINDS = ("logistic", "cutoff")
MIRNA_SCALES = {"log2": "log2(normalised count + 1)", "normalized": "normalised count"}

#: What the rule of each contrast codes 1 ("case") and 0 ("control").
RULE_CLASSES = {
    "ge2": ("grade >= 2", "grade 0-1"),
    "gt0": ("grade >= 1", "grade 0"),
    "responder": ("CR or PR", "SD or PD"),
}


def config_digest(config: dict) -> str:
    """SHA-256 of the resolved config as canonical JSON (sorted keys)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def clinical_encoding(column: str) -> dict:
    """How :mod:`mirscope.stats.design` turns a clinical column into a number."""
    if column in ENCODINGS:
        return {"type": "levels", "levels": dict(ENCODINGS[column][1])}
    if column == "ecog":
        return {"type": "at_least", "value": 1.0}
    return {"type": "number"}


def term_column(term: str) -> str:
    """The clinical column behind a model term (``product_tisa_cel`` -> ``product``)."""
    for column in (*ENCODINGS, "ecog"):
        if covariate_name(column) == term:
            return column
    return term


def outcome_section(contrast: str, *, coded_1: str = "case") -> dict:
    """The outcome of a model on one of the paper's contrasts; ``coded_1``: which class of
    the contrast's rule is 1 (``control`` for the published non-response coding)."""
    specs = {c["name"]: c for c in DEFAULT_CONTRASTS}
    if contrast not in specs:
        raise InputError("unknown outcome", value=contrast, allowed=", ".join(specs))
    if coded_1 not in ("case", "control"):
        raise InputError("unknown outcome coding", value=coded_1, allowed="case, control")
    spec = specs[contrast]
    case, control = RULE_CLASSES[spec["rule"]]
    one, zero = (case, control) if coded_1 == "case" else (control, case)
    coding = f"{spec['variable']}: {one} = 1, {zero} = 0"
    if spec["rule"] == "responder":
        coding += ", NE left out"
    return {
        "contrast": contrast,
        "variable": spec["variable"],
        "rule": spec["rule"],
        "coded_1": coded_1,
        "coding": coding,
    }


def normalization_section(
    reference: SizeFactorReference | None, *, min_samples: int = 1, size_factors: str = "auto"
) -> dict:
    """``reference`` with the training cohort's geometric means, or ``cohort`` (None)."""
    if reference is None:
        return {
            "method": "cohort",
            "description": (
                "DESeq2 size factors of the scored cohort itself (miRNAs detected in at "
                f"least {min_samples} samples, size factor type {size_factors})"
            ),
            "size_factors": size_factors,
            "min_samples": min_samples,
        }
    return {
        "method": "reference",
        "description": (
            "median ratio of each new sample's counts to the training cohort's per-miRNA "
            "geometric means (DESeq2 estimateSizeFactors(geoMeans =)), divided by the "
            "training constant 'scale', so a sample's factor is on the training scale"
        ),
        "size_factor_type": reference.kind,
        "scale": float(reference.scale),
        "geo_means": {str(m): float(v) for m, v in reference.geo_means.items()},
    }


def mirna_predictor(term: str, coefficient: float, scale: str) -> dict:
    if scale not in MIRNA_SCALES:
        raise InputError("unknown miRNA scale", value=scale, allowed=", ".join(MIRNA_SCALES))
    return {
        "term": term,
        "type": "mirna",
        "mirna": term,
        "scale": scale,
        "scale_description": MIRNA_SCALES[scale],
        "coefficient": float(coefficient),
    }


def clinical_predictor(term: str, coefficient: float) -> dict:
    column = term_column(term)
    return {
        "term": term,
        "type": "clinical",
        "column": column,
        "encoding": clinical_encoding(column),
        "coefficient": float(coefficient),
    }


def build_model(
    name: str,
    *,
    kind: str,
    description: str,
    origin: str,
    predictors: list[dict],
    intercept: float | None,
    threshold: float,
    outcome: dict,
    normalization: dict,
    training: dict,
    assumptions: list[str] = (),
    provenance: dict | None = None,
    allow_missing: list[str] = (),
    estimable: bool = True,
    reason: str = "",
) -> dict:
    """A model file's content, validated (see the module docstring for the fields)."""
    model = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name,
        "kind": kind,
        "description": description,
        "origin": origin,
        "estimable": estimable,
        **({"reason": reason} if not estimable else {}),
        "outcome": outcome,
        "intercept": None if intercept is None else float(intercept),
        "predictors": predictors,
        "threshold": float(threshold),
        "allow_missing": list(allow_missing),
        "training": {k: _plain(v) for k, v in training.items()},
        "assumptions": list(assumptions),
        "provenance": {"mirscope_version": __version__, **(provenance or {})},
        "normalization": normalization,
    }
    return validate_model(model, source=name)


def _plain(value):
    """A table cell as YAML writes it plainly (NaN -> None, numpy -> Python)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    number = float(value)
    if math.isnan(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


REQUIRED_KEYS = (
    "name",
    "kind",
    "outcome",
    "intercept",
    "predictors",
    "threshold",
    "normalization",
)


def validate_model(model: object, *, source: str) -> dict:
    """The model dict, checked: format and version first (a newer version is one line),
    then the keys and each predictor's type."""
    if not isinstance(model, dict) or model.get("format") != FORMAT:
        raise InputError("not a mirscope model file", path=source, allowed=f"format: {FORMAT}")
    version = model.get("format_version")
    if not isinstance(version, int):
        raise InputError("format_version must be an integer", path=source, value=version)
    if version > FORMAT_VERSION:
        raise InputError(
            f"model file format version {version} is newer than this mirscope "
            f"{__version__} reads ({FORMAT_VERSION}); upgrade mirscope",
            path=source,
        )
    missing = [k for k in REQUIRED_KEYS if k not in model]
    if missing:
        raise InputError("model file lacks a key", path=source, value=missing[0])
    if model["kind"] not in KINDS:
        raise InputError("unknown model kind", path=source, value=model["kind"], allowed=KINDS)
    if model.get("estimable", True) and not model["predictors"]:
        raise InputError("model file has no predictors", path=source)
    for pred in model["predictors"]:
        kind = pred.get("type")
        if kind == "mirna" and pred.get("scale") not in MIRNA_SCALES:
            raise InputError(
                "unknown miRNA scale", path=source, column=pred.get("term"), value=pred.get("scale")
            )
        if kind == "clinical" and pred.get("encoding", {}).get("type") not in (
            "levels",
            "at_least",
            "number",
        ):
            raise InputError("unknown encoding", path=source, column=pred.get("term"))
        if kind not in ("mirna", "clinical"):
            raise InputError(
                "unknown predictor type", path=source, column=pred.get("term"), value=kind
            )
    method = model["normalization"].get("method")
    if method not in ("reference", "cohort"):
        raise InputError(
            "unknown normalization method", path=source, value=method, allowed="reference, cohort"
        )
    if model["kind"] == "cutoff" and len(model["predictors"]) != 1:
        raise InputError("a cut-off model has exactly one predictor", path=source)
    return model


def load_model(path: str | Path) -> dict:
    """Read and validate one model file."""
    path = Path(path)
    if not path.is_file():
        raise InputError("model file not found", path=str(path))
    try:
        model = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise InputError(f"model file is not valid YAML: {first}", path=str(path)) from None
    return validate_model(model, source=str(path))


def reference_of(model: dict) -> SizeFactorReference | None:
    """The training normalisation of a model file (None: normalise the cohort itself)."""
    norm = model["normalization"]
    if norm["method"] != "reference":
        return None
    geo = pd.Series(norm["geo_means"], dtype=float, name="geo_mean")
    return SizeFactorReference(
        geo_means=geo, scale=float(norm["scale"]), kind=norm["size_factor_type"]
    )


# --- The models of a run and of the paper -------------------------------------------------

#: Naddeo et al. 2026, Table 1 ("Response predictors"): predictor, coefficient; and the
#: paper-style LOOCV accuracy. The 49 evaluable patients had an ORR of 61% at 3 months and
#: 39% at 12 months (Results), so 19 and 30 non-responders.
PAPER_TABLE1 = {
    "response_3m": {
        "predictors": (
            ("product", -591.077),
            ("hsa-let-7d-3p", -0.03498),
            ("hsa-miR-542-5p", 0.72076),
        ),
        "accuracy": 0.75,
        "events": 19,
    },
    "response_12m": {
        "predictors": (
            ("hsa-miR-143-3p", 0.0009494),
            ("hsa-miR-542-3p", 0.0201877),
            ("hsa-miR-542-5p", 0.3405031),
        ),
        "accuracy": 0.73,
        "events": 30,
    },
}
PAPER_N = 49
#: Supplementary Figure S1: miR-542-5p >= 5.5 normalised counts (33 of 53 patients) had
#: inferior OS, PFS and TTP.
PAPER_S1 = {"mirna": "hsa-miR-542-5p", "threshold": 5.5, "n": 53, "high": 33}
PAPER_SOURCE = "Naddeo et al. 2026"
#: The paper's library kit (Methods: "QIAseq miRNA Library Kit (Qiagen)") as a preset.
PAPER_KIT = {"preset": "qiaseq", "kit": "QIAseq miRNA Library Kit (Qiagen)"}
#: Supplementary Figure S1's log-rank p at the optimised cut-off, per endpoint.
PAPER_S1_P = {"os": 0.02, "pfs": 0.0042, "ttp": 0.0013}

PAPER_ASSUMPTIONS = (
    (
        "Table 1 publishes no intercept: the linear predictor is computed without it, so the "
        "file gives no probability and no class; discrimination (AUC) does not depend on the "
        "intercept, calibration and accuracy at a threshold cannot be assessed."
    ),
    (
        "Outcome coded 1 = non-response (SD/PD): Table 1 gives no coding, but miR-542-5p, the "
        "paper's adverse marker, has positive coefficients in both models."
    ),
    (
        "miRNAs on the normalised-count scale (coefficients per normalised count; the paper's "
        "S1 cut-off of 5.5 is on this scale), not log2."
    ),
    (
        "Normalisation: the paper's per-miRNA geometric means are not published, so the scored "
        "cohort is normalised on its own (DESeq2 size factors), as the paper normalised its "
        "cohort."
    ),
)
#: How the paper's Table 1 codes ``Product`` (it does not say). axi-cel = 1, tisa-cel = 0:
#: with the outcome coded 1 = non-response (see :data:`PAPER_ASSUMPTIONS`), the negative
#: coefficient then means axi-cel patients respond more often, as in the pivotal trials
#: (ZUMA-1 ORR 82% for axi-cel, JULIET 52% for tisa-cel) and in the real-world series
#: comparing them; the opposite coding (tisa-cel = 1, R's default factor coding) would make
#: tisa-cel the better product. The label "Product" without a level suffix (R prints
#: ``Producttisa-cel`` for a factor) also suggests a 0/1 column coded by the authors. The
#: demo simulator plants the same direction (``simulate.clinical.RESPONSE_3M_AXI``: axi-cel
#: raises the 3-month response liability, sized to Table 1's product p of 0.0047).
PAPER_PRODUCT = {"term": "product_axi_cel", "levels": {"axi-cel": 1.0, "tisa-cel": 0.0}}
PRODUCT_ASSUMPTION = (
    "Product coded axi-cel = 1, tisa-cel = 0: Table 1 gives no coding; with non-response "
    "coded 1, its negative coefficient then means axi-cel patients respond more often, as "
    "in the pivotal trials (ZUMA-1 ORR 82% axi-cel, JULIET 52% tisa-cel), and the label "
    "'Product' (no level suffix, unlike R's 'Producttisa-cel' for a factor) suggests a 0/1 "
    "column. A coefficient of -591 implies (quasi-)complete separation by product in the "
    "paper's cohort, so product alone orders the two products' patients; the miRNAs order "
    "patients within a product."
)


def _contrast(name: str) -> str:
    """The contrast of a model name (``published_response_3m_refit`` -> ``response_3m``)."""
    return name.removeprefix("published_").removesuffix("_refit")


def fitted_model(
    name: str,
    coefficients: pd.DataFrame,
    summary: dict,
    *,
    mirnas: set[str],
    mirna_scale: str,
    normalization: dict,
    provenance: dict,
    description: str,
    origin: str = "fitted",
    coded_1: str = "case",
    assumptions: list[str] = (),
    kit: dict | None = None,
) -> dict:
    """A model file from a coefficient table (``term``, ``estimate``; ``(Intercept)``
    first) and its summary row (n, events, LOOCV metrics). A term in ``mirnas`` is a
    miRNA on ``mirna_scale`` (``log2`` or ``raw``), any other a clinical column."""
    training_keys = (
        "n",
        "events",
        "method",
        "loocv_accuracy",
        "loocv_auc",
        "nested_accuracy",
        "nested_auc",
        "unstable",
    )
    training = {"cohort": "this run's training cohort", **(kit or {})}
    training.update({k: summary.get(k) for k in training_keys if k in summary})
    if summary.get("method") == "not estimable" or coefficients.empty:
        return build_model(
            name,
            kind="logistic",
            description=description,
            origin=origin,
            predictors=[],
            intercept=None,
            threshold=0.5,
            outcome=outcome_section(_contrast(name), coded_1=coded_1),
            normalization=normalization,
            training=training,
            provenance=provenance,
            estimable=False,
            reason=str(summary.get("notes") or "not estimable"),
        )
    scale = "log2" if mirna_scale == "log2" else "normalized"
    intercept = None
    predictors = []
    for term, estimate in zip(coefficients["term"], coefficients["estimate"], strict=True):
        if term == "(Intercept)":
            intercept = float(estimate)
        elif term in mirnas:
            predictors.append(mirna_predictor(term, estimate, scale))
        else:
            predictors.append(clinical_predictor(term, estimate))
    return build_model(
        name,
        kind="logistic",
        description=description,
        origin=origin,
        predictors=predictors,
        intercept=intercept,
        threshold=0.5,
        outcome=outcome_section(_contrast(name), coded_1=coded_1),
        normalization=normalization,
        training=training,
        assumptions=list(assumptions),
        provenance=provenance,
    )


def paper_models(*, provenance: dict, min_samples: int = 1, size_factors: str = "auto") -> dict:
    """The paper's Table 1 models and the S1 cut-off as model files (name -> model)."""
    norm = normalization_section(None, min_samples=min_samples, size_factors=size_factors)
    prov = {**provenance, "source": f"{PAPER_SOURCE}, Table 1 and Supplementary Figure S1"}
    out = {}
    for name, table in PAPER_TABLE1.items():
        predictors, assumptions = [], list(PAPER_ASSUMPTIONS)
        for column, coef in table["predictors"]:
            if column.startswith("hsa-"):
                predictors.append(mirna_predictor(column, coef, "normalized"))
            else:
                predictors.append(
                    {
                        "term": PAPER_PRODUCT["term"],
                        "type": "clinical",
                        "column": column,
                        "encoding": {"type": "levels", "levels": dict(PAPER_PRODUCT["levels"])},
                        "coefficient": float(coef),
                    }
                )
                assumptions.append(PRODUCT_ASSUMPTION)
        out[f"paper_{name}"] = build_model(
            f"paper_{name}",
            kind="logistic",
            description=f"{PAPER_SOURCE}, Table 1: {name.replace('_', ' ')} prediction",
            origin="published",
            predictors=predictors,
            intercept=None,
            threshold=0.5,
            outcome=outcome_section(name, coded_1="control"),
            normalization=norm,
            training={
                "cohort": f"{PAPER_SOURCE} (evaluable patients)",
                **PAPER_KIT,
                "n": PAPER_N,
                "events": table["events"],
                "loocv_accuracy": table["accuracy"],
                "events_note": "non-responders from the published ORR (61% at 3 months, 39% "
                "at 12 months, of 49)",
            },
            assumptions=assumptions,
            provenance=prov,
        )
    out["paper_s1_cutoff"] = build_model(
        "paper_s1_cutoff",
        kind="cutoff",
        description=(
            f"{PAPER_SOURCE}, Supplementary Figure S1: {PAPER_S1['mirna']} >= "
            f"{PAPER_S1['threshold']} normalised counts (high) vs below"
        ),
        origin="published",
        predictors=[mirna_predictor(PAPER_S1["mirna"], 1.0, "normalized")],
        intercept=None,
        threshold=PAPER_S1["threshold"],
        outcome={
            "endpoints": ["os", "pfs", "ttp"],
            "coded_1": "high",
            "coding": f"class 1 = {PAPER_S1['mirna']} >= {PAPER_S1['threshold']} (high: "
            "inferior OS, PFS and TTP), 0 = below",
        },
        normalization=norm,
        training={
            "cohort": PAPER_SOURCE,
            **PAPER_KIT,
            "n": PAPER_S1["n"],
            "high": PAPER_S1["high"],
            "p_logrank": dict(PAPER_S1_P),
            "note": "cut-off optimised on the training cohort (surv_cutpoint)",
        },
        assumptions=[
            (
                "The cut-off is on DESeq2 normalised counts; the scored cohort is normalised on "
                "its own, as the paper's cohort was (its geometric means are not published)."
            ),
            (
                "The cut-off was optimised on the paper's cohort (maximally selected log-rank), "
                "so its p-values there are optimistic; a new cohort tests it as fixed."
            ),
        ],
        provenance=prov,
    )
    return out

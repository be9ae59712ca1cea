"""Human labels for the ids that name contrasts, models, endpoints and clinical columns.

File names, config keys and table columns use snake_case ids (``crs_ge2``, ``pfs``);
figure titles and axis labels use the paper's words. This is the one mapping between the
two, in the layer every figure caller can import, so a title never shows an id a reader
has to decode and two figures never word the same thing differently.
"""

from __future__ import annotations

import re

#: Survival endpoint id -> (panel name, y-axis label of its Kaplan–Meier curve). TTP's
#: curve is the probability of no progression yet, which the paper's text calls time to
#: progression; its y-axis is therefore "freedom from progression".
ENDPOINTS: dict[str, tuple[str, str]] = {
    "os": ("Overall survival (OS)", "Overall survival"),
    "pfs": ("Progression-free survival (PFS)", "Progression-free survival"),
    "ttp": ("Time to progression (TTP)", "Freedom from progression"),
}

#: Clinical columns and derived outcome columns.
COLUMNS: dict[str, str] = {
    "cluster": "Cluster",
    "crs_grade": "CRS",
    "icans_grade": "ICANS",
    "response_3m": "Response at 3 months",
    "response_12m": "Response at 12 months",
    "responder": "Response",
    "bridging": "Bridging",
    "histology": "Histology",
    "product": "CAR T product",
    "ecog": "ECOG",
    "crp": "CRP",
    "ldh": "LDH",
    "ccfdna": "cfDNA",
    "pmn_mdsc": "PMN-MDSC",
    "ferritin": "Ferritin",
    "age": "Age",
    "sex": "Sex",
    "prior_lines": "Prior lines of therapy",
    # ClonHema's event (004): "secondary myeloid neoplasm", not any secondary malignancy
    "secondary": "Secondary myeloid neoplasm",
    "prior_asct": "Prior ASCT",
    "no_prior_asct": "No prior ASCT",
    # ZUMA-5-style pre-treatment covariates (the companion covariate table)
    "ldh_uln_ratio": "LDH / ULN",
    "il6_auc": "IL-6 AUC",
    "il6_peak": "IL-6 peak",
    "tnf_alpha": "TNF-α",
    "tmtv": "TMTV",
    "tmtv_log": "log TMTV",
    "naive_cd8_pct": "Naive CD8+ T cells (%)",
    "naive_cd4_pct": "Naive CD4+ T cells (%)",
    "cd4_cd8_ratio": "CD4:CD8 ratio",
    "platelets": "Platelets",
    "albumin": "Albumin",
    "hemoglobin": "Haemoglobin",
    "ifn_gamma": "IFN-γ",
    "il10": "IL-10",
    "vcam1": "VCAM-1",
    "prior_lines_n": "Prior lines of therapy (n)",
    # CAR T kinetic parameters (mirscope.companion.kinetics)
    "auc0_30": "AUC day 0–30",
    "cmax": "Cmax",
    "tmax": "Tmax",
    "c10": "C10",
}


def contrast_label(variable: str, rule: str) -> str:
    """The paper's name of a two-group comparison (``crs_grade``, ``ge2`` -> "CRS grade ≥ 2")."""
    what = COLUMNS.get(variable, variable)
    if rule == "ge2":
        return f"{what} grade ≥ 2"
    return what


#: Ids of the default contrasts and models (config ``de.contrasts``, ``models``).
IDS: dict[str, str] = {
    "crs_ge2": contrast_label("crs_grade", "ge2"),
    "icans": contrast_label("icans_grade", "gt0"),
    "icans_ge2": contrast_label("icans_grade", "ge2"),
    "response_3m": contrast_label("response_3m", "responder"),
    "response_12m": contrast_label("response_12m", "responder"),
}


def label(name: str) -> str:
    """A human label for an id; ids of no known kind are returned as they are.

    Endpoint ids map to their panel names; ``<column>_days`` to that endpoint.
    """
    if name in IDS:
        return IDS[name]
    key = re.sub(r"_(days|event)$", "", name)
    if key in ENDPOINTS:
        return ENDPOINTS[key][0]
    return COLUMNS.get(name, name)


#: Model terms of the encoded clinical covariates (:mod:`mirscope.stats.design`).
TERMS: dict[str, str] = {
    "sex_female": "Female sex",
    "histology_pmbcl": "PMBCL histology",
    "product_tisa_cel": "Tisa-cel (vs axi-cel)",
    "bridging_failure": "Bridging failure",
    "ecog_ge1": "ECOG ≥ 1",
    "expander": "CAR T expander",
}


def term_label(term: str) -> str:
    """A model term as a reader names it: an encoded covariate in words, a treatment-coded
    ``column[level]`` as "Column: level", an interaction ``a:b`` as "A × B", a clinical
    column by its label; miRNAs and other names as they are."""
    if term in TERMS:
        return TERMS[term]
    if ":" in term:  # an interaction
        return " × ".join(term_label(part) for part in term.split(":"))
    high = re.fullmatch(r"(.+)_high", term)
    if high and high.group(1) in COLUMNS:  # a marker split at its median (companion)
        return f"{COLUMNS[high.group(1)]} > median"
    coded = re.fullmatch(r"(.+)\[(.+)\]", term)
    if coded:
        column, level = coded.groups()
        return f"{COLUMNS.get(column, column)}: {level}"
    return COLUMNS.get(term, term)


#: Binary outcome columns -> how they are coded, for the note of a model's figure: an
#: odds ratio is of the outcome coded 1.
OUTCOME_CODING: dict[str, str] = {
    "responder": "responder (CR/PR) = 1, non-responder (SD/PD) = 0",
    "expander": "expander = 1, poor expander = 0",
    "os_event": "death = 1, censored = 0",
    "pfs_event": "progression or death = 1, censored = 0",
    "ttp_event": "progression = 1, censored = 0",
}


def outcome_coding(outcome: str) -> str:
    """A binary outcome's coding in words ("responder (CR/PR) = 1, ..."), or
    "<label> = 1" for a column of no known coding."""
    return OUTCOME_CODING.get(outcome, f"{label(outcome)} = 1")


def endpoint_ylabel(endpoint: str) -> str:
    """y-axis label of a survival curve of ``endpoint`` (os/pfs/ttp or a column name)."""
    key = re.sub(r"_(days|event)$", "", endpoint)
    return ENDPOINTS[key][1] if key in ENDPOINTS else "Survival probability"

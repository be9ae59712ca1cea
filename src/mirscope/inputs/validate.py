"""``mirscope validate`` and the workflow's parse step: every input, checked in one order."""

from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mirscope.errors import InputError
from mirscope.inputs.clinical import (
    clinical_columns,
    config_columns,
    missing_clinical_columns,
    read_clinical,
)
from mirscope.inputs.config import (
    complete_config,
    load_schema,
    read_yaml,
    validation_config,
    yaml_line,
)
from mirscope.inputs.outcomes import (
    MIN_GROUP,
    group_counts,
    model_file_names,
    model_support,
    outcome_class,
)
from mirscope.inputs.sheets import CLINICAL_SCHEMA, _types, read_samples


@dataclass(frozen=True)
class InputSummary:
    """What ``mirscope validate`` found in a valid config and its tables."""

    config: str
    n_samples: int
    n_fastq: int
    n_accession: int
    n_clinical: int | None
    missing_columns: tuple[str, ...] = ()
    skipped_notes: tuple[str, ...] = ()
    support: tuple[str, ...] = ()

    def line(self) -> str:
        """The one-line summary printed on success."""
        clinical = (
            "no clinical table (the run stops after the count matrices)"
            if self.n_clinical is None
            else f"{self.n_clinical} clinical rows"
        )
        return (
            f"{self.config}: valid - {self.n_samples} samples ({self.n_fastq} with fastq, "
            f"{self.n_accession} with accession), {clinical}"
        )

    def notes(self) -> list[str]:
        """Extra remarks for stderr (known clinical columns the table lacks, and what
        is skipped for them)."""
        lines = [f"note: {n}" for n in self.support]
        if self.missing_columns:
            lines.append(
                "note: the clinical table lacks "
                + ", ".join(self.missing_columns)
                + "; analyses that need them will be skipped"
            )
        seen = set(self.support)
        return lines + [f"note: {n}" for n in self.skipped_notes if n not in seen]


def validate_inputs(
    config_path: str | os.PathLike[str],
    *,
    reference_names: Callable[[dict[str, Any]], set[str] | None] | None = None,
) -> InputSummary:
    """Validate a config file, then its sample sheet, then its clinical table, then the
    config's references to the clinical table and the reference (:func:`resolve_references`).

    The same checks, in the same order, as ``workflow/rules/common.smk`` runs when
    Snakemake parses the workflow; nothing is written. Raises the first
    :class:`~mirscope.errors.InputError`. ``reference_names(cfg)``: the mature miRNA
    names of the reference the config resolves to, when cheap to know (the caller owns
    the reference lookup, a layer above this one).
    """
    given = read_yaml(config_path)
    cfg = complete_config(given, source=str(config_path))
    samples = read_samples(cfg["samples"])
    clinical = (
        read_clinical(
            cfg["clinical"],
            list(samples.index),
            samples_path=cfg["samples"],
            named=config_columns(cfg),
        )
        if cfg["clinical"]
        else None
    )
    resolved = resolve_references(
        cfg,
        clinical,
        source=str(config_path),
        given=given,
        mirnas=reference_names(cfg) if reference_names else None,
    )
    return InputSummary(
        config=str(config_path),
        n_samples=len(samples),
        n_fastq=int(samples["fastq"].notna().sum()),
        n_accession=int(samples["accession"].notna().sum()),
        n_clinical=None if clinical is None else len(clinical),
        missing_columns=tuple(missing_clinical_columns(clinical)) if clinical is not None else (),
        skipped_notes=tuple(resolved.notes),
        support=tuple(resolved.support),
    )


# Analyses skipped as a whole when the clinical table lacks a column they need (known
# columns only: an unknown name is a typo and stops the run). Keys are the names
# ``workflow/rules/common.smk`` uses to leave their targets out.
ANALYSIS_COLUMNS: dict[str, tuple[str, ...]] = {
    "suppfig_s1": ("os_days", "os_event", "pfs_days", "pfs_event", "ttp_days", "ttp_event"),
    "km_os_overall": ("os_days", "os_event"),
    "kinetics": ("pfs_days", "pfs_event"),
    "importance": ("pfs_days", "pfs_event"),
}


@dataclass
class Resolved:
    """The config as it will run against this clinical table.

    ``config`` has every reference to a known clinical column the table lacks removed;
    ``skipped`` names the analyses left out for it and ``notes`` says why, one line each.
    """

    config: dict[str, Any]
    skipped: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    # What the cohort supports: each contrast's (cases, controls, testable); each model's
    # reason it is not estimable, None when it is.
    contrast_sizes: dict[str, tuple[int, int, bool]] = field(default_factory=dict)
    not_estimable: dict[str, str | None] = field(default_factory=dict)
    # The validation sample sheet (validation.samples), read as the `samples` sheet is.
    validation_samples: pd.DataFrame | None = None

    @property
    def support(self) -> list[str]:
        """What this cohort supports, one line for the contrasts and one for the models."""
        lines = []
        sizes = self.contrast_sizes
        if sizes:
            ok = [f"{n} ({a} vs {b})" for n, (a, b, t) in sizes.items() if t]
            bad = [f"{n} ({a} vs {b})" for n, (a, b, t) in sizes.items() if not t]
            lines.append(
                "DE contrasts testable (cases vs controls): "
                + (", ".join(ok) or "none")
                + (f"; not testable (< {MIN_GROUP} per group): " + ", ".join(bad) if bad else "")
            )
        if self.not_estimable:
            ok = [n for n, r in self.not_estimable.items() if r is None]
            bad = [f"{n} ({r})" for n, r in self.not_estimable.items() if r]
            lines.append(
                "models estimable: "
                + (", ".join(ok) or "none")
                + ("; not estimable, so reported in their tables: " + "; ".join(bad) if bad else "")
            )
        return lines


def _levels(clinical: pd.DataFrame, column: str) -> list[str]:
    """The levels a ``column=level`` reference may name: the schema's, else those present."""
    prop = load_schema(CLINICAL_SCHEMA)["properties"].get(column, {})
    if "enum" in prop:
        return [str(v) for v in prop["enum"]]
    values = clinical[column].dropna() if column in clinical.columns else []
    return sorted({_level_text(v) for v in values})


def _level_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def resolve_references(
    cfg: dict[str, Any],
    clinical: pd.DataFrame | None,
    *,
    source: str,
    given: dict[str, Any] | None = None,
    mirnas: set[str] | None = None,
) -> Resolved:
    """Check every clinical name the config uses against the table, before any job.

    A name the table lacks stops the run with one :class:`InputError` naming the config
    file, the key, the value and what is allowed, unless it is a known clinical column
    (``schemas/clinical.schema.yaml``): a table may leave those out, and the analyses using
    them are then skipped (or run without that covariate) with a note saying so. Levels
    (``bridging=failure``) must be spelled as the table's categories are, since a level
    that matches nobody would give an empty test, not an error.

    Group sizes: a contrast with fewer than ``MIN_GROUP`` patients in a group cannot be
    tested; one the user wrote (``given``, the config as written, holds ``de.contrasts``)
    stops the run, a default one is left out with a note, so the documented minimal
    config runs on a small cohort. A model the cohort cannot support
    (:func:`~mirscope.inputs.outcomes.model_support`) is only noted: the run reports it
    as not estimable in its tables. ``mirnas``: the reference's mature names, when known;
    every miRNA the config names is checked against them.
    """
    cfg = copy.deepcopy(cfg)
    out = Resolved(cfg)
    out.validation_samples = check_validation_section(cfg, source=source, given=given)
    if clinical is None:
        return out
    check_mirna_names(cfg, mirnas, source=source)
    known = set(clinical_columns())
    present = set(map(str, clinical.columns))
    schema = load_schema("config.schema.yaml")["properties"]
    paper_contrasts = {c["name"]: c for c in schema["de"]["properties"]["contrasts"]["default"]}

    def where(key: str) -> str:
        line = yaml_line(source, key.split("[")[0]) if Path(source).is_file() else None
        return f"key '{key}'" + (f" (line {line})" if line else "")

    def column_ok(key: str, column: str, *, extra: list[str] | None = None) -> bool:
        """True when usable; False when a known column is absent; else InputError."""
        if column in present:
            return True
        if column in known:
            out.notes.append(
                f"{where(key)}: the clinical table has no column '{column}'; "
                "left out of that analysis"
            )
            return False
        allowed = sorted(present) + (extra or [])
        hint = difflib.get_close_matches(column, allowed, n=1, cutoff=0.6)
        raise InputError(
            f"{where(key)}: no such clinical column"
            + (f" (did you mean '{hint[0]}'?)" if hint else ""),
            path=source,
            value=column,
            allowed=", ".join(allowed),
        )

    # de.contrasts and the two Table 2 contrasts
    contrasts = []
    names = [c["name"] for c in cfg["de"]["contrasts"]]
    props = load_schema(CLINICAL_SCHEMA)["properties"]
    for i, entry in enumerate(cfg["de"]["contrasts"]):
        if entry["name"] in names[:i]:
            raise InputError(
                f"{where(f'de.contrasts[{i}].name')}: contrast name used twice",
                path=source,
                value=entry["name"],
                allowed="unique contrast names (they name the output files)",
            )
        variable = entry["variable"]
        if not column_ok(f"de.contrasts[{i}].variable", variable):
            continue
        prop = props.get(variable)
        if prop is not None:
            numeric = bool({"integer", "number"} & set(_types(prop)))
            responses = "CR" in prop.get("enum", [])
        else:
            numeric = pd.api.types.is_float_dtype(clinical[variable])
            responses = set(clinical[variable].dropna().map(str)) <= {"CR", "PR", "SD", "PD", "NE"}
        if (entry["rule"] == "responder") != responses or (
            entry["rule"] != "responder" and not numeric
        ):
            raise InputError(
                f"{where(f'de.contrasts[{i}].rule')}: rule '{entry['rule']}' does not fit "
                f"column '{variable}'",
                path=source,
                value=entry["rule"],
                allowed="ge2 or gt0 for a numeric grade column, responder for a response "
                "column (CR/PR/SD/PD/NE)",
            )
        n_case, n_control = group_counts(clinical[variable], entry["rule"])
        sizes = f"{n_case} case and {n_control} control patients"
        if min(n_case, n_control) < MIN_GROUP:
            written = given is None or "contrasts" in (given.get("de") or {})
            if written:
                raise InputError(
                    f"{where(f'de.contrasts[{i}]')}: contrast '{entry['name']}' cannot be "
                    f"tested on this cohort: {sizes} in column '{variable}' (empty and NE "
                    "cells left out)",
                    path=source,
                    value=entry["name"],
                    allowed=f">= {MIN_GROUP} patients per group; remove the contrast from "
                    "de.contrasts (and the models, tests and table2 keys naming it)",
                )
            out.notes.append(
                f"contrast '{entry['name']}' is left out: {sizes} in column '{variable}', "
                f"a DE test needs >= {MIN_GROUP} per group"
            )
            out.contrast_sizes[entry["name"]] = (n_case, n_control, False)
            continue
        out.contrast_sizes[entry["name"]] = (n_case, n_control, True)
        contrasts.append(entry)
    for key in ("table2a_contrast", "table2b_contrast"):
        value = cfg["de"][key]
        if value not in names:
            raise InputError(
                f"{where('de.' + key)}: not one of the configured contrasts",
                path=source,
                value=value,
                allowed=", ".join(names),
            )
        if value not in {c["name"] for c in contrasts}:
            out.skipped.add(key.removesuffix("_contrast"))
    cfg["de"]["contrasts"] = contrasts
    kept = {c["name"] for c in contrasts}
    cfg["de"]["covariates"] = [
        c for i, c in enumerate(cfg["de"]["covariates"]) if column_ok(f"de.covariates[{i}]", c)
    ]

    # clustering.variables: column, column=level, or a contrast name
    variables = []
    for i, spec in enumerate(cfg["clustering"]["variables"]):
        key = f"clustering.variables[{i}]"
        if spec in names:
            if spec in kept:
                variables.append(spec)
            continue
        column, sep, level = spec.partition("=")
        if not column_ok(key, column, extra=names):
            continue
        if sep:
            levels = _levels(clinical, column)
            if level not in levels:
                hint = [v for v in levels if v.lower() == level.lower()]
                raise InputError(
                    f"{where(key)}: '{level}' is not a level of column '{column}'"
                    + (f" (levels are case-sensitive: did you mean '{hint[0]}'?)" if hint else ""),
                    path=source,
                    value=spec,
                    allowed=", ".join(f"{column}={v}" for v in levels),
                )
        variables.append(spec)
    cfg["clustering"]["variables"] = variables

    # models: outcomes are the paper's contrasts; covariates and correlations are columns
    models = cfg["models"]
    for group in ("toxicity_models", "response_models"):
        keep = []
        for i, name in enumerate(models[group]):
            key = f"models.{group}[{i}]"
            if name not in paper_contrasts:
                raise InputError(
                    f"{where(key)}: not a model outcome",
                    path=source,
                    value=name,
                    allowed=", ".join(paper_contrasts),
                )
            if name not in names:
                raise InputError(
                    f"{where(key)}: the model's miRNAs come from the DE contrast of the "
                    "same name, which de.contrasts does not configure",
                    path=source,
                    value=name,
                    allowed=", ".join(names),
                )
            if name in kept and column_ok(key, paper_contrasts[name]["variable"]):
                keep.append(name)
        models[group] = keep
    for group in ("crs_covariates", "icans_covariates", "response_covariates"):
        models[group] = [
            c for i, c in enumerate(models[group]) if column_ok(f"models.{group}[{i}]", c)
        ]
    for name in [*models["toxicity_models"], *models["response_models"]]:
        out.not_estimable[name] = _model_reason(clinical, name, paper_contrasts[name], models)
    for model in RESPONSE_MODELS:
        for i, pred in enumerate(models["published"].get(model) or []):
            if pred in present or _looks_like_mirna(pred, mirnas):
                continue
            column_ok(f"models.published.{model}[{i}]", pred)
    tests = []
    for i, entry in enumerate(models["group_tests"]):
        key = f"models.group_tests[{i}]"
        mirna, sep, outcome = entry.partition(":")
        if not sep or not mirna or outcome not in paper_contrasts:
            raise InputError(
                f"{where(key)}: not mirna:outcome",
                path=source,
                value=entry,
                allowed="mirna:outcome with outcome one of " + ", ".join(paper_contrasts),
            )
        if column_ok(key, paper_contrasts[outcome]["variable"]):
            spec = paper_contrasts[outcome]
            n_case, n_control = group_counts(clinical[spec["variable"]], spec["rule"])
            if min(n_case, n_control) < 1:
                out.notes.append(
                    f"{where(key)}: '{outcome}' has {n_case} case and {n_control} control "
                    "patients; the test will have no p-value"
                )
            tests.append(entry)
    models["group_tests"] = tests
    pairs = []
    for i, entry in enumerate(models["correlations"]):
        key = f"models.correlations[{i}]"
        mirna, sep, column = entry.partition(":")
        if not sep or not mirna:
            raise InputError(
                f"{where(key)}: not mirna:column",
                path=source,
                value=entry,
                allowed="mirna:clinical_column",
            )
        if column_ok(key, column):
            if not _is_numeric(clinical, column):
                raise InputError(
                    f"{where(key)}: column '{column}' is text, and a Spearman correlation "
                    "needs numbers",
                    path=source,
                    value=entry,
                    allowed="mirna:column with a numeric clinical column ("
                    + ", ".join(c for c in clinical.columns if _is_numeric(clinical, c))
                    + ")",
                )
            pairs.append(entry)
    models["correlations"] = pairs

    # companion: the response column of the kinetics and importance analyses
    comp = cfg["companion"]
    if comp["kinetics"] or comp["covariates"]:
        if not column_ok("companion.response", comp["response"]):
            out.skipped |= {"kinetics", "importance"}

    configured = {"kinetics": bool(comp["kinetics"]), "importance": bool(comp["covariates"])}
    for analysis, columns in ANALYSIS_COLUMNS.items():
        lacking = [c for c in columns if c not in present]
        if lacking and analysis not in out.skipped and configured.get(analysis, True):
            out.skipped.add(analysis)
            out.notes.append(
                f"the clinical table has no column {', '.join(lacking)}: {analysis} is skipped"
            )
    _check_companion_names(
        cfg, clinical, names, where=where, source=source, notes=out.notes, skipped=out.skipped
    )
    return out


#: Columns the kinetics stage adds to the clinical ones in its per-patient table
#: (``tables/kinetics_patients.tsv``), which the kinetics models and markers may name.
KINETICS_COLUMNS = ("tmax", "cmax", "c10", "auc0_30", "expansion", "expander", "responder")


def _is_numeric(clinical: pd.DataFrame, column: str) -> bool:
    """A known column of type number or integer, or an extra column read as numbers."""
    prop = load_schema(CLINICAL_SCHEMA)["properties"].get(column)
    if prop is not None:
        return bool({"integer", "number"} & set(_types(prop)))
    return pd.api.types.is_numeric_dtype(clinical[column])


def _table_header(path: str | None) -> list[str] | None:
    """The column names of a companion table (first non-comment line), or None when it
    cannot be read here (its own stage then reports it)."""
    if not path or not Path(path).is_file():
        return None
    with open(path, encoding="utf-8-sig") as handle:
        for line in handle:
            if line.strip() and not line.startswith("#"):
                return [c.strip() for c in line.rstrip("\r\n").split("\t")]
    return None


def _check_companion_names(
    cfg: dict[str, Any],
    clinical: pd.DataFrame,
    contrasts: list[str],
    *,
    where: Callable[[str], str],
    source: str,
    notes: list[str],
    skipped: set[str],
) -> None:
    """The columns the companion keys name, checked against the tables they name them in.

    Kinetics (markers, Cox/logistic covariates and interactions): the clinical columns, the
    covariate table's marker and the columns the kinetics stage adds. Importance
    (``prefer``, ``spearman_reference``): the covariate table's columns. Toxicity
    endpoints: the names of ``de.contrasts``. A near miss gets "did you mean"; a known
    clinical column the table lacks is left out with a note, as elsewhere. Names of an
    analysis skipped for this table are not checked.
    """
    comp = cfg["companion"]
    present = [str(c) for c in clinical.columns]
    known = set(clinical_columns())
    covariates = _table_header(comp["covariates"]) or []
    cov_names = [c for c in covariates if c != "sample_id"]

    def check(key: str, name: str, allowed: list[str], what: str) -> bool:
        if name in allowed:
            return True
        if name in known and what == "column":
            notes.append(
                f"{where(key)}: the clinical table has no column '{name}'; left out of "
                "that analysis"
            )
            return False
        hint = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        raise InputError(
            f"{where(key)}: no such {what}" + (f" (did you mean '{hint[0]}'?)" if hint else ""),
            path=source,
            value=name,
            allowed=", ".join(allowed) or "none",
        )

    if comp["kinetics"] and "kinetics" not in skipped:
        marker = comp["marker"]
        marker_from = present + [c for c in cov_names if c not in present]
        if check("companion.marker", marker, marker_from, "column"):
            merged = [*present, *KINETICS_COLUMNS, marker, f"{marker}_high"]
            merged = list(dict.fromkeys(merged))
            for group in ("inflammation_markers", "combined_markers", "cox_covariates"):
                comp[group] = [
                    c
                    for i, c in enumerate(comp[group])
                    if check(f"companion.{group}[{i}]", c, merged, "column")
                ]
            comp["cox_interactions"] = [
                term
                for i, term in enumerate(comp["cox_interactions"])
                if all(
                    [
                        check(f"companion.cox_interactions[{i}]", side, merged, "column")
                        for side in term.split(":")
                    ]
                )
            ]
    if "importance" in skipped:
        return
    if comp["covariates"] and covariates:
        for i, name in enumerate(comp["prefer"]):
            check(f"companion.prefer[{i}]", name, cov_names, "covariate-table column")
        if comp["spearman_reference"] is not None:
            check(
                "companion.spearman_reference",
                comp["spearman_reference"],
                cov_names,
                "covariate-table column",
            )
    if comp["covariates"]:
        for i, name in enumerate(comp["toxicity_endpoints"]):
            check(f"companion.toxicity_endpoints[{i}]", name, contrasts, "contrast in de.contrasts")


RESPONSE_MODELS = ("response_3m", "response_12m")
#: Why a miRNA is missing from a count matrix, which holds only the detected ones.
ABSENT = "not detected in any sample, or not a mature miRNA of the reference"
MIRNA_PATTERN = re.compile(r"^[a-z]{3,4}-(mir|let|lin|bantam)-", re.IGNORECASE)


def _looks_like_mirna(name: str, mirnas: set[str] | None) -> bool:
    return bool(MIRNA_PATTERN.match(name)) or (mirnas is not None and name in mirnas)


def _model_reason(
    clinical: pd.DataFrame, name: str, contrast: dict[str, str], models: dict[str, Any]
) -> str | None:
    """Why a configured model cannot be estimated on this table, counted as the models
    stage counts: patients with the outcome and every configured covariate recorded."""
    if name in RESPONSE_MODELS:
        covariates, family = models["response_covariates"], "response_candidates"
    else:
        covariates = models["crs_covariates" if name == "crs_ge2" else "icans_covariates"]
        family = "toxicity_candidates"
    rows = clinical[[c for c in covariates if c in clinical.columns]].notna().all(axis=1)
    labels = [_safe_class(v, contrast["rule"]) for v in clinical.loc[rows, contrast["variable"]]]
    n_case, n_control = labels.count("case"), labels.count("control")
    return model_support(
        n_case,
        n_control,
        refit_de=models[family] == "de",
        fraction=models["resample_fraction"],
    )


def _safe_class(value: Any, rule: str) -> str | None:
    try:
        return outcome_class(value, rule)
    except ValueError:
        return None


def mirna_problem(
    name: str, mirnas: set[str] | list[str], *, absent: str = "not a mature miRNA of the reference"
) -> str | None:
    """Why ``name`` is not one of ``mirnas``, with the nearest name, or None if it is.

    miRBase names are case-sensitive (``hsa-miR-21-5p`` is the mature miRNA,
    ``hsa-mir-21`` its hairpin), so a name differing only in case is named as such.
    """
    if name in mirnas:
        return None
    by_case = sorted(m for m in mirnas if m.lower() == name.lower())
    if by_case:
        return f"miRNA names are case-sensitive: did you mean '{by_case[0]}'?"
    close = difflib.get_close_matches(name, sorted(mirnas), n=1, cutoff=0.8)
    return absent + (f" (did you mean '{close[0]}'?)" if close else "")


def check_mirna_names(cfg: dict[str, Any], mirnas: set[str] | None, *, source: str) -> None:
    """Every miRNA the config names, checked against the reference's mature names.

    Without it a miRNA written in the wrong case validates and fails (or, in a
    correlation, gives an empty row) only after the whole count stage.
    """
    if not mirnas:
        return
    named: list[tuple[str, str]] = [("survival.variable", cfg["survival"]["variable"])]
    models = cfg["models"]
    for group in ("group_tests", "correlations"):
        for i, entry in enumerate(models[group]):
            named.append((f"models.{group}[{i}]", entry.partition(":")[0]))
    for model in RESPONSE_MODELS:
        for i, pred in enumerate(models["published"].get(model) or []):
            if MIRNA_PATTERN.match(pred):
                named.append((f"models.published.{model}[{i}]", pred))
    for key, name in named:
        problem = mirna_problem(name, mirnas)
        if problem:
            line = yaml_line(source, key.split("[")[0]) if Path(source).is_file() else None
            raise InputError(
                f"key '{key}'" + (f" (line {line})" if line else "") + f": {problem}",
                path=source,
                value=name,
                allowed=f"a mature miRNA name of the reference ({len(mirnas)} names, e.g. "
                + ", ".join(sorted(mirnas)[:2])
                + ")",
            )


def check_validation_section(
    cfg: dict[str, Any], *, source: str, given: dict[str, Any] | None = None
) -> pd.DataFrame | None:
    """The `validation:` section, checked before any job: the new cohort comes as exactly
    one of a count matrix (`counts`: an existing file, or this run's own count matrix) or
    a sample sheet of its reads (`samples`: read and checked as the `samples` sheet is,
    and its kit resolved, :func:`~mirscope.inputs.config.validation_config`, when
    ``given``, the config as written, is known); its files exist; its models are model
    files this config writes. Returns the validation sample sheet, or None."""
    val = cfg.get("validation") or {}

    def fail(key: str, message: str, value: Any, allowed: str) -> None:
        line = yaml_line(source, "validation") if Path(source).is_file() else None
        where = f"key 'validation.{key}'" + (f" (near line {line})" if line else "")
        raise InputError(f"{where}: {message}", path=source, value=value, allowed=allowed)

    own = Path(cfg["outdir"], "counts", "mature_umi_counts.tsv")
    counts, samples = val.get("counts"), val.get("samples")
    one_source = "validation.counts (its count matrix) or validation.samples (its reads)"
    if counts and samples:
        fail("samples", "given with validation.counts", samples, f"one of {one_source}")
    used = [k for k in ("clinical", "models", "preset") if val.get(k)]
    if used and not (counts or samples):
        fail(used[0], "the new cohort has no counts to score", val[used[0]], f"set {one_source}")
    if counts and not Path(counts).is_file() and Path(counts).resolve() != own.resolve():
        fail(
            "counts",
            "count matrix not found",
            counts,
            f"an existing count matrix, or this run's own {own}",
        )
    sheet = read_samples(samples) if samples else None
    if samples and given is not None:
        validation_config(cfg, given, source=source)
    if val.get("clinical") and not Path(val["clinical"]).is_file():
        fail("clinical", "clinical table not found", val["clinical"], "an existing TSV")
    if (counts or samples) and not cfg.get("clinical"):
        key = "counts" if counts else "samples"
        fail(
            key, "scoring needs model files, built from a clinical table", val[key], "set clinical"
        )
    if val.get("models"):
        if not cfg.get("clinical"):
            fail(
                "models",
                "model files are built from a clinical table",
                val["models"],
                "set clinical",
            )
        known = model_file_names(cfg["models"])
        for name in val["models"]:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                fail("models", "no such model file", name, hint + ", ".join(known))
    return sheet

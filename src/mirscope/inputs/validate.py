"""``mirscope validate`` and the workflow's parse step: every input, checked in one order."""

from __future__ import annotations

import copy
import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mirscope.errors import InputError
from mirscope.inputs.clinical import clinical_columns, missing_clinical_columns, read_clinical
from mirscope.inputs.config import load_config, load_schema, yaml_line
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
        if not self.missing_columns:
            return []
        return [
            "note: the clinical table lacks "
            + ", ".join(self.missing_columns)
            + "; analyses that need them will be skipped",
            *(f"note: {n}" for n in self.skipped_notes),
        ]


def validate_inputs(config_path: str | os.PathLike[str]) -> InputSummary:
    """Validate a config file, then its sample sheet, then its clinical table, then the
    config's references to the clinical table (:func:`resolve_references`).

    The same checks, in the same order, as ``workflow/rules/common.smk`` runs when
    Snakemake parses the workflow; nothing is written. Raises the first
    :class:`~mirscope.errors.InputError`.
    """
    cfg = load_config(config_path)
    samples = read_samples(cfg["samples"])
    clinical = (
        read_clinical(cfg["clinical"], list(samples.index), samples_path=cfg["samples"])
        if cfg["clinical"]
        else None
    )
    resolved = resolve_references(cfg, clinical, source=str(config_path))
    return InputSummary(
        config=str(config_path),
        n_samples=len(samples),
        n_fastq=int(samples["fastq"].notna().sum()),
        n_accession=int(samples["accession"].notna().sum()),
        n_clinical=None if clinical is None else len(clinical),
        missing_columns=tuple(missing_clinical_columns(clinical)) if clinical is not None else (),
        skipped_notes=tuple(resolved.notes),
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
    cfg: dict[str, Any], clinical: pd.DataFrame | None, *, source: str
) -> Resolved:
    """Check every clinical name the config uses against the table, before any job.

    A name the table lacks stops the run with one :class:`InputError` naming the config
    file, the key, the value and what is allowed, unless it is a known clinical column
    (``schemas/clinical.schema.yaml``): a table may leave those out, and the analyses using
    them are then skipped (or run without that covariate) with a note saying so. Levels
    (``bridging=failure``) must be spelled as the table's categories are, since a level
    that matches nobody would give an empty test, not an error.
    """
    cfg = copy.deepcopy(cfg)
    out = Resolved(cfg)
    if clinical is None:
        return out
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
    return out

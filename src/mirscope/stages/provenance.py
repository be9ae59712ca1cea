"""Provenance stage: what software and which miRBase produced a run, and with which settings.

A result is only reproducible with the exact versions behind it. Versions are read from
the place the run used them, not from a lock file: Python libraries from the environment
this command runs in (the one every ``mirscope`` rule runs in); bowtie, samtools and
MultiQC from their own ``--version`` output, captured by rules running in those tools'
environments (with ``--sdm conda`` they are not on this command's PATH); Snakemake from
the process that parsed the workflow. The reference is identified by its miRBase release
(the GFF3 header, else the optimir source) and by the SHA-256 of every reference file.

Files written (``pipeline_info/`` unless told otherwise):

* ``software_versions.yml``: ``mirscope`` (mirscope, python, snakemake), ``tools`` (bowtie,
  samtools, multiqc: version numbers), ``tool_version_lines`` (each tool's first
  ``--version`` line verbatim), ``python_libraries`` (``importlib.metadata`` versions of
  :data:`PYTHON_LIBRARIES`), ``reference`` (``database``, ``release``, ``species``,
  ``files``: name and SHA-256 of each prepared file, ``inputs``: the manifest's source,
  path and SHA-256 of each miRBase input);
* ``config_resolved.yaml``: the configuration with every schema default and the kit
  preset filled in (:func:`mirscope.inputs.config.complete_config`);
* MultiQC custom content: ``mirscope_software_mqc_versions.yml`` (MultiQC's own software
  versions section) and ``mirscope_provenance_mqc.yml`` (miRBase files and the resolved
  configuration as an HTML section).

The step is declared once here (:class:`Provenance`, :mod:`mirscope.params`); the command
``mirscope provenance`` and the provenance rule both derive from the declaration.
"""

from __future__ import annotations

import hashlib
import html
import importlib.metadata
import json
import logging
import platform
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

import mirscope
from mirscope.errors import InputError
from mirscope.inputs.config import complete_config
from mirscope.io import atomic_path
from mirscope.params import REQUIRED, param

log = logging.getLogger(__name__)

#: Distributions whose code computes or formats results (pyproject's runtime dependencies
#: other than the workflow engine and MultiQC, which are reported on their own).
PYTHON_LIBRARIES = (
    "click",
    "cutadapt",
    "dnaio",
    "isal",
    "jsonschema",
    "lifelines",
    "matplotlib",
    "numpy",
    "pandas",
    "pyarrow",
    "pydeseq2",
    "pysam",
    "pyyaml",
    "scikit-learn",
    "scikit-survival",
    "scipy",
    "statsmodels",
    "xopen",
)

_VERSION = re.compile(r"\d+(?:\.\d+)+[\w.+-]*")
_MIRBASE_RELEASE = re.compile(r"miRBase\s+v?(\d+(?:\.\d+)?)", re.IGNORECASE)


def first_line(text: str) -> str:
    """The first non-blank line of a tool's ``--version`` output."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def version_from_line(line: str) -> str:
    """The version number in a ``--version`` line (``samtools 1.16.1`` -> ``1.16.1``)."""
    match = _VERSION.search(line.rsplit("version", 1)[-1]) or _VERSION.search(line)
    if match is None:
        raise InputError("no version number in the tool's --version output", value=line)
    return match.group(0)


def library_versions(names: tuple[str, ...] = PYTHON_LIBRARIES) -> dict[str, str]:
    """Installed version of each distribution (``not installed`` when absent)."""
    out = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(path: str | Path) -> list[dict[str, str]]:
    """Rows of a ``<species>_manifest.tsv`` written by ``mirscope reference``."""
    lines = Path(path).read_text().splitlines()
    if not lines or lines[0].split("\t") != ["kind", "source", "path", "sha256"]:
        raise InputError(
            "not a reference manifest", path=str(path), allowed="kind, source, path, sha256"
        )
    return [
        dict(zip(("kind", "source", "path", "sha256"), ln.split("\t"), strict=False))
        for ln in lines[1:]
        if ln
    ]


def mirbase_release(gff3: str | Path | None, manifest: list[dict[str, str]]) -> str:
    """miRBase release from the GFF3 header (``# microRNAs: miRBase v22``), else from the
    manifest's sources (``optimir (miRBase v22)``), else ``unknown``."""
    if gff3 is not None:
        with open(gff3) as fh:
            for line in fh:
                if not line.startswith("#"):
                    break
                match = _MIRBASE_RELEASE.search(line)
                if match:
                    return match.group(1)
    for row in manifest:
        match = _MIRBASE_RELEASE.search(row.get("source", ""))
        if match:
            return match.group(1)
    return "unknown"


def reference_provenance(
    species: str, manifest: str | Path, files: list[str | Path], gff3: str | Path | None
) -> dict[str, Any]:
    """The ``reference`` section of ``software_versions.yml``."""
    rows = read_manifest(manifest)
    paths = sorted({Path(f) for f in [*files, manifest]}, key=lambda p: p.name)
    return {
        "database": "miRBase",
        "release": mirbase_release(gff3, rows),
        "species": species,
        "files": [{"file": p.name, "sha256": _sha256(p)} for p in paths],
        "inputs": [
            {
                "kind": r["kind"].removeprefix("input_"),
                **{k: r[k] for k in ("source", "path", "sha256")},
            }
            for r in rows
            if r["kind"].startswith("input_")
        ],
    }


def software_versions(
    tool_outputs: dict[str, str], snakemake_version: str, reference: dict[str, Any]
) -> dict[str, Any]:
    """The content of ``software_versions.yml`` (see the module docstring)."""
    lines = {tool: first_line(text) for tool, text in sorted(tool_outputs.items())}
    return {
        "mirscope": {
            "mirscope": mirscope.__version__,
            "python": platform.python_version(),
            "snakemake": snakemake_version,
        },
        "tools": {tool: version_from_line(line) for tool, line in lines.items()},
        "tool_version_lines": lines,
        "python_libraries": library_versions(),
        "reference": reference,
    }


def multiqc_versions(versions: dict[str, Any]) -> dict[str, dict[str, str]]:
    """MultiQC's ``*_mqc_versions.yml`` layout: group -> software -> version."""
    ref = versions["reference"]
    return {
        "mirscope": dict(versions["mirscope"]),
        "tools": dict(versions["tools"]),
        "Python libraries": dict(versions["python_libraries"]),
        "reference": {f"miRBase ({ref['species']})": ref["release"]},
    }


def multiqc_provenance_section(versions: dict[str, Any], config_text: str) -> dict[str, Any]:
    """An HTML custom-content section: the reference files' digests and the config."""
    ref = versions["reference"]
    rows = "".join(
        f"<tr><td>{html.escape(f['file'])}</td><td><samp>{f['sha256']}</samp></td></tr>"
        for f in ref["files"]
    )
    rows += "".join(
        f"<tr><td>{html.escape(i['kind'])} input ({html.escape(i['source'])})</td>"
        f"<td><samp>{i['sha256']}</samp></td></tr>"
        for i in ref["inputs"]
    )
    body = (
        f"<p>miRBase release {html.escape(ref['release'])}, species "
        f"{html.escape(ref['species'])}.</p>"
        '<table class="table table-condensed"><thead><tr><th>Reference file</th>'
        f"<th>SHA-256</th></tr></thead><tbody>{rows}</tbody></table>"
        "<p>Resolved configuration (every default filled in):</p>"
        f"<pre>{html.escape(config_text)}</pre>"
    )
    return {
        "id": "mirscope_provenance",
        "section_name": "mirscope: reference and configuration",
        "description": "miRBase files (SHA-256) and the run's configuration with defaults.",
        "plot_type": "html",
        "data": body,
    }


def _dump(data: Any, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=False))


def write_provenance(
    *,
    config: dict[str, Any],
    config_source: str,
    tool_outputs: dict[str, str],
    snakemake_version: str,
    species: str,
    manifest: str | Path,
    reference_files: list[str | Path],
    gff3: str | Path | None,
    outdir: str | Path,
    multiqc_dir: str | Path | None = None,
) -> dict[str, Path]:
    """Write the files listed in the module docstring; return their paths."""
    resolved = complete_config(config, source=config_source)
    reference = reference_provenance(species, manifest, reference_files, gff3)
    versions = software_versions(tool_outputs, snakemake_version, reference)
    outdir = Path(outdir)
    paths = {
        "versions": outdir / "software_versions.yml",
        "config": outdir / "config_resolved.yaml",
    }
    _dump(versions, paths["versions"])
    _dump(resolved, paths["config"])
    if multiqc_dir is not None:
        mqc = Path(multiqc_dir)
        paths["mqc_versions"] = mqc / "mirscope_software_mqc_versions.yml"
        paths["mqc_provenance"] = mqc / "mirscope_provenance_mqc.yml"
        _dump(multiqc_versions(versions), paths["mqc_versions"])
        config_text = paths["config"].read_text()
        _dump(multiqc_provenance_section(versions, config_text), paths["mqc_provenance"])
    log.info("provenance: %s", ", ".join(str(p) for p in paths.values()))
    return paths


@dataclass(frozen=True, kw_only=True)  # kw_only: options in their --help order
class Provenance:
    config_json: str = param(
        REQUIRED, help="The workflow's config mapping as JSON (defaults are filled in here)."
    )
    config_source: str = param(
        "config", help="Where the config came from (named in validation messages)."
    )
    tools: tuple[str, ...] = param(
        (),
        flag="--tool-version",
        metavar="NAME=FILE",
        help="A tool's saved `--version` output, e.g. bowtie=bowtie.txt (repeat).",
    )
    snakemake_version: str = param(
        REQUIRED, help="Version of the Snakemake that runs the workflow."
    )
    species: str = param(
        REQUIRED,
        config="reference.species",
        help="miRBase species code of the reference (hsa).",
    )
    manifest: str = param(
        REQUIRED, role="input", help="<species>_manifest.tsv of `mirscope reference`."
    )
    reference_files: tuple[str, ...] = param(
        (),
        flag="--reference",
        role="input",
        help="A prepared reference file to fingerprint with SHA-256 (repeat).",
    )
    gff3: str | None = param(
        None, role="input", help="Reference GFF3 whose header names the release."
    )
    outdir: str = param(
        REQUIRED,
        role="output",
        directory=True,
        help="Directory for software_versions.yml and config_resolved.yaml.",
    )
    multiqc_dir: str | None = param(
        None,
        role="output",
        directory=True,
        help="Directory for the MultiQC custom-content files (none written without it).",
    )

    def tool_files(self) -> dict[str, Path]:
        """``--tool-version`` values as tool name -> existing file."""
        out = {}
        for value in self.tools:
            name, sep, path = value.partition("=")
            if not sep or not name or not path:
                raise InputError("--tool-version: expected NAME=FILE", value=value)
            out[name] = _file(path, "--tool-version")
        return out


def _file(path: str, flag: str) -> Path:
    if not Path(path).is_file():
        raise InputError(f"{flag}: file not found", path=path)
    return Path(path)


def run_provenance(step: Provenance) -> None:
    """Record software versions, miRBase release and digests, and the resolved config."""
    tools = step.tool_files()
    manifest = _file(step.manifest, "--manifest")
    references = [_file(p, "--reference") for p in step.reference_files]
    gff3 = _file(step.gff3, "--gff3") if step.gff3 is not None else None
    try:
        config = json.loads(step.config_json)
    except json.JSONDecodeError as exc:
        raise InputError(f"--config-json is not valid JSON: {exc}") from exc
    write_provenance(
        config=config,
        config_source=step.config_source,
        tool_outputs={n: p.read_text(errors="replace") for n, p in tools.items()},
        snakemake_version=step.snakemake_version,
        species=step.species,
        manifest=manifest,
        reference_files=references,
        gff3=gff3,
        outdir=step.outdir,
        multiqc_dir=step.multiqc_dir,
    )


#: The commands of this stage (``mirscope <name>``): name -> (declaration, run function).
STEPS = {
    "provenance": (Provenance, run_provenance),
}

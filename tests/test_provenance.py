"""Run provenance (mirscope.stages.provenance): versions as the tools and the installed
distributions report them, reference digests, the resolved config, and MultiQC content."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

import mirscope
from mirscope.cli import main
from mirscope.inputs.config import load_schema
from mirscope.stages import provenance

REPO = Path(__file__).resolve().parents[1]


def _reference(d: Path) -> dict[str, Path]:
    """A prepared-reference lookalike: the files `mirscope reference` writes."""
    files = {
        "mature": d / "hsa_mature.fa",
        "hairpin": d / "hsa_hairpin.fa",
        "loci": d / "hsa_mature_loci.tsv",
        "gff3": d / "hsa_mirbase.gff3",
    }
    files["mature"].write_text(">hsa-miR-1\nTGGAATGTAAAGAAGTATGTAT\n")
    files["hairpin"].write_text(">hsa-mir-1-1\nACATACTTCTTTACATTCCA\n")
    files["loci"].write_text("mature\tmature_id\thairpin\tstart\tend\n")
    files["gff3"].write_text("##gff-version 3\n# microRNAs:               miRBase v22\n")
    files["manifest"] = d / "hsa_manifest.tsv"
    files["manifest"].write_text(
        "kind\tsource\tpath\tsha256\n"
        f"input_mature\toptimir (miRBase v22)\t/x/mature.fa\t{'a' * 64}\n"
        f"output_mature\tmirscope\thsa_mature.fa\t{'b' * 64}\n"
    )
    return files


def _run_provenance(tmp_path: Path, tools: dict[str, str], config: dict) -> Path:
    ref = _reference(tmp_path)
    args = ["provenance", "--config-json", json.dumps(config), "--snakemake-version", "9.9.9"]
    for name, text in tools.items():
        (tmp_path / f"{name}.txt").write_bytes(text.encode(errors="replace"))
        args += ["--tool-version", f"{name}={tmp_path / f'{name}.txt'}"]
    args += ["--species", "hsa", "--manifest", str(ref["manifest"]), "--gff3", str(ref["gff3"])]
    for kind in ("mature", "hairpin", "loci", "gff3"):
        args += ["--reference", str(ref[kind])]
    out = tmp_path / "pipeline_info"
    args += ["--outdir", str(out), "--multiqc-dir", str(tmp_path / "mqc")]
    assert main(args) == 0
    return out


def _tool_output(cmd: list[str]) -> str:
    if shutil.which(cmd[0]) is None:
        pytest.skip(f"{cmd[0]} not installed")
    # samtools prints non-UTF-8 bytes in its build details, below the first line
    return subprocess.run(cmd, capture_output=True, check=True).stdout.decode(errors="replace")


def test_versions_equal_what_the_tools_and_pip_report(tmp_path):
    tools = {
        "bowtie": _tool_output(["bowtie", "--version"]),
        "samtools": _tool_output(["samtools", "--version"]),
    }
    out = _run_provenance(tmp_path, tools, {"samples": "s.tsv"})
    got = yaml.safe_load((out / "software_versions.yml").read_text())
    bowtie_line = tools["bowtie"].splitlines()[0]
    samtools_line = tools["samtools"].splitlines()[0]
    assert got["tool_version_lines"] == {"bowtie": bowtie_line, "samtools": samtools_line}
    assert got["tools"]["bowtie"] == re.search(r"version (\S+)", bowtie_line).group(1)
    assert got["tools"]["samtools"] == samtools_line.split()[1]
    assert got["mirscope"] == {
        "mirscope": mirscope.__version__,
        "python": platform.python_version(),
        "snakemake": "9.9.9",
    }
    names = list(provenance.PYTHON_LIBRARIES)
    assert list(got["python_libraries"]) == names
    for name in names:
        assert got["python_libraries"][name] == importlib.metadata.version(name), name
    shown = subprocess.run(
        [sys.executable, "-m", "pip", "show", *names], capture_output=True, text=True
    ).stdout
    pip_versions = dict(
        zip(
            re.findall(r"^Name: (.+)$", shown, re.M),
            re.findall(r"^Version: (.+)$", shown, re.M),
            strict=True,
        )
    )
    assert len(pip_versions) == len(names)
    for name, version in pip_versions.items():
        key = next(n for n in names if n.lower().replace("_", "-") == name.lower())
        assert got["python_libraries"][key] == version, name


def test_reference_release_and_digests(tmp_path):
    out = _run_provenance(tmp_path, {"samtools": "samtools 1.16.1\n"}, {"samples": "s.tsv"})
    ref = yaml.safe_load((out / "software_versions.yml").read_text())["reference"]
    assert ref["database"] == "miRBase" and ref["release"] == "22" and ref["species"] == "hsa"
    names = [f["file"] for f in ref["files"]]
    assert names == sorted(
        [
            "hsa_mature.fa",
            "hsa_hairpin.fa",
            "hsa_mature_loci.tsv",
            "hsa_mirbase.gff3",
            "hsa_manifest.tsv",
        ]
    )
    for f in ref["files"]:
        assert f["sha256"] == hashlib.sha256((tmp_path / f["file"]).read_bytes()).hexdigest()
    assert ref["inputs"] == [
        {
            "kind": "mature",
            "source": "optimir (miRBase v22)",
            "path": "/x/mature.fa",
            "sha256": "a" * 64,
        }
    ]


def test_release_falls_back_to_the_manifest_source(tmp_path):
    gff3 = tmp_path / "g.gff3"
    gff3.write_text("##gff-version 3\nchr1\t.\tmiRNA\n")
    rows = [{"kind": "input_gff3", "source": "optimir (miRBase v21)"}]
    assert provenance.mirbase_release(gff3, rows) == "21"
    assert provenance.mirbase_release(gff3, []) == "unknown"


def _defaults(schema: dict, prefix: str = "") -> dict[str, object]:
    """Dotted key -> default for every schema property that has one, at any depth."""
    found = {}
    for key, sub in schema.get("properties", {}).items():
        if "default" in sub:
            found[prefix + key] = sub["default"]
        if sub.get("type") == "object" or "properties" in sub:
            found.update(_defaults(sub, f"{prefix}{key}."))
    return found


def test_resolved_config_has_every_schema_default(tmp_path):
    out = _run_provenance(tmp_path, {}, {"samples": "s.tsv", "seed": 11})
    resolved = yaml.safe_load((out / "config_resolved.yaml").read_text())
    defaults = _defaults(load_schema("config.schema.yaml"))
    assert len(defaults) > 20
    for dotted, default in defaults.items():
        node = resolved
        for part in dotted.split("."):
            assert isinstance(node, dict) and part in node, f"{dotted} missing"
            node = node[part]
        if dotted == "seed":
            assert node == 11
        elif not isinstance(default, dict) and not dotted.startswith("trimming"):
            assert node == default, dotted
    assert resolved["trimming"]["adapter"] == "AACTGTAGGCACCATCAAT"  # qiaseq preset


def test_library_list_covers_the_runtime_dependencies():
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.match(r"[A-Za-z0-9_.-]+", d).group(0).lower() for d in deps}
    reported_elsewhere = {"snakemake", "snakemake-executor-plugin-slurm", "multiqc"}
    assert names - reported_elsewhere == set(provenance.PYTHON_LIBRARIES)


@pytest.mark.parametrize(
    ("line", "version"),
    [
        ("/usr/bin/bowtie-align-s version 1.3.1", "1.3.1"),
        ("samtools 1.16.1", "1.16.1"),
        ("multiqc, version 1.35", "1.35"),
    ],
)
def test_version_from_line(line, version):
    assert provenance.version_from_line(line) == version


def test_multiqc_shows_versions_and_provenance(tmp_path):
    if shutil.which("multiqc") is None and not (Path(sys.executable).parent / "multiqc").exists():
        pytest.skip("multiqc not installed")
    _run_provenance(tmp_path, {"samtools": "samtools 1.16.1\n"}, {"samples": "s.tsv"})
    multiqc = shutil.which("multiqc") or str(Path(sys.executable).parent / "multiqc")
    subprocess.run(
        [multiqc, "--force", "--outdir", str(tmp_path / "report"), str(tmp_path / "mqc")],
        capture_output=True,
        check=True,
        timeout=300,
    )
    page = (tmp_path / "report" / "multiqc_report.html").read_text()
    assert "mirscope: reference and configuration" in page
    data = tmp_path / "report" / "multiqc_data"
    versions = (data / "multiqc_software_versions.txt").read_text()
    assert "pydeseq2" in versions and importlib.metadata.version("pydeseq2") in versions
    assert "samtools" in versions and "1.16.1" in versions

"""Citation metadata stays in step with the package and names what a run uses."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

import mirscope
from mirscope.stages.provenance import PYTHON_LIBRARIES

REPO = Path(__file__).resolve().parents[1]


def test_citation_cff_is_cff_1_2_0_with_the_package_version():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):
        assert cff[key], key
    assert str(cff["version"]) == mirscope.__version__
    (study,) = cff["references"]
    assert study["doi"] == "10.3324/haematol.2025.300294"
    assert study["authors"][0]["family-names"] == "Naddeo"


def test_changelog_has_the_current_version():
    text = (REPO / "CHANGELOG.md").read_text()
    assert re.search(rf"^## \[{re.escape(mirscope.__version__)}\]", text, re.M)


def test_citations_name_every_tool_database_and_method():
    text = (REPO / "CITATIONS.md").read_text().lower()
    required = [
        "bowtie",
        "samtools",
        "cutadapt",
        "umi-tools",
        "deseq2",
        "pydeseq2",
        "lifelines",
        "scikit-learn",
        "scikit-survival",
        "statsmodels",
        "snakemake",
        "multiqc",
        "mirbase",
        "naddeo",
        "10.3324/haematol.2025.300294",
    ]
    missing = [name for name in required if name not in text]
    assert not missing, missing
    # every reported library that has a publication is cited
    cited = {"cutadapt", "lifelines", "matplotlib", "numpy", "pandas", "pydeseq2", "pysam"}
    cited |= {"scikit-learn", "scikit-survival", "scipy", "statsmodels"}
    assert cited <= set(PYTHON_LIBRARIES)
    assert all(name in text for name in cited)

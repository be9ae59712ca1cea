"""The whole workflow, FASTQ to report, on a small simulated cohort with the real tools.

This is the test a user's `make demo` stands for: the real bowtie, samtools, cutadapt,
pydeseq2, lifelines and scikit-learn run through Snakemake; the counts are checked against
the simulator's truth, the paper comparison against the published numbers' list, and the
Snakemake report is opened in headless Chromium (sections rendered, no console
errors, every item under a paper label, table cells visible inside the embedded table
pages), with a screenshot kept for a person to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from mirscope.io import read_tsv_cells, tsv_comments
from mirscope.report.paper import NOT_COMPUTED, VERDICTS, summary_line

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
# The report's sections in reading order: the main paper's in the paper's order, then the
# companions, the comparison, and the run itself.
REPORT_SECTIONS = (
    "Naddeo et al. — Cohort",
    "Naddeo et al. — Clustering",
    "Naddeo et al. — Toxicity",
    "Naddeo et al. — Response",
    "Naddeo et al. — Survival",
    "Companion 001 — ",
    "Companion 002 — ",
    "Companion 003 — ",
    "Companion 004 — ",
    "Paper vs reanalysis",
    "Quality control",
    "Counts and expression",
    "Provenance",
)
# A report label numbers the item in reading order and names it (the paper's name first),
# never a file.
LABEL_PREFIX = re.compile(
    r"^\d+ · (Figures? \d|Fig\. \d|Table \d|Supplementary (Table|Figure) S?\d|Results text|"
    r"Methods as run|Not in the paper|Paper vs reanalysis|QC — |Counts — |Provenance — )"
)
# Chromium loads no data: URL longer than this into a frame (the report's items are such).
DATA_URL_LIMIT = 2 * 1024 * 1024
FILE_LIKE = re.compile(r"[\w.-]+/[\w.-]+\.[a-z]+|\.(tsv|png|pdf|html|ya?ml|json)\b")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=3000)
    assert res.returncode == 0, (
        f"{' '.join(cmd)} failed:\n{res.stdout[-4000:]}\n{res.stderr[-4000:]}"
    )
    return res


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    """Simulate 53 patients at low depth and run the whole workflow once for this module."""
    for tool in ("bowtie", "bowtie-build", "samtools"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed (make test installs it with apt)")
    work = tmp_path_factory.mktemp("workflow")
    _run(
        ["mirscope", "simulate", "--out", "cohort", "--seed", "11", "--reads-per-sample", "1500"],
        cwd=work,
    )
    config = {
        "samples": "cohort/samples.tsv",
        "clinical": "cohort/clinical.tsv",
        "preset": "qiaseq",
        "outdir": "out",
        "seed": 3,
        "models": {"resamples": 20, "nested_resamples": 5},
        "companion": {
            "kinetics": "cohort/kinetics.tsv",
            "covariates": "cohort/covariates.tsv",
            "secondary_events": "cohort/secondary_events.tsv",
            "evidence_studies": "cohort/evidence_studies.tsv",
            "n_seeds": 2,
            "n_trees": 50,
        },
        # the paper's published models validated on this cohort, as config/config.yaml does
        "validation": {
            "counts": "out/counts/mature_umi_counts.tsv",
            "clinical": "cohort/clinical.tsv",
            "preset": "qiaseq",
            "models": ["paper_response_3m", "paper_response_12m", "paper_s1_cutoff"],
        },
    }
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    snakefile = str(REPO / "Snakefile")
    _run(["snakemake", "-s", snakefile, "--configfile", "config.yaml", "--cores", "2"], cwd=work)
    _run(
        [
            "snakemake",
            "-s",
            snakefile,
            "--configfile",
            "config.yaml",
            "--cores",
            "2",
            "--report",
            "out/report.html",
        ],
        cwd=work,
    )
    return work


def test_umi_counts_recover_the_simulated_molecules(demo_run):
    counts = pd.read_csv(demo_run / "out/counts/mature_umi_counts.tsv", sep="\t", index_col=0)
    truth = pd.read_csv(demo_run / "cohort/truth/mature_molecules.tsv", sep="\t", index_col=0)
    assert list(counts.columns) == list(truth.columns)
    ratio = counts.sum().sum() / truth.sum().sum()
    assert 0.98 <= ratio <= 1.02, ratio
    spurious = counts.loc[~counts.index.isin(truth.index)].sum().sum() / counts.sum().sum()
    assert spurious <= 0.005, spurious


def test_cohort_mirgff3_passes_mirtop_and_matches_the_counts(demo_run, tmp_path):
    from test_mirgff3 import check_with_mirtop, mirtop_available

    if not mirtop_available():
        pytest.skip("Debian's python3-mirtop is not installed (make test installs it with apt)")
    umis = pd.read_csv(demo_run / "out/counts/mature_umi_counts.tsv", sep="\t", index_col=0)
    check_with_mirtop(demo_run / "out/mirgff3/cohort.gff3", tmp_path / "mirtop", umis)
    assert (demo_run / "out/qc/qc_unassigned.png").stat().st_size > 0


def test_paper_tables_and_figures_exist(demo_run):
    out = demo_run / "out"
    for rel in (
        "tables/supp_table1a_overall.tsv",
        "tables/supp_table2a_crs_de.tsv",
        "tables/supp_table2b_icans_de.tsv",
        "tables/table1_response_models.tsv",
        "tables/suppfig_s1_km.tsv",
        "figures/fig1_clustering_heatmap.png",
        "figures/fig2a_crs_de_heatmap.pdf",
        "figures/suppfig_s1_os.png",
        "qc/multiqc_report.html",
        "pipeline_info/software_versions.yml",
        "pipeline_info/config_resolved.yaml",
        "expression/mature_umi_cpm.tsv",
        "expression/hairpin_read_cpm.tsv",
        "expression/mature_umi_vst.tsv",
        "report/tables/table1_response_models.html",
        "report/tables/paper_vs_reanalysis.html",
        "report/de/crs_ge2.html",
        "report/tables/models/response_3m_coefficients.html",
        "report/qc/unassigned_summary.html",
        "report/qc/multiqc_report.html",
        "report/figures/fig1_clustering_heatmap.png",
        "report/landing.rst",
    ):
        assert (out / rel).is_file(), rel
        assert (out / rel).stat().st_size > 0, rel


def test_paper_comparison_reports_every_number_from_this_run(demo_run):
    path = demo_run / "out/tables/paper_vs_reanalysis.tsv"
    table = read_tsv_cells(path)
    assert set(table.columns) == {
        "section",
        "location",
        "quantity",
        "paper_value",
        "reanalysis_value",
        "agreement",
        "rule",
        "note",
    }
    assert set(table["agreement"]) <= set(VERDICTS)
    # the demo is simulated: its fixed marginals are inputs, and the first line counts rows
    assert "input" in set(table["agreement"])
    assert tsv_comments(path) == [summary_line(table)]
    by_quantity = dict(zip(table["quantity"], table["reanalysis_value"], strict=True))
    # The simulator reproduces the paper's marginals exactly (the rows read `input`).
    assert by_quantity["patients"] == "53"
    assert by_quantity["CRS grade >= 2"] == "16 (30%)"
    assert by_quantity["ICANS any grade"] == "18 (34%)"
    assert by_quantity["evaluable for response"] == "49"
    # Numbers the run computes are filled in; none is silently left empty.
    for quantity in (
        "miRNAs detected in >= 1 sample",
        "DE miRNAs, CRS >= 2",
        "miR-542-5p cut-off (normalized counts)",
        "OS log-rank p",
        "ICANS vs ECOG >= 1 (vs 0), Fisher p",
        "response_3m Product coefficient",
        "response_12m hsa_miR_542_5p p-value",
        "response_12m published model accuracy, LOOCV",
        "median prior lines of therapy",
        "deaths from grade 5 ICANS",
        "median CRS onset (days)",
        "median ICANS onset (days)",
        "icans model selects miR-1290",
        "cluster enriched for ICANS",
        "TTP patients analysed",
    ):
        assert by_quantity[quantity] not in ("", NOT_COMPUTED), quantity
    verdict = dict(zip(table["quantity"], table["agreement"], strict=True))
    assert verdict["deaths from grade 5 ICANS"] == "input"  # the simulator plants two
    assert verdict["miR-542-5p cut-off (normalized counts)"] == "not applicable"
    assert all(v != "" for v in table["reanalysis_value"])


def test_report_renders_in_headless_chromium(demo_run):
    """The report opens on its own landing page (its title, the paper comparison's verdict
    counts, no rule graph) with the sections in reading order and no console error."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium not installed (make test installs Debian's chromium)")
    report = demo_run / "out/report.html"
    assert report.stat().st_size < 8_000_000, report.stat().st_size
    profile = demo_run / "chromium-profile"
    base = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=8000",
    ]
    dom = subprocess.run(
        [*base, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=180
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert title.startswith("mirscope") and "Snakemake" not in title, title
    (summary,) = tsv_comments(demo_run / "out/tables/paper_vs_reanalysis.tsv")
    assert summary in page, "the landing page shows the paper comparison's verdict counts"
    # The menu lists the sections in reading order (each numbered, as Snakemake sorts names).
    positions = [page.find(f" · {section}") for section in REPORT_SECTIONS]
    missing = [s for s, p in zip(REPORT_SECTIONS, positions, strict=True) if p < 0]
    assert not missing, missing
    assert positions == sorted(positions), "sections out of reading order"
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    errors = [line for line in console if re.search(r"Uncaught|Error|Failed", line)]
    assert not errors, errors
    shot = demo_run / "report.png"
    res = subprocess.run(
        [*base, "--window-size=1400,1000", f"--screenshot={shot}", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert res.returncode == 0 and shot.stat().st_size > 10_000, res.stderr[-2000:]


def _tsv_cells(path: Path) -> pd.DataFrame:
    return read_tsv_cells(path)


def _unnumbered(label: str) -> str:
    return re.sub(r"^\d+ · ", "", label)


def test_report_items_are_labelled_and_tables_visible(demo_run):
    """Click through the rendered report as a reader would: every item is listed under a
    paper label, in the paper's order, can be shown (no frame over Chromium's data: URL
    limit, every figure decodes, MultiQC draws its plots), and opening Table 1,
    Supplementary Table 1 and the paper comparison shows their cells."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium not installed (make test installs Debian's chromium)")
    from _chromium import Chromium

    out = demo_run / "out"
    # Cells read from the TSVs, independently of the HTML pages the report embeds.
    table1 = _tsv_cells(out / "tables/table1_response_models.tsv")
    compare = _tsv_cells(out / "tables/paper_vs_reanalysis.tsv")
    assert len(table1) > 0 and len(compare) > 10
    with Chromium(chromium, demo_run / "cdp-profile") as browser:
        browser.open((out / "report.html").as_uri())
        browser.wait_for("typeof app !== 'undefined' && app !== undefined")
        items = browser.evaluate(
            "Object.entries(categories).flatMap(([cat, subs]) =>"
            " Object.entries(subs).flatMap(([sub, paths]) =>"
            " paths.map(p => [cat, sub, results[p].filename, results[p].labels,"
            " results[p].mime_type, results[p].data_uri.length])))"
        )
        assert len(items) > 60
        for _, _, filename, labels, _, size in items:
            assert labels and labels.get("Item"), f"{filename} has no label"
            label = labels["Item"]
            assert not FILE_LIKE.search(label), (filename, label)
            assert LABEL_PREFIX.match(label), (filename, label)
            assert size < DATA_URL_LIMIT, f"{filename} is too large for a frame ({size})"
        assert not [i for i in items if i[0] == "Other"], "items without a category"
        labels = [i[3]["Item"] for i in items]
        assert len(set(labels)) == len(labels), "two items share a label"
        for needed in (
            "Figure 1 — ",
            "Figure 2A — ",
            "Figure 2B — ",
            "Table 1 — ",
            "Supplementary Table 1A — ",
            "Supplementary Table 2A — ",
            "Supplementary Figure S1A — ",
            "Supplementary Figure S1C — ",
        ):
            assert any(_unnumbered(label).startswith(needed) for label in labels), needed
        names = {_unnumbered(label) for label in labels}
        assert not any(n.startswith("Supplementary Figure S1 — panels") for n in names), (
            "Supplementary Figure S1 twice: the composite and its panels"
        )

        # Reading order: as Snakemake shows them (sorted by name), each section's items
        # run in the paper's order, the paper's before those not in the paper.
        def not_in_paper(text: str) -> bool:
            return "not in the paper" in text.lower()

        for category in sorted({i[0] for i in items}):
            shown = sorted(
                (i for i in items if i[0] == category), key=lambda i: (i[1], i[3]["Item"])
            )
            flags = [not_in_paper(i[1]) or not_in_paper(i[3]["Item"]) for i in shown]
            assert flags == sorted(flags), (category, [i[3]["Item"] for i in shown])
        (s1,) = {i[1] for i in items if "Supplementary Figure S1" in i[1]}
        s1_labels = sorted(i[3]["Item"] for i in items if i[1] == s1)
        assert _unnumbered(s1_labels[0]).startswith("Supplementary Figure S1A"), s1_labels

        # Every figure decodes in the browser.
        widths = browser.evaluate(
            "Promise.all(Object.values(results).filter(r => r.mime_type.startsWith('image/'))"
            ".map(r => { const i = new Image(); i.src = r.data_uri;"
            " return i.decode().then(() => i.naturalWidth); }))"
        )
        assert len(widths) > 30 and min(widths) > 100, widths

        def open_item(filename: str, *, startswith: str | None = None) -> str:
            """Show an item through the report's menu and return the iframe's text."""
            (category, sub, _, item_labels, *_) = next(i for i in items if i[2] == filename)
            label = item_labels["Item"]
            # Back to the main menu first: the results list keeps its rows when only its
            # category changes, as a reader's click on the breadcrumb would avoid.
            row = (
                "Array.from(document.querySelectorAll('tr')).find(r => r.cells.length"
                f" && r.cells[0].innerText.trim() === {json.dumps(label)})"
            )
            browser.evaluate("app.setView({navbarMode: 'menu'})")
            browser.wait_for(f"!{row}")
            browser.evaluate(
                f"app.setView({{navbarMode: 'subcategory', category: {json.dumps(category)},"
                f" subcategory: {json.dumps(sub)}}})"
            )
            browser.wait_for(row)
            browser.evaluate(f"{row}.querySelector('a').click()")
            browser.wait_for(
                "document.querySelector('iframe') &&"
                " document.querySelector('iframe').getBoundingClientRect().height > 200"
            )
            # A table page's heading is the item's label: the text read is this item's.
            if startswith is None:
                startswith = _unnumbered(label)
            return browser.frame_text("data:text/html", startswith=startswith)

        text = open_item("table1_response_models.html")
        for predictor in table1["predictor"]:
            assert predictor in text, predictor
        assert "Columns (docs/outputs.md)" in text

        browser.screenshot(demo_run / "report_table1.png")

        # Supplementary Table 1 lists the cohort's characteristics.
        text = open_item("supp_table1a_overall.html")
        assert re.search(r"\bage\b", text, re.I) and re.search(r"\bsex\b", text, re.I), text[:500]

        text = open_item("paper_vs_reanalysis.html")
        assert tsv_comments(out / "tables/paper_vs_reanalysis.tsv")[0] in text
        for _, row in compare.head(5).iterrows():
            assert row["quantity"] in text, row["quantity"]
            assert row["paper_value"] in text, row["paper_value"]
        # Its notes wrap: the page needs no sideways scroll.
        scroll, width = browser.frame_evaluate(
            "data:text/html",
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]",
        )
        assert scroll <= width + 1, (scroll, width)
        if "agreement" in compare.columns:
            shown = browser.frame_evaluate(
                "data:text/html",
                "(() => { const i = Array.from(document.querySelectorAll('th'))"
                ".findIndex(th => th.textContent === 'agreement');"
                " return Array.from(document.querySelectorAll('tbody tr')).map(r =>"
                " [r.cells[i].innerText, getComputedStyle(r.cells[i]).backgroundColor]); })()",
            )
            colour = {value: bg for value, bg in shown}
            if {"agrees", "differs"} <= set(colour):
                assert colour["agrees"] != colour["differs"]
        browser.screenshot(demo_run / "report_paper_vs_reanalysis.png")

        # MultiQC, carried compressed, opens inside the report and draws its plots.
        open_item("multiqc_report.html", startswith="")
        browser.wait_for_frame(
            "data:text/html", "document.querySelectorAll('.js-plotly-plot').length > 0"
        )
        text = browser.frame_text("data:text/html", startswith="")
        assert "General Statistics" in text or "General Stats" in text, text[:500]
        browser.screenshot(demo_run / "report_multiqc.png")


def messy_clinical(clean: str) -> str:
    """The same table as a person types it: comment and blank lines, upper-case headers,
    shuffled columns, NA/NaN spellings for empty cells, lower-case and padded categories."""
    lines = clean.rstrip("\n").split("\n")
    header = lines[0].split("\t")
    rows = [line.split("\t") for line in lines[1:]]
    order = list(range(len(header)))[::-1]  # reversed: sample_id last
    spelled = {"sex": "SEX", "crs_grade": "CRS_Grade", "response_3m": "Response_3M"}
    out = ["# clinical data exported by hand", ""]
    out.append("\t".join(spelled.get(header[i], header[i]) for i in order))
    missing = ("NA", "NaN", "", "nan")
    for n, row in enumerate(rows):
        cells = []
        for i in order:
            value = row[i] if i < len(row) else ""
            if value == "":
                value = missing[n % len(missing)]
            elif header[i] in ("sex", "histology", "response_3m"):
                value = value.lower()
            elif header[i] == "product":
                value = f" {value.upper()} "
            elif header[i] == "bridging" and n % 2:
                value = value.capitalize()
            cells.append(value)
        out.append("\t".join(cells))
        if n == len(rows) // 2:
            out.append("# follow-up checked 2025-01")
    return "\n".join(out) + "\n"


def test_messy_clinical_table_gives_identical_results(demo_run, tmp_path):
    """A hand-made clinical table reruns every statistics rule on the finished counts and
    gives byte-identical tables and figures to the clean one."""
    clean = (demo_run / "cohort/clinical.tsv").read_text()
    messy = messy_clinical(clean)
    assert messy != clean and "nan" in messy and "# " in messy
    work = tmp_path / "messy"
    (work / "cohort").mkdir(parents=True)
    for name in (
        "samples.tsv",
        "kinetics.tsv",
        "covariates.tsv",
        "secondary_events.tsv",
        "evidence_studies.tsv",
    ):
        shutil.copy2(demo_run / "cohort" / name, work / "cohort" / name)
    os.symlink(demo_run / "cohort/fastq", work / "cohort/fastq")
    # the simulator's truth/ beside the table marks the same simulated cohort
    os.symlink(demo_run / "cohort/truth", work / "cohort/truth")
    (work / "cohort/clinical.tsv").write_text(messy)
    shutil.copy2(demo_run / "config.yaml", work / "config.yaml")
    # Reuse the finished reference and counting stages: keep their files with their times.
    out = work / "out"
    shutil.copytree(demo_run / "out", out, copy_function=shutil.copy2, symlinks=True)
    downstream = ("clinical", "de", "tables", "figures")
    for name in downstream:
        shutil.rmtree(out / name, ignore_errors=True)
    for path in out.glob("counts/mature_normalized*"):
        path.unlink()
    res = _run(
        ["snakemake", "-s", str(REPO / "Snakefile"), "--configfile", "config.yaml", "--cores", "2"],
        cwd=work,
    )
    assert "mirscope_trim" not in res.stdout + res.stderr, "the count stage was reused"
    compared = 0
    for name in ("de", "tables", "figures", "clinical"):
        for path in sorted((demo_run / "out" / name).rglob("*")):
            if path.suffix not in (".tsv", ".png", ".pdf"):
                continue
            rel = path.relative_to(demo_run / "out")
            assert (out / rel).read_bytes() == path.read_bytes(), f"{rel} differs"
            compared += 1
    assert compared > 50, compared


def test_clinical_table_rejected_before_any_job(demo_run, tmp_path):
    """A value validation rejects stops `snakemake` at parse time with the one-line message."""
    work = tmp_path / "bad"
    shutil.copytree(demo_run / "cohort", work / "cohort", ignore=shutil.ignore_patterns("fastq"))
    os.symlink(demo_run / "cohort/fastq", work / "cohort/fastq")
    table = (work / "cohort/clinical.tsv").read_text().split("\n")
    header = table[0].split("\t")
    row = table[3].split("\t")
    row[header.index("sex")] = "X"
    table[3] = "\t".join(row)
    (work / "cohort/clinical.tsv").write_text("\n".join(table))
    shutil.copy2(demo_run / "config.yaml", work / "config.yaml")
    res = subprocess.run(
        ["snakemake", "-s", str(REPO / "Snakefile"), "--configfile", "config.yaml", "--cores", "2"],
        cwd=work,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode != 0
    text = res.stdout + res.stderr
    assert "cohort/clinical.tsv" in text and "column 'sex'" in text, text[-2000:]
    assert "(got 'X')" in text, text[-2000:]
    assert "row 3" in text, text[-2000:]
    assert not (work / "out").exists(), "nothing is written before the error"


def test_provenance_reaches_multiqc_and_matches_the_run(demo_run):
    out = demo_run / "out"
    versions = yaml.safe_load((out / "pipeline_info/software_versions.yml").read_text())
    bowtie = subprocess.run(["bowtie", "--version"], capture_output=True, text=True).stdout
    assert versions["tool_version_lines"]["bowtie"] == bowtie.splitlines()[0]
    assert versions["reference"]["release"] == "22"
    resolved = yaml.safe_load((out / "pipeline_info/config_resolved.yaml").read_text())
    assert resolved["seed"] == 3 and resolved["reference"]["species"] == "hsa"
    page = (out / "qc/multiqc_report.html").read_text()
    assert "mirscope: reference and configuration" in page
    assert "mqc_versions_table" in page and "pydeseq2" in page

"""Result tables rendered as HTML pages for the Snakemake report (mirscope.report.tables)."""

from __future__ import annotations

import base64
import gzip
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from mirscope.cli import main
from mirscope.io import read_tsv_cells, tsv_comments, write_tsv
from mirscope.report.tables import (
    GZIP_ABOVE_BYTES,
    MAX_CELL_CHARS,
    MAX_SHOWN_ROWS,
    MAX_WHOLE_ROWS,
    agreement_class,
    find_column_doc,
    render_table_page,
)

REPO = Path(__file__).resolve().parents[1]


class _Cells(HTMLParser):
    """Collects each table row's cells (text and attributes) and the page's links."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[tuple[str, dict]]] = []
        self.row_classes: list[str] = []
        self.links: list[dict] = []
        self._cell: tuple[list[str], dict] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self.rows.append([])
            self.row_classes.append(attrs.get("class") or "")
        elif tag in ("td", "th"):
            self._cell = ([], attrs)
        elif tag == "a":
            self.links.append(attrs)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(("".join(self._cell[0]), self._cell[1]))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0].append(data)


def _parse(page: str) -> _Cells:
    parser = _Cells()
    parser.feed(page)
    return parser


def test_page_shows_every_cell_and_embeds_the_exact_tsv():
    tsv = b"mirna\tlog2FoldChange\tpvalue\tnote\nhsa-miR-1<b>\t-1.234567891\t3\ta & b\n"
    table = pd.DataFrame(
        {
            "mirna": ["hsa-miR-1<b>"],
            "log2FoldChange": ["-1.234567891"],
            "pvalue": ["3"],
            "note": ["a & b"],
        }
    )
    page = render_table_page(table, title="DE", relpath="de/x.tsv", tsv_bytes=tsv)
    cells = _parse(page)
    header = [text for text, _ in cells.rows[0]]
    assert header == ["mirna", "log2FoldChange", "pvalue", "note"]
    row = cells.rows[1]
    # Markup in a cell is text, not HTML.
    assert row[0][0] == "hsa-miR-1<b>"
    assert "<b>" not in page.split("<tbody>")[1].replace("&lt;b&gt;", "")
    # A long float is shown rounded (the download keeps every digit); integers as written.
    assert row[1][0] == "-1.235"
    assert row[2][0] == "3"
    assert "1.234567891" not in page.split("<tbody>")[1]
    assert row[3][0] == "a & b"
    (download,) = [a for a in cells.links if "download" in a]
    assert download["download"] == "x.tsv"
    payload = download["href"].split("base64,", 1)[1]
    assert base64.b64decode(payload) == tsv
    # Nothing is fetched from the network: the report must open offline.
    assert not re.search(r"""(src|href)=["']https?:""", page)


def test_agreement_column_colours_rows_by_verdict():
    table = pd.DataFrame(
        {
            "quantity": ["patients", "OS p", "accuracy", "other", "ORR"],
            "agreement": ["agrees", "differs", "not computed", "unclear", "input"],
        }
    )
    page = render_table_page(table, title="t", relpath="tables/p.tsv", tsv_bytes=b"")
    cells = _parse(page)
    assert cells.row_classes[1:] == ["agree", "differ", "missing", "other", "input"]
    verdict_classes = [row[1][1].get("class") for row in cells.rows[1:]]
    assert verdict_classes == ["agree", "differ", "missing", "other", "input"]
    for cls in ("agree", "differ", "missing", "input"):
        assert re.search(rf"td\.{cls}\{{background:#[0-9a-f]{{6}}", page), cls


def test_no_agreement_column_no_colours():
    table = pd.DataFrame({"quantity": ["patients"], "paper_value": ["53"]})
    page = render_table_page(table, title="t", relpath="tables/p.tsv", tsv_bytes=b"")
    cells = _parse(page)
    assert cells.row_classes[1:] == [""]
    assert 'class="legend"' not in page


def test_agreement_classes_tolerate_case_and_unknown_values():
    assert agreement_class(" Agrees ") == "agree"
    assert agreement_class("NOT COMPUTED") == "missing"
    assert agreement_class("within 10%") == "other"
    assert agreement_class("") == ""


def test_empty_table_says_so():
    table = pd.DataFrame(columns=["mirna", "pvalue"])
    page = render_table_page(table, title="t", relpath="tables/s.tsv", tsv_bytes=b"")
    assert "The table has no rows." in page
    assert [t for t, _ in _parse(page).rows[0]] == ["mirna", "pvalue"]


OUTPUTS_MD = """# Outputs
| path | what | columns |
|---|---|---|
| `de/{contrast}.tsv` | Wald tests | `mirna, pvalue` |
| `tables/supp_table1a_overall.tsv`, `supp_table1b_crs.tsv` | Supp. Table 1 | see `x` |
| `tables/models/{model}_{selection,coefficients}.tsv` | models | `term` |
| `tables/kinetics_*` | companion | see `y` |
"""


@pytest.mark.parametrize(
    ("relpath", "what"),
    [
        ("de/crs_ge2.tsv", "Wald tests"),
        ("tables/supp_table1a_overall.tsv", "Supp. Table 1"),
        ("tables/supp_table1b_crs.tsv", "Supp. Table 1"),
        ("tables/models/icans_coefficients.tsv", "models"),
        ("tables/kinetics_tests.tsv", "companion"),
    ],
)
def test_column_doc_found_by_documented_path(relpath, what):
    doc = find_column_doc(OUTPUTS_MD, relpath)
    assert doc is not None
    assert doc.headers == ("path", "what", "columns")
    assert doc.cells[1] == what


@pytest.mark.parametrize(
    "relpath", ["de/sub/crs.tsv", "tables/models/icans_predictions.tsv", "tables/other.tsv"]
)
def test_column_doc_absent_for_undocumented_paths(relpath):
    assert find_column_doc(OUTPUTS_MD, relpath) is None


def test_every_reported_table_is_documented_in_outputs_md():
    """Each table the report renders finds its row in the real docs/outputs.md."""
    docs = (REPO / "docs/outputs.md").read_text(encoding="utf-8")
    source = (REPO / "workflow/rules/helpers/report.smk").read_text(encoding="utf-8")
    paths = re.findall(
        r'^    "((?:tables|qc|counts|expression)/[^"{]+\.tsv)": \(', source, flags=re.M
    )
    assert len(paths) > 20 and "counts/mature_normalized.tsv" in paths
    paths += ["de/crs_ge2.tsv"] + [
        f"tables/models/response_3m_{k}.tsv" for k in ("selection", "coefficients", "predictions")
    ]
    missing = [p for p in paths if find_column_doc(docs, p) is None]
    assert not missing, missing


def test_cli_renders_pages_with_docs(tmp_path):
    outdir = tmp_path / "out dir"
    (outdir / "tables").mkdir(parents=True)
    tsv = outdir / "tables" / "table1_response_models.tsv"
    tsv.write_text("model\tpredictor\tcoefficient\nresponse_3m\thsa-miR-542-5p\t0.81\n")
    docs = tmp_path / "outputs.md"
    docs.write_text(
        "| path | paper | columns |\n|---|---|---|\n"
        "| `tables/table1_response_models.tsv` | Table 1 layout | `model, predictor` |\n"
    )
    page = tmp_path / "report" / "t1.html"
    code = main(
        [
            "report-tables",
            "--outdir",
            str(outdir),
            "--docs",
            str(docs),
            "--table",
            str(tsv),
            str(page),
            "Table 1 — response models",
        ]
    )
    assert code == 0
    text = page.read_text(encoding="utf-8")
    assert "<title>Table 1 — response models</title>" in text
    assert "Table 1 layout" in text
    assert "<code>tables/table1_response_models.tsv</code>" in text
    assert "hsa-miR-542-5p" in text
    # Same inputs, same bytes.
    main(
        [
            "report-tables",
            "--outdir",
            str(outdir),
            "--docs",
            str(docs),
            "--table",
            str(tsv),
            str(tmp_path / "again.html"),
            "Table 1 — response models",
        ]
    )
    assert (tmp_path / "again.html").read_text(encoding="utf-8") == text


def test_leading_comment_lines_are_the_page_summary_not_rows(tmp_path):
    """A TSV's leading ``#`` lines (the paper comparison's verdict counts) are shown first
    on the page; the header and cells below them are read as usual, ``#`` in a cell kept."""
    outdir = tmp_path / "out"
    tsv = outdir / "tables" / "paper_vs_reanalysis.tsv"
    table = pd.DataFrame({"quantity": ["a", "b #2"], "agreement": ["agrees", "input"]})
    write_tsv(table, tsv, comments=["2 rows: 1 agree, 1 input"])
    assert tsv.read_text().splitlines()[0] == "# 2 rows: 1 agree, 1 input"
    assert tsv_comments(tsv) == ["2 rows: 1 agree, 1 input"]
    pd.testing.assert_frame_equal(read_tsv_cells(tsv), table)
    page = tmp_path / "p.html"
    args = ["report-tables", "--outdir", str(outdir), "--table", str(tsv), str(page), "P"]
    assert main(args) == 0
    text = page.read_text(encoding="utf-8")
    assert text.index('<p class="summary">2 rows: 1 agree, 1 input</p>') < text.index("<table")
    cells = _parse(text)
    assert [c for c, _ in cells.rows[0]] == ["quantity", "agreement"]
    assert [row[0][0] for row in cells.rows[1:]] == ["a", "b #2"]


def test_page_sorts_numerically_and_filters_in_chromium(tmp_path):
    """The page's own script, run by a browser: a numeric column sorts by value (9 before
    10, blanks last), and the filter hides rows that do not match."""
    import shutil

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium not installed (make test installs Debian's chromium)")
    from _chromium import Chromium

    table = pd.DataFrame({"mirna": ["a", "b", "c", "d"], "pvalue": ["10", "9", "", "0.5"]})
    page = tmp_path / "t.html"
    page.write_text(
        render_table_page(table, title="t", relpath="t.tsv", tsv_bytes=b""), encoding="utf-8"
    )
    column = "Array.from(document.querySelectorAll('tbody tr')).map(r => r.cells[0].textContent)"
    with Chromium(chromium, tmp_path / "profile") as browser:
        browser.open(page.as_uri())
        browser.evaluate("document.querySelectorAll('th')[1].click()")
        assert browser.evaluate(column) == ["d", "b", "a", "c"]
        browser.evaluate("document.querySelectorAll('th')[1].click()")
        assert browser.evaluate(column)[1:] == ["a", "b", "d"]
        browser.evaluate(
            "const f = document.getElementById('filter'); f.value = 'B';"
            " f.dispatchEvent(new Event('input'))"
        )
        visible = browser.evaluate(
            "Array.from(document.querySelectorAll('tbody tr'))"
            ".filter(r => r.offsetParent !== null).map(r => r.cells[0].textContent)"
        )
        assert visible == ["b"]
        assert browser.evaluate("document.getElementById('shown').textContent") == "1"


def test_names_in_lists_wrap_between_names_not_inside():
    table = pd.DataFrame({"predictors": ["hsa-miR-3140-5p,hsa-miR-3149"], "note": ["a b"]})
    page = render_table_page(table, title="t", relpath="t.tsv", tsv_bytes=b"")
    assert (
        '<span class="nw">hsa-miR-3140-5p</span>,<wbr><span class="nw">hsa-miR-3149</span>' in page
    )
    assert _parse(page).rows[1][0][0] == "hsa-miR-3140-5p,hsa-miR-3149"


def test_only_all_number_columns_are_right_aligned():
    table = pd.DataFrame({"level": ["0", "LBCL"], "p_value": ["0.5", ""]})
    page = render_table_page(table, title="t", relpath="t.tsv", tsv_bytes=b"")
    (rule,) = re.findall(r"<style>(#table td:nth-child[^<]*)</style>", page)
    assert rule.startswith("#table td:nth-child(2){text-align:right")


def test_big_tables_show_their_smallest_p_values_and_carry_the_tsv_gzipped():
    n = MAX_WHOLE_ROWS + 50
    table = pd.DataFrame(
        {"mirna": [f"m{i}" for i in range(n)], "pvalue": [f"{(n - i) / n:.6f}" for i in range(n)]}
    )
    tsv = table.to_csv(sep="\t", index=False).encode() * 8
    assert len(tsv) > GZIP_ABOVE_BYTES
    page = render_table_page(table, title="DE", relpath="de/x.tsv", tsv_bytes=tsv)
    cells = _parse(page)
    shown = [row[0][0] for row in cells.rows[1:]]
    assert len(shown) == MAX_SHOWN_ROWS and shown[0] == f"m{n - 1}" and "m0" not in shown
    assert f"the {MAX_SHOWN_ROWS} rows with the smallest pvalue of {n}" in page
    (download,) = [a for a in cells.links if "download" in a]
    assert download["download"] == "x.tsv.gz" and download["data-gunzip"] == "x.tsv"
    payload = download["href"].split("base64,", 1)[1]
    assert gzip.decompress(base64.b64decode(payload)) == tsv


def test_long_cells_are_cut_and_say_how_much():
    names = ",".join(f"hsa-miR-{i}-5p" for i in range(100))
    page = render_table_page(
        pd.DataFrame({"candidates": [names]}), title="t", relpath="t.tsv", tsv_bytes=b""
    )
    text = _parse(page).rows[1][0][0]
    assert len(text) < MAX_CELL_CHARS + 60 and text.startswith("hsa-miR-0-5p,")
    left = 100 - text.split("…")[0].count("hsa-")
    assert f"… ({left} more: see the TSV)" in text


def test_table_entries_come_as_words_or_in_params(tmp_path):
    """`--table TSV HTML TITLE` on the command line and the workflow's `--params` mapping
    are one declaration: the same page either way; a command without its files is a usage
    error, as before."""
    import json

    outdir = tmp_path / "out"
    tsv = outdir / "tables" / "t.tsv"
    write_tsv(pd.DataFrame({"mirna": ["a"], "pvalue": ["0.5"]}), tsv)
    words, mapped = tmp_path / "words.html", tmp_path / "mapped.html"
    title = "Table — it's one"
    assert (
        main(["report-tables", "--outdir", str(outdir), "--table", str(tsv), str(words), title])
        == 0
    )
    entry = {"tsv": str(tsv), "page": str(mapped), "title": title}
    params = json.dumps({"tables": [entry]})
    assert main(["report-tables", "--outdir", str(outdir), "--params", params]) == 0
    assert mapped.read_bytes() == words.read_bytes()
    assert main(["report-tables", "--outdir", str(outdir)]) == 2
    assert main(["report-figures", "--outdir", str(outdir)]) == 2

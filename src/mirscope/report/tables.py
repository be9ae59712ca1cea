"""Result tables as self-contained HTML pages for the Snakemake report.

Snakemake's report offers a TSV only as a download: a reader has to save Table 1 and open
it elsewhere to see a single number. The report does embed ``.html`` items (shown in an
iframe), and the Snakemake ecosystem's table viewer, datavzrd, is neither on PyPI nor in
Debian, so we render each table ourselves: one page per table, with nothing fetched from
the network (the report must open offline and from a mail attachment), sortable by
clicking a column header, filterable, with the table's column documentation taken from
``docs/outputs.md`` (the one place columns are documented, so the page cannot drift from
it) and the TSV itself embedded as a download link, so the report still carries the exact
file.

The report embeds every page as a base64 ``data:`` URI, so a page's size counts a third
over, and a page must stay under Chromium's 2 MB limit for such URIs. A page therefore
shows a table longer than :data:`MAX_WHOLE_ROWS` rows in part, at most
:data:`MAX_SHOWN_ROWS` rows and :data:`MAX_SHOWN_CELLS` cells (those with
the smallest ``pvalue`` where the table has one, as a reader of a DE table looks for
them; else the first), keeps no second copy of a rounded number (the download has every
digit), shortens a cell
longer than :data:`MAX_CELL_CHARS` (the nested-LOOCV candidate lists run to thousands of
characters), and carries a TSV over :data:`GZIP_ABOVE_BYTES` gzipped, inflated by the
browser when its link is clicked (:mod:`mirscope.report.embed`): the download is always
the whole file, exactly as written.

Cells are shown as written, except that floats with more than four significant digits
are rounded to four on screen (and sorted by what is shown): ten-digit floats make
wide tables unreadable, and the TSV keeps full precision. An ``agreement`` column (the
paper-vs-reanalysis table's verdict) colours its cells and rows by value; the page is the
same without one; an ``input`` verdict (a number the simulated demo takes from the paper)
has its own colour, so it is read as neither agreement nor difference.
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from mirscope.report.embed import GUNZIP_DOWNLOAD_JS, gzip_bytes

#: A table of up to this many rows is shown whole (the paper comparison, the per-patient
#: tables); a longer one (DE tables, count matrices) shows MAX_SHOWN_ROWS rows and at most
#: MAX_SHOWN_CELLS cells (a count matrix has a column per sample). The TSV has them all.
MAX_WHOLE_ROWS = 200
MAX_SHOWN_ROWS = 50
MAX_SHOWN_CELLS = 800
#: A table of up to this many columns is fitted to the page width (_column_widths).
MAX_FITTED_COLUMNS = 12
#: A text cell longer than this is cut at a comma or space before it on screen.
MAX_CELL_CHARS = 120
#: A TSV larger than this is carried gzipped.
GZIP_ABOVE_BYTES = 8192

# The verdicts the paper-vs-reanalysis table writes, and the colour class each gets;
# any other value is shown with the neutral "other" class rather than guessed at.
AGREEMENT_CLASSES = {
    "agrees": "agree",
    "agree": "agree",
    "close": "close",
    "differs": "differ",
    "differ": "differ",
    "not computed": "missing",
    "not comparable": "missing",
    "not applicable": "missing",
    "input": "input",
}

_STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:16px;color:#1f2933}
h1{font-size:20px;margin:0 0 4px}
.meta{color:#52606d;margin:0 0 10px}
.meta code,.doc code{background:#f0f4f8;padding:0 3px;border-radius:3px}
details.doc{background:#f8fafc;border:1px solid #d9e2ec;border-radius:6px;padding:6px 10px;margin:0 0 10px}
details.doc dt{font-weight:600;margin-top:4px}
details.doc dd{margin:0 0 4px 12px}
.tools{display:flex;gap:12px;align-items:center;margin:0 0 8px}
.tools input{padding:4px 8px;border:1px solid #bcccdc;border-radius:4px;min-width:260px}
p.summary{font-weight:600;margin:0 0 10px}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{border:1px solid #d9e2ec;padding:3px 8px;vertical-align:top}
th{background:#243b53;color:#fff;position:sticky;top:0;cursor:pointer;user-select:none;
text-align:left}
th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}
tbody tr:nth-child(even){background:#f5f7fa}
td{max-width:40em;overflow-wrap:break-word}.nw{white-space:nowrap}
table:has(colgroup.fitted){table-layout:fixed}table:has(colgroup.fitted) :is(td,th,.nw){
overflow-wrap:anywhere;white-space:normal}
.cut{color:#52606d;font-style:italic}
.empty{color:#52606d;font-style:italic}
"""

# Only a page with an ``agreement`` column carries its colours.
_AGREEMENT_STYLE = """
tr.agree{background:#e3f9e5!important}td.agree{background:#a3e4b0;font-weight:600}
tr.close{background:#fff8e1!important}td.close{background:#ffe08a;font-weight:600}
tr.differ{background:#ffe3e3!important}td.differ{background:#f7a8a8;font-weight:600}
tr.missing{color:#616e7c}td.missing{background:#d9e2ec}
.legend span{display:inline-block;padding:1px 8px;border-radius:10px;margin-right:6px}
.legend span.agree{background:#a3e4b0}.legend span.close{background:#ffe08a}
.legend span.differ{background:#f7a8a8}.legend span.missing{background:#d9e2ec}
.legend span.other{background:#e0e8f9}
tr.input{color:#52606d;background:#f3f0ff!important}td.input{background:#d6ccf5;font-weight:600}
.legend span.input{background:#d6ccf5}
td.other{background:#e0e8f9}
"""

_NUMERIC_CELL = "text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap"

_SCRIPT = """
(function(){
var table=document.getElementById('table');if(!table)return;
var body=table.tBodies[0];var heads=table.tHead.rows[0].cells;
function key(td){var t=td.textContent.trim();if(t==='')return null;var n=Number(t);
return isNaN(n)&&!/^nan$/i.test(t)?t:n;}
Array.prototype.forEach.call(heads,function(th,i){th.addEventListener('click',function(){
var asc=th.getAttribute('aria-sort')!=='ascending';
Array.prototype.forEach.call(heads,function(h){h.removeAttribute('aria-sort');});
th.setAttribute('aria-sort',asc?'ascending':'descending');
var rows=Array.prototype.slice.call(body.rows);
rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);var c;
if(x===null||y===null){c=(x===null)-(y===null);}
else if(typeof x==='number'&&typeof y==='number'){c=(isNaN(x)?Infinity:x)-(isNaN(y)?Infinity:y);}
else{c=String(x).localeCompare(String(y),undefined,{numeric:true});}
return asc?c:-c;});
rows.forEach(function(r){body.appendChild(r);});});});
var filter=document.getElementById('filter');
filter.addEventListener('input',function(){var q=filter.value.toLowerCase();var shown=0;
Array.prototype.forEach.call(body.rows,function(r){var hit=r.textContent.toLowerCase().indexOf(q)>=0;
r.style.display=hit?'':'none';if(hit)shown++;});
document.getElementById('shown').textContent=shown;});
})();
"""


@dataclass(frozen=True)
class ColumnDoc:
    """One row of a ``docs/outputs.md`` table: its headers and cells (Markdown)."""

    headers: tuple[str, ...]
    cells: tuple[str, ...]


def _path_pattern(token: str) -> re.Pattern[str]:
    """A documented path (``tables/models/{model}_{selection,coefficients}.tsv``,
    ``tables/kinetics_*``) as a regex: ``{a,b}`` is a choice, ``{name}`` and ``*`` any
    name."""
    out = []
    for part in re.split(r"(\{[^}]*\}|\*)", token):
        if part == "*":
            out.append(r"[^/]*")
        elif part.startswith("{") and part.endswith("}"):
            inner = part[1:-1]
            if "," in inner:
                out.append("(?:" + "|".join(re.escape(x) for x in inner.split(",")) + ")")
            else:
                out.append(r"[^/]+")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out))


def _split_row(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def find_column_doc(outputs_md: str, relpath: str) -> ColumnDoc | None:
    """The ``docs/outputs.md`` table row that documents ``relpath`` (the file's path under
    the output directory), or None.

    A row documents a file when one of the backticked paths in its first cell matches the
    file's path or, for the short names written after a full one, its file name.
    """
    basename = relpath.rsplit("/", 1)[-1]
    headers: list[str] | None = None
    previous = ""
    for line in outputs_md.splitlines():
        if not line.startswith("|"):
            headers = None
            previous = line
            continue
        cells = _split_row(line)
        if headers is None:
            headers = cells
            previous = line
            continue
        if previous.startswith("|") and set(line.replace("|", "").strip()) <= set("-: "):
            previous = line
            continue
        previous = line
        for token in re.findall(r"`([^`]+)`", cells[0]):
            pattern = _path_pattern(token.strip())
            if pattern.fullmatch(relpath) or pattern.fullmatch(basename):
                return ColumnDoc(tuple(headers), tuple(cells))
    return None


def _markdown_inline(text: str) -> str:
    """The inline Markdown docs/outputs.md uses (code spans, bold) as HTML."""
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) >= 2:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        else:
            escaped = html.escape(part)
            out.append(re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escaped))
    return "".join(out)


def _number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if cell.strip() and not cell.strip().lower().startswith(("n", "i")) else None


def _display(cell: str, value: float | None) -> str:
    """Four significant digits where that loses digits; otherwise the cell as written
    (``0.10``, ``53``, ``0.0042`` stay as they are)."""
    if value is None or math.isnan(value):
        return cell
    shown = f"{value:.4g}"
    return cell if float(shown) == value else shown


def _text_cell(cell: str) -> str:
    """A text cell as HTML that wraps at spaces and commas, and after the dots, slashes and
    underscores of long names (``mirscope.simulate.clinical``, so an eight-column table
    fits beside the report's menu), but never inside a hyphenated name (``hsa-miR-3140-5p``
    split after ``hsa-`` is unreadable)."""

    def token(match: re.Match[str]) -> str:
        text = match.group(0)
        if "-" in text:
            return f'<span class="nw">{text}</span>'
        return re.sub(r"(?<=[./_])(?=\w)", "<wbr>", text)

    escaped = re.sub(r"[^\s,]+", token, html.escape(cell))
    return re.sub(r",(?=\S)", ",<wbr>", escaped)


def _shown_cell(cell: str) -> str:
    """A text cell as HTML, cut to about :data:`MAX_CELL_CHARS` characters with the
    number of names (or characters) left out said."""
    if len(cell) <= MAX_CELL_CHARS:
        return _text_cell(cell)
    head = cell[:MAX_CELL_CHARS]
    cut = max(head.rfind(","), head.rfind(" "))
    head = head[:cut] if cut > MAX_CELL_CHARS // 2 else head
    rest = cell[len(head) :].lstrip(", ")
    left = f"{rest.count(',') + 1} more" if "," in cell else f"{len(rest)} more characters"
    return f'{_text_cell(head)} <span class="cut">… ({left}: see the TSV)</span>'


def _shown_rows(table: pd.DataFrame, max_rows: int) -> tuple[pd.DataFrame, str]:
    """The rows a page shows and how they were chosen (empty when all are shown)."""
    if len(table) <= max(max_rows, MAX_WHOLE_ROWS):
        return table, ""
    max_rows = max(10, min(max_rows, MAX_SHOWN_CELLS // max(1, len(table.columns))))
    if len(table) <= max_rows:
        return table, ""
    if "pvalue" in table.columns:
        p = pd.to_numeric(table["pvalue"], errors="coerce")
        order = p.sort_values(kind="stable", na_position="last").index
        return table.loc[order[:max_rows]], f"the {max_rows} rows with the smallest pvalue"
    return table.head(max_rows), f"the first {max_rows} rows"


def _column_widths(shown: pd.DataFrame, columns: Sequence[str]) -> str:
    """Column widths for a table narrow enough to fit beside the report's menu (up to
    :data:`MAX_FITTED_COLUMNS`): the browser's own layout gives every column at least its
    longest word, and eight columns of names and notes then overflow sideways. A column of
    short values (verdicts, counts) gets what its longest value and header need; the
    columns of longer text share the rest and wrap. A wider table (a count matrix) scrolls."""
    if not 1 < len(columns) <= MAX_FITTED_COLUMNS:
        return ""
    cols = []
    for i, name in enumerate(columns):
        longest = max((len(str(c)) for c in shown.iloc[:, i]), default=0)
        need = max(longest, min(len(name), 12))
        cols.append(f'<col style="width:{need + 2}ch">' if need <= 16 else "<col>")
    if all(c != "<col>" for c in cols):
        return ""
    return f'<colgroup class="fitted">{"".join(cols)}</colgroup>'


def _download_link(tsv_bytes: bytes, name: str) -> str:
    """The TSV as a download link, gzipped above :data:`GZIP_ABOVE_BYTES`."""
    if len(tsv_bytes) <= GZIP_ABOVE_BYTES:
        uri = "data:text/tab-separated-values;base64," + base64.b64encode(tsv_bytes).decode()
        return f'<a href="{uri}" download="{html.escape(name)}">download the TSV</a>'
    uri = "data:application/gzip;base64," + base64.b64encode(gzip_bytes(tsv_bytes)).decode()
    return (
        f'<a href="{uri}" download="{html.escape(name)}.gz" data-gunzip="{html.escape(name)}">'
        "download the TSV</a>"
    )


def agreement_class(value: str) -> str:
    """The colour class of one ``agreement`` verdict (``other`` for unknown values)."""
    return AGREEMENT_CLASSES.get(value.strip().lower(), "other" if value.strip() else "")


def render_table_page(
    table: pd.DataFrame,
    *,
    title: str,
    relpath: str,
    tsv_bytes: bytes,
    doc: ColumnDoc | None = None,
    summary: Sequence[str] = (),
    max_rows: int = MAX_SHOWN_ROWS,
) -> str:
    """One table as a standalone HTML page (see the module docstring for why).

    ``table`` holds the TSV's cells as strings, exactly as written; ``relpath`` is the
    file's path under the output directory (shown, and the download's name); ``summary``
    the TSV's leading comment lines, shown above everything else (the paper comparison's
    verdict counts), so the page says what the file says first.
    """
    columns: Sequence[str] = [str(c) for c in table.columns]
    agreement = columns.index("agreement") if "agreement" in columns else None
    name = relpath.rsplit("/", 1)[-1]
    shown, how = _shown_rows(table, max_rows)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_STYLE}{_AGREEMENT_STYLE if agreement is not None else ''}</style>",
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
        *(f'<p class="summary">{html.escape(line)}</p>' for line in summary),
        (
            f'<p class="meta"><code>{html.escape(relpath)}</code> &middot; {len(table)} rows'
            f" &times; {len(columns)} columns &middot; "
            f"{_download_link(tsv_bytes, name)}</p>"
        ),
    ]
    if how:
        parts.append(
            f'<p class="meta">Shown here: {how} of {len(table)}; the TSV has every row.</p>'
        )
    if doc is not None:
        parts.append('<details class="doc" open><summary>Columns (docs/outputs.md)</summary><dl>')
        for header, cell in zip(doc.headers, doc.cells, strict=False):
            if cell:
                parts.append(f"<dt>{html.escape(header)}</dt><dd>{_markdown_inline(cell)}</dd>")
        parts.append("</dl></details>")
    if agreement is not None:
        counts = table.iloc[:, agreement].astype(str).value_counts().sort_index()
        legend = "".join(
            f'<span class="{agreement_class(v) or "other"}">'
            f"{html.escape(v or '(empty)')}: {n}</span>"
            for v, n in counts.items()
        )
        parts.append(f'<p class="legend">agreement &middot; {legend}</p>')
    parts.append(
        '<div class="tools"><input id="filter" type="search" placeholder="Filter rows"'
        ' aria-label="Filter rows"><span><span id="shown">'
        f"{len(shown)}</span> of {len(shown)} rows shown; click a header to sort</span></div>"
    )
    if table.empty:
        parts.append('<p class="empty">The table has no rows.</p>')
    # Right-aligned only where the whole column is numbers, so a column mixing codes
    # (``0``, ``1``) and words (``LBCL``) reads as one column; styled by column, as a class
    # on every cell would weigh more than the numbers.
    numeric_columns = [
        i
        for i in range(len(columns))
        if all(_number(str(c)) is not None for c in table.iloc[:, i] if str(c).strip())
    ]
    if numeric_columns:
        selectors = ",".join(f"#table td:nth-child({i + 1})" for i in numeric_columns)
        parts.append(f"<style>{selectors}{{{_NUMERIC_CELL}}}</style>")
    parts.append('<table id="table">' + _column_widths(shown, columns) + "<thead><tr>")
    parts.extend(f'<th scope="col">{html.escape(c).replace("_", "_<wbr>")}</th>' for c in columns)
    parts.append("</tr></thead><tbody>")
    for row in shown.itertuples(index=False):
        cells = [str(c) for c in row]
        row_class = agreement_class(cells[agreement]) if agreement is not None else ""
        parts.append(f'<tr class="{row_class}">' if row_class else "<tr>")
        for i, cell in enumerate(cells):
            value = _number(cell)
            classes = []
            text = cell if value is None else _display(cell, value)
            if i == agreement and row_class:
                classes.append(row_class)
            cls = f' class="{" ".join(classes)}"' if classes else ""
            content = html.escape(text) if value is not None else _shown_cell(text)
            parts.append(f"<td{cls}>{content}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    gunzip = GUNZIP_DOWNLOAD_JS if len(tsv_bytes) > GZIP_ABOVE_BYTES else ""
    parts.append(f"<script>{_SCRIPT}{gunzip}</script></body></html>")
    return "\n".join(parts) + "\n"

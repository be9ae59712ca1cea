"""The report's landing page: what the report is, what this run found, where to look.

``snakemake --report`` opens on the workflow description (the ``report:`` file, reST)
beside the rule graph, in a browser tab titled "Snakemake Report": Snakemake 9 hard-codes
the title and shows the description on its own only with ``--report-metadata``, which
every user would have to remember to pass. The description is the one part of the page
the workflow writes, so it is built here from the run: the introduction
(``workflow/report/workflow.rst``), the paper comparison's verdict counts (the first line
of ``tables/paper_vs_reanalysis.tsv``) and the report's sections in reading order, each a
link (Snakemake defines a reST target for every category). A hidden one-pixel image's
``onload`` sets the tab title and, on first opening, shows the description full width
instead of the rule graph, which stays one click away under "Workflow".
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

# A valid 1x1 GIF: its load event runs the handler once the description is in the page.
_PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def _opening_script(title: str) -> str:
    """The handler: the tab title, and the description instead of the rule graph once."""
    return (
        "if(!window.mirscopeOpened){window.mirscopeOpened=true;"
        f"document.title={json.dumps(title)};"
        "if(typeof app!=='undefined'&&app&&app.state.content==='rulegraph')"
        "{app.setView({content:'metadata'});}}"
    )


def _rst_reference(name: str) -> str:
    """A reST link to the hyperlink target ``name`` (backquotes and backslashes escaped)."""
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`_"


def landing_rst(
    intro: str,
    *,
    title: str,
    sections: Sequence[str],
    summary: Sequence[str] = (),
    comparison_section: str | None = None,
) -> str:
    """The landing page as reST.

    ``intro`` is the introduction (reST, its own heading first); ``sections`` the report's
    categories in reading order, exactly as named in the report; ``summary`` the paper
    comparison's comment lines, linked to ``comparison_section``.
    """
    handler = html.escape(_opening_script(title), quote=True)
    parts = [
        intro.rstrip(),
        "",
        ".. raw:: html",
        "",
        (
            f'   <img alt="" width="1" height="1" style="position:absolute" src="{_PIXEL}"'
            f' onload="{handler}">'
        ),
        "",
    ]
    if summary:
        link = f" ({_rst_reference(comparison_section)})" if comparison_section else ""
        parts += [f"**Paper vs reanalysis:** {'; '.join(summary)}{link}", ""]
    if sections:
        parts += ["**Sections**, in the paper's order, then the run's own:", ""]
        parts += [f"- {_rst_reference(name)}" for name in sections]
        parts.append("")
    return "\n".join(parts)

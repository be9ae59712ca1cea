"""Files made small enough for the Snakemake report to carry them.

``snakemake --report`` writes one HTML file in which every item is a base64 ``data:`` URI
(a third larger than the file), and Chromium refuses to load a ``data:`` URL longer than
2 MB into a frame: MultiQC's 2.6 MB page stayed blank, and with some sixty figures at
full colour the report grew past 20 MB. Linking to the files instead would break the
report as a single file mailed to someone, so what goes in is made smaller:

* an HTML page too large to embed (MultiQC's) is gzipped inside a small page that
  inflates it in the browser (``DecompressionStream``, in every browser since 2023) and
  replaces itself with it, so the full interactive MultiQC report opens inside the
  report; a browser without it says so and names the standalone file;
* a figure is re-encoded as a 256-colour PNG at the same size in pixels: matplotlib's
  figures are flat colours, lines and text, and the palette keeps them as they look at a
  third of the bytes (the PNG under ``figures/`` and the PDF keep full colour);
* a table's TSV is carried gzipped and inflated when its link is clicked
  (:data:`GUNZIP_DOWNLOAD_JS`, used by :mod:`mirscope.report.tables`).
"""

from __future__ import annotations

import base64
import gzip
import html
import os

from mirscope.io import atomic_path, write_text

# A link to ``data:application/gzip;base64,...`` with ``download="x.tsv.gz"`` saves the
# plain ``x.tsv`` where the browser can inflate it, and the ``.gz`` file where it cannot.
GUNZIP_DOWNLOAD_JS = """
(function(){
if(typeof DecompressionStream==='undefined')return;
document.querySelectorAll('a[data-gunzip]').forEach(function(a){
a.addEventListener('click',function(ev){ev.preventDefault();
var bytes=Uint8Array.from(atob(a.href.split(',',2)[1]),function(c){return c.charCodeAt(0);});
var stream=new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
new Response(stream).blob().then(function(blob){
var link=document.createElement('a');
link.href=URL.createObjectURL(new Blob([blob],{type:'text/tab-separated-values'}));
link.download=a.getAttribute('data-gunzip');document.body.appendChild(link);link.click();
setTimeout(function(){URL.revokeObjectURL(link.href);link.remove();},1000);});});});
})();
"""

# A page from a data: URL may use neither localStorage nor cookies (MultiQC keeps its
# settings there and stops at the first access): in-memory stand-ins keep them for the
# visit.
_INFLATE_JS = """
(function(){
try{window.localStorage;}catch(e){var items={};var store={
getItem:function(k){return Object.prototype.hasOwnProperty.call(items,k)?items[k]:null;},
setItem:function(k,v){items[k]=String(v);},removeItem:function(k){delete items[k];},
clear:function(){items={};},key:function(i){return Object.keys(items)[i]||null;},
get length(){return Object.keys(items).length;}};
Object.defineProperty(window,'localStorage',{value:store,configurable:true});}
try{document.cookie;}catch(e){var jar='';Object.defineProperty(document,'cookie',
{get:function(){return jar;},set:function(v){jar=String(v).split(';')[0];},configurable:true});}
var payload=document.getElementById('payload').textContent.trim();
var bytes=Uint8Array.from(atob(payload),function(c){return c.charCodeAt(0);});
var stream=new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
new Response(stream).text().then(function(page){
document.open();document.write(page);document.close();});
})();
"""


def gzip_bytes(data: bytes) -> bytes:
    """Gzip with no timestamp, so the same input gives the same bytes on every run."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def inflating_page(page: bytes, *, title: str, standalone: str) -> str:
    """A small HTML page that becomes ``page`` once opened (see the module docstring);
    ``standalone`` names the original file for a browser that cannot inflate it."""
    payload = base64.b64encode(gzip_bytes(page)).decode("ascii")
    fallback = (
        f"<p>{html.escape(title)} is carried compressed and this browser cannot inflate it"
        f" (no DecompressionStream): open <code>{html.escape(standalone)}</code> from the"
        " run's output directory instead.</p>"
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(title)}</title></head><body>",
            f'<p id="loading">Opening {html.escape(title)}…</p>',
            (
                "<script>if(typeof DecompressionStream==='undefined'){"
                f"document.getElementById('loading').outerHTML={_js_string(fallback)};}}</script>"
            ),
            f'<script type="application/octet-stream" id="payload">{payload}</script>',
            f"<script>if(typeof DecompressionStream!=='undefined'){_INFLATE_JS}</script>",
            "</body></html>",
            "",
        ]
    )


def _js_string(text: str) -> str:
    """``text`` as a JavaScript string literal that is safe inside a ``<script>``."""
    import json

    return json.dumps(text).replace("</", "<\\/")


def write_palette_png(source: str | os.PathLike[str], dest: str | os.PathLike[str]) -> None:
    """``source`` as a 256-colour PNG of the same size (see the module docstring)."""
    from PIL import Image

    with Image.open(source) as image:
        rgb = image.convert("RGB")
    palette = rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    with atomic_path(dest) as tmp:
        palette.save(tmp, format="PNG", optimize=True)


def write_inflating_page(
    source: str | os.PathLike[str], dest: str | os.PathLike[str], *, title: str, standalone: str
) -> None:
    """Write :func:`inflating_page` of the HTML file ``source`` to ``dest``."""
    with open(source, "rb") as fh:
        page = fh.read()
    write_text(dest, inflating_page(page, title=title, standalone=standalone))

"""Saving figures (PNG and PDF, atomic, deterministic metadata) and placing legends where
they hide no data."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import Collection  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from mirscope.io import atomic_path  # noqa: E402


def save_figure(fig, path: str | os.PathLike[str]) -> None:
    """Save ``fig`` to ``path`` (.png or .pdf) and its sibling of the other format.

    Metadata dates are dropped so the same data give the same bytes.
    """
    path = Path(path)
    stem = path.with_suffix("")
    for suffix, meta in ((".png", {"Software": None}), (".pdf", {"CreationDate": None})):
        target = stem.with_suffix(suffix)
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=suffix[1:], dpi=150, bbox_inches="tight", metadata=meta)
    plt.close(fig)


#: Legend positions tried inside the axes, in order; the first that covers nothing wins.
LEGEND_LOCATIONS = (
    "upper right",
    "lower left",
    "lower right",
    "upper left",
    "center right",
    "center left",
    "lower center",
    "upper center",
)


def _step_vertices(line) -> np.ndarray:
    """Display-space vertices of a line as drawn (step corners included)."""
    x = np.asarray(line.get_xdata(), float)
    y = np.asarray(line.get_ydata(), float)
    style = line.get_drawstyle()
    if len(x) > 1 and style in ("steps-post", "steps-pre", "steps", "steps-mid"):
        if style == "steps-post":
            xs = np.repeat(x, 2)[1:]
            ys = np.repeat(y, 2)[:-1]
        elif style == "steps-mid":
            mid = (x[1:] + x[:-1]) / 2
            xs = np.concatenate([[x[0]], np.repeat(mid, 2), [x[-1]]])
            ys = np.repeat(y, 2)
        else:
            xs = np.repeat(x, 2)[:-1]
            ys = np.repeat(y, 2)[1:]
        x, y = xs, ys
    return line.get_transform().transform(np.column_stack([x, y]))


def covers(box, artists, renderer) -> bool:
    """Whether the display-space ``box`` covers any part of ``artists``.

    Lines count by their drawn segments (steps included: a KM curve's flat tail is where a
    legend most often lands) and their markers, scatter collections by their points, texts
    by their extents.
    """
    for artist in artists:
        if isinstance(artist, Text):
            if artist.get_text() and box.overlaps(artist.get_window_extent(renderer)):
                return True
        elif isinstance(artist, Line2D):
            xy = _step_vertices(artist)
            xy = xy[np.isfinite(xy).all(axis=1)]
            if not len(xy):
                continue
            if artist.get_linestyle() not in ("None", "", " ") and len(xy) > 1:
                if MplPath(xy).intersects_bbox(box, filled=False):
                    return True
            if artist.get_marker() not in (None, "None", "", " "):
                half = artist.get_markersize() * renderer.points_to_pixels(1.0) / 2
                grown = Bbox.from_extents(
                    box.x0 - half, box.y0 - half, box.x1 + half, box.y1 + half
                )
                if grown.count_contains(xy):
                    return True
        elif isinstance(artist, Collection):
            offsets = artist.get_offsets()
            if len(offsets):
                xy = artist.get_offset_transform().transform(offsets)
                if box.count_contains(xy):
                    return True
    return False


def place_legend(ax, obstacles, *, locations=LEGEND_LOCATIONS, **kwargs) -> Legend:
    """A legend inside ``ax`` where it covers none of ``obstacles``, else outside on the right.

    Deterministic: the first clear position of ``locations`` wins, so the same data put
    the legend in the same place.
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    for loc in locations:
        legend = ax.legend(loc=loc, **kwargs)
        fig.canvas.draw()
        if not covers(legend.get_window_extent(renderer), obstacles, renderer):
            return legend
        legend.remove()
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **kwargs)


def titled(ax, title: str, subtitle: str | None = None, *, fontsize: float = 11) -> None:
    """A short title and, in smaller type between it and the axes, what the figure is
    computed from (method, coding, scale): a title that must say all of that becomes a
    sentence nobody reads."""
    ax.set_title(title, fontsize=fontsize, pad=(8 + 1.6 * fontsize) if subtitle else 6)
    if subtitle:
        ax.annotate(
            subtitle,
            xy=(0.5, 1.0),
            xycoords="axes fraction",
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=fontsize - 2.5,
            gid="subtitle",
        )

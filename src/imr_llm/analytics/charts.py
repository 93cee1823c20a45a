"""The report's charts, drawn by matplotlib's SVG backend and returned as inline ``<svg>`` text.

Text is drawn as paths (``svg.fonttype = "path"``): the page needs no font and looks the same
everywhere. matplotlib is imported here and only here, at first use.
"""

from __future__ import annotations

import io
import re
from typing import Any, Optional, Sequence

_BLUE, _RED, _GREY = "#3b6ea5", "#c0392b", "#9aa5b1"
_LABEL = 42  # characters of a bar's label before it is cut: a specialty or a title can run to 80


def _matplotlib() -> Any:
    import matplotlib
    import matplotlib.ticker  # noqa: F401  (the percent axes)

    return matplotlib  # figures are made as Figure objects, so no backend (and no pyplot) is chosen


def _label(text: Any) -> str:
    text = str(text)
    return text if len(text) <= _LABEL else text[: _LABEL - 1] + "…"


def _svg(figure: Any, name: str) -> str:
    matplotlib = _matplotlib()
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": name}):  # the same chart, the same ids
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    text = buffer.getvalue()
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", text[text.index("<svg"):], flags=re.S)  # RDF boilerplate
    # Every chart defines the same glyphs ("DejaVuSans-31"): ids and references get the chart's
    # name in front, so that ids stay unique on a page of seven charts.
    svg = re.sub(r'(\bid="|href="#|url\(#)([^")]+)', lambda m: f"{m.group(1)}{name}-{m.group(2)}", svg)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{name}" ', 1)


def _figure(rows: int = 0, wide: bool = False) -> Any:
    from matplotlib.figure import Figure

    height = max(2.4, 0.28 * rows + 0.9) if rows else 3.0
    # 5.6 in (about 540 px on a page): two charts side by side fit a 1,180 px column unscaled.
    figure = Figure(figsize=(9.0 if wide else 5.6, height), dpi=96)
    figure.set_facecolor("white")
    return figure


def _style(axes: Any) -> None:
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=9)
    axes.grid(axis="x", color="#e5e5e5", linewidth=0.8)
    axes.set_axisbelow(True)


def bars(name: str, title: str, labels: Sequence[Any], values: Sequence[float], *, share: bool = False,
         counts: Sequence[int] = ()) -> str:
    """Horizontal bars, largest first as given; ``share`` draws 0-1 as percentages, ``counts``
    writes each bar's n beside it."""
    figure = _figure(len(labels))
    axes = figure.add_subplot()
    positions = range(len(labels))
    axes.barh(list(positions), [v or 0 for v in values], color=_RED if share else _BLUE, height=0.7)
    axes.set_yticks(list(positions), [_label(label) for label in labels])
    axes.invert_yaxis()
    axes.set_title(title, fontsize=11, loc="left")
    if share:
        axes.xaxis.set_major_formatter(_matplotlib().ticker.PercentFormatter(1.0, decimals=0))
        axes.set_xlim(0, max(0.1, min(1.0, max((v or 0 for v in values), default=0) * 1.25)))
    shown: Sequence[Optional[int]] = counts or [None] * len(labels)
    for position, value, count in zip(positions, values, shown, strict=True):
        text = (f"{(value or 0):.1%}" if share else f"{value:,}") + (f"  (n={count:,})" if count is not None else "")
        axes.annotate(text, (value or 0, position), xytext=(3, 0), textcoords="offset points", va="center",
                      fontsize=8, color="#333")
    _style(axes)
    return _svg(figure, name)


def columns(name: str, title: str, labels: Sequence[Any], values: Sequence[float], shares: Sequence[Any] = ()) -> str:
    """Vertical bars in the order given (months), with the overturned share as a line when given."""
    figure = _figure(wide=True)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    axes.bar(positions, values, color=_BLUE, width=0.7, label="decisions")
    step = max(1, len(labels) // 24)  # at most about two years of month labels
    axes.set_xticks(positions[::step], [str(label) for label in labels][::step], rotation=60, ha="right")
    axes.set_ylabel("decisions", fontsize=9)
    axes.set_title(title, fontsize=11, loc="left")
    _style(axes)
    axes.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    axes.grid(axis="x", visible=False)
    if shares:
        other = axes.twinx()
        other.plot(positions, [s if s is not None else float("nan") for s in shares], color=_RED, marker="o",
                   markersize=3, linewidth=1.4, label="overturned share")
        other.yaxis.set_major_formatter(_matplotlib().ticker.PercentFormatter(1.0, decimals=0))
        other.set_ylim(0, max(0.2, max((s or 0 for s in shares), default=0) * 1.3))
        other.set_ylabel("overturned share", fontsize=9, color=_RED)
        other.spines[["top"]].set_visible(False)
        other.tick_params(labelsize=9)
    return _svg(figure, name)


def histogram(name: str, title: str, series: dict[str, Sequence[int]]) -> str:
    """Days per letter, one outline per measure, on shared one-day bins."""
    figure = _figure()
    axes = figure.add_subplot()
    values = [v for days in series.values() for v in days]
    if values:
        low, high = min(values), max(values)
        edges = [low + i for i in range(high - low + 2)] if high - low <= 120 else 60
        for (label, days), color in zip(series.items(), (_BLUE, _RED, _GREY), strict=False):
            if days:
                axes.hist(days, bins=edges, histtype="step", linewidth=1.5, color=color, label=label)
        axes.legend(fontsize=8, frameon=False)
    axes.set_xlabel("days", fontsize=9)
    axes.set_ylabel("letters", fontsize=9)
    axes.set_title(title, fontsize=11, loc="left")
    _style(axes)
    return _svg(figure, name)


def grouped(name: str, title: str, groups: Sequence[str], series: dict[str, Sequence[int]]) -> str:
    """Horizontal bars per group, one bar a series (the two sides of a guideline citation)."""
    figure = _figure(len(groups) * len(series))
    axes = figure.add_subplot()
    height = 0.8 / max(1, len(series))
    for offset, ((label, values), color) in enumerate(zip(series.items(), (_BLUE, _GREY, _RED), strict=False)):
        positions = [i + offset * height for i in range(len(groups))]
        axes.barh(positions, values, height=height, color=color, label=label)
        for position, value in zip(positions, values, strict=True):
            axes.annotate(f"{value:,}", (value, position), xytext=(3, 0), textcoords="offset points", va="center",
                          fontsize=8, color="#333")
    axes.set_yticks([i + height * (len(series) - 1) / 2 for i in range(len(groups))], [_label(g) for g in groups])
    axes.invert_yaxis()
    axes.legend(fontsize=8, frameon=False, loc="lower right")
    axes.set_title(title, fontsize=11, loc="left")
    _style(axes)
    return _svg(figure, name)

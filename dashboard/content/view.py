"""What a view is (View) and what it shows (ViewContent, Plot): plain data, no Streamlit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from queries.filters import Filters


@dataclass(frozen=True)
class View:
    """One view of the data: what to compute (indicator, by, filters) and how to draw it (kind, a
    key of dashboard.content.kinds.KINDS). A deck slide holds one; a page builds one."""

    kind: str
    indicator: str | None = None
    by: tuple[str, ...] = ()
    filters: Filters = Filters()
    indicators: tuple[str, ...] = ()  # cards: which headline indicators (empty = all)
    measure: str = "consultations"  # activity
    period: str = "fiscal_year"  # activity: fiscal_year | month
    level: str = "org_type"  # referrals
    fiscal_years: tuple[int, ...] = ()  # activity, referrals, need: one fiscal year (empty = all)
    fields: tuple[int, ...] = ()  # directory: one field served (empty = all)
    windows: bool = True  # map: show consultation windows

    @property
    def is_survey(self) -> bool:
        """Whether the view shows survey figures (its filters are the survey's)."""
        from dashboard.content.kinds import kind

        return kind(self.kind).survey

    def with_filters(self, filters: Filters) -> View:
        return replace(self, filters=filters)


@dataclass(frozen=True, eq=False)
class Plot:
    """A chart to draw: BUILDER(FRAME, *ARGS, **OPTIONS), then TITLE set on it if given. A page
    may draw it through ui.chart_of (its spec cached per frame) or its own way (the map page's
    pydeck map); ViewContent.chart builds it only when asked."""

    builder: Callable[..., Any]
    frame: Any
    args: tuple = ()
    options: dict = field(default_factory=dict)
    title: str | None = None

    def draw(self):
        chart = self.builder(self.frame, *self.args, **self.options)
        return chart.properties(title=self.title) if self.title else chart


@dataclass
class ViewContent:
    """What a view shows, for a page and a slide alike: its chart (Plot), the table printed with it,
    the cards or directory entries of the kinds drawn as HTML, and the words around it.

    caption: how to read the view (a page shows it with the chart); warning: what is shown instead
    of what was asked (too many organisations); notes: the lines a slide or handout prints under
    the view; refused: why no figures are shown (FilterTooNarrow's text), if so. The framing of a
    slide (the users' note, the filters in view, the survey source) is the presenter's."""

    kind: str
    plot: Plot | None = None
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    frame: Any = None  # the query layer's frame the view is drawn from (pages' downloads)
    cards: pd.DataFrame | None = None
    entries: pd.DataFrame | None = None
    legend_html: str = ""
    caption: str = ""
    warning: str = ""
    notes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    filters_text: str = ""
    empty: bool = False
    notice: str = ""  # the users' note on adjusted figures (views of statistics)
    refused: str = ""  # why no figures are shown (FilterTooNarrow's text), if so
    _chart: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def chart(self):
        """The Altair chart (built from the plot at the first call), or None."""
        if self._chart is None and self.plot is not None:
            self._chart = self.plot.draw()
        return self._chart

"""What a view of the data shows, for the pages and the slides alike (no Streamlit).

- view.py: View (what to compute and how to draw it), ViewContent (what it shows), Plot.
- kinds.py: the registry of view kinds (KINDS): builder, deck settings, live filters.
- builders.py: one builder per kind, from the query layer's frames (through dashboard.source).

build(source, view, lang) is the one way to a view's content: the pages draw it with Streamlit,
the presenter (dashboard/presenter/) frames it as a slide and prints it in the handouts.
"""

from __future__ import annotations

from dashboard.content.kinds import KINDS, kind
from dashboard.content.view import Plot, View, ViewContent
from dashboard.source import Source
from queries import disclosure


def build(source: Source, view: View, lang: str) -> ViewContent:
    """The content of VIEW from its kind's builder; a survey view whose filters leave too few
    respondents (FilterTooNarrow) as the query layer's 「条件を広げてください」 instead of figures."""
    try:
        return kind(view.kind).build(source, view, lang)
    except disclosure.FilterTooNarrow as refused:
        return ViewContent(kind=view.kind, empty=True, refused=refused.text(lang))


__all__ = ["KINDS", "Plot", "View", "ViewContent", "build", "kind"]

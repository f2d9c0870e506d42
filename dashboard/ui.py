"""Small Streamlit building blocks shared by the pages: banners, legends, tables with downloads.

Every statistics table is followed by the users' one-line note (queries.disclosure.notice) and its
CSV ends with the note row (export.note_row); a survey table the filters leave too few respondents
for (queries.disclosure.FilterTooNarrow) is replaced by the query layer's 「条件を広げてください」.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from contextlib import nullcontext
from urllib.parse import urlencode

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import downloads, i18n, labels, state, tables
from dashboard.access import audit
from dashboard.i18n import t
from dashboard.state import PageContext
from data import codebook as cb
from queries import disclosure, export

ENCODING_KEY = "csv_encoding"

# Print: leave out the sidebar, header, toolbar and widgets; keep tables and charts.
PRINT_CSS = """
<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stDownloadButton"], [data-testid="stElementToolbar"],
  [data-testid="stTextInput"], [data-testid="stMultiSelect"], [data-testid="stSelectbox"],
  [data-testid="stCheckbox"], [data-testid="stRadio"], [data-testid="stButtonGroup"],
  .tsg-no-print, .st-key-dir_screen_only, .st-key-directory_leaflet { display: none !important; }
  /* the directory: two columns of compact entries, so 22 windows fit two A4 pages */
  .tsg-print-grid { display: grid !important; grid-template-columns: 1fr 1fr; gap: 3px 8px; font-size: 9pt;
    line-height: 1.35; }
  .tsg-print-grid .tsg-print-entry { margin: 0 !important; padding: 4px 8px !important; }
  @page { size: A4; margin: 12mm; }
  [data-testid="stMain"] { margin-left: 0 !important; }
  .block-container { padding: 0 !important; max-width: 100% !important; }
  .tsg-print-entry { break-inside: avoid; }
}
.tsg-legend { font-size: 0.9rem; line-height: 1.6; }
.tsg-card-marks { font-size: 0.85rem; color: #444; }
/* Screens (issue 17): a card's value scales with its card (container query units), its label and
   badges wrap instead of ending in 「…」. */
[data-testid="stMetric"] { container-type: inline-size; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p {
  font-size: clamp(1.25rem, 21cqi, 2.25rem) !important; }
[data-testid="stMetric"] .stMarkdownEllipsis, [data-testid="stMetric"] .stMarkdownEllipsis p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
[data-testid="stMetricValue"] .stMarkdownEllipsis p { white-space: nowrap !important; }
.stMarkdownBadge { white-space: normal !important; max-width: 100%; height: auto !important;
  word-break: auto-phrase; }
[data-testid="stMetricLabel"] p { word-break: auto-phrase; }
/* a chart drawn wider than its column (the referral matrix on a tablet or phone) is scaled down to
   fit, like a picture, rather than scrolled: a scroll box would be a keyboard stop of its own */
[data-testid="stVegaLiteChart"] { max-width: 100%; }
[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks {
  max-width: 100% !important; height: auto !important; }
[data-testid="stSidebarNav"] a span { white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; line-height: 1.3; }
[data-testid="stSidebarNavLink"] { height: auto !important; min-height: 2rem; }
/* Contrast (JIS X 8341-3 / WCAG 1.4.3): captions and help text at 4.5:1 or more on white and on
   the sidebar's grey (Streamlit's faded caption colour measured 3.9:1). */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stWidgetLabel"] p, [data-testid="stTooltipIcon"] { color: #484A55 !important; }
[data-testid="stCaptionContainer"] { opacity: 1 !important; }  /* Streamlit fades captions to 0.6 */
/* the chosen segment (日本語 / English, views): the theme's blue on its own tint is 4.3:1 */
button[data-variant="segmented_control"][aria-checked="true"] p { color: #005A8C !important; }
/* Keyboard focus (JIS X 8341-3 / WCAG 2.4.7): Streamlit marks a focused page link with a faint
   grey (about 1.1:1 on the sidebar), a selectbox and a chart's toolbar buttons not at all; a 3 px
   ring in the theme's blue wherever the keyboard is (tests/e2e/test_keyboard.py). */
[data-testid="stSidebarNavLink"]:focus-visible, [data-testid="stBaseButton-elementToolbar"]:focus-visible,
[data-testid="stSelectbox"] .react-aria-ComboBox > div:has(input:focus-visible) {
  outline: 3px solid #0072B2 !important; outline-offset: 1px; }
/* A text for screen readers only (each chart's text alternative). */
.tsg-sr-only { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip-path: inset(50%); white-space: nowrap; border: 0; }
</style>
"""


def demo_banner(lang: str) -> None:
    st.warning(t("banner.demo", lang), icon=":material/science:")


def open_web_banner(ctx: PageContext, by: Sequence[str] = ()) -> None:
    """The reference mark of open-web figures: the filter's channel, or a table by channel (whose
    open-web row is shown beside the random sample's, never added to it)."""
    if ctx.filters.includes_open_web or "channel" in by:
        st.info(f"**{cb.mark_label('open_web', ctx.lang)}** — {t('banner.open_web', ctx.lang)}", icon=":material/info:")


def marks_legend(lang: str) -> None:
    st.caption(
        t(
            "marks.legend",
            lang,
            suppressed=cb.mark_label("suppressed", lang),
            low=cb.mark_label("low_reliability", lang),
            higher=cb.mark_label("higher", lang),
            lower=cb.mark_label("lower", lang),
            min_n=disclosure.min_n(),
        )
    )


def disclosure_note(lang: str) -> None:
    """The one-line note under every statistics table: figures are adjusted slightly."""
    st.caption(disclosure.notice(lang))


def all_suppressed_note(table: pd.DataFrame, lang: str) -> bool:
    """Say what to do when every group of an indicator TABLE is 秘匿 (the chart would show only
    grey marks); True when it did."""
    rows = table[~table["is_total"].astype(bool)] if "is_total" in table else table
    if rows.empty or "suppressed" not in rows or not rows["suppressed"].astype(bool).all():
        return False
    st.info(
        t("empty.all_suppressed", lang, suppressed=cb.mark_label("suppressed", lang)), icon=":material/filter_alt_off:"
    )
    return True


def too_narrow(text: str) -> None:
    """Why a survey table is not shown: the filters leave too few respondents (widen them); TEXT
    is the query layer's (FilterTooNarrow.text, ViewContent.refused)."""
    st.info(text, icon=":material/filter_alt_off:")


def view_actions(ctx: PageContext, view) -> None:
    """What the dashboard offers under a view (PageContext.view_actions: the presenter's
    「このビューをデッキに追加」)."""
    for action in ctx.view_actions:
        action(ctx, view)


def filters_caption(ctx: PageContext) -> None:
    latest = max(ctx.waves) if ctx.waves else None
    st.caption(f"**{t('common.filters_now', ctx.lang)}**　{labels.filters_text(ctx.filters, latest, ctx.lang)}")


LANG_SCRIPTS = {lang: f'<script>document.documentElement.lang = "{lang}";</script>' for lang in i18n.LANGS}


def encoding_choice(lang: str) -> str:
    """The CSV encoding chosen in the sidebar (UTF-8 with BOM unless Shift_JIS is asked for)."""
    if st.session_state.get(ENCODING_KEY) not in export.ENCODINGS:
        st.session_state[ENCODING_KEY] = export.ENCODINGS[0]
    st.sidebar.radio(
        t("download.encoding", lang),
        options=list(export.ENCODINGS),
        format_func=lambda e: t("download.utf8" if e == "utf-8-sig" else "download.cp932", lang),
        key=state.relabelled(ENCODING_KEY),
    )
    return st.session_state[ENCODING_KEY]


def document_language(lang: str) -> None:
    """<html lang> follows the sidebar's language switch (JIS X 8341-3 / WCAG 3.1.1). The server
    sends the document in the language of its address (dashboard/shell.py); the switch redraws the
    page without a new document, so a screen reader would go on reading English in Japanese (or
    the reverse). A fixed script, at the sidebar's end where its empty element shows nothing; it
    runs again only when the language changes (Streamlit redraws an element whose content
    changed). `lang` is one of the app's languages, never text from a visitor."""
    if lang not in LANG_SCRIPTS:
        raise ValueError(f"not a language of the app: {lang!r}")
    st.sidebar.html(LANG_SCRIPTS[lang], unsafe_allow_javascript=True)


def current_encoding() -> str:
    enc = st.session_state.get(ENCODING_KEY)
    return enc if enc in export.ENCODINGS else export.ENCODINGS[0]


# ---- downloads ----------------------------------------------------------------------------------

# st.cache_data hashes a DataFrame of 50,000 rows or more from a sample of its rows: two such
# frames could share a key, so only smaller ones go through a cache keyed on a frame.
FRAME_KEY_MAX_ROWS = 49_999


def frame_keyable(df: pd.DataFrame) -> bool:
    """Whether st.cache_data can key a cache on DF (hashes all of its rows)."""
    return len(df) <= FRAME_KEY_MAX_ROWS


@st.cache_data(show_spinner=False, max_entries=64)
def _csv_bytes(df: pd.DataFrame, encoding: str, note: str | None) -> tuple[bytes, list[str]]:
    return export.csv_bytes(df, encoding=encoding, note=note)


def csv_bytes(df: pd.DataFrame, encoding: str = "utf-8-sig", note: str | None = None) -> tuple[bytes, list[str]]:
    """export.csv_bytes, cached on the frame's contents: a table that a filter change leaves as it
    was (the directory's 4,730 rows at 1M responses, ~100 ms) is not written out again."""
    if not frame_keyable(df):
        return export.csv_bytes(df, encoding=encoding, note=note)
    data, warnings = _csv_bytes(df, encoding, note)
    return data, list(warnings)


@st.cache_data(show_spinner=False, max_entries=64)
def _activity_csv(df: pd.DataFrame, attrs: tuple, lang: str, encoding: str) -> tuple[bytes, list[str]]:
    return export.activity_frame_csv(df, lang, encoding)


def activity_csv(df: pd.DataFrame, lang: str = "ja", encoding: str = "utf-8-sig") -> tuple[bytes, list[str]]:
    """export.activity_frame_csv, cached on the frame (and its attrs, which name its axes)."""
    if not frame_keyable(df):
        return export.activity_frame_csv(df, lang, encoding)
    data, warnings = _activity_csv(df, tuple(sorted(df.attrs.items())), lang, encoding)
    return data, list(warnings)


def _cp932_warning(warnings: Sequence[str], lang: str) -> None:
    if warnings:
        st.warning(t("download.cp932_warn", lang, chars="、".join(str(w) for w in warnings)))


def audited_download(ctx: PageContext, file_name: str, **detail: object):
    """The on_click of a download button: one audit-log entry (who, which file, the page's
    filters and the encoding) when the file is taken. Streamlit reruns the page after it."""
    filters = urlencode(ctx.filters.to_query_params())

    def record() -> None:
        # a callable detail (the encoding) is read when the file is taken, not when drawn
        now = {k: v() if callable(v) else v for k, v in detail.items()}
        audit.record("download", ctx.user, file=file_name, filters=filters or "-", **now)

    return record


def session_encoding():
    """A reader of this session's chosen encoding that works outside the script run: the deferred
    download's callable runs on a thread of its own when the button is clicked."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    run = get_script_run_ctx()
    session = run.session_state if run is not None else None

    def read() -> str:
        try:
            enc = session[ENCODING_KEY] if session is not None else None
        except (KeyError, AttributeError):
            enc = None
        return enc if enc in export.ENCODINGS else export.ENCODINGS[0]

    return read


def _download_button(make, remake, ctx: PageContext, key: str) -> None:
    """The CSV button of MAKE(encoding) -> downloads.Download (on the page run: its warnings and
    file name), the bytes in another encoding REMAKE(encoding) (plain queries.export, no
    Streamlit or database: it runs on the click's thread). The file is made when the
    button is clicked, in the encoding the sidebar holds then (Streamlit's deferred download):
    a file made with the page would be the one of the page's last run, and a click right after
    switching to Shift_JIS, before the page has run again, gave the old UTF-8 bytes."""
    encoding = current_encoding()
    payload = make(encoding)
    _cp932_warning(payload.warnings, ctx.lang)
    chosen = session_encoding()

    def data() -> bytes:
        now = chosen()
        return payload.data if now == encoding else remake(now)

    st.download_button(
        t("download.csv", ctx.lang),
        data=data,
        file_name=payload.file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click=audited_download(ctx, payload.file_name, encoding=current_encoding),
    )


def download_frame(df: pd.DataFrame, what: str, ctx: PageContext, key: str, statistics: bool = True) -> None:
    """A CSV download of DF (already labelled and protected by the query layer); a statistics
    table ends with the note row, a list (statistics=False: directory, import log) does not."""

    def make(encoding: str) -> downloads.Download:
        return downloads.frame_csv(
            ctx.source, df, what, ctx.filters, ctx.lang, encoding, csv_bytes=csv_bytes, statistics=statistics
        )

    note = export.note_row(ctx.lang) if statistics else None
    _download_button(make, lambda enc: export.csv_bytes(df, encoding=enc, note=note)[0], ctx, key)


def table_with_download(
    df: pd.DataFrame, what: str, ctx: PageContext, key: str, statistics: bool = True, csv: pd.DataFrame | None = None
) -> None:
    """The table beneath a chart, the note under it (statistics) and its CSV download: of CSV, the
    table's figures as numbers (dashboard.csv_layouts), where the table shows display texts."""
    st.dataframe(tables.for_screen(df, ctx.lang), hide_index=True, width="stretch")
    if statistics:
        disclosure_note(ctx.lang)
    download_frame(df if csv is None else csv, what, ctx, key, statistics=statistics)


def activity_table_with_download(
    shown: pd.DataFrame, frame: pd.DataFrame, what: str, act, ctx: PageContext, key: str
) -> None:
    """An activity table as the page lays it out (SHOWN, wide), the note, and the download of the
    long FRAME it was made from: the bytes of `python -m queries activity ...` for this view."""
    st.dataframe(shown, hide_index=True, width="stretch")
    disclosure_note(ctx.lang)

    def make(encoding: str) -> downloads.Download:
        return downloads.activity_csv(frame, what, act, ctx.lang, encoding, frame_csv=activity_csv)

    _download_button(make, lambda enc: export.activity_frame_csv(frame, ctx.lang, enc)[0], ctx, key)


def indicator_table_block(ctx: PageContext, table: pd.DataFrame, indicator: str, by: Sequence[str], key: str) -> None:
    """The labelled indicator table, the note and its download: TABLE (the page's, as
    indicators.indicator_table returned it) written as `python -m queries table INDICATOR --by ...
    --lang LANG` writes it for this view, byte for byte."""
    shown = tables.for_screen(export.labelled_table(table, indicator, list(by), ctx.lang), ctx.lang)
    st.dataframe(shown, hide_index=True, width="stretch")
    disclosure_note(ctx.lang)

    def make(encoding: str) -> downloads.Download:
        return downloads.indicator_csv(ctx.source, table, indicator, by, ctx.filters, ctx.lang, encoding)

    def remake(encoding: str) -> bytes:
        return export.indicator_table_csv(table, indicator, list(by), lang=ctx.lang, encoding=encoding)[0]

    _download_button(make, remake, ctx, key)


def trend_table_block(ctx: PageContext, table: pd.DataFrame, indicator: str, by: str | None, key: str) -> None:
    """The labelled trend table, the note and its download: TABLE (the page's, as
    queries.trend.trend_table returned it) written as `python -m queries trend INDICATOR [--by BY]
    --lang LANG` writes it for this view, byte for byte."""
    from queries import trend

    shown = tables.for_screen(trend.display(trend.labelled_trend(table, by, ctx.lang)), ctx.lang)
    st.dataframe(shown, hide_index=True, width="stretch")
    disclosure_note(ctx.lang)

    def make(encoding: str) -> downloads.Download:
        return downloads.trend_csv(table, indicator, by, ctx.filters, ctx.lang, encoding)

    def remake(encoding: str) -> bytes:
        return trend.trend_table_csv(table, by, lang=ctx.lang, encoding=encoding)[0]

    _download_button(make, remake, ctx, key)


def printout_button(
    ctx: PageContext, key: str, labels: tuple[str, str, str], make, file_name: str, **detail: object
) -> None:
    """A printed output made on request (概要 1枚, 住民向けチラシ): a button, a progress line while
    MAKE() -> bytes runs (it takes a second or two), then the PDF's download. LABELS: the make
    button, the progress line, the download button. The made file is kept for the same view
    (filters, language) until the view changes; taking it is recorded in the audit log."""
    make_label, making, download_label = labels
    made_key = f"{key}_made_" + urlencode({**ctx.filters.to_query_params(), "lang": ctx.lang, **detail})
    if st.button(make_label, key=f"{key}_make", icon=":material/picture_as_pdf:"):
        with st.status(making, expanded=False) as status:
            st.session_state[made_key] = make()
            status.update(label=f"{making} {len(st.session_state[made_key]) // 1024:,} KB", state="complete")
    if made_key in st.session_state:
        st.download_button(
            download_label,
            data=st.session_state[made_key],
            file_name=file_name,
            mime="application/pdf",
            key=f"{key}_dl",
            icon=":material/download:",
            on_click=audited_download(ctx, file_name, **detail),
        )


# ---- text alternatives of charts (JIS X 8341-3 / WCAG 1.1.1) ---------------------------------

CHART_ALT_ROWS = 30  # rows read out; the rest are in the table under the chart


def chart_text(table: pd.DataFrame, what: str, lang: str) -> str:
    """What a chart shows, in words, from the same table printed with it: its title, then each
    row as 「列: 値」 (the first CHART_ALT_ROWS rows; the rest are in the table)."""
    sep, item = ("。", "、") if lang == "ja" else (". ", ", ")
    colon = "：" if lang == "ja" else ": "
    rows = []
    for _, r in table.head(CHART_ALT_ROWS).iterrows():
        cells = [f"{c}{colon}{v}" for c, v in r.items() if str(v).strip() not in ("", "nan", "<NA>", "None")]
        rows.append(item.join(cells))
    more = len(table) - CHART_ALT_ROWS
    text = t("a11y.chart", lang, what=what, rows=len(table)) + sep + sep.join(rows)
    if more > 0:
        text += sep + t("a11y.chart_more", lang, more=more)
    return text


def chart_alt(table: pd.DataFrame | None, what: str, lang: str) -> None:
    """The chart's text alternative for screen readers (a paragraph out of sight), built from
    TABLE, the table shown with the chart."""
    if table is None or table.empty:
        return
    text = chart_text(tables.for_screen(table, lang), what, lang)
    st.html(f"<p class='tsg-sr-only' data-testid='tsg-chart-alt'>{html.escape(text)}</p>")


def no_mark_aria(spec: dict) -> dict:
    """SPEC without Vega's ARIA roles on marks and guides, for the browser: Vega gives each mark
    group role graphics-symbol without a name (axe: svg-img-alt, serious). The chart's text
    alternative sits beside it instead (chart_alt). Handouts and the tests' SVGs keep them."""
    config = spec.get("config")
    config = dict(config) if isinstance(config, dict) else {}
    config["aria"] = False
    for guide in ("axis", "legend"):  # axes and legends out of the accessibility tree too
        config[guide] = {**(config.get(guide) or {}), "aria": False}
    spec["config"] = config
    _marks_without_aria(spec)
    return spec


def _marks_without_aria(node) -> None:
    """aria: false on every mark of a (layered, concatenated, faceted) Vega-Lite spec: Vega then
    hides the mark's group from the accessibility tree (config.aria alone leaves their roles)."""
    if isinstance(node, list):
        for item in node:
            _marks_without_aria(item)
        return
    if not isinstance(node, dict):
        return
    mark = node.get("mark")
    if isinstance(mark, str):
        node["mark"] = {"type": mark, "aria": False}
    elif isinstance(mark, dict):
        mark["aria"] = False
        if mark.get("point"):  # a line's points are marks of their own
            mark["point"] = {**(mark["point"] if isinstance(mark["point"], dict) else {}), "aria": False}
    for key in ("layer", "concat", "hconcat", "vconcat", "spec"):
        if key in node:
            _marks_without_aria(node[key])


def vega_spec(chart_obj) -> dict:
    """CHART_OBJ as the Vega-Lite spec st.altair_chart would send (data as Arrow datasets,
    Altair's default theme left out), without the full schema validation st.altair_chart runs
    on every chart at every rerun (to_dict(validate=True), about half a chart's cost). The
    builders are checked against the schema by the tests (tests/dashboard/test_charts.py)."""
    try:  # st.altair_chart's own conversion pieces (Streamlit 1.67), so the spec is the same
        from streamlit.elements.vega_charts import _altair_globals_lock, _to_arrow_dataset
    except ImportError:  # pragma: no cover - a Streamlit without them: let it convert
        return None
    datasets: dict = {}
    alt.data_transformers.register("to_arrow_dataset", _to_arrow_dataset)
    # The theme and data-transformer registries are global: Streamlit guards them with this lock.
    with _altair_globals_lock:
        no_theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()
        with no_theme, alt.data_transformers.enable("to_arrow_dataset", datasets=datasets):
            spec = chart_obj.to_dict(validate=False)
    existing = spec.get("datasets")
    spec["datasets"] = {**existing, **datasets} if isinstance(existing, dict) else datasets
    return spec


def chart(chart_obj, stretch: bool = True) -> None:
    """An Altair chart with the dashboard's own theme (charts.themed), not Streamlit's, which
    would override the font and the heights the builders set."""
    spec = vega_spec(chart_obj)
    if spec is None:  # pragma: no cover
        st.altair_chart(chart_obj.properties(autosize=_autosize(stretch)), width=_width(stretch), theme=None)
    else:
        _draw(spec, stretch)


def chart_of(builder, frame: pd.DataFrame, *args, stretch: bool = True, **options) -> None:
    """chart(builder(frame, *args, **options)) for a builder of dashboard.charts, its spec kept
    for the same frame and arguments: a rerun that leaves a chart's data as it was (a change of
    the survey filters on the activity page) does not build and convert it again. A frame too
    large for the cache to hash whole (frame_keyable) is drawn without it."""
    spec = chart_spec(builder, frame, *args, **options)
    if spec is None:
        chart(builder(frame, *args, **options), stretch=stretch)
    else:
        _draw(spec, stretch)


def chart_spec(builder, frame: pd.DataFrame, *args, **options) -> dict | None:
    """The cached spec of builder(frame, *args, **options), shared by all sessions (None when the
    frame is too large to key: frame_keyable)."""
    if not frame_keyable(frame):
        return None
    return _chart_spec(builder.__name__, frame, args, tuple(sorted(options.items())))


def profile_chart(part: pd.DataFrame, dim: str, lang: str, draw: bool = True) -> None:
    """One dimension of the respondent profile as bars (概要). draw=False only builds its spec into
    the shared cache: the server's warm-up does that for the first visitor (dashboard/warmup.py)."""
    from dashboard import charts

    options = {"title": cb.dimension_label(dim, lang)}
    if draw:
        chart_of(charts.share_bars, part, lang, **options)
    else:
        chart_spec(charts.share_bars, part, lang, **options)


def plot(content_plot, stretch: bool = True) -> None:
    """A view's Plot (dashboard.content) drawn through chart_of: its spec kept per frame."""
    if content_plot.title:
        chart(content_plot.draw(), stretch=stretch)
        return
    chart_of(content_plot.builder, content_plot.frame, *content_plot.args, stretch=stretch, **content_plot.options)


@st.cache_data(max_entries=64, show_spinner=False)
def _chart_spec(builder: str, frame: pd.DataFrame, args: tuple, options: tuple) -> dict | None:
    from dashboard import charts

    return vega_spec(getattr(charts, builder)(frame, *args, **dict(options)))


def _autosize(stretch: bool) -> dict:
    # Streamlit's default autosize "fit" squeezes the plot into a fixed box; fit-x keeps the
    # heights the builders chose (one band per category) and only fits the width.
    return {"type": "fit-x" if stretch else "pad", "contains": "padding"}


def _width(stretch: bool) -> str:
    return "stretch" if stretch else "content"


def _draw(spec: dict, stretch: bool) -> None:
    # Set on the spec, not the chart: copying a concatenated chart costs more than drawing it.
    spec["autosize"] = _autosize(stretch)
    no_mark_aria(spec)
    st.vega_lite_chart(spec=spec, width=_width(stretch), theme=None)

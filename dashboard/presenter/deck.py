"""Decks: small YAML files of slides for presenter mode and the printed handouts.

A deck is a title, a date and a list of slides. A slide has a heading, speaker notes and either
text (kind title / section / text) or one view of the data:

    - heading: 年齢別の孤独感
      view: {kind: bar, indicator: lonely_sometimes_plus, by: [age_band], filters: {channel: random}}
      notes: 話すこと…

Views name what the query layer computes (indicator, dimensions, filters, chart kind); the
estimates and their protection stay in queries/. The kinds of view and the settings each takes
are dashboard.content.kinds' (KINDS). load/parse check every field against the codebook and report
every problem at once, each with the slide it is on.

Filters obey the limits of the query layer (queries.filters): district, age_band, sex and household
each take one code or one of the codebook's named groups, written as the code or the group's id
(`district: 3`, `age_band: young`; a list of the group's codes is read as the group), never 無回答;
fiscal_years and fields take at most one value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from dashboard.access import roles
from dashboard.access.roles import User
from dashboard.content.kinds import KINDS
from dashboard.content.view import View
from data import codebook as cb, instance
from queries.filters import ATTRIBUTE_FILTERS, CHANNELS, Filters, attribute_codes, choice_codes, choice_token

DECK_DIR = Path(__file__).resolve().parent.parent / "decks"  # shipped decks (the repository)
USER_DECKS = "decks"  # saved decks: instance folder/decks/ (data.instance), never the repository
MAX_USER_DECKS = 200  # saved decks of one installation
MAX_DECK_BYTES = 256 * 1024  # one saved deck's YAML
DEFAULT_DECK = "junbikai"
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")  # with fullmatch only

TEXT_KINDS = ("title", "section", "text")
# Filters a view may carry: the survey's (queries.filters.Filters) and the activity period.
SURVEY_FILTER_KEYS = ("wave", "channel", *ATTRIBUTE_FILTERS)
FILTER_KEYS = (*SURVEY_FILTER_KEYS, "fiscal_years", "fields")
SLIDE_KEYS = {"heading", "kind", "text", "view", "notes", "caption"}
DECK_KEYS = {"title", "subtitle", "date", "organiser", "lang", "slides"}


class DeckError(ValueError):
    """A deck that cannot be used; .problems lists every problem found, each with its place."""

    def __init__(self, source: str, problems: Sequence[str]):
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"deck {source}: {len(self.problems)} problem(s)\n{lines}")


@dataclass(frozen=True)
class Slide:
    heading: str
    kind: str = "text"  # title | section | text | view
    text: str = ""
    view: View | None = None
    notes: str = ""
    caption: str = ""


@dataclass(frozen=True)
class Deck:
    name: str
    title: str
    date: str = ""
    subtitle: str = ""
    organiser: str = ""
    lang: str = "ja"
    slides: tuple[Slide, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.slides)

    def clamp(self, number: object) -> int:
        """A 1-based slide number from anything (URL text included), kept inside the deck."""
        try:
            n = int(str(number).strip())
        except (TypeError, ValueError):
            return 1
        return min(max(1, n), max(1, len(self.slides)))


# ---- parsing ----------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}" if where else message)


def _codes_list(value: Any, where: str, allowed: Sequence[int], problems: _Problems) -> tuple[int, ...]:
    values = value if isinstance(value, (list, tuple)) else [value]
    out: list[int] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) or v not in allowed:
            problems.add(where, f"{v!r} is not one of the codes {', '.join(map(str, allowed))}")
        elif v not in out:
            out.append(v)
    return tuple(out)


def _choices_text(dim: str) -> str:
    """What a filter on DIM takes, e.g. 1, 2, 3, 4, 5, 6 (age_band also young (= 1, 2, 3), …)."""
    codes = ", ".join(map(str, attribute_codes(dim)))
    groups = ", ".join(f"{gid} (= {', '.join(map(str, g['codes']))})" for gid, g in cb.filter_groups(dim).items())
    return f"one code of {codes}" + (f" or a named group: {groups}" if groups else "")


def _attribute_choice(value: Any, dim: str, where: str, problems: _Problems) -> tuple[int, ...] | None:
    """A filter on DIM as written in a deck: a code, a group id, or a list of codes that is one
    code or a named group; None (and a problem) otherwise."""
    if isinstance(value, str):
        codes = choice_codes(dim, value)
        if codes is None:
            problems.add(where, f"{value!r} is not allowed; {dim} takes {_choices_text(dim)}")
        return codes
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if not values or any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        problems.add(where, f"{value!r} is not allowed; {dim} takes {_choices_text(dim)}")
        return None
    try:
        return Filters(**{dim: tuple(values)}).attribute(dim)
    except ValueError:
        shown = values[0] if len(values) == 1 else values
        reason = " (無回答 / no answer is never a filter)" if cb.missing_code() in values else ""
        tail = ", not any list of codes" if len(values) > 1 else ""
        problems.add(where, f"{shown!r} is not allowed{reason}; {dim} takes {_choices_text(dim)}{tail}")
        return None


def _one_value(value: Any, where: str, allowed: Sequence[int], what: str, problems: _Problems) -> tuple[int, ...]:
    """At most one code of ALLOWED (a number or a list of one): one fiscal year, one field."""
    codes = _codes_list(value, where, allowed, problems)
    if len(codes) > 1:
        problems.add(
            where,
            f"one {what} at a time, not {', '.join(map(str, codes))} (so that views cannot "
            "be subtracted from each other to reveal small groups)",
        )
        return codes[:1]
    return codes


def _parse_filters(raw: Any, where: str, problems: _Problems) -> tuple[Filters, tuple[int, ...], tuple[int, ...]]:
    """Survey Filters, fiscal years and fields of a view's `filters` mapping."""
    if raw is None:
        return Filters(), (), ()
    if not isinstance(raw, Mapping):
        problems.add(where, f"must be a mapping of {', '.join(FILTER_KEYS)}")
        return Filters(), (), ()
    for key in raw:
        if key not in FILTER_KEYS:
            problems.add(f"{where}.{key}", f"unknown filter; known: {', '.join(FILTER_KEYS)}")
    kwargs: dict[str, Any] = {}
    wave = raw.get("wave")
    if wave is not None:
        if isinstance(wave, bool) or not isinstance(wave, int) or not 2000 <= wave <= 2100:
            problems.add(f"{where}.wave", f"must be a survey year such as 2023, not {wave!r}")
        else:
            kwargs["wave"] = wave
    channel = raw.get("channel")
    if channel is not None:
        if channel not in CHANNELS:
            why = (
                (
                    " (both channels together, 両方, are no longer shown: the one could be subtracted from "
                    "them to give the other)"
                )
                if channel == "all"
                else ""
            )
            problems.add(f"{where}.channel", f"must be one of {', '.join(CHANNELS)}, not {channel!r}{why}")
        else:
            kwargs["channel"] = channel
    for dim in ATTRIBUTE_FILTERS:
        if raw.get(dim) is not None:
            codes = _attribute_choice(raw[dim], dim, f"{where}.{dim}", problems)
            if codes:
                kwargs[dim] = codes
    fiscal: tuple[int, ...] = ()
    if raw.get("fiscal_years") is not None:
        fiscal = _one_value(raw["fiscal_years"], f"{where}.fiscal_years", range(2000, 2101), "fiscal year", problems)
    fields_: tuple[int, ...] = ()
    if raw.get("fields") is not None:
        fields_ = _one_value(raw["fields"], f"{where}.fields", cb.codes("field"), "field", problems)
    try:
        filters = Filters(**kwargs)
    except ValueError as exc:  # belt and braces: Filters checks again
        problems.add(where, str(exc))
        filters = Filters()
    return filters, fiscal, fields_


def _text(raw: Any, where: str, problems: _Problems, required: bool = False) -> str:
    if raw is None:
        if required:
            problems.add(where, "is required")
        return ""
    if isinstance(raw, (dt.date, int, float)) and not isinstance(raw, bool):
        return str(raw)
    if not isinstance(raw, str):
        problems.add(where, f"must be text, not {type(raw).__name__}")
        return ""
    if required and not raw.strip():
        problems.add(where, "must not be empty")
    return raw.strip()


def _parse_by(raw: Any, where: str, problems: _Problems) -> tuple[str, ...]:
    if raw is None:
        return ()
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        problems.add(where, "must be a dimension or a list of dimensions")
        return ()
    return tuple(values)


def parse_view(raw: Any, where: str, problems: _Problems) -> View | None:
    if not isinstance(raw, Mapping):
        problems.add(where, "must be a mapping with at least `kind`")
        return None
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.add(f"{where}.kind", f"must be one of {', '.join(KINDS)}, not {kind!r}")
        return None
    spec = KINDS[kind]
    for key in raw:
        if key != "kind" and key not in spec.keys:
            allowed = ", ".join(sorted(spec.keys)) or "nothing else"
            problems.add(f"{where}.{key}", f"not a setting of a {kind} view (it takes {allowed})")
    filters, fiscal, fields_ = _parse_filters(raw.get("filters"), f"{where}.filters", problems)
    view = View(kind=kind, filters=filters, fiscal_years=fiscal, fields=fields_)
    by = _parse_by(raw.get("by"), f"{where}.by", problems)
    for setting in spec.settings:
        view = setting.parse(raw, view, by, where, problems)
    return view


def parse_slide(raw: Any, where: str, problems: _Problems) -> Slide | None:
    if not isinstance(raw, Mapping):
        problems.add(where, "must be a mapping with a heading")
        return None
    for key in raw:
        if key not in SLIDE_KEYS:
            problems.add(f"{where}.{key}", f"unknown setting; a slide has {', '.join(sorted(SLIDE_KEYS))}")
    heading = _text(raw.get("heading"), f"{where}.heading", problems, required=True)
    notes = _text(raw.get("notes"), f"{where}.notes", problems)
    caption = _text(raw.get("caption"), f"{where}.caption", problems)
    text = _text(raw.get("text"), f"{where}.text", problems)
    if "view" in raw:
        if raw.get("kind") not in (None, "view"):
            problems.add(where, "a slide has either a view or a text kind, not both")
        if text:
            problems.add(f"{where}.text", "a view slide takes a short `caption`, not `text`")
        view = parse_view(raw["view"], f"{where}.view", problems)
        return Slide(heading=heading, kind="view", view=view, notes=notes, caption=caption)
    kind = raw.get("kind", "text")
    if kind not in TEXT_KINDS:
        problems.add(f"{where}.kind", f"must be one of {', '.join(TEXT_KINDS)} (or give a `view`), not {kind!r}")
        kind = "text"
    return Slide(heading=heading, kind=kind, text=text, notes=notes, caption=caption)


def parse_deck(raw: Any, name: str, source: str | None = None) -> Deck:
    """A Deck from the mapping of a YAML file; DeckError lists every problem found."""
    source = source or name
    problems = _Problems()
    if not NAME_RE.fullmatch(name or ""):
        problems.add("name", f"{name!r}: use letters, digits, - and _ (at most 64)")
    if not isinstance(raw, Mapping):
        raise DeckError(source, ["the file must hold a mapping with title, date and slides"])
    for key in raw:
        if key not in DECK_KEYS:
            problems.add(str(key), f"unknown setting; a deck has {', '.join(sorted(DECK_KEYS))}")
    title = _text(raw.get("title"), "title", problems, required=True)
    date = _text(raw.get("date"), "date", problems)
    lang = raw.get("lang", "ja")
    if lang not in cb.LANGS:
        problems.add("lang", f"must be one of {', '.join(cb.LANGS)}, not {lang!r}")
        lang = "ja"
    slides_raw = raw.get("slides")
    slides: list[Slide] = []
    if not isinstance(slides_raw, list) or not slides_raw:
        problems.add("slides", "must be a non-empty list of slides")
    else:
        for i, s in enumerate(slides_raw, 1):
            heading = s.get("heading") if isinstance(s, Mapping) else None
            where = f"slide {i}" + (f" ({heading})" if isinstance(heading, str) and heading else "")
            slide = parse_slide(s, where, problems)
            if slide is not None:
                slides.append(slide)
    if problems.items:
        raise DeckError(source, problems.items)
    return Deck(
        name=name,
        title=title,
        date=date,
        subtitle=_text(raw.get("subtitle"), "subtitle", problems),
        organiser=_text(raw.get("organiser"), "organiser", problems),
        lang=lang,
        slides=tuple(slides),
    )


def parse_yaml(text: str, name: str, source: str | None = None) -> Deck:
    source = source or name
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DeckError(source, [f"not valid YAML: {exc}"]) from None
    return parse_deck(raw, name, source)


# ---- files ------------------------------------------------------------------------------


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise DeckError(str(name), ["a deck name uses letters, digits, - and _ (at most 64), e.g. junbikai"])
    return name


def user_dir() -> Path:
    """Where saved decks live: the instance folder's decks/ (TSUNAGARI_INSTANCE)."""
    return instance.folder() / USER_DECKS


def deck_path(name: str) -> Path | None:
    """The file of a deck: a saved deck (instance folder) first, then a shipped one."""
    check_name(name)
    for folder in (user_dir(), DECK_DIR):
        p = folder / f"{name}.yaml"
        if p.is_file():
            return p
    return None


def load_file(path: str | Path, source: str | None = None) -> Deck:
    """The deck in the file PATH. Problems name it as SOURCE (default: the path, for the command
    line; the dashboard passes the deck's name, so no server path reaches a visitor)."""
    p = Path(path)
    label = source or str(p)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DeckError(label, [f"cannot read the file ({exc.strerror or type(exc).__name__})"]) from None
    except UnicodeDecodeError:
        raise DeckError(label, ["the file is not UTF-8 text"]) from None
    return parse_yaml(text, p.stem, label)


def load_deck(name: str = DEFAULT_DECK) -> Deck:
    """A deck by name: a saved deck (instance folder/decks/NAME.yaml), else dashboard/decks/NAME.yaml. Only names
    (letters, digits, - and _) are accepted, so a URL can never point at another file."""
    path = deck_path(name)
    if path is None:
        raise DeckError(name, [f"no deck named {name!r}; decks: {', '.join(deck_names()) or 'none'}"])
    return load_file(path, source=name)


def load_deck_or_file(text: str) -> Deck:
    """For the command line: a path ending in .yaml/.yml (or containing /) is a file, else a name."""
    if text.endswith((".yaml", ".yml")) or "/" in text:
        return load_file(text)
    return load_deck(text)


def deck_names() -> list[str]:
    """Shipped decks, then saved decks (a name appears once)."""
    names = [p.stem for p in sorted(DECK_DIR.glob("*.yaml"))]
    names += [p.stem for p in sorted(user_dir().glob("*.yaml")) if p.stem not in names]
    return [n for n in names if NAME_RE.fullmatch(n)]


def shipped_names() -> list[str]:
    return [p.stem for p in sorted(DECK_DIR.glob("*.yaml"))]


# ---- writing ----------------------------------------------------------------------------


def filters_to_dict(view: View) -> dict[str, Any]:
    out: dict[str, Any] = {}
    f = view.filters
    if f.wave is not None:
        out["wave"] = f.wave
    if f.channel != Filters().channel:
        out["channel"] = f.channel
    for dim in ATTRIBUTE_FILTERS:
        codes = getattr(f, dim)
        if codes:  # a code as a number, a named group by its id
            token = choice_token(dim, codes)
            out[dim] = int(token) if token.isdecimal() else token
    if view.fiscal_years:
        out["fiscal_years"] = view.fiscal_years[0]
    if view.fields:
        out["fields"] = view.fields[0]
    return out


def view_to_dict(view: View) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": view.kind}
    spec = KINDS[view.kind]
    for setting in spec.settings:
        setting.write(view, out)
    filters = filters_to_dict(view)
    if filters and spec.filters:
        out["filters"] = filters
    return out


def slide_to_dict(slide: Slide) -> dict[str, Any]:
    out: dict[str, Any] = {"heading": slide.heading}
    if slide.view is not None:
        out["view"] = view_to_dict(slide.view)
    else:
        out["kind"] = slide.kind
        if slide.text:
            out["text"] = slide.text
    if slide.caption:
        out["caption"] = slide.caption
    if slide.notes:
        out["notes"] = slide.notes
    return out


def deck_to_dict(deck: Deck) -> dict[str, Any]:
    out: dict[str, Any] = {"title": deck.title}
    for key in ("subtitle", "date", "organiser"):
        if getattr(deck, key):
            out[key] = getattr(deck, key)
    if deck.lang != "ja":
        out["lang"] = deck.lang
    out["slides"] = [slide_to_dict(s) for s in deck.slides]
    return out


def deck_to_yaml(deck: Deck) -> str:
    return yaml.safe_dump(deck_to_dict(deck), allow_unicode=True, sort_keys=False, width=100)


def saved_names() -> list[str]:
    return [p.stem for p in sorted(user_dir().glob("*.yaml")) if NAME_RE.fullmatch(p.stem)]


def save_user_deck(deck: Deck, user: User | None, folder: Path | None = None) -> Path:
    """Write DECK to the instance folder's decks/NAME.yaml for everyone to present. Only roles
    allowed 'deck.save' (事務局) may: checked here, where the file is written. Shipped names are
    kept safe; the number and size of saved decks are bounded."""
    roles.require(user, "deck.save")
    check_name(deck.name)
    if deck.name in shipped_names():
        raise DeckError(deck.name, [f"{deck.name!r} is a shipped deck: save under another name"])
    text = deck_to_yaml(deck)
    parse_yaml(text, deck.name)  # never write a file that would not load back
    if len(text.encode("utf-8")) > MAX_DECK_BYTES:
        raise DeckError(deck.name, [f"the deck is larger than {MAX_DECK_BYTES // 1024} KiB: split it"])
    folder = user_dir() if folder is None else folder
    path = folder / f"{deck.name}.yaml"
    if not path.exists() and len(list(folder.glob("*.yaml"))) >= MAX_USER_DECKS:
        raise DeckError(deck.name, [f"{MAX_USER_DECKS} decks are saved already: delete one first"])
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def delete_user_deck(name: str, user: User | None, folder: Path | None = None) -> None:
    """Remove the saved deck NAME (roles allowed 'deck.delete' only); shipped decks stay."""
    roles.require(user, "deck.delete")
    check_name(name)
    path = (user_dir() if folder is None else folder) / f"{name}.yaml"
    if not path.is_file():
        raise DeckError(name, [f"no saved deck named {name!r}"])
    path.unlink()


def move_slide(deck: Deck, index: int, step: int) -> Deck:
    """The deck with slide INDEX (0-based) moved STEP places (clamped to the ends)."""
    slides = list(deck.slides)
    if not 0 <= index < len(slides):
        return deck
    target = min(max(0, index + step), len(slides) - 1)
    slides.insert(target, slides.pop(index))
    return replace(deck, slides=tuple(slides))


def remove_slide(deck: Deck, index: int) -> Deck:
    slides = [s for i, s in enumerate(deck.slides) if i != index]
    return replace(deck, slides=tuple(slides))


def add_slide(deck: Deck, slide: Slide) -> Deck:
    return replace(deck, slides=(*deck.slides, slide))


def view_slide(view: View, heading: str, notes: str = "") -> Slide:
    return Slide(heading=heading, kind="view", view=view, notes=notes)


__all__ = [
    "Deck",
    "Slide",
    "View",
    "DeckError",
    "load_deck",
    "load_file",
    "parse_deck",
    "parse_yaml",
    "deck_names",
    "deck_to_yaml",
    "deck_to_dict",
    "save_user_deck",
    "move_slide",
    "remove_slide",
    "add_slide",
    "view_slide",
    "DEFAULT_DECK",
    "DECK_DIR",
    "delete_user_deck",
    "saved_names",
    "user_dir",
]

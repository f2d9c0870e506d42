"""The directory of organisations and the platform's members: the consultation directory
(相談窓口一覧, organisations_directory) and members counted by type and field
(members_by_type_and_field).

Organisations and their membership are public: nothing here is a count of people, so nothing is
perturbed or masked.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from data import codebook
from queries.filters import codes_tuple
from queries.runner import remembered, run, run_numpy


def _normalise(text) -> str:
    return unicodedata.normalize("NFKC", str(text)).casefold() if text is not None else ""


def organisations_directory(
    con: duckdb.DuckDBPyConnection,
    fields: Sequence[int] = (),
    districts: Sequence[int] = (),
    search: str = "",
    lang: str = "ja",
    org_types: Sequence[int] = (),
) -> pd.DataFrame:
    """The consultation directory (相談窓口一覧): organisations serving any of the fields and any of
    the districts given (empty = all), whose text matches every word of `search`.

    The search is plain text (no patterns), width- and case-insensitive (NFKC), over the name,
    type, field and district labels (in both languages), address and hours. Columns: org_id, name,
    org_type, org_type_label, fields (list of codes), fields_label, districts (list of codes),
    districts_label (全体 / All when every district), member, phone, hours, address, url, lat, lon.
    """
    codebook.check_lang(lang)
    if not isinstance(search, str):
        raise TypeError(f"search must be text, not {type(search).__name__}")
    # any set of codes: the directory lists organisations (public), it releases no count, so the
    # grouping limits of ActivityFilters (against averaging noisy counts) do not apply here
    selected = run_numpy(
        con,
        "organisations_selected",
        fields=list(codes_tuple("fields", "field", fields)),
        districts=list(codes_tuple("districts", "district", districts)),
        org_types=list(codes_tuple("org_types", "org_type", org_types)),
    )["org_id"]
    base = remembered(con, "organisations_directory", _Directory.read)
    keep = np.zeros(len(base.rows), dtype=bool)
    keep[[base.position[org] for org in selected.tolist()]] = True
    words = [w for w in _normalise(search).split() if w]
    if words:  # only in the rows the filters kept
        texts = base.search_text
        found = [i for i in np.flatnonzero(keep).tolist() if all(w in texts[i] for w in words)]
        keep[:] = False
        keep[found] = True
    labels = {f"{c}_{lang}": c for c in ("org_type_label", "fields_label", "districts_label")}
    df = base.rows.loc[keep, [f"{c}_{lang}" if f"{c}_{lang}" in labels else c for c in _DIRECTORY_COLUMNS]]
    df = df.rename(columns=labels)
    # lists of their own: the remembered rows must not change through what a caller does with them
    df["fields"] = [list(v) for v in df["fields"].tolist()]
    df["districts"] = [list(v) for v in df["districts"].tolist()]
    return df.reset_index(drop=True)


# the directory's columns in order; a label column is read in the language asked for
_DIRECTORY_COLUMNS = (
    "org_id",
    "name",
    "org_type",
    "org_type_label",
    "fields",
    "fields_label",
    "districts",
    "districts_label",
    "member",
    "phone",
    "hours",
    "address",
    "url",
    "lat",
    "lon",
)


@dataclass(frozen=True)
class _Directory:
    """Every organisation in display order with its labels in each language, its search text and
    its row position by org_id: worked out once per connection, not at every search."""

    rows: pd.DataFrame
    search_text: list[str]
    position: dict[str, int]

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> _Directory:
        df = run(con, "organisations_directory")
        # DuckDB hands list columns over as numpy arrays: tuples of Python ints (hashable, for the
        # remembered labels)
        df["fields"] = [tuple(v.tolist()) for v in df["fields"].tolist()]
        df["districts"] = [tuple(v.tolist()) for v in df["districts"].tolist()]
        df["org_type"] = df["org_type"].astype("Int64")
        df["member"] = df["member"].astype(bool)
        every = set(codebook.codes("district"))
        for lang in codebook.LANGS:
            df[f"org_type_label_{lang}"] = [_codes_label("org_type", (c,), lang) for c in df["org_type"].tolist()]
            df[f"fields_label_{lang}"] = [_codes_label("field", v, lang) for v in df["fields"]]
            df[f"districts_label_{lang}"] = [
                codebook.all_label(lang) if set(v) >= every else _codes_label("district", v, lang)
                for v in df["districts"]
            ]
        text = [[x if isinstance(x, str) else None for x in df[col].tolist()] for col in ("name", "address", "hours")]
        search_text = list(
            map(_haystack, *text, df["org_type"].tolist(), df["fields"].tolist(), df["districts"].tolist())
        )
        return cls(df, search_text, {org: i for i, org in enumerate(df["org_id"].tolist())})


# Labels and search texts are pure functions of the codebook and an organisation's own fields:
# remembered, so a directory of thousands of organisations is not relabelled and re-normalised
# (NFKC) at every search.
@functools.lru_cache(maxsize=4096)
def _codes_label(value_set: str, codes: tuple[int, ...], lang: str) -> str:
    return "・".join(codebook.code_label(value_set, c, lang) for c in codes)


@functools.lru_cache(maxsize=65536)
def _haystack(name, address, hours, org_type: int, fields: tuple[int, ...], districts: tuple[int, ...]) -> str:
    """What a directory search looks in: name, address, hours, and the type, field and district
    labels in both languages (so a search in either finds the row), width- and case-folded."""
    labels = [
        " ".join(codebook.code_label(value_set, c, lang) for c in codes for lang in codebook.LANGS)
        for value_set, codes in (("org_type", (org_type,)), ("field", fields), ("district", districts))
    ]
    return _normalise(" ".join(str(x) for x in (name, address, hours, *labels) if x is not None))


def members_by_type_and_field(con: duckdb.DuckDBPyConnection, lang: str = "ja") -> pd.DataFrame:
    """Platform members counted by organisation type × field (for the 準備会 deck).

    An organisation counts once in each of its fields, so the margins (is_total) count distinct
    organisations and are not sums of the cells. These are counts of organisations, whose
    membership is public, not of people: no small-count masking. Every type and field appears
    (0 where none). Columns: org_type, org_type_label, field, field_label, members (Int64),
    display, is_total.
    """
    codebook.check_lang(lang)
    raw = run(con, "organisations_members")
    counts = {
        (None if pd.isna(t) else int(t), None if pd.isna(f) else int(f)): int(n)
        for t, f, n in zip(raw["org_type"], raw["field"], raw["members"])
    }
    total = codebook.total_label(lang)
    types = codebook.codes("org_type") + [None]
    fields_ = codebook.codes("field") + [None]
    records = []
    for t in types:
        for f in fields_:
            n = counts.get((t, f), 0)
            records.append(
                {
                    "org_type": t,
                    "org_type_label": total if t is None else codebook.code_label("org_type", t, lang),
                    "field": f,
                    "field_label": total if f is None else codebook.code_label("field", f, lang),
                    "members": n,
                    "display": f"{n:,}",
                    "is_total": t is None or f is None,
                }
            )
    df = pd.DataFrame.from_records(records)
    df["org_type"] = df["org_type"].astype("Int64")
    df["field"] = df["field"].astype("Int64")
    df["members"] = df["members"].astype("Int64")
    df.attrs.update(rows="org_type", cols="field")
    return df

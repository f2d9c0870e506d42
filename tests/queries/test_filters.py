"""The filter limits of queries.filters (the averaging attack): an attribute filter is nothing, one
code or one of the codebook's named groups; 無回答 is never a filter; the URL reader drops and
reports anything else, and never fails on what it is given."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings, strategies as st

from data import codebook
from queries.filters import (
    ATTRIBUTE_FILTERS,
    CHANNELS,
    MAX_PARAM_CHARS,
    Filters,
    attribute_codes,
    choice_codes,
    choice_label,
    choice_token,
    filter_choices,
    parse_query_params,
)

MISSING = codebook.missing_code()


def groups(dim: str) -> dict[str, tuple[int, ...]]:
    return {gid: tuple(g["codes"]) for gid, g in codebook.filter_groups(dim).items()}


def test_the_choices_are_each_code_then_the_named_groups():
    assert groups("age_band") == {"young": (1, 2, 3), "middle": (4, 5), "older": (6, 7, 8)}
    # no district group: 旧町村部 was dropped (鶴岡 = All − 旧町村部 made small counts differences)
    assert groups("district") == {}
    for dim in ATTRIBUTE_FILTERS:
        codes = attribute_codes(dim)
        assert MISSING not in codes
        assert codes == tuple(codebook.codes(codebook.dimension_value_set(dim)))
        assert filter_choices(dim) == [(c,) for c in codes] + list(groups(dim).values())
        for group in groups(dim).values():
            assert set(group) <= set(codes) and len(group) > 1


def every_subset(codes):
    for k in range(1, len(codes) + 1):
        yield from itertools.combinations(codes, k)


@pytest.mark.parametrize("dim", ATTRIBUTE_FILTERS)
def test_every_allowed_value_is_accepted_and_every_other_subset_refused(dim):
    allowed = {tuple(sorted(c)) for c in filter_choices(dim)}
    codes = attribute_codes(dim) + (MISSING,)
    accepted = 0
    for subset in every_subset(codes):
        if tuple(sorted(subset)) in allowed:
            f = Filters(**{dim: tuple(reversed(subset))})  # any order, kept in codebook order
            assert getattr(f, dim) == tuple(sorted(subset))
            accepted += 1
        else:
            with pytest.raises(ValueError, match=dim):
                Filters(**{dim: subset})
    assert accepted == len(filter_choices(dim))
    assert Filters(**{dim: ()}).attribute(dim) == ()


@pytest.mark.parametrize("bad", [(9,), (1, 9), ("1",), (True,), (1.0,), "1", 1, None, (0,), (-1,), (10**30,)])
def test_refused_values_raise_value_error(bad):
    with pytest.raises(ValueError):
        Filters(district=bad)


def test_duplicates_of_one_code_are_one_code():
    assert Filters(sex=(2, 2)).sex == (2,)


@pytest.mark.parametrize("dim", ATTRIBUTE_FILTERS)
def test_tokens_labels_and_url_round_trip(dim):
    for codes in filter_choices(dim):
        token = choice_token(dim, codes)
        assert choice_codes(dim, token) == tuple(codes)
        assert token == (str(codes[0]) if len(codes) == 1 else next(g for g, c in groups(dim).items() if c == codes))
        for lang in codebook.LANGS:
            label = choice_label(dim, codes, lang)
            assert label and (
                len(codes) > 1 or label == codebook.code_label(codebook.dimension_value_set(dim), codes[0], lang)
            )
        f = Filters(**{dim: codes})
        qp = f.to_query_params()
        assert qp == {dim: token}
        assert parse_query_params(qp) == (f, [])
    with pytest.raises(ValueError):
        choice_token(dim, attribute_codes(dim))  # every code at once is no choice
    assert choice_codes(dim, str(MISSING)) is None
    assert choice_codes(dim, "nothing") is None


def test_group_labels_are_the_codebook_names():
    assert choice_label("age_band", (1, 2, 3), "ja") == codebook.filter_groups("age_band")["young"]["ja"]
    assert choice_label("age_band", (6, 7, 8), "en") == codebook.filter_groups("age_band")["older"]["en"]
    assert codebook.filter_groups("age_band")["middle"]["ja"] in Filters(age_band=(4, 5)).describe("ja")
    with pytest.raises(ValueError, match="district"):
        Filters(district=(2, 3, 4, 5, 6))  # the former 旧町村部 group is no filter


def test_the_channels_are_random_or_open_never_both():
    assert CHANNELS == {"random": (1,), "open": (2,)}
    assert Filters(channel="random").channels == (1,) and not Filters(channel="random").includes_open_web
    assert Filters(channel="open").channels == (2,) and Filters(channel="open").includes_open_web
    for bad in ("all", "both", "", "Random", "by_channel "):
        with pytest.raises(ValueError, match="channel"):
            Filters(channel=bad)
    for raw in ("all", "by_channel", "1,2"):
        assert parse_query_params({"channel": raw}) == (Filters(), [f"channel={raw}"])


def test_the_url_reader_keeps_allowed_values_and_reports_the_rest():
    f, dropped = parse_query_params(
        {"wave": "2023", "channel": "open", "age_band": "young", "district": "3", "sex": "1,2", "household": "9"}
    )
    assert f == Filters(wave=2023, channel="open", age_band=(1, 2, 3), district=(3,))
    assert dropped == ["sex=1,2", "household=9"]
    f, dropped = parse_query_params({"district": ["former_towns", "2"], "age_band": "former_towns"})
    assert f == Filters(district=(2,)) and dropped == ["age_band=former_towns"]
    f, dropped = parse_query_params({"district": "former_towns", "channel": "all", "age_band": ["3", "older"]})
    assert f == Filters(age_band=(6, 7, 8)) and dropped == ["channel=all", "district=former_towns"]
    f, dropped = parse_query_params({"wave": "1999", "channel": "web"})
    assert f == Filters() and dropped == ["wave=1999", "channel=web"]
    assert parse_query_params({}) == (Filters(), [])
    assert parse_query_params({"district": "", "sex": "  "}) == (Filters(), [])
    assert Filters.from_query_params({"district": "1,3"}) == Filters()


@pytest.mark.parametrize(
    "hostile",
    [
        "²",
        "١",
        "３",
        "1" * 5000,
        "0" * 5000 + "1",
        "1e3",
        "-1",
        "+1",
        "0x1",
        "1 OR 1=1",
        "'; DROP TABLE responses; --",
        "\x00",
        "\u202e1",
        "１,２",
        "nan",
        "inf",
        "young\x00",
        "YOUNG",
    ],
)
def test_hostile_values_are_dropped_without_exception(hostile):
    qp = {dim: hostile for dim in ATTRIBUTE_FILTERS} | {"wave": hostile, "channel": hostile}
    f, dropped = parse_query_params(qp)
    assert f == Filters()
    assert len(dropped) == len(qp)
    assert all(len(text.split("=", 1)[1]) <= MAX_PARAM_CHARS for text in dropped)


def test_whitespace_around_a_value_reads_as_the_value_or_is_dropped():
    # 'young\n' never fails and never becomes anything but the group it names
    for raw in ("young\n", " young", "3\n"):
        f, dropped = parse_query_params({"age_band": raw})
        assert (f.age_band == choice_codes("age_band", raw.strip()) and dropped == []) or (
            f.age_band == () and dropped == [f"age_band={raw}"]
        )


def test_a_long_value_is_dropped_unread(monkeypatch):
    import queries.filters as qf

    calls = []
    real = qf.choice_codes
    monkeypatch.setattr(qf, "choice_codes", lambda dim, token: calls.append(token) or real(dim, token))
    f, dropped = parse_query_params({"district": "3" + " " * 5000})
    assert f == Filters() and dropped == ["district=3" + " " * (MAX_PARAM_CHARS - 1)] and calls == []


text_values = st.one_of(
    st.text(max_size=80), st.sampled_from(["1", "3", "9", "young", "former_towns", "1,2", "2023", "open", "all", ""])
)
query_params = st.dictionaries(
    st.sampled_from([*ATTRIBUTE_FILTERS, "wave", "channel", "lang", "other"]),
    st.one_of(text_values, st.lists(text_values, max_size=3)),
    max_size=7,
)


@settings(max_examples=500, deadline=None)
@given(query_params)
def test_fuzz_the_url_reader_never_fails_and_keeps_only_allowed_values(qp):
    f, dropped = parse_query_params(qp)
    assert isinstance(f, Filters)
    for dim in ATTRIBUTE_FILTERS:
        value = getattr(f, dim)
        assert value == () or value in [tuple(c) for c in filter_choices(dim)]
        assert MISSING not in value
        raw = qp.get(dim)
        last = (raw[-1] if raw else None) if isinstance(raw, list) else raw
        if last is not None and last.strip() and value == ():
            assert f"{dim}={last[:MAX_PARAM_CHARS]}" in dropped
        if value:
            assert not any(d.startswith(f"{dim}=") for d in dropped)
    for text in dropped:
        key, _, value = text.partition("=")
        assert key in (*ATTRIBUTE_FILTERS, "wave", "channel") and len(value) <= MAX_PARAM_CHARS
    assert parse_query_params(f.to_query_params()) == (f, [])


# ---- each constant has one home (issue 12) -----------------------------------------------------


def test_the_filter_dimensions_are_the_codebooks_and_the_fields_of_the_filters():
    from dataclasses import fields

    from queries.filters import ACTIVITY_FILTERS, ActivityFilters

    assert ATTRIBUTE_FILTERS == tuple(d for d in codebook.dimensions() if d not in ("wave", "channel"))
    assert [f.name for f in fields(Filters)] == ["wave", "channel", *ATTRIBUTE_FILTERS]
    assert set(ACTIVITY_FILTERS.values()) <= {f.name for f in fields(ActivityFilters)}
    for dim, name in ACTIVITY_FILTERS.items():
        assert codebook.codes(dim)
        with pytest.raises(ValueError, match=name):
            ActivityFilters(**{name: (99,)})


def test_the_channel_codes_are_the_codebooks():
    from queries.filters import BY_CHANNEL, OPEN_WEB, RANDOM_SAMPLE

    assert sorted(codebook.codes("channel")) == [RANDOM_SAMPLE, OPEN_WEB]
    assert Filters(channel=BY_CHANNEL).channels == (RANDOM_SAMPLE, OPEN_WEB)
    assert Filters(channel=BY_CHANNEL).includes_open_web


@pytest.mark.parametrize("lang, text", [("ja", "2023年"), ("en", "2023")])
def test_the_wave_reads_the_same_in_a_table_and_a_file_name(lang, text):
    from queries import export
    from queries.filters import wave_label

    assert wave_label(2023, lang) == text
    assert export.group_label("wave", 2023, lang) == text
    assert Filters(wave=2023).describe(lang).split("_")[0] == text

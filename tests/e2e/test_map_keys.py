"""地域マップ in chromium: the districts are numbered on the map and named in the key list beside it
(issue 17: names on the map ran into each other), at the projector's and a laptop's size, in
Japanese and English. The key list's rows do not overlap one another, the map or the legend, and
none is cut off. Screenshots in tests/artifacts/e2e/map-keys-*.png."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import open_page

NAMES = {
    "ja": ("鶴岡", "藤島", "羽黒", "櫛引", "朝日", "温海"),
    "en": ("Tsuruoka", "Fujishima", "Haguro", "Kushibiki", "Asahi", "Atsumi"),
}
TITLE = {"ja": "地域マップ", "en": "District map"}

BOXES_JS = """() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const keys = document.querySelector('.tsg-keys');
  return {
    rows: [...keys.querySelectorAll('li')].map(li => ({text: li.innerText, box: box(li)})),
    keys: box(keys),
    legend: box(document.querySelector('.tsg-legend')),
    map: box(document.querySelector('[data-testid="stDeckGlJsonChart"]')),
    main: box(document.querySelector('[data-testid="stMain"]')),
  };
}"""


def overlap(a, b) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("size", [(1024, 768), (1440, 900)], ids=["1024x768", "1440x900"])
def test_key_list_names_every_district_without_overlap(server, page, artifacts, lang, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_page(page, server, "map", "lang=en" if lang == "en" else "", title=TITLE[lang])
    for selector in (".tsg-keys li", ".tsg-legend", '[data-testid="stDeckGlJsonChart"] canvas'):
        page.locator(selector).first.wait_for()
    seen = page.evaluate(BOXES_JS)
    rows = seen["rows"]
    assert [r["text"].split()[0] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    for row, name in zip(rows, NAMES[lang]):
        assert name in row["text"] and "%" in row["text"] or "秘匿" in row["text"] or "suppressed" in row["text"]
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            assert not overlap(a["box"], b["box"]), (a["text"], b["text"])
    assert not overlap(seen["keys"], seen["map"]) and not overlap(seen["keys"], seen["legend"])
    for r in rows:
        assert r["box"][2] <= seen["main"][2] + 0.5, r["text"]  # not cut off at the right
    page.screenshot(path=str(artifacts / f"map-keys-{lang}-{size[0]}x{size[1]}.png"))

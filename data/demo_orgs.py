"""Demo organisations: 22 invented consultation windows and support groups.

Every name contains 架空 (fictional), every phone number is of the form 0235-00-00NN (no real
number has 00 as its exchange), every address starts 鶴岡市（架空）, URLs point to example.jp.
They cover every organisation type and every field. Coordinates sit within about 1.5 km of the
real district centres in tsuruoka.md. For large activity data sets the same windows are repeated
as further invented sites (第2拠点, 第3拠点, …) with ids like O05-02 and no phone or URL.
"""

from __future__ import annotations

import pandas as pd

ORGANISATION_COLUMNS = [
    "org_id",
    "name",
    "org_type",
    "fields",
    "districts",
    "member",
    "phone",
    "hours",
    "address",
    "url",
    "lat",
    "lon",
]

# District centres (lat, lon) from tsuruoka.md: offices of 鶴岡 (本所), 藤島, 櫛引, 温海; centroids of 羽黒, 朝日.
DISTRICT_CENTRES = {
    1: (38.72722, 139.82667),
    2: (38.76583, 139.90461),
    3: (38.6709, 139.9445),
    4: (38.67889, 139.85008),
    5: (38.4878, 139.8415),
    6: (38.62089, 139.58697),
}

WEEKDAYS = "平日 8:30〜17:15"

# org_id, name, org_type, fields, districts ("all" or codes), member, hours, home district,
# offset of the site from the district centre (lat, lon) in degrees.
_BASE = [
    ("O01", "（架空）鶴岡市 地域包括ケア推進室", 1, [1, 3, 4, 5, 8], "all", 1, WEEKDAYS, 1, (0.0010, 0.0012)),
    ("O02", "（架空）鶴岡市 福祉課 くらし相談窓口", 1, [5, 6], "all", 1, WEEKDAYS, 1, (0.0006, 0.0018)),
    ("O03", "（架空）鶴岡市 こども家庭支援課", 1, [2, 7], "all", 1, WEEKDAYS, 1, (0.0014, 0.0004)),
    ("O04", "（架空）鶴岡市 健康課 こころの相談", 1, [3, 4], "all", 1, WEEKDAYS, 1, (-0.0020, 0.0030)),
    ("O05", "（架空）鶴岡市社会福祉協議会 本所", 2, [1, 5, 8], [1], 1, WEEKDAYS, 1, (-0.0052, -0.0040)),
    ("O06", "（架空）社会福祉協議会 藤島・羽黒支所", 2, [1, 5, 8], [2, 3], 1, WEEKDAYS, 2, (0.0011, -0.0020)),
    ("O07", "（架空）社会福祉協議会 櫛引・朝日・温海支所", 2, [1, 5, 8], [4, 5, 6], 1, WEEKDAYS, 4, (-0.0015, 0.0012)),
    ("O08", "（架空）地域包括支援センター みなみ", 3, [1], [1], 1, WEEKDAYS, 1, (-0.0120, 0.0030)),
    ("O09", "（架空）地域包括支援センター きた", 3, [1, 6], [1, 2], 1, WEEKDAYS, 1, (0.0130, 0.0080)),
    ("O10", "（架空）地域包括支援センター はぐろ・くしびき", 3, [1], [3, 4], 1, WEEKDAYS, 3, (0.0020, -0.0060)),
    ("O11", "（架空）地域包括支援センター あさひ・あつみ", 3, [1], [5, 6], 1, WEEKDAYS, 6, (0.0030, 0.0040)),
    ("O12", "（架空）つながりNPOさくら", 4, [2, 3, 8], [1, 2, 3], 1, "火〜土 10:00〜18:00", 1, (0.0040, -0.0070)),
    (
        "O13",
        "（架空）NPO法人 ひきこもり家族会 つばさ",
        4,
        [3, 4],
        "all",
        1,
        "水・土 13:00〜17:00",
        1,
        (-0.0060, 0.0090),
    ),
    ("O14", "（架空）こども食堂ネット もみじ", 4, [2, 7, 8], [1, 4], 1, "月〜金 15:00〜19:00", 4, (0.0030, 0.0025)),
    ("O15", "（架空）NPO法人 くらしサポート あおば", 4, [5, 9], [1], 1, "月〜金 9:00〜17:00", 1, (0.0085, -0.0030)),
    ("O16", "（架空）居場所カフェ ほっと", 4, [8, 1], [1, 6], 1, "火・木・土 10:00〜16:00", 6, (-0.0025, 0.0035)),
    (
        "O17",
        "（架空）医療法人 こころのクリニック かえで",
        5,
        [4, 6],
        "all",
        1,
        "月〜土 9:00〜18:00",
        1,
        (0.0100, 0.0150),
    ),
    ("O18", "（架空）障害者相談支援事業所 ひだまり", 5, [6, 2], [1, 2, 3, 4], 1, WEEKDAYS, 2, (-0.0030, -0.0045)),
    (
        "O19",
        "（架空）訪問看護ステーション やまゆり",
        5,
        [1, 6],
        [1, 4, 5],
        0,
        "月〜金 8:30〜17:30",
        1,
        (-0.0090, -0.0110),
    ),
    ("O20", "（架空）民生委員・児童委員連絡会", 6, [1, 8, 9], "all", 1, WEEKDAYS, 1, (0.0018, 0.0007)),
    (
        "O21",
        "（架空）若者サポートステーション つるおか",
        6,
        [2, 3, 9],
        "all",
        0,
        "月〜金 10:00〜18:00",
        1,
        (0.0045, 0.0100),
    ),
    ("O22", "（架空）いのちの相談ダイヤル 庄内", 6, [4], "all", 0, "毎日 16:00〜21:00", 1, (-0.0040, -0.0120)),
]


def base_organisations() -> list[dict]:
    """The 22 invented organisations as dicts (fields and districts as lists of codes)."""
    out = []
    for i, (org_id, name, org_type, fields, districts, member, hours, home, (dlat, dlon)) in enumerate(_BASE, 1):
        lat, lon = DISTRICT_CENTRES[home]
        out.append(
            {
                "org_id": org_id,
                "name": name,
                "org_type": org_type,
                "fields": list(fields),
                "districts": list(range(1, 7)) if districts == "all" else list(districts),
                "districts_all": districts == "all",
                "member": member,
                "phone": f"0235-00-{i:04d}",
                "hours": hours,
                "address": f"鶴岡市（架空）{_town(home)}{i}-{(i * 7) % 30 + 1}",
                "url": f"https://example.jp/tsunagari/{org_id.lower()}",
                "lat": round(lat + dlat, 5),
                "lon": round(lon + dlon, 5),
                "home": home,
            }
        )
    return out


def _town(district: int) -> str:
    return {1: "中央町", 2: "藤島地区", 3: "羽黒地区", 4: "櫛引地区", 5: "朝日地区", 6: "温海地区"}[district]


def organisations(copies: int = 1) -> list[dict]:
    """The base set, repeated `copies` times as further invented sites (ids O05-02, …)."""
    return organisations_from(base_organisations(), copies)


def organisations_from(base: list[dict], copies: int) -> list[dict]:
    out = []
    for k in range(1, copies + 1):
        for org in base:
            if k > 1:
                org = dict(
                    org, org_id=f"{org['org_id']}-{k:02d}", name=f"{org['name']} 第{k}拠点", phone=None, url=None
                )
            org["copy"] = k
            out.append(org)
    return out


def organisations_frame(orgs: list[dict]) -> pd.DataFrame:
    """The organisations extract (fields and districts as ';'-joined codes or all)."""
    rows = []
    for org in orgs:
        rows.append(
            {
                **{c: org[c] for c in ORGANISATION_COLUMNS if c not in ("fields", "districts")},
                "fields": ";".join(str(f) for f in org["fields"]),
                "districts": "all" if org["districts_all"] else ";".join(str(d) for d in org["districts"]),
            }
        )
    frame = pd.DataFrame(rows, columns=ORGANISATION_COLUMNS)
    frame["lat"] = frame["lat"].map(lambda v: f"{v:.5f}")
    frame["lon"] = frame["lon"].map(lambda v: f"{v:.5f}")
    return frame

"""CSV downloads of 指標の内訳 in chromium: byte-identical to `python -m queries table ...`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from data import codebook as cb

from .conftest import REPO, open_page, rerun_after

pytestmark = pytest.mark.browser

BOM = b"\xef\xbb\xbf"
DOWNLOAD = ".st-key-dl_breakdown button"  # the table's download (key dl_breakdown)

# (URL query of the view, the same view as `python -m queries table` arguments)
VIEWS = [
    pytest.param(
        "ind=lonely_sometimes_plus&by=sex&district=5",
        ["lonely_sometimes_plus", "--by", "sex", "--where", "district=5"],
        id="one-dim-district",
    ),
    pytest.param(
        "ind=ucla_high&by=age_band&by2=household&sex=2&channel=open&wave=2023",
        [
            "ucla_high",
            "--by",
            "age_band",
            "--by",
            "household",
            "--where",
            "sex=2",
            "--channel",
            "open",
            "--wave",
            "2023",
        ],
        id="two-dims-sex-open-web",
    ),
    # by channel: the random sample and the open web, no All row adding them up
    pytest.param("ind=no_confidant&by=channel", ["no_confidant", "--by", "channel"], id="by-channel"),
]


def cli_csv(db: Path, args: list[str], encoding: str = "utf-8-sig") -> bytes:
    result = subprocess.run(
        [sys.executable, "-m", "queries", "table", *args, "--lang", "ja", "--encoding", encoding, "--db", str(db)],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def download(page) -> tuple[bytes, str]:
    with page.expect_download() as info:
        page.locator(DOWNLOAD).click()
    dl = info.value
    assert dl.failure() is None, dl.failure()
    return Path(dl.path()).read_bytes(), dl.suggested_filename


def arg_after(args: list[str], flag: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args) if a == flag]


def shown_choice(page, label: str) -> str:
    """The value a selectbox of the page shows."""
    return page.locator('[data-testid="stMain"]').get_by_role("combobox", name=label, exact=True).input_value()


@pytest.mark.parametrize("query,cli_args", VIEWS)
def test_csv_download_is_the_cli_output_of_the_same_view(page, server, demo_db, query, cli_args):
    open_page(page, server, "breakdown", query=query, title="指標の内訳")
    indicator = cli_args[0]
    by = arg_after(cli_args, "--by")
    assert shown_choice(page, "指標") == cb.indicator(indicator).label["ja"]
    assert shown_choice(page, "内訳の軸") == cb.dimension_label(by[0], "ja")
    assert shown_choice(page, "2つ目の軸（任意）") == (cb.dimension_label(by[1], "ja") if len(by) > 1 else "なし")

    data, name = download(page)
    assert data.startswith(BOM)
    assert data == cli_csv(demo_db, cli_args)
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith(",".join(cb.dimension_label(d, "ja") for d in by) + ",")

    # the file name says what and which filters
    assert name.endswith(".csv")
    assert cb.indicator(indicator).short["ja"].replace(" ", "-") in name  # no spaces in file names
    for dim in by:
        assert cb.dimension_label(dim, "ja") in name
    for where in arg_after(cli_args, "--where"):
        dim, code = where.split("=")
        assert cb.code_label(dim, int(code), "ja") in name
    for wave in arg_after(cli_args, "--wave"):
        assert f"{wave}年" in name
    if arg_after(cli_args, "--channel") == ["open"]:
        assert cb.code_label("channel", 2, "ja") in name and cb.code_label("channel", 1, "ja") not in name
    if by == ["channel"]:
        rows = [line.split(",")[0] for line in text.splitlines()[1:-1]]
        assert rows == [cb.code_label("channel", c, "ja") for c in (1, 2)]  # no 全体


def test_shift_jis_download(page, server, demo_db):
    query, cli_args = VIEWS[0].values
    open_page(page, server, "breakdown", query=query, title="指標の内訳")
    utf8, utf8_name = download(page)

    radio = page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').filter(has_text="文字コード")
    rerun_after(page, lambda: radio.get_by_text("Shift_JIS（Excel旧版向け）").click())
    assert radio.locator("input:checked").count() == 1
    assert "Shift_JIS" in radio.locator("label:has(input:checked)").inner_text()

    data, name = download(page)
    assert not data.startswith(BOM)
    assert data == cli_csv(demo_db, cli_args, encoding="cp932")
    text = data.decode("cp932")
    assert text == utf8.decode("utf-8-sig")  # these labels are all in cp932: nothing replaced
    assert cb.code_label("sex", 1, "ja") in text
    assert name == utf8_name


def cli_activity(db: Path, args: list[str]) -> bytes:
    result = subprocess.run(
        [sys.executable, "-m", "queries", "activity", *args, "--lang", "ja", "--db", str(db)],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def test_activity_fiscal_year_download_is_the_cli_output_of_the_same_view(page, server, demo_db):
    """支援団体の活動 for one fiscal year, 櫛引, by field: the 年度 table's download is
    `python -m queries activity consultations --by fiscal_year --split field ...`, note row included."""
    open_page(page, server, "activity", query="act_fy=2024&district=4&act_by=field", title="支援団体の活動")
    assert shown_choice(page, "年度") == "2024年度"
    with page.expect_download() as info:
        page.locator(".st-key-dl_act_fy button").click()
    dl = info.value
    assert dl.failure() is None, dl.failure()
    data = Path(dl.path()).read_bytes()
    assert data == cli_activity(
        demo_db,
        [
            "consultations",
            "--by",
            "fiscal_year",
            "--split",
            "field",
            "--where",
            "district=4",
            "--from",
            "2024-04",
            "--to",
            "2025-03",
        ],
    )
    assert data.decode("utf-8-sig").endswith(
        "注：個人が特定されないよう、数値にはわずかな調整を加えています。"
        "内訳の合計が全体と一致しないことがあります。\r\n"
    )
    assert "2024年度" in dl.suggested_filename and cb.code_label("district", 4, "ja") in dl.suggested_filename

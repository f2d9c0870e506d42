"""Altair / Vega-Lite specs to PNG with vl-convert, the shipped Japanese font registered once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"


@lru_cache(maxsize=1)
def _vl_convert():
    import vl_convert

    vl_convert.register_font_directory(str(FONT_DIR))
    return vl_convert


def to_png(spec: dict, scale: float = 2.0) -> bytes:
    """PNG bytes of a Vega-Lite spec (fonts: BIZ UDPGothic from dashboard/static/fonts)."""
    return _vl_convert().vegalite_to_png(spec, scale=scale)

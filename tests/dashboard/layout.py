"""Where the text of a chart lands once Vega lays it out (vl-convert's scenegraph), measured
with the dashboard's own font, to catch labels that overlap or are cut off."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import shapely
import vl_convert as vlc
from PIL import ImageFont

FONTS = Path(__file__).resolve().parents[2] / "dashboard" / "static" / "fonts"


@cache
def _font(size: float, bold: bool) -> ImageFont.FreeTypeFont:
    name = "BIZUDPGothic-Bold.ttf" if bold else "BIZUDPGothic-Regular.ttf"
    return ImageFont.truetype(str(FONTS / name), size=max(1, round(size)))


@dataclass
class Text:
    text: str
    role: str
    box: shapely.Polygon
    width: float
    limit: float | None

    @property
    def cut(self) -> bool:
        """Vega would shorten the text to its limit with an ellipsis."""
        return self.limit is not None and self.limit > 0 and self.width > self.limit + 0.5


def _box(item: dict, ox: float, oy: float) -> tuple[shapely.Polygon, float]:
    size = float(item.get("fontSize", 11))
    text = item.get("text", "")
    lines = text if isinstance(text, list) else [text]
    font = _font(size, str(item.get("fontWeight", "")) in ("bold", "700"))
    w = max(font.getlength(str(line)) for line in lines) if lines else 0.0
    h = size * len(lines)
    x = ox + float(item.get("x", 0)) + float(item.get("dx", 0))
    y = oy + float(item.get("y", 0)) + float(item.get("dy", 0))
    left = {"left": 0.0, "center": -w / 2, "right": -w}[item.get("align", "left")]
    top = {"top": 0.0, "middle": -h / 2, "bottom": -h, "alphabetic": -0.8 * h, "line-top": 0.0, "line-bottom": -h}[
        item.get("baseline", "alphabetic")
    ]
    a = math.radians(float(item.get("angle", 0) or 0))
    corners = [(left, top), (left + w, top), (left + w, top + h), (left, top + h)]
    # Vega turns a text about its anchor point
    rotated = [(x + cx * math.cos(a) - cy * math.sin(a), y + cx * math.sin(a) + cy * math.cos(a)) for cx, cy in corners]
    return shapely.Polygon(rotated), w


def texts(chart, roles=("axis-label", "axis-title", "title-text")) -> list[Text]:
    """The visible text items of CHART with the given roles, with their boxes in chart pixels."""
    graph = vlc.vegalite_to_scenegraph(chart.to_dict())["scenegraph"]
    out: list[Text] = []

    def walk(mark: dict, ox: float, oy: float) -> None:
        for item in mark.get("items", []):
            if mark.get("marktype") == "group":
                ix, iy = ox + float(item.get("x", 0)), oy + float(item.get("y", 0))
                for child in item.get("items", []):
                    walk(child, ix, iy)
            elif mark.get("marktype") == "text" and mark.get("role") in roles:
                if float(item.get("opacity", 1)) == 0 or not str(item.get("text", "")).strip():
                    continue
                box, w = _box(item, ox, oy)
                out.append(Text(str(item.get("text")), mark["role"], box, w, item.get("limit")))

    walk(graph, 0.0, 0.0)
    return out


def overlaps(items: list[Text], tolerance: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes overlap by more than TOLERANCE square pixels."""
    found = []
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            if a.box.intersection(b.box).area > tolerance:
                found.append((a.text, b.text))
    return found


@dataclass
class Drawn:
    """One item of a data mark as Vega draws it: its mark's name (e.g. concat_1_layer_0_marks), mark
    type, shape (symbols), text (text marks) and its accessible description ("field: value; …"),
    which names the row it stands for."""

    name: str
    marktype: str
    shape: str | None
    text: str | None
    description: str

    def field(self, name: str) -> str | None:
        for part in self.description.split("; "):
            key, _, value = part.partition(": ")
            if key == name:
                return value
        return None


def drawn(chart) -> list[Drawn]:
    """Every item of CHART's data marks (not axes or legends), in drawing order."""
    graph = vlc.vegalite_to_scenegraph(chart.to_dict())["scenegraph"]
    out: list[Drawn] = []

    def walk(mark: dict) -> None:
        for item in mark.get("items", []):
            if mark.get("marktype") == "group":
                for child in item.get("items", []):
                    walk(child)
            elif mark.get("role") == "mark":
                out.append(
                    Drawn(
                        str(mark.get("name", "")),
                        mark["marktype"],
                        item.get("shape"),
                        item.get("text"),
                        str(item.get("description", "")),
                    )
                )

    walk(graph)
    return out

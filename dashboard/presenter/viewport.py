"""The browser window's size, reported to Python by a tiny components.v2 component.

The slides are sized in pixels (charts are Vega-Lite specs with a width and a height), so the
server needs the window's size. The component reports innerWidth × innerHeight on mount and after
a resize, and only when it differs from what Python already knows (no rerun loop).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

DEFAULT = (1280, 720)
KEY = "pres_viewport"

_JS = """
export default function (component) {
  const { data, setStateValue } = component;
  const known = (data && data.w) ? data.w + "x" + data.h : "";
  let timer = null;
  const report = () => {
    const w = window.innerWidth, h = window.innerHeight;
    if (!w || !h || (w + "x" + h) === known) return;
    setStateValue("size", { w: w, h: h });
  };
  const onResize = () => { clearTimeout(timer); timer = setTimeout(report, 250); };
  window.addEventListener("resize", onResize);
  report();
  return () => { window.removeEventListener("resize", onResize); clearTimeout(timer); };
}
"""

_component = None


@dataclass(frozen=True)
class Viewport:
    width: int
    height: int

    @property
    def font_px(self) -> float:
        """Body type: 24 px on a 720-line screen, growing with the window (1/30 of its height)."""
        return max(24.0, self.height / 30)


def _mount():
    global _component
    if _component is None:
        _component = st.components.v2.component("tsunagari_presenter_viewport", js=_JS)
    return _component


def viewport() -> Viewport:
    """The last size the browser reported (1280 × 720 until it has)."""
    known = st.session_state.get(KEY)
    w, h = known if known else DEFAULT
    try:
        result = _mount()(key="pres_viewport_probe", data={"w": w, "h": h}, on_size_change=lambda: None, height=0)
        size = getattr(result, "size", None)
    except Exception:  # no component runtime (e.g. some test harnesses): keep the default
        size = None
    if isinstance(size, dict) and size.get("w") and size.get("h"):
        new = (int(size["w"]), int(size["h"]))
        if new != (w, h):
            st.session_state[KEY] = new
            w, h = new
    return Viewport(int(w), int(h))

"""The server entry point: `streamlit run dashboard/server.py` serves the router dashboard/app.py
and, on start-up, begins the warm-up (dashboard/warmup.py) so the first page opens sooner.

`streamlit run dashboard/app.py` serves the same dashboard without the warm-up.
"""

from __future__ import annotations

import sys
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import warmup  # noqa: E402


@asynccontextmanager
async def lifespan(_app):
    warmup.start()
    yield


app = st.App("app.py", lifespan=lifespan)

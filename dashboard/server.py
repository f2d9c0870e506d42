"""The server entry point: `streamlit run dashboard/server.py` serves the router dashboard/app.py
behind the sign-in gate (dashboard/access/gate.py) and, on start-up, begins the warm-up
(dashboard/warmup.py) so the first page opens sooner.

It refuses to start on an address beyond this machine when no sign-in is configured in the
instance folder (settings.unsafe_address): exit status 2 and the reason in Japanese and English.
OIDC settings (Streamlit's [auth] section for st.login) come from the instance folder's
secrets.toml, never from the repository's .streamlit/.
"""

from __future__ import annotations

import sys
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from streamlit import config  # noqa: E402

from dashboard import shell, warmup  # noqa: E402
from dashboard.access import gate, settings  # noqa: E402

_refusal = settings.unsafe_address(config.get_option("server.address"))
if _refusal:
    print(_refusal, file=sys.stderr)
    raise SystemExit(2)


# The warm-up starts as soon as `streamlit run` has loaded this file, while its server is still
# starting: the first visitor's page waits for it (the lifespan hook, later, only makes sure).
warmup.start()


@asynccontextmanager
async def lifespan(_app):
    warmup.start()
    yield


app = st.App(
    "app.py",
    lifespan=lifespan,
    secrets=settings.streamlit_secrets(),
    middleware=[Middleware(gate.Gate), Middleware(shell.Shell)],
    routes=gate.routes(),
)

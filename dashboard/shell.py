"""The page shell: Streamlit's index.html, as the browser gets it, in the page's language.

ASGI middleware (dashboard/server.py) around the one HTML document Streamlit serves for every page
address: `<html lang="ja">` (or `en` when the address asks for English, `?lang=en`), so a screen
reader reads the page in its language (JIS X 8341-3 / WCAG 2.1 3.1.1) from the first byte, where
Streamlit's own document says `lang="en"` whatever the page holds. Streamlit gzips the document
it serves for a page's own address (/trends, not /): it is read through the compression and sent
uncompressed. A language switch in the sidebar loads no new document: ui.document_language sets
the attribute in the browser then. The sign-in pages (dashboard/access/gate.py) set their own.

Tried and left out: `<link rel="modulepreload">` for the frontend chunks of the elements the first
page shows (from Streamlit's build manifest). Over three cold starts each it did not bring the first
heading sooner on this 2-core machine (chromium, the server and the warm-up share the cores).
"""

from __future__ import annotations

import gzip
import re
from urllib.parse import parse_qs

ROOT_DIV = b'<div id="root">'  # marks Streamlit's document
_HTML_TAG = re.compile(rb"<html\b[^>]*>", re.IGNORECASE)


def rewrite(body: bytes, lang: str) -> bytes:
    """index.html with the page's language (the document otherwise unchanged)."""
    return _HTML_TAG.sub(f'<html lang="{lang}">'.encode(), body, count=1)


def _lang(scope) -> str:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return "en" if query.get("lang", [""])[0] == "en" else "ja"


class Shell:
    """ASGI middleware: rewrites HTML responses to GET requests (Streamlit's index.html)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            return await self.app(scope, receive, send)
        start: dict | None = None
        chunks: list[bytes] = []

        async def capture(message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                html = headers.get(b"content-type", b"").startswith(b"text/html")
                encoding = headers.get(b"content-encoding", b"").strip().lower()
                if not html or message["status"] != 200 or encoding not in (b"", b"gzip"):
                    start = None
                    capture.passthrough = True
                    return await send(message)
                start = message
                capture.gzipped = encoding == b"gzip"
                return None
            if capture.passthrough:
                return await send(message)
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return None
            raw = b"".join(chunks)
            # Streamlit gzips the document it serves for a page's own address (/breakdown, /map …)
            # when the browser accepts it, though not for "/": read it as the browser would
            body = gzip.decompress(raw) if capture.gzipped else raw
            if ROOT_DIV not in body:  # not Streamlit's document (the sign-in page has its own lang)
                await send(start)
                await send({"type": "http.response.body", "body": raw})
                return None
            body = rewrite(body, _lang(scope))
            # sent uncompressed: the document is about 8 KB
            dropped = (b"content-length", b"etag", b"content-encoding")
            headers = [(k, v) for k, v in start["headers"] if k.lower() not in dropped]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        capture.passthrough = False
        capture.gzipped = False
        await self.app(scope, receive, capture)

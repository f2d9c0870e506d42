"""The page shell (dashboard/shell.py): Streamlit's document gets the page's language; nothing else
the server sends is touched."""

from __future__ import annotations

from pathlib import Path

import streamlit
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from dashboard import shell

INDEX = (Path(streamlit.__file__).resolve().parent / "static" / "index.html").read_text(encoding="utf-8")
OTHER_HTML = '<!doctype html><html lang="ja"><body><main>sign-in</main></body></html>'


def _client() -> TestClient:
    async def index(_request):
        return HTMLResponse(INDEX)

    async def other(_request):
        return HTMLResponse(OTHER_HTML)

    async def text(_request):
        return PlainTextResponse('<html lang="en"><div id="root">')

    app = Starlette(
        routes=[Route("/", index), Route("/breakdown", index), Route("/signin", other), Route("/t", text)],
        middleware=[Middleware(shell.Shell)],
    )
    return TestClient(app)


def test_streamlit_document_is_japanese_by_default_and_english_when_asked():
    assert '<html lang="en">' in INDEX  # what Streamlit ships (else this test checks nothing)
    client = _client()
    for path, lang in (("/", "ja"), ("/breakdown?district=3", "ja"), ("/breakdown?lang=en&sex=2", "en")):
        r = client.get(path)
        assert r.status_code == 200
        assert r.text.count(f'<html lang="{lang}">') == 1, path
        assert int(r.headers["content-length"]) == len(r.content)
        # the rest of the document is Streamlit's, byte for byte
        assert r.text.replace(f'<html lang="{lang}">', '<html lang="en">', 1) == INDEX


def test_the_document_gets_its_language_when_the_server_gzips_it():
    """Streamlit's server gzips the document for a page's own address (/breakdown) when the
    browser accepts gzip, as every browser does: the shell reads it through the compression."""
    app = Starlette(
        routes=[
            Route("/breakdown", lambda _request: HTMLResponse(INDEX)),
            Route("/signin", lambda _r: HTMLResponse(OTHER_HTML * 20)),
        ],
        middleware=[Middleware(shell.Shell), Middleware(GZipMiddleware, minimum_size=0)],
    )
    client = TestClient(app)
    for query, lang in (("?district=3", "ja"), ("?lang=en", "en")):
        r = client.get("/breakdown" + query, headers={"accept-encoding": "gzip"})
        assert r.status_code == 200
        assert r.text.count(f'<html lang="{lang}">') == 1, query
        assert r.text.replace(f'<html lang="{lang}">', '<html lang="en">', 1) == INDEX
        assert "content-encoding" not in r.headers and int(r.headers["content-length"]) == len(r.content)
    # another HTML page goes out as the server made it, compressed
    r = client.get("/signin?lang=en", headers={"accept-encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.text == OTHER_HTML * 20


def test_other_responses_are_left_alone():
    client = _client()
    assert client.get("/signin?lang=en").text == OTHER_HTML
    assert client.get("/t").text == '<html lang="en"><div id="root">'
    assert client.post("/").status_code == 405

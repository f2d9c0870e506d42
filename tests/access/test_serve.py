"""Listening safely: without sign-in the server stays on this machine and refuses any other
address, saying why in Japanese and English; `make serve` refuses at once; with accounts it may."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from dashboard.access import accounts, settings

REPO = Path(__file__).resolve().parents[2]
REASON_JA, REASON_EN = "サインインが設定されていないため", "no sign-in is configured"


def run(args: list[str], instance: Path, timeout: float = 90) -> subprocess.CompletedProcess:
    env = {**os.environ, "TSUNAGARI_INSTANCE": str(instance), "STREAMLIT_SERVER_HEADLESS": "true"}
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize(
    "address, refused",
    [
        ("0.0.0.0", True),
        ("", True),
        ("192.0.2.1", True),
        ("::", True),
        ("127.0.0.1", False),
        ("localhost", False),
        ("::1", False),
    ],
)
def test_which_addresses_need_sign_in(instance, address, refused):
    assert bool(settings.unsafe_address(address)) is refused
    accounts.add("jimu", "secretariat", "a long password")
    assert settings.unsafe_address(address) is None  # with sign-in, any address


def test_the_repository_default_is_this_machine():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"


def test_serve_without_sign_in_exits_at_once_saying_why(instance):
    started = time.monotonic()
    done = run([sys.executable, "-m", "dashboard", "serve", "--port", "8765"], instance)
    assert done.returncode == 2
    assert REASON_JA in done.stderr and REASON_EN in done.stderr
    assert time.monotonic() - started < 30
    assert run(["make", "--no-print-directory", "serve", "PORT=8765"], instance).returncode != 0


def test_serve_check_passes_with_accounts(instance):
    accounts.add("jimu", "secretariat", "a long password")
    done = run([sys.executable, "-m", "dashboard", "serve", "--check"], instance)
    assert done.returncode == 0, done.stderr


def test_streamlit_run_on_all_interfaces_without_sign_in_refuses_to_start(instance):
    done = run(
        [sys.executable, "-m", "streamlit", "run", "dashboard/server.py", "--server.address", "0.0.0.0",
         "--server.port", "8766", "--server.fileWatcherType", "none"],
        instance,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert REASON_JA in done.stderr and REASON_EN in done.stderr

"""Fixtures of the disclosure attack suite: the databases attacked, the suite's results per
database (computed once per session) and the results file tests/artifacts/disclosure_attacks.json.

Two databases, each built by the project's own commands in an instance folder of this suite whose
record-key secret is fixed (made from a seed), so that the noise — hence every number the suite
reports — is the same at every run:

- demo: `python -m data build --demo` (the committed demo extracts, as the session's demo_db);
- generated: `python -m data demo --seed 11 --responses 3000 --activity-rows 8000` then
  `python -m data build --from DIR`.

DISCLOSURE_SECRET=random uses a fresh random secret instead (other noise: how much the shares move
from one installation to another); DISCLOSURE_SECRET=<text> derives the secret from that text.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

ARTIFACT = REPO / "tests" / "artifacts" / "disclosure_attacks.json"
GENERATED = {"seed": 11, "responses": 3000, "activity_rows": 8000}
SECRET_SEED = "tsunagari disclosure attack suite"
DATASETS = ("demo", "generated")

_results: dict = {}
_timing: dict = {}


def _secret_hex() -> tuple[str, str]:
    choice = os.environ.get("DISCLOSURE_SECRET", "").strip()
    if choice == "random":
        return secrets.token_hex(32), "random"
    text = choice or SECRET_SEED
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), f"sha256({text!r})"


@pytest.fixture(scope="session")
def attack_instance(tmp_path_factory) -> dict:
    """An instance folder holding this suite's record-key secret; the environment of its builds."""
    folder = tmp_path_factory.mktemp("disclosure_instance")
    secret, source = _secret_hex()
    (folder / "record_key.secret").write_text(secret + "\n", encoding="ascii")
    os.chmod(folder / "record_key.secret", 0o600)
    _timing["secret"] = source
    return {**os.environ, "TSUNAGARI_INSTANCE": str(folder)}


def _run(args, env) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="session")
def attack_dbs(tmp_path_factory, attack_instance) -> dict[str, Path]:
    """The demo database and a generated one, built with the suite's secret."""
    t0 = time.perf_counter()
    work = tmp_path_factory.mktemp("disclosure_dbs")
    demo = work / "demo.duckdb"
    _run(["data", "build", "--demo", "--db", str(demo)], attack_instance)
    extracts = work / "generated"
    _run(
        [
            "data",
            "demo",
            "--out",
            str(extracts),
            "--seed",
            str(GENERATED["seed"]),
            "--responses",
            str(GENERATED["responses"]),
            "--activity-rows",
            str(GENERATED["activity_rows"]),
        ],
        attack_instance,
    )
    generated = work / "generated.duckdb"
    _run(["data", "build", "--from", str(extracts), "--db", str(generated)], attack_instance)
    _timing["build_s"] = round(time.perf_counter() - t0, 2)
    return {"demo": demo, "generated": generated}


@pytest.fixture(scope="session")
def suite_of(attack_dbs):
    """suite_of(dataset) -> attacks.SuiteResult, run once per dataset and written to the artifact."""
    from queries import runner

    from .attacks import run_suite

    def get(dataset: str):
        if dataset not in _results:
            con = runner.connect(attack_dbs[dataset])
            try:
                _results[dataset] = run_suite(con, dataset)
            finally:
                con.close()
            _write_artifact()
        return _results[dataset]

    return get


def _write_artifact() -> None:
    from data import codebook
    from queries import disclosure

    from . import attacks

    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "about": "tests/disclosure: attacks of issue 11 on the protected outputs; share of hidden cells "
        "recovered exactly (survey: n and count with the trait; activity: the count).",
        "target_share": attacks.TARGET_SHARE,
        "min_span": attacks.MIN_SPAN,
        "ptables": codebook.disclosure()["ptables"],
        "min_n": disclosure.min_n(),
        "min_filter_n": disclosure.min_filter_n(),
        "indicators": list(attacks.INDICATORS),
        "averaging": {
            "want_decompositions": attacks.WANT_DECOMPOSITIONS,
            "survey_targets": attacks.AVERAGING_SURVEY_TARGETS,
            "activity_targets": attacks.AVERAGING_ACTIVITY_TARGETS,
            "referral_targets": attacks.AVERAGING_REFERRAL_TARGETS,
            "seed": attacks.SEED,
        },
        "generated": GENERATED,
        "setup": dict(_timing),
        "datasets": {name: r.summary() for name, r in _results.items()},
    }
    ARTIFACT.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def pytest_terminal_summary(terminalreporter):
    if _results:
        terminalreporter.section("disclosure attacks")
        for r in _results.values():
            terminalreporter.write_line(r.table())
            terminalreporter.write_line("")
        terminalreporter.write_line(f"written to {ARTIFACT.relative_to(REPO)}")

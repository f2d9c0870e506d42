"""tests/perf holds the benchmark (`make bench`) and the load harness (`make load`): scripts, not
tests, but for the harness's own test (test_*.py), which `make test` runs."""

from pathlib import Path

collect_ignore = [p.name for p in Path(__file__).parent.glob("*.py") if not p.name.startswith(("test_", "conftest"))]

"""tests/perf holds the benchmark (`make bench`), not tests: pytest collects nothing here."""

collect_ignore_glob = ["*.py"]

"""Extracts → one DuckDB file: codebook, reading and validating extracts, weights, demo data."""

"""Moved to data/marts.py (issue 12): the build owns its marts."""
from data.marts import missing_objects  # noqa: F401  # transitional (issue 12): dashboard still imports this here

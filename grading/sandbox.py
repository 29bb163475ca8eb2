"""Moved to grading.autograde.sandbox; kept while grading/__main__.py and grading/demo.py import it from here."""
from .autograde.sandbox import Limits, isolation  # noqa: F401

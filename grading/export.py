"""Moved to grading.publish.export; kept while grading/__main__.py and grading/demo.py import it from here."""
from .publish.export import *  # noqa: F403

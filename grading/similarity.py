"""Moved to grading.publish.similarity; kept while grading/__main__.py and grading/demo.py import it from here."""
from .publish.similarity import *  # noqa: F403

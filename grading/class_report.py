"""Moved to grading.publish.class_report; kept while grading/__main__.py and grading/demo.py import it from here."""
from .publish.class_report import *  # noqa: F403

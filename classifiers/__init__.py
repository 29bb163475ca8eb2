"""Classifiers written in this course, one sub-package per chapter."""

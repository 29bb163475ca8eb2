"""Instructor tooling: build the student files from solutions/, release them, autograde a class."""

"""Instructor tooling: build the student files from solutions/, release them, autograde a class."""
import sys

# nbformat and nbgrader validate with jsonschema, which imports rfc3987_syntax when it is installed (jupyter-events
# pulls it in for the "iri" string formats). Its import compiles 39 lark grammars: about 1 CPU-s in every grader
# process, the feedback page processes included, for formats that no notebook or nbgrader schema uses. Without it,
# jsonschema leaves those formats unchecked.
sys.modules.setdefault("rfc3987_syntax", None)

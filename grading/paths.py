"""Where things live in the course repository."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
REFERENCE_PACKAGE = SOLUTIONS / "classifiers"
NOTEBOOK_SOURCES = SOLUTIONS / "notebooks"
STUB_PACKAGE = ROOT / "classifiers"
ASSIGNMENTS = ROOT / "assignments"

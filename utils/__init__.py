"""Given helpers for the chapter: gradient checks, data loading, the Solver and plots. Students do not edit these."""

"""Turn a reference module into a student stub: every solution region becomes one uniform stub.

nbgrader copies ``.py`` files verbatim (jupyter/nbgrader#1237), so this is the course's own ClearSolutions for
modules. A region is the lines strictly between ``### BEGIN SOLUTION`` and ``### END SOLUTION``; the stub keeps
the indentation of the BEGIN marker.
"""
import re

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError")
_MARKER = re.compile(r"^(\s*)(### (?:BEGIN|END) SOLUTION)\s*$")


class MarkerError(ValueError):
    """Solution markers that do not pair up; the message names the file and line."""


def make_stub(source, name="<source>"):
    """Source text with every solution region replaced by ``# YOUR CODE HERE`` / ``raise NotImplementedError``.

    Inputs:
    - source: text of a reference module
    - name: shown in error messages

    Returns:
    - the stub text

    Raises MarkerError for a nested BEGIN, an END without BEGIN, a BEGIN without END, or an END indented
    differently from its BEGIN.
    """
    out, region = [], None  # region: (line number, indentation) of the open BEGIN
    for lineno, line in enumerate(source.splitlines(keepends=True), start=1):
        match = _MARKER.match(line)
        if match is None:
            if region is None:
                out.append(line)
            continue
        indent, marker = match.groups()
        if marker == BEGIN:
            if region is not None:
                raise MarkerError(f"{name}:{lineno}: {BEGIN} inside the region opened at line {region[0]}")
            region = (lineno, indent)
            out.extend(f"{indent}{stub_line}\n" for stub_line in STUB)
        else:
            if region is None:
                raise MarkerError(f"{name}:{lineno}: {END} without a {BEGIN} before it")
            if indent != region[1]:
                raise MarkerError(f"{name}:{lineno}: {END} is indented differently from {BEGIN} at line {region[0]}")
            region = None
    if region is not None:
        raise MarkerError(f"{name}:{region[0]}: {BEGIN} is never closed by {END}")
    return "".join(out)

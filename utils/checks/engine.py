"""The one engine behind every check: run a case's probe, turn its outputs into plain numbers, compare them.

A *case* (one per nbgrader grade cell, keyed by grade_id) has a *probe*: ``probe(m, rng) -> {name: array}`` calls
the code under test (``m`` is the ``classifiers.chapter3`` package) on inputs drawn from ``rng``. The same probe
run on the reference package gives the expected outputs. Outputs travel as :class:`Plain` values (dtype name,
shape and float64 data), so a comparison never touches an object made by the code under test.
"""
import base64
import re
import sysconfig
import traceback
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..gradient_check import relative_errors
from .status import Status

PASSED, FAILED, NOT_ATTEMPTED, ERROR = Status.PASSED, Status.FAILED, Status.NOT_ATTEMPTED, Status.ERROR
MAX_ELEMENTS = 2_000_000  # per output; a probe never needs more, a hostile submission may try

CASES = {}


@dataclass(frozen=True)
class Case:
    """One graded check.

    - grade_id: nbgrader grade_id; starts with the name of the function or class under test
    - target: that name, e.g. "affine_backward" or "ShallowLayerNet"
    - probe: ``probe(m, rng) -> {output name: array-like}``
    - rtol: largest relative error accepted (raised to 1e-4 for float32 outputs)
    - output_rtol: {output name: rtol} for outputs that accept more than ``rtol`` (a loss that a textbook's
      ``log(p + 1e-7)`` guard moves by ~1e-6)
    - hint: {"zh": ..., "en": ...}, how to compute it right: shown when the outputs have wrong values
    - kind_hints: {kind: {"zh": ..., "en": ...}} replacing the general hint of another kind of mistake
      ("shape", "dtype", "finite", "factor", "exception", ...; see ``messages.hint_kind``)
    - check_dtype: compare dtypes as well as values
    - judge: optional ``judge(got, rng) -> [problem text]`` for outputs judged by a rule (an accuracy threshold)
      instead of by equality with the reference; it runs where the expected outputs live, never in the probe's
      process, and ``rng`` is a fresh generator with the probe's seed
    """

    grade_id: str
    target: str
    probe: object
    rtol: float = 1e-6
    output_rtol: dict = field(default_factory=dict)
    hint: dict = field(default_factory=dict)
    kind_hints: dict = field(default_factory=dict)
    check_dtype: bool = True
    judge: object = None

    @property
    def reads_file(self):
        """True when the case checks a file the notebook saves (its target is the file name), not a function."""
        return self.target.endswith(".npz")


class NotAttempted(Exception):
    """Raised by a probe when there is nothing to check yet: the file the case reads has not been saved."""


def case(grade_id, target, **options):
    """Decorator: register ``probe`` as the case ``grade_id``."""
    def register(probe):
        if grade_id in CASES:
            raise ValueError(f"duplicate case {grade_id!r}")
        CASES[grade_id] = Case(grade_id, target, probe, **options)
        return probe
    return register


def visible_seed(grade_id):
    """The seed of the inputs a notebook shows for this case (stable, public)."""
    return zlib.crc32(grade_id.encode()) % 2**31


@dataclass(frozen=True)
class Plain:
    """A probe output as plain numbers: the dtype name the code under test produced, and float64 data."""

    dtype: str
    data: np.ndarray

    @property
    def shape(self):
        return self.data.shape


def to_plain(value):
    """Plain copy of a probe output (array, scalar, list); raises TypeError for anything not numeric."""
    arr = np.array(value, copy=True)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"expected numbers, got {type(value).__name__} of dtype {arr.dtype}")
    if arr.size > MAX_ELEMENTS:
        raise ValueError(f"output has {arr.size} elements, more than {MAX_ELEMENTS}")
    return Plain(arr.dtype.name, np.ascontiguousarray(arr, dtype=np.float64).view(np.ndarray))


def encode(outputs):
    """JSON-safe form of {name: Plain}."""
    return {name: {"dtype": p.dtype, "shape": list(p.shape), "data": base64.b64encode(p.data.tobytes()).decode()}
            for name, p in outputs.items()}


_DTYPES = frozenset({"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                     "float16", "float32", "float64", "float128", "longdouble"})


def decode(obj):
    """{name: Plain} from :func:`encode`'s form; raises ValueError on anything malformed (it may be hostile)."""
    if not isinstance(obj, dict):
        raise ValueError("outputs must be a JSON object")
    out = {}
    for name, item in obj.items():
        if not (isinstance(name, str) and isinstance(item, dict) and set(item) == {"dtype", "shape", "data"}):
            raise ValueError(f"malformed output {name!r}")
        dtype, shape, data = item["dtype"], item["shape"], item["data"]
        if dtype not in _DTYPES or not isinstance(data, str) or not isinstance(shape, list):
            raise ValueError(f"malformed output {name!r}")
        if not all(type(n) is int and 0 <= n <= MAX_ELEMENTS for n in shape) or len(shape) > 8:
            raise ValueError(f"malformed shape of output {name!r}")
        size = int(np.prod(shape, dtype=np.int64))
        if size > MAX_ELEMENTS or len(data) != 4 * -(-8 * size // 3):
            raise ValueError(f"output {name!r} does not hold {size} numbers")
        raw = base64.b64decode(data, validate=True)
        out[name] = Plain(dtype, np.frombuffer(raw, dtype="<f8").reshape(shape).copy())
    return out


@dataclass
class Result:
    """What running a probe gave: a status (PASSED, NOT_ATTEMPTED or ERROR here; the sandbox adds its own), the
    plain outputs, and (for errors) a short description."""

    status: Status
    outputs: dict = field(default_factory=dict)
    error: str = ""
    warnings: list = field(default_factory=list)


def run_probe(case_, module, seed):
    """Run a probe on ``module`` with inputs from ``seed``; never raises for what the code under test does."""
    rng = np.random.default_rng(seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            raw = case_.probe(module, rng)
            outputs = {name: to_plain(value) for name, value in raw.items()}
        except NotImplementedError as exc:
            frames = traceback.extract_tb(exc.__traceback__)
            return Result(NOT_ATTEMPTED, error=frames[-1].name if frames else "")
        except NotAttempted:
            return Result(NOT_ATTEMPTED)
        except Exception as exc:  # the code under test may raise anything
            return Result(ERROR, error=describe_error(exc))
    notes = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    return Result(PASSED, outputs, warnings=notes)


_OURS = Path(__file__).resolve().parent  # utils/checks: never the place a student's error is reported at
_LIBRARIES = tuple({Path(p).resolve() for key in ("stdlib", "platstdlib", "purelib", "platlib")
                    if (p := sysconfig.get_paths().get(key))})


def _is_library(filename):
    path = Path(filename).resolve()
    return path.is_relative_to(_OURS) or any(path.is_relative_to(lib) for lib in _LIBRARIES)


def student_frame(exc):
    """The innermost frame of ``exc``'s traceback in the code under test (not the checks, not a library), or None.

    That is where the student's function raised it: an error inside NumPy is reported at the student's line that
    called NumPy, and an error in a probe (unpacking what a function returned) has no such frame.
    """
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not _is_library(f.filename)]
    return frames[-1] if frames else None


def describe_error(exc):
    """``Type: message`` and, when the student's code raised it, ``(in function, file:line)`` (see ``located``)."""
    message = str(exc).splitlines()[0][:300] if str(exc) else ""
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    frame = student_frame(exc)
    return text + (f" (in {frame.name}, {Path(frame.filename).name}:{frame.lineno})" if frame else "")


_WHERE = re.compile(r" \(in ([\w.<>]+), ([\w.<>-]+):(\d+)\)$")


def located(error):
    """(function, file, line) that ``describe_error`` appended to an error text, or None when it named no place."""
    match = _WHERE.search(error or "")
    return (match.group(1), match.group(2), int(match.group(3))) if match else None


def unlocated(error):
    """The error text without the place ``describe_error`` appended to it."""
    return _WHERE.sub("", error or "")


def compare(case_, got, expected, rng=None):
    """Problems (list of (key, params) for the message table) of ``got`` against ``expected``; empty means pass.

    Inputs:
    - got, expected: {name: Plain}
    - rng: generator with the probe's seed, for the case's judge
    """
    if case_.judge is not None:
        return [("judge", {"text": text}) for text in case_.judge(got, rng)]
    problems = []
    for name, exp in expected.items():
        if name not in got:
            problems.append(("missing", {"name": name}))
            continue
        g = got[name]
        if g.shape != exp.shape:
            problems.append(("shape", {"name": name, "got": g.shape, "expected": exp.shape}))
            continue
        if case_.check_dtype and g.dtype != exp.dtype:
            problems.append(("dtype", {"name": name, "got": g.dtype, "expected": exp.dtype}))
        if not np.all(np.isfinite(g.data)):
            problems.append(("finite", {"name": name}))
            continue
        error, index = relative_error(g.data, exp.data)
        rtol = case_.output_rtol.get(name, case_.rtol)
        rtol = max(rtol, 1e-4) if exp.dtype in ("float32", "float16") else rtol
        if error > rtol:
            problems.append(("value", {"name": name, "error": error, "rtol": rtol, "index": index,
                                       "got": g.data[index], "expected": exp.data[index],
                                       "factor": constant_factor(g.data, exp.data, rtol)}))
    return problems


def constant_factor(got, expected, rtol):
    """r when ``got`` equals r * ``expected`` entry by entry (within rtol) for some r other than 1, else None.

    Catches a division by N missing or done twice (mean instead of sum), a stray 2 or 0.5, a flipped sign. With a
    single significant entry any wrong value is some multiple, so there r (or 1/r) must be a whole number.
    """
    big = np.abs(expected) > 1e-3 * float(np.max(np.abs(expected), initial=0.0))
    if not big.any():
        return None
    r = float(np.median(got[big] / expected[big]))
    if not np.isfinite(r) or r == 0 or abs(r - 1) <= 10 * rtol:
        return None
    if np.count_nonzero(big) == 1 and not any(abs(k - round(k)) <= 1e-6 * abs(k) for k in (r, 1 / r)):
        return None
    return r if float(np.max(relative_errors(got, r * expected))) <= max(rtol, 1e-9) * 10 else None


def relative_error(got, expected):
    """Largest relative error and where it is, by the course's one formula (``utils.gradient_check``):
    ``|g - e| / max(|g| + |e|, floor)`` elementwise with ``floor = max(1e-3 * the largest |g| + |e|, 1e-12)``.

    The floor keeps entries that are tiny only by cancellation from dominating (a correct implementation that
    sums in another order must pass).
    """
    if expected.size == 0:
        return 0.0, ()
    err = relative_errors(got, expected)
    flat = int(np.argmax(err))
    return float(err.flat[flat]), np.unravel_index(flat, expected.shape)


def verdict(case_, result, expected, seed):
    """(status, problems) of one probe run against its expected outputs (None for judged cases)."""
    if result.status != PASSED:
        return result.status, []
    problems = compare(case_, result.outputs, expected or {}, np.random.default_rng(seed))
    return (FAILED if problems else PASSED), problems

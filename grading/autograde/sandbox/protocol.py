"""The protocol with the runner: its stdout read line by line under a byte cap and a deadline (Channel), each
line checked against the next step the runner may take (Watch), and a result line decoded (decode_result).

Nothing the child says is believed beyond outputs that decode (``engine.decode``) and a status from a known set.
"""
import json
import os
import selectors
import time

from utils.checks import engine
from utils.checks.engine import Result

from ...status import ERROR, INVALID_OUTPUT, MEMORY, PASSED, RUN_STATUSES
from .confinement import TooMuchCpu

_CHILD_STATUSES = frozenset(RUN_STATUSES) - {INVALID_OUTPUT}
EOF = object()


class Overflow(Exception):
    """The child sent more than the byte cap."""


class Channel:
    """Lines from the child's stdout, read without blocking past a deadline and never beyond a byte cap."""

    def __init__(self, proc, cap):
        self.proc, self.cap = proc, cap
        self.fd = proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.fd, selectors.EVENT_READ)
        self.buffer, self.total, self.eof = bytearray(), 0, False

    def next_line(self, deadline, meter=None):
        """The next line; None at the deadline; EOF once the child has gone (even if an orphan holds the pipe)."""
        while True:
            end = self.buffer.find(b"\n")
            if end >= 0:
                line = bytes(self.buffer[:end])
                del self.buffer[:end + 1]
                return line
            if self.eof:
                return EOF
            now = time.monotonic()
            if now >= deadline:
                return None
            if meter is not None and meter.exceeded():
                raise TooMuchCpu
            if self.selector.select(min(deadline - now, 0.1)):
                self._read()
            elif exited(self.proc) and not self._read():
                self.eof = True

    def _read(self):
        try:
            chunk = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return 0
        if not chunk:
            self.eof = True
        self.total += len(chunk)
        if self.total > self.cap:
            raise Overflow
        self.buffer += chunk
        return len(chunk)

    def close(self):
        self.selector.close()
        self.proc.stdout.close()


def exited(proc, wait=0.0):
    """Whether the child has ended (waiting up to ``wait`` s), without reaping it: until its process group is
    killed, its pid must stay ours."""
    deadline = time.monotonic() + wait
    while True:
        try:
            if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:  # already reaped
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


class Watch:
    """What one child has said so far: the protocol, checked line by line, and the per-step deadline."""

    def __init__(self, pending, modules, case_seconds):
        self.pending, self.modules, self.case_seconds = list(pending), set(modules), case_seconds
        self.next = 0  # index in pending of the next job the child may start
        self.current = None  # the job running now
        self.importing = None  # the module being imported now
        self.ready = False
        self.results = {}
        self.fatal = ""
        self.deadline = time.monotonic() + case_seconds

    def _step(self):
        self.deadline = time.monotonic() + self.case_seconds

    def feed(self, raw):
        """Take one line; returns "done" or "fatal" when the child says so, else None."""
        try:
            msg = json.loads(raw)
        except Exception:  # hostile bytes: not JSON, too deep, huge numbers
            msg = None
        if not isinstance(msg, dict):
            return self._junk()
        keys = set(msg)
        if keys == {"ready"} and not self.ready:
            self.ready = True
        elif keys == {"import"} and self.ready and msg["import"] in self.modules:
            self.modules.discard(msg["import"])
            self.importing = msg["import"]
        elif keys == {"imported"} and self.importing is not None and msg["imported"] == self.importing:
            self.importing = None
        elif keys == {"start"} and self._starts(msg["start"]):
            self.current = self.pending[self.next]
            self.next += 1
        elif "job" in keys and self.current is not None and msg["job"] == list(self.current):
            self.results[self.current] = decode_result(msg)
            self.current = None
        elif keys == {"done"}:
            return "done"
        elif keys == {"fatal"} and not self.ready:
            self.fatal = str(msg["fatal"])[-2000:]
            return "fatal"
        else:
            return self._junk()
        self._step()
        return None

    def _starts(self, job):
        return (self.current is None and self.importing is None and self.next < len(self.pending)
                and job == list(self.pending[self.next]))

    def _junk(self):
        """A line that is not the next protocol step: the running job's result can no longer be trusted."""
        if self.current is not None:
            self.results[self.current] = Result(INVALID_OUTPUT, error="the process wrote something that is not "
                                                                       "a result into the grader's channel")
            self.current = None
        return None


def decode_result(msg):
    """A Result from a child's result line; anything malformed is INVALID_OUTPUT."""
    status, error, notes = msg.get("status"), msg.get("error", ""), msg.get("warnings", [])
    if (status not in _CHILD_STATUSES or not isinstance(error, str) or not isinstance(notes, list)
            or not all(isinstance(n, str) for n in notes)):
        return Result(INVALID_OUTPUT, error="the result line is malformed")
    notes = [n[:300] for n in notes[:20]]
    if status != PASSED:
        if status == ERROR and error.split(":", 1)[0].endswith("MemoryError"):  # numpy's is _ArrayMemoryError
            status = MEMORY
        return Result(status, error=error[:500], warnings=notes)
    try:
        outputs = engine.decode(msg.get("outputs"))
    except Exception as exc:  # decode raises ValueError on malformed input; be safe against anything
        return Result(INVALID_OUTPUT, error=f"the outputs did not decode: {exc}"[:300])
    return Result(PASSED, outputs, warnings=notes)

"""The trusted script the sandbox runs: import a student's modules, run case probes, stream back plain outputs.

It runs in the sandbox's child process (``python -I -B runner.py``, the job on stdin), next to a scratch copy of
``utils/`` and ``classifiers/chapter3/``; it imports nothing from ``grading``. Order matters:

1. read the job, set the resource limits and (when started as root) drop to an unprivileged uid;
2. keep a private copy of the stdout pipe for results and point fds 0, 1, 2 at /dev/null, so nothing the
   student prints can reach the parent;
3. import the checker engine and the case tables, before any student code;
4. import each student module on its own (a broken one only breaks the names it defines);
5. for each job: a ``start`` line, the probe, a result line; then ``done``.

Every line is one JSON object. Student code runs in this process and may rewrite anything here, so the parent
believes none of it: it decodes the outputs strictly and compares them with the reference itself.
"""
import importlib
import json
import os
import resource
import sys
import traceback
import types

# Bound before any student code runs: a student who patches json.dumps or os.write later changes nothing here.
_dumps = json.dumps
_write = os.write

# The words of utils.checks.status.Status (tests/test_status.py ties them): the runner starts with an isolated
# sys.path, before utils/ is importable.
PASSED, NOT_ATTEMPTED, ERROR, MEMORY = "passed", "not attempted", "error", "memory"
PACKAGE = "classifiers.chapter3"
_LIMITS = {
    "cpu_seconds": resource.RLIMIT_CPU,
    "memory_bytes": resource.RLIMIT_AS,
    "processes": resource.RLIMIT_NPROC,
    "file_bytes": resource.RLIMIT_FSIZE,
}


def read_job():
    """The job from stdin: {"jobs": [[grade_id, seed]], "modules": [...], "exports": {module: [names]},
    "skip": {module: [status, message]}, "limits": {...}, "uid": int or None}."""
    return json.loads(sys.stdin.buffer.read())


def apply_limits(limits, uid):
    """Hard and soft rlimits (the CPU limit's hard value a little higher: SIGXCPU first, SIGKILL if ignored);
    then, when started as root, become ``uid`` (which drops every capability, so the limits stay)."""
    for name, which in _LIMITS.items():
        value = int(limits[name])
        hard = value + 2 if which == resource.RLIMIT_CPU else value
        resource.setrlimit(which, (value, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)


def open_channel():
    """A private duplicate of stdout for results; fds 0, 1 and 2 then point at /dev/null."""
    fd = os.dup(1)
    null_in, null_out = os.open(os.devnull, os.O_RDONLY), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null_in, 0)
    os.dup2(null_out, 1)
    os.dup2(null_out, 2)
    os.close(null_in)
    os.close(null_out)
    return fd


def send(fd, obj):
    """Write one JSON line to the parent."""
    data = (_dumps(obj, separators=(",", ":")) + "\n").encode()
    while data:
        data = data[_write(fd, data):]


def import_trusted():
    """The engine and every case table, imported while only trusted code has run; the probes that replace a
    judged case's own (``verified_probes.py``, the grader's, so that it can verify what it judges) are put in."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import dataclasses

    from verified_probes import PROBES

    import utils.checks  # noqa: F401  (registers every case)
    from utils.checks import engine

    for grade_id, probe in PROBES.items():
        if grade_id in engine.CASES:
            engine.CASES[grade_id] = dataclasses.replace(engine.CASES[grade_id], probe=probe)
    return engine


def describe_import_error(exc, module):
    """``SyntaxError in layers.py line 3: invalid syntax``: the type, the student's file and line, the message."""
    filename, line = f"{module}.py", None
    if isinstance(exc, SyntaxError):
        filename = os.path.basename(exc.filename or filename)
        line, message = exc.lineno, exc.msg
    else:
        message = str(exc)
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if f"{os.sep}classifiers{os.sep}" in frame.filename:
                filename, line = os.path.basename(frame.filename), frame.lineno
                break
    where = f"{filename} line {line}" if line else filename
    return f"{type(exc).__name__} in {where}: {message}"[:400]


class Unavailable(types.ModuleType):
    """Stands in for a module that could not be imported: any name taken from it raises ImportError with why."""

    def __init__(self, name, message):
        super().__init__(name)
        self.__why = message

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise ImportError(self.__why)


def import_student(channel, modules, skip):
    """{module: module object or (status, message)} after importing each student module on its own.

    A module that failed is replaced in sys.modules by :class:`Unavailable`, so another module importing it
    fails at once with the reason instead of running the broken code again.
    """
    loaded = {}
    for name in modules:
        full = f"{PACKAGE}.{name}"
        if name in skip:
            status, message = skip[name]
            loaded[name] = (status, message)
            sys.modules[full] = Unavailable(full, message)
            continue
        send(channel, {"import": name})
        try:
            loaded[name] = importlib.import_module(full)
        except BaseException as exc:  # the student's import may raise anything, SystemExit included
            status = MEMORY if isinstance(exc, MemoryError) else ERROR
            loaded[name] = (status, describe_import_error(exc, name))
            sys.modules[full] = Unavailable(full, loaded[name][1])
        send(channel, {"imported": name})
    return loaded


class Chapter3(types.ModuleType):
    """What a probe sees as the ``classifiers.chapter3`` package: each name taken from the student module that
    defines it in the reference; a name whose module is missing or broken raises, and the reason is kept."""

    def __init__(self, loaded, exports):
        super().__init__(PACKAGE)
        self._loaded = loaded
        self._home = {n: module for module, names in exports.items() for n in names}
        self._problem = None

    def _take_problem(self):
        problem, self._problem = self._problem, None
        return problem

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        home = self._home.get(name)
        candidates = [home] if home else list(self._loaded)
        for module_name in candidates:
            module = self._loaded.get(module_name)
            if isinstance(module, tuple):
                self._problem = module
                if module[0] == NOT_ATTEMPTED:
                    raise NotImplementedError(module[1])
                raise ImportError(module[1])
            if module is not None and hasattr(module, name):
                return getattr(module, name)
        where = f"{home}.py" if home else PACKAGE
        self._problem = (ERROR, f"AttributeError: {where} does not define {name}")
        raise AttributeError(self._problem[1])


def run_job(engine, namespace, grade_id, seed):
    """One result line (a dict) for the case ``grade_id`` on inputs from ``seed``."""
    case_ = engine.CASES.get(grade_id)
    if case_ is None:
        return {"status": ERROR, "outputs": {}, "error": f"unknown case {grade_id}", "warnings": []}
    namespace._take_problem()
    try:
        result = engine.run_probe(case_, namespace, seed)
    except BaseException as exc:  # SystemExit, KeyboardInterrupt: run_probe only catches Exception
        result = engine.Result(ERROR, error=f"{type(exc).__name__}: {exc}"[:500])
    problem = namespace._take_problem()
    if problem and result.status != PASSED:
        result = engine.Result(problem[0], error=problem[1])
    return {"status": result.status, "outputs": engine.encode(result.outputs), "error": result.error,
            "warnings": list(result.warnings)}


def main():
    job = read_job()
    apply_limits(job["limits"], job.get("uid"))
    channel = open_channel()
    try:
        engine = import_trusted()
    except BaseException:
        send(channel, {"fatal": traceback.format_exc(limit=-3)[-2000:]})
        os._exit(3)
    send(channel, {"ready": True})
    loaded = import_student(channel, job["modules"], {k: tuple(v) for k, v in job["skip"].items()})
    namespace = Chapter3(loaded, job["exports"])
    for grade_id, seed in job["jobs"]:
        send(channel, {"start": [grade_id, seed]})
        try:
            line = run_job(engine, namespace, grade_id, seed)
        except BaseException as exc:  # the student may have broken the engine itself; the parent judges anyway
            line = {"status": ERROR, "outputs": {}, "error": f"the checker failed: {type(exc).__name__}: {exc}"[:500],
                    "warnings": []}
        send(channel, {"job": [grade_id, seed], **line})
    send(channel, {"done": True})
    os._exit(0)  # no atexit handlers, no waiting for threads the student started


if __name__ == "__main__":
    main()

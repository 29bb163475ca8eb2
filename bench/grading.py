"""What grading a class costs, stage by stage, against its floor; and against plain nbgrader.

    .venv/bin/python bench/grading.py [--students 40] [--workers 2] [--lang en] [--no-stages] [--keep DIR]
    .venv/bin/python bench/grading.py --nbgrader [--students 10]   # plain serial nbgrader on the demo's kinds

Every figure is CPU seconds (user + system) of a whole process tree: the grader, its threads, its page processes and
every sandbox child, read from ``getrusage(RUSAGE_CHILDREN)`` once they have been waited for.

1. A fresh nbgrader course directory (``python -m grading build``'s course) in a temporary folder, one copy per run.
2. A class of ``--students`` correct submissions: the release with the reference's modules and a trained
   ``best_model.npz`` (the demo's ``s01_complete``), one folder per student.
3. **Floor**: what grading one student cannot go below: the probes the sandbox runs (the verified ones where the
   grader verifies) with the reference's modules on every hidden seed, in one process with one BLAS thread as in
   the sandbox, plus one bare interpreter start (``python -I -c pass``).
4. **Total**: ``python -m grading autograde CLASS --out OUT --workers N``, feedback pages and gradebook included.
5. **Stages** (``--no-stages`` skips it): the same class graded again, one student after another in one process,
   each stage of grading/autograde/student.py timed on its own (intake, sandbox runs, verdicts, feedback pages,
   gradebook, record); what the total has beyond their sum is the batch's fixed cost (plan, imports, page
   processes, grades.csv).
6. With ``--nbgrader``: the demo's kinds of submissions graded by ``nbgrader autograde`` (serial, once per
   assignment, as nbgrader's documentation shows) and by us; wall seconds side by side, and how many scores agree.
"""
import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # else this file hides the grading package
sys.path.insert(0, str(ROOT))

from grading import config, demo, facts  # noqa: E402
from grading.build import course as course_  # noqa: E402

LEFT_OUT = ("s08_infinite_loop", "s11_symlink_passwd", "s13_empty")
STAGES = ("intake", "sandbox runs", "verdicts", "feedback", "gradebook", "record")


# ------------------------------------------------------------------------------------------------ CPU accounting
def tree_cpu():
    """CPU seconds of this process and of every child it has waited for (and theirs)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def adopt_orphans():
    """Make this process the reaper of its descendants' orphans (Linux's PR_SET_CHILD_SUBREAPER).

    bubblewrap's outer process exits on its sandbox's exit code without waiting for the sandbox's init (pid 1 of its
    pid namespace, which waits for the runner): unreaped, their CPU would count nowhere. Orphans come to us instead,
    and reap_sandboxes() waits for them, so that their CPU lands in RUSAGE_CHILDREN.
    """
    import ctypes

    pr_set_child_subreaper = 36
    if ctypes.CDLL(None, use_errno=True).prctl(pr_set_child_subreaper, 1, 0, 0, 0) != 0:
        raise SystemExit("prctl(PR_SET_CHILD_SUBREAPER) failed: the sandbox's CPU could not be counted")


def _nested(pid):
    """Whether ``pid`` lives in a pid namespace below ours (a sandbox's init), from /proc/<pid>/status's NSpid."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return any(line.startswith("NSpid:") and len(line.split()) > 2 for line in f)
    except OSError:
        return False


def reap_sandboxes(wait=0.0):
    """Wait for the sandboxes' inits that became our children; with ``wait``, up to that long for running ones."""
    import psutil

    deadline = time.monotonic() + wait
    while True:
        running = 0
        for proc in psutil.Process().children():
            if not _nested(proc.pid):
                continue
            try:
                if proc.status() == psutil.STATUS_ZOMBIE:
                    os.waitpid(proc.pid, 0)
                else:
                    running += 1
            except (psutil.Error, ChildProcessError):
                pass
        if not running or time.monotonic() >= deadline:
            return
        time.sleep(0.01)


def child_cpu(command, **kwargs):
    """(CPU seconds of ``command``'s whole process tree, sandboxes included, and its CompletedProcess)."""
    import threading

    stop = threading.Event()

    def reaper():
        while not stop.wait(0.2):
            reap_sandboxes()
    thread = threading.Thread(target=reaper, daemon=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    thread.start()
    try:
        done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    finally:
        stop.set()
        thread.join()
    reap_sandboxes(wait=5.0)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, done


def tool_env(**extra):
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(extra)
    return env


# --------------------------------------------------------------------------------------------------- the classes
def correct_class(dest, n, lang):
    """``n`` correct submissions in release layout under ``dest``: the demo's complete student, copied."""
    from grading.build.release import release_files

    files = release_files(lang)
    assignments = sorted({p.split("/")[1] for p in files if p.startswith("assignments/")})
    model_assignment = next(a for a in assignments if a.startswith(demo.MODEL_ASSIGNMENT_PREFIX))
    complete = demo.demo_class(demo.reference_sources(), demo.npz_bytes(demo.train_best_model()))["s01_complete"]
    one = dest.parent / "one-student"
    demo.write_student(one, files, complete, model_assignment)
    dest.mkdir(parents=True)
    students = [f"s{i:04d}" for i in range(n)]
    for sid in students:
        shutil.copytree(one, dest / sid)
    shutil.rmtree(one)
    return students


def demo_kinds_class(dest, n, lang):
    """The nbgrader bench class: n students cycling through the demo's kinds, without the endless loop (nbgrader
    would spend its cell timeout on every cell calling it), the symlink to /etc/passwd (its copy into submitted/
    would copy the file) and the empty submission (nothing for nbgrader to grade)."""
    pool = dest.parent / "demo-class"
    kinds = [k for k in demo.fabricate(pool, lang) if k not in LEFT_OUT]
    dest.mkdir(parents=True)
    students = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        sid = kind if i < len(kinds) else f"{kind}-{i // len(kinds) + 1}"
        shutil.copytree(pool / kind, dest / sid, symlinks=True)
        students.append(sid)
    return students


# ------------------------------------------------------------------------------------------------------- floor
def floor_probes(course_dir, lang):
    """CPU seconds of the sandbox's probes with the reference's modules on every hidden seed (this process, one
    BLAS thread): what any grader that runs the checks pays per student."""
    import dataclasses

    from threadpoolctl import threadpool_limits

    from grading.autograde.plan import make_plan
    from grading.autograde.sandbox.verified_probes import PROBES
    from grading.reference import reference_module
    from utils.checks import engine

    plan = make_plan(lang, course_dir=course_dir)
    module = reference_module()
    with threadpool_limits(1):
        start = time.process_time()
        for grade_id, seed in plan.jobs:
            case_ = engine.CASES[grade_id]
            if grade_id in PROBES:
                case_ = dataclasses.replace(case_, probe=PROBES[grade_id])
            result = engine.run_probe(case_, module, seed)
            if result.status != "passed":
                raise SystemExit(f"the reference fails {grade_id} on seed {seed}: {result.error}")
        return time.process_time() - start


def measure_floor(course_dir, lang, starts=5):
    """(probes, bare interpreter start) in CPU seconds; the probes in a fresh process like the sandbox's child."""
    _, done = child_cpu([sys.executable, __file__, "--floor-probes", str(course_dir), "--lang", lang],
                        env=tool_env(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1"))
    if done.returncode != 0:
        raise SystemExit(f"floor probes failed:\n{done.stdout}\n{done.stderr}")
    probes = float(done.stdout.split()[-1])
    start = min(child_cpu([sys.executable, "-I", "-c", "pass"])[0] for _ in range(starts))
    return probes, start


# ------------------------------------------------------------------------------------------------------ totals
def run_ours(class_dir, out, course_dir, workers, lang):
    """(CPU seconds of the whole tree, wall seconds) of ``python -m grading autograde`` on the class."""
    start = time.perf_counter()
    cpu, done = child_cpu([sys.executable, "-m", "grading", "autograde", str(class_dir), "--out", str(out),
                           "--workers", str(workers), "--lang", lang], cwd=ROOT,
                          env=tool_env(CH3_COURSE_DIR=str(course_dir)))
    if done.returncode != 0:
        raise SystemExit(f"python -m grading autograde failed:\n{done.stdout}\n{done.stderr}")
    return cpu, time.perf_counter() - start


# ------------------------------------------------------------------------------------------------------ stages
def stage_times(class_dir, out, course_dir, lang):
    """{stage: CPU seconds summed over the class} of grading the class one student at a time in this process."""
    from threadpoolctl import threadpool_limits

    from grading.autograde import intake as intake_
    from grading.autograde import model_score, student
    from grading.autograde.plan import Expected, make_plan
    from grading.autograde.sandbox import isolation, limits_applied
    from utils import checks

    plan = make_plan(lang, course_dir=course_dir)
    checks.set_language(lang)
    mode = isolation()
    times = dict.fromkeys(STAGES, 0.0)

    @contextlib.contextmanager
    def timed(stage):
        start = tree_cpu()
        yield
        times[stage] += tree_cpu() - start

    with timed("intake"):
        subs = intake_.intake(class_dir, out / "submissions", assignments=plan.assignments)
    scoring = model_score.ModelScoring.of_course(course_dir)
    batch = student.Batch(plan, out, Expected(plan), Path(course_dir), None, mode,
                          limits_text=limits_applied(None, mode), scoring=scoring)
    expected = batch.expected.get()
    # Once per batch, not per student: the page and gradebook libraries imported.
    import nbconvert  # noqa: F401
    import nbgrader.api  # noqa: F401

    adopt_orphans()
    with threadpool_limits(1):  # as autograde's batch does
        for sub in subs:
            grade_stages(batch, sub, expected, timed)
    return times, len(subs)


def grade_stages(batch, sub, expected, timed):
    """One student through the stages of grading/autograde/student.py, each timed on its own."""
    from grading.autograde import student
    from grading.autograde.records import make_record
    from grading.autograde.verdicts import judge_student, notebook_problems, student_status

    plan = batch.plan
    with timed("sandbox runs"):
        runs, flags = student.student_runs(batch, sub)
        reap_sandboxes(wait=5.0)
    with timed("verdicts"):
        cells = judge_student(plan, runs, expected)
        status = student_status(sub.problems, cells, plan, notebook_problems(sub.tree, plan.assignments))
    batch.publish_feedback, batch.publish_gradebook = True, False
    with timed("feedback"):
        student.publish(batch, sub, cells)
    batch.publish_feedback, batch.publish_gradebook = False, True
    with timed("gradebook"):
        student.publish(batch, sub, cells)
    with timed("record"):
        student.save_record(batch, make_record(sub, plan, cells, status, batch.isolation, flags,
                                               batch.limits_text))


def measure_stages(class_dir, out, course_dir, lang):
    _, done = child_cpu([sys.executable, __file__, "--stages-of", str(class_dir), "--out", str(out),
                         "--course", str(course_dir), "--lang", lang], cwd=ROOT, env=tool_env())
    if done.returncode != 0:
        raise SystemExit(f"the stage run failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


# ---------------------------------------------------------------------------------------------------- nbgrader
def nbgrader_layout(class_dir, course_dir, students, assignments):
    """submitted/<student>/<assignment>/: the assignment folder as the student's copy of the release has it."""
    for sid in students:
        src = class_dir / sid
        for a in assignments:
            dest = course_dir / "submitted" / sid / a
            dest.mkdir(parents=True)
            for item in (src / "assignments" / a).iterdir():
                shutil.copy2(item, dest / item.name)
            shutil.copytree(src / "classifiers", dest / "classifiers")
            shutil.copytree(src / "utils", dest / "utils")
            (dest / "timestamp.txt").write_text("2026-03-01 12:00:00.000000 UTC\n")


LOG_FORMAT = ["--Application.log_format=%(asctime)s.%(msecs)03d %(message)s", "--Application.log_datefmt=%H:%M:%S"]


def kernel_seconds(log):
    """Seconds nbgrader's kernels spent executing notebooks, from its log: each autograded notebook is converted
    (executed) between "Converting notebook <...>/autograded/<...>" and the next "Writing" line."""
    total, start = 0.0, None
    for line in log.splitlines():
        stamp, _, message = line.partition(" ")
        try:
            hours, minutes, seconds = stamp.split(":")
            t = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        except ValueError:
            continue
        if message.startswith("Converting notebook") and "/autograded/" in message:
            start = t
        elif message.startswith("Writing") and start is not None:
            total += (t - start) % 86400
            start = None
    return total


def run_nbgrader(course_dir, assignments):
    """(wall seconds, kernel seconds) of ``nbgrader autograde <assignment>`` for every assignment, in order."""
    start, kernels = time.perf_counter(), 0.0
    for a in assignments:
        done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "autograde", a, "--force", *LOG_FORMAT],
                              cwd=course_dir, env=tool_env(), capture_output=True, text=True)
        kernels += kernel_seconds(done.stderr)
        if done.returncode != 0:
            print(f"  nbgrader autograde {a} exited {done.returncode}: a submission it could not grade "
                  "(the invalid notebook: nbgrader scores that whole assignment 0)")
    return time.perf_counter() - start, kernels


def assignment_scores(course_dir):
    """{(student, assignment): score} from a course's nbgrader gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", course_id=config.COURSE_ID) as gb:
        return {(s.student.id, a.name): s.score for a in gb.assignments for s in gb.assignment_submissions(a.name)}


def table(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(v).rjust(w) if i else str(v).ljust(w) for i, (v, w) in
                               enumerate(zip(r, widths, strict=True))) for r in rows)


def compare_with_nbgrader(work, base, n, workers, lang):
    assignments = facts.assignment_names()
    theirs = shutil.copytree(base, work / "course-nbgrader")
    ours = shutil.copytree(base, work / "course-ours-kinds")
    class_dir = work / "class-kinds"
    students = demo_kinds_class(class_dir, n, lang)
    nbgrader_layout(class_dir, theirs, students, assignments)
    print("grading with nbgrader autograde (serial) ...", flush=True)
    t_nbgrader, t_kernel = run_nbgrader(theirs, assignments)
    print(f"grading with python -m grading autograde --workers {workers} ...", flush=True)
    _, t_ours = run_ours(class_dir, work / "out-kinds", ours, workers, lang)
    theirs_scores, ours_scores = assignment_scores(theirs), assignment_scores(ours)
    same = sorted(k for k in ours_scores if theirs_scores.get(k) == ours_scores[k])
    differ = sorted(k for k in ours_scores if theirs_scores.get(k) != ours_scores[k])
    print(f"\nscores per student and assignment: {len(same)} of {len(ours_scores)} agree with nbgrader's gradebook")
    for student, assignment in differ:
        print(f"  {student} {assignment}: nbgrader {theirs_scores.get((student, assignment))}, "
              f"ours {ours_scores[student, assignment]}")
    print(table([
        ("", "wall s", "per submission s"),
        ("nbgrader autograde (serial)", f"{t_nbgrader:.1f}", f"{t_nbgrader / n:.2f}"),
        (f"python -m grading autograde --workers {workers}", f"{t_ours:.1f}", f"{t_ours / n:.2f}"),
        ("  of which nbgrader's kernels execute notebooks", f"{t_kernel:.1f}", f"{t_kernel / n:.2f}"),
    ]))
    print(f"{n} submissions x {len(assignments)} notebooks: ours is {t_nbgrader / t_ours:.1f}x faster than nbgrader")


# -------------------------------------------------------------------------------------------------------- main
def report(n, workers, floor, total, stages):
    probes, start = floor
    per_floor = probes + start
    cpu, wall = total
    print(f"\nfloor per student: {per_floor:.3f} CPU-s (reference probes on every hidden seed {probes:.3f}, "
          f"bare interpreter start {start:.3f})")
    rows = [("", "CPU-s", "per student", "x floor")]
    if stages is not None:
        times, graded = stages
        for stage in STAGES:
            rows.append((f"  {stage}", f"{times[stage]:.1f}", f"{times[stage] / graded:.3f}",
                         f"{times[stage] / graded / per_floor:.2f}"))
        fixed = cpu - sum(times.values()) * n / graded
        rows.append(("  rest: start-up, plan, page processes (total - stages)", f"{fixed:.1f}", f"{fixed / n:.3f}",
                     f"{fixed / n / per_floor:.2f}"))
    rows.append((f"total, --workers {workers} (wall {wall:.1f} s)", f"{cpu:.1f}", f"{cpu / n:.3f}",
                 f"{cpu / n / per_floor:.2f}"))
    print(table(rows))
    print(f"\n{n} correct students on {os.cpu_count()} CPUs: {cpu / n:.2f} CPU-s per student, "
          f"{cpu / n / per_floor:.2f}x the floor")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40, help="class size (default 40)")
    parser.add_argument("--workers", type=int, default=2, help="our workers (default 2)")
    parser.add_argument("--lang", default="en", choices=("zh", "en"))
    parser.add_argument("--no-stages", action="store_true", help="only the floor and the total")
    parser.add_argument("--nbgrader", action="store_true",
                        help="compare with serial nbgrader autograde on the demo's kinds instead (slow)")
    parser.add_argument("--keep", help="keep the bench folders here instead of a temporary folder")
    parser.add_argument("--floor-probes", help=argparse.SUPPRESS)
    parser.add_argument("--stages-of", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--course", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_probes:  # internal: the floor's probes in a fresh process
        print(floor_probes(Path(args.floor_probes), args.lang))
        return 0
    if args.stages_of:  # internal: the stage run in a process of its own
        times, graded = stage_times(Path(args.stages_of), Path(args.out), Path(args.course), args.lang)
        print(json.dumps([times, graded]))
        return 0

    adopt_orphans()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ch3-bench-"))
    if work.exists() and args.keep:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(f"building the course in {work} ...", flush=True)
        base = course_.build_course(args.lang, work / "course")
        if args.nbgrader:
            compare_with_nbgrader(work, base, args.students, args.workers, args.lang)
            return 0
        print(f"fabricating {args.students} correct students ...", flush=True)
        class_dir = work / "class"
        correct_class(class_dir, args.students, args.lang)
        print("floor ...", flush=True)
        floor = measure_floor(base, args.lang)
        print(f"python -m grading autograde --workers {args.workers} ...", flush=True)
        total = run_ours(class_dir, work / "out", shutil.copytree(base, work / "course-total"), args.workers,
                         args.lang)
        stages = None
        if not args.no_stages:
            print("the stages, one student at a time ...", flush=True)
            stages = measure_stages(class_dir, work / "out-stages", shutil.copytree(base, work / "course-stages"),
                                    args.lang)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report(args.students, args.workers, floor, total, stages)
    return 0


if __name__ == "__main__":
    sys.exit(main())

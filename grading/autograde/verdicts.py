"""Verdicts: every hidden run of a student judged here against the reference's outputs (engine.verdict), the
judged cases verified first (grading.verify), the messages of hidden runs without their values (grading.hidden);
one score and status per grade cell, one status per student."""
from functools import cache
from pathlib import Path

from utils.checks.engine import CASES, Result, verdict
from utils.checks.messages import report as case_report

from ..reference import reference_module
from ..status import (
    CRASH,
    ERROR,
    FAILED,
    INVALID_OUTPUT,
    MANUAL,
    MEMORY,
    NOT_ATTEMPTED,
    NOT_RUN,
    OK,
    PASSED,
    SANDBOX_FAILURES,
    TIMEOUT,
    NotRun,
)
from . import verify
from .hidden import hidden_report, hidden_sandbox_error

TEXT = {
    "en": {
        TIMEOUT: "✘ {grade_id}: {target} did not finish in time (an endless loop, or far too slow).",
        MEMORY: "✘ {grade_id}: {target} used more memory than allowed.",
        CRASH: "✘ {grade_id}: the process running {target} crashed ({error}).",
        INVALID_OUTPUT: "✘ {grade_id}: {target} produced output the grader cannot read ({error}).",
        MANUAL: "{grade_id}: graded by hand in the formgrader.",
        NOT_RUN: "✘ {grade_id}: {target} was not run ({error}).",
    },
    "zh": {
        TIMEOUT: "✘ {grade_id}:{target} 没有在限定时间内结束(死循环,或太慢)。",
        MEMORY: "✘ {grade_id}:{target} 使用的内存超过了上限。",
        CRASH: "✘ {grade_id}:运行 {target} 的进程崩溃了({error})。",
        INVALID_OUTPUT: "✘ {grade_id}:{target} 的输出无法被评分程序读取({error})。",
        MANUAL: "{grade_id}:由教师在 formgrader 中人工评分。",
        NOT_RUN: "✘ {grade_id}:{target} 没有被运行({error})。",
    },
}

@cache
def module_of(target):
    """The student module file that defines ``target`` ("fc_net.py"), or None."""
    obj = getattr(reference_module(), target.split(".")[0], None)
    name = getattr(obj, "__module__", "") or ""
    return name.rpartition(".")[2] + ".py" if name.startswith("reference_classifiers.chapter3.") else None


def judge_cell(cell, runs, expected, lang):
    """(score, status, message lines) of one autograded cell from its hidden runs ({seed: Result}, in run order).

    The status and message are those of the first run that did not pass, preferring a run's own failure to a
    run the sandbox skipped because of it (status "not run").
    """
    case_ = CASES[cell.grade_id]
    bad = []
    for seed, result in runs.items():
        if result.status in SANDBOX_FAILURES:
            status, problems = result.status, []
        elif result.status in (PASSED, NOT_ATTEMPTED, ERROR):
            try:
                extra = []
                if result.status == PASSED and verify.verified(cell.grade_id):
                    outputs, extra = verify.verify(cell.grade_id, result.outputs, seed)
                    result = Result(PASSED, outputs, result.error, result.warnings)
                status, problems = verdict(case_, result, expected.get((cell.grade_id, seed)), seed)
                if extra:
                    status, problems = FAILED, problems + [("judge", {"text": text}) for text in extra]
            except Exception as exc:  # a judge that chokes on odd outputs must not stop the batch
                status, problems = INVALID_OUTPUT, []
                result = Result(INVALID_OUTPUT, error=f"{type(exc).__name__}: {exc}"[:200])
        else:
            status, problems = INVALID_OUTPUT, []
            result = Result(INVALID_OUTPUT, error=f"unknown status {result.status!r}"[:200])
        if status != PASSED:
            bad.append((status, problems, result))
    if not runs:
        bad.append((NOT_ATTEMPTED, [], Result(NOT_ATTEMPTED)))
    if not bad:
        return cell.points, PASSED, [f"✔ {cell.grade_id}: " + ("all hidden checks passed." if lang == "en"
                                                                   else "所有隐藏测试均通过。")]
    status, problems, result = next((b for b in bad if not isinstance(b[2], NotRun)), bad[0])
    if isinstance(result, NotRun):
        status = NOT_RUN
    if status in (*SANDBOX_FAILURES, NOT_RUN):
        detail = result.because if isinstance(result, NotRun) else result.error
        lines = [TEXT[lang][status].format(grade_id=cell.grade_id, target=case_.target,
                                           error=hidden_sandbox_error(detail))]
    elif cell.on_model:  # judged here from the file: every message is the grader's own
        lines = case_report(lang, case_, status, problems, result.error, result.warnings)
    else:  # every run here is hidden: the kind of failure, never its values or inputs (grading.hidden)
        lines = hidden_report(lang, case_, status, problems, result.error, result.warnings)
    return 0.0, status, lines


def judge_student(plan, runs, expected_values):
    """{grade_id: [score, points, status, lines]} of every cell of the plan (manual cells: score None)."""
    cells = {}
    for c in plan.cells:
        if not c.auto:
            cells[c.grade_id] = [None, c.points, MANUAL, [TEXT[plan.lang][MANUAL].format(grade_id=c.grade_id)]]
            continue
        mine = {seed: runs[c.grade_id, seed] for seed in plan.seeds[c.grade_id] if (c.grade_id, seed) in runs}
        score, status, lines = judge_cell(c, mine, expected_values, plan.lang)
        cells[c.grade_id] = [score, c.points, status, lines]
    return cells


def submitted_notebook(tree, assignment):
    """Path of the notebook the student handed in for ``assignment``, or None."""
    path = Path(tree) / "assignments" / assignment / f"{assignment}.ipynb" if tree else None
    return path if path is not None and path.is_file() else None


def notebook_problems(tree, assignments):
    """["unreadable notebook (points unaffected): NAME", ...] for the submitted notebooks that cannot be read; a
    missing one is not a problem (not done). The notebook only feeds the feedback page and the formgrader: it costs
    no module points, and the status says so, since it stands beside the student's points.
    """
    from ..untrusted import read_notebook

    return [f"unreadable notebook (points unaffected): {a}" for a in assignments
            if (path := submitted_notebook(tree, a)) is not None and read_notebook(path)[0] is None]


def student_status(sub_problems, cells, plan, nb_problems):
    """The status column: "ok" or the reasons, most serious first, joined by "; ".

    A sandbox status (timeout, memory, crash, invalid output) is named once, with the module of the first cell
    (in notebook order) that had it: an endless loop in layers.py times out every case that calls it, and the
    first of them points at the culprit.
    """
    reasons, seen = list(sub_problems), set()
    for c in plan.auto_cells:
        status = cells[c.grade_id][2]
        if status in SANDBOX_FAILURES and status not in seen:
            seen.add(status)
            module = module_of(CASES[c.grade_id].target)
            reasons.append(f"{status} in {module}" if module else status)
    reasons += nb_problems
    return "; ".join(reasons) or OK

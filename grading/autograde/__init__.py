"""The autograde stage: ``python -m grading autograde SUBMISSIONS --out OUT_DIR``.

Inputs: a class of submissions (folders, nbgrader's submitted/ tree or LMS zips), the course's notebook sources,
the reference solution and the course's secret. Outputs, in OUT_DIR: ``submissions/`` (one clean work tree per
student), ``results/<id>.json`` (one record per student), ``feedback/<id>/<assignment>.html``, ``grades.csv``,
``student_ids.csv``, and the nbgrader gradebook's scores.

The steps, in order (one module each):

    plan        grade cells of every notebook (order, points, autograded or manual), hidden seeds, and the
                reference's outputs on them (plan.py; reference outputs from grading.reference)
    intake      one clean work tree per student (intake.py; folders and zips read by sources.py)
    per student, in parallel (batch.py: a thread pool, or Dask workers with ``--scheduler``; student.py):
      runs        the student's modules run the case probes on hidden seeds in the sandbox (runs.py, sandbox/:
                  scratch folder, bwrap command, confinement and cgroups, the child process, the protocol with
                  the trusted runner.py; with ``--scheduler``, shipping.py sends each run to a Dask worker with
                  everything it needs); best_model.npz is read (model_file.py) and judged here, never executed
                  (model_score.py)
      verdicts    every run judged against the expected outputs (verdicts.py; judged cases recomputed by
                  verify.py, hidden runs' messages without values by hidden.py); a cell scores its points when
                  every hidden run passed, else 0
      publish     feedback pages (grading.publish.feedback, rendered by the batch's page processes) and nbgrader
                  gradebook entries (grading.publish.gradebook, written by its one gradebook process), then
                  ``results/<id>.json`` written atomically (records.py): the record that makes a rerun skip this
                  student
    report      grades.csv (grading.publish.report) and the id map, rebuilt from every record made with the same
                  plan

Status words are those of grading/status.py. Manually graded cells (written answers) are listed in the plan but not
scored here: they are left to nbgrader's formgrader and are not part of ``total``/``max_total``.
"""
from ..atomic import write_atomic
from .batch import autograde, default_course_dir
from .plan import Expected, GradeCell, Plan, make_plan
from .records import load_records

__all__ = ["Expected", "GradeCell", "Plan", "autograde", "default_course_dir", "load_records", "make_plan",
           "write_atomic"]

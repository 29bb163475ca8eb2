"""A graded folder written by hand in the layout autograde leaves (results/<id>.json), for the report and export
tests: real grade ids, statuses and checker messages, a few students of each kind."""
import json

PLAN = "test-plan"
# grade id -> points; from 01 (affine) and 03 (losses), plus one written answer graded by hand
CELLS = {"affine_forward_value": 2.0, "affine_backward_dx": 2.0, "affine_backward_nd_input": 1.0,
         "softmax_loss_value": 2.0, "softmax_loss_stability": 2.0}
MANUAL = {"affine_backward_shape_answer": 1.0}
SHAPE = ["✘ affine_backward_nd_input: affine_backward gives a wrong result.",
         "  - `dx` has shape (3, 12), expected (3, 2, 3, 2)", "  Hint: reshape dx."]
SHAPE2 = ["✘ affine_backward_nd_input: affine_backward gives a wrong result.",
          "  - `dx` has shape (4, 6), expected (4, 2, 3)", "  Hint: reshape dx."]
NAN = ["✘ softmax_loss_stability: softmax_loss gives a wrong result.", "  - `loss` is nan, expected 2.5"]
NOT_DONE = ["✘ softmax_loss_value: softmax_loss is not implemented yet (NotImplementedError)."]
TIMEOUT = ["✘ affine_backward_dx: affine_backward did not finish in time (an endless loop, or far too slow)."]

# student -> ({grade id: (status, lines)} of the cells NOT passed, status column)
STUDENTS = {
    "alice": ({}, "ok"),
    "bob": ({"affine_backward_nd_input": ("failed", SHAPE)}, "ok"),
    "carol": ({"affine_backward_nd_input": ("failed", SHAPE2), "softmax_loss_stability": ("failed", NAN)}, "ok"),
    "dave": ({"softmax_loss_value": ("not attempted", NOT_DONE), "softmax_loss_stability": ("not attempted", [])},
             "ok"),
    "erin": ({"affine_backward_dx": ("timeout", TIMEOUT), "affine_backward_nd_input": ("not run", [])},
             "timeout in layers.py"),
    "frank": ({gid: ("not attempted", []) for gid in CELLS}, "no submission"),
    "grace": ({gid: ("not attempted", []) for gid in CELLS}, "rejected: zip bomb"),
}


def record(sid, failed, status):
    cells = {}
    for gid, points in CELLS.items():
        if gid in failed:
            state, lines = failed[gid]
            cells[gid] = [0.0, points, state, lines]
        else:
            cells[gid] = [points, points, "passed", [f"✔ {gid}: all hidden checks passed."]]
    for gid, points in MANUAL.items():
        cells[gid] = [None, points, "manual", [f"{gid}: graded by hand in the formgrader."]]
    scores = {gid: cells[gid][0] for gid in CELLS}
    return {"student_id": sid, "plan": PLAN, "status": status, "cells": cells, "scores": scores,
            "total": sum(scores.values()), "max_total": sum(CELLS.values()), "files": [], "notes": [],
            "digest": sid, "sandbox": "bwrap"}


def write_graded(out_dir):
    """results/<id>.json of STUDENTS in ``out_dir``; returns out_dir."""
    (out_dir / "results").mkdir(parents=True)
    for sid, (failed, status) in STUDENTS.items():
        (out_dir / "results" / f"{sid}.json").write_text(json.dumps(record(sid, failed, status), indent=1),
                                                         encoding="utf-8")
    return out_dir

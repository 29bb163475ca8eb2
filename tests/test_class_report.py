"""grading.publish.class_report: every number on the page equals what this test recomputes from results/*.json."""
import json
import re
from collections import Counter
from html import unescape

import pytest

from grading.__main__ import main
from grading.publish import class_report
from tests.report_helpers import CELLS, STUDENTS, write_graded


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = write_graded(tmp_path_factory.mktemp("graded"))
    assert main(["report", str(out), "--lang", "en"]) == 0
    return out


def records(out):
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "results").glob("*.json"))]


def page(out):
    return (out / "report" / "index.html").read_text(encoding="utf-8")


def test_cells_shares_and_order_equal_a_recount(graded):
    recs = records(graded)
    passed = {gid: sum(1 for r in recs if r["cells"][gid][2] == "passed") for gid in CELLS}
    assert passed == {"affine_forward_value": 5, "affine_backward_dx": 4, "affine_backward_nd_input": 2,
                      "softmax_loss_value": 4, "softmax_loss_stability": 3}
    rows = re.findall(r'<tr class="cell" data-grade-id="(\w+)" data-notebook="(\w+)" data-passed="(\d+)">.*?'
                      r'<td class="num">(\d+)/(\d+)</td>', page(graded), re.S)
    assert {gid: int(p) for gid, _, p, _, _ in rows} == passed
    assert all(int(shown) == passed[gid] and int(n) == len(recs) == 7 for gid, _, _, shown, n in rows)
    notebooks = [nb for _, nb, *_ in rows]
    assert notebooks == ["01_affine_layer"] * 3 + ["03_losses"] * 2  # grouped by notebook, in course order
    assert [gid for gid, *_ in rows] == ["affine_backward_nd_input", "affine_backward_dx", "affine_forward_value",
                                         "softmax_loss_stability", "softmax_loss_value"]  # hardest first


def test_failure_kinds_are_counted_with_an_example(graded):
    recs = records(graded)
    html = unescape(page(graded))
    kinds = Counter()
    for r in recs:
        status, lines = r["cells"]["affine_backward_nd_input"][2:]
        if status != "passed":
            detail = next((ln.strip()[2:] for ln in lines if ln.strip().startswith("- ")), "")
            kinds[f"{status}: {re.sub(r'[0-9]+', '#', detail)}" if detail else status] += 1
    assert kinds == {"failed: `dx` has shape (#, #), expected (#, #, #, #)": 1,
                     "failed: `dx` has shape (#, #), expected (#, #, #)": 1, "not attempted": 2, "not run": 1}
    row = html[html.index('data-grade-id="affine_backward_nd_input"'):]
    row = re.sub(r"<[^>]+>", "", row[:row.index("</tr>")])
    for kind, count in kinds.most_common(3):
        assert f"{count}× {kind}" in row
    assert "e.g. bob:" in row and "expected (3, 2, 3, 2)" in row  # one example message, the first student's


def test_skills_roll_cells_up_to_the_function_they_test(graded):
    recs = records(graded)
    skills = re.findall(r'<tr class="skill" data-target="([\w.]+)" data-earned="([\d.]+)" data-possible="([\d.]+)"\s*'
                        r'data-every="(\d+)">', page(graded))
    by_target = {t: (float(e), float(p), int(n)) for t, e, p, n in skills}
    groups = {"affine_forward": ["affine_forward_value"],
              "affine_backward": ["affine_backward_dx", "affine_backward_nd_input"],
              "softmax_loss": ["softmax_loss_value", "softmax_loss_stability"]}
    assert set(by_target) == set(groups)
    for target, ids in groups.items():
        earned = sum(r["cells"][g][0] for r in recs for g in ids)
        possible = sum(CELLS[g] for g in ids) * len(recs)
        every = sum(all(r["cells"][g][2] == "passed" for g in ids) for r in recs)
        assert by_target[target] == (earned, possible, every)
    assert by_target["affine_backward"] == (8 + 2, 21, 2)


def test_unusual_statuses_and_totals(graded):
    html = page(graded)
    unusual = re.findall(r'<tr class="unusual" data-student="(\w+)"><td>\w+</td>\s*<td>([^<]+)</td>', html)
    assert unusual == [(sid, status) for sid, (_, status) in sorted(STUDENTS.items()) if status != "ok"]
    totals = sorted(r["total"] for r in records(graded))
    assert 'data-n="7" data-max-total="9.0"' in html
    mean = sum(totals) / len(totals)
    assert f"mean {mean:.1f}, median {totals[3]:.1f}, min {totals[0]:g}, max {totals[-1]:g}" in html


def test_figures_are_embedded_and_written(graded):
    html = page(graded)
    for name in ("total", "by_notebook", "cells", "skills"):
        png = (graded / "report" / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG")
    assert html.count('src="data:image/png;base64,') == 4
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from outside: opens offline


def test_chinese_page(graded, tmp_path):
    out = write_graded(tmp_path / "zh")
    assert main(["report", str(out), "--lang", "zh"]) == 0
    html = page(out)
    assert "班级报告" in html and "共 7 名学生，每人可自动评分的总分为 9 分。" in html
    assert "<b>2×</b> 未完成" in html and "<b>1×</b> 结果错误：`dx` has shape (#, #), expected (#, #, #, #)" in html


def test_mixed_plans_keep_the_most_common_one(tmp_path):
    out = write_graded(tmp_path / "mixed")
    stale = json.loads((out / "results" / "alice.json").read_text())
    stale.update(student_id="zed", plan="older-plan")
    (out / "results" / "zed.json").write_text(json.dumps(stale))
    assert [r["student_id"] for r in class_report.load_results(out)] == sorted(STUDENTS)


def test_report_needs_a_graded_folder(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "autograde" in capsys.readouterr().err

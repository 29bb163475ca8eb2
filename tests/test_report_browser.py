"""The class report page in real Chromium: offline, every figure decoded and drawn, the Chinese text laid out."""
import pytest

from grading.__main__ import main
from tests.browser_helpers import ARTIFACTS, chromium, chromium_missing
from tests.report_helpers import write_graded

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))


@pytest.mark.timeout(300)
def test_the_report_renders_its_figures_in_chromium(tmp_path):
    out = write_graded(tmp_path / "graded")
    assert main(["report", str(out), "--lang", "zh"]) == 0
    with chromium(tmp_path / "profile") as context:
        requests = []
        context.on("request", lambda r: requests.append(r.url))
        page = context.new_page()
        page.goto((out / "report" / "index.html").as_uri())
        page.wait_for_load_state("load")
        figures = page.eval_on_selector_all(
            "img.figure", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight, e.clientWidth])")
        assert len(figures) == 4
        assert all(done and w > 200 and h > 100 and shown > 0 for done, w, h, shown in figures), figures
        assert page.locator("h1").inner_text() == "班级报告"
        assert page.locator("tr.cell").count() == 5 and page.locator("tr.unusual").count() == 3
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "class_report.png"), full_page=True)
    assert all(url.startswith(("file:", "data:")) for url in requests), requests


@pytest.mark.timeout(300)
def test_the_late_work_table_reads_in_chromium(tmp_path):
    import json

    from grading.publish.class_report import write_report
    from tests.lateness_helpers import new_course, set_due_dates

    course = new_course(tmp_path / "course")
    set_due_dates(course, {"01_affine_layer": "2027-03-01 23:59 Asia/Shanghai"})
    out = write_graded(tmp_path / "graded")
    # alice on time, bob an hour late, carol without a submission time
    for sid, when in (("alice", "2027-03-01T23:00:00+08:00"), ("bob", "2027-03-02T01:00:00+08:00")):
        path = out / "results" / f"{sid}.json"
        path.write_text(json.dumps({**json.loads(path.read_text(encoding="utf-8")),
                                    "submitted_at": {"01_affine_layer": when}}), encoding="utf-8")
    page_file = write_report(out, "zh", course_dir=course)
    with chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        table = page.locator("table#late")
        assert table.is_visible() and page.locator("h2", has_text="迟交").count() == 1
        cells = table.locator("tr.late td").all_inner_texts()
        assert cells == ["01_affine_layer", "2027-03-01 15:59", "1/2"]
        ARTIFACTS.mkdir(exist_ok=True)
        table.screenshot(path=str(ARTIFACTS / "class_report_late.png"))

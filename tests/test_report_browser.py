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

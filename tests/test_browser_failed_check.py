"""A failed check as a zh student sees it in JupyterLab (Chromium): the diagnosis and one red line, no traceback of
our code; Run All stops there. Screenshot: artifacts/browser/student-zh-failed-check.png."""
import re

import pytest

from tests.browser_helpers import student_lab
from tests.test_browser import SHOTS, _open_notebook, _scroll_to, _shot, browser  # noqa: F401  (fixture)

# JupyterLab renders an error output with the stderr renderer
RED = '[data-mime-type="application/vnd.jupyter.stderr"]'
FAILED = "affine_forward_value 未通过（见上方信息）。"


@pytest.fixture(scope="module")
def zh_student_server(tmp_path_factory):
    """JupyterLab on a zh release with the stubs, in a Binder-like environment."""
    with student_lab(tmp_path_factory, "zh", SHOTS / "student-zh-jupyter.log") as server:
        yield server


def test_a_failed_check_is_its_diagnosis_and_one_line(browser, zh_student_server):  # noqa: F811
    rel = "assignments/01_affine_layer/01_affine_layer.ipynb"
    page = _open_notebook(browser, zh_student_server, rel)
    try:
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        error = page.locator(f".jp-NotebookPanel .jp-OutputArea-output{RED}", has_text=FAILED).first
        error.wait_for()
        cell = page.locator(".jp-NotebookPanel .jp-CodeCell",
                            has=page.locator(f".jp-OutputArea-output{RED}", has_text=FAILED)).first
        _scroll_to(page, cell)
        page.wait_for_timeout(1000)  # the kernel goes idle after the error
        _shot(page, "student-zh-failed-check")
        source = cell.locator(".cm-content").inner_text()
        output = cell.locator(".jp-OutputArea").inner_text()
        assert source.strip() == 'check("affine_forward_value")'
        assert "… affine_forward_value：尚未完成——affine_forward 仍然抛出 NotImplementedError。" in output
        assert error.inner_text().strip() == FAILED
        assert "Traceback" not in output and "utils/checks" not in output and ".py" not in error.inner_text()
        assert page.locator(f".jp-NotebookPanel {RED}").count() == 1  # Run All stopped at this check
    finally:
        page.close()
        zh_student_server.stop_kernels()

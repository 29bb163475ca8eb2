"""One set of course facts (grading/facts.py): the grader's, the release marker's and collect_submission.py's agree."""
import ast
import json
import shutil

import pytest

from grading import facts
from grading.autograde import intake
from grading.autograde.model_file import ModelLimits
from grading.build.release import MARKER, release
from grading.config import GRADEBOOK_URL_ENV, load_config
from grading.paths import ROOT
from tests.test_collect_submission import load_script

SCRIPT_FOLDER = ROOT / "grading" / "student_files"  # collect_submission.py and its parts, collect/
MB = 1 << 20


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A real release (en) made by grading.build.release.release, with the defaults' settings."""
    root = tmp_path_factory.mktemp("facts")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(facts.COURSE_DIR_ENV, str(root / "course-not-built"))
        release(root / "en", "en")
    return root / "en"


def test_the_facts_have_the_course_values():
    """Written out here, not read from the code: a change of one of them is a decision, made in one place."""
    assert facts.assignment_names() == ["01_affine_layer", "02_activations", "03_losses", "04_shallow_net",
                                        "05_deep_net_optimizers", "06_why_backprop", "07_architecture_list"]
    assert facts.module_names() == ["bp_network.py", "classifier.py", "fc_net.py", "layer_utils.py", "layers.py",
                                    "optim.py", "shallow_layer_net.py", "two_layer_net.py"]
    assert (facts.MODEL_FILE, facts.PACKAGE, facts.RELEASE_MARKER) == \
        ("best_model.npz", "classifiers/chapter3", ".chapter3-release")
    assert (facts.MODULE_CAP, facts.NOTEBOOK_CAP, facts.MODEL_CAP, facts.SUBMISSION_CAP) == \
        (1 * MB, 20 * MB, 40 * MB, 64 * MB)
    assert facts.FILE_CAP == 40 * MB
    assert (facts.LANGUAGES, facts.DEFAULT_LANGUAGE, facts.COURSE_DIR_ENV) == (("zh", "en"), "zh", "CH3_COURSE_DIR")
    for good in ("s1234567", "Li.Wei_2-b", "x" * 64):
        assert facts.STUDENT_ID.fullmatch(good)
    for bad in ("", ".x", "-x", "_x", "a b", "x/y", "学号", "x" * 65, "a@b"):
        assert not facts.STUDENT_ID.fullmatch(bad)


def test_the_grader_uses_the_facts():
    assert intake.known_assignments() == facts.assignment_names()
    assert intake.known_modules() == facts.module_names()
    assert (intake.MODULE_CAP, intake.NOTEBOOK_CAP, intake.MODEL_CAP) == \
        (facts.MODULE_CAP, facts.NOTEBOOK_CAP, facts.MODEL_CAP)
    assert intake._ID is facts.STUDENT_ID and intake.MODEL_FILE == facts.MODEL_FILE
    assert ModelLimits().file_bytes == facts.MODEL_CAP
    # nbgrader's exchange drops a file over max_file_size (units of 1000 bytes) at submit: never one the grader reads
    config = load_config(ROOT / "grading")
    size = config.CourseDirectory.max_file_size
    assert 1000 * (size - 1) < facts.FILE_CAP <= 1000 * size
    assert config.CourseDirectory.course_id == facts.COURSE_ID


def test_the_hub_config_names_the_same_course_and_variable():
    """grading/hub/nbgrader_config.py runs in the Hub's nbgrader processes, without this package: its copies."""
    tree = ast.parse((ROOT / "grading" / "hub" / "nbgrader_config.py").read_text(encoding="utf-8"))
    constants = {node.targets[0].id: node.value.value for node in tree.body
                 if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                 and isinstance(node.value, ast.Constant)}
    assert (constants["COURSE_ID"], constants["COURSE_DIR_ENV"], constants["GRADEBOOK_URL_ENV"]) == \
        (facts.COURSE_ID, facts.COURSE_DIR_ENV, GRADEBOOK_URL_ENV)


def test_a_release_marker_carries_the_facts_collect_submission_uses(released):
    script = load_script(released).course
    marker = script.release_marker(released)
    used = script.course_facts(marker)
    assert used["package"] == facts.PACKAGE and used["model_file"] == facts.MODEL_FILE
    assert used["caps"] == {"module": facts.MODULE_CAP, "notebook": facts.NOTEBOOK_CAP, "model": facts.MODEL_CAP}
    assert used["submission_cap"] == facts.SUBMISSION_CAP
    assert used["student_id"] == facts.STUDENT_ID.pattern
    assert (used["languages"], used["default_language"]) == (list(facts.LANGUAGES), facts.DEFAULT_LANGUAGE)
    assignments, modules = script.course_layout(released, marker, used)
    assert (assignments, modules) == (facts.assignment_names(), facts.module_names())
    # ... and the tree itself holds exactly those notebooks and modules
    assert sorted(p.name for p in (released / "assignments").iterdir()) == assignments
    assert sorted(p.name for p in (released / facts.PACKAGE).glob("*.py") if p.name != "__init__.py") == modules
    wanted = script.wanted_files(assignments, modules, used)
    assert ("assignments/05_deep_net_optimizers/best_model.npz", "model", False) in wanted


def test_the_scripts_fallback_defaults_are_the_graders(released, tmp_path):
    """Without a marker (a tree copied by hand) collect_submission.py falls back on its own copies: the same."""
    loaded = load_script(SCRIPT_FOLDER)
    script = loaded.course
    expected = {k: v for k, v in json.loads(json.dumps(facts.released_facts())).items()
                if k not in ("assignments", "modules")}
    assert script.DEFAULT_FACTS == expected
    assert script.MARKER == facts.RELEASE_MARKER and sorted(loaded.messages.TEXT) == sorted(facts.LANGUAGES)
    assert script.course_facts({}) == script.DEFAULT_FACTS
    tree = shutil.copytree(released, tmp_path / "copy")
    (tree / MARKER).unlink()
    assert script.release_marker(tree) == {}
    assert script.course_layout(tree, {}) == (facts.assignment_names(), facts.module_names())


def test_a_damaged_marker_falls_back_value_by_value(released):
    script = load_script(released).course
    marker = json.loads((released / MARKER).read_text(encoding="utf-8"))
    marker["facts"].update(caps={"module": "1 MB", "notebook": 1, "model": 1}, student_id="([", model_file=7)
    used = script.course_facts(marker)
    assert used["caps"] == script.DEFAULT_FACTS["caps"]
    assert used["student_id"] == script.DEFAULT_FACTS["student_id"]
    assert used["model_file"] == "best_model.npz" and used["submission_cap"] == facts.SUBMISSION_CAP

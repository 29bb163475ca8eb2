"""The course's own settings: one traitlets class, configured in the course's ``nbgrader_config.py``.

nbgrader reads ``c.CourseDirectory...``, ``c.Execute...`` from that file; the chapter's tools read
``c.Chapter3...`` from the same file, so an instructor keeps every setting of the course in one place::

    c.Chapter3.language = "en"

Each setting is a declared, documented trait; :func:`course_settings` gives their values for a course folder.
"""
from pathlib import Path

from traitlets import Enum, Float, Int, Unicode
from traitlets.config import Configurable

from .facts import DEFAULT_LANGUAGE, LANGUAGES


class Chapter3(Configurable):
    """Settings of the chapter 3 course, besides nbgrader's own."""

    language = Enum(list(LANGUAGES), default_value=DEFAULT_LANGUAGE,
                    help="Language of the notebooks' prose, the checks' messages and the feedback pages.").tag(
        config=True)

    # The grader's trust model (grading/README.md, "How grading can be trusted").
    scoring_data = Enum(
        ["cifar10", "embedded"], default_value="cifar10",
        help="The data set whose test split the grader scores best_model.npz on: 'cifar10' (the real set) or "
             "'embedded' (the offline digits set). Released: the students' checks say when their saved model was "
             "trained on another one.").tag(config=True, released=True)
    secret_label = Unicode(
        "", help="Rotates the hidden inputs and the model-scoring subset: a new label (one per term or per batch) "
                 "gives new ones from the course secret (<course>/.chapter3-secret). Never released.").tag(
        config=True)
    model_max_hidden_layers = Int(
        6, help="best_model.npz: the most hidden layers a saved FullyConnectedNet may have.").tag(config=True)
    model_max_parameters = Int(
        4_000_000, help="best_model.npz: the most numbers (weights and biases) a saved model may hold. A model "
                        "with one hidden unit per test image needs about 30 million on CIFAR-10.").tag(config=True)
    model_scoring_fraction = Float(
        0.8, help="Share of the test split a batch scores best_model.npz on, drawn from the course secret.").tag(
        config=True)
    model_overfit_gap = Float(
        0.15, help="A model whose test accuracy exceeds its validation accuracy by more than this is flagged in "
                   "the record and the class report (a memorised test split?).").tag(config=True)

    # Late work (grading/README.md, "Late work"): due dates are nbgrader's own (``nbgrader db assignment add NAME
    # --duedate=...`` or the formgrader); grades.csv flags a late assignment and, with a rule, deducts points.
    late_penalty_per_day = Float(
        0.0, min=0.0, max=1.0,
        help="Share of a late assignment's autograded points a student loses per started day (24 h) after the due "
             "date: 0.1 takes 10 % per day, 1.0 gives 0 points however late (nbgrader's penalty_method 'zero'). "
             "0: late work is flagged, not penalised.").tag(config=True)
    late_penalty_max = Float(
        1.0, min=0.0, max=1.0,
        help="The most a late assignment can lose, as a share of its autograded points (0.5: never below half "
             "of what it earned).").tag(config=True)


def course_settings(root=None):
    """The :class:`Chapter3` settings of the course at ``root`` (default: the course directory).

    A folder without ``nbgrader_config.py`` gives the defaults; ``grading/nbgrader_config.py`` is the committed
    template the build copies there.
    """
    from .config import course_dir, load_config

    return Chapter3(config=load_config(Path(root) if root is not None else course_dir()))

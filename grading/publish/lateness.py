"""Late work: each assignment's due date from nbgrader's gradebook, how late a submission was, the optional penalty.

What nbgrader (0.9) does, and this module follows:
- ``Assignment.duedate`` is stored without a timezone and means UTC: ``nbgrader db assignment add NAME
  --duedate="2027-03-01 23:59 Asia/Shanghai"`` (or an ISO 8601 time with an offset, or the formgrader's date and
  timezone fields) is converted to UTC by ``nbgrader.utils.parse_utc``; a time without a zone is taken as UTC.
- ``Gradebook.grant_extension`` gives one student more time on one submission (``SubmittedAssignment.extension``):
  that student's due date is the assignment's plus the extension.
- A submission is late by ``submitted - due`` when that is positive (``SubmittedAssignment.total_seconds_late``).
  nbgrader's own ``LateSubmissionPlugin`` knows two penalties: ``none`` and ``zero`` (the whole score).

The course's rule (``c.Chapter3.late_penalty_per_day``, ``c.Chapter3.late_penalty_max``, grading/settings.py) takes
``per_day`` of the assignment's autograded points for each started day (24 h) late, at most ``maximum`` of them:
``per_day = 1`` is nbgrader's ``zero``, ``per_day = 0`` (the default) flags late work without a penalty.

A record says when each assignment was submitted: ``record["submitted_at"] = {assignment: time}``, an ISO 8601 time
(or nbgrader's timestamp.txt text), read with the same ``parse_utc``. A record without it (or an assignment it does
not list) has no lateness: neither late nor on time.
"""
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

DAY = timedelta(days=1)


def parse_time(text):
    """A time as nbgrader reads one (ISO 8601, ``2027-03-01 23:59 Asia/Shanghai``, a timestamp.txt), in UTC.

    Returns a timezone-aware datetime (UTC), or None when ``text`` is not a time (nothing to judge lateness by).
    """
    from nbgrader.utils import parse_utc

    if isinstance(text, datetime):
        naive = parse_utc(text)
    elif isinstance(text, str) and text.strip():
        try:
            naive = parse_utc(text.strip())
        except (ValueError, OverflowError, TypeError):
            return None
    else:
        return None
    return naive.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Rule:
    """The penalty rule: ``per_day`` of the assignment's autograded points per started day late, at most
    ``maximum`` of them (both shares, 0..1)."""

    per_day: float = 0.0
    maximum: float = 1.0

    @property
    def active(self):
        return self.per_day > 0 and self.maximum > 0

    def share(self, days):
        """The share of the points lost when ``days`` (started days) late."""
        return min(self.per_day * days, self.maximum) if days > 0 else 0.0

    @classmethod
    def of_settings(cls, settings):
        """The rule of a course's :class:`grading.settings.Chapter3` settings."""
        return cls(settings.late_penalty_per_day, settings.late_penalty_max)


@dataclass(frozen=True)
class LateWork:
    """Due dates of a course and its penalty rule.

    - due: {assignment: due date (aware, UTC)}, only assignments that have one
    - extensions: {(student_id, assignment): timedelta} given with nbgrader's grant_extension
    - rule: the penalty :class:`Rule`
    """

    due: dict = field(default_factory=dict)
    extensions: dict = field(default_factory=dict)
    rule: Rule = Rule()

    def due_for(self, student_id, assignment):
        """The student's due date of ``assignment`` (extension included), or None if it has none."""
        due = self.due.get(assignment)
        if due is None:
            return None
        return due + self.extensions.get((student_id, assignment), timedelta(0))

    def days_late(self, record, assignment):
        """Started days (24 h each) the record's ``assignment`` came in after its due date: 0 when on time, None
        when the assignment has no due date or the record no submission time for it."""
        due = self.due_for(record["student_id"], assignment)
        submitted = parse_time((record.get("submitted_at") or {}).get(assignment))
        if due is None or submitted is None:
            return None
        return math.ceil((submitted - due) / DAY) if submitted > due else 0

    def lost_share(self, record, assignment):
        """The share (0..rule.maximum) of the record's points on ``assignment`` the rule takes; 0.0 when on time,
        without a submission time or due date, or without a rule."""
        return self.rule.share(self.days_late(record, assignment) or 0) if self.rule.active else 0.0

    def penalty(self, record, plan):
        """Points the rule takes from the record's autograded total: per assignment, its lost share of the points
        the record earned there (the manually graded cells are not touched). 0.0 without a rule."""
        lost = 0.0
        for assignment in self.assignments(plan):
            share = self.lost_share(record, assignment)
            if share:
                lost += share * sum(float(record["scores"][c.grade_id]) for c in plan.auto_cells
                                    if c.assignment == assignment)
        return lost

    def assignments(self, plan):
        """The plan's assignments with autograded cells and a due date, in course order."""
        return [a for a in plan.assignments if a in self.due and any(c.assignment == a for c in plan.auto_cells)]

    def columns(self, plan):
        """Names of the late-work columns of grades.csv: ``<assignment>_days_late`` per assignment with a due date,
        then ``late_penalty`` and ``total_after_penalty`` when a rule is set. [] when no assignment has a due date."""
        names = [f"{a}_days_late" for a in self.assignments(plan)]
        if names and self.rule.active:
            names += ["late_penalty", "total_after_penalty"]
        return names

    def values(self, record, plan):
        """The record's values of :meth:`columns`: days late (None: no submission time), penalty, total after it."""
        values = [self.days_late(record, a) for a in self.assignments(plan)]
        if values and self.rule.active:
            lost = self.penalty(record, plan)
            values += [lost, float(record["total"]) - lost]
        return values

    def late_counts(self, records, assignments):
        """{assignment: (students late, students with a submission time)} of those of ``assignments`` (in that
        order) that have a due date."""
        out = {}
        for assignment in (a for a in assignments if a in self.due):
            days = [self.days_late(r, assignment) for r in records]
            out[assignment] = (sum(1 for d in days if d), sum(1 for d in days if d is not None))
        return out


def read_due_dates(course_dir):
    """Due dates and extensions in the gradebook of the course at ``course_dir``.

    Returns ({assignment: aware UTC datetime}, {(student_id, assignment): timedelta}); ({}, {}) when the course has
    no gradebook.
    """
    from nbgrader.api import Gradebook

    from ..config import COURSE_ID, gradebook_exists, gradebook_url

    url = gradebook_url(Path(course_dir).resolve())
    if not gradebook_exists(url):
        return {}, {}
    due, extensions = {}, {}
    with Gradebook(url, course_id=COURSE_ID) as gb:
        for assignment in gb.assignments:
            if assignment.duedate is None:
                continue
            due[assignment.name] = assignment.duedate.replace(tzinfo=UTC)
            for submission in assignment.submissions:
                if submission.extension:
                    extensions[(submission.student.id, assignment.name)] = submission.extension
    return due, extensions


def late_work(course_dir):
    """The :class:`LateWork` of the course at ``course_dir``: its gradebook's due dates, its settings' rule."""
    from ..settings import course_settings

    due, extensions = read_due_dates(course_dir)
    return LateWork(due, extensions, Rule.of_settings(course_settings(course_dir)))

"""The parts of collect_submission.py, the students' hand-in command (the script itself: reading the files,
running the visible checks, writing the zip):

- messages: what it prints, in Chinese and English;
- course: the release marker, the course facts (with fallbacks), the notebooks and modules the grader reads;
- warn: the warnings about what the files hold (notebooks not run, unanswered questions, stubs, the saved model).

Standard library only: it runs on students' laptops before any package of the course is installed.
"""

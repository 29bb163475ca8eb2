"""The publish stage: what the graded class becomes for students and instructors.

Inputs: an autograde OUT_DIR (``results/*.json``, ``submissions/``) and the Plan it was graded with. Outputs:

    feedback         one HTML page per student and assignment (feedback.py; written during autograde)
    class report     the class's results page: scores, hardest cells, common failures (class_report.py, its page
                     class_report_page.py)
    export           grade files in Canvas's and Moodle's import layouts (export.py)
    similarity       pairs of students' module files ranked by shared code, and their page (similarity.py,
                     similarity_page.py)

grades.csv and the summary table (grading.report) and the nbgrader gradebook (grading.gradebook) join this stage
later.
"""

"""The publish stage: what the graded class becomes for students, instructors and the school's systems.

Inputs: an autograde OUT_DIR (``results/*.json``, ``submissions/``), the Plan it was graded with, and the nbgrader
course directory (its gradebook, with the scores graders entered by hand in the formgrader). Outputs: feedback
pages, ``grades.csv``, the gradebook's scores and ``autograded/`` notebooks, the class report, LMS grade files, the
similarity page, and pages in nbgrader's exchange.

The steps, in order (one module each):

    per student, during autograde (called by grading.autograde.student):
      feedback          one HTML page per student and assignment (feedback.py; its exporter, nbconvert's "lab" page
                        rendering each cell once per process, feedback_exporter.py)
      gradebook         the scores into nbgrader's gradebook and the notebook into ``autograded/``, safe for the
                        formgrader; the graders' manual scores read back (gradebook.py; its nbgrader session, one
                        engine per gradebook and the assignments' cells loaded once per student,
                        gradebook_session.py)
    per class:
      report            ``grades.csv`` and the summary table, rebuilt from every record (report.py; end of autograde);
                        days late and the optional penalty against the gradebook's due dates (lateness.py)
      class report      the class's results page: scores, hardest cells, common failures (class_report.py, its
                        page class_report_page.py; ``python -m grading report``)
      export            grade files in Canvas's and Moodle's import layouts (export.py; ``python -m grading export``)
      similarity        pairs of students' module files ranked by shared code, and their page (similarity.py,
                        similarity_page.py; ``python -m grading similarity``)
      release feedback  pages rendered again with the manual grades, handed to nbgrader's exchange
                        (release_feedback.py; ``python -m grading release-feedback``)
"""

"""nbgrader settings for instructors (README: 강사를 위한 안내): nbgrader run from this folder releases exactly
what `make lessons` writes to lessons/, and keeps its course files (source/, release/, submitted/, autograded/,
gradebook.db) in grading/ next to this file."""
import os

c = get_config()  # noqa: F821  (traitlets provides it)

# The stub that replaces a solution region: the same two lines as rnncourse/authoring.py's CODE_STUB.
c.ClearSolutions.code_stub = {"python": "# 여기에 코드를 작성하세요\nraise NotImplementedError()"}
c.CourseDirectory.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grading")
# A lesson cell may train for a while on a slow laptop; nbgrader's default allows 30 s per cell.
c.Execute.timeout = 300

"""nbval set-up for `pytest --nbval-lax notebooks`: quick mode, offline, and a throwaway progress file.

The kernels nbval starts inherit this process's environment, so the learner's real progress file
(~/.t2v-course/progress.json) is never touched by a test run.
"""

import os
import tempfile

os.environ.setdefault("COURSE_QUICK", "1")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["COURSE_PROGRESS_FILE"] = os.path.join(tempfile.mkdtemp(prefix="course-nbval-"), "progress.json")

"""Build docs/instructor.ipynb from docs/instructor.py, run on a fresh kernel (sample data).

Usage: ``python tools/build_instructor_notebook.py``. The same rules as the course's notebooks
(tools/build_notebooks.py): no errors, nothing on stderr, no local paths, small outputs.
"""

import os
import sys
from pathlib import Path

import jupytext
import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_notebooks  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "docs" / "instructor.py"
TARGET = ROOT / "docs" / "instructor.ipynb"


def main():
    os.environ.pop("COURSE_PROGRESS_DIR", None)  # the stored copy shows the sample class
    nb = jupytext.read(SOURCE)
    nb.metadata = dict(build_notebooks.KERNEL_METADATA)
    build_notebooks.execute(nb)
    problems = build_notebooks.problems_in(nb)
    if problems:
        print("REFUSED:\n  " + "\n  ".join(problems))
        return 1
    nb = build_notebooks.clean(nb)
    nbformat.validate(nb)
    nbformat.write(nb, TARGET)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

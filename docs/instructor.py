# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Who is stuck where: live class progress
#
# For the instructor of a class on a hub (`make hub`, docs/instructor-guide.md). When the hub
# was started with `COURSE_PROGRESS_DIR` set, every learner's `q.check(...)` appends one
# record (user, notebook, question, outcome, time; never their code) to that folder, and the
# learners see one line saying so. Open this notebook on the hub as the user `instructor`
# (only the instructor may read the class's records), run it, and press **Refresh** whenever
# you want a fresh view. From a terminal: `python -m companion.progress FOLDER`.
#
# Off the hub (this stored copy) it shows a made-up class of eight learners on notebook 02.

# %%
import tempfile
from pathlib import Path

from companion import progress

folder = progress.enabled()
if folder is None:  # not on a class hub: a made-up class
    folder = Path(tempfile.mkdtemp(prefix="progress-sample-"))
    progress.write_sample(folder, learners=8, seed=0)
    print("COURSE_PROGRESS_DIR is not set: showing a made-up class of 8 learners.")
records = progress.read_records(folder)
print(f"{len(records)} check results from {len({r['user'] for r in records})} learners.")

# %% [markdown]
# ## The table: each learner's latest check per question
#
# `ok`: correct; `STUCK x3`: "not yet" after three checks; `-`: checked while still blank;
# `.`: never checked. Below it, per question: how many are correct / stuck / not started,
# and who is stuck: the learners to visit first.

# %%
print(progress.format_table(records))

# %% [markdown]
# ## Heat map and who is stuck
#
# Rows are learners, columns questions; the bars count learners per latest outcome.
# A long orange bar is a question to take up with the whole room.

# %%
fig = progress.plot(records)

# %% [markdown]
# ## Refresh on demand
#
# The same table and figures in a widget: press **Refresh** to read the folder again.

# %%
progress.dashboard(folder)

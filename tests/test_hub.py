"""The class server, end to end: `make hub`'s JupyterHub, the README's nbgitpuller link, two
learners in a real browser, live progress, and the faults a class meets.

The hub is hub/jupyterhub_config.py, started from this environment on free ports with its state
in a temporary folder. The course repository is served from a local bare clone (nbgitpuller
runs `git clone`, and git takes a file:// URL as well as an https one), holding this checkout's
HEAD as branch main. Chromium (Debian's package) is driven by Playwright, as in
tests/test_browser.py, whose helpers this reuses.

What it proves, in order (one hub, one module-scoped fixture, ~1-2 minutes on 2 cores):

1. two learners log in with the shared password, follow the README's nbgitpuller link
   (template filled in: HUB and the repository), land in notebook 00, run it, and see a check
   print "Correct!"; their checks reach the progress folder under their own names;
2. after a commit to the repository, following the link again brings the commit in and keeps
   the learner's own edit of notebook 00 (nbgitpuller's merge);
3. one learner's kernel killed mid-notebook leaves the other's kernel running and every
   progress record intact;
4. the hub restarted during the class keeps every learner's notebooks and progress, and the
   learners' servers (left running) are still theirs.

Without jupyterhub/nbgitpuller (requirements/hub.txt: `make hub-install`), the proxy
(hub/node_modules: Node.js and npm) or Chromium it skips and says what to install; under CI
(``CI=true``) a missing piece is a failure, so CI proves what it claims.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from test_browser import CHROMIUM_ARGS, chromium_path  # noqa: F401 -- a fixture

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hub"))
from launcher import PROXY, ClassHub, alive, descendants, request  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = "notebooks/00_setup_and_tour.ipynb"
LEARNERS = ("alice", "bob")
EDIT = "# alice's own note: keep me"


def _missing(what, how):
    message = f"class-server test skipped: {what}; {how}"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the class-server test: {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def hub_tools():
    for module in ("jupyterhub", "nbgitpuller"):
        try:
            __import__(module)
        except ImportError:
            _missing(f"{module} is not installed", "run `make hub-install` (requirements/hub.txt)")
    if not PROXY.exists() and shutil.which("configurable-http-proxy") is None:
        _missing(
            "configurable-http-proxy is not installed",
            "install Node.js and npm (`sudo apt install nodejs npm`), then `make hub-install`",
        )
    if shutil.which("git") is None:
        _missing("git is missing", "`sudo apt install git`")
    if subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True).returncode:
        _missing("the course is not a git checkout", "nbgitpuller serves a git repository")


def _git(*args, cwd=None):
    env = {**os.environ, "GIT_AUTHOR_NAME": "course", "GIT_AUTHOR_EMAIL": "course@example.org",
           "GIT_COMMITTER_NAME": "course", "GIT_COMMITTER_EMAIL": "course@example.org"}  # fmt: skip
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout  # fmt: skip


@pytest.fixture(scope="module")
def course_repo(tmp_path_factory, hub_tools):
    """A bare repository holding this checkout's HEAD as branch main, and its file:// URL."""
    tmp = tmp_path_factory.mktemp("repo")
    bare = tmp / "dense-activations"  # nbgitpuller names the learner's folder after it
    _git("init", "--bare", "--quiet", str(bare))
    _git("push", "--quiet", str(bare), "HEAD:refs/heads/main", cwd=ROOT)
    _git("--git-dir", str(bare), "symbolic-ref", "HEAD", "refs/heads/main")
    return bare, bare.as_uri()


@pytest.fixture(scope="module")
def hub(tmp_path_factory, hub_tools):
    hub = ClassHub(tmp_path_factory.mktemp("hub")).start()
    try:
        yield hub
    finally:
        # The config leaves learners' servers running when the hub stops (a restart keeps
        # them); the test's hub takes them down with it.
        hub.close()


def _readme_link(hub_base, repo_url):
    """The README's nbgitpuller link with HUB and the repository filled in."""
    readme = (ROOT / "README.md").read_text()
    (template,) = re.findall(r"https://HUB/hub/user-redirect/git-pull\?\S+", readme)
    path, query = template.removeprefix("https://HUB").split("?", 1)
    params = dict(urllib.parse.parse_qsl(query))
    assert params["branch"] == "main"
    assert params["urlpath"] == f"lab/tree/dense-activations/{NOTEBOOK}"
    params["repo"] = repo_url
    return f"{hub_base}{path}?{urllib.parse.urlencode(params)}"


@contextlib.contextmanager
def _learner_page(browser, hub, user):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{hub.base}/hub/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", hub.password)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url(re.compile(r".*/(hub/home|hub/spawn|hub/spawn-pending|user/).*"))
        yield page
    except Exception:
        shot = hub.tmp / f"failure-{user}.png"
        page.screenshot(path=str(shot))
        print(f"screenshot: {shot}\nhub log:\n{hub.log.read_text()[-4000:]}")
        raise
    finally:
        context.close()


def _open_link_and_run_notebook(page, link):
    """Follow the nbgitpuller link into notebook 00, run all cells; wait for the last check."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    page.goto(link)
    # The hub spawns the server, nbgitpuller clones (or merges) and redirects to the notebook.
    page.wait_for_url(re.compile(r".*/lab/tree/dense-activations/notebooks/00_.*"),
                      timeout=150_000)  # fmt: skip
    page.locator(".jp-Notebook").first.wait_for(timeout=90_000)
    select = page.get_by_role("button", name="Select", exact=True)
    with contextlib.suppress(PlaywrightTimeout):
        select.wait_for(timeout=5_000)
        select.click()
    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(
        1, timeout=90_000
    )
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator(".lm-Menu").get_by_text("Run All Cells", exact=True).click()
    # Notebook 00's demo check ends with the right answer: its check prints "Correct!".
    expect(
        page.locator(".jp-OutputArea-output").get_by_text(re.compile("Correct!"))
    ).not_to_have_count(0, timeout=150_000)


def _home(hub, user):
    return hub.home(user) / "dense-activations"


def test_two_learners_follow_the_link_run_notebook_00_and_a_second_pull_keeps_their_edit(
    chromium_path,  # noqa: F811 -- the fixture imported from test_browser
    hub,
    course_repo,
):
    from playwright.sync_api import sync_playwright

    bare, url = course_repo
    link = _readme_link(hub.base, url)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            for user in LEARNERS:
                with _learner_page(browser, hub, user) as page:
                    _open_link_and_run_notebook(page, link)
                    assert page.get_by_text("check results are shared").count() >= 1
            # Each learner's checks, under their own name, from their own kernel.
            for user in LEARNERS:
                records = [
                    json.loads(x) for x in (hub.progress / f"{user}.jsonl").read_text().splitlines()
                ]
                assert {(r["user"], r["notebook"]) for r in records} == {(user, "nb00")}
                assert {"not attempted", "not yet", "correct"} <= {r["status"] for r in records}
                assert (_home(hub, user) / NOTEBOOK).exists()

            # alice edits notebook 00 (her answer cell, saved to disk as JupyterLab saves it).
            mine = _home(hub, "alice") / NOTEBOOK
            nb = json.loads(mine.read_text())
            exercise = next(c for c in nb["cells"] if "exercise" in c["metadata"].get("tags", []))
            exercise["source"] = EDIT + "\n" + "".join(exercise["source"])
            mine.write_text(json.dumps(nb, indent=1) + "\n")
            # ... and the instructor pushes a fix meanwhile.
            work = hub.tmp / "instructor-clone"
            _git("clone", "--quiet", url, str(work))
            (work / "WORKSHOP_NOTE.md").write_text("Fixed during the workshop.\n")
            readme = work / "README.md"
            readme.write_text(readme.read_text() + "\nA fix pushed during the workshop.\n")
            _git("add", "-A", cwd=work)
            _git("commit", "--quiet", "-m", "a fix during the workshop", cwd=work)
            _git("push", "--quiet", "origin", "main", cwd=work)

            with _learner_page(browser, hub, "alice") as page:
                _open_link_and_run_notebook(page, link)
                assert page.get_by_text(EDIT).count() >= 1  # her edit, in the notebook she sees
        finally:
            browser.close()
    home = _home(hub, "alice")
    assert EDIT in (home / NOTEBOOK).read_text()
    assert (home / "WORKSHOP_NOTE.md").exists()
    assert "A fix pushed during the workshop." in (home / "README.md").read_text()
    assert EDIT not in (_home(hub, "bob") / NOTEBOOK).read_text()


def test_a_killed_kernel_leaves_the_other_learner_and_every_record(hub):
    servers = hub.server_pids()
    assert set(LEARNERS) <= set(servers), f"no running servers for {LEARNERS}: {servers}"
    kernels = {u: [p for p in descendants(servers[u])
                   if b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()]
               for u in LEARNERS}  # fmt: skip
    assert all(kernels.values()), kernels
    before = {u: (hub.progress / f"{u}.jsonl").read_text() for u in LEARNERS}
    for pid in kernels["alice"]:
        os.kill(pid, 9)  # as the out-of-memory killer would
    deadline = time.monotonic() + 20
    while any(alive(p) for p in kernels["alice"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(p) for p in kernels["alice"])
    assert all(alive(p) for p in kernels["bob"]), "bob's kernel died with alice's"
    assert alive(servers["alice"]) and alive(servers["bob"])  # the servers survive too
    after = {u: (hub.progress / f"{u}.jsonl").read_text() for u in LEARNERS}
    assert after == before


def test_a_hub_restart_keeps_notebooks_progress_and_servers(hub):
    servers = hub.server_pids()
    notebooks = {u: (_home(hub, u) / NOTEBOOK).read_text() for u in LEARNERS}
    progress_files = {u: (hub.progress / f"{u}.jsonl").read_text() for u in LEARNERS}
    hub.stop()
    assert all(alive(pid) for pid in servers.values()), "stopping the hub killed a server"
    hub.start()
    assert hub.server_pids() == servers  # the restarted hub knows them again
    for user in LEARNERS:
        assert (_home(hub, user) / NOTEBOOK).read_text() == notebooks[user]
        assert (hub.progress / f"{user}.jsonl").read_text() == progress_files[user]
        # ... and the learner's server answers through the new hub's proxy.
        status = request(f"{hub.base}/user/{user}/api/status", hub.token)
        assert "kernels" in status

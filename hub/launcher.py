"""Start and drive `make hub`'s JupyterHub from Python: for tests/test_hub.py and
benchmarks/class_load.py (``sys.path.insert(0, "hub")``, then ``import launcher``).

``ClassHub(folder)`` runs hub/jupyterhub_config.py from this environment on free ports, with its
state (database, users' homes) in ``folder/state`` and live progress in ``folder/progress``, a
random workshop password and a service token for the hub's REST API. ``start()`` after
``stop()`` is a restart on the same state (the learners' servers keep running in between, as
the config says).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HUB_DIR = Path(__file__).resolve().parent
ROOT = HUB_DIR.parent
CONFIG = HUB_DIR / "jupyterhub_config.py"
PROXY = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(url, token=None, method="GET", data=None, timeout=30):
    """JSON over HTTP with a token; ``None`` for an empty answer."""
    headers = {"Authorization": f"token {token}"} if token else {}
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as response:
        text = response.read().decode()
        return json.loads(text) if text.strip() else None


def descendants(pid):
    """Process ids under ``pid`` (read from /proc: a server's kernels)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid):
    """Running (a zombie, dead but not yet reaped by its parent, is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


class ClassHub:
    """One hub process on free ports; state under ``folder``."""

    def __init__(self, folder, progress=True, **env):
        self.tmp = Path(folder)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.state = self.tmp / "state"
        self.progress = self.tmp / "progress"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.password = secrets.token_urlsafe(12)
        self.token = secrets.token_hex(16)
        self.process = None
        self.log = self.tmp / "hub.log"
        self.env = {
            **os.environ,
            "COURSE_HUB_PORT": str(self.port),
            "COURSE_HUB_PROXY_API_PORT": str(free_port()),
            "COURSE_HUB_API_PORT": str(free_port()),
            "COURSE_HUB_STATE": str(self.state),
            "COURSE_HUB_PASSWORD": self.password,
            "COURSE_HUB_SERVICE_TOKEN": self.token,
            # The servers import this checkout's companion even if the env has another one.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            **env,
        }
        if progress:
            self.env["COURSE_PROGRESS_DIR"] = str(self.progress)
        else:
            self.env.pop("COURSE_PROGRESS_DIR", None)

    def start(self, timeout=90):
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)],
                cwd=self.tmp, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited: {self.log.read_text()[-3000:]}")
            try:
                self.api("/")
                return self
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"the hub did not answer: {self.log.read_text()[-3000:]}")

    def api(self, path, method="GET", data=None):
        return request(f"{self.base}/hub/api{path}", self.token, method, data)

    def user_api(self, user, path, method="GET", data=None, timeout=30):
        """A learner's single-user server's API, through the proxy, with the service token."""
        return request(f"{self.base}/user/{user}/api{path}", self.token, method, data, timeout)

    def start_server(self, user, timeout=120):
        """Create ``user`` if needed, start their server and wait until it answers."""
        with contextlib.suppress(OSError):
            self.api(f"/users/{user}", "POST")
        self.api(f"/users/{user}/server", "POST")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.api(f"/users/{user}")["servers"].get("")
            if server and server.get("ready"):
                return server
            time.sleep(0.5)
        raise TimeoutError(f"{user}'s server did not start: {self.log.read_text()[-3000:]}")

    def stop_server(self, user):
        self.api(f"/users/{user}/server", "DELETE")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def server_pids(self):
        """{user: pid} of the running single-user servers (the hub's database, via its API)."""
        pids = {}
        for user in self.api("/users?state=active") or []:
            state = self.api(f"/users/{user['name']}")["servers"][""].get("state") or {}
            if state.get("pid"):
                pids[user["name"]] = state["pid"]
        return pids

    def close(self):
        """Stop the hub and every server (and kernel) it started."""
        servers = list(self.server_pids().values()) if self.process.poll() is None else []
        self.stop()
        for pid in servers:
            for child in [*descendants(pid), pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, 15)

    def home(self, user):
        return self.state / "users" / user

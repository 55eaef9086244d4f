"""How many learners one machine holds: N simulated learners on `make hub`'s JupyterHub.

For each notebook and each N, the script starts a hub (hub/jupyterhub_config.py, through
hub/launcher.py), creates N users, starts their servers, and has every learner run the stored
notebook top to bottom at the same moment -- the worst case of "everyone presses Run All" --
in a kernel of their own server (a session opened through the hub's proxy, cells sent over the
kernel's websocket, as JupyterLab does). It records, per learner:

- wall time from the first cell sent to the last cell's reply (the kernel process already
  started, as when a learner opens the notebook; its imports included);
- CPU seconds of the kernel (user + system, its children included);
- peak PSS of the kernel (proportional set size: shared libraries such as TensorFlow's counted
  once across the learners who map them, so PSS adds up to the machine's use), sampled every
  0.25 s;

and the hub's own overhead: PSS of the hub, the proxy and the N single-user servers (JupyterLab's
server without its kernels), after the run.

Usage (from the repository root, with `make hub-install` done)::

    .venv/bin/python benchmarks/class_load.py                     # N = 1 2 4 8; notebooks 00 05 08
    .venv/bin/python benchmarks/class_load.py -n 1 2 --notebooks 05
    .venv/bin/python benchmarks/class_load.py --report            # tables from stored rows

Results go to benchmarks/results/class_load.json (one row per notebook and N, merged with
earlier runs). The sizing the instructor guide prints comes from these rows:

- memory: learners <= (G - reserve - hub) / (kernel PSS + one server), the hub's fixed part
  and a server's share fitted to the measured overhead (a + b N);
- CPU: N learners running a notebook at once need N x CPU-seconds of work on C cores, so the
  last of them finishes after about max(T1, N x cpu / C) (T1: one learner's run time on a
  quiet machine, from the README's course map). Within a waiting target of 2 x T1:
  learners <= 2 x C x T1 / cpu.
The measured rows check the formula (and show where it is optimistic: memory bandwidth, the
server's own work).
"""

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import websocket

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hub"))
from launcher import ClassHub, descendants  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "class_load.json"
RESERVE_GB = 2.0  # the operating system, the instructor's own session, page cache


def _pss(pid):
    try:
        return psutil.Process(pid).memory_full_info().pss
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0


def _cpu(pid):
    try:
        t = psutil.Process(pid).cpu_times()
        return t.user + t.system + t.children_user + t.children_system
    except psutil.NoSuchProcess:
        return None


def _execute_request(code, session):
    return {
        "header": {"msg_id": uuid.uuid4().hex, "username": "bench", "session": session,
                   "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
    }  # fmt: skip


class Learner(threading.Thread):
    """One learner: a session on ``notebook`` in their server, then every code cell in order."""

    def __init__(self, hub, user, notebook_path, cells, go):
        super().__init__(daemon=True)
        self.hub, self.user, self.path, self.cells, self.go = hub, user, notebook_path, cells, go
        self.result = {"user": user}

    def prepare(self, server_pid):
        session = self.hub.user_api(self.user, "/sessions", "POST", {
            "path": self.path, "type": "notebook", "name": Path(self.path).name,
            "kernel": {"name": "python3"}})  # fmt: skip
        self.kernel_id = session["kernel"]["id"]
        # The kernel's process: the server's child whose command line names the kernel's id.
        deadline = time.monotonic() + 60
        self.pid = None
        while self.pid is None and time.monotonic() < deadline:
            for pid in descendants(server_pid):
                try:
                    if self.kernel_id in " ".join(psutil.Process(pid).cmdline()):
                        self.pid = pid
                except psutil.NoSuchProcess:
                    pass
            time.sleep(0.2)
        url = self.hub.base.replace("http", "ws") + (
            f"/user/{self.user}/api/kernels/{self.kernel_id}/channels"
        )
        self.ws = websocket.create_connection(
            url, header=[f"Authorization: token {self.hub.token}"], timeout=600
        )

    def run(self):
        session = uuid.uuid4().hex
        self.go.wait()
        start = time.perf_counter()
        errors = []
        for code in self.cells:
            msg = _execute_request(code, session)
            self.ws.send(json.dumps(msg))
            while True:
                reply = json.loads(self.ws.recv())
                if (reply.get("parent_header", {}).get("msg_id") == msg["header"]["msg_id"]
                        and reply.get("msg_type") == "execute_reply"):  # fmt: skip
                    if reply["content"]["status"] != "ok":
                        errors.append(reply["content"].get("ename", "error"))
                    break
            if errors:
                break
        self.result["wall_s"] = time.perf_counter() - start
        self.result["cpu_s"] = _cpu(self.pid) if self.pid else None
        self.result["errors"] = errors
        self.ws.close()


def run_round(notebook, n, workdir):
    """N learners on ``notebook`` at once; returns the row."""
    src = next((ROOT / "notebooks").glob(f"{notebook}_*.ipynb"))
    nb = nbformat.read(src, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    hub = ClassHub(workdir / f"hub-{notebook}-{n}", progress=False).start()
    try:
        users = [f"learner{i + 1:02d}" for i in range(n)]
        for user in users:  # each learner's copy of the notebooks, as nbgitpuller would make
            shutil.copytree(ROOT / "notebooks", hub.home(user) / "notebooks",
                            ignore=shutil.ignore_patterns("py"))  # fmt: skip
            hub.start_server(user)
        pids = hub.server_pids()
        go = threading.Event()
        learners = [Learner(hub, u, f"notebooks/{src.name}", cells, go) for u in users]
        for learner in learners:
            learner.prepare(pids[learner.user])
            learner.peak = 0
        for learner in learners:
            learner.start()
        go.set()
        while any(learner.is_alive() for learner in learners):
            for learner in learners:
                learner.peak = max(learner.peak, _pss(learner.pid))
            time.sleep(0.25)
        hub_pids = [hub.process.pid, *descendants(hub.process.pid)]
        kernel_pids = {learner.pid for learner in learners}
        overhead = sum(_pss(p) for p in [*hub_pids, *pids.values()] if p not in kernel_pids)
        rows = [{**learner.result, "peak_pss_mb": learner.peak / 2**20} for learner in learners]
    finally:
        hub.close()
    bad = [r for r in rows if r["errors"]]
    return {
        "notebook": notebook,
        "learners": n,
        "wall_s": [round(r["wall_s"], 1) for r in rows],
        "cpu_s": [round(r["cpu_s"], 1) for r in rows if r["cpu_s"] is not None],
        "peak_pss_mb": [round(r["peak_pss_mb"]) for r in rows],
        "hub_overhead_mb": round(overhead / 2**20),
        "errors": [r["errors"] for r in bad],
        "cores": len(os.sched_getaffinity(0)),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_1min_before": round(os.getloadavg()[0], 2),
    }


def _course_map_times():
    """{"05": 41.0, ...}: one learner's run time on 2 cores from the README's course map
    (benchmarks/notebooks.py, measured on a quiet machine)."""
    times = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cols) >= 5 and re.fullmatch(r"\d\d", cols[0]) and re.fullmatch(r"[\d.]+", cols[4]):
            times[cols[0]] = float(cols[4])
    return times


def _fit(points):
    """Least-squares line y = a + b x through (x, y) points: (a, b)."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    b = sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0
    return my - b * mx, b


def sizing(rows, cores, memory_gb):
    """Learners per machine per notebook, and the figures behind it.

    memory: (G - reserve - hub) / (kernel PSS + one server), with the hub's fixed part and a
    server's share fitted to the measured overhead (a + b N), and the kernel's PSS at the
    largest N measured (the libraries shared by more learners cost each less);
    CPU: 2 x cores x T1 / CPU s, T1 one learner's run time on a quiet machine (the README's
    course map; this benchmark's own T1 where the map has none) and CPU s per learner from
    the largest N (what each learner's run costs when all run at once)."""
    quiet = _course_map_times()
    out = {}
    for nb in sorted({r["notebook"] for r in rows}):
        mine = sorted((r for r in rows if r["notebook"] == nb), key=lambda r: r["learners"])
        big = mine[-1]
        hub_fixed, per_server = _fit([(r["learners"], r["hub_overhead_mb"]) for r in mine])
        if len(mine) == 1:  # one row: no fit; count the hub as one more server
            hub_fixed, per_server = big["hub_overhead_mb"] / 2, big["hub_overhead_mb"] / 2
        pss = max(big["peak_pss_mb"])
        cpu = _mean(big["cpu_s"])
        t1 = quiet.get(nb, mine[0]["wall_s"][0])
        mem = int(((memory_gb - RESERVE_GB) * 1024 - hub_fixed) / (pss + per_server))
        cpu_bound = max(1, int(2 * cores * t1 / cpu))
        out[nb] = {"t1_s": t1, "cpu_s": cpu, "pss_mb": pss, "server_mb": per_server,
                   "hub_mb": hub_fixed, "memory_bound": mem, "cpu_bound": cpu_bound,
                   "learners": min(mem, cpu_bound), "from_n": big["learners"]}  # fmt: skip
    return out


def _mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def print_tables(rows, cores, memory_gb):
    print("\n| notebook | learners | wall s (mean / max) | CPU s per learner | peak PSS MB per "
          "learner (mean / max) | hub + servers MB |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    for r in sorted(rows, key=lambda r: (r["notebook"], r["learners"])):
        print(f"| {r['notebook']} | {r['learners']} | {_mean(r['wall_s']):.0f} / "
              f"{max(r['wall_s']):.0f} | {_mean(r['cpu_s']):.0f} | {_mean(r['peak_pss_mb']):.0f}"
              f" / {max(r['peak_pss_mb'])} | {r['hub_overhead_mb']} |")  # fmt: skip
    print(f"\nlearners per machine ({cores} cores, {memory_gb} GB; reserve {RESERVE_GB} GB; "
          "waiting target 2 x one learner's time):")  # fmt: skip
    print("| notebook | T1 s (quiet) | CPU s / learner | kernel PSS MB | server MB | hub MB | "
          "by memory | by CPU (2 x T1) | learners |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for nb, s in sizing(rows, cores, memory_gb).items():
        print(f"| {nb} | {s['t1_s']:.0f} | {s['cpu_s']:.1f} | {s['pss_mb']:.0f} | "
              f"{s['server_mb']:.0f} | {s['hub_mb']:.0f} | {s['memory_bound']} | "
              f"{s['cpu_bound']} | {s['learners']} |")  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--learners", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--notebooks", nargs="+", default=["00", "05", "08"])
    parser.add_argument("--report", action="store_true", help="only print the stored results")
    args = parser.parse_args(argv)
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    rows = list(old)
    if not args.report:
        with tempfile.TemporaryDirectory(prefix="class-load-") as tmp:
            for nb in args.notebooks:
                for n in args.learners:
                    t = time.perf_counter()
                    row = run_round(nb, n, Path(tmp))
                    print(f"notebook {nb}, {n} learner(s): wall {row['wall_s']} s, cpu "
                          f"{row['cpu_s']} s, PSS {row['peak_pss_mb']} MB, hub+servers "
                          f"{row['hub_overhead_mb']} MB, errors {row['errors']} "
                          f"({time.perf_counter() - t:.0f} s)", flush=True)  # fmt: skip
                    rows = [r for r in rows if (r["notebook"], r["learners"]) != (nb, n)] + [row]
                    RESULTS.parent.mkdir(parents=True, exist_ok=True)
                    RESULTS.write_text(json.dumps(rows, indent=1))
    cores = len(os.sched_getaffinity(0))
    memory_gb = round(psutil.virtual_memory().total / 2**30, 1)
    print_tables(rows, cores, memory_gb)
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

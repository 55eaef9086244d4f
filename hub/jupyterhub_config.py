# JupyterHub for a workshop on one machine: `make hub` starts it with this file.
#
#   make hub                                    # http://127.0.0.1:8000, password printed
#   COURSE_HUB_PASSWORD=... make hub            # the password you hand out
#   COURSE_PROGRESS_DIR=$PWD/.hub/progress make hub   # + live class progress (opt-in)
#
# What runs where
# ---------------
# - The hub (this file) and configurable-http-proxy (Node.js, from the npm registry, pinned in
#   hub/package.json + package-lock.json and installed into hub/node_modules by `make hub`).
# - One single-user Jupyter server per learner, started by SimpleLocalProcessSpawner as the same
#   operating-system user as the hub: no system accounts are needed, each learner gets a home
#   folder under $COURSE_HUB_STATE/users/<name>. That isolates files by convention only (every
#   learner's server runs as one OS user): right for a workshop on a machine of its own, not for
#   a server that holds anything private.
# - One environment for everything: the course's .venv. jupyterhub-singleuser must be importable
#   in the environment whose JupyterLab and kernels the learners use (it is the single-user
#   server), so requirements/hub.txt (jupyterhub, nbgitpuller, pinned against the lock with
#   `-c requirements/lock.txt`) is installed into the course's .venv rather than into a separate
#   venv: a second venv would need its own JupyterLab plus a kernelspec pointing back at .venv,
#   two stacks to keep in step. It is not a pyproject extra because learners never need it and
#   the lock (which `make test` and Binder install) stays the learners' stack.
#   The learners' kernel is therefore .venv's python3 kernel: the companion, TensorFlow, the
#   locked versions.
#
# Environment variables (all optional)
# ------------------------------------
# COURSE_HUB_PORT       port of the hub on 127.0.0.1 (8000). Put a TLS reverse proxy
#                       (Caddy, nginx) in front of it to serve a room, or use TLJH below.
# COURSE_HUB_IP         address to listen on (127.0.0.1; 0.0.0.0 serves the local network).
# COURSE_HUB_STATE      folder for the hub's database, cookie secret and users' homes (.hub/).
# COURSE_HUB_PASSWORD   the shared workshop password (>= 8 characters; `make hub` makes one).
#                       Learners log in with any user name and this password.
# COURSE_HUB_ADMIN_PASSWORD  the instructor's password (>= 32 characters) for the user
#                       "instructor", an admin: the hub's admin page lists and stops servers.
# COURSE_HUB_MEM_LIMIT  per-learner memory, e.g. 2G (default). See "Memory" below.
# COURSE_HUB_CULL_MINUTES  a kernel idle this long is shut down, freeing its memory (90: longer
#                       than a lunch break); a server with no activity for 4x this stops. The
#                       notebooks stay on disk; the learner restarts the kernel and runs all.
# COURSE_HUB_SERVICE_TOKEN  an API token for the course's tools (benchmarks/class_load.py,
#                       tests/test_hub.py): a service that may create users and start servers.
# COURSE_PROGRESS_DIR   live class progress: a folder every learner's kernel may append to.
#                       Passed on to the learners' servers (and so their kernels); unset, no
#                       check result leaves a kernel. `python -m companion.progress DIR` and
#                       docs/instructor.ipynb show who is stuck where.
#
# Memory
# ------
# Spawner.mem_limit is set, but LocalProcessSpawner does not enforce it: it only exports it as
# MEM_LIMIT (which jupyter-resource-usage would display). A per-process rlimit is no substitute:
# RLIMIT_AS counts TensorFlow's large virtual reservations and breaks its import. Enforced limits
# need cgroups, which the engines below provide: The Littlest JupyterHub (systemdspawner:
# `tljh-config set limits.memory 2G`) and Zero to JupyterHub (KubeSpawner:
# singleuser.memory.limit). On this spawner, size the class with the measured figures in
# docs/instructor-guide.md ("How many learners one machine holds") instead.
#
# The same class on The Littlest JupyterHub (one machine, real system users)
# ------------------------------------------------------------------------
# TLJH installs JupyterHub, the proxy (traefik) and systemdspawner; the settings here map to:
#   authenticator:  sudo tljh-config set auth.type shared-password  (or firstuse/nativeauth);
#                   sudo tljh-config set auth.SharedPasswordAuthenticator.user_password ...
#   course env:     sudo -E /opt/tljh/user/bin/pip install -c requirements/lock.txt \
#                       -e ".[keras,lab]" nbgitpuller          (the users' shared environment)
#   memory / CPU:   sudo tljh-config set limits.memory 2G; sudo tljh-config set limits.cpu 1
#   idle culling:   TLJH runs jupyterhub-idle-culler by default (services.cull.timeout)
#   progress:       a folder of the instructors' group, chmod 3773 (learners append, only the
#                   group reads: see companion/progress.py), exported to the users' servers with
#                   c.Spawner.environment in /opt/tljh/config/jupyterhub_config.d/progress.py
#   then            sudo tljh-config reload
# The nbgitpuller link is the same (HUB = the machine's address).
#
# Beyond one machine: Zero to JupyterHub on Kubernetes
# ----------------------------------------------------
# hub/z2jh-values.yaml: the Binder image of this repository (repo2docker) as singleuser.image,
# the shared password, 2G/1 CPU per learner (enforced by Kubernetes), the idle culler, and the
# progress folder as a shared volume.

import os
import secrets
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 -- provided by JupyterHub when it loads this file

HUB_DIR = Path(__file__).resolve().parent
ROOT = HUB_DIR.parent
STATE = Path(os.environ.get("COURSE_HUB_STATE") or ROOT / ".hub").resolve()
STATE.mkdir(parents=True, exist_ok=True)

# -- network: localhost by default ------------------------------------------------------------
c.JupyterHub.ip = os.environ.get("COURSE_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("COURSE_HUB_PORT", "8000"))
# The proxy's API and the hub's own port: the next two ports (so a test's hub on another port
# can run beside a class's hub), or COURSE_HUB_PROXY_API_PORT / COURSE_HUB_API_PORT.
_proxy_api_port = int(os.environ.get("COURSE_HUB_PROXY_API_PORT") or c.JupyterHub.port + 1)
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_proxy_api_port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("COURSE_HUB_API_PORT") or c.JupyterHub.port + 2)

# -- state: database, cookie secret, pid file, all under STATE (kept across restarts) ---------
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
# A hub restart (crash, config change) leaves the learners' servers and kernels running;
# the restarted hub finds them again through the database. Notebooks live on disk either way.
c.JupyterHub.cleanup_servers = False

# -- the proxy: configurable-http-proxy from hub/node_modules (npm), else from PATH ----------
_proxy = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [
    str(_proxy) if _proxy.exists() else (shutil.which("configurable-http-proxy") or str(_proxy))
]

# -- authentication: one shared workshop password ---------------------------------------------
c.JupyterHub.authenticator_class = "shared-password"
_password = os.environ.get("COURSE_HUB_PASSWORD")
if not _password:
    _password = secrets.token_urlsafe(9)
    print(f"[course hub] no COURSE_HUB_PASSWORD set; this run's password: {_password}")
c.SharedPasswordAuthenticator.user_password = _password
c.Authenticator.allow_all = True  # anyone with the password picks a user name
c.Authenticator.admin_users = {"instructor"}
if os.environ.get("COURSE_HUB_ADMIN_PASSWORD"):
    c.SharedPasswordAuthenticator.admin_password = os.environ["COURSE_HUB_ADMIN_PASSWORD"]

# -- tools: a service token for the course's scripts (class_load benchmark, tests) -----------
if os.environ.get("COURSE_HUB_SERVICE_TOKEN"):
    c.JupyterHub.services = [
        {"name": "course-tools", "api_token": os.environ["COURSE_HUB_SERVICE_TOKEN"]}
    ]
    c.JupyterHub.load_roles = [
        {
            "name": "course-tools",
            "scopes": ["admin:users", "admin:servers", "admin:server_state", "access:servers"],
            "services": ["course-tools"],
        }
    ]

# -- the learners' servers ---------------------------------------------------------------------
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "users" / "{username}")
# This environment's single-user server (sys.prefix: the hub runs from the course's .venv).
c.Spawner.cmd = [str(Path(sys.prefix) / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.mem_limit = os.environ.get("COURSE_HUB_MEM_LIMIT", "2G")  # not enforced here: see top
_cull = int(os.environ.get("COURSE_HUB_CULL_MINUTES", "90")) * 60
c.Spawner.args = [
    # Idle culling without an extra service: jupyter_server shuts idle kernels down itself
    # (checked every 5 min) and stops a server that has had no activity for 4x as long.
    f"--MappingKernelManager.cull_idle_timeout={_cull}",
    "--MappingKernelManager.cull_interval=300",
    f"--ServerApp.shutdown_no_activity_timeout={4 * _cull}",
    *(["--allow-root"] if os.getuid() == 0 else []),  # containers and CI run as root
]
# Quiet, repeatable TensorFlow in every kernel (as binder/start does for Binder).
c.Spawner.environment = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
# What the servers inherit from the hub's environment (JupyterHub passes on only what is listed):
# the course's .venv has the companion installed (editable); a PYTHONPATH the hub was started
# with (a development checkout) is passed on as well.
c.Spawner.env_keep = [
    "JUPYTERHUB_SINGLEUSER_APP",
    "PATH",  # git, for nbgitpuller
    "PYTHONPATH",
    "LANG",
    "LC_ALL",
    "KERAS_HOME",  # a shared Fashion-MNIST cache, if the host has one
]
if os.environ.get("COURSE_PROGRESS_DIR"):
    _progress = Path(os.environ["COURSE_PROGRESS_DIR"]).resolve()
    _progress.mkdir(parents=True, exist_ok=True)
    c.Spawner.environment["COURSE_PROGRESS_DIR"] = str(_progress)
    print(f"[course hub] live class progress on: check results go to {_progress}")

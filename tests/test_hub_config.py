"""hub/jupyterhub_config.py and hub/z2jh-values.yaml, read without starting a hub (fast; no
jupyterhub needed). tests/test_hub.py runs the real hub."""

import json
import os
import runpy
import sys
from pathlib import Path

import pytest
import yaml
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "hub" / "jupyterhub_config.py"


def _load(monkeypatch, tmp_path, uid=1000, **env):
    for name in list(os.environ):
        if name.startswith(("COURSE_HUB_", "COURSE_PROGRESS")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COURSE_HUB_STATE", str(tmp_path / "state"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(os, "getuid", lambda: uid)
    c = Config()
    runpy.run_path(str(CONFIG), init_globals={"get_config": lambda: c})
    return c


def test_a_workshop_hub_on_localhost_with_a_shared_password(monkeypatch, tmp_path, capsys):
    c = _load(monkeypatch, tmp_path, COURSE_HUB_PASSWORD="room-42-password")
    assert (c.JupyterHub.ip, c.JupyterHub.port) == ("127.0.0.1", 8000)
    assert c.JupyterHub.authenticator_class == "shared-password"
    assert c.SharedPasswordAuthenticator.user_password == "room-42-password"
    assert c.JupyterHub.spawner_class == "jupyterhub.spawner.SimpleLocalProcessSpawner"
    assert c.SimpleLocalProcessSpawner.home_dir_template == str(tmp_path / "state/users/{username}")
    # The learners' server is this environment's: its JupyterLab, its kernel.
    assert c.Spawner.cmd == [str(Path(sys.prefix) / "bin" / "jupyterhub-singleuser")]
    assert c.JupyterHub.db_url.endswith(str(tmp_path / "state" / "jupyterhub.sqlite"))
    assert "--allow-root" not in c.Spawner.args
    assert "--MappingKernelManager.cull_idle_timeout=5400" in c.Spawner.args
    assert "COURSE_PROGRESS_DIR" not in c.Spawner.environment  # off unless asked for
    assert "password" not in capsys.readouterr().out


def test_a_password_is_made_and_printed_when_none_is_given(monkeypatch, tmp_path, capsys):
    c = _load(monkeypatch, tmp_path)
    password = c.SharedPasswordAuthenticator.user_password
    assert len(password) >= 8  # SharedPasswordAuthenticator's minimum
    assert password in capsys.readouterr().out


def test_root_gets_allow_root_and_progress_is_passed_on(monkeypatch, tmp_path):
    c = _load(monkeypatch, tmp_path, uid=0, COURSE_HUB_PASSWORD="x" * 8,
              COURSE_PROGRESS_DIR=str(tmp_path / "progress"), COURSE_HUB_PORT="9100")  # fmt: skip
    assert "--allow-root" in c.Spawner.args
    assert c.Spawner.environment["COURSE_PROGRESS_DIR"] == str(tmp_path / "progress")
    assert (tmp_path / "progress").is_dir()
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:9101"
    assert c.JupyterHub.hub_port == 9102


def test_the_proxy_is_pinned_and_found_in_hub_node_modules(monkeypatch, tmp_path):
    package = json.loads((ROOT / "hub" / "package.json").read_text())
    lock = json.loads((ROOT / "hub" / "package-lock.json").read_text())
    version = package["dependencies"]["configurable-http-proxy"]
    assert version.count(".") == 2 and version[0].isdigit(), "an exact version"
    assert lock["packages"]["node_modules/configurable-http-proxy"]["version"] == version
    c = _load(monkeypatch, tmp_path, COURSE_HUB_PASSWORD="x" * 8)
    (command,) = c.ConfigurableHTTPProxy.command
    assert command.endswith("configurable-http-proxy")


def test_hub_requirements_keep_the_lock():
    """requirements/hub.txt adds packages; a locked one it names keeps the lock's version."""

    def pins(path):
        found = {}
        for line in path.read_text().splitlines():
            if line and not line.startswith((" ", "#", "-")):
                name, rest = line.split("==", 1)
                found.setdefault(name.lower(), set()).add(rest.split(";")[0].strip())
        return found

    lock, hub = pins(ROOT / "requirements" / "lock.txt"), pins(ROOT / "requirements" / "hub.txt")
    assert {"jupyterhub", "nbgitpuller"} <= set(hub)
    different = {n: (v, lock[n]) for n, v in hub.items() if n in lock and not v <= lock[n]}
    assert not different, f"requirements/hub.txt moves locked packages: {different}"


def test_z2jh_values_use_the_binder_image_limits_culling_and_progress():
    values = yaml.safe_load((ROOT / "hub" / "z2jh-values.yaml").read_text())
    single = values["singleuser"]
    assert single["image"]["name"].endswith("/dense-activations")
    assert single["memory"]["limit"] == "2G"
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] == "shared-password"
    assert values["cull"]["enabled"] is True
    mount = single["storage"]["extraVolumeMounts"][0]["mountPath"]
    assert single["extraEnv"]["COURSE_PROGRESS_DIR"] == mount
    # The Binder image gets nbgitpuller, so the README's link works on it.
    assert "nbgitpuller" in (ROOT / "binder" / "postBuild").read_text()


@pytest.mark.parametrize("name", ["jupyterhub_config.py", "z2jh-values.yaml"])
def test_the_hub_files_say_how_they_map_to_tljh_and_z2jh(name):
    text = (ROOT / "hub" / name).read_text()
    assert "Zero to JupyterHub" in text
    if name.endswith(".py"):
        assert "The Littlest JupyterHub" in text and "tljh-config" in text

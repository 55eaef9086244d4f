"""The offline kit: the right wheels for each learner platform, and an install that uses no index.

The unit tests check the commands tools/offline_kit.py runs (no download). The end-to-end test
installs a kit that was really built (`python tools/offline_kit.py --out DIR`, ~680 MB for one
Linux Python) into a fresh virtual environment with pip's index switched off, then loads
Fashion-MNIST from the kit's files; it runs when COURSE_OFFLINE_KIT names such a folder.
"""

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("offline_kit", ROOT / "tools" / "offline_kit.py")
kit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kit)


def _flag_values(command, flag):
    return [command[i + 1] for i, part in enumerate(command) if part == flag]


@pytest.mark.parametrize("target", sorted(kit.PLATFORMS))
def test_download_is_binary_only_for_the_target_platform_and_python(target, tmp_path):
    command = kit.download_command(target, "3.12", tmp_path / "pins.txt", tmp_path / "wheels")
    assert "--only-binary=:all:" in command and "--no-deps" in command
    assert _flag_values(command, "--python-version") == ["3.12"]
    assert _flag_values(command, "--implementation") == ["cp"]
    assert _flag_values(command, "--platform") == kit.PLATFORMS[target][1]
    assert kit.BUILD_BACKEND in command  # the editable install builds the companion offline


def test_linux_tags_cover_the_wheels_the_stack_ships():
    tags = kit.PLATFORMS["linux-x86_64"][1]
    # TensorFlow 2.21: manylinux_2_27; cffi, NumPy: manylinux_2_17 / manylinux2014 (pip does
    # not expand manylinux_2_28 to these itself).
    for tag in ("manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"):
        assert tag in tags


@pytest.mark.parametrize("target", sorted(kit.PLATFORMS))
def test_resolution_is_for_the_target_not_this_machine(target, tmp_path):
    command = kit.resolve_command(target, "3.10", tmp_path / "pins.txt")
    assert _flag_values(command, "--python-platform") == [kit.PLATFORMS[target][0]]
    assert _flag_values(command, "--python-version") == ["3.10"]
    assert _flag_values(command, "--extra") == ["keras", "lab"]  # the learners' extras only
    assert _flag_values(command, "--only-binary") == [":all:"]  # what pip download can fetch
    assert _flag_values(command, "-c") == [str(kit.LOCK)]
    assert "-c" not in kit.resolve_command(target, "3.10", tmp_path / "p.txt", locked=False)


def test_all_targets_dry_run(capsys, tmp_path):
    assert kit.main(["--all", "--dry-run", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    downloads = [line for line in lines if " pip download " in line]
    assert len(downloads) == 4 * 4 * 2  # platforms x Pythons x (first, latest patch)
    assert len([line for line in lines if " pip compile " in line]) == 4 * 4 * 2
    for python in kit.SUPPORTED_PYTHONS:
        for patch in ("0", "99"):
            assert sum(f"--python-version {python}.{patch} " in line for line in downloads) == 4
    assert not any(tmp_path.rglob("*.whl"))


def test_data_and_course_archive(tmp_path, monkeypatch):
    source = tmp_path / "source"
    source.mkdir()
    for name in kit.DATA_FILES:
        (source / name).write_bytes(b"not really gzip")
    monkeypatch.setattr(kit, "DATA_SOURCES", (tmp_path / "missing", source))
    assert kit.copy_data(tmp_path / "kit") == source
    copied = tmp_path / "kit" / "keras" / "datasets" / "fashion-mnist"
    assert sorted(p.name for p in copied.iterdir()) == sorted(kit.DATA_FILES)
    monkeypatch.setattr(kit, "DATA_SOURCES", (tmp_path / "missing",))
    with pytest.raises(SystemExit, match="dataset-fashion-mnist"):
        kit.copy_data(tmp_path / "kit2")
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse"], capture_output=True).returncode:
        pytest.skip("not a git checkout: no archive to make")
    archive = kit.archive_course(tmp_path / "kit", "HEAD")
    names = zipfile.ZipFile(archive).namelist()
    assert "dense-activations/notebooks/00_setup_and_tour.ipynb" in names


def test_install_instructions_have_the_venv_and_no_index(tmp_path):
    (tmp_path).mkdir(exist_ok=True)
    kit.write_install(tmp_path, "HEAD", [("linux-x86_64", "3.11"), ("windows-amd64", "3.12")])
    text = (tmp_path / "INSTALL.md").read_text()
    assert "python3 -m venv .venv" in text and "externally-managed-environment" in text
    assert text.count("--no-index --find-links") == 2
    assert "wheels/linux-x86_64-py3.11/" in text and "wheels/windows-amd64-py3.12/" in text
    assert "KERAS_HOME" in text


@pytest.mark.slow
def test_offline_install_from_a_built_kit(tmp_path):
    folder = os.environ.get("COURSE_OFFLINE_KIT")
    if not folder:
        pytest.skip("set COURSE_OFFLINE_KIT to a kit built by tools/offline_kit.py")
    built = Path(folder)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    wheels = built / "wheels" / f"{kit.this_platform()}-py{python}"
    assert wheels.is_dir(), f"the kit has no wheels for this machine: {wheels}"
    with zipfile.ZipFile(built / "dense-activations.zip") as archive:
        archive.extractall(tmp_path)
    course = tmp_path / "dense-activations"
    # No configuration file (this machine's pip.conf may name other indexes or wheel folders),
    # no index: pip sees the kit's folder and nothing else.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, HOME=str(tmp_path / "home"))
    env.pop("PYTHONPATH", None)
    subprocess.run([sys.executable, "-m", "venv", ".venv"], cwd=course, env=env, check=True)
    learner_python = str(course / ".venv" / "bin" / "python")
    install = [learner_python, "-m", "pip", "install", "--quiet", "--no-index"]
    install += ["--find-links", str(wheels), "-e", ".[keras,lab]"]
    subprocess.run(install, cwd=course, env=env, check=True, timeout=1800)
    code = (
        "import companion, companion.data as d\n"
        "(x, y), (xt, yt) = d.load_fashion_mnist(download=False)\n"
        "print(d.fashion_mnist_source(), x.shape, xt.shape, companion.__file__)"
    )
    env["KERAS_HOME"] = str(built / "keras")
    result = subprocess.run(
        [learner_python, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (
        str(built / "keras") in result.stdout and "(60000, 28, 28) (10000, 28, 28)" in result.stdout
    )
    assert str(course) in result.stdout  # the course's companion, installed editable

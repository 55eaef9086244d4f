"""Package-level promises: importing the companion is light, and its modules are importable."""

import importlib
import json
import subprocess
import sys

import pytest

import companion

HEAVY = ("tensorflow", "keras", "jax", "torch")


def _modules_after(statement: str) -> set[str]:
    code = f"{statement}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_import_companion_does_not_import_tensorflow():
    loaded = _modules_after("import companion")
    assert not {m.split(".")[0] for m in loaded} & set(HEAVY)


@pytest.mark.parametrize(
    "module",
    [
        "activations",
        "initializers",
        "regularizers",
        "losses",
        "layers",
        "optimizers",
        "models",
        "callbacks",
        "gradcheck",
        "compare",
        "data",
        "diagnostics",
    ],
)
def test_numeric_modules_do_not_import_tensorflow(module):
    loaded = _modules_after(f"import companion.{module}")
    heavy = sorted({m.split(".")[0] for m in loaded} & set(HEAVY))
    assert not heavy, f"companion.{module} imports {heavy} at import time; import it lazily"


def test_submodules_load_lazily_by_attribute():
    assert companion.activations is importlib.import_module("companion.activations")


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        companion.nonsense  # noqa: B018


def test_version_is_the_package_metadata_version():
    from importlib.metadata import version

    assert companion.__version__ == version("dl-course-companion")


def test_json_roundtrip_of_module_list_is_sane():
    # Guards the helper above: a fresh interpreter does load numpy through the companion.
    assert "numpy" in _modules_after("import companion.utils")

"""nlp's import contracts (pyproject.toml) fail on a circle: they are run by import-linter on a throwaway
package laid out like nlp, first without circles, then with one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")
FAKE = "fakenlp"
# The layered modules that are packages in nlp, with a child that imports a sibling.
PACKAGES = {"classifiers": ("base", "classical"), "training": ("data", "train"), "models": ()}


def _nlp_contracts() -> list[dict]:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    ours = [c for c in contracts if c.get("ancestors") == ["nlp"] or c.get("containers") == ["nlp"]]
    assert {c["type"] for c in ours} == {"acyclic_siblings", "layers"}, ours
    return ours


def _layer_modules(contract: dict) -> list[list[str]]:
    return [[m.strip(" ()") for m in re.split(r"[|:]", layer)] for layer in contract["layers"]]


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace('"', '\\"') + '"'


def _write_config(folder: Path, contracts: list[dict]) -> Path:
    lines = ["[tool.importlinter]", f'root_packages = ["{FAKE}"]', ""]
    for contract in contracts:
        lines.append("[[tool.importlinter.contracts]]")
        for key, value in contract.items():
            if key in ("ancestors", "containers"):
                value = [FAKE if v == "nlp" else v for v in value]
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    path = folder / "pyproject.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _module_file(package: Path, name: str) -> Path:
    if name in PACKAGES:
        return package / name / "__init__.py"
    return package / f"{name}.py"


@pytest.fixture()
def fake(tmp_path):
    """A package with nlp's layered modules, each importing every module of the layer below it."""
    contracts = _nlp_contracts()
    layers = _layer_modules(next(c for c in contracts if c["type"] == "layers"))
    package = tmp_path / FAKE
    package.mkdir()
    (package / "__init__.py").write_text("")
    for above, below in zip(layers, layers[1:] + [[]]):
        for name in above:
            path = _module_file(package, name)
            path.parent.mkdir(exist_ok=True)
            path.write_text("".join(f"import {FAKE}.{low}\n" for low in below))
    for name, children in PACKAGES.items():
        for lower, upper in zip(children, children[1:]):
            (package / name / f"{lower}.py").write_text("")
            (package / name / f"{upper}.py").write_text(f"import {FAKE}.{name}.{lower}\n")
    return tmp_path, _write_config(tmp_path, contracts)


def _lint(folder: Path, config: Path) -> subprocess.CompletedProcess:
    assert LINT.exists(), f"{LINT} is missing: install the test extras (pip install -e '.[test]')"
    env = {**os.environ, "PYTHONPATH": str(folder)}
    return subprocess.run([str(LINT), "--no-cache", "--config", str(config)], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)


def _add_import(folder: Path, module: str, imported: str) -> None:
    parts = module.split(".")
    path = folder / FAKE / Path(*parts[:-1]) / f"{parts[-1]}.py"
    if not path.exists():
        path = folder / FAKE / Path(*parts) / "__init__.py"
    path.write_text(path.read_text() + f"import {FAKE}.{imported}\n")


def test_the_contracts_hold_for_a_package_without_circles(fake):
    folder, config = fake
    result = _lint(folder, config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_inference_importing_the_pipeline_is_a_circle_both_contracts_report(fake):
    folder, config = fake
    _add_import(folder, "classifiers.base", "pipeline")
    result = _lint(folder, config)
    assert result.returncode != 0
    assert "2 broken" in result.stdout, result.stdout
    assert ".classifiers -> .pipeline" in result.stdout
    assert f"{FAKE}.classifiers is not allowed to import {FAKE}.pipeline" in result.stdout


def test_a_circle_inside_the_classifiers_package_is_reported(fake):
    folder, config = fake
    _add_import(folder, "classifiers.base", "classifiers.classical")
    result = _lint(folder, config)
    assert result.returncode != 0 and "1 broken" in result.stdout, result.stdout
    assert f"No cycles are allowed in {FAKE}.classifiers" in result.stdout


def test_the_model_folders_importing_training_is_reported(fake):
    folder, config = fake
    _add_import(folder, "models", "training.data")
    result = _lint(folder, config)
    assert result.returncode != 0
    assert f"{FAKE}.models is not allowed to import {FAKE}.training" in result.stdout, result.stdout

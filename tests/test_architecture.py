"""The house's shape, enforced: import-linter's contracts in pyproject.toml (dependency direction, layers, no
import circles), checked on the real code and shown to fail on a copy with a circle put in; and imports of our
own modules at the top of a module, where the graph shows them."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "crawlers", "nlp", "console", "infra")
LINT = Path(sys.executable).with_name("lint-imports")


def lint(where: Path) -> subprocess.CompletedProcess:
    assert LINT.exists(), f"{LINT} is missing: install the test extras (pip install -e '.[test]')"
    return subprocess.run([str(LINT), "--config", str(where / "pyproject.toml"), "--no-cache"], cwd=where,
                          capture_output=True, text=True, timeout=300, env={"PYTHONPATH": str(where), "PATH": ""})


def test_import_contracts_hold():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


@pytest.fixture(scope="module")
def copy_of_the_code(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("house")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, where / package, ignore=shutil.ignore_patterns("__pycache__", "*.safetensors", "*.npz"))
    shutil.copy(ROOT / "pyproject.toml", where / "pyproject.toml")
    return where


@pytest.mark.slow
@pytest.mark.parametrize("module, circular_import", [
    ("core/event.py", "import core.monitoring"),                 # core.monitoring imports core.event
    ("infra/worker/jobs.py", "import infra.worker.service"),     # the worker's service imports its jobs
    ("nlp/segment.py", "import nlp.pipeline"),                   # the pipeline segments
])
def test_a_circle_breaks_the_contracts(copy_of_the_code, module, circular_import):
    path = copy_of_the_code / module
    original = path.read_text(encoding="utf-8")
    path.write_text(original + f"\n{circular_import}  # a circle, on purpose\n", encoding="utf-8")
    try:
        result = lint(copy_of_the_code)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout


def _late_imports(path: Path) -> list[str]:
    """Imports of our own packages inside functions or classes (they hide the import graph's circles)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for inner in ast.walk(node):
            names = ([alias.name for alias in inner.names] if isinstance(inner, ast.Import)
                     else [inner.module or ""] if isinstance(inner, ast.ImportFrom) and inner.level == 0 else [])
            found += [f"{path.relative_to(ROOT)}:{inner.lineno} {name}" for name in names
                      if name.split(".")[0] in PACKAGES]
    return found


def test_our_own_modules_are_imported_at_the_top():
    late = [hit for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py")) for hit in _late_imports(path)]
    assert not late, "import these at the top of the module:\n" + "\n".join(late)

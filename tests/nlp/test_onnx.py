"""Transformer models without torch: the shipped folders run on onnxruntime, give torch's outputs, and the
runtime (CLI, classifiers, pipeline) imports no torch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlp.classifiers import OnnxClassifier, load_classifier
from nlp.models import read_manifest, shipped_model_dir

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ["渠县二中食堂饭菜很好，谢谢老师", "听说学校门口出事了，有没有人知道真相？", "", "😀😀", "好",
         "教育局通报：" + "今天下午学生放学途中发生交通事故，" * 12, "Teacher 很 nice [哈哈]"]
TASKS = ("sentiment", "rumour")


@pytest.mark.parametrize("task", TASKS)
def test_shipped_transformer_folders_run_on_onnxruntime(task):
    folder = shipped_model_dir(task, "transformer")
    classifier = load_classifier(folder, task)
    assert isinstance(classifier, OnnxClassifier)
    assert {"model.onnx", "tokenizer.json"} <= set(read_manifest(folder, task).files)
    proba = classifier.predict_proba(TEXTS)
    assert proba.shape == (len(TEXTS),) and np.all((proba >= 0) & (proba <= 1))
    assert proba[2] == proba[3] == 0.5                        # nothing to read: neutral, as with torch


@pytest.mark.parametrize("task", TASKS)
def test_onnxruntime_gives_the_outputs_of_torch(task):
    pytest.importorskip("torch", reason="torch is the train extra (pip install 'yuqing[train]'): the torch side "
                                        "of the comparison cannot run in a runtime-only install")
    pytest.importorskip("transformers", reason="transformers is the train extra (pip install 'yuqing[train]')")
    from nlp.classifiers import TransformerClassifier

    folder = shipped_model_dir(task, "transformer")
    manifest = read_manifest(folder, task)
    on_torch = TransformerClassifier.load(folder, manifest)
    on_onnx = OnnxClassifier.load(folder, manifest, precision="fp32")
    np.testing.assert_allclose(on_onnx.predict_proba(TEXTS), on_torch.predict_proba(TEXTS), atol=1e-4)


@pytest.mark.parametrize("task", TASKS)
def test_the_runtime_runs_the_int8_graph_which_decides_as_the_full_precision_one(task):
    folder = shipped_model_dir(task, "transformer")
    manifest = read_manifest(folder, task)
    running = load_classifier(folder, task)
    full = OnnxClassifier.load(folder, manifest, precision="fp32")
    # an enriched post records which numbers scored it
    assert running.manifest.label == f"{manifest.name}-int8@{manifest.version}"
    assert full.manifest.label == manifest.label
    texts = TEXTS + ["学校食堂的饭菜太难吃了，还贵", "感谢老师们的辛苦付出", "网传某校学生坠楼，官方尚未回应"]
    quantised, exact = running.predict_proba(texts), full.predict_proba(texts)
    np.testing.assert_allclose(quantised, exact, atol=0.05)
    assert list(quantised >= 0.5) == list(exact >= 0.5)


def test_a_folder_without_an_int8_graph_runs_the_full_precision_one_and_says_so_when_int8_is_asked(tmp_path):
    import shutil
    from dataclasses import replace

    from core.errors import ConfigurationError
    from nlp.models import save_manifest

    folder = tmp_path / "sentiment-transformer"
    shutil.copytree(shipped_model_dir("sentiment", "transformer"), folder)
    manifest = read_manifest(folder, "sentiment")
    save_manifest(folder, replace(manifest, files=tuple(f for f in manifest.files if f != "model.int8.onnx")))
    (folder / "model.int8.onnx").unlink()
    assert load_classifier(folder, "sentiment").manifest.label == manifest.label
    with pytest.raises(ConfigurationError, match="export-onnx"):
        OnnxClassifier.load(folder, read_manifest(folder, "sentiment"), precision="int8")


def _python_without_torch(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter where importing torch or transformers fails, as in the runtime
    install."""
    guard = ("import sys\n"
             "class _NoTraining:\n"
             "    def find_spec(self, name, path=None, target=None):\n"
             "        if name.split('.')[0] in ('torch', 'transformers'):\n"
             "            raise ImportError(f'{name} is not installed (runtime install)')\n"
             "sys.meta_path.insert(0, _NoTraining())\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", guard + code], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)


@pytest.mark.slow
def test_runtime_classifies_with_transformer_models_and_no_torch():
    code = ("from infra.cli import build_parser\n"
            "build_parser()\n"
            "from core.profile import load_profile\n"
            "from nlp.pipeline import load_pipeline\n"
            "from nlp.classifiers import load_classifier\n"
            "from nlp.models import shipped_model_dir\n"
            "load_pipeline(load_profile())\n"
            "model = load_classifier(shipped_model_dir('sentiment', 'transformer'), 'sentiment')\n"
            "print(type(model).__name__, model.predict_proba(['老师很好，谢谢'])[0] > 0)\n"
            "print('torch loaded:', 'torch' in sys.modules)\n")
    result = _python_without_torch(code)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "OnnxClassifier True" in result.stdout and "torch loaded: False" in result.stdout


def test_torch_model_without_torch_names_the_training_extra(tmp_path):
    code = ("from pathlib import Path\n"
            "from core.errors import ConfigurationError\n"
            "from nlp.classifiers import TransformerClassifier\n"
            "from nlp.models import read_manifest, shipped_model_dir\n"
            "folder = shipped_model_dir('rumour', 'transformer')\n"
            "try:\n"
            "    TransformerClassifier.load(folder, read_manifest(folder))\n"
            "except ConfigurationError as error:\n"
            "    print('error:', error)\n")
    result = _python_without_torch(code)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "pip install 'yuqing[train]'" in result.stdout

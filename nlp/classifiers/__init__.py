"""Binary text classifiers behind one interface: ``predict_proba(texts) -> P(label 1)`` for each text.

Implementations: ``ClassicalClassifier`` (character n-grams, TF-IDF and logistic regression, stored as npz +
json, no pickle), ``SnowNLPClassifier`` (snownlp's bundled sentiment model, the baseline) and
``TransformerClassifier`` (a BertForSequenceClassification run by torch, the ``train`` extra) and
``OnnxClassifier`` (the same model exported to ONNX, run by onnxruntime: what the runtime install uses).
``load_classifier`` picks the implementation a model folder's manifest names; a transformer folder with
``model.onnx`` runs on onnxruntime. Inference only: training lives in ``nlp.training``, which imports this package,
never the other way round.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import ConfigurationError
from nlp.classifiers.base import TextClassifier, prepare
from nlp.classifiers.baseline import SnowNLPClassifier
from nlp.classifiers.classical import ClassicalClassifier
from nlp.classifiers.onnx_runtime import ONNX_FILE, OnnxClassifier
from nlp.classifiers.transformer import TransformerClassifier
from nlp.models import read_manifest

__all__ = ["ClassicalClassifier", "OnnxClassifier", "SnowNLPClassifier", "TextClassifier", "TransformerClassifier", "load_classifier",
           "prepare"]


def load_classifier(folder: str | Path, task: str | None = None) -> TextClassifier:
    """The classifier stored in ``folder``. Raises ConfigurationError / VersionMismatch naming what is wrong."""
    folder = Path(folder)
    manifest = read_manifest(folder, task)
    if manifest.kind == "classical":
        return ClassicalClassifier.load(folder, manifest)
    if manifest.kind == "snownlp":
        return SnowNLPClassifier(manifest)
    if manifest.kind != "transformer":
        raise ConfigurationError(f"model folder {folder} holds a {manifest.kind} model, not a text classifier "
                                 "(a crowd model is read by nlp.crowd, incident types by nlp.incident)")
    if (folder / ONNX_FILE).is_file():
        return OnnxClassifier.load(folder, manifest)
    return TransformerClassifier.load(folder, manifest)

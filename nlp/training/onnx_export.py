"""Exporting a transformer model folder to ONNX, so that the runtime classifies with onnxruntime, without torch.

The export traces the torch model (``torch.onnx.export``, the TorchScript exporter; it needs the ``onnx`` package, in the train extra) with the
batch and sequence axes dynamic, writes ``model.onnx`` beside the weights, adds it and ``tokenizer.json`` to the
manifest's files, and checks on sample texts that onnxruntime's logits match torch's. It then quantises the
weights to 8-bit integers (onnxruntime's dynamic quantisation) into ``model.int8.onnx``, which the runtime prefers,
kept only when its probabilities stay within ``INT8_TOLERANCE`` of the full-precision graph's on the check texts.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from core.errors import ConfigurationError
from nlp.classifiers.onnx_runtime import ONNX_FILE, ONNX_INT8_FILE, TOKENIZER_FILE, OnnxClassifier, softmax
from nlp.classifiers.transformer import MAX_LEN, TransformerClassifier, load_torch
from nlp.models import read_manifest, save_manifest

OPSET = 17
# Texts of different lengths (one past MAX_LEN) that the export check runs through both runtimes.
CHECK_TEXTS = ("渠县二中食堂饭菜很好，谢谢老师", "听说学校门口出事了，有没有人知道真相？", "好",
               "教育局通报：" + "今天下午学生放学途中发生交通事故，" * 10)
TOLERANCE = 1e-3
# Quantised weights move a probability a little; a larger move means the quantisation broke the model.
INT8_TOLERANCE = 0.05


def torch_logits(classifier: TransformerClassifier, texts) -> np.ndarray:
    """Logits of cleaned texts from the torch model, padded as the ONNX tokenizer pads them."""
    torch = load_torch()
    encoded = classifier.tokenizer(list(texts), truncation=True, max_length=MAX_LEN, padding=True,
                                   return_tensors="pt")
    with torch.no_grad():
        return classifier.model(**encoded).logits.numpy()


def export_onnx(folder: str | Path) -> Path:
    """Write ``folder/model.onnx`` from the torch weights, record it in the manifest, check it; the path."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest.kind != "transformer":
        raise ConfigurationError(f"model folder {folder} holds a {manifest.kind} model: only transformer "
                                 "models are exported to ONNX")
    torch = load_torch()
    classifier = TransformerClassifier.load(folder, manifest)
    classifier.model.config.return_dict = False          # a plain tuple of outputs traces cleanly
    sample = classifier.tokenizer(list(CHECK_TEXTS[:2]), padding=True, return_tensors="pt")
    inputs = (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"])
    path = folder / ONNX_FILE
    with torch.no_grad():
        torch.onnx.export(classifier.model, inputs, str(path), dynamo=False, opset_version=OPSET,
                          input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                        "attention_mask": {0: "batch", 1: "sequence"},
                                        "token_type_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}})
    if not (folder / TOKENIZER_FILE).is_file():
        classifier.tokenizer.save_pretrained(str(folder))
    files = tuple(dict.fromkeys([*(f for f in manifest.files if f != ONNX_INT8_FILE), ONNX_FILE, TOKENIZER_FILE]))
    manifest = replace(manifest, files=files)
    save_manifest(folder, manifest)
    classifier.model.config.return_dict = True
    full = OnnxClassifier.load(folder, manifest, precision="fp32")
    difference = largest_difference(classifier, full, CHECK_TEXTS)
    if difference > TOLERANCE:
        path.unlink()
        raise ConfigurationError(f"the ONNX export of {folder} differs from torch by {difference:.2g} in a logit "
                                 f"(more than {TOLERANCE}): model.onnx removed")
    quantise_onnx(folder)
    return path


def quantise_onnx(folder: str | Path) -> Path | None:
    """Write ``folder/model.int8.onnx`` from ``model.onnx`` and list it in the manifest when its probabilities
    stay within ``INT8_TOLERANCE`` of the full-precision graph's; the path, or None when it was not kept."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folder = Path(folder)
    manifest = read_manifest(folder)
    path = folder / ONNX_INT8_FILE
    quantize_dynamic(str(folder / ONNX_FILE), str(path), weight_type=QuantType.QInt8)
    full = OnnxClassifier.load(folder, manifest, precision="fp32")
    listed = replace(manifest, files=tuple(dict.fromkeys([*manifest.files, ONNX_INT8_FILE])))
    quantised = OnnxClassifier.load(folder, listed, precision="int8")
    texts = list(CHECK_TEXTS)
    moved = float(np.max(np.abs(softmax(full.logits(texts)) - softmax(quantised.logits(texts)))))
    if moved > INT8_TOLERANCE:
        path.unlink()
        return None
    save_manifest(folder, listed)
    return path


def largest_difference(torch_model: TransformerClassifier, onnx_model: OnnxClassifier, texts) -> float:
    """The largest absolute logit difference between the two runtimes on ``texts`` (batched together)."""
    return float(np.max(np.abs(torch_logits(torch_model, texts) - onnx_model.logits(texts))))

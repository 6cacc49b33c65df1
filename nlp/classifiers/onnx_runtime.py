"""The transformer classifier without torch: the model exported to ONNX (``model.onnx``) run by onnxruntime,
its tokenizer read from ``tokenizer.json`` by the ``tokenizers`` library (the same Rust tokenizer transformers
uses, so the token ids are identical).

This is what ``load_classifier`` loads for a transformer folder that has ``model.onnx``: the runtime install
has onnxruntime and tokenizers (tens of MB), not torch (GBs). ``yuqing export-onnx DIR`` (the ``train`` extra)
writes ``model.onnx`` for a folder trained with torch; ``yuqing train --kind transformer`` writes it itself.

The export also writes ``model.int8.onnx``, the same graph with its weights quantised to 8-bit integers (about 1.3x
faster on two cores, a quarter of the size, the same decisions on the export's check texts). When the manifest
lists it, it is what runs, and the model's name says so (``sentiment-bert-small-int8@…``), so an enriched post
records which numbers scored it; ``precision="fp32"`` loads the full-precision graph.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Sequence

import numpy as np

from core.errors import ConfigurationError
from nlp.classifiers.base import prepare
from nlp.classifiers.transformer import MAX_LEN, MAX_THREADS
from nlp.models import Manifest

ONNX_FILE = "model.onnx"
ONNX_INT8_FILE = "model.int8.onnx"
INT8_SUFFIX = "-int8"
TOKENIZER_FILE = "tokenizer.json"


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


class OnnxClassifier:
    """A sequence classifier exported to ONNX, with its tokenizer; ``predict_proba`` as ``TransformerClassifier``."""

    def __init__(self, manifest: Manifest, tokenizer, session, batch_size: int = 64):
        self.manifest = manifest
        self.tokenizer = tokenizer
        self.session = session
        self.batch_size = batch_size
        self._inputs = {i.name for i in session.get_inputs()}

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Raw logits of already-cleaned texts, one row per text (for the torch comparison and calibration)."""
        encoded = self.tokenizer.encode_batch(list(texts))
        feed = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64)}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.array([e.type_ids for e in encoded], dtype=np.int64)
        return self.session.run(["logits"], feed)[0]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        body, readable = prepare(texts)
        result = np.full(len(body), 0.5)
        # Batches of similar length waste less time on padding.
        order = sorted((i for i in range(len(body)) if readable[i]), key=lambda i: len(body[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            result[batch] = softmax(self.logits([body[i] for i in batch]))[:, 1]
        return result

    @classmethod
    def load(cls, folder: Path, manifest: Manifest, precision: str = "auto") -> "OnnxClassifier":
        """``precision``: ``auto`` (the int8 graph when the manifest lists it, else fp32), ``fp32`` or ``int8``."""
        # Imported here: a process that runs only the classical default never loads onnxruntime (~0.3 s).
        import onnxruntime
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        except Exception as error:  # tokenizers raises a bare Exception for a missing or malformed file
            raise ConfigurationError(f"tokenizer {folder / TOKENIZER_FILE} cannot be read: {error}") from None
        tokenizer.enable_truncation(max_length=int(manifest.config.get("max_len", MAX_LEN)))
        tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = MAX_THREADS
        options.inter_op_num_threads = 1
        int8 = precision == "int8" or (precision == "auto" and ONNX_INT8_FILE in manifest.files)
        if int8 and ONNX_INT8_FILE not in manifest.files:
            raise ConfigurationError(f"model folder {folder} has no {ONNX_INT8_FILE} in its manifest: export it "
                                     "again with `yuqing export-onnx`")
        path = folder / (ONNX_INT8_FILE if int8 else ONNX_FILE)
        try:
            session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own Fail / InvalidGraph types
            raise ConfigurationError(f"ONNX model {path} cannot be loaded: {error}") from None
        if int8 and not manifest.name.endswith(INT8_SUFFIX):
            manifest = replace(manifest, name=manifest.name + INT8_SUFFIX)
        return cls(manifest, tokenizer, session)
